"""Writes that touch several rows or need a lock: views, admin and commands call these."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import Booth, Participation


def lock_free_booth(*, booth, participation):
    """Lock the booth's row and check that no other participation holds it.

    Call inside a transaction that then saves the participation: a second
    organizer assigning the same booth waits for the lock and then sees the
    first assignment. Raises ValidationError (code ``booth_taken``).
    Side effects: a row lock on the booth until the transaction ends.
    """
    Booth.objects.select_for_update().get(pk=booth.pk)
    holders = Participation.objects.filter(booth=booth)
    if participation.pk:
        holders = holders.exclude(pk=participation.pk)
    if holders.exists():
        raise ValidationError(
            _("Booth %(code)s is already taken by another unit.") % {"code": booth.code},
            code="booth_taken",
        )


@transaction.atomic
def decide(*, participations, status):
    """Approve or reject applications; returns how many changed.

    Side effects: sets status and decided_at; a rejected participation
    gives up its booth. Withdrawn applications are left as they are.
    """
    if status not in (Participation.Status.APPROVED, Participation.Status.REJECTED):
        raise ValueError(f"decide() takes approved or rejected, not {status!r}")
    changes = {"status": status, "decided_at": timezone.now()}
    if status == Participation.Status.REJECTED:
        changes["booth"] = None
    return (
        Participation.objects.filter(pk__in=[p.pk for p in participations])
        .exclude(status__in=[status, Participation.Status.WITHDRAWN])
        .update(**changes)
    )
