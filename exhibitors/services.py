"""Writes about units and their people: registration, access, invitations, members."""

import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Account
from messaging.models import Message
from messaging.services import send_templated_email, send_templated_sms
from portal.lib import changes
from portal.lib.text import compact

from .forms import NeedForm
from .models import AccessRequest, Invitation, Membership, Need, Product

ORGANIZERS = "Organizers"


def organizer_emails():
    """Active staff of the Organizers group: who hears of applications and requests."""
    return list(
        get_user_model()
        .objects.filter(is_active=True, is_staff=True, groups__name=ORGANIZERS)
        .exclude(email="")
        .values_list("email", flat=True)
    )


def member_emails(exhibitor):
    return list(
        exhibitor.memberships.filter(user__is_active=True)
        .exclude(user__email="")
        .values_list("user__email", flat=True)
    )


def member_numbers(exhibitor):
    """The verified mobiles of members who have no verified email: they are told
    by SMS what the others read by email."""
    return _numbers(Account.objects.filter(user__memberships__exhibitor=exhibitor))


def _numbers(accounts):
    return list(
        accounts.filter(
            user__is_active=True, mobile_verified_at__isnull=False, email_verified_at=None
        )
        .exclude(mobile="")
        .values_list("mobile", flat=True)
        .distinct()
    )


def reachable(exhibitor):
    """Whether any member of the unit can be told anything (by email or SMS)."""
    return bool(member_emails(exhibitor) or member_numbers(exhibitor))


def notify_members(exhibitor, name, context):
    """Tell every member of the unit: <name> by email, <name>_sms.txt by SMS to those
    with only a verified mobile. Side effects: messages queued."""
    send_templated_email(name, context, member_emails(exhibitor))
    send_templated_sms(name, context, member_numbers(exhibitor))


def notify_user(user, name, context):
    """Tell one person, by email if they have one, by SMS to a verified mobile if
    they have no verified email."""
    send_templated_email(name, context, [user.email])
    send_templated_sms(name, context, _numbers(Account.objects.filter(user=user)))


@transaction.atomic
def register_unit(*, form, user):
    """Save a new unit from a valid form and make ``user`` its owner.

    Side effects: an Exhibitor and an owner Membership.
    """
    exhibitor = form.save()
    Membership.objects.create(user=user, exhibitor=exhibitor, role=Membership.Role.OWNER)
    return exhibitor


def request_access(*, user, exhibitor, message):
    """Ask the organizers to let ``user`` manage a unit registered by someone else.

    Side effects: an AccessRequest (pending); mail to every organizer.
    Raises ValidationError if the user is already a member or already asked.
    """
    if exhibitor.memberships.filter(user=user).exists():
        raise ValidationError(_("You are already a member of this unit."), code="already_member")
    if exhibitor.access_requests.filter(user=user, status=AccessRequest.Status.PENDING).exists():
        raise ValidationError(
            _("You have already asked for access to this unit."), code="already_requested"
        )
    access = AccessRequest.objects.create(user=user, exhibitor=exhibitor, message=message)
    send_templated_email(
        "exhibitors/email/access_requested",
        {
            "access": access,
            "url": settings.SITE_URL
            + reverse("admin:exhibitors_accessrequest_change", args=[access.pk]),
        },
        organizer_emails(),
    )
    return access


@transaction.atomic
def decide_access(*, access, grant):
    """Grant (a staff membership) or decline a pending access request.

    Side effects: the request's status; a Membership when granted; mail to
    the user who asked.
    """
    if access.status != AccessRequest.Status.PENDING:
        return False
    access.status = AccessRequest.Status.GRANTED if grant else AccessRequest.Status.DECLINED
    access.decided_at = timezone.now()
    access.save(update_fields=["status", "decided_at"])
    if grant:
        Membership.objects.get_or_create(
            user=access.user, exhibitor=access.exhibitor, defaults={"role": Membership.Role.STAFF}
        )
    notify_user(
        access.user,
        "exhibitors/email/access_decided",
        {"access": access, "url": settings.SITE_URL + reverse("dashboard")},
    )
    return True


