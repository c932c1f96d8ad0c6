"""A real worker process (manage.py db_worker) against a database of its own:
a queued message is sent, and on SQLite a worker's long recompute and the web
process's writes go on together without "database is locked"."""

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

ROOT = Path(__file__).resolve().parent.parent.parent
MANAGE = [sys.executable, str(ROOT / "manage.py")]


@pytest.fixture
def database(tmp_path):
    """The URL of an empty, migrated database of the test's own vendor."""
    if connection.vendor == "postgresql":
        import psycopg

        params = settings.DATABASES["default"]
        name = f"hamsaye_worker_{uuid.uuid4().hex[:8]}"
        server = f"host={params['HOST'] or '127.0.0.1'} port={params['PORT'] or 5432} "
        server += f"user={params['USER']} dbname=postgres"
        with psycopg.connect(server, autocommit=True) as admin:
            admin.execute(f'CREATE DATABASE "{name}"')
        user = params["USER"]
        url = f"postgres://{user}@{params['HOST'] or '127.0.0.1'}:{params['PORT'] or 5432}/{name}"
    else:
        url = f"sqlite:///{tmp_path / 'worker.sqlite3'}"
    run(url, "migrate", "--noinput", "-v0")
    yield url
    if connection.vendor == "postgresql":
        with psycopg.connect(server, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def environment(url):
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST")}
    env.update(
        DATABASE_URL=url,
        DEBUG="1",
        TASKS_BACKEND="django_tasks_db.DatabaseBackend",
        SMS_BACKEND="messaging.backends.console.SMSBackend",
        EMAIL_BACKEND="django.core.mail.backends.console.EmailBackend",
        CONN_MAX_AGE="0",
        SMS_QUIET_HOURS="",
    )
    return env


def run(url, *args, timeout=120):
    done = subprocess.run(
        [*MANAGE, *args],
        env=environment(url),
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=ROOT,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done


def shell(url, code):
    return run(url, "shell", "-c", code).stdout.strip().splitlines()[-1]


def worker(url, *queues):
    return [
        *MANAGE,
        "db_worker",
        "--queue-name",
        ",".join(queues),
        "--batch",
        "--no-startup-delay",
        "--no-reload",
    ]


def test_a_worker_process_sends_a_queued_sms_and_records_it(database):
    pk = shell(
        database,
        "from messaging.services import send_sms; "
        "print(send_sms(to='09121234567', text='کد همسایه: ۱۲۳').pk)",
    )
    assert (
        shell(
            database,
            f"from messaging.models import Message; print(Message.objects.get(pk={pk}).status)",
        )
        == "queued"
    )
    done = subprocess.run(
        worker(database, "default"),
        env=environment(database),
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert "SMS to 09121234567" in done.stdout and "کد همسایه: ۱۲۳" in done.stdout
    row = shell(
        database,
        f"from messaging.models import Message; m = Message.objects.get(pk={pk}); "
        "print(m.status, m.attempts, m.provider_id == f'console-{m.local_id}')",
    )
    assert row == "sent 1 True"


@pytest.mark.skipif("os.environ.get('DATABASE_URL', '').startswith('postgres')")
def test_on_sqlite_a_long_recompute_and_web_writes_go_on_together(database, tmp_path):
    # A registry big enough that its rematch takes a few seconds, written in chunks.
    folder = tmp_path / "registry"
    subprocess.run(
        [
            sys.executable,
            str(ROOT / "bench" / "generate_registry.py"),
            str(folder),
            "--products",
            "6000",
        ],
        check=True,
        capture_output=True,
        cwd=ROOT,
    )
    run(database, "import_directory", str(folder), timeout=300)
    pending = shell(database, "from matching.models import Pending; print(Pending.objects.count())")
    assert int(pending) >= 1
    recompute = subprocess.Popen(
        worker(database, "matching"),
        env=environment(database),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )
    # The web process's writes meanwhile: a product and a need a time, each
    # its own transaction, each telling the engine (which queues, not waits).
    writes = subprocess.run(
        [*MANAGE, "shell", "-c", WRITES],
        env=environment(database),
        capture_output=True,
        text=True,
        timeout=300,
        cwd=ROOT,
    )
    out, err = recompute.communicate(timeout=600)
    assert writes.returncode == 0, writes.stderr[-3000:]
    assert "database is locked" not in writes.stderr + err
    assert recompute.returncode == 0, err[-3000:]
    assert int(writes.stdout.strip().splitlines()[-1].split()[1]) == 60
    # Writes went in while a recompute was running, not only before or after it.
    assert int(writes.stdout.strip().splitlines()[-1].split()[2]) >= 5, writes.stdout
    assert "matching.tasks.recompute state=SUCCESSFUL" in err + out
    # Nothing the writes noted is lost: a last run takes what is left, and
    # every new need has been read by the engine.
    run(database, *worker(database, "matching")[2:])
    assert shell(database, CHECK) == "0 30"


CHECK = """
from matching.models import NeedTerm, Pending
print(Pending.objects.count(), NeedTerm.objects.filter(need__name__startswith="مهره آزمایشی")
      .values("need").distinct().count())
"""


WRITES = """
import time
from django.db import transaction
from exhibitors.models import Exhibitor, Need, Product
from django_tasks_db.models import DBTaskResult
from portal.lib import changes
running = DBTaskResult.objects.filter(status="RUNNING", task_path__endswith="recompute")
deadline = time.monotonic() + 60
while not running.exists() and time.monotonic() < deadline:
    time.sleep(0.05)
during = 0
unit = Exhibitor.objects.order_by("pk").first()
start = time.monotonic()
wrote = 0
for i in range(30):
    with transaction.atomic():
        product = Product.objects.create(
            exhibitor=unit, name=f"پیچ آزمایشی {i}", category=unit.category
        )
        changes.changed(products=[product.pk], created=True)
    with transaction.atomic():
        need = Need.objects.create(exhibitor=unit, name=f"مهره آزمایشی {i}", category=unit.category)
        changes.changed(needs=[need.pk])
    wrote += 2
    during += running.exists()
    time.sleep(0.1)
print(round(time.monotonic() - start, 2), wrote, during)
"""
