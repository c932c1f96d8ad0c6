"""Writes about units and their people: registration, access, invitations, members."""

import datetime

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.models import Account
from messaging.models import Message
from messaging.services import send_templated_email, send_templated_sms
from portal.lib import changes, tokens
from portal.lib.text import compact

from .forms import NeedForm
from .models import AccessRequest, Invitation, Membership, Need, Product
from .models.units import not_member_material, staff_not_member

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


# -- Who may do what -------------------------------------------------------


def verified(user):
    """Whether ``user`` proved a mobile number or an email address: what an account
    needs before it writes to others (access requests, invitations, contact
    requests), so that a throw-away sign-up cannot send mail."""
    return (
        Account.objects.filter(user=user)
        .filter(
            Q(mobile_verified_at__isnull=False, mobile__gt="")
            | Q(email_verified_at__isnull=False, user__email__gt="")
        )
        .exists()
    )


def require_verified(user):
    """Raises ValidationError (code "unverified") unless ``user`` is verified()."""
    if user is not None and not verified(user):
        raise ValidationError(
            _(
                "First verify your mobile number or your email address on your account "
                "page; then you can send this."
            ),
            code="unverified",
        )


def require_member_material(user):
    """Raises ValidationError (code "staff") for an organizer or administrator:
    unit members are other accounts only (Membership.clean says the same)."""
    if not_member_material(user):
        raise staff_not_member()


def _lock(user):
    """Take the user's row: one of their writes at a time, so that two quick
    submits cannot both pass a daily limit."""
    get_user_model().objects.select_for_update().filter(pk=user.pk).first()


def _per_day(count, limit, message):
    if count >= limit:
        raise ValidationError(message % {"n": limit}, code="daily_limit")


def _since():
    return timezone.now() - datetime.timedelta(days=1)


# -- Units, access, invitations ---------------------------------------------


@transaction.atomic
def register_unit(*, form, user):
    """Save a new unit from a valid form and make ``user`` its owner.

    Side effects: an Exhibitor and an owner Membership. Raises ValidationError
    for an organizer (not a member) and past settings.UNITS_PER_USER_PER_DAY
    units registered in 24 hours.
    """
    require_member_material(user)
    _lock(user)
    limit = settings.UNITS_PER_USER_PER_DAY
    since = _since()
    registered = Membership.objects.filter(
        user=user,
        role=Membership.Role.OWNER,
        created_at__gte=since,
        exhibitor__created_at__gte=since,
    ).count()
    _per_day(
        registered,
        limit,
        ngettext(
            "An account can register at most %(n)d unit a day. Please try again tomorrow.",
            "An account can register at most %(n)d units a day. Please try again tomorrow.",
            limit,
        ),
    )
    exhibitor = form.save()
    Membership.objects.create(user=user, exhibitor=exhibitor, role=Membership.Role.OWNER)
    return exhibitor


