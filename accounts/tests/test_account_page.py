"""The person's own page: a new mobile verified by a code, an email confirmed
by a link; the organizers' reset of a lost number; manage.py set_mobile."""

import datetime
import io
import re

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.core import mail, signing
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

import messaging
from accounts.models import Account, Event, LoginCode
from accounts.testing import sign_in_staff
from accounts.views import PENDING
from fairs.tests.factories import make_organizer
from messaging.models import Message

pytestmark = pytest.mark.django_db

OLD = "09351112233"
NEW = "09121234567"


def english(client):
    client.cookies.load({"django_language": "en"})
    return client


def last_code():
    return re.search(r"#(\d{6})$", messaging.outbox[-1].text).group(1)


def user_with(username, mobile="", email=""):
    user = get_user_model().objects.create_user(username, email)
    Account.objects.create(
        user=user, mobile=mobile, mobile_verified_at=timezone.now() if mobile else None
    )
    return user


def texts(response):
    return [str(message) for message in response.context["messages"]]


# -- The page ---------------------------------------------------------------


def test_the_account_page_wants_a_login(client):
    response = client.get(reverse("account"))
    assert response.status_code == 302
    assert response.url == f"{reverse('login')}?next={reverse('account')}"


def test_the_account_page_shows_the_verified_number_in_persian_digits(owner_client, owner):
    Account.objects.create(user=owner, mobile=OLD, mobile_verified_at=timezone.now())
    page = owner_client.get(reverse("account")).content.decode()
    assert "۰۹۳۵۱۱۱۲۲۳۳" in page
    assert "owner@example.ir" in page


def test_the_page_makes_an_account_for_a_user_who_had_none(owner_client, owner):
    assert not Account.objects.filter(user=owner).exists()
    assert owner_client.get(reverse("account")).status_code == 200
    assert Account.objects.get(user=owner).mobile == ""


# -- A mobile ---------------------------------------------------------------


def test_a_new_mobile_is_verified_with_a_code(owner_client, owner):
    Account.objects.create(user=owner, mobile=OLD, mobile_verified_at=timezone.now())
    response = english(owner_client).post(reverse("account"), {"mobile": "۰۹۱۲ ۱۲۳ ۴۵۶۷"})
    assert response.status_code == 302 and response.url == reverse("code")
    assert [sms.to for sms in messaging.outbox] == [NEW]
    assert owner_client.session[PENDING]["purpose"] == "verify"
    assert LoginCode.objects.get().user == owner
    # Nothing changes before the code.
    assert Account.objects.get(user=owner).mobile == OLD

    response = owner_client.post(reverse("code"), {"code": last_code()}, follow=True)
    assert response.redirect_chain == [(reverse("account"), 302)]
    account = Account.objects.get(user=owner)
    assert account.mobile == NEW and account.mobile_verified_at is not None
    assert owner_client.session["_auth_user_id"] == str(owner.pk)
    event = Event.objects.get(kind="mobile_set")
    assert (event.user, event.number, event.detail) == (owner, NEW, f"{OLD} → {NEW}")
    assert texts(response) == ["Your mobile number is verified."]
    assert NEW in response.content.decode()


def test_a_first_mobile_is_verified_with_no_was(owner_client, owner):
    owner_client.post(reverse("account"), {"mobile": NEW})
    owner_client.post(reverse("code"), {"code": last_code()})
    assert Account.objects.get(user=owner).has_verified_mobile
    assert Event.objects.get(kind="mobile_set").detail == ""


def test_the_verified_number_then_signs_in_to_the_same_account(client, owner, unit):
    client.force_login(owner)
    client.post(reverse("account"), {"mobile": NEW})
    client.post(reverse("code"), {"code": last_code()})
    client.logout()
    with time_machine.travel(timezone.now() + datetime.timedelta(minutes=2)):
        client.post(reverse("login"), {"mobile": NEW})
        response = client.post(reverse("code"), {"code": last_code()})
        assert response.url == reverse("dashboard")
        assert client.session["_auth_user_id"] == str(owner.pk)
    assert get_user_model().objects.count() == 1


def test_a_wrong_code_changes_no_number(owner_client, owner):
    owner_client.post(reverse("account"), {"mobile": NEW})
    code = last_code()
    response = owner_client.post(reverse("code"), {"code": f"{(int(code) + 1) % 10**6:06d}"})
    assert response.status_code == 200
    assert Account.objects.get(user=owner).mobile == ""
    assert not Event.objects.filter(kind="mobile_set").exists()


