"""The Kavenegar backend against a local fake that answers as Kavenegar's REST
documentation says (https://kavenegar.com/rest.html)."""

import datetime
import http.server
import json
import re
import socket
import threading
import time
import urllib.parse

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone

from messaging import services
from messaging.backends import get_backend
from messaging.backends.base import PermanentError, TransientError, UncertainError
from messaging.backends.kavenegar import SMSBackend
from messaging.models import Message
from portal.lib.tasks import run_deferred

from .helpers import NUMBER, deferred, make_message, tehran, travel

pytestmark = pytest.mark.django_db

TEXT = "غرفه‌ی شما در سالن A تأیید شد. «همسایه» ۱۴۰۵"
FIRST_ID = 8792343


class FakeKavenegar:
    """What the fake provider was asked and what it did. ``mode`` says how it
    answers sms/send.json: "ok", "502", "slow" (sends, then answers too late),
    "garbage" (sends, then answers something that is not its JSON), "truncated"."""

    def __init__(self):
        self.requests = []  # (api key, path, fields, content type)
        self.entries = {}  # localid -> the entry of its first send
        self.phones = []  # (receptor, message) as they reached a phone
        self.statuses = {}  # messageid -> Kavenegar's delivery status
        self.mode = "ok"
        self.next_id = FIRST_ID
        self.release = threading.Event()

    def sends(self):
        return [fields for _key, path, fields, _type in self.requests if path == "sms/send.json"]

    def send(self, fields):
        """Kavenegar's duplicate check: a localid it has seen gets the first entry."""
        localid = fields.get("localid")
        if localid and localid in self.entries:
            return self.entries[localid]
        entry = {
            "messageid": self.next_id,
            "message": fields["message"],
            "status": 1,
            "statustext": "در صف ارسال",
            "sender": fields.get("sender", "10004346"),
            "receptor": fields["receptor"],
            "date": 1356619709,
            "cost": 120,
        }
        self.next_id += 1
        self.statuses[entry["messageid"]] = 1
        self.phones.append((fields["receptor"], fields["message"]))
        if localid:
            self.entries[localid] = entry
        return entry


def ok(entries):
    return 200, {"return": {"status": 200, "message": "تایید شد"}, "entries": entries}


def error(code, message):
    return code, {"return": {"status": code, "message": message}, "entries": None}


class Handler(http.server.BaseHTTPRequestHandler):
    def log_message(self, format, *args):
        pass

    def do_POST(self):
        fake = self.server.fake
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length).decode("utf-8")
        fields = dict(urllib.parse.parse_qsl(body, keep_blank_values=True, strict_parsing=False))
        match = re.fullmatch(r"/v1/([^/]+)/(.+)", self.path)
        if match is None:
            return self.answer(*error(404, "not found"))
        key, path = urllib.parse.unquote(match.group(1)), match.group(2)
        fake.requests.append((key, path, fields, self.headers.get("Content-Type")))
        if key != "k":
            return self.answer(*error(403, "کد شناسائی API-Key معتبر نمی‌باشد"))
        if path == "sms/send.json":
            return self.send_sms(fake, fields)
        if path == "sms/status.json":
            ids = [int(i) for i in fields["messageid"].split(",")]
            return self.answer(
                *ok(
                    [
                        {"messageid": i, "status": fake.statuses.get(i, 100), "statustext": ""}
                        for i in ids
                    ]
                )
            )
        if path == "account/info.json":
            return self.answer(
                *ok({"remaincredit": 15625, "expiredate": 1356619709, "type": "master"})
            )
        return self.answer(*error(404, "not found"))

    def send_sms(self, fake, fields):
        if fake.mode == "502":
            return self.raw(502, b"<html><body><h1>502 Bad Gateway</h1></body></html>")
        if not re.fullmatch(r"09[0-9]{9}", fields.get("receptor", "")):
            return self.answer(*error(411, "receptor invalid"))
        entry = fake.send(fields)
        if fake.mode == "slow":
            fake.release.wait(5)
        if fake.mode == "garbage":
            return self.raw(200, b"<html>oops")
        if fake.mode == "truncated":
            self.send_response(200)
            self.send_header("Content-Length", "500")
            self.end_headers()
            self.wfile.write(b'{"return": {"status": 200')
            return None
        return self.answer(*ok([entry]))

    def answer(self, status, payload):
        self.raw(status, json.dumps(payload, ensure_ascii=False).encode(), "application/json")

    def raw(self, status, body, content_type="text/html"):
        try:
            self.send_response(status)
            self.send_header("Content-Type", f"{content_type}; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        except OSError:
            pass  # the client gave up waiting (the timeout tests)


@pytest.fixture(scope="module")
def server():
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05})
    thread.daemon = True
    thread.start()
    yield httpd
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def fake(server):
    server.fake = FakeKavenegar()
    yield server.fake
    server.fake.release.set()


