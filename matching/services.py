"""Keeping matches current, and contact requests between units."""

import datetime
import logging

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from exhibitors.models import Need, Product
from exhibitors.services import notify_members, reachable, require_verified
from fairs.models import Fair
from portal.lib import changes, fragments

from . import engine, tasks
from .features import product_text
from .index import weights_are_stale
from .models import ContactMessage, ContactRequest, Dismissal, Match, Pending

logger = logging.getLogger(__name__)

DAILY_REQUESTS = 20
# Past this many needs to look at again, one full pass is quicker.
REFRESH_LIMIT = 5000


def on_change(*, needs=(), products=(), units=(), fairs=(), everything=False, created=False):
    """Note what a write changed and enqueue its recompute (see portal/lib/changes.py):
    the page that wrote does not wait. At most one job waits per fair, one for
    everything, and one for all changed needs and products (Pending).

    Side effects: Pending rows; jobs on the "matching" queue (tasks.py)."""
    Kind = Pending.Kind
    items = [
        *((Kind.NEED, pk) for pk in needs),
        *((Kind.NEW_PRODUCT if created else Kind.PRODUCT, pk) for pk in products),
        *((Kind.UNIT, pk) for pk in units),
    ]
    with transaction.atomic():
        Pending.objects.bulk_create(
            [Pending(kind=kind, key=key) for kind, key in items], ignore_conflicts=True
        )
        jobs = [(Kind.FAIR, pk) for pk in fairs]
        if everything:
            jobs.append((Kind.EVERYTHING, 0))
        if items or not jobs:
            # Nothing named: a deletion left gaps, which the items job fills.
            jobs.append((Kind.ITEMS, 0))
        for kind, key in jobs:
            # Locked: a job that takes this row waits until these marks are
            # committed, so that it sees them (else they would wait for no job).
            if not Pending.objects.select_for_update().filter(kind=kind, key=key).exists():
                _pending, new = Pending.objects.get_or_create(kind=kind, key=key)
                if new:
                    tasks.recompute.enqueue(kind, key)


ITEM_KINDS = [Pending.Kind.NEED, Pending.Kind.PRODUCT, Pending.Kind.NEW_PRODUCT, Pending.Kind.UNIT]


def recompute(kind, key):
    """The job: bring stored matches up to date for a Pending row, if it is still
    there (a second job for it finds it gone and does nothing). One recompute
    runs at a time (engine.exclusive), so that two cannot write the same
    matches at once. A run that fails puts back what it took."""
    with engine.exclusive():
        row = Pending.objects.filter(kind=kind, key=key).first()
        if row is None or not Pending.objects.filter(pk=row.pk).delete()[0]:
            return None
        taken = []
        try:
            done = _recompute(kind, key, taken)
        except BaseException as error:
            # A crash (not a stopped worker) counts as a failed attempt.
            failed = isinstance(error, Exception)
            attempts = row.attempts + failed
            Pending.objects.bulk_create(
                [Pending(kind=mark, key=pk) for mark, pk in taken]
                + [Pending(kind=kind, key=key, attempts=attempts, error=_error_text(error))],
                ignore_conflicts=True,
            )
            if failed:
                _failed(kind, key, attempts)
            raise
    # What the fair pages show of the matches (how many needs a hall's units
    # can have supplied) is drawn again.
    if kind == Pending.Kind.FAIR:
        fragments.bump(fairs=[key])
    else:
        fragments.bump(everything=True)
    return done


def _error_text(error):
    return f"{type(error).__name__}: {error}"[:2000]


def _failed(kind, key, attempts):
    """Log a failed recompute as an error, and try again later (1, then 5
    minutes) until MATCHING_ATTEMPTS; then it waits for an organizer, who sees
    it in the admin (Pending recomputes) and may try it again."""
    last = attempts >= settings.MATCHING_ATTEMPTS
    logger.error(
        "Recompute of %s %s failed (attempt %d of %d)%s",
        kind,
        key,
        attempts,
        settings.MATCHING_ATTEMPTS,
        ": left for an organizer" if last else "; trying again",
        exc_info=True,
    )
    if not last:
        later = timezone.now() + datetime.timedelta(minutes=5 ** (attempts - 1))
        tasks.recompute.using(run_after=later).enqueue(kind, key)


def retry(pending):
    """An organizer's "Try again" for a recompute that failed: a fresh count."""
    Pending.objects.filter(pk__in=[p.pk for p in pending]).update(attempts=0, error="")
    for p in pending:
        tasks.recompute.enqueue(p.kind, p.key)