def test_a_number_of_another_account_is_refused_and_sends_nothing(owner_client, owner):
    user_with("someone", mobile=NEW)
    response = english(owner_client).post(reverse("account"), {"mobile": "+989121234567"})
    assert response.status_code == 200
    assert [e.code for e in response.context["mobile_form"].errors.as_data()["mobile"]] == ["taken"]
    assert "This number belongs to another account." in response.content.decode()
    assert messaging.outbox == [] and PENDING not in owner_client.session
    assert Account.objects.get(user=owner).mobile == ""


def test_a_number_taken_while_the_code_was_on_its_way_is_refused(owner_client, owner):
    owner_client.post(reverse("account"), {"mobile": NEW})
    user_with("quicker", mobile=NEW)
    response = english(owner_client).post(reverse("code"), {"code": last_code()})
    assert response.status_code == 200
    assert "This number belongs to another account." in response.content.decode()
    assert Account.objects.get(user=owner).mobile == ""
    assert Account.objects.get(user__username="quicker").mobile == NEW


def test_a_bad_number_on_the_account_page_is_a_form_error(owner_client):
    response = owner_client.post(reverse("account"), {"mobile": "08138271234"})
    assert response.status_code == 200
    assert response.context["mobile_form"].errors.as_data()["mobile"][0].code == "landline"
    assert messaging.outbox == []


def test_a_verify_code_does_not_sign_anyone_in(client, owner):
    """Codes are kept to their purpose: the code that verifies a number on an
    account is no sign-in code for it."""
    client.force_login(owner)
    client.post(reverse("account"), {"mobile": NEW})
    code = last_code()
    other = type(client)()
    session = other.session
    # Even with the verifying session's own nonce, forged into a sign-in.
    session[PENDING] = {
        **client.session[PENDING],
        "purpose": "sign_in",
        "user": None,
        "hash": "",
        "next": "/",
    }
    session.save()
    response = other.post(reverse("code"), {"code": code})
    assert response.status_code == 200
    assert response.context["form"].errors.as_data()["code"][0].code == "expired"
    assert "_auth_user_id" not in other.session
    assert get_user_model().objects.count() == 1


# -- An email ---------------------------------------------------------------


def add_email(client, email="New@Example.ir"):
    response = client.post(reverse("account"), {"email": email}, follow=True)
    link = re.search(r"https?://testserver(/accounts/email/[^/\s]+/)", mail.outbox[-1].body)
    return response, link.group(1)


def test_adding_an_email_mails_a_link_through_the_queue(owner_client, owner):
    response, link = add_email(english(owner_client))
    assert response.redirect_chain == [(reverse("account"), 302)]
    assert texts(response) == ["We sent a link to new@example.ir: open it to confirm the address."]
    sent = Message.objects.get()
    assert (sent.channel, sent.to, sent.status) == ("email", "new@example.ir", "sent")
    assert [message.to for message in mail.outbox] == [["new@example.ir"]]
    assert link in sent.text and link in sent.html
    # Nothing is changed by asking.
    owner.refresh_from_db()
    assert owner.email == "owner@example.ir"
    assert not Event.objects.exists()


def test_opening_the_link_asks_and_changes_nothing(owner_client, owner):
    _response, link = add_email(owner_client)
    response = owner_client.get(link)
    assert response.status_code == 200
    assert "new@example.ir" in response.content.decode()
    assert 'method="post"' in response.content.decode()
    owner.refresh_from_db()
    assert owner.email == "owner@example.ir"
    assert Account.objects.get(user=owner).email_verified_at is None
    assert not Event.objects.filter(kind="email_set").exists()


def test_confirming_the_link_sets_and_verifies_the_email(owner_client, owner):
    _response, link = add_email(owner_client)
    response = owner_client.post(link)
    assert response.status_code == 302 and response.url == reverse("account")
    owner.refresh_from_db()
    assert owner.email == "new@example.ir"
    assert Account.objects.get(user=owner).email_verified_at is not None
    event = Event.objects.get(kind="email_set")
    assert (event.user, event.detail) == (owner, "new@example.ir")


def test_the_link_does_not_work_for_another_user(client, owner, django_user_model):
    client.force_login(owner)
    _response, link = add_email(english(client))
    someone = django_user_model.objects.create_user("someone", "someone@example.ir")
    client.force_login(someone)
    for method in (client.get, client.post):
        response = method(link, follow=True)
        assert response.redirect_chain == [(reverse("account"), 302)]
        assert texts(response) == ["This link is not valid (any more). Ask for a new one."]
    someone.refresh_from_db()
    owner.refresh_from_db()
    assert (someone.email, owner.email) == ("someone@example.ir", "owner@example.ir")
    assert not Event.objects.filter(kind="email_set").exists()


