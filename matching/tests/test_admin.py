"""Organizers see contact requests and matches in the admin; the units' words stay theirs."""

import pytest
from django.urls import reverse

from accounts.testing import sign_in_staff
from exhibitors.models import Membership
from exhibitors.tests.factories import make_exhibitor, make_need, make_product
from fairs.tests.factories import make_organizer
from matching import services
from matching.models import ContactRequest, Match, Proximity
from portal.tests.helpers import count_queries, in_language

pytestmark = pytest.mark.django_db


@pytest.fixture
def contact(unit, django_user_model):
    other = make_exhibitor(legal_name="کارتن‌سازی الوند")
    user = django_user_model.objects.create_user("o@example.ir", "o@example.ir")
    Membership.objects.create(user=user, exhibitor=other, role=Membership.Role.OWNER)
    return services.send_request(
        sender=unit, receiver=other, user=None, subject="کارتن <b>پنج</b> لایه", message="سلام"
    )


def test_an_organizer_lists_requests_and_can_change_only_the_status(client, contact):
    sign_in_staff(client, make_organizer())
    listing = client.get(reverse("admin:matching_contactrequest_changelist"))
    assert "کارتن &lt;b&gt;پنج&lt;/b&gt; لایه" in listing.content.decode()
    url = reverse("admin:matching_contactrequest_change", args=[contact.pk])
    page = client.get(url).content.decode()
    assert 'name="status"' in page and 'name="subject"' not in page and "سلام" in page
    client.post(
        url,
        {
            "status": "declined",
            "subject": "changed",
            "messages-TOTAL_FORMS": "0",
            "messages-INITIAL_FORMS": "1",
        },
    )
    contact.refresh_from_db()
    assert contact.subject == "کارتن <b>پنج</b> لایه"


def test_organizers_cannot_add_requests_or_matches(client, contact):
    sign_in_staff(client, make_organizer())
    assert client.get(reverse("admin:matching_contactrequest_add")).status_code == 403
    assert client.get(reverse("admin:matching_match_add")).status_code == 403
    assert client.get(reverse("admin:matching_match_changelist")).status_code == 200


def test_exhibitors_do_not_reach_the_admin(stranger_client, contact):
    response = stranger_client.get(reverse("admin:matching_contactrequest_changelist"))
    assert response.status_code == 302
    assert ContactRequest.objects.count() == 1


def make_matches(count):
    for _ in range(count):
        need = make_need(make_exhibitor())
        product = make_product(make_exhibitor())
        Match.objects.create(
            need=need, product=product, relevance=0.85, score=0.8, proximity=Proximity.SAME_FAIR
        )


def test_the_matches_list_writes_scores_with_the_persian_decimal_point(client):
    sign_in_staff(client, make_organizer())
    make_matches(1)
    url = reverse("admin:matching_match_changelist")
    rows = client.get(url).content.decode().split("<tbody>")[1]
    assert "۰٫۸۵" in rows and "۰٫۸۰" in rows and "0.85" not in rows
    one = count_queries(client, url)
    make_matches(10)
    assert count_queries(client, url) == one
    english = in_language(client, "en").get(url).content.decode().split("<tbody>")[1]
    assert "0.85" in english
