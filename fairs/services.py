"""Writes that touch several rows or need a lock: views, admin and commands call these."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from exhibitors.services import notify_members, organizer_emails
from messaging.services import send_templated_email
from portal.lib import changes as portal_changes

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
    gives up its booth; mail to the members of each unit whose status
    changed. Withdrawn applications are left as they are.
    """
    if status not in (Participation.Status.APPROVED, Participation.Status.REJECTED):
        raise ValueError(f"decide() takes approved or rejected, not {status!r}")
    changing = list(
        Participation.objects.select_for_update()
        .filter(pk__in=[p.pk for p in participations])
        .exclude(status__in=[status, Participation.Status.WITHDRAWN])
        .select_related("fair", "exhibitor")
    )
    changes = {"status": status, "decided_at": timezone.now()}
    if status == Participation.Status.REJECTED:
        changes["booth"] = None
    Participation.objects.filter(pk__in=[p.pk for p in changing]).update(**changes)
    portal_changes.changed(fairs={p.fair_id for p in changing})
    for participation in changing:
        participation.status = status
        transaction.on_commit(lambda p=participation: notify_unit(participation=p))
    return len(changing)


def notify_unit(*, participation):
    """Tell the unit's members that their application's status changed."""
    notify_members(
        participation.exhibitor,
        "fairs/email/status_changed",
        {"participation": participation, "url": settings.SITE_URL + reverse("dashboard")},
    )


def apply(*, exhibitor, fair):
    """The unit applies to a fair whose registration is open.

    A unit that withdrew may apply again. Side effects: a Participation
    (applied); mail to every organizer. Raises ValidationError when
    registration is closed or the unit has already applied.
    """
    if not fair.is_open_for_registration():
        raise ValidationError(_("Registration for this fair is not open."), code="closed")
    try:
        with transaction.atomic():
            participation, created = Participation.objects.get_or_create(
                fair=fair, exhibitor=exhibitor
            )
            if not created:
                if participation.status != Participation.Status.WITHDRAWN:
                    raise ValidationError(
                        _("This unit has already applied to this fair."), code="already_applied"
                    )
                participation.status = Participation.Status.APPLIED
                participation.applied_at = timezone.now()
                participation.decided_at = None
                participation.save(update_fields=["status", "applied_at", "decided_at"])
    except IntegrityError:
        # A double submit: the other request created it a moment ago.
        raise ValidationError(
            _("This unit has already applied to this fair."), code="already_applied"
        ) from None
    send_templated_email(
        "fairs/email/applied",
        {
            "participation": participation,
            "url": settings.SITE_URL
            + reverse("admin:fairs_participation_change", args=[participation.pk]),
        },
        organizer_emails(),
    )
    return participation


def withdraw(*, participation):
    """The unit withdraws before the fair starts, giving up any booth.

    Side effects: status withdrawn, booth released.
    """
    if participation.status == Participation.Status.WITHDRAWN:
        return participation
    if participation.status not in (Participation.Status.APPLIED, Participation.Status.APPROVED):
        raise ValidationError(
            _("Only a pending or approved application can be withdrawn."), code="decided"
        )
    if timezone.localdate() >= participation.fair.starts_on:
        raise ValidationError(
            _("The fair has started: please contact the organizers."), code="started"
        )
    participation.status = Participation.Status.WITHDRAWN
    participation.booth = None
    participation.save(update_fields=["status", "booth"])
    portal_changes.changed(fairs=[participation.fair_id])
    return participation


def assign_booth(*, participation, booth):
    """Give an approved participation a free booth of its fair (or move it there).

    Safe when two organizers assign the same booth at once: the
    participation's row and then the booth's row are locked, so the second
    waits and then finds the booth taken; the one-participation-per-booth
    constraint stands behind it. Raises ValidationError with a message for
    the organizer. Side effects: the participation's booth.
    """
    with transaction.atomic():
        participation = (
            Participation.objects.select_for_update(of=("self",))
            .select_related("fair")
            .get(pk=participation.pk)
        )
        if participation.status != Participation.Status.APPROVED:
            raise ValidationError(
                _("Only an approved participation can hold a booth."), code="not_approved"
            )
        if booth.fair_id != participation.fair_id:
            raise ValidationError(_("This booth belongs to another fair."), code="other_fair")
        lock_free_booth(booth=booth, participation=participation)
        participation.booth = booth
        try:
            with transaction.atomic():
                participation.save(update_fields=["booth"])
        except IntegrityError:
            raise ValidationError(
                _("Booth %(code)s is already taken by another unit.") % {"code": booth.code},
                code="booth_taken",
            ) from None
        portal_changes.changed(fairs=[participation.fair_id])
    return participation