def invite_member(*, exhibitor, email, role, invited_by):
    """Invite a colleague by email to manage the unit.

    Side effects: an Invitation with a secret token; mail to the address.
    Raises ValidationError if the address is already a member or invited.
    """
    email = email.strip().lower()
    if exhibitor.memberships.filter(user__email__iexact=email).exists():
        raise ValidationError(_("This person is already a member."), code="already_member")
    if exhibitor.invitations.filter(email=email, accepted_at__isnull=True).exists():
        raise ValidationError(_("This address has already been invited."), code="already_invited")
    invitation = Invitation.objects.create(
        exhibitor=exhibitor,
        email=email,
        role=role,
        invited_by=invited_by,
        token=secrets.token_urlsafe(32),
    )
    send_templated_email(
        "exhibitors/email/invitation",
        {
            "invitation": invitation,
            "url": settings.SITE_URL + reverse("invitation", args=[invitation.token]),
        },
        [email],
        # The link is the invitation: the admin does not show it.
        purpose=Message.Purpose.CODE,
    )
    return invitation


@transaction.atomic
def accept_invitation(*, invitation, user):
    """Make ``user`` a member as invited. The invitation is for their address only.

    Side effects: a Membership; the invitation marked accepted.
    """
    if invitation.accepted_at is not None:
        raise ValidationError(_("This invitation has already been used."), code="used")
    if user.email.lower() != invitation.email:
        raise ValidationError(
            _("This invitation was sent to another email address."), code="other_address"
        )
    membership, _created = Membership.objects.get_or_create(
        user=user, exhibitor=invitation.exhibitor, defaults={"role": invitation.role}
    )
    invitation.accepted_at = timezone.now()
    invitation.save(update_fields=["accepted_at"])
    return membership


@transaction.atomic
def remove_member(*, membership):
    """Remove a member; the last owner of a unit stays.

    Side effects: deletes the Membership. The unit's owners are locked while
    counting, so that two owners removing each other cannot leave none.
    """
    owners = list(
        Membership.objects.select_for_update()
        .filter(exhibitor_id=membership.exhibitor_id, role=Membership.Role.OWNER)
        .values_list("pk", flat=True)
    )
    if membership.role == Membership.Role.OWNER and owners == [membership.pk]:
        raise ValidationError(
            _("The last owner cannot be removed. Make someone else an owner first."),
            code="last_owner",
        )
    membership.delete()


def item_changed(item, created=False):
    """Tell the matching engine (portal/lib/changes.py) a product or need was
    written (or deleted: ``item.pk`` still set)."""
    if isinstance(item, Product):
        changes.changed(products=[item.pk], created=created)
    else:
        changes.changed(needs=[item.pk])


def save_item(form, *, created=False):
    """Save a valid product or need form (ProductForm, NeedForm) and say so.

    Side effects: the Product or Need; its matches recomputed after the commit.
    """
    item = form.save()
    item_changed(item, created=created)
    return item


def same_need(exhibitor, name):
    """The unit's need of the same name once normalized («پيچ‌ها» is «پیچ ها»), or None."""
    key = compact(name)
    for need in exhibitor.needs.all():
        if compact(need.name) == key:
            return need
    return None


def add_need(*, exhibitor, name):
    """A need named ``name`` for the unit, as the need form makes one (a search that
    found no supplier adds it in one tap). Returns (need, created): a need of
    the same normalized name is returned as it is (a double tap adds one).

    Side effects: a Need, matched after the commit (save_item).
    Raises ValidationError for a name the need form refuses (empty, too long).
    """
    existing = same_need(exhibitor, name)
    if existing:
        return existing, False
    form = NeedForm({"name": name}, instance=Need(exhibitor=exhibitor))
    if not form.is_valid():
        raise ValidationError(form.errors.get("name") or form.non_field_errors())
    try:
        with transaction.atomic():
            return save_item(form, created=True), True
    except IntegrityError:
        # The same tap twice at once: the other request wrote it.
        existing = same_need(exhibitor, name)
        if existing is None:
            raise
        return existing, False
