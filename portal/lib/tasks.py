"""Enqueueing background jobs (Django's Tasks API), and the backend tests use.

Jobs live in ``<app>/tasks.py``, take ids, and are idempotent; services
enqueue them, with ``task.using(run_after=...)`` for a delay, which the
database backend keeps until it is due.
"""

from django_tasks.backends.immediate import ImmediateBackend

# What TestBackend was asked to run later: (when, task, args, kwargs).
deferred = []


class TestBackend(ImmediateBackend):
    """Runs a job at once, as the immediate backend does, except that a job's
    exception reaches the test, and a job with ``run_after`` is kept in
    ``deferred`` until ``run_deferred()``: retries and polls can be tested
    with a clock that the test moves."""

    supports_defer = True

    def enqueue(self, task, args, kwargs):
        self.validate_task(task)
        if task.run_after is not None:
            deferred.append((task.run_after, task, args, kwargs))
            return None
        return task.call(*args, **kwargs)


def run_deferred(now=None):
    """Run the deferred jobs due by ``now`` (all when None), oldest first, and
    what they defer in turn if due; returns how many ran."""
    ran = 0
    while True:
        due = sorted(
            (job for job in deferred if now is None or job[0] <= now), key=lambda job: job[0]
        )
        if not due:
            return ran
        for job in due:
            deferred.remove(job)
            _when, task, args, kwargs = job
            task.call(*args, **kwargs)
            ran += 1
        if now is None:
            # Each pass runs what the last one deferred: stop rather than loop
            # on a job that always defers itself again.
            return ran
