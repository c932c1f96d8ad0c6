"""Campaigns: their audience, their message, sending at a rate; the links;
claiming a unit; and the funnel.

Sending: send() freezes the recipients (one row per unit, unique, so a
second press adds nobody) and enqueues send_batch(). Each batch hands
``rate × BATCH_SECONDS`` recipients to messaging, each recipient's row
changing from waiting to queued in the same transaction as its Message
row: a worker that dies mid-batch leaves each recipient either with its
message or still waiting, never both or twice. The next batch is enqueued
BATCH_SECONDS later, so the campaign holds its rate; a paused campaign's
batch does nothing, and resume() enqueues one again.
"""

import datetime
import logging
import secrets
import string

from django.conf import settings
from django.contrib.auth import get_user_model, login
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import CharField, Count, Exists, F, OuterRef, Prefetch, Q, Value
from django.db.models.functions import Coalesce, Substr
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts import services as accounts
from accounts.models import Account, LoginCode
from exhibitors.models import Category, Exhibitor, Invitation, Membership, Need, Product
from fairs.models import Participation
from messaging import services as messaging
from messaging.backends import get_backend
from messaging.models import Message, OptOut
from portal.lib import sms, tokens
from portal.lib.identifiers import clean_mobile
from portal.lib.jalali import format_short

from . import tasks
from .models import Campaign, Claim, Recipient

log = logging.getLogger(__name__)

PLACEHOLDERS = ("unit", "fair", "dates", "deadline", "link")
MAX_PARTS = 8
# Each batch hands this many seconds' worth of messages to messaging.
BATCH_SECONDS = 10
CODE_ALPHABET = "23456789abcdefghjkmnpqrstuvwxyz"
CODE_LENGTH = 14


# -- The audience ----------------------------------------------------------------


def claimed_units():
    return Membership.objects.filter(exhibitor=OuterRef("pk"))


def audience(campaign):
    """The units the campaign goes to, from its filters (a queryset)."""
    units = Exhibitor.objects.all()
    if campaign.reminder_of_id:
        earlier = Recipient.objects.filter(campaign=campaign.reminder_of_id)
        since = campaign.reminder_of.sent_at or campaign.reminder_of.created_at
        acted = Q(claims__created_at__gte=since, claims__revoked_at__isnull=True) | Q(
            participations__fair=campaign.fair_id
        )
        units = units.filter(pk__in=earlier.values("unit")).exclude(
            pk__in=Exhibitor.objects.filter(acted).values("pk")
        )
    if campaign.county_id:
        units = units.filter(county=campaign.county_id)
    elif campaign.province_id:
        units = units.filter(county__province=campaign.province_id)
    if campaign.park_id:
        units = units.filter(park=campaign.park_id)
    if campaign.isic:
        divisions = [campaign.isic] if campaign.isic.isdigit() else _divisions_of(campaign.isic)
        inside = Q(pk__in=[])
        for division in divisions:
            inside |= Q(category__code__startswith=division)
        units = units.filter(inside)
    State = Campaign.State
    applied = Participation.objects.filter(fair=campaign.fair_id, exhibitor=OuterRef("pk"))
    if campaign.state == State.NEVER_CLAIMED:
        units = units.exclude(Exists(claimed_units()))
    elif campaign.state == State.NO_PRODUCT:
        units = units.filter(Exists(claimed_units())).filter(products__isnull=True)
    elif campaign.state == State.NOT_APPLIED:
        units = units.exclude(Exists(applied))
    elif campaign.state == State.EARLIER_EDITION:
        fair = campaign.fair
        earlier = Participation.objects.filter(
            exhibitor=OuterRef("pk"),
            status=Participation.Status.APPROVED,
            fair__series=fair.series,
            fair__starts_on__lt=fair.starts_on,
        ).exclude(fair=fair)
        units = (
            units.filter(Exists(earlier)).exclude(Exists(applied)) if fair.series else units.none()
        )
    return units.distinct()