def request_access(*, user, exhibitor, message):
    """Ask the organizers to let ``user`` manage a unit registered by someone else.

    Side effects: an AccessRequest (pending); mail to every organizer.
    Raises ValidationError if the user is already a member or already asked,
    is an organizer, has verified neither mobile nor email, or has asked
    settings.ACCESS_REQUESTS_PER_USER_PER_DAY times in 24 hours.
    """
    require_member_material(user)
    require_verified(user)
    with transaction.atomic():
        _lock(user)
        if exhibitor.memberships.filter(user=user).exists():
            raise ValidationError(
                _("You are already a member of this unit."), code="already_member"
            )
        if exhibitor.access_requests.filter(
            user=user, status=AccessRequest.Status.PENDING
        ).exists():
            raise ValidationError(
                _("You have already asked for access to this unit."), code="already_requested"
            )
        limit = settings.ACCESS_REQUESTS_PER_USER_PER_DAY
        _per_day(
            AccessRequest.objects.filter(user=user, created_at__gte=_since()).count(),
            limit,
            ngettext(
                "An account can ask for access at most %(n)d time a day. "
                "Please try again tomorrow.",
                "An account can ask for access at most %(n)d times a day. "
                "Please try again tomorrow.",
                limit,
            ),
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
    the user who asked. Raises ValidationError when granting to an organizer
    (an account made one after it asked).
    """
    if access.status != AccessRequest.Status.PENDING:
        return False
    if grant:
        require_member_material(access.user)
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

    Side effects: an Invitation (its token's digest only, expiring after
    settings.INVITATION_DAYS); mail to the address with the link. An earlier
    invitation of the address that expired is marked withdrawn. The returned
    invitation's ``url`` is the link (it is stored nowhere).
    Raises ValidationError if the address is already a member or has an open
    invitation, if ``invited_by`` has verified neither mobile nor email, or has
    sent settings.INVITATIONS_PER_USER_PER_DAY invitations in 24 hours.
    """
    email = email.strip().lower()
    require_verified(invited_by)
    raw, digest = tokens.new_token()
    now = timezone.now()
    with transaction.atomic():
        if invited_by is not None:
            _lock(invited_by)
            limit = settings.INVITATIONS_PER_USER_PER_DAY
            _per_day(
                Invitation.objects.filter(invited_by=invited_by, created_at__gte=_since()).count(),
                limit,
                ngettext(
                    "An account can send at most %(n)d invitation a day. "
                    "Please try again tomorrow.",
                    "An account can send at most %(n)d invitations a day. "
                    "Please try again tomorrow.",
                    limit,
                ),
            )
        if exhibitor.memberships.filter(user__email__iexact=email).exists():
            raise ValidationError(_("This person is already a member."), code="already_member")
        if exhibitor.invitations.open(now).filter(email=email).exists():
            raise ValidationError(
                _("This address has already been invited."), code="already_invited"
            )
        # An expired one gives way to the new one.
        exhibitor.invitations.filter(
            email=email, accepted_at__isnull=True, revoked_at__isnull=True
        ).update(revoked_at=now)
        invitation = Invitation.objects.create(
            exhibitor=exhibitor,
            email=email,
            role=role,
            invited_by=invited_by,
            token_hash=digest,
            expires_at=tokens.expires_at(settings.INVITATION_DAYS, now),
        )
    invitation.url = settings.SITE_URL + reverse("invitation", args=[raw])
    send_templated_email(
        "exhibitors/email/invitation",
        {"invitation": invitation, "url": invitation.url},
        [email],
        # The link is the invitation: the admin does not show it.
        purpose=Message.Purpose.CODE,
    )
    return invitation


def find_invitation(raw):
    """The invitation whose link carries ``raw`` (used, withdrawn, expired or
    not: Invitation.problem() says), or None."""
    if not raw or len(raw) > 200:
        return None
    return (
        Invitation.objects.select_related("exhibitor").filter(token_hash=tokens.digest(raw)).first()
    )


@transaction.atomic
def accept_invitation(*, invitation, user):
    """Make ``user`` a member as invited. The invitation is for their address only.

    Side effects: a Membership; the invitation marked accepted. Raises
    ValidationError for an invitation used, withdrawn or expired, for another
    address, and for an organizer.
    """
    # Locked: the same link opened twice at once makes one member.
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    problem = invitation.problem()
    if problem is not None:
        raise problem
    if user.email.lower() != invitation.email:
        raise ValidationError(
            _("This invitation was sent to another email address."), code="other_address"
        )
    require_member_material(user)
    membership, _created = Membership.objects.get_or_create(
        user=user, exhibitor=invitation.exhibitor, defaults={"role": invitation.role}
    )
    invitation.accepted_at = timezone.now()
    invitation.save(update_fields=["accepted_at"])
    return membership


def revoke_invitation(*, invitation):
    """An owner withdraws an invitation not yet accepted: its link stops working.

    Side effects: the invitation's revoked_at. Returns whether it changed."""
    return bool(
        Invitation.objects.filter(
            pk=invitation.pk, accepted_at__isnull=True, revoked_at__isnull=True
        ).update(revoked_at=timezone.now())
    )


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
