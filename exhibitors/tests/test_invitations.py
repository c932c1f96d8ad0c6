"""Invitation links (issue 13, item 7): stored as a digest, expiring, once,
withdrawable; and what the link says when it no longer works."""

import datetime
import re

import pytest
import time_machine
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse
from django.utils import timezone

from exhibitors import services
from exhibitors.models import Invitation, Membership
from exhibitors.tests.factories import valid_national_id, verify
from portal.lib import tokens
from portal.tests.helpers import in_language

pytestmark = pytest.mark.django_db


def link_in(mail):
    return re.search(r"/dashboard/invitations/[\w-]+/", mail.body)[0]


@pytest.fixture
def invited(unit, owner, mailoutbox, settings):
    """An invitation of colleague@example.ir and the link its mail carries; it
    works two days (a session lasts longer, so that travelling past the
    expiry keeps the colleague signed in)."""
    settings.INVITATION_DAYS = 2
    invitation = services.invite_member(
        exhibitor=unit, email="colleague@example.ir", role="staff", invited_by=verify(owner)
    )
    return invitation, link_in(mailoutbox[-1])


@pytest.fixture
def colleague_client(client, django_user_model):
    client.force_login(
        django_user_model.objects.create_user("colleague@example.ir", "colleague@example.ir")
    )
    return client


def test_only_the_digest_of_the_token_is_stored(invited):
    _invitation, link = invited
    raw = link.split("/")[-2]
    stored = Invitation.objects.values().get()
    assert raw not in str(stored.values())
    assert stored["token_hash"] == tokens.digest(raw) and len(stored["token_hash"]) == 64
    assert len(raw) >= 43  # 256 random bits


def test_an_invitation_expires_after_the_setting(settings, unit, owner):
    settings.INVITATION_DAYS = 3
    before = timezone.now()
    invitation = services.invite_member(
        exhibitor=unit, email="c@example.ir", role="staff", invited_by=verify(owner)
    )
    assert before + datetime.timedelta(days=3) <= invitation.expires_at
    assert invitation.expires_at <= timezone.now() + datetime.timedelta(days=3)


def test_the_mail_says_until_when_the_link_works(invited, mailoutbox):
    body = mailoutbox[-1].body
    assert "یک بار" in body or "once" in body


def test_the_link_accepts_once_then_says_it_was_used(invited, colleague_client, django_user_model):
    _invitation, link = invited
    assert colleague_client.get(link).status_code == 200
    response = colleague_client.post(link)
    assert response.status_code == 302
    colleague = django_user_model.objects.get(username="colleague@example.ir")
    assert Membership.objects.filter(user=colleague, role="staff").exists()
    in_language(colleague_client, "en")
    again = colleague_client.get(link)
    assert again.status_code == 410
    assert "This invitation has already been used." in again.content.decode()
    colleague_client.post(link)
    assert Membership.objects.filter(user=colleague).count() == 1


def test_an_expired_link_says_so_in_persian_and_makes_no_member(
    invited, colleague_client, settings
):
    invitation, link = invited
    later = invitation.expires_at + datetime.timedelta(minutes=1)
    with time_machine.travel(later, tick=False):
        page = colleague_client.get(link)
        assert page.status_code == 410
        assert "این دعوت‌نامه منقضی شده است" in page.content.decode() or (
            "This invitation has expired" in page.content.decode()
        )
        in_language(colleague_client, "en")
        assert "This invitation has expired." in colleague_client.get(link).content.decode()
        colleague_client.post(link)
    assert not Membership.objects.filter(user__username="colleague@example.ir").exists()
    invitation.refresh_from_db()
    assert invitation.accepted_at is None


def test_the_service_refuses_an_expired_invitation_too(invited, django_user_model):
    invitation, _link = invited
    colleague = django_user_model.objects.create_user(
        "colleague@example.ir", "colleague@example.ir"
    )
    with (
        time_machine.travel(invitation.expires_at, tick=False),
        pytest.raises(services.ValidationError) as error,
    ):
        services.accept_invitation(invitation=invitation, user=colleague)
    assert error.value.code == "expired"


def test_an_owner_withdraws_an_invitation_and_its_link_says_so(
    invited, owner_client, unit, client, django_user_model
):
    invitation, link = invited
    members = reverse("self:members", args=[unit.pk])
    page = owner_client.get(members).content.decode()
    withdraw = reverse("self:invitation_revoke", args=[unit.pk, invitation.pk])
    assert f'action="{withdraw}"' in page
    response = owner_client.post(withdraw)
    assert response.status_code == 302 and response["Location"] == members
    invitation.refresh_from_db()
    assert invitation.revoked_at is not None
    assert list(owner_client.get(members).context["invitations"]) == []

    client.force_login(
        django_user_model.objects.create_user("colleague@example.ir", "colleague@example.ir")
    )
    in_language(client, "en")
    gone = client.get(link)
    assert gone.status_code == 410 and "This invitation was withdrawn." in gone.content.decode()
    client.post(link)
    assert not unit.memberships.filter(user__username="colleague@example.ir").exists()


