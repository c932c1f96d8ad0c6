"""Outgoing SMS and email: queueing, sending, retrying, opt-outs, quiet hours.

A message's row moves queued → sending → sent | failed | unknown, only here.
Jobs (tasks.py) call deliver(), check_delivery() and sweep(); the sweep command
(cron, or `make run`) calls sweep() too.
"""

import datetime
import logging
import smtplib
import zoneinfo

from django.conf import settings
from django.core import mail, signing
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.lib.mail import render_email, render_sms
from portal.lib.text import compact, to_ascii_digits

from . import tasks
from .backends import get_backend
from .backends.base import PermanentError, TransientError, UncertainError
from .models import Message, OptOut

log = logging.getLogger(__name__)

TEHRAN = zoneinfo.ZoneInfo("Asia/Tehran")
# Replies that mean "no more messages", as people type them (normalized).
STOP_WORDS = {"لغو", "لغو11", "توقف", "stop", "off", "cancel", "unsubscribe"}
OPT_OUT_SALT = "messaging.opt-out"
# One-time codes live this long (accounts.services.CODE_LIFETIME): one that
# could not be sent by then is failed, not sent late.
CODES_EXPIRE = datetime.timedelta(minutes=2)


# -- Queueing ---------------------------------------------------------------


def send_sms(*, to, text, purpose=Message.Purpose.NOTICE):
    """Queue one SMS to the mobile ``to`` (09XXXXXXXXX) and enqueue its sending.

    Side effects: a Message row; a job. A number that opted out gets a failed
    row instead (one-time codes excepted: the person asks for them right then).
    """
    text = text.strip()
    if purpose == Message.Purpose.PROMOTION:
        text = f"{text}\n{opt_out_line(to)}"
    message = Message(channel=Message.Channel.SMS, to=to, text=text, purpose=purpose)
    if purpose != Message.Purpose.CODE and is_opted_out(to):
        message.status = Message.Status.FAILED
        message.error = _("This number has opted out of messages.")
        message.save()
        return message
    message.save()
    _enqueue(message)
    return message


def send_email(*, to, subject, text, html="", purpose=Message.Purpose.NOTICE):
    # purpose CODE for mail that carries a secret link (a password reset, an
    # invitation, an address confirmation): the admin does not show it.
    """Queue one email and enqueue its sending. Side effects: a Message row; a job."""
    message = Message.objects.create(
        channel=Message.Channel.EMAIL,
        to=to,
        subject=subject,
        text=text,
        html=html,
        purpose=purpose,
    )
    _enqueue(message)
    return message


def send_templated_email(
    name, context, recipients, *, language=None, purpose=Message.Purpose.NOTICE
):
    """One email per recipient from <name>_subject.txt, <name>.txt and <name>.html,
    so that no address is shown to another. Returns the Message rows."""
    recipients = sorted({address for address in recipients if address})
    if not recipients:
        return []
    subject, text, html = render_email(name, context, language=language)
    return [
        send_email(to=address, subject=subject, text=text, html=html, purpose=purpose)
        for address in recipients
    ]


def send_templated_sms(name, context, numbers, *, language=None):
    """One SMS per number from <name>_sms.txt. Returns the Message rows."""
    numbers = sorted({number for number in numbers if number})
    if not numbers:
        return []
    text = render_sms(name, context, language=language)
    return [send_sms(to=number, text=text) for number in numbers]


def _enqueue(message, when=None):
    # The job reads the row; a job that finds nothing to do does nothing, so a
    # second one (the sweeper's) is harmless.
    if when is None:
        tasks.deliver_message.enqueue(message.pk)
    else:
        tasks.deliver_message.using(run_after=when).enqueue(message.pk)


# -- Sending ----------------------------------------------------------------


