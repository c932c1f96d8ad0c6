import datetime
import re
import smtplib

import pytest
from django.conf import settings
from django.core import signing
from django.utils import timezone, translation
from django.utils.translation import gettext

import messaging
from messaging import services
from messaging.backends import locmem
from messaging.backends.base import PermanentError, TransientError, UncertainError
from messaging.models import Message, OptOut
from portal.lib.tasks import run_deferred

from .helpers import NUMBER, deferred, make_message, tehran, travel

pytestmark = pytest.mark.django_db

SECOND = datetime.timedelta(seconds=1)
OTHER = "09351112233"


@pytest.fixture(autouse=True)
def clock():
    """Ten in the morning in Tehran, the clock stopped until a test moves it."""
    with travel(tehran(10)) as traveller:
        yield traveller


@pytest.fixture
def quiet_hours(settings):
    settings.SMS_QUIET_HOURS = "21:00-08:00"


def failing(monkeypatch, error):
    """The locmem backend raises ``error`` on every send; the calls are counted."""
    calls = []

    def send(self, to, text, *, local_id):
        calls.append(local_id)
        raise error

    monkeypatch.setattr(locmem.SMSBackend, "send", send)
    return calls


def in_persian(text):
    with translation.override("fa"):
        return gettext(text)


def now():
    return timezone.now()


# -- Sending ----------------------------------------------------------------


def test_an_sms_is_sent_at_once_and_its_delivery_is_asked_for_a_minute_later(clock):
    message = services.send_sms(to=NUMBER, text="  نمایشگاه فردا ساعت ۹ باز است.\n")
    message.refresh_from_db()
    assert message.status == Message.Status.SENT
    assert message.text == "نمایشگاه فردا ساعت ۹ باز است."
    assert message.provider_id == f"locmem-{message.local_id}"
    assert message.delivery == Message.Delivery.PENDING
    assert message.attempts == 1
    assert message.error == ""
    assert message.sent_at == tehran(10)
    assert message.sending_since == tehran(10)
    assert [(s.to, s.text, s.local_id) for s in messaging.outbox] == [
        (NUMBER, message.text, message.local_id)
    ]
    assert deferred("check_delivery") == [(tehran(10, 1), (message.pk, 0))]
    # No job a message for its lease: the sweeper finds what was cut off.
    assert deferred("expire_lease") == []
    assert deferred("deliver_message") == []

    clock.move_to(tehran(10, 1))
    assert run_deferred(now()) == 1
    message.refresh_from_db()
    assert message.delivery == Message.Delivery.DELIVERED
    assert message.delivery_checked_at == tehran(10, 1)

    # Nothing else waits; a sweep finds nothing to do, nothing is sent again.
    assert run_deferred() == 0
    assert services.sweep() == (0, 0)
    message.refresh_from_db()
    assert message.status == Message.Status.SENT
    assert len(messaging.outbox) == 1


def test_delivering_a_message_that_is_not_queued_does_nothing():
    message = services.send_sms(to=NUMBER, text="یک بار")
    assert services.deliver(message.pk) is None
    assert services.deliver(10**9) is None
    assert len(messaging.outbox) == 1


def test_a_transient_error_queues_the_sms_again_after_a_backoff(monkeypatch):
    calls = failing(monkeypatch, TransientError("Kavenegar did not answer"))
    message = services.send_sms(to=NUMBER, text="سلام")
    message.refresh_from_db()
    assert message.status == Message.Status.QUEUED
    assert message.attempts == 1
    assert message.error == "Kavenegar did not answer"
    assert message.send_after == tehran(10) + datetime.timedelta(seconds=30)
    assert services.backoff(1) == datetime.timedelta(seconds=30)
    assert deferred("deliver_message") == [(message.send_after, (message.pk,))]
    assert calls == [message.local_id]
    assert messaging.outbox == []