def _divisions_of(section):
    return list(
        Category.objects.filter(
            level=Category.Level.DIVISION, parent__code=section.upper()
        ).values_list("code", flat=True)
    )


# -- The message -----------------------------------------------------------------


def check_template(text):
    """The placeholders a template uses; a ValidationError for an unknown or broken one."""
    if not text.strip():
        raise ValidationError(_("Write the message."), code="empty")
    used = []
    try:
        for _literal, field, spec, conversion in string.Formatter().parse(text):
            if field is None:
                continue
            if field not in PLACEHOLDERS or spec or conversion:
                raise ValidationError(
                    _("{%(name)s} is not a placeholder. Use %(known)s.")
                    % {"name": field, "known": ", ".join(f"{{{p}}}" for p in PLACEHOLDERS)},
                    code="unknown_placeholder",
                )
            used.append(field)
    except ValueError:
        raise ValidationError(
            _("A brace is not closed: write placeholders as {unit}."), code="broken"
        ) from None
    return used


def link_of(code):
    return settings.SITE_URL + reverse("outreach:link", args=[code])


def render(campaign, unit, code, *, language="fa"):
    """The message for one unit, in ``language``."""
    fair = campaign.fair
    persian = language == "fa"
    template = campaign.template_en if language == "en" and campaign.template_en else None
    template = template or campaign.template_fa
    with translation.override(language):
        dates = _("%(start)s to %(end)s") % {
            "start": format_short(fair.starts_on, persian),
            "end": format_short(fair.ends_on, persian),
        }
    return template.format(
        unit=unit.display_name,
        fair=fair.title_fa if persian or not fair.title_en else fair.title_en,
        dates=dates,
        deadline=format_short(fair.registration_closes_on, persian),
        link=link_of(code),
    )


def sms_text(campaign, unit, code, number):
    """What the SMS says, with the opt-out line that promotional SMS end with."""
    with translation.override("fa"):
        return f"{render(campaign, unit, code)}\n{messaging.opt_out_line(number)}"


SAMPLE_CODE = "x" * CODE_LENGTH
SAMPLE_NUMBER = "09120000000"


def estimate(campaign, units=None):
    """What sending would take: {count, sample (a unit), preview, parts (of the
    longest message), messages, total_parts, cost, credit}."""
    units = audience(campaign) if units is None else units
    count = units.count()
    longest = max(
        units.only("brand", "legal_name")[:2000],
        key=lambda unit: len(unit.display_name),
        default=None,
    )
    sample = units.order_by("pk").first()
    preview = (
        sms_text(campaign, sample, SAMPLE_CODE, sample.mobile or SAMPLE_NUMBER) if sample else ""
    )
    parts = sms.parts(sms_text(campaign, longest, SAMPLE_CODE, SAMPLE_NUMBER)) if longest else 0
    with_mobile = units.exclude(mobile="").count() if campaign.uses_sms else 0
    total_parts = parts * with_mobile
    return {
        "count": count,
        "sample": sample,
        "preview": preview,
        "parts": parts,
        "messages": with_mobile,
        "total_parts": total_parts,
        "cost": total_parts * settings.SMS_PRICE_PER_PART,
        "credit": credit(),
    }


CREDIT_CACHE_KEY = "outreach.credit"
# The estimate asks on every change of the form: a minute-old figure will do
# there. A batch asks afresh (fresh=True): it is about to spend it.
CREDIT_CACHE_SECONDS = 60


def credit(*, fresh=False):
    """The SMS provider's credit left, or None when it cannot say."""
    # Neither a provider nor a cache that cannot answer is a reason to fail a
    # page or to stop a campaign's chain of batches.
    if not fresh and (cached := _cached_credit()) is not None:
        return cached
    try:
        left = get_backend().credit()
    except Exception:
        log.warning("The SMS provider's credit could not be read", exc_info=True)
        return None
    if left is not None:
        try:
            cache.set(CREDIT_CACHE_KEY, left, CREDIT_CACHE_SECONDS)
        except Exception:
            log.warning("The credit could not be cached", exc_info=True)
    return left


