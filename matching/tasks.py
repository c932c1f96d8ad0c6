"""Background jobs of the matching engine, on their own queue ("matching"), so
that a long recompute never holds up a sign-in code on the default queue."""

from django_tasks import task


@task(queue_name="matching")
def recompute(kind, key):
    from . import services

    return services.recompute(kind, key)


@task(queue_name="matching")
def sweep():
    from . import services

    return services.sweep()


# tokens (issue 13): mail, not a recompute, so on the default queue.
@task()
def reply_digest(request_id, unit_id, first_id):
    from . import services

    return services.send_reply_digest(request_id, unit_id, first_id)
