"""manage.py health: the database and cache answer; with --worker, no job waits too long."""

import datetime
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone
from django.utils.translation import override
from django_tasks_db.models import DBTaskResult, get_date_max

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _database_jobs(settings):
    settings.TASKS = {
        "default": {
            "BACKEND": "django_tasks_db.DatabaseBackend",
            "QUEUES": ["default", "matching"],
        }
    }


def job(queue, *, enqueued_minutes_ago, run_after=None, status="READY"):
    row = DBTaskResult.objects.create(
        task_path="messaging.tasks.send_message",
        args_kwargs={"args": [1], "kwargs": {}},
        queue_name=queue,
        backend_name="default",
        run_after=run_after or get_date_max(),
        status=status,
    )
    DBTaskResult.objects.filter(pk=row.pk).update(
        enqueued_at=timezone.now() - datetime.timedelta(minutes=enqueued_minutes_ago)
    )
    return row


def health(*args):
    out = StringIO()
    with override("en"):
        call_command("health", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


def failing(*args):
    with override("en"), pytest.raises(CommandError) as raised:
        call_command("health", *args, stdout=StringIO(), stderr=StringIO())
    return str(raised.value)


def test_the_database_and_the_cache_answer():
    assert health() == "The database and the cache answer.\n"


def test_no_job_waiting_is_healthy():
    out = health("--worker")
    assert "default: no job waiting." in out and "matching: no job waiting." in out


def test_a_job_waiting_less_than_the_limit_is_healthy():
    job("default", enqueued_minutes_ago=3)
    job("default", enqueued_minutes_ago=1)
    assert "default: 2 jobs waiting, the oldest for 3 minutes." in health("--worker")


def test_a_job_waiting_past_the_limit_fails_naming_its_queue():
    job("matching", enqueued_minutes_ago=25)
    job("default", enqueued_minutes_ago=2)

    message = failing("--worker", "--max-age", "10")

    assert "waited 10 minutes or more on matching" in message
    assert "db_worker" in message
    # One queue at a time: the default queue's worker is fine.
    assert "default: 1 job waiting, for 2 minutes." in health("--worker", "--queue", "default")
    # A larger limit holds.
    health("--worker", "--max-age", "30")


def test_jobs_not_due_or_taken_do_not_count():
    # A retry due in an hour, a job a worker is running, one that finished.
    job("default", enqueued_minutes_ago=90, run_after=timezone.now() + datetime.timedelta(hours=1))
    job("default", enqueued_minutes_ago=90, status="RUNNING")
    job("default", enqueued_minutes_ago=90, status="SUCCESSFUL")
    # Enqueued long ago, due two minutes ago: it has waited two minutes.
    job(
        "matching",
        enqueued_minutes_ago=90,
        run_after=timezone.now() - datetime.timedelta(minutes=2),
    )

    out = health("--worker")

    assert "default: no job waiting." in out
    assert "matching: 1 job waiting, for 2 minutes." in out


def test_the_counts_are_in_persian_digits_in_persian():
    for _ in range(12):
        job("default", enqueued_minutes_ago=15)
    with pytest.raises(CommandError) as raised:
        call_command("health", "--worker", stdout=(out := StringIO()), stderr=StringIO())
    assert "۱۲" in out.getvalue() and "۱۵" in out.getvalue()
    assert "۱۰" in str(raised.value)


def test_a_broker_backend_cannot_be_checked_here(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend"}}
    assert "TASKS_BACKEND is django_tasks_rq.RQBackend" in failing("--worker")


def test_a_cache_that_does_not_answer_is_unhealthy(settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
        }
    }
    assert failing().startswith("The cache does not answer")