def _cached_credit():
    try:
        return cache.get(CREDIT_CACHE_KEY)
    except Exception:
        log.warning("The cached credit could not be read", exc_info=True)
        return None


def check_parts(campaign):
    """A ValidationError when the longest message would take more than MAX_PARTS."""
    units = audience(campaign)
    longest = max(
        units.only("brand", "legal_name")[:2000], key=lambda u: len(u.display_name), default=None
    )
    unit = longest or Exhibitor(legal_name="x" * 40)
    parts = sms.parts(sms_text(campaign, unit, SAMPLE_CODE, SAMPLE_NUMBER))
    if parts > MAX_PARTS:
        raise ValidationError(
            _("This message takes %(parts)s SMS parts; at most %(max)s are allowed.")
            % {"parts": parts, "max": MAX_PARTS},
            code="too_long",
        )
    return parts


def send_test(campaign, number):
    """The message of the campaign's first recipient, to an organizer's own number."""
    unit = audience(campaign).order_by("pk").first() or Exhibitor(legal_name=_("Your unit"))
    text = f"{render(campaign, unit, SAMPLE_CODE)}\n({_('test')})"
    return messaging.send_sms(to=number, text=text, purpose=Message.Purpose.NOTICE)


# -- Sending ---------------------------------------------------------------------


def new_code():
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def send(campaign, *, by=None):
    """Freeze the recipients and start sending. Returns how many were added
    (0 the second time). Raises ValidationError with no recipient."""
    with transaction.atomic():
        campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
        if campaign.status != Campaign.Status.DRAFT:
            return 0
        units = list(audience(campaign).values_list("pk", "mobile", "email"))
        if not units:
            raise ValidationError(_("This campaign has no recipients."), code="no_recipients")
        expires = tokens.expires_at(settings.CLAIM_LINK_DAYS)
        now = timezone.now()
        rows = []
        for pk, mobile, email in units:
            rows.append(
                Recipient(
                    campaign=campaign,
                    unit_id=pk,
                    number=mobile,
                    email=email,
                    code_hash=tokens.digest(new_code()),  # replaced when sent (send_batch)
                    expires_at=expires,
                    frozen_at=now,
                )
            )
        Recipient.objects.bulk_create(rows, batch_size=2000, ignore_conflicts=True)
        campaign.status = Campaign.Status.SENDING
        campaign.sent_at = now
        campaign.save(update_fields=["status", "sent_at"])
    tasks.send_batch.enqueue(campaign.pk, campaign.chain)
    _analyze("outreach_recipient")
    return len(rows)