@pytest.mark.parametrize(
    "forge",
    [
        lambda token, pk: token[:-2] + ("AA" if not token.endswith("AA") else "BB"),
        lambda token, pk: signing.dumps({"u": pk, "e": "evil@example.ir"}, salt="another"),
        lambda token, pk: signing.dumps({"u": pk, "e": "evil@example.ir"}, key="not-the-key"),
        lambda token, pk: "nonsense",
    ],
)
def test_a_forged_link_is_refused(owner_client, owner, forge):
    _response, link = add_email(english(owner_client))
    token = link.rstrip("/").rsplit("/", 1)[1]
    response = owner_client.post(
        reverse("email_confirm", args=[forge(token, owner.pk)]), follow=True
    )
    assert texts(response) == ["This link is not valid (any more). Ask for a new one."]
    owner.refresh_from_db()
    assert owner.email == "owner@example.ir"
    assert Account.objects.get(user=owner).email_verified_at is None


def test_a_link_older_than_three_days_is_refused(owner_client, owner):
    _response, link = add_email(english(owner_client))
    with time_machine.travel(timezone.now() + datetime.timedelta(days=3, minutes=1)):
        owner_client.force_login(owner)  # the session would have lived on
        response = owner_client.post(link, follow=True)
        assert texts(response) == ["This link is not valid (any more). Ask for a new one."]
    owner.refresh_from_db()
    assert owner.email == "owner@example.ir"


def test_the_link_wants_a_login(client, owner):
    client.force_login(owner)
    _response, link = add_email(client)
    client.logout()
    response = client.post(link)
    assert response.status_code == 302 and response.url.startswith(reverse("login"))
    owner.refresh_from_db()
    assert owner.email == "owner@example.ir"


def test_an_email_of_another_account_is_refused_before_any_mail(owner_client, owner):
    user_with("someone", email="taken@example.ir")
    response = english(owner_client).post(reverse("account"), {"email": "Taken@Example.ir"})
    assert response.context["email_form"].errors["email"] == [
        "This email belongs to another account."
    ]
    assert mail.outbox == [] and not Message.objects.exists()
    owner.refresh_from_db()
    assert owner.email == "owner@example.ir"
    assert Account.objects.get(user=owner).email_verified_at is None


def test_a_bad_email_on_the_account_page_is_a_form_error(owner_client):
    response = owner_client.post(reverse("account"), {"email": "not-an-email"})
    assert response.status_code == 200 and response.context["email_form"].errors["email"]
    assert mail.outbox == [] and not Message.objects.exists()


# -- Organizers: resetting a lost number ------------------------------------


def changelist(client, **data):
    return client.post(reverse("admin:accounts_account_changelist"), data)


def test_an_organizer_resets_a_members_lost_number(client):
    organizer = sign_in_staff(client, make_organizer())
    member = user_with("member", mobile=OLD)
    account = member.account
    response = changelist(client, action="reset_mobile", _selected_action=[account.pk])
    assert response.status_code == 302
    account.refresh_from_db()
    assert (account.mobile, account.mobile_verified_at) == ("", None)
    event = Event.objects.get(kind="mobile_reset")
    assert (event.user, event.number, event.by) == (member, OLD, organizer)
    # The number is free for its new holder.
    client.logout()
    client.post(reverse("signup"), {"mobile": OLD})
    client.post(reverse("code"), {"code": last_code()})
    assert get_user_model().objects.get(username=OLD).account.has_verified_mobile


def test_resetting_an_account_without_a_number_does_nothing(client):
    sign_in_staff(client, make_organizer())
    account = user_with("member").account
    changelist(client, action="reset_mobile", _selected_action=[account.pk])
    assert not Event.objects.exists()


def test_organizers_do_not_see_staff_accounts(client):
    organizer = make_organizer()
    Account.objects.create(user=organizer, mobile="09120000001", mobile_verified_at=timezone.now())
    sign_in_staff(client, organizer)
    member = user_with("member", mobile=OLD)
    boss = get_user_model().objects.create_superuser("boss", "boss@example.ir", "x")
    Account.objects.create(user=boss, mobile="09120000002", mobile_verified_at=timezone.now())
    response = client.get(reverse("admin:accounts_account_changelist"))
    assert response.status_code == 200
    assert list(response.context["cl"].queryset) == [member.account]
    # Nor can they reset one by its id.
    changelist(
        client, action="reset_mobile", _selected_action=[organizer.account.pk, boss.account.pk]
    )
    assert Account.objects.get(user=boss).mobile == "09120000002"
    assert Account.objects.get(user=organizer).mobile == "09120000001"
    assert not Event.objects.filter(kind="mobile_reset").exists()