@pytest.fixture
def url(server):
    return f"http://127.0.0.1:{server.server_address[1]}"


@pytest.fixture
def backend(url, fake):
    return SMSBackend(api_key="k", sender="1000", url=url, timeout=1)


@pytest.fixture
def kavenegar(settings, url, fake):
    """Messages go through services to the fake, with Tehran's clock at ten."""
    settings.SMS_BACKEND = "messaging.backends.kavenegar.SMSBackend"
    settings.KAVENEGAR_URL = url
    settings.KAVENEGAR_API_KEY = "k"
    settings.KAVENEGAR_SENDER = "1000"
    settings.SMS_TIMEOUT = 1
    with travel(tehran(10)) as clock:
        yield clock


# -- The backend on its own ---------------------------------------------------


def test_a_send_posts_the_form_kavenegar_expects_and_returns_its_message_id(backend, fake):
    assert backend.send(NUMBER, TEXT, local_id="42") == str(FIRST_ID)
    [(key, path, fields, content_type)] = fake.requests
    assert (key, path) == ("k", "sms/send.json")
    assert content_type == "application/x-www-form-urlencoded"
    assert fields == {"receptor": NUMBER, "message": TEXT, "sender": "1000", "localid": "42"}
    assert fake.phones == [(NUMBER, TEXT)]


def test_without_a_sender_the_accounts_default_line_is_used(url, fake):
    SMSBackend(api_key="k", sender="", url=url + "/", timeout=1).send(NUMBER, "hi", local_id="1")
    assert "sender" not in fake.sends()[0]


def test_a_resent_local_id_gets_the_first_answer_and_reaches_the_phone_once(backend, fake):
    first = backend.send(NUMBER, TEXT, local_id="7")
    again = backend.send(NUMBER, TEXT, local_id="7")
    other = backend.send(NUMBER, TEXT, local_id="8")
    assert first == again == str(FIRST_ID)
    assert other == str(FIRST_ID + 1)
    assert len(fake.sends()) == 3
    assert fake.phones == [(NUMBER, TEXT), (NUMBER, TEXT)]


def test_an_invalid_receptor_is_a_permanent_error(backend, fake):
    with pytest.raises(PermanentError, match="411: receptor invalid"):
        backend.send("0912", TEXT, local_id="1")
    assert fake.phones == []


def test_a_502_with_an_html_page_is_a_transient_error(backend, fake):
    fake.mode = "502"
    with pytest.raises(TransientError, match="HTTP 502"):
        backend.send(NUMBER, TEXT, local_id="1")


def test_an_answer_slower_than_the_timeout_is_a_transient_error(backend, fake):
    fake.mode = "slow"
    started = time.monotonic()
    with pytest.raises(TransientError, match="did not answer"):
        backend.send(NUMBER, TEXT, local_id="1")
    assert time.monotonic() - started < 3


def test_no_server_at_all_is_a_transient_error():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    closed = SMSBackend(api_key="k", url=f"http://127.0.0.1:{port}", timeout=1)
    with pytest.raises(TransientError):
        closed.send(NUMBER, TEXT, local_id="1")


def test_an_answer_that_is_not_kavenegars_json_leaves_the_send_uncertain(backend, fake):
    fake.mode = "garbage"
    with pytest.raises(UncertainError, match="oops"):
        backend.send(NUMBER, TEXT, local_id="1")


def test_an_answer_cut_short_is_a_transient_error(backend, fake):
    fake.mode = "truncated"
    with pytest.raises(TransientError, match="IncompleteRead"):
        backend.send(NUMBER, TEXT, local_id="1")


def test_a_wrong_api_key_is_retried_while_an_operator_fixes_it(url, fake):
    with pytest.raises(TransientError, match="403"):
        SMSBackend(api_key="wrong", url=url, timeout=1).send(NUMBER, TEXT, local_id="1")
    assert fake.requests[0][0] == "wrong"