def _analyze(*tables):
    """Fresh planner statistics after a bulk write, on PostgreSQL: with the
    30,000 rows a campaign adds unknown to it (autovacuum may be off, or not
    yet round), the funnel's plan took 280 ms instead of 60."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            for table in tables:
                cursor.execute(f"ANALYZE {connection.ops.quote_name(table)}")


def pause(campaign, reason=""):
    return Campaign.objects.filter(pk=campaign.pk, status=Campaign.Status.SENDING).update(
        status=Campaign.Status.PAUSED, pause_reason=reason[:300]
    )


def resume(campaign):
    """Sending again, in a new chain of batches: a batch of the old chain still
    scheduled finds its chain gone and does nothing (the rate stays the rate)."""
    with transaction.atomic():
        row = Campaign.objects.select_for_update().get(pk=campaign.pk)
        if row.status != Campaign.Status.PAUSED:
            return 0
        row.status, row.pause_reason, row.chain = Campaign.Status.SENDING, "", row.chain + 1
        row.save(update_fields=["status", "pause_reason", "chain"])
    tasks.send_batch.enqueue(row.pk, row.chain)
    return 1


def _skip_reason(recipient):
    """Why this recipient gets no SMS (a Recipient.Skip), or None: it does."""
    if not recipient.number:
        return Recipient.Skip.NO_MOBILE
    try:
        clean_mobile(recipient.number)
    except ValidationError:
        return Recipient.Skip.NOT_MOBILE
    if messaging.is_opted_out(recipient.number):
        return Recipient.Skip.OPTED_OUT
    return None


# A batch that starts this late after it was due is late (a worker was busy or
# down): the next counts from its start, so a backlog is not sent in a burst.
LATE = datetime.timedelta(seconds=1)


def send_batch(campaign_id, chain=0, due=None):
    """The job: hand the next batch of waiting recipients to messaging, then
    enqueue the next batch. Returns how many were handed over. ``chain``: the
    campaign's chain of batches this one belongs to (resume() starts another).
    ``due``: when this batch was due (ISO 8601), the next being due
    BATCH_SECONDS after it: a worker's polling delay does not lower the rate."""
    campaign = Campaign.objects.select_related("fair", "created_by").filter(pk=campaign_id).first()
    if campaign is None or campaign.status != Campaign.Status.SENDING or campaign.chain != chain:
        return 0
    quiet = messaging.quiet_until(timezone.now()) if campaign.uses_sms else None
    if quiet is not None:
        tasks.send_batch.using(run_after=quiet).enqueue(campaign.pk, chain)
        return 0
    size = max(1, campaign.rate * BATCH_SECONDS)
    if campaign.uses_sms and not _credit_enough(campaign, size):
        return 0
    # After the credit's read, which may take the provider's timeout: the batch
    # begins now, and the next cannot follow it at once.
    now = timezone.now()
    # The next batch is due BATCH_SECONDS after this one was (or, late, began):
    # neither the time a batch takes nor a worker's poll slows the rate down,
    # and the batches never come closer than BATCH_SECONDS less LATE.
    began = _due_time(due)
    if began is None or now - began > LATE:
        began = now
    due = began + datetime.timedelta(seconds=BATCH_SECONDS)
    handed = 0
    try:
        with translation.override("fa"):
            for _ in range(size):
                if not _hand_over_next(campaign):
                    break
                handed += 1
    finally:
        # Whatever happened to this batch, the campaign goes on (a failing
        # recipient is tried again by the next one, its row still waiting).
        _next_batch(campaign, chain, due)
    return handed


def _due_time(due):
    try:
        when = datetime.datetime.fromisoformat(due) if due else None
    except (TypeError, ValueError):
        return None
    return when if when is not None and timezone.is_aware(when) else None


def _next_batch(campaign, chain, due):
    if Recipient.objects.filter(campaign=campaign, status=Recipient.Status.WAITING).exists():
        tasks.send_batch.using(run_after=max(due, timezone.now())).enqueue(
            campaign.pk, chain, due.isoformat()
        )
    elif Campaign.objects.filter(pk=campaign.pk, status=Campaign.Status.SENDING).update(
        status=Campaign.Status.DONE, finished_at=timezone.now()
    ):
        _analyze("outreach_recipient", "messaging_message")


def _hand_over_next(campaign):
    """One waiting recipient, its messages queued, in one transaction."""
    with transaction.atomic():
        recipient = (
            Recipient.objects.select_for_update(skip_locked=True)
            .select_related("unit")
            .filter(campaign=campaign, status=Recipient.Status.WAITING)
            .order_by("pk")
            .first()
        )
        if recipient is None:
            return False
        # The code is made here, not when frozen: only its digest is kept, and
        # the message is the one place the code itself goes.
        code = new_code()
        recipient.code_hash = tokens.digest(code)
        reason = None
        if campaign.uses_sms:
            reason = _skip_reason(recipient)
            if reason is None:
                recipient.sms = messaging.send_sms(
                    to=recipient.number,
                    text=render(campaign, recipient.unit, code),
                    purpose=Message.Purpose.PROMOTION,
                )
        if campaign.uses_email:
            if recipient.email:
                recipient.mail = messaging.send_email(
                    to=recipient.email,
                    subject=campaign.fair.title_fa,
                    text=_email_text(campaign, recipient.unit, code),
                    purpose=Message.Purpose.PROMOTION,
                )
            elif campaign.channel == Campaign.Channel.EMAIL:
                reason = Recipient.Skip.NO_EMAIL
        recipient.skip_reason = reason or ""
        sent = recipient.sms_id is not None or recipient.mail_id is not None
        recipient.status = Recipient.Status.QUEUED if sent else Recipient.Status.SKIPPED
        recipient.save(update_fields=["code_hash", "status", "skip_reason", "sms", "mail"])
    return True