def test_a_superuser_sees_every_account(client):
    boss = get_user_model().objects.create_superuser("boss", "boss@example.ir", "x")
    sign_in_staff(client, boss)
    organizer = make_organizer()
    Account.objects.create(user=organizer, mobile="09120000001")
    member = user_with("member", mobile=OLD)
    response = client.get(reverse("admin:accounts_account_changelist"))
    assert set(response.context["cl"].queryset) == {organizer.account, member.account}


def test_accounts_cannot_be_added_or_their_numbers_edited_in_the_admin(client):
    boss = get_user_model().objects.create_superuser("boss", "boss@example.ir", "x")
    sign_in_staff(client, boss)
    account = user_with("member", mobile=OLD).account
    assert client.get(reverse("admin:accounts_account_add")).status_code == 403
    url = reverse("admin:accounts_account_change", args=[account.pk])
    client.post(url, {"mobile": NEW})
    account.refresh_from_db()
    assert account.mobile == OLD


@pytest.mark.parametrize("who", ["organizer", "superuser"])
def test_the_event_admin_is_read_only(client, who):
    if who == "organizer":
        user = make_organizer()
    else:
        user = get_user_model().objects.create_superuser("boss", "boss@example.ir", "x")
    sign_in_staff(client, user)
    event = Event.objects.create(kind=Event.Kind.SIGNED_IN, number=OLD)
    assert client.get(reverse("admin:accounts_event_add")).status_code == 403
    assert client.post(reverse("admin:accounts_event_add"), {"kind": "signed_in"}).status_code == (
        403
    )
    url = reverse("admin:accounts_event_change", args=[event.pk])
    client.post(url, {"kind": "mobile_reset", "number": NEW})
    assert client.post(reverse("admin:accounts_event_delete", args=[event.pk]), {"post": "yes"})
    event.refresh_from_db()
    assert (event.kind, event.number) == ("signed_in", OLD)
    assert Event.objects.count() == 1


def test_organizers_read_the_events(client):
    sign_in_staff(client, make_organizer())
    Event.objects.create(kind=Event.Kind.CODE_LIMIT, number=OLD, client="10.0.0.1")
    response = client.get(reverse("admin:accounts_event_changelist"))
    assert response.status_code == 200
    assert OLD in response.content.decode() or "۰۹۳۵۱۱۱۲۲۳۳" in response.content.decode()


# -- manage.py set_mobile ----------------------------------------------------


def test_set_mobile_sets_a_verified_number(owner):
    out = io.StringIO()
    call_command("set_mobile", "OWNER@example.ir", "۰۹۱۲ ۱۲۳ ۴۵۶۷", stdout=out)
    account = Account.objects.get(user=owner)
    assert account.mobile == NEW and account.has_verified_mobile
    event = Event.objects.get()
    assert (event.kind, event.user, event.number, event.detail) == (
        "mobile_set",
        owner,
        NEW,
        "manage.py set_mobile",
    )
    assert NEW in out.getvalue()


def test_set_mobile_finds_a_user_by_username_and_replaces_the_number(owner):
    Account.objects.create(user=owner, mobile=OLD)
    call_command("set_mobile", "owner@example.ir", NEW, stdout=io.StringIO())
    account = Account.objects.get(user=owner)
    assert (account.mobile, account.has_verified_mobile) == (NEW, True)
    assert Account.objects.count() == 1


def test_set_mobile_gives_an_organizer_the_second_factor(client):
    make_organizer()
    call_command("set_mobile", "organizer", NEW, stdout=io.StringIO())
    response = client.post(
        reverse("password_login"), {"username": "organizer", "password": "pass-1234-word"}
    )
    assert response.url == reverse("code")
    assert [sms.to for sms in messaging.outbox] == [NEW]


@pytest.mark.parametrize(
    ("user", "mobile"),
    [("nobody", NEW), ("owner@example.ir", "08138271234"), ("owner@example.ir", "abc")],
)
def test_set_mobile_refuses_an_unknown_user_or_a_bad_number(owner, user, mobile):
    with pytest.raises(CommandError):
        call_command("set_mobile", user, mobile, stdout=io.StringIO())
    assert not Account.objects.exists() and not Event.objects.exists()


def test_set_mobile_refuses_a_number_of_another_account(owner):
    user_with("someone", mobile=NEW)
    with pytest.raises(CommandError, match="belongs to another account"):
        call_command("set_mobile", "owner@example.ir", NEW, stdout=io.StringIO())
    assert not Account.objects.filter(user=owner).exists()
