import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from fairs.models import Fair
from fairs.tests.factories import make_fair
from portal.tests.helpers import count_queries, in_language

pytestmark = pytest.mark.django_db


def test_the_home_page_is_persian_and_right_to_left_by_default(client):
    make_fair(title_fa="نمایشگاه صنایع کوچک همدان")
    page = client.get("/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert '<html lang="fa" dir="rtl">' in page
    assert "نمایشگاه صنایع کوچک همدان" in page


def test_the_home_page_in_english_is_left_to_right_with_gregorian_dates(client):
    start = timezone.localdate() + datetime.timedelta(days=10)
    make_fair(title_en="Hamedan small industries fair", starts_on=start)
    page = in_language(client, "en").get("/").content.decode()
    assert '<html lang="en" dir="ltr">' in page
    assert "Hamedan small industries fair" in page
    assert f"{start:%B}" in page
    assert "Current and upcoming fairs" in page


def test_persian_pages_show_jalali_dates_in_persian_digits(client):
    make_fair(
        starts_on=datetime.date(2026, 12, 11),
        ends_on=datetime.date(2026, 12, 14),
        registration_opens_on=datetime.date(2026, 11, 1),
        registration_closes_on=datetime.date(2026, 12, 5),
    )
    page = client.get("/").content.decode()
    assert "۲۰ تا ۲۳ آذر ۱۴۰۵" in page


def test_drafts_are_hidden_and_past_fairs_are_listed_apart(client):
    make_fair(title_fa="پیش‌نویس", status=Fair.Status.DRAFT)
    year_ago = timezone.localdate() - datetime.timedelta(days=365)
    make_fair(
        title_fa="دوره قبل",
        status=Fair.Status.ARCHIVED,
        starts_on=year_ago,
        ends_on=year_ago,
        registration_opens_on=year_ago,
        registration_closes_on=year_ago,
    )
    response = client.get("/")
    assert "پیش‌نویس" not in response.content.decode()
    sections = {name: fairs for name, _title, fairs in response.context["sections"]}
    assert [f.title_fa for f in sections["past"]] == ["دوره قبل"]
    assert sections["upcoming"] == []


def test_the_language_switcher_sets_english_and_back(client):
    response = client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert response.status_code == 302
    assert 'lang="en"' in client.get("/").content.decode()
    client.post(reverse("set_language"), {"language": "fa", "next": "/"})
    assert 'lang="fa"' in client.get("/").content.decode()


def test_an_unknown_language_falls_back_to_persian(client):
    client.post(reverse("set_language"), {"language": "xx", "next": "/"})
    assert 'lang="fa"' in in_language(client, "xx").get("/").content.decode()


def test_the_home_page_query_count_stays_flat_as_fairs_grow(client):
    make_fair()
    few = count_queries(client, "/")
    for _ in range(12):
        make_fair()
    assert count_queries(client, "/") == few
