"""The health of a process that has no address to ask: for cron, systemd or a container.

    manage.py health                      # the database and the shared cache answer
    manage.py health --worker             # and no job has waited too long for a worker
    manage.py health --worker --queue matching --max-age 30

Exits 0 when healthy, 1 otherwise (with the reason on stderr). A web process
has /healthz (no database) for its load balancer; this is the deeper check.
A job waits from when it became due (enqueued, or its ``run_after`` passed)
until a worker takes it: one waiting long means that no worker takes that
queue, or that the workers cannot keep up.
"""

from django.conf import settings
from django.core.cache import cache
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.db.models import Case, Count, F, Min, When
from django.utils import timezone
from django.utils.crypto import get_random_string
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from portal.lib.forms import persian_active
from portal.lib.text import to_persian_digits

DATABASE_BACKEND = "django_tasks_db.DatabaseBackend"
MAX_AGE_MINUTES = 10


def waiting(queues):
    """{queue: (jobs due and not taken, when the longest-waiting became due)}."""
    from django_tasks_db.models import DBTaskResult, get_date_max

    # A job without run_after has the far future there and is due since enqueued.
    due_since = Case(When(run_after=get_date_max(), then=F("enqueued_at")), default=F("run_after"))
    rows = (
        DBTaskResult.objects.ready()
        .filter(queue_name__in=queues)
        .values("queue_name")
        .annotate(jobs=Count("pk"), since=Min(due_since))
    )
    found = {row["queue_name"]: (row["jobs"], row["since"]) for row in rows}
    return {queue: found.get(queue, (0, None)) for queue in queues}


def _n(value):
    return to_persian_digits(value) if persian_active() else str(value)


class Command(BaseCommand):
    help = (
        "Check that the database and the shared cache answer; with --worker, also that no "
        "job has waited for a worker longer than --max-age minutes. Exits 1 when not."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--worker", action="store_true", help="Check the job queues too (a worker's check)."
        )
        parser.add_argument(
            "--queue",
            action="append",
            dest="queues",
            help="A queue to check (repeatable); every queue of TASKS by default.",
        )
        parser.add_argument(
            "--max-age",
            type=int,
            default=MAX_AGE_MINUTES,
            help=f"Minutes a due job may wait (default {MAX_AGE_MINUTES}).",
        )

    def handle(self, *, worker, queues, max_age, **options):
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT 1")
        except Exception as error:  # any driver's error: the answer is "unhealthy"
            raise CommandError(
                _("The database does not answer: %(error)s") % {"error": error}
            ) from None
        key = f"health-{get_random_string(12)}"
        try:
            cache.set(key, "ok", 30)
            answered = cache.get(key) == "ok"
            cache.delete(key)
        except Exception as error:  # Redis down, the cache table missing …
            raise CommandError(
                _("The cache does not answer: %(error)s") % {"error": error}
            ) from None
        if not answered:
            raise CommandError(_("The cache does not keep what it is given."))
        self.stdout.write(_("The database and the cache answer."))
        if worker:
            self.check_queues(queues, max_age)

    def check_queues(self, queues, max_age):
        backend = settings.TASKS["default"]["BACKEND"]
        if backend != DATABASE_BACKEND:
            raise CommandError(
                _(
                    "Jobs are not kept in the database (TASKS_BACKEND is %(backend)s): "
                    "check the workers through the broker."
                )
                % {"backend": backend}
            )
        queues = queues or settings.TASKS["default"].get("QUEUES") or ["default"]
        now = timezone.now()
        late = []
        for queue, (jobs, since) in waiting(queues).items():
            minutes = int((now - since).total_seconds() // 60) if since else 0
            if not jobs:
                self.stdout.write(_("%(queue)s: no job waiting.") % {"queue": queue})
                continue
            line = ngettext(
                "%(queue)s: %(jobs)s job waiting, for %(minutes)s minutes.",
                "%(queue)s: %(jobs)s jobs waiting, the oldest for %(minutes)s minutes.",
                jobs,
            ) % {"queue": queue, "jobs": _n(jobs), "minutes": _n(minutes)}
            self.stdout.write(line)
            if minutes >= max_age:
                late.append(queue)
        if late:
            raise CommandError(
                _(
                    "A job has waited %(max_age)s minutes or more on %(queues)s: is a worker "
                    "running for it (manage.py db_worker --queue-name …)?"
                )
                % {"max_age": _n(max_age), "queues": ", ".join(late)}
            )