def test_after_the_last_attempt_a_transient_error_fails_the_message(clock, monkeypatch):
    calls = failing(monkeypatch, TransientError("HTTP 502"))
    message = services.send_sms(to=NUMBER, text="سلام")
    waits = []
    for attempt in range(2, settings.MESSAGE_ATTEMPTS + 1):
        message.refresh_from_db()
        assert message.status == Message.Status.QUEUED
        waits.append(message.send_after - now())
        # A moment early, the retry is not due yet.
        clock.move_to(message.send_after - SECOND)
        run_deferred(now())
        assert len(calls) == attempt - 1
        clock.move_to(message.send_after)
        run_deferred(now())
        assert len(calls) == attempt
        message.refresh_from_db()
        assert message.attempts == attempt

    assert waits == [services.backoff(n) for n in range(1, settings.MESSAGE_ATTEMPTS)]
    assert waits[:3] == [datetime.timedelta(seconds=s) for s in (30, 120, 480)]
    assert message.status == Message.Status.FAILED
    assert message.error == "HTTP 502"
    assert message.attempts == settings.MESSAGE_ATTEMPTS
    assert deferred("deliver_message") == []
    # Whatever else is waiting (the leases' jobs) sends nothing more.
    run_deferred()
    message.refresh_from_db()
    assert message.status == Message.Status.FAILED
    assert len(calls) == settings.MESSAGE_ATTEMPTS
    assert messaging.outbox == []


def test_a_message_that_goes_on_its_second_try_is_sent_once(clock, monkeypatch):
    calls = failing(monkeypatch, TransientError("timeout"))
    message = services.send_sms(to=NUMBER, text="سلام")
    monkeypatch.undo()
    message.refresh_from_db()
    clock.move_to(message.send_after)
    run_deferred(now())
    message.refresh_from_db()
    assert message.status == Message.Status.SENT
    assert message.attempts == 2
    assert message.error == ""
    assert message.sent_at == tehran(10) + datetime.timedelta(seconds=30)
    assert len(calls) == 1
    assert [s.local_id for s in messaging.outbox] == [message.local_id]

    run_deferred()
    services.deliver(message.pk)
    assert len(messaging.outbox) == 1


def test_a_permanent_error_fails_the_message_at_once(monkeypatch):
    calls = failing(monkeypatch, PermanentError("Kavenegar 411: receptor invalid"))
    message = services.send_sms(to=NUMBER, text="سلام")
    message.refresh_from_db()
    assert message.status == Message.Status.FAILED
    assert message.error == "Kavenegar 411: receptor invalid"
    assert message.attempts == 1
    assert message.sent_at is None
    assert deferred("deliver_message") == []
    assert deferred("check_delivery") == []
    run_deferred()
    assert len(calls) == 1


def test_an_uncertain_answer_leaves_the_message_unknown(monkeypatch):
    calls = failing(monkeypatch, UncertainError("garbage"))
    message = services.send_sms(to=NUMBER, text="سلام")
    message.refresh_from_db()
    assert message.status == Message.Status.UNKNOWN
    assert message.error == "garbage"
    assert deferred("deliver_message") == []
    run_deferred()
    message.refresh_from_db()
    assert message.status == Message.Status.UNKNOWN
    assert len(calls) == 1


def test_an_unexpected_exception_leaves_the_message_unknown(monkeypatch, caplog):
    calls = failing(monkeypatch, RuntimeError("boom"))
    message = services.send_sms(to=NUMBER, text="سلام")
    message.refresh_from_db()
    assert message.status == Message.Status.UNKNOWN
    assert message.error == "RuntimeError: boom"
    assert deferred("deliver_message") == []
    assert f"Message {message.pk}" in caplog.text
    run_deferred()
    assert len(calls) == 1


