"""Keeping matches current, and contact requests between units."""

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from exhibitors.models import Need, Product
from exhibitors.services import member_emails
from fairs.models import Fair
from portal.lib import changes
from portal.lib.mail import send_templated

from . import engine
from .features import product_text
from .models import ContactMessage, ContactRequest, Dismissal, Match

DAILY_REQUESTS = 20
# Past this many needs to look at again, one full pass is quicker.
REFRESH_LIMIT = 5000


def on_change(*, needs=(), products=(), units=(), fairs=(), everything=False, created=False):
    """Bring stored matches up to date after a write (see portal/lib/changes.py).

    - a need: its own matches;
    - a product: the needs it was matched to and its own unit's needs are
      recomputed, and it is offered to every need it may now serve;
    - a unit (its park or county): its needs, the needs its products were
      matched to, and its products offered anew;
    - a fair (booths, participations): that fair's context in full;
    - a deleted product left gaps: those needs are recomputed.
    """
    if everything:
        engine.rematch(workers=settings.MATCHING_WORKERS)
        return
    for fair in Fair.objects.filter(pk__in=fairs):
        engine.rematch(fair=fair)
    products = set(products)
    needs = set(needs)
    if units:
        needs |= set(Need.objects.filter(exhibitor__in=units).values_list("pk", flat=True))
        products |= set(Product.objects.filter(exhibitor__in=units).values_list("pk", flat=True))
    gaps = Match.objects.filter(product__isnull=True)
    needs |= set(gaps.values_list("need_id", flat=True))
    if products:
        needs |= set(Match.objects.filter(product__in=products).values_list("need_id", flat=True))
        # What a unit makes decides what is its own kind of output: a product
        # of a head new to its unit has that unit's needs weighed again
        # (scoring._own_kind); a nightly rematch catches the rest.
        if len(products) <= REFRESH_LIMIT:
            needs |= _needs_of_new_makers(products)
    if len(needs) > REFRESH_LIMIT:
        engine.rematch()
        return
    gaps.delete()
    if needs:
        engine.refresh_needs(needs)
    if products:
        engine.offer_products(products, exclude_needs=needs, created=created)


def _needs_of_new_makers(products):
    """The needs of the units for which one of these products has a head none of
    their other products has."""
    rows = Product.objects.filter(pk__in=products).values_list("pk", "exhibitor_id")
    units = {unit for _pk, unit in rows}
    heads = {}
    for pk, unit, name_key, description in Product.objects.filter(exhibitor__in=units).values_list(
        "pk", "exhibitor_id", "name_key", "description"
    ):
        heads.setdefault(unit, []).append((pk, product_text(name_key, description, True).head))
    new_makers = set()
    for pk, unit in rows:
        mine = dict(heads.get(unit, []))
        others = {head for other, head in heads.get(unit, []) if other != pk}
        if mine.get(pk) and mine[pk] not in others:
            new_makers.add(unit)
    return set(Need.objects.filter(exhibitor__in=new_makers).values_list("pk", flat=True))


def send_request(
    *,
    sender,
    receiver,
    user,
    subject,
    message,
    amount=None,
    amount_unit="",
    need=None,
    product=None,
):
    """A unit writes to another unit about what it needs (``need``, ``product``:
    the match it writes from, kept apart from matches, which rematches rewrite).

    Side effects: a ContactRequest with its first message; mail to every
    member of the receiving unit. Raises ValidationError: to itself, to a
    unit with no members, past DAILY_REQUESTS new requests a day.
    """
    if sender.pk == receiver.pk:
        raise ValidationError(_("A unit cannot write to itself."), code="oneself")
    emails = member_emails(receiver)
    if not emails:
        raise ValidationError(
            _("Nobody manages this unit on the portal yet, so it cannot be reached here."),
            code="no_members",
        )
    with transaction.atomic():
        # One sender at a time, so that two quick submits cannot both pass the limit.
        type(sender).objects.select_for_update().get(pk=sender.pk)
        since = timezone.now() - datetime.timedelta(days=1)
        if ContactRequest.objects.filter(sender=sender, created_at__gte=since).count() >= (
            DAILY_REQUESTS
        ):
            raise ValidationError(
                _("A unit can send at most %(n)d requests a day. Please try again tomorrow.")
                % {"n": DAILY_REQUESTS},
                code="daily_limit",
            )
        request = ContactRequest.objects.create(
            sender=sender,
            receiver=receiver,
            sent_by=user,
            subject=subject,
            amount=amount,
            amount_unit=amount_unit if amount else "",
            need=need,
            product=product,
        )
        ContactMessage.objects.create(request=request, author=sender, written_by=user, body=message)
    send_templated(
        "matching/email/contact_request",
        {
            "request": request,
            "message": message,
            "url": settings.SITE_URL + reverse("contact_request", args=[request.pk]),
        },
        emails,
    )
    return request


def reply(*, request, unit, user, message):
    """Add to the thread. The receiver's first answer marks the request answered.

    Raises ValidationError on a declined request.
    """
    if request.status == ContactRequest.Status.DECLINED:
        raise ValidationError(_("This request was declined."), code="declined")
    with transaction.atomic():
        ContactMessage.objects.create(request=request, author=unit, written_by=user, body=message)
        if unit.pk == request.receiver_id and request.status == ContactRequest.Status.SENT:
            request.status = ContactRequest.Status.ANSWERED
        request.save(update_fields=["status", "updated_at"])
    other = request.sender if unit.pk == request.receiver_id else request.receiver
    send_templated(
        "matching/email/contact_reply",
        {
            "request": request,
            "unit": unit,
            "message": message,
            "url": settings.SITE_URL + reverse("contact_request", args=[request.pk]),
        },
        member_emails(other),
    )
    return request


def decline(*, request, unit):
    """The receiver declines; the sender sees it in the thread."""
    if unit.pk != request.receiver_id:
        raise ValidationError(_("Only the unit written to can decline."), code="not_receiver")
    request.status = ContactRequest.Status.DECLINED
    request.save(update_fields=["status", "updated_at"])
    return request


def dismiss(*, need, product, user, reason=Dismissal.Reason.NOT_RELEVANT):
    """The need's unit says the product does not serve the need.

    Side effects: a Dismissal (once per pair: a second tap changes nothing);
    the pair's stored matches go, in every context; the need is matched again
    when the transaction commits, so that another product takes the place.
    Returns (dismissal, created).
    """
    with transaction.atomic():
        dismissal, created = Dismissal.objects.get_or_create(
            need=need, product=product, defaults={"reason": reason, "dismissed_by": user}
        )
        Match.objects.filter(need=need, product=product).delete()
        changes.changed(needs=[need.pk])
    return dismissal, created
