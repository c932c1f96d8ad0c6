"""Persian pages of the admin show Persian digits: counters, paginators,
result counts, list cells (booth and ISIC codes too), filters' counts and the
admin's messages. What people type (fields, textareas), URLs, email
addresses and parts in another language keep their digits."""

import re

import pytest
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.auth.models import User
from django.contrib.contenttypes.models import ContentType
from django.template import engines
from django.urls import reverse
from django.utils import translation

from accounts.testing import sign_in_staff
from exhibitors.models import Exhibitor, Product
from fairs.models import Booth, Fair, Participation
from fairs.tests.factories import make_organizer
from messaging.models import Message
from portal import demo
from portal.templatetags.persian import html_digits

from .helpers import ascii_digits_in_visible_text, in_language

pytestmark = pytest.mark.django_db


@pytest.fixture
def organizer(client):
    demo.seed(create_accounts=False)
    sign_in_staff(client, make_organizer())
    return in_language(client, "fa")


def page(client, url, **params):
    response = client.get(url, params)
    assert response.status_code == 200, url
    return response.content.decode()


def test_the_main_admin_pages_have_no_ascii_digit_in_persian(organizer):
    fair = Fair.objects.get(slug="hamedan-smi-10")
    participation = Participation.objects.filter(fair=fair).exclude(booth=None).first()
    # The index lists the organizer's recent actions: a booth's code among them.
    LogEntry.objects.create(
        user=User.objects.get(username="organizer"),
        content_type=ContentType.objects.get_for_model(Booth),
        object_id=str(participation.booth.pk),
        object_repr=participation.booth.code,
        action_flag=CHANGE,
    )
    assert html_digits(participation.booth.code) in page(organizer, reverse("admin:index"))
    urls = [
        reverse("admin:index"),
        reverse("admin:fairs_participation_changelist"),
        reverse("admin:fairs_booth_changelist"),
        reverse("admin:exhibitors_exhibitor_changelist"),
        reverse("admin:exhibitors_product_changelist"),
        reverse("admin:exhibitors_need_changelist"),
        reverse("admin:fairs_participation_change", args=[participation.pk]),
        reverse("admin:fairs_fair_change", args=[fair.pk]),
        reverse("admin:fairs_booth_change", args=[participation.booth.pk]),
        reverse("admin:fairs_hall_plan", args=[participation.booth.hall.pk]),
    ]
    found = {url: ascii_digits_in_visible_text(page(organizer, url)) for url in urls}
    assert found == {url: [] for url in urls}


def test_counters_paginator_filters_and_cells_are_in_persian_digits(organizer):
    products = Product.objects.count()
    assert products > 100  # two pages
    html = page(organizer, reverse("admin:exhibitors_product_changelist"), _facets="1")
    assert not ascii_digits_in_visible_text(html)
    persian = html_digits(str(products))
    assert f"{persian} محصول" in html  # the paginator
    assert 'data-actions-icnt="100"' in html  # what actions.js reads stays a number
    assert "۰ از ۱۰۰ " in html  # the counter, before the script rewrites it
    filters = html.split('id="changelist-filter"')[1]
    assert re.search(r"\([۰-۹]+\)", filters)  # the facets' counts: "همدان (۹)"
    assert ">۲</a>" in html  # page 2
    booths = page(organizer, reverse("admin:fairs_booth_changelist"))
    assert "A-۰۱" in booths and "A-01" not in booths
    units = page(organizer, reverse("admin:exhibitors_exhibitor_changelist"))
    unit = Exhibitor.objects.exclude(category=None).first()
    assert html_digits(unit.national_id) in units and html_digits(unit.category.code) in units


def test_a_search_counts_its_results_in_persian_digits(organizer):
    html = page(organizer, reverse("admin:fairs_participation_changelist"), q="A-0")
    assert not ascii_digits_in_visible_text(html)
    total = html_digits(str(Participation.objects.count()))
    assert f"در مجموع {total}" in html  # "N results (M total)"