def test_a_send_that_outlived_its_lease_is_sent_after_all(monkeypatch):
    """The sweeper marked it unknown mid-send; the provider's answer then says it went."""

    def send(self, to, text, *, local_id):
        sending = Message.objects.get(local_id=local_id)
        assert services.expire_lease(sending.pk) == 0  # not yet past the lease
        Message.objects.filter(local_id=local_id).update(status=Message.Status.UNKNOWN)
        return "p-1"

    monkeypatch.setattr(locmem.SMSBackend, "send", send)
    message = services.send_sms(to=NUMBER, text="سلام")
    message.refresh_from_db()
    assert message.status == Message.Status.SENT
    assert message.provider_id == "p-1"
    assert message.delivery == Message.Delivery.PENDING
    assert message.sent_at == tehran(10)


def test_a_send_that_outlived_its_lease_and_then_failed_for_now_is_queued_again(monkeypatch):
    """Marked unknown mid-send, then the provider said nothing went: that is
    known now, so it is tried again later as any transient failure."""

    def send(self, to, text, *, local_id):
        Message.objects.filter(local_id=local_id).update(status=Message.Status.UNKNOWN)
        raise TransientError("timeout")

    monkeypatch.setattr(locmem.SMSBackend, "send", send)
    message = services.send_sms(to=NUMBER, text="سلام")
    message.refresh_from_db()
    assert (message.status, message.error) == (Message.Status.QUEUED, "timeout")
    assert deferred("deliver_message") == [(message.send_after, (message.pk,))]


def test_a_send_that_outlived_its_lease_and_then_was_refused_is_failed(monkeypatch):
    def send(self, to, text, *, local_id):
        Message.objects.filter(local_id=local_id).update(status=Message.Status.UNKNOWN)
        raise PermanentError("411 receptor invalid")

    monkeypatch.setattr(locmem.SMSBackend, "send", send)
    message = services.send_sms(to=NUMBER, text="سلام")
    message.refresh_from_db()
    assert (message.status, message.error) == (Message.Status.FAILED, "411 receptor invalid")


def test_a_code_that_could_not_go_within_its_life_is_failed_not_sent_late(clock):
    message = make_message(purpose=Message.Purpose.CODE, text="کد همسایه: ۱۲۳۴۵۶")
    clock.move_to(tehran(10) + services.CODES_EXPIRE + SECOND)
    services.deliver(message.pk)
    message.refresh_from_db()
    assert message.status == Message.Status.FAILED
    assert messaging.outbox == []


# -- Leases, the sweeper, retries ---------------------------------------------


def test_a_message_left_sending_is_unknown_once_its_lease_runs_out_and_is_not_sent(clock):
    message = make_message(status=Message.Status.SENDING, sending_since=tehran(10), attempts=1)
    lease = datetime.timedelta(seconds=settings.MESSAGE_LEASE_SECONDS)
    clock.move_to(tehran(10) + lease - SECOND)
    assert services.expire_lease(message.pk) == 0
    message.refresh_from_db()
    assert message.status == Message.Status.SENDING

    clock.move_to(tehran(10) + lease)
    assert services.expire_lease(message.pk) == 1
    message.refresh_from_db()
    assert message.status == Message.Status.UNKNOWN
    assert message.error == in_persian(
        "Sending was cut off: it is not known whether this message went."
    )
    assert services.expire_lease(message.pk) == 0
    assert messaging.outbox == []
    assert deferred("deliver_message") == []


def test_the_sweeper_marks_stale_sends_unknown_and_sends_what_no_job_took(clock):
    lease = datetime.timedelta(seconds=settings.MESSAGE_LEASE_SECONDS)
    stale = [
        make_message(status=Message.Status.SENDING, sending_since=tehran(9) - lease, to=number)
        for number in (NUMBER, OTHER)
    ]
    lost = make_message(to="09190000000")  # queued, its job lost
    clock.move_to(tehran(10, 11))
    fresh = make_message(status=Message.Status.SENDING, sending_since=tehran(10, 11) - SECOND)
    recent = make_message(to="09190000001")  # queued a moment ago: its job may yet run
    later = make_message(to="09190000002", send_after=tehran(12))

    assert services.sweep() == (2, 1)

    statuses = dict(Message.objects.values_list("pk", "status"))
    assert [statuses[m.pk] for m in stale] == [Message.Status.UNKNOWN] * 2
    assert statuses[fresh.pk] == Message.Status.SENDING
    assert statuses[lost.pk] == Message.Status.SENT
    assert statuses[recent.pk] == Message.Status.QUEUED
    assert statuses[later.pk] == Message.Status.QUEUED
    assert [s.to for s in messaging.outbox] == ["09190000000"]


