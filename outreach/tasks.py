"""Background jobs of campaigns, on the default queue beside the messages they queue."""

from django_tasks import task


@task()
def send_batch(campaign_id):
    from . import services

    return services.send_batch(campaign_id)