def test_the_approval_message_counts_in_persian_digits(organizer):
    fair = Fair.objects.get(slug="hamedan-smi-10")
    waiting = list(Participation.objects.filter(fair=fair, booth=None)[:2])
    Participation.objects.filter(pk__in=[p.pk for p in waiting]).update(status="applied")
    response = organizer.post(
        reverse("admin:fairs_participation_changelist"),
        {"action": "approve", "_selected_action": [p.pk for p in waiting]},
        follow=True,
    )
    html = response.content.decode()
    messages = html.split('<ul class="messagelist">')[1].split("</ul>")[0]
    assert "۲" in messages and not ascii_digits_in_visible_text(messages)
    assert not ascii_digits_in_visible_text(html)
    statuses = Participation.objects.filter(pk__in=[p.pk for p in waiting])
    assert set(statuses.values_list("status", flat=True)) == {"approved"}


def test_the_date_hierarchy_and_a_deletion_summary_are_in_persian_digits(organizer):
    Message.objects.create(channel="sms", to="09121234567", text="سلام", purpose="notice")
    html = page(organizer, reverse("admin:messaging_message_changelist"))
    assert not ascii_digits_in_visible_text(html)
    booth = Booth.objects.filter(participations=None).first()
    html = page(organizer, reverse("admin:fairs_booth_delete", args=[booth.pk]))
    assert not ascii_digits_in_visible_text(html)


def test_what_people_type_urls_emails_and_english_keep_their_digits(organizer):
    participation = Participation.objects.exclude(booth=None).first()
    Participation.objects.filter(pk=participation.pk).update(note="booth A-12, 3 tables")
    html = page(organizer, reverse("admin:fairs_participation_change", args=[participation.pk]))
    assert "\nbooth A-12, 3 tables</textarea>" in html  # an edited value is saved as it was typed
    assert f'value="{participation.booth.pk}" selected' in html  # option values stay numbers
    assert f"/admin/fairs/participation/{participation.pk}/" in html  # and so do links

    english = page(in_language(organizer, "en"), reverse("admin:fairs_booth_changelist"))
    assert "A-01" in english and "A-۰۱" not in english


def test_an_organizer_who_is_not_signed_in_twice_sees_no_admin_page(client):
    demo.seed(create_accounts=False)
    client.force_login(make_organizer())  # no second factor
    response = client.get(reverse("admin:fairs_participation_changelist"))
    assert response.status_code == 302


@pytest.mark.parametrize(
    ("html", "expected"),
    [
        ('<td><a href="/admin/fairs/booth/12/change/">A-01</a></td>', "A-۰۱"),
        ('<span title="Priority: 2">2</span>', '<span title="Priority: ۲">۲</span>'),
        ("<script>if (a<b) { x = 1; }</script><p>3", "<script>if (a<b) { x = 1; }</script><p>۳"),
        ("<textarea>note 12</textarea> 5", "<textarea>note 12</textarea> ۵"),
        ('<span lang="en">v1.2 <b>3</b></span> 4', '<span lang="en">v1.2 <b>3</b></span> ۴'),
        ("a1@example.ir https://x.ir/a1 &#10006; 7", "a1@example.ir https://x.ir/a1 &#10006; ۷"),
        ('<option value="3">A-03</option>', '<option value="3">A-۰۳</option>'),
        (
            '<!-- 1 --><code>x2</code><input value="6"> 9',
            '<!-- 1 --><code>x2</code><input value="6"> ۹',
        ),
    ],
)
def test_html_digits_turns_only_the_shown_text_persian(html, expected):
    assert expected in html_digits(html)


def test_the_filter_leaves_english_pages_alone():
    template = engines["django"].from_string(
        "{% load persian %}{% filter text_digits %}<b>A-01</b>{% endfilter %}"
    )
    with translation.override("en"):
        assert template.render({}) == "<b>A-01</b>"
    with translation.override("fa"):
        assert template.render({}) == "<b>A-۰۱</b>"


def test_the_visible_text_helper_finds_ascii_digits_outside_the_exempt_parts():
    html = (
        '<html lang="fa"><head><title>x 1</title><script>var a = 1 < 2;</script></head><body>'
        '<p title="t 2">A-01 <span lang="en">v3</span> u4@example.ir https://a5.ir'
        '<input value="6" placeholder="7"><textarea>8</textarea>'
        '<select><option value="9">۹ ده 10</option></select><code>11</code><br>12'
        '<img alt="13"></p></body></html>'
    )
    assert ascii_digits_in_visible_text(html) == ["x 1", "t 2", "A-01", "7", "۹ ده 10", "12", "13"]
    assert ascii_digits_in_visible_text('<html lang="en"><p>A-01</p></html>') == []
