import re

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.urls import reverse
from django.utils import translation

from messaging.models import Message

pytestmark = pytest.mark.django_db

GOOD = "Goosfand-Sefid-1405"


def signup(client, email="Owner@Example.ir", one=GOOD, two=GOOD):
    return client.post(
        reverse("signup_email"), {"email": email, "password1": one, "password2": two}
    )


def link_in(message):
    return next(word for word in message.body.split() if "/accounts/signup/email/" in word)


def test_signing_up_mails_a_link_that_creates_the_account_and_asks_for_the_unit(client):
    response = signup(client)
    # Nothing is made before the address is proved, and nobody is signed in.
    assert response.status_code == 302 and response.url == reverse("signup_email_sent")
    assert not get_user_model().objects.exists() and "_auth_user_id" not in client.session
    with translation.override("fa"):
        check = translation.gettext("Check your email")
    assert check in client.get(response.url).content.decode()
    # The link, mailed through the queue.
    sent = Message.objects.get()
    assert (sent.channel, sent.to, sent.status, sent.purpose) == (
        "email",
        "owner@example.ir",
        "sent",
        "code",
    )
    assert [m.to for m in mail.outbox] == [["owner@example.ir"]]
    path = link_in(mail.outbox[0]).split("testserver", 1)[1]
    # Opening it (a link preview) makes nothing; the button does.
    page = client.get(path)
    assert "owner@example.ir" in page.content.decode()
    assert not get_user_model().objects.exists()
    response = client.post(path)
    assert response.status_code == 302 and response.url == reverse("self:unit_new")
    user = get_user_model().objects.get()
    assert (user.username, user.email) == ("owner@example.ir", "owner@example.ir")
    assert user.check_password(GOOD)
    assert user.account.email_verified_at is not None
    assert client.session["_auth_user_id"] == str(user.pk)
    assert client.get(reverse("dashboard")).status_code == 200
    # Once.
    client.logout()
    response = client.post(path)
    assert response.url == reverse("signup_email")
    assert get_user_model().objects.count() == 1


def test_an_email_taken_in_another_case_gets_the_same_page_and_a_mail_to_its_owner(client, owner):
    other = "Another-Pass-1405"
    response = signup(client, email="OWNER@example.IR", one=other, two=other)
    assert response.status_code == 302 and response.url == reverse("signup_email_sent")
    assert get_user_model().objects.count() == 1 and "_auth_user_id" not in client.session
    owner.refresh_from_db()
    assert owner.check_password("Goosfand-Sefid-1405")
    # The owner is told, in Persian, with a way to log in or reset the password.
    [message] = mail.outbox
    assert message.to == ["owner@example.ir"]
    with translation.override("fa"):
        told = translation.gettext(
            "Someone, perhaps you, tried to sign up on Hamsaye with this address. It "
            "already has an account, so nothing was created or changed."
        )
    assert told in message.body
    assert "http://testserver/accounts/login/" in message.body
    assert "http://testserver/accounts/password_reset/" in message.body
    assert "/accounts/signup/email/" not in message.body


def test_a_taken_and_a_free_address_are_answered_alike(client, owner):
    taken = signup(client, email="owner@example.ir")
    free = signup(client, email="new@example.ir")
    assert (taken.status_code, taken.url) == (free.status_code, free.url)
    assert without_csrf(client.get(taken.url)) == without_csrf(client.get(free.url))
    assert len(mail.outbox) == 2


def without_csrf(response):
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", response.content.decode())


def test_a_link_for_an_address_taken_meanwhile_makes_no_second_account(client, owner):
    signup(client, email="late@example.ir")
    path = link_in(mail.outbox[0]).split("testserver", 1)[1]
    owner.email = "late@example.ir"
    owner.save()
    response = client.post(path, follow=True)
    assert "حسابی با این رایانامه وجود دارد" in response.content.decode()
    assert get_user_model().objects.count() == 1 and "_auth_user_id" not in client.session


@pytest.mark.parametrize("token", ["nope", "x" * 43])
def test_a_made_up_link_makes_nothing(client, token):
    response = client.post(reverse("signup_email_finish", args=[token]))
    assert response.status_code == 302 and response.url == reverse("signup_email")
    assert not get_user_model().objects.exists()


@pytest.mark.parametrize(
    ("one", "two", "message"),
    [
        # One term, «گذرواژه», formal (Django's own says «رمز شما کلا عدد است»).
        ("12345678", "12345678", "این گذرواژه فقط از رقم تشکیل شده است"),
        # The number in Persian digits, as every number on a Persian page.
        ("short", "short", "این گذرواژه خیلی کوتاه است: دستکم ۸ نویسه لازم است"),
        (GOOD, GOOD + "x", "دو گذرواژه یکسان نیستند"),
    ],
)
def test_weak_or_mismatched_passwords_are_refused_in_persian(client, one, two, message):
    response = signup(client, one=one, two=two)
    assert message in response.content.decode().replace("\u200c", "")
    assert not get_user_model().objects.exists()


@pytest.mark.parametrize("email", ["", "not-an-email", "a" * 200 + "@example.ir", "<b>@x.ir"])
def test_bad_emails_are_refused(client, email):
    response = signup(client, email=email)
    assert response.status_code == 200 and response.context["form"].errors["email"]
    assert not get_user_model().objects.exists()


def test_logging_in_by_email_in_any_case(client, owner):
    response = client.post(
        reverse("password_login"),
        {"username": "OWNER@Example.IR", "password": "Goosfand-Sefid-1405"},
    )
    assert response.status_code == 302 and response.url == reverse("dashboard")


def test_a_wrong_password_is_an_error_not_a_login(client, owner):
    response = client.post(
        reverse("password_login"), {"username": "owner@example.ir", "password": "nope"}
    )
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def test_logging_out_takes_a_post(owner_client):
    response = owner_client.post(reverse("logout"))
    assert response.status_code == 302
    assert "_auth_user_id" not in owner_client.session


def test_a_password_reset_mails_a_working_link(client, owner):
    client.post(reverse("password_reset"), {"email": "owner@example.ir"})
    assert Message.objects.get().status == Message.Status.SENT
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["owner@example.ir"]
    link = next(word for word in message.body.split() if "/accounts/reset/" in word)
    path = link.split("testserver", 1)[1]
    response = client.get(path, follow=True)
    assert response.context["validlink"]
    new = "Kuh-e-Alvand-3574"
    client.post(response.redirect_chain[-1][0], {"new_password1": new, "new_password2": new})
    owner.refresh_from_db()
    assert owner.check_password(new)


def test_a_reset_for_an_unknown_address_sends_nothing_and_says_the_same(client):
    response = client.post(reverse("password_reset"), {"email": "nobody@example.ir"})
    assert response.status_code == 302
    assert mail.outbox == []


def test_the_dashboard_sends_anonymous_visitors_to_the_login_page(client):
    response = client.get(reverse("dashboard"))
    assert response.status_code == 302
    assert response.url == "/accounts/login/?next=/dashboard/"