def _recompute(kind, key, taken):
    if kind == Pending.Kind.EVERYTHING:
        return sum(engine.rematch(workers=settings.MATCHING_WORKERS).values())
    if kind == Pending.Kind.FAIR:
        fair = Fair.objects.filter(pk=key).first()
        return sum(engine.rematch(fair=fair).values()) if fair else None
    marks = list(Pending.objects.filter(kind__in=ITEM_KINDS).values_list("pk", "kind", "key"))
    for start in range(0, len(marks), 500):
        Pending.objects.filter(pk__in=[pk for pk, _k, _key in marks[start : start + 500]]).delete()
    taken += [(mark, pk) for _pk, mark, pk in marks]
    by_kind = {kind: set() for kind in Pending.Kind.values}
    for _pk, mark, pk in marks:
        by_kind[mark].add(pk)
    new = by_kind[Pending.Kind.NEW_PRODUCT]
    refresh(
        needs=by_kind[Pending.Kind.NEED],
        products=by_kind[Pending.Kind.PRODUCT] | new,
        units=by_kind[Pending.Kind.UNIT],
        created=new,
    )
    return len(marks)


def sweep():
    """Jobs a broker lost (or that ran before their row committed): a Pending job
    row older than a few minutes is enqueued again. Returns how many."""
    late = timezone.now() - datetime.timedelta(minutes=10)
    again = 0
    items = Pending.objects.filter(kind__in=ITEM_KINDS, created_at__lte=late)
    if items.exists():
        # Marks whose job was lost (a run killed after taking its row): a job for them.
        _pending, new = Pending.objects.get_or_create(kind=Pending.Kind.ITEMS, key=0)
        if new:
            tasks.recompute.enqueue(Pending.Kind.ITEMS, 0)
            again += 1
    for kind, key in Pending.objects.filter(
        kind__in=[Pending.Kind.EVERYTHING, Pending.Kind.FAIR, Pending.Kind.ITEMS],
        created_at__lte=late,
        attempts__lt=settings.MATCHING_ATTEMPTS,
    ).values_list("kind", "key"):
        tasks.recompute.enqueue(kind, key)
        again += 1
    return again