def test_a_staff_member_of_the_unit_cannot_withdraw_and_strangers_get_nothing(
    invited, unit, client, django_user_model, stranger_client
):
    invitation, _link = invited
    withdraw = reverse("self:invitation_revoke", args=[unit.pk, invitation.pk])
    assert stranger_client.post(withdraw).status_code == 404
    staff = django_user_model.objects.create_user("staff@example.ir", "staff@example.ir")
    Membership.objects.create(user=staff, exhibitor=unit, role=Membership.Role.STAFF)
    client.force_login(staff)
    assert client.post(withdraw).status_code == 404
    invitation.refresh_from_db()
    assert invitation.revoked_at is None


def test_withdrawing_takes_a_post_and_a_known_invitation(invited, owner_client, unit):
    invitation, _link = invited
    withdraw = reverse("self:invitation_revoke", args=[unit.pk, invitation.pk])
    assert owner_client.get(withdraw).status_code == 405
    assert (
        owner_client.post(reverse("self:invitation_revoke", args=[unit.pk, 999999])).status_code
        == 404
    )
    invitation.refresh_from_db()
    assert invitation.revoked_at is None


def test_an_expired_address_can_be_invited_again_and_only_the_new_link_works(
    invited, unit, owner, mailoutbox, colleague_client
):
    invitation, old_link = invited
    with pytest.raises(services.ValidationError):  # still open
        services.invite_member(
            exhibitor=unit, email="colleague@example.ir", role="staff", invited_by=owner
        )
    with time_machine.travel(invitation.expires_at + datetime.timedelta(hours=1), tick=False):
        services.invite_member(
            exhibitor=unit, email="colleague@example.ir", role="owner", invited_by=owner
        )
        new_link = link_in(mailoutbox[-1])
        assert new_link != old_link
        assert colleague_client.get(old_link).status_code == 410
        colleague_client.post(new_link)
    assert unit.memberships.get(user__username="colleague@example.ir").role == "owner"


def test_a_wrong_or_oversized_token_is_not_found(owner_client):
    assert owner_client.get(reverse("invitation", args=["nonsense"])).status_code == 404
    assert owner_client.get(reverse("invitation", args=["x" * 500])).status_code == 404
    # The digest itself, sent as a token, opens nothing.
    invitation_digest = tokens.digest("whatever")
    assert owner_client.get(reverse("invitation", args=[invitation_digest])).status_code == 404


def test_the_members_page_lists_invitations_in_a_flat_number_of_queries(
    owner_client, unit, owner, django_assert_max_num_queries
):
    verify(owner)
    url = reverse("self:members", args=[unit.pk])
    services.invite_member(exhibitor=unit, email="a1@example.ir", role="staff", invited_by=owner)
    with django_assert_max_num_queries(12) as one:
        owner_client.get(url)
    for n in range(2, 12):
        services.invite_member(
            exhibitor=unit, email=f"a{n}@example.ir", role="staff", invited_by=owner
        )
    with django_assert_max_num_queries(len(one.captured_queries)):
        page = owner_client.get(url).content.decode()
    assert page.count('class="link danger"') >= 11


# serialized_rollback: the flush after a transactional test would otherwise
# recreate content types that the next such test loads again (duplicates).
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_migration_hashes_the_tokens_already_mailed(settings):
    """A link mailed before the upgrade keeps working until it expires."""
    settings.INVITATION_DAYS = 14
    executor = MigrationExecutor(connection)
    before = [("exhibitors", "0012_normalized_letters")]
    after = [("exhibitors", "0013_invitation_token_hash")]
    executor.migrate(before)
    old = executor.loader.project_state(before).apps
    unit = old.get_model("exhibitors", "Exhibitor").objects.create(
        legal_name="واحد قدیمی",
        national_id=valid_national_id(),
        county_id=old.get_model("exhibitors", "County").objects.first().pk,
    )
    raw = "an-old-token-that-was-mailed-in-clear-0123456"
    Invitation_then = old.get_model("exhibitors", "Invitation")
    Invitation_then.objects.create(exhibitor_id=unit.pk, email="x@example.ir", token=raw)
    created = Invitation_then.objects.get().created_at

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(after)
    new = executor.loader.project_state(after).apps
    row = new.get_model("exhibitors", "Invitation").objects.get()
    assert row.token_hash == tokens.digest(raw)
    assert row.expires_at == created + datetime.timedelta(days=14)
    # And on to the latest state, for the tests that follow.
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())
    found = services.find_invitation(raw)
    assert found is not None and found.problem() is None