def _email_text(campaign, unit, code):
    text = render(campaign, unit, code)
    if campaign.template_en:
        text += "\n\n" + render(campaign, unit, code, language="en")
    return text


def _credit_enough(campaign, size):
    """False (and the campaign paused, its creator told) when the provider's
    credit would not pay for the next batch and CAMPAIGN_MIN_CREDIT."""
    left = credit(fresh=True)
    if left is None:
        return True
    need = size * MAX_PARTS * settings.SMS_PRICE_PER_PART + settings.CAMPAIGN_MIN_CREDIT
    if left >= need:
        return True
    reason = _("The SMS provider's credit is low: %(left)s left.") % {"left": left}
    if pause(campaign, reason) and campaign.created_by and campaign.created_by.email:
        messaging.send_email(
            to=campaign.created_by.email,
            subject=_("Campaign paused: %(name)s") % {"name": campaign.name},
            text=_(
                "The campaign “%(name)s” paused itself: %(reason)s Top the credit up, then "
                "resume it in the admin."
            )
            % {"name": campaign.name, "reason": reason},
        )
    return False


# -- Links and claims --------------------------------------------------------------


class LinkProblem(Exception):
    """A link that cannot claim: ``code`` says why (expired, used, unknown, claimed)."""

    def __init__(self, code, recipient=None):
        super().__init__(code)
        self.code, self.recipient = code, recipient


def recipient_of(code):
    """The recipient a link's code belongs to, or None (forged, mistyped)."""
    code = (code or "").strip().lower()
    if len(code) != CODE_LENGTH:
        return None
    return (
        Recipient.objects.select_related("unit", "campaign__fair")
        .filter(code_hash=tokens.digest(code))
        .first()
    )


def click(recipient):
    """Count an opening of the link by a person (the view leaves previews out)."""
    now = timezone.now()
    Recipient.objects.filter(pk=recipient.pk).update(clicks=F("clicks") + 1)
    Recipient.objects.filter(pk=recipient.pk, clicked_at__isnull=True).update(clicked_at=now)


def is_claimed(unit):
    return Membership.objects.filter(exhibitor=unit).exists()


def link_problem(recipient):
    """Why a recipient's link cannot claim its unit, or None."""
    if recipient.used_at is not None:
        return "used"
    if recipient.expires_at <= timezone.now():
        return "expired"
    if is_claimed(recipient.unit):
        return "claimed"
    return None


def number_on_record(unit):
    try:
        return clean_mobile(unit.mobile) if unit.mobile else None
    except ValidationError:
        return None


def masked(number):
    """09•••••••76: enough for the owner to know it, too little for others to learn it."""
    return f"{number[:2]}{'•' * (len(number) - 4)}{number[-2:]}"


def send_claim_code(*, request, unit, nonce):
    """Send the code to the unit's mobile on record. Raises ValidationError."""
    number = number_on_record(unit)
    if number is None:
        raise ValidationError(_("This unit has no mobile on record."), code="no_mobile")
    if is_claimed(unit):
        raise ValidationError(_("This unit has been claimed already."), code="claimed")
    return accounts.request_code(
        request=request, number=number, purpose=LoginCode.Purpose.CLAIM, nonce=nonce
    )


