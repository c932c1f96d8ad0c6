"""Staff sessions (issue 13, item 7, gap 9): an organizer's session ends after
STAFF_SESSION_IDLE_MINUTES without a request and when the browser closes;
an exhibitor's keeps its two weeks."""

import datetime

import pytest
import time_machine
from django.conf import settings
from django.contrib.sessions.models import Session
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import Account
from accounts.testing import sign_in_staff
from accounts.tests.test_second_factor import MOBILE, enter, last_code, password_login
from fairs.tests.factories import make_organizer
from portal.staff_sessions import SEEN
from portal.tests.helpers import in_language

pytestmark = pytest.mark.django_db

ADMIN = reverse("admin:index")


@pytest.fixture
def start():
    return timezone.now().replace(microsecond=0)


def signed_in_organizer(client):
    user = make_organizer()
    sign_in_staff(client, user)
    return user


def test_an_organizer_idle_past_the_setting_is_signed_out(client, start):
    with time_machine.travel(start, tick=False) as clock:
        signed_in_organizer(client)
        assert client.get(ADMIN).status_code == 200
        clock.shift(datetime.timedelta(minutes=119))
        assert client.get(ADMIN).status_code == 200  # active again: the idle time starts over
        clock.shift(datetime.timedelta(minutes=119))
        assert client.get(ADMIN).status_code == 200
        clock.shift(datetime.timedelta(minutes=121))
        response = in_language(client, "en").get(ADMIN, follow=True)
    assert response.redirect_chain[-1][0].startswith(reverse("password_login"))
    assert "_auth_user_id" not in client.session
    assert "signed out after 120 minutes without activity" in response.content.decode()


def test_the_idle_time_is_a_setting(client, start, settings):
    settings.STAFF_SESSION_IDLE_MINUTES = 5
    with time_machine.travel(start, tick=False) as clock:
        signed_in_organizer(client)
        assert client.get(ADMIN).status_code == 200
        clock.shift(datetime.timedelta(minutes=6))
        assert client.get(ADMIN).status_code == 302


def test_an_exhibitor_is_not_signed_out_when_idle(owner_client, unit, start):
    page = reverse("dashboard_unit", args=[unit.pk])
    with time_machine.travel(start, tick=False) as clock:
        assert owner_client.get(page).status_code == 200
        clock.shift(datetime.timedelta(days=3))
        assert owner_client.get(page).status_code == 200
    assert SEEN not in owner_client.session


def test_an_organizer_signing_in_gets_a_cookie_that_ends_with_the_browser(client):
    organizer = make_organizer()
    Account.objects.create(user=organizer, mobile=MOBILE, mobile_verified_at=timezone.now())
    password_login(client)
    response = enter(client, last_code())
    assert response.status_code == 302 and client.session["_auth_user_id"] == str(organizer.pk)
    cookie = response.cookies[settings.SESSION_COOKIE_NAME]
    assert cookie["max-age"] == "" and cookie["expires"] == ""
    assert client.session.get_expire_at_browser_close()


def test_an_exhibitor_signing_in_keeps_two_weeks(client, owner):
    response = client.post(
        reverse("password_login"), {"username": owner.email, "password": "Goosfand-Sefid-1405"}
    )
    assert response.status_code == 302 and client.session["_auth_user_id"] == str(owner.pk)
    cookie = response.cookies[settings.SESSION_COOKIE_NAME]
    assert int(cookie["max-age"]) == settings.SESSION_COOKIE_AGE == 14 * 24 * 3600
    assert not client.session.get_expire_at_browser_close()


def test_an_older_staff_session_is_made_short_on_its_next_request(client, start):
    """A session begun before this change (two weeks, no activity noted)."""
    organizer = make_organizer()
    sign_in_staff(client, organizer)
    session = client.session
    session.set_expiry(None)
    del session[SEEN]
    session.save()
    with time_machine.travel(start, tick=False):
        response = client.get(ADMIN)
    cookie = response.cookies[settings.SESSION_COOKIE_NAME]
    assert cookie["max-age"] == "" and cookie["expires"] == ""
    assert client.session[SEEN] == int(start.timestamp())


def test_activity_is_written_at_most_once_a_minute(client, start):
    with time_machine.travel(start, tick=False) as clock:
        signed_in_organizer(client)
        client.get(ADMIN)
        key = client.session.session_key
        before = Session.objects.get(session_key=key).session_data
        clock.shift(datetime.timedelta(seconds=30))
        with CaptureQueriesContext(connection) as queries:
            client.get(ADMIN)
        assert not any("django_session" in q["sql"] and "UPDATE" in q["sql"] for q in queries)
        assert Session.objects.get(session_key=key).session_data == before
        clock.shift(datetime.timedelta(seconds=31))
        client.get(ADMIN)
        assert client.session[SEEN] == int(start.timestamp()) + 61


def test_a_signed_out_organizer_can_sign_in_again(client, start):
    with time_machine.travel(start, tick=False) as clock:
        organizer = signed_in_organizer(client)
        client.get(ADMIN)
        clock.shift(datetime.timedelta(hours=3))
        assert client.get(ADMIN).status_code == 302
        sign_in_staff(client, organizer)
        assert client.get(ADMIN).status_code == 200
