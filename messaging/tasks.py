"""Background jobs for messages. Each takes ids, re-reads its row and does
nothing when its work is done already (services.py holds the transitions)."""

from django_tasks import task


@task()
def deliver_message(message_id):
    from . import services

    return services.deliver(message_id)


@task()
def check_delivery(message_id, poll):
    from . import services

    return services.check_delivery(message_id, poll)


@task()
def sweep():
    from . import services

    return list(services.sweep())