def test_the_sweeper_sends_a_queued_message_whose_time_came_long_ago(clock):
    message = make_message(send_after=tehran(10, 5))
    clock.move_to(tehran(10, 14))
    assert services.sweep() == (0, 0)
    clock.move_to(tehran(10, 15))
    assert services.sweep() == (0, 1)
    message.refresh_from_db()
    assert message.status == Message.Status.SENT


def test_an_organizer_sends_unknown_and_failed_messages_again_under_the_same_local_id():
    unknown = make_message(status=Message.Status.UNKNOWN, attempts=1, error="cut off")
    failed = make_message(
        status=Message.Status.FAILED,
        attempts=settings.MESSAGE_ATTEMPTS,
        error="HTTP 502",
        to=OTHER,
        send_after=tehran(9),
    )
    assert services.retry(message=unknown) is True
    assert services.retry(message=failed) is True

    for message in (unknown, failed):
        message.refresh_from_db()
        assert message.status == Message.Status.SENT
        assert message.attempts == 1
        assert message.error == ""
        assert message.provider_id == f"locmem-{message.local_id}"
        assert message.send_after is None
    assert [(s.to, s.local_id) for s in messaging.outbox] == [
        (NUMBER, unknown.local_id),
        (OTHER, failed.local_id),
    ]


def test_a_message_that_was_sent_or_is_queued_is_not_sent_again():
    sent = services.send_sms(to=NUMBER, text="سلام")
    sent.refresh_from_db()
    assert services.retry(message=sent) is False
    queued = make_message(to=OTHER)
    assert services.retry(message=queued) is False
    assert len(messaging.outbox) == 1
    assert Message.objects.get(pk=queued.pk).status == Message.Status.QUEUED


def test_retrying_twice_from_a_stale_copy_sends_once():
    message = make_message(status=Message.Status.UNKNOWN)
    assert services.retry(message=message) is True
    assert services.retry(message=message) is False  # its status in memory is still unknown
    assert len(messaging.outbox) == 1


# -- Quiet hours --------------------------------------------------------------


@pytest.mark.usefixtures("quiet_hours")
def test_a_notice_at_night_waits_until_eight_in_the_morning(clock):
    clock.move_to(tehran(22, 30))
    message = services.send_sms(to=NUMBER, text="غرفه شما تأیید شد.")
    message.refresh_from_db()
    morning = tehran(8, day=11)
    assert message.status == Message.Status.QUEUED
    assert message.attempts == 0
    assert message.send_after == morning
    assert deferred("deliver_message") == [(morning, (message.pk,))]
    assert deferred("expire_lease") == []
    assert messaging.outbox == []

    # A job that runs early (the sweeper's) puts it off again.
    clock.move_to(tehran(23, 0))
    assert services.deliver(message.pk) is None
    assert deferred("deliver_message") == [(morning, (message.pk,))] * 2

    clock.move_to(tehran(7, 59, day=11))
    assert run_deferred(now()) == 0
    clock.move_to(morning)
    run_deferred(now())
    message.refresh_from_db()
    assert message.status == Message.Status.SENT
    assert message.sent_at == morning
    assert message.attempts == 1
    assert [s.local_id for s in messaging.outbox] == [message.local_id]