def test_delivery_reports_the_final_statuses_only(backend, fake):
    ids = [backend.send(NUMBER, TEXT, local_id=str(n)) for n in range(4)]
    fake.statuses.update({FIRST_ID: 10, FIRST_ID + 1: 11, FIRST_ID + 2: 1})
    assert backend.delivery([*ids, "", "999"]) == {
        ids[0]: "delivered",
        ids[1]: "undelivered",
        "999": "undelivered",  # 100: an id Kavenegar does not know
    }
    assert fake.requests[-1][1:3] == ("sms/status.json", {"messageid": ",".join([*ids, "999"])})


def test_delivery_of_nothing_asks_nothing(backend, fake):
    assert backend.delivery(["", ""]) == {}
    assert fake.requests == []


def test_a_garbled_status_answer_is_a_transient_error(backend, fake, monkeypatch):
    monkeypatch.setattr(Handler, "do_POST", lambda self: self.raw(200, b"<html>oops"))
    with pytest.raises(TransientError):
        backend.delivery([str(FIRST_ID)])


def test_the_remaining_credit(backend, fake):
    assert backend.credit() == 15625
    assert fake.requests[0][1] == "account/info.json"


def test_a_missing_api_key_is_a_configuration_error(settings, url):
    settings.KAVENEGAR_API_KEY = ""
    with pytest.raises(ImproperlyConfigured, match="KAVENEGAR_API_KEY"):
        SMSBackend(url=url)
    with pytest.raises(ImproperlyConfigured):
        get_backend("messaging.backends.kavenegar.SMSBackend")


def test_the_backend_reads_its_settings(settings, url, fake):
    settings.KAVENEGAR_API_KEY = "k"
    settings.KAVENEGAR_SENDER = "2000"
    settings.KAVENEGAR_URL = url
    settings.SMS_TIMEOUT = 1
    backend = get_backend("messaging.backends.kavenegar.SMSBackend")
    assert (backend.api_key, backend.sender, backend.url, backend.timeout) == ("k", "2000", url, 1)
    backend.send(NUMBER, TEXT, local_id="1")
    assert fake.sends()[0]["sender"] == "2000"


# -- Through services.deliver -------------------------------------------------


def test_a_sent_sms_has_kavenegars_id_and_went_under_its_own_pk(kavenegar, fake):
    message = services.send_sms(to=NUMBER, text=TEXT)
    message.refresh_from_db()
    assert message.status == Message.Status.SENT
    assert message.provider_id == str(FIRST_ID)
    assert message.delivery == Message.Delivery.PENDING
    assert fake.sends() == [
        {"receptor": NUMBER, "message": TEXT, "sender": "1000", "localid": message.local_id}
    ]
    assert deferred("check_delivery") == [(tehran(10, 1), (message.pk, 0))]


def test_an_invalid_number_fails_the_message(kavenegar, fake):
    message = services.send_sms(to="09121", text=TEXT)
    message.refresh_from_db()
    assert message.status == Message.Status.FAILED
    assert message.error == "Kavenegar 411: receptor invalid"
    assert deferred("deliver_message") == []


def test_a_502_queues_the_message_again_and_the_retry_sends_it(kavenegar, fake):
    fake.mode = "502"
    message = services.send_sms(to=NUMBER, text=TEXT)
    message.refresh_from_db()
    assert message.status == Message.Status.QUEUED
    assert "HTTP 502" in message.error
    assert message.send_after == tehran(10) + datetime.timedelta(seconds=30)
    assert deferred("deliver_message") == [(message.send_after, (message.pk,))]

    fake.mode = "ok"
    kavenegar.move_to(message.send_after)
    run_deferred(timezone.now())
    message.refresh_from_db()
    assert message.status == Message.Status.SENT
    assert message.attempts == 2
    assert message.provider_id == str(FIRST_ID)
    assert fake.phones == [(NUMBER, TEXT)]


def test_a_timeout_queues_the_message_again_and_the_retry_does_not_reach_the_phone_twice(
    kavenegar, fake
):
    fake.mode = "slow"  # Kavenegar sent it, but its answer came too late
    message = services.send_sms(to=NUMBER, text=TEXT)
    fake.release.set()
    message.refresh_from_db()
    assert message.status == Message.Status.QUEUED
    assert "did not answer" in message.error
    assert deferred("deliver_message") == [(message.send_after, (message.pk,))]

    fake.mode = "ok"
    kavenegar.move_to(message.send_after)
    run_deferred(timezone.now())
    message.refresh_from_db()
    assert message.status == Message.Status.SENT
    assert message.provider_id == str(FIRST_ID)
    assert [fields["localid"] for fields in fake.sends()] == [message.local_id] * 2
    assert fake.phones == [(NUMBER, TEXT)]