def claim(*, request, unit, code, nonce, recipient=None):
    """The person typed the code sent to the unit's mobile: they own it now.

    Returns the owner's user. Side effects: the code used; an account for the
    number if the visitor is not signed in (and it has none); a Membership
    (owner); a Claim; the link used; the visitor signed in. Raises
    ValidationError: the code's errors, "claimed", "staff".
    """
    number = number_on_record(unit)
    if number is None:
        raise ValidationError(_("This unit has no mobile on record."), code="no_mobile")
    signed_in = request.user if request.user.is_authenticated else None
    if signed_in is not None and accounts.privileged(signed_in):
        raise ValidationError(_("Organizers cannot claim a unit."), code="staff")
    if is_claimed(unit):
        raise ValidationError(_("This unit has been claimed already."), code="claimed")
    if signed_in is None:
        _account_of(request, number, create=False)  # refused before the code is spent
    accounts.check_code(
        request=request, number=number, purpose=LoginCode.Purpose.CLAIM, code=code, nonce=nonce
    )
    with transaction.atomic():
        # Locked: two people with the code at once (one number, two phones)
        # cannot both become owner.
        Exhibitor.objects.select_for_update().filter(pk=unit.pk).first()
        if is_claimed(unit):
            raise ValidationError(_("This unit has been claimed already."), code="claimed")
        user = signed_in or _account_of(request, number)
        try:
            with transaction.atomic():
                Membership.objects.create(user=user, exhibitor=unit, role=Membership.Role.OWNER)
                Claim.objects.create(
                    unit=unit,
                    user=user,
                    number=number,
                    source=Claim.Source.LINK if recipient else Claim.Source.PAGE,
                    recipient=recipient,
                    client=accounts.client_address(request),
                )
        except IntegrityError:
            raise ValidationError(
                _("This unit has been claimed already."), code="claimed"
            ) from None
        if recipient is not None:
            Recipient.objects.filter(pk=recipient.pk).update(used_at=timezone.now())
    if signed_in is None:
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    return user


def _account_of(request, number, create=True):
    """The account of a proved number: found, or made now (as a sign-in with a code).
    ``create`` False: only check that the number's account may claim."""
    account = Account.objects.select_related("user").filter(mobile=number).first()
    if account is not None:
        if accounts.privileged(account.user) or not account.user.is_active:
            raise ValidationError(
                _("This number belongs to an account that cannot claim units."), code="staff"
            )
        if not create:
            return None
        if account.mobile_verified_at is None:
            account.mobile_verified_at = timezone.now()
            account.save(update_fields=["mobile_verified_at"])
        return account.user
    if not create:
        return None
    user = get_user_model().objects.create_user(username=accounts._free_username(number))
    Account.objects.create(user=user, mobile=number, mobile_verified_at=timezone.now())
    accounts.log(accounts.Event.Kind.SIGNED_UP, request=request, user=user, number=number)
    return user


def revoke(claim, *, by):
    """An organizer undoes a claim: the owner it made leaves the unit, which can
    be claimed again. Returns whether it was standing."""
    with transaction.atomic():
        revoked = Claim.objects.filter(pk=claim.pk, revoked_at__isnull=True).update(
            revoked_at=timezone.now(), revoked_by=by
        )
        if revoked:
            # Everyone the claim let in: its owner, and whom they added or invited since.
            Membership.objects.filter(exhibitor=claim.unit_id).delete()
            Invitation.objects.filter(exhibitor=claim.unit_id).open().update(
                revoked_at=timezone.now()
            )
    return bool(revoked)


# -- The funnel --------------------------------------------------------------------

STEPS = [
    ("recipients", gettext_lazy("recipients")),
    ("sent", gettext_lazy("sent")),
    ("delivered", gettext_lazy("delivered")),
    ("failed", gettext_lazy("failed or skipped")),
    ("opted_out", gettext_lazy("opted out")),
    ("clicked", gettext_lazy("clicked")),
    ("claimed", gettext_lazy("claimed")),
    ("completed", gettext_lazy("profile completed")),
    ("applied", gettext_lazy("applied")),
    ("approved", gettext_lazy("approved")),
]
BY = {
    "": None,
    "county": ("unit__county__name_fa", gettext_lazy("county")),
    "park": ("unit__park__name_fa", gettext_lazy("industrial park")),
    "division": ("unit__category__code", gettext_lazy("ISIC division")),
}


