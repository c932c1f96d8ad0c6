"""Whom a request came from, for the rate limits: REMOTE_ADDR, or behind
trusted proxies the address the last of them saw."""

import datetime

import pytest
import time_machine
from django.test import RequestFactory
from django.urls import reverse

import messaging
from accounts.clients import client_address
from accounts.models import Event


def request(remote="10.0.0.5", forwarded=None):
    meta = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        meta["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **meta)


@pytest.fixture
def behind_proxy(settings):
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]


# -- No proxy trusted -------------------------------------------------------


@pytest.mark.parametrize(
    "forwarded", [None, "", "1.2.3.4", "1.2.3.4, 10.0.0.7", "garbage", "6.6.6.6, 1.2.3.4"]
)
def test_with_no_trusted_proxy_the_address_is_remote_addr(settings, forwarded):
    settings.TRUSTED_PROXIES = []
    assert client_address(request("10.0.0.5", forwarded)) == "10.0.0.5"
    assert client_address(request("8.8.8.8", forwarded)) == "8.8.8.8"


def test_a_request_without_remote_addr_is_the_unspecified_address(settings):
    settings.TRUSTED_PROXIES = []
    plain = RequestFactory().get("/")
    plain.META.pop("REMOTE_ADDR", None)
    assert client_address(plain) == "0.0.0.0"
    plain.META["REMOTE_ADDR"] = ""
    assert client_address(plain) == "0.0.0.0"


# -- Behind trusted proxies ---------------------------------------------------


def test_behind_a_trusted_proxy_the_client_is_the_last_untrusted_hop(behind_proxy):
    assert client_address(request("10.0.0.5", "1.2.3.4, 10.0.0.7")) == "1.2.3.4"
    assert client_address(request("10.0.0.5", "1.2.3.4")) == "1.2.3.4"


def test_what_a_client_puts_at_the_left_is_not_read(behind_proxy):
    assert client_address(request("10.0.0.5", "6.6.6.6, 1.2.3.4")) == "1.2.3.4"
    assert client_address(request("10.0.0.5", "6.6.6.6, 1.2.3.4, 10.0.0.7")) == "1.2.3.4"
    assert client_address(request("10.0.0.5", "10.9.9.9, 1.2.3.4")) == "1.2.3.4"


def test_a_remote_addr_that_is_not_a_trusted_proxy_is_the_client(behind_proxy):
    assert client_address(request("8.8.8.8", "1.2.3.4")) == "8.8.8.8"
    assert client_address(request("8.8.8.8", "1.2.3.4, 10.0.0.7")) == "8.8.8.8"


@pytest.mark.parametrize(
    "forwarded",
    [
        "",
        " , ,",
        "garbage",
        "1.2.3.4, garbage",
        "1.2.3.4, garbage, 10.0.0.7",
        "999.1.1.1",
        "<script>",
        "1.2.3.4 5.6.7.8",
    ],
)
def test_garbage_in_x_forwarded_for_falls_back_to_remote_addr(behind_proxy, forwarded):
    assert client_address(request("10.0.0.5", forwarded)) == "10.0.0.5"


@pytest.mark.parametrize(
    ("forwarded", "client"),
    [
        ("1.2.3.4:5678", "1.2.3.4"),
        ("[2001:db8::1]:443", "2001:db8::1"),
        ("2001:db8::1", "2001:db8::1"),
    ],
)
def test_a_port_a_proxy_adds_is_dropped(behind_proxy, forwarded, client):
    assert client_address(request("10.0.0.5", forwarded)) == client


def test_garbage_left_of_the_real_client_is_not_read(behind_proxy):
    assert client_address(request("10.0.0.5", "garbage, 1.2.3.4, 10.0.0.7")) == "1.2.3.4"


def test_a_chain_of_trusted_proxies_only_is_the_remote_addr(behind_proxy):
    assert client_address(request("10.0.0.5", "10.0.0.8, 10.0.0.7")) == "10.0.0.5"


def test_spaces_around_hops_do_not_matter(behind_proxy):
    assert client_address(request("10.0.0.5", "  1.2.3.4 ,10.0.0.7  ")) == "1.2.3.4"


def test_ipv6_addresses_are_read_and_written_in_one_form(settings):
    settings.TRUSTED_PROXIES = ["10.0.0.0/8", "fd00::/8"]
    assert client_address(request("fd00::5", "2001:DB8:0:0::1")) == "2001:db8::1"
    assert client_address(request("10.0.0.5", "2001:db8::1, fd00::7")) == "2001:db8::1"


def test_a_single_trusted_address_without_a_prefix(settings):
    settings.TRUSTED_PROXIES = ["127.0.0.1"]
    assert client_address(request("127.0.0.1", "1.2.3.4")) == "1.2.3.4"
    assert client_address(request("127.0.0.2", "1.2.3.4")) == "127.0.0.2"


# -- The limits count clients, not the proxy ---------------------------------


@pytest.mark.django_db
def test_the_per_client_limit_counts_each_client_behind_the_proxy(client, settings):
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    settings.CODES_PER_CLIENT = "1/h"
    # One frozen instant: every request falls in the same windows.
    now = datetime.datetime.now(datetime.UTC)

    def ask(number, forwarded):
        return client.post(
            reverse("login"),
            {"mobile": number},
            REMOTE_ADDR="10.0.0.5",
            HTTP_X_FORWARDED_FOR=forwarded,
        )

    with time_machine.travel(now, tick=False):
        assert ask("09121111111", "1.2.3.4, 10.0.0.7").status_code == 302
        # Another client behind the same proxy has a limit of its own.
        assert ask("09122222222", "5.6.7.8, 10.0.0.7").status_code == 302
        # The first one again, with a made-up address at the left: refused.
        response = ask("09123333333", "9.9.9.9, 1.2.3.4, 10.0.0.7")
        assert response.status_code == 200
        assert response.context["form"].errors.as_data()["mobile"][0].code == "wait"
    assert [sms.to for sms in messaging.outbox] == ["09121111111", "09122222222"]
    assert list(Event.objects.order_by("pk").values_list("kind", "client")) == [
        ("code_sent", "1.2.3.4"),
        ("code_sent", "5.6.7.8"),
        ("code_limit", "1.2.3.4"),
    ]