def deliver(message_id):
    """Send a queued message (the job). Idempotent: a message that is not queued,
    or not due, is left alone.

    Side effects: the row goes to sending (a lease, which sweep() ends if the
    send never returns),
    then sent, failed, unknown, or back to queued with a retry enqueued after
    a backoff; a sent SMS has its delivery report asked for later.
    """
    now = timezone.now()
    with transaction.atomic():
        message = Message.objects.select_for_update().filter(pk=message_id).first()
        if message is None or message.status != Message.Status.QUEUED:
            return None
        if message.send_after and message.send_after > now:
            _enqueue(message, message.send_after)
            return None
        sms = message.channel == Message.Channel.SMS
        if sms and message.urgent and now - message.created_at > CODES_EXPIRE:
            # A code that could not go in time would only confuse its reader.
            return _finish(
                message,
                Message.Status.FAILED,
                _("This code expired before it could be sent."),
                sending=False,
            )
        if message.channel == Message.Channel.SMS and not message.urgent:
            if message.purpose != Message.Purpose.CODE and is_opted_out(message.to):
                return _finish(
                    message, Message.Status.FAILED, _("This number has opted out."), sending=False
                )
            quiet = quiet_until(now)
            if quiet is not None:
                message.send_after = quiet
                message.save(update_fields=["send_after"])
                _enqueue(message, quiet)
                return None
        message.status = Message.Status.SENDING
        message.sending_since = now
        message.attempts += 1
        message.save(update_fields=["status", "sending_since", "attempts"])
    try:
        provider_id = _send(message)
    except TransientError as error:
        return _failed_for_now(message, str(error))
    except PermanentError as error:
        return _finish(message, Message.Status.FAILED, str(error))
    except UncertainError as error:
        return _finish(message, Message.Status.UNKNOWN, str(error))
    except Exception as error:
        # A bug or an unforeseen answer: nobody knows whether it went.
        log.exception("Message %s: sending raised", message.pk)
        return _finish(message, Message.Status.UNKNOWN, f"{type(error).__name__}: {error}")
    return _sent(message, provider_id)


def _send(message):
    if message.channel == Message.Channel.SMS:
        try:
            backend = get_backend()
        except ImproperlyConfigured as error:
            # Nothing went; an operator can fix the setting while retries go on.
            raise TransientError(f"SMS_BACKEND is not configured: {error}") from None
        return backend.send(message.to, message.text, local_id=message.local_id)
    email = mail.EmailMultiAlternatives(message.subject, message.text, to=[message.to])
    if message.html:
        email.attach_alternative(message.html, "text/html")
    try:
        email.send()
    except smtplib.SMTPRecipientsRefused as error:
        raise PermanentError(f"The mail server refused the address: {error}") from None
    except (smtplib.SMTPException, OSError) as error:
        raise TransientError(f"The mail server: {error}") from None
    return ""


def _transition(message, *fields):
    """Save a sending message's outcome, only if it is still the same send (a
    sweeper may have marked it unknown meanwhile)."""
    return bool(
        Message.objects.filter(
            pk=message.pk, status=Message.Status.SENDING, sending_since=message.sending_since
        ).update(**{field: getattr(message, field) for field in fields})
    )


def _sent(message, provider_id):
    message.status = Message.Status.SENT
    message.sent_at = timezone.now()
    message.provider_id = provider_id or ""
    message.error = ""
    if message.channel == Message.Channel.SMS and get_backend().reports_delivery:
        message.delivery = Message.Delivery.PENDING
    if not _transition(message, "status", "sent_at", "provider_id", "error", "delivery"):
        # The lease ran out first and it was marked unknown: now we know.
        Message.objects.filter(pk=message.pk, status=Message.Status.UNKNOWN).update(
            status=Message.Status.SENT,
            sent_at=message.sent_at,
            provider_id=message.provider_id,
            error="",
            delivery=message.delivery,
        )
    if message.delivery == Message.Delivery.PENDING:
        tasks.check_delivery.using(run_after=_poll_time(message, 0)).enqueue(message.pk, 0)
    return message.status


def _failed_for_now(message, error):
    if message.attempts >= settings.MESSAGE_ATTEMPTS:
        return _finish(message, Message.Status.FAILED, error)
    message.status = Message.Status.QUEUED
    message.error = error
    message.send_after = timezone.now() + backoff(message.attempts)
    if _transition(message, "status", "error", "send_after") or _known_after_all(
        message, "status", "error", "send_after"
    ):
        _enqueue(message, message.send_after)
    return message.status


def _finish(message, status, error, sending=True):
    message.status = status
    message.error = error
    if not sending:
        message.save(update_fields=["status", "error"])
    elif not _transition(message, "status", "error") and status == Message.Status.FAILED:
        _known_after_all(message, "status", "error")
    return status


def _known_after_all(message, *fields):
    """The sweeper marked this send unknown while it was still under way; its
    outcome (nothing went) is known now after all."""
    return bool(
        Message.objects.filter(
            pk=message.pk, status=Message.Status.UNKNOWN, sending_since=message.sending_since
        ).update(**{field: getattr(message, field) for field in fields})
    )


def backoff(attempts):
    """How long to wait after ``attempts`` failed tries: 30 s, 2 min, 8 min, 32 min…"""
    return datetime.timedelta(seconds=30 * 4 ** (attempts - 1))


def expire_lease(message_id):
    """A message still sending past its lease was cut off (a worker killed mid-send):
    mark it unknown. Never resent here: an organizer decides (retry())."""
    cutoff = timezone.now() - datetime.timedelta(seconds=settings.MESSAGE_LEASE_SECONDS)
    return Message.objects.filter(
        pk=message_id, status=Message.Status.SENDING, sending_since__lte=cutoff
    ).update(
        status=Message.Status.UNKNOWN,
        error=_("Sending was cut off: it is not known whether this message went."),
    )


