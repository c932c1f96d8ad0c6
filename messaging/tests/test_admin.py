import pytest
from django.contrib.auth.models import Group, Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation
from django.utils.translation import ngettext

import messaging
from accounts.testing import sign_in_staff
from fairs.tests.factories import make_organizer
from messaging import services
from messaging.models import Message, OptOut

from .helpers import make_message, tehran, travel

pytestmark = pytest.mark.django_db

CHANGELIST = "admin:messaging_message_changelist"


@pytest.fixture(autouse=True)
def _daytime():
    with travel(tehran(10)):
        yield


def view_message():
    return Permission.objects.get(content_type__app_label="messaging", codename="view_message")


@pytest.fixture
def organizer_client(client):
    # No migration gives the Organizers group this permission yet
    # (test_organizers_may_look_at_messages fails until one does): give it
    # here, so that what follows tests the admin itself. A no-op once it exists.
    Group.objects.get(name="Organizers").permissions.add(view_message())
    sign_in_staff(client, make_organizer())
    return client


def listed(response):
    return {message.pk for message in response.context["cl"].result_list}


def test_organizers_may_look_at_messages(client):
    """The Organizers group (its migrations) is what lets an organizer into this admin."""
    organizer = sign_in_staff(client, make_organizer())
    assert organizer.has_perm("messaging.view_message")
    assert client.get(reverse(CHANGELIST)).status_code == 200


def test_an_organizer_sees_the_messages_in_a_flat_number_of_queries(organizer_client):
    url = reverse(CHANGELIST)
    make_message(status=Message.Status.FAILED, error="HTTP 502")
    with CaptureQueriesContext(connection) as one:
        response = organizer_client.get(url)
    assert response.status_code == 200
    assert len(listed(response)) == 1

    for n in range(19):
        make_message(to=f"0912000{n:04d}", status=Message.Status.SENT, sent_at=tehran(9))
    with CaptureQueriesContext(connection) as twenty:
        response = organizer_client.get(url)
    assert len(listed(response)) == 20
    assert len(twenty) == len(one)


def test_an_organizer_filters_what_to_look_at(organizer_client):
    failed = make_message(status=Message.Status.FAILED, error="Kavenegar 411")
    unknown = make_message(status=Message.Status.UNKNOWN, to="09351112233")
    make_message(status=Message.Status.SENT, sent_at=tehran(9), to="09190000000")
    url = reverse(CHANGELIST)
    assert listed(organizer_client.get(url, {"status__exact": "failed"})) == {failed.pk}
    assert listed(organizer_client.get(url, {"status__exact": "unknown"})) == {unknown.pk}
    assert len(listed(organizer_client.get(url))) == 3
    assert listed(organizer_client.get(url, {"q": "09351112233"})) == {unknown.pk}


def test_an_organizer_reads_a_message_but_cannot_add_change_or_delete_one(organizer_client):
    message = make_message(status=Message.Status.FAILED, error="HTTP 502", text="س" * 71)
    change = reverse("admin:messaging_message_change", args=[message.pk])
    page = organizer_client.get(change)
    assert page.status_code == 200
    assert "HTTP 502" in page.content.decode()
    assert '<div class="readonly">۲</div>' in page.content.decode()  # two SMS parts
    assert 'name="_save"' not in page.content.decode()

    assert organizer_client.get(reverse("admin:messaging_message_add")).status_code == 403
    assert organizer_client.post(change, {"to": "09000000000"}).status_code == 403
    delete = reverse("admin:messaging_message_delete", args=[message.pk])
    assert organizer_client.get(delete).status_code == 403
    assert organizer_client.post(delete, {"post": "yes"}).status_code == 403
    message.refresh_from_db()
    assert message.to == "09121234567"
    assert Message.objects.count() == 1

    actions = organizer_client.get(reverse(CHANGELIST)).context["action_form"]
    assert [name for name, _label in actions.fields["action"].choices if name] == ["send_again"]


def test_an_organizer_does_not_see_the_one_time_codes_sent(organizer_client):
    """A code read here would let an organizer sign in as the member it went to."""
    code = services.send_sms(
        to="09121234567", text="کد همسایه: 493817\n\n@localhost #493817", purpose="code"
    )
    notice = make_message(text="غرفه‌ی شما تأیید شد.", to="09351112233")
    page = organizer_client.get(reverse("admin:messaging_message_change", args=[code.pk]))
    assert page.status_code == 200
    assert "493817" not in page.content.decode()
    page = organizer_client.get(reverse("admin:messaging_message_change", args=[notice.pk]))
    assert "غرفه‌ی شما تأیید شد." in page.content.decode()


def test_an_organizer_does_not_see_a_members_password_reset_link(
    organizer_client, django_user_model
):
    """The link sets the member's password: read here, it is the account."""
    django_user_model.objects.create_user("m@example.ir", "m@example.ir", "Old-Pass-1405")
    organizer_client.post(reverse("password_reset"), {"email": "m@example.ir"})
    message = Message.objects.get(channel=Message.Channel.EMAIL, to="m@example.ir")
    assert "/reset/" in message.text
    page = organizer_client.get(reverse("admin:messaging_message_change", args=[message.pk]))
    assert page.status_code == 200
    assert "/reset/" not in page.content.decode()