@pytest.mark.usefixtures("quiet_hours")
def test_a_promotion_at_night_waits_too(clock):
    clock.move_to(tehran(5, 0))
    message = services.send_sms(to=NUMBER, text="تخفیف", purpose=Message.Purpose.PROMOTION)
    message.refresh_from_db()
    assert message.status == Message.Status.QUEUED
    assert message.send_after == tehran(8)
    assert messaging.outbox == []


@pytest.mark.usefixtures("quiet_hours")
def test_a_code_at_night_goes_at_once(clock):
    clock.move_to(tehran(22, 30))
    message = services.send_sms(to=NUMBER, text="کد: ۱۲۳۴۵", purpose=Message.Purpose.CODE)
    message.refresh_from_db()
    assert message.status == Message.Status.SENT
    assert message.send_after is None
    assert message.sent_at == tehran(22, 30)
    assert [s.text for s in messaging.outbox] == ["کد: ۱۲۳۴۵"]


@pytest.mark.usefixtures("quiet_hours")
def test_a_retry_that_falls_in_the_quiet_hours_waits_for_the_morning(clock, monkeypatch):
    clock.move_to(tehran(20, 59) + datetime.timedelta(seconds=45))
    failing(monkeypatch, TransientError("timeout"))
    message = services.send_sms(to=NUMBER, text="سلام")
    monkeypatch.undo()
    message.refresh_from_db()
    assert message.send_after == tehran(21, 0) + datetime.timedelta(seconds=15)
    clock.move_to(message.send_after)
    run_deferred(now())
    message.refresh_from_db()
    assert message.status == Message.Status.QUEUED
    assert message.attempts == 1
    assert message.send_after == tehran(8, day=11)
    assert messaging.outbox == []
    clock.move_to(tehran(8, day=11))
    run_deferred(now())
    message.refresh_from_db()
    assert message.status == Message.Status.SENT


@pytest.mark.usefixtures("quiet_hours")
def test_an_email_at_night_goes_at_once(clock, mailoutbox):
    clock.move_to(tehran(23, 0))
    message = services.send_email(to="a@example.ir", subject="سلام", text="متن")
    message.refresh_from_db()
    assert message.status == Message.Status.SENT
    assert len(mailoutbox) == 1


@pytest.mark.parametrize(
    ("moment", "until"),
    [
        (tehran(21, 0), tehran(8, day=11)),
        (tehran(23, 59), tehran(8, day=11)),
        (tehran(0, 0), tehran(8)),
        (tehran(7, 59), tehran(8)),
        (tehran(8, 0), None),
        (tehran(12, 0), None),
        (tehran(20, 59), None),
        # 22:30 in Tehran, given in UTC
        (datetime.datetime(2026, 3, 10, 19, 0, tzinfo=datetime.UTC), tehran(8, day=11)),
        # the month and the year turn over
        (tehran(22, 0, day=31, month=3), tehran(8, day=1, month=4)),
        (tehran(22, 0, day=31, month=12, year=2025), tehran(8, day=1, month=1, year=2026)),
    ],
)
def test_the_default_quiet_hours_wrap_around_midnight(settings, moment, until):
    settings.SMS_QUIET_HOURS = "21:00-08:00"
    assert services.quiet_until(moment) == until


@pytest.mark.parametrize(
    ("moment", "until"),
    [
        (tehran(12, 59), None),
        (tehran(13, 0), tehran(14)),
        (tehran(13, 59), tehran(14)),
        (tehran(14, 0), None),
        (tehran(23, 0), None),
        (tehran(2, 0), None),
    ],
)
def test_quiet_hours_within_a_day(settings, moment, until):
    settings.SMS_QUIET_HOURS = "13:00-14:00"
    assert services.quiet_until(moment) == until


def test_quiet_hours_may_be_written_with_spaces(settings):
    settings.SMS_QUIET_HOURS = " 22:00 - 06:30 "
    assert services.quiet_until(tehran(22, 0)) == tehran(6, 30, day=11)
    assert services.quiet_until(tehran(6, 30)) is None