def funnel(campaigns, by=""):
    """[(label, {step: count})] of these campaigns' recipients, all together
    (label None) or per county, park or ISIC division.

    One query counts, per label, the units that reached each step (a unit in
    two campaigns of the fair, an invitation and its reminder, counts once,
    at every step either of its messages reached)."""
    if not campaigns:
        return []
    fairs = {c.fair_id for c in campaigns}
    since = min(c.sent_at or c.created_at for c in campaigns)
    recipients = Recipient.objects.filter(campaign__in=campaigns)
    claimed = Claim.objects.filter(
        unit=OuterRef("unit"), revoked_at__isnull=True, created_at__gte=since
    )
    applications = Participation.objects.filter(fair__in=fairs, exhibitor=OuterRef("unit"))
    completed = _completed(
        Claim.objects.filter(
            unit__in=recipients.values("unit"), revoked_at__isnull=True, created_at__gte=since
        ).values_list("unit_id", flat=True)
    )
    sent, failed = Message.Status.SENT, Message.Status.FAILED
    # The mail join only where a campaign sent mail: 30,000 SMS need not join it.
    mailed = any(c.uses_email for c in campaigns)
    none = Q(pk__in=[])

    # One campaign has a unit once (a unique pair): a plain count, no sort.
    several = len(campaigns) > 1

    def units(condition=None):
        return Count("unit", distinct=several, filter=condition)

    if by == "division":
        recipients = recipients.annotate(label=Coalesce(Substr(BY[by][0], 1, 2), Value("")))
    elif BY.get(by):
        recipients = recipients.annotate(label=F(BY[by][0]))
    else:
        recipients = recipients.annotate(label=Value(None, output_field=CharField()))
    rows = recipients.values("label").annotate(
        recipients=units(),
        sent=units(Q(sms__status=sent) | (Q(mail__status=sent) if mailed else none)),
        delivered=units(Q(sms__delivery=Message.Delivery.DELIVERED)),
        failed=units(
            Q(status=Recipient.Status.SKIPPED)
            | Q(sms__status=failed)
            | (Q(mail__status=failed) if mailed else none)
        ),
        opted_out=units(
            Q(skip_reason=Recipient.Skip.OPTED_OUT)
            | Q(Exists(OptOut.objects.filter(number=OuterRef("number"))), ~Q(number=""))
        ),
        clicked=units(Q(clicked_at__isnull=False)),
        claimed=units(Q(Exists(claimed))),
        completed=units(Q(unit__in=completed)),
        applied=units(Q(Exists(applications))),
        approved=units(Q(Exists(applications.filter(status=Participation.Status.APPROVED)))),
    )
    with transaction.atomic():
        if connection.vendor == "postgresql":
            # Compiling this one query to machine code took longer (47 ms of
            # 200 at 30,000 recipients) than it saves.
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL jit = off")
        groups = [
            (row["label"], {key: row[key] for key, _label in STEPS}) for row in rows.order_by()
        ]
    return sorted(groups, key=lambda item: (-item[1]["recipients"], item[0] or ""))


def _completed(units):
    """The units whose profile is complete, as the dashboard's meter counts it."""
    done = set()
    # What the meter reads, and no more (a unit's or an item's text is long).
    items = ("id", "exhibitor_id", "category_id", "monthly_amount")
    for unit in (
        Exhibitor.objects.filter(pk__in=units)
        .select_related("category")
        .only("description", "phone", "mobile", "logo", "category__level")
        .prefetch_related(
            Prefetch("products", Product.objects.only(*items)),
            Prefetch("needs", Need.objects.only(*items)),
        )
    ):
        percent, _missing = unit.completeness(list(unit.products.all()), list(unit.needs.all()))
        if percent == 100:
            done.add(unit.pk)
    return done


def counts_by_status(campaign):
    return dict(
        Recipient.objects.filter(campaign=campaign)
        .values_list("status")
        .annotate(n=Count("pk"))
        .values_list("status", "n")
    )