def refresh(*, needs=(), products=(), units=(), created=()):
    """Bring stored matches up to date after writes to these needs, products and units:

    - a need: its own matches;
    - a product: the needs it was matched to and its own unit's needs are
      recomputed, and it is offered to every need it may now serve;
    - a unit (its park or county): its needs, the needs its products were
      matched to, and its products offered anew;
    - a deleted product left gaps: those needs are recomputed.
    ``created``: those of ``products`` that are new.
    """
    products = set(products)
    needs = set(needs)
    if units:
        needs |= set(Need.objects.filter(exhibitor__in=units).values_list("pk", flat=True))
        products |= set(Product.objects.filter(exhibitor__in=units).values_list("pk", flat=True))
    # The gaps seen now: one a deletion leaves meanwhile is for the job it queued.
    gaps = set(Match.objects.filter(product__isnull=True).values_list("need_id", flat=True))
    needs |= gaps
    if products:
        needs |= set(Match.objects.filter(product__in=products).values_list("need_id", flat=True))
        # What a unit makes decides what is its own kind of output: a product
        # of a head new to its unit has that unit's needs weighed again
        # (scoring._own_kind); a nightly rematch catches the rest.
        if len(products) <= REFRESH_LIMIT:
            needs |= _needs_of_new_makers(products)
    if len(needs) > REFRESH_LIMIT:
        # Not in a transaction: a rematch commits chunk by chunk, and on
        # SQLite one transaction would hold the write lock throughout.
        engine.rematch()
        return
    # One transaction, one commit: an update is a few dozen small reads and
    # writes, and on PostgreSQL each commit of its own cost 3-4 ms.
    with transaction.atomic():
        Match.objects.filter(product__isnull=True, need__among=list(gaps)).delete()
        if needs:
            engine.refresh_needs(needs)
        old = products - set(created)
        if old:
            engine.offer_products(old, exclude_needs=needs, created=False)
        if created:
            engine.offer_products(set(created), exclude_needs=needs, created=True)
    if created and weights_are_stale():
        # Not run here: the job that computes it is the one waiting for everything.
        on_change(everything=True)


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
    unit with no members, from a ``user`` who verified neither mobile nor
    email, past DAILY_REQUESTS new requests a day from the unit or
    settings.CONTACT_REQUESTS_PER_USER_PER_DAY from the user (over all
    their units: one account cannot multiply the limit by registering units).
    """
    if sender.pk == receiver.pk:
        raise ValidationError(_("A unit cannot write to itself."), code="oneself")
    require_verified(user)
    if not reachable(receiver):
        raise ValidationError(
            _("Nobody manages this unit on the portal yet, so it cannot be reached here."),
            code="no_members",
        )
    with transaction.atomic():
        # One user, then one sender, at a time, so that two quick submits
        # cannot both pass a limit.
        if user is not None:
            get_user_model().objects.select_for_update().filter(pk=user.pk).first()
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
        limit = settings.CONTACT_REQUESTS_PER_USER_PER_DAY
        if user is not None and (
            ContactRequest.objects.filter(sent_by=user, created_at__gte=since).count() >= limit
        ):
            raise ValidationError(
                ngettext(
                    "An account can send at most %(n)d request a day, from all its units. "
                    "Please try again tomorrow.",
                    "An account can send at most %(n)d requests a day, from all its units. "
                    "Please try again tomorrow.",
                    limit,
                )
                % {"n": limit},
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
    notify_members(
        receiver,
        "matching/email/contact_request",
        {
            "request": request,
            "message": message,
            "url": settings.SITE_URL + reverse("contact_request", args=[request.pk]),
        },
    )
    return request


def reply(*, request, unit, user, message):
    """Add to the thread. The receiver's first answer marks the request answered.

    Side effects: a ContactMessage; the other unit's members told (by mail,
    or SMS to those with only a mobile) at once, or, when the unit wrote in
    the thread shortly before, in one digest a little later (_deliver_reply).
    Raises ValidationError on a declined request.
    """
    if request.status == ContactRequest.Status.DECLINED:
        raise ValidationError(_("This request was declined."), code="declined")
    with transaction.atomic():
        written = ContactMessage.objects.create(
            request=request, author=unit, written_by=user, body=message
        )
        if unit.pk == request.receiver_id and request.status == ContactRequest.Status.SENT:
            request.status = ContactRequest.Status.ANSWERED
        request.save(update_fields=["status", "updated_at"])
    _deliver_reply(request, unit, written)
    return request


# -- Replies: at once, or a digest when many come quickly --------------------
#
# A unit's messages in a thread, in order, fall in two kinds. One written
# at least CONTACT_REPLY_DIGEST_MINUTES after the unit's previous one (or its
# first) is mailed at once. One that follows closer is held; the first held
# message opens a digest that takes every held message of the next
# CONTACT_REPLY_DIGEST_MINUTES and is mailed when they are over. The split is
# worked out from the messages themselves, by the reply and by the digest's
# job alike, so that nothing else needs to be stored: 25 quick replies make
# one mail and a digest or two, not 25 mails.

# The digest's job runs this long after its window closes, so that a message
# written at the window's last moment is committed when the job reads.
DIGEST_MARGIN = datetime.timedelta(seconds=30)


def _digest_window():
    return datetime.timedelta(minutes=settings.CONTACT_REPLY_DIGEST_MINUTES)


def _split(rows, window):
    """(mailed at once, digests) of one unit's messages in a thread: rows are
    (pk, created_at) in order; the first is a set of pks, each digest a list."""
    at_once, digests = set(), []
    previous = opened = None
    for pk, at in rows:
        if not window or previous is None or at - previous >= window:
            at_once.add(pk)
            opened = None
        elif opened is not None and at < opened + window:
            digests[-1].append(pk)
        else:
            opened = at
            digests.append([pk])
        previous = at
    return at_once, digests


def _messages_of(request_id, unit_id):
    return ContactMessage.objects.filter(request_id=request_id, author_id=unit_id).order_by(
        "created_at", "pk"
    )


def _thread_url(request):
    return settings.SITE_URL + reverse("contact_request", args=[request.pk])


def _deliver_reply(request, unit, written):
    window = _digest_window()
    at_once, digests = _split(
        _messages_of(request.pk, unit.pk).values_list("pk", "created_at"), window
    )
    other = request.sender if unit.pk == request.receiver_id else request.receiver
    if written.pk in at_once:
        notify_members(
            other,
            "matching/email/contact_reply",
            {
                "request": request,
                "unit": unit,
                "message": written.body,
                "url": _thread_url(request),
            },
        )
    elif any(digest[0] == written.pk for digest in digests):
        # It opens a digest: the job mails it when the window is over.
        tasks.reply_digest.using(run_after=written.created_at + window + DIGEST_MARGIN).enqueue(
            request.pk, unit.pk, written.pk
        )
    # Else a digest that is waiting already takes it.


def send_reply_digest(request_id, unit_id, first_id):
    """The job: mail the digest that message ``first_id`` opened, every message of
    it, to the other unit's members. Does nothing when that message is gone or
    opens no digest. Returns how many messages it told of."""
    request = (
        ContactRequest.objects.select_related("sender", "receiver").filter(pk=request_id).first()
    )
    if request is None or unit_id not in (request.sender_id, request.receiver_id):
        return 0
    rows = list(_messages_of(request_id, unit_id))
    _at_once, digests = _split([(m.pk, m.created_at) for m in rows], _digest_window())
    digest = next((d for d in digests if d[0] == first_id), None)
    if digest is None:
        return 0
    taken = set(digest)
    held = [m for m in rows if m.pk in taken]
    unit, other = (
        (request.receiver, request.sender)
        if unit_id == request.receiver_id
        else (request.sender, request.receiver)
    )
    context = {"request": request, "unit": unit, "url": _thread_url(request)}
    if len(held) == 1:
        notify_members(other, "matching/email/contact_reply", context | {"message": held[0].body})
    else:
        notify_members(
            other,
            "matching/email/contact_replies",
            context | {"messages": held, "count": len(held)},
        )
    return len(held)


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
