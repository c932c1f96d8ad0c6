"""Background jobs of campaigns (on the default queue beside the messages they
queue) and of imports."""

from django_tasks import task


@task()
def send_batch(campaign_id, chain=0, due=None):
    from . import services

    return services.send_batch(campaign_id, chain, due)


# Imports take minutes on a whole province: on the queue of long jobs, so that
# sign-in codes on the default queue never wait behind one.
@task(queue_name="matching")
def check_import(run_id):
    from . import imports

    return imports.check(run_id)


@task(queue_name="matching")
def run_import(run_id):
    from . import imports

    return imports.write(run_id)