def test_garbage_leaves_the_message_unknown_and_sending_it_again_is_safe(kavenegar, fake):
    fake.mode = "garbage"
    message = services.send_sms(to=NUMBER, text=TEXT)
    message.refresh_from_db()
    assert message.status == Message.Status.UNKNOWN
    assert "oops" in message.error
    assert deferred("deliver_message") == []

    fake.mode = "ok"
    assert services.retry(message=message) is True
    message.refresh_from_db()
    assert message.status == Message.Status.SENT
    assert message.provider_id == str(FIRST_ID)
    assert fake.phones == [(NUMBER, TEXT)]


def test_delivery_is_polled_until_kavenegar_says_it_arrived(kavenegar, fake):
    message = services.send_sms(to=NUMBER, text=TEXT)
    kavenegar.move_to(tehran(10, 1))
    run_deferred(timezone.now())
    message.refresh_from_db()
    assert message.delivery == Message.Delivery.PENDING
    assert message.delivery_checked_at == tehran(10, 1)
    assert deferred("check_delivery") == [(tehran(10, 5), (message.pk, 1))]

    fake.statuses[FIRST_ID] = 10
    kavenegar.move_to(tehran(10, 5))
    run_deferred(timezone.now())
    message.refresh_from_db()
    assert message.delivery == Message.Delivery.DELIVERED
    assert deferred("check_delivery") == []
    statuses = [fields for _k, path, fields, _t in fake.requests if path == "sms/status.json"]
    assert statuses == [{"messageid": str(FIRST_ID)}] * 2


def test_an_undelivered_report_is_final(kavenegar, fake):
    message = services.send_sms(to=NUMBER, text=TEXT)
    fake.statuses[FIRST_ID] = 11
    kavenegar.move_to(tehran(10, 1))
    run_deferred(timezone.now())
    message.refresh_from_db()
    assert message.delivery == Message.Delivery.UNDELIVERED
    assert deferred("check_delivery") == []


def test_a_provider_that_does_not_answer_a_poll_is_asked_again_later(kavenegar, fake):
    message = services.send_sms(to=NUMBER, text=TEXT)
    kavenegar.move_to(tehran(10, 1))
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(Handler, "do_POST", lambda self: self.raw(502, b"<html>502</html>"))
        run_deferred(timezone.now())
    message.refresh_from_db()
    assert message.delivery == Message.Delivery.PENDING
    assert deferred("check_delivery") == [(tehran(10, 5), (message.pk, 1))]


def test_a_poll_answer_cut_short_is_asked_again_later(kavenegar, fake):
    message = services.send_sms(to=NUMBER, text=TEXT)
    kavenegar.move_to(tehran(10, 1))
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(Handler, "do_POST", truncated)
        run_deferred(timezone.now())
    message.refresh_from_db()
    assert message.delivery == Message.Delivery.PENDING
    assert deferred("check_delivery") == [(tehran(10, 5), (message.pk, 1))]


def truncated(handler):
    handler.rfile.read(int(handler.headers["Content-Length"]))
    handler.send_response(200)
    handler.send_header("Content-Length", "500")
    handler.end_headers()
    handler.wfile.write(b'{"return"')


def test_polling_stops_after_the_last_poll(kavenegar, fake):
    message = services.send_sms(to=NUMBER, text=TEXT)
    for seconds in services.POLLS:
        kavenegar.move_to(tehran(10) + datetime.timedelta(seconds=seconds))
        run_deferred(timezone.now())
    message.refresh_from_db()
    assert message.delivery == Message.Delivery.PENDING
    assert deferred("check_delivery") == []
    assert len([r for r in fake.requests if r[1] == "sms/status.json"]) == len(services.POLLS)


def test_a_missing_api_key_sends_nothing(kavenegar, settings, fake):
    settings.KAVENEGAR_API_KEY = ""
    message = make_message()
    services.deliver(message.pk)
    message.refresh_from_db()
    # Nothing went: it waits for retries, which an operator's fix lets through.
    assert message.status == Message.Status.QUEUED
    assert "KAVENEGAR_API_KEY" in message.error
    assert fake.requests == []
