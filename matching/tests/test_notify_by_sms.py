"""Members with only a verified mobile are told by SMS what others read by email."""

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import timezone

import messaging
from accounts.models import Account
from exhibitors import services as exhibitor_services
from exhibitors.models import AccessRequest, Membership
from exhibitors.tests.factories import make_exhibitor, verify
from fairs import services as fair_services
from fairs.models import Participation
from fairs.tests.factories import make_fair, make_participation
from matching import services
from messaging.models import Message

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _owner_verified(owner):
    """Only a verified account writes to other units (test_limits.py)."""
    verify(owner)


@pytest.fixture
def by_sms(django_user_model):
    """A unit whose only member signed in with a mobile and has no email."""
    unit = make_exhibitor(legal_name="دستکش‌دوزی آرتا")
    user = django_user_model.objects.create_user("09183147720")
    Account.objects.create(user=user, mobile="09183147720", mobile_verified_at=timezone.now())
    Membership.objects.create(user=user, exhibitor=unit, role=Membership.Role.OWNER)
    return unit


def test_a_unit_with_only_a_mobile_member_receives_a_contact_request_by_sms(unit, owner, by_sms):
    request = services.send_request(
        sender=unit, receiver=by_sms, user=owner, subject="چرم دستکشی", message="سلام"
    )
    assert [(sms.to, "چرم دستکشی" in sms.text) for sms in messaging.outbox] == [
        ("09183147720", True)
    ]
    assert f"/dashboard/requests/{request.pk}/" in messaging.outbox[0].text
    assert mail.outbox == []
    assert Message.objects.get().purpose == Message.Purpose.NOTICE


def test_the_reply_reaches_the_sms_member_and_the_email_member_each_their_way(unit, owner, by_sms):
    request = services.send_request(
        sender=unit, receiver=by_sms, user=owner, subject="چرم", message="سلام"
    )
    services.reply(request=request, unit=by_sms, user=None, message="موجود است")
    assert [m.to for m in mail.outbox] == [["owner@example.ir"]]
    assert len(messaging.outbox) == 1  # the request; the reply went to the email member


def test_a_unit_with_no_reachable_member_still_cannot_be_written_to(unit, owner, django_user_model):
    silent = make_exhibitor(legal_name="بی‌نشان")
    user = django_user_model.objects.create_user("09120000009")
    Account.objects.create(user=user, mobile="09120000009")  # not verified
    Membership.objects.create(user=user, exhibitor=silent, role=Membership.Role.OWNER)
    with pytest.raises(ValidationError) as error:
        services.send_request(sender=unit, receiver=silent, user=owner, subject="x", message="y")
    assert error.value.code == "no_members"
    assert messaging.outbox == []


def test_an_application_decision_is_told_by_sms_to_a_mobile_only_member(
    by_sms, django_capture_on_commit_callbacks
):
    participation = make_participation(make_fair(), by_sms, status=Participation.Status.APPLIED)
    with django_capture_on_commit_callbacks(execute=True):
        fair_services.decide(participations=[participation], status=Participation.Status.APPROVED)
    assert [sms.to for sms in messaging.outbox] == ["09183147720"]
    assert mail.outbox == []


def test_an_access_decision_reaches_a_person_without_email_by_sms(by_sms, django_user_model):
    asker = django_user_model.objects.create_user("09121112233")
    Account.objects.create(user=asker, mobile="09121112233", mobile_verified_at=timezone.now())
    access = AccessRequest.objects.create(user=asker, exhibitor=by_sms, message="من هم هستم")
    exhibitor_services.decide_access(access=access, grant=True)
    assert [sms.to for sms in messaging.outbox] == ["09121112233"]