def test_send_again_queues_failed_and_unknown_messages_and_they_go(organizer_client):
    failed = make_message(status=Message.Status.FAILED, attempts=5, error="HTTP 502")
    unknown = make_message(status=Message.Status.UNKNOWN, attempts=1, to="09351112233")
    sent = make_message(
        status=Message.Status.SENT, sent_at=tehran(9), to="09190000000", provider_id="p-1"
    )
    response = organizer_client.post(
        reverse(CHANGELIST),
        {"action": "send_again", "_selected_action": [failed.pk, unknown.pk, sent.pk]},
        follow=True,
    )
    assert response.status_code == 200
    [notice] = list(response.context["messages"])
    with translation.override("fa"):
        expected = ngettext("%(n)s message queued again.", "%(n)s messages queued again.", 2)
    assert str(notice) == expected % {"n": "۲"}
    assert notice.level_tag == "success"
    for message in (failed, unknown):
        message.refresh_from_db()
        assert message.status == Message.Status.SENT
        assert message.attempts == 1
        assert message.error == ""
    sent.refresh_from_db()
    assert sent.provider_id == "p-1"
    assert sorted((s.to, s.local_id) for s in messaging.outbox) == sorted(
        [("09121234567", failed.local_id), ("09351112233", unknown.local_id)]
    )


def test_send_again_on_nothing_to_resend_warns(organizer_client):
    sent = make_message(status=Message.Status.SENT, sent_at=tehran(9))
    response = organizer_client.post(
        reverse(CHANGELIST), {"action": "send_again", "_selected_action": [sent.pk]}, follow=True
    )
    [notice] = list(response.context["messages"])
    assert notice.level_tag == "warning"
    assert messaging.outbox == []


def test_staff_without_the_permission_cannot_see_messages(client, django_user_model):
    staff = django_user_model.objects.create_user("s", "s@example.ir", "x", is_staff=True)
    sign_in_staff(client, staff)
    assert client.get(reverse(CHANGELIST)).status_code == 403
    failed = make_message(status=Message.Status.FAILED)
    client.post(reverse(CHANGELIST), {"action": "send_again", "_selected_action": [failed.pk]})
    failed.refresh_from_db()
    assert failed.status == Message.Status.FAILED
    assert messaging.outbox == []


@pytest.fixture
def member_client(client, django_user_model):
    """Signed in, not staff, though allowed to view messages."""
    user = django_user_model.objects.create_user("u", "u@example.ir", "x")
    user.user_permissions.add(view_message())
    client.force_login(user)
    return client


def test_a_user_who_is_not_staff_is_sent_away_from_the_admin(member_client):
    failed = make_message(status=Message.Status.FAILED)
    url = reverse(CHANGELIST)
    response = member_client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))
    response = member_client.post(url, {"action": "send_again", "_selected_action": [failed.pk]})
    assert response.status_code == 302
    failed.refresh_from_db()
    assert failed.status == Message.Status.FAILED
    assert messaging.outbox == []


def test_a_user_who_is_not_staff_is_turned_away_not_sent_round_in_a_loop(member_client):
    """The admin's login would send them to the password sign-in, which sends a
    signed-in member straight back: they get the portal's 403 page instead."""
    response = member_client.get(reverse(CHANGELIST), follow=True)
    assert response.status_code == 403
    assert response.redirect_chain == [
        (reverse("admin:login") + "?next=" + reverse(CHANGELIST), 302)
    ]
    assert "admin/login.html" not in [t.name for t in response.templates]


def test_an_organizer_without_the_second_factor_is_sent_to_sign_in(client):
    client.force_login(make_organizer())
    response = client.get(reverse(CHANGELIST))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


# -- Opt-outs added by hand -----------------------------------------------------


@pytest.fixture
def boss_client(client, django_user_model):
    sign_in_staff(client, django_user_model.objects.create_superuser("boss", "b@example.ir", "x"))
    return client


@pytest.mark.parametrize("typed", ["09121234567", "۰۹۱۲۱۲۳۴۵۶۷", "+98 912 123 4567"])
def test_an_opt_out_added_in_the_admin_is_stored_as_the_number_messages_go_to(boss_client, typed):
    response = boss_client.post(
        reverse("admin:messaging_optout_add"), {"number": typed, "source": "organizer"}
    )
    assert response.status_code == 302
    assert list(OptOut.objects.values_list("number", "source")) == [("09121234567", "organizer")]
    message = services.send_sms(to="09121234567", text="خبر تازه")
    message.refresh_from_db()
    assert message.status == Message.Status.FAILED
    assert messaging.outbox == []


def test_an_opt_out_for_something_that_is_not_a_mobile_is_refused(boss_client):
    response = boss_client.post(
        reverse("admin:messaging_optout_add"), {"number": "0812345", "source": "organizer"}
    )
    assert response.status_code == 200
    assert "number" in response.context["adminform"].form.errors
    assert not OptOut.objects.exists()