@pytest.mark.parametrize("setting", ["", "off"])
def test_without_quiet_hours_it_is_never_quiet(settings, setting):
    settings.SMS_QUIET_HOURS = setting
    for hour in (0, 3, 8, 21, 23):
        assert services.quiet_until(tehran(hour, 0)) is None


# -- Opt-outs -----------------------------------------------------------------


def test_a_notice_to_a_number_that_opted_out_is_a_failed_row_and_is_not_sent():
    services.opt_out(number=NUMBER, source=OptOut.Source.LINK)
    message = services.send_sms(to=NUMBER, text="خبر تازه")
    message.refresh_from_db()
    assert message.status == Message.Status.FAILED
    assert message.error == in_persian("This number has opted out of messages.")
    assert message.attempts == 0
    assert messaging.outbox == []
    assert deferred("deliver_message") == []
    # The number opted out; others still get theirs.
    services.send_sms(to=OTHER, text="خبر تازه")
    assert [s.to for s in messaging.outbox] == [OTHER]


def test_a_code_to_a_number_that_opted_out_is_still_sent():
    services.opt_out(number=NUMBER, source=OptOut.Source.REPLY)
    message = services.send_sms(to=NUMBER, text="کد: ۴۴۴", purpose=Message.Purpose.CODE)
    message.refresh_from_db()
    assert message.status == Message.Status.SENT
    assert [s.to for s in messaging.outbox] == [NUMBER]


@pytest.mark.usefixtures("quiet_hours")
def test_a_queued_notice_fails_when_its_number_opts_out_before_it_goes(clock):
    clock.move_to(tehran(22, 30))
    message = services.send_sms(to=NUMBER, text="خبر تازه")
    clock.move_to(tehran(23, 0))
    assert services.record_reply(number=NUMBER, text="لغو") is True
    clock.move_to(tehran(8, day=11))
    run_deferred(now())
    message.refresh_from_db()
    assert message.status == Message.Status.FAILED
    assert message.error == in_persian("This number has opted out.")
    assert message.attempts == 0
    assert messaging.outbox == []
    assert deferred("deliver_message") == []


@pytest.mark.parametrize(
    "reply",
    ["لغو", "لغو۱۱", "لغو11", " لغو ۱۱ ", "STOP ", "stop", "Off", "Cancel", "UNSUBSCRIBE", "توقف"],
)
def test_a_stop_word_reply_opts_the_number_out(reply):
    assert services.record_reply(number=NUMBER, text=reply) is True
    opt_out = OptOut.objects.get()
    assert opt_out.number == NUMBER
    assert opt_out.source == OptOut.Source.REPLY
    assert services.is_opted_out(NUMBER)


@pytest.mark.parametrize("reply", ["سلام", "لغو کنید لطفا", "stopp", "۱۱", "", None])
def test_any_other_reply_does_not(reply):
    assert services.record_reply(number=NUMBER, text=reply) is False
    assert not OptOut.objects.exists()
    assert not services.is_opted_out(NUMBER)


def test_opting_out_twice_keeps_the_first_row():
    first = services.opt_out(number=NUMBER, source=OptOut.Source.LINK)
    assert services.record_reply(number=NUMBER, text="لغو") is True
    assert list(OptOut.objects.values_list("pk", "source")) == [(first.pk, "link")]


def test_a_promotion_ends_with_the_opt_out_line_and_a_link_for_its_number():
    message = services.send_sms(
        to=NUMBER, text="نمایشگاه کفش همدان\n", purpose=Message.Purpose.PROMOTION
    )
    message.refresh_from_db()
    first, last = message.text.split("\n")
    assert first == "نمایشگاه کفش همدان"
    assert "لغو11" in last
    match = re.search(re.escape(settings.SITE_URL) + r"/o/([^/\s]+)/", last)
    assert match is not None
    assert services.number_from_token(match.group(1)) == NUMBER
    assert last == services.opt_out_line(NUMBER)
    assert messaging.outbox[0].text == message.text
    assert message.status == Message.Status.SENT