def sweep():
    """What the jobs may have missed (a lost job, a broker that ran a job before its
    row committed): leases run out, and queued messages due for a while with no
    job. Returns (marked unknown, enqueued again)."""
    now = timezone.now()
    cutoff = now - datetime.timedelta(seconds=settings.MESSAGE_LEASE_SECONDS)
    stale = list(
        Message.objects.filter(
            status=Message.Status.SENDING, sending_since__lte=cutoff
        ).values_list("pk", flat=True)
    )
    unknown = sum(expire_lease(pk) for pk in stale)
    late = now - datetime.timedelta(seconds=settings.MESSAGE_RESCUE_SECONDS)
    waiting = Message.objects.filter(status=Message.Status.QUEUED, created_at__lte=late).filter(
        send_after__isnull=True
    ) | Message.objects.filter(status=Message.Status.QUEUED, send_after__lte=late)
    again = 0
    for pk in waiting.values_list("pk", flat=True):
        tasks.deliver_message.enqueue(pk)
        again += 1
    return unknown, again


def retry(*, message):
    """An organizer sends a failed or unknown message again.

    Side effects: the row back to queued (attempts start over); a job. An SMS
    keeps its pk, which the provider checks for duplicates (localid)."""
    if message.status not in (Message.Status.FAILED, Message.Status.UNKNOWN):
        return False
    updated = Message.objects.filter(pk=message.pk, status=message.status).update(
        status=Message.Status.QUEUED, attempts=0, error="", send_after=None
    )
    if updated:
        _enqueue(message)
    return bool(updated)


# -- Delivery reports -------------------------------------------------------

# Seconds after the send to ask again: 1 min, 5 min, 30 min, 2 h, 12 h, 48 h.
POLLS = (60, 300, 1800, 7200, 43200, 172800)


def _poll_time(message, poll):
    return (message.sent_at or timezone.now()) + datetime.timedelta(seconds=POLLS[poll])


def check_delivery(message_id, poll):
    """Ask the provider whether a sent SMS reached the phone; ask again later until
    it says, or until DELIVERY_WINDOW has passed."""
    message = Message.objects.filter(
        pk=message_id, status=Message.Status.SENT, delivery=Message.Delivery.PENDING
    ).first()
    if message is None:
        return None
    try:
        final = get_backend().delivery([message.provider_id]).get(message.provider_id)
    except (TransientError, PermanentError, UncertainError):
        final = None
    Message.objects.filter(pk=message.pk).update(
        delivery=final or Message.Delivery.PENDING, delivery_checked_at=timezone.now()
    )
    if final is None and poll + 1 < len(POLLS):
        tasks.check_delivery.using(run_after=_poll_time(message, poll + 1)).enqueue(
            message.pk, poll + 1
        )
    return final


# -- Quiet hours and opt-outs -----------------------------------------------


def _quiet_hours():
    start, _sep, end = settings.SMS_QUIET_HOURS.partition("-")
    if not end:
        return None
    return tuple(datetime.time.fromisoformat(part.strip()) for part in (start, end))


def quiet_until(now):
    """When the quiet hours that ``now`` falls in end, or None outside them."""
    hours = _quiet_hours()
    if hours is None:
        return None
    start, end = hours
    local = now.astimezone(TEHRAN)
    time = local.time()
    inside = (start <= time or time < end) if start > end else (start <= time < end)
    if not inside:
        return None
    day = local.date() if time < end else local.date() + datetime.timedelta(days=1)
    return datetime.datetime.combine(day, end, tzinfo=TEHRAN)


def is_opted_out(number):
    return OptOut.objects.filter(number=number).exists()


def opt_out(*, number, source):
    """Side effects: an OptOut row (once per number). Queued non-code messages to
    it fail when their job runs."""
    return OptOut.objects.get_or_create(number=number, defaults={"source": source})[0]


def record_reply(*, number, text):
    """A reply the provider received: «لغو» and the like opt the number out."""
    word = compact(to_ascii_digits(text or "")).strip().lower()
    if word in STOP_WORDS:
        opt_out(number=number, source=OptOut.Source.REPLY)
        return True
    return False


def opt_out_token(number):
    return signing.dumps(number, salt=OPT_OUT_SALT, compress=True)


def number_from_token(token):
    try:
        return signing.loads(token, salt=OPT_OUT_SALT)
    except signing.BadSignature:
        return None


def opt_out_line(number):
    """The line promotional SMS end with: the provider's «لغو11» and our link."""
    url = settings.SITE_URL + reverse("opt_out", args=[opt_out_token(number)])
    return _("Reply «لغو11» or open %(url)s to get no more.") % {"url": url}
