import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.urls import reverse

from messaging.models import Message

pytestmark = pytest.mark.django_db

GOOD = "Goosfand-Sefid-1405"


def signup(client, email="Owner@Example.ir", one=GOOD, two=GOOD):
    return client.post(
        reverse("signup_email"), {"email": email, "password1": one, "password2": two}
    )


def test_signing_up_creates_a_lower_cased_account_logs_in_and_asks_for_the_unit(client):
    response = signup(client)
    assert response.status_code == 302 and response.url == reverse("self:unit_new")
    user = get_user_model().objects.get()
    assert (user.username, user.email) == ("owner@example.ir", "owner@example.ir")
    assert client.get(reverse("dashboard")).status_code == 200
    # The address is confirmed by a link, mailed through the queue.
    sent = Message.objects.get()
    assert (sent.channel, sent.to, sent.status) == ("email", "owner@example.ir", "sent")
    assert [m.to for m in mail.outbox] == [["owner@example.ir"]]
    assert user.account.email_verified_at is None


def test_an_email_taken_in_another_case_is_refused_with_a_persian_message(client):
    signup(client)
    client.logout()
    response = signup(client, email="OWNER@example.IR")
    assert response.status_code == 200
    assert "حسابی با این رایانامه وجود دارد" in response.content.decode()
    assert get_user_model().objects.count() == 1


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