def test_each_number_has_its_own_opt_out_token():
    assert services.number_from_token(services.opt_out_token(OTHER)) == OTHER
    assert services.opt_out_token(OTHER) != services.opt_out_token(NUMBER)


def test_a_forged_opt_out_token_gives_no_number():
    token = services.opt_out_token(NUMBER)
    tampered = token[:-1] + ("A" if token[-1] != "A" else "B")
    assert services.number_from_token(tampered) is None
    assert services.number_from_token(signing.dumps(NUMBER, salt="another")) is None
    assert services.number_from_token(signing.dumps(NUMBER, compress=True)) is None
    assert services.number_from_token("09121234567") is None
    assert services.number_from_token("") is None


# -- Email ----------------------------------------------------------------------


def test_a_templated_email_is_one_row_and_one_mail_per_distinct_recipient(mailoutbox):
    rows = services.send_templated_email(
        "registration/email/confirm",
        {"url": "http://x/"},
        ["b@example.ir", "a@example.ir", "b@example.ir", "", None],
    )
    assert [row.to for row in rows] == ["a@example.ir", "b@example.ir"]
    assert Message.objects.count() == 2
    for row in rows:
        row.refresh_from_db()
        assert row.channel == Message.Channel.EMAIL
        assert row.status == Message.Status.SENT
        assert row.subject
        assert "\n" not in row.subject
        assert "http://x/" in row.text
        assert 'href="http://x/"' in row.html
        assert row.delivery == ""
        assert row.provider_id == ""
    assert [mail.to for mail in mailoutbox] == [["a@example.ir"], ["b@example.ir"]]
    assert mailoutbox[0].subject == rows[0].subject
    assert "http://x/" in mailoutbox[0].body
    assert mailoutbox[0].alternatives[0][1] == "text/html"
    assert 'href="http://x/"' in mailoutbox[0].alternatives[0][0]
    assert deferred("check_delivery") == []


def test_a_templated_email_to_nobody_makes_no_row(mailoutbox):
    assert (
        services.send_templated_email("registration/email/confirm", {"url": "x"}, ["", None]) == []
    )
    assert not Message.objects.exists()
    assert mailoutbox == []


def test_a_mail_server_that_hangs_up_queues_the_email_again(clock, monkeypatch, mailoutbox):
    def disconnected(self, fail_silently=False):
        raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")

    monkeypatch.setattr("django.core.mail.EmailMultiAlternatives.send", disconnected)
    [message] = services.send_templated_email(
        "registration/email/confirm", {"url": "http://x/"}, ["a@example.ir"]
    )
    message.refresh_from_db()
    assert message.status == Message.Status.QUEUED
    assert message.attempts == 1
    assert "Connection unexpectedly closed" in message.error
    assert message.send_after == tehran(10) + datetime.timedelta(seconds=30)
    assert deferred("deliver_message") == [(message.send_after, (message.pk,))]
    assert mailoutbox == []

    monkeypatch.undo()
    clock.move_to(message.send_after)
    run_deferred(now())
    message.refresh_from_db()
    assert message.status == Message.Status.SENT
    assert [mail.to for mail in mailoutbox] == [["a@example.ir"]]


def test_a_refused_address_fails_the_email(monkeypatch, mailoutbox):
    def refused(self, fail_silently=False):
        raise smtplib.SMTPRecipientsRefused({"a@example.ir": (550, b"No such user")})

    monkeypatch.setattr("django.core.mail.EmailMultiAlternatives.send", refused)
    message = services.send_email(to="a@example.ir", subject="سلام", text="متن")
    message.refresh_from_db()
    assert message.status == Message.Status.FAILED
    assert message.error.startswith("The mail server refused the address")
    assert "No such user" in message.error
    assert deferred("deliver_message") == []
    assert mailoutbox == []
