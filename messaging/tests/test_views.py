import pytest
from django.test import Client
from django.urls import reverse

from messaging import services
from messaging.models import OptOut

from .helpers import NUMBER

pytestmark = pytest.mark.django_db


@pytest.fixture
def opt_out_url():
    return reverse("opt_out", args=[services.opt_out_token(NUMBER)])


@pytest.fixture
def inbound_url(settings):
    settings.SMS_INBOUND_SECRET = "s3cret"
    return reverse("sms_inbound", args=["s3cret"])


# -- The opt-out link ---------------------------------------------------------


def test_the_opt_out_page_shows_the_number_in_persian_digits_and_only_asks(client, opt_out_url):
    response = client.get(opt_out_url)
    assert response.status_code == 200
    page = response.content.decode()
    assert "۰۹۱۲۱۲۳۴۵۶۷" in page
    assert NUMBER not in page
    assert 'class="single-submit"' in page
    assert response.context["done"] is False
    assert not OptOut.objects.exists()


def test_posting_the_opt_out_form_opts_the_number_out(client, opt_out_url):
    response = client.post(opt_out_url)
    assert response.status_code == 302
    assert response["Location"] == opt_out_url
    opt_out = OptOut.objects.get()
    assert (opt_out.number, opt_out.source) == (NUMBER, OptOut.Source.LINK)
    assert services.is_opted_out(NUMBER)

    page = client.get(opt_out_url)
    assert page.context["done"] is True
    assert 'class="single-submit"' not in page.content.decode()
    assert "۰۹۱۲۱۲۳۴۵۶۷" in page.content.decode()
    assert len(list(page.context["messages"])) == 1


def test_posting_twice_keeps_one_opt_out(client, opt_out_url):
    client.post(opt_out_url)
    assert client.post(opt_out_url).status_code == 302
    assert OptOut.objects.count() == 1


def test_a_number_opted_out_by_a_reply_keeps_its_source(client, opt_out_url):
    services.record_reply(number=NUMBER, text="لغو")
    client.post(opt_out_url)
    assert list(OptOut.objects.values_list("number", "source")) == [(NUMBER, "reply")]


def test_the_opt_out_form_needs_no_csrf_token_from_another_site_but_has_one(opt_out_url):
    strict = Client(enforce_csrf_checks=True)
    assert strict.post(opt_out_url).status_code == 403
    assert not OptOut.objects.exists()
    page = strict.get(opt_out_url)
    token = page.context["csrf_token"]
    assert strict.post(opt_out_url, {"csrfmiddlewaretoken": str(token)}).status_code == 302
    assert OptOut.objects.count() == 1


@pytest.mark.parametrize("token", ["nonsense", "09121234567", "x:y"])
def test_a_bad_token_is_not_found(client, token):
    url = reverse("opt_out", args=[token])
    assert client.get(url).status_code == 404
    assert client.post(url).status_code == 404
    assert not OptOut.objects.exists()


def test_a_tampered_token_is_not_found(client):
    token = services.opt_out_token(NUMBER)
    tampered = token[:-1] + ("A" if token[-1] != "A" else "B")
    assert client.post(reverse("opt_out", args=[tampered])).status_code == 404
    assert not OptOut.objects.exists()


# -- Replies forwarded by the provider ------------------------------------------


@pytest.mark.parametrize("method", ["get", "post"])
def test_a_cancel_reply_opts_the_number_out(client, inbound_url, method):
    response = getattr(client, method)(inbound_url, {"from": "+989121234567", "message": "لغو"})
    assert response.status_code == 200
    assert response.content.decode() == "opted out"
    opt_out = OptOut.objects.get()
    assert (opt_out.number, opt_out.source) == (NUMBER, OptOut.Source.REPLY)


def test_the_inbound_webhook_needs_no_csrf_token(inbound_url):
    response = Client(enforce_csrf_checks=True).post(
        inbound_url, {"from": "09121234567", "message": "لغو۱۱"}
    )
    assert response.status_code == 200
    assert OptOut.objects.get().number == NUMBER


def test_another_reply_is_acknowledged_and_changes_nothing(client, inbound_url):
    response = client.post(inbound_url, {"from": "989121234567", "message": "سلام"})
    assert response.status_code == 200
    assert response.content.decode() == "ok"
    assert not OptOut.objects.exists()


def test_a_wrong_secret_is_not_found(client, inbound_url):
    url = reverse("sms_inbound", args=["wrong"])
    assert client.post(url, {"from": "09121234567", "message": "لغو"}).status_code == 404
    assert client.get(url, {"from": "09121234567", "message": "لغو"}).status_code == 404
    assert not OptOut.objects.exists()


def test_without_a_secret_set_the_webhook_is_not_found(client, settings):
    settings.SMS_INBOUND_SECRET = ""
    for secret in ("s3cret", "x"):
        url = reverse("sms_inbound", args=[secret])
        assert client.post(url, {"from": "09121234567", "message": "لغو"}).status_code == 404
    assert not OptOut.objects.exists()


@pytest.mark.parametrize("sender", ["10004346", "", "+1 555 0100", "02112345678"])
def test_a_reply_from_something_that_is_not_a_mobile_is_ignored(client, inbound_url, sender):
    response = client.post(inbound_url, {"from": sender, "message": "لغو"})
    assert response.status_code == 200
    assert response.content.decode() == "ignored"
    assert not OptOut.objects.exists()
