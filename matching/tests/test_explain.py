"""match_explain, and the same on the admin's need page."""

import io

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import translation

from accounts.testing import sign_in_staff
from exhibitors.tests.factories import category, make_exhibitor, make_need, make_product
from fairs.tests.factories import (
    make_booth,
    make_fair,
    make_hall,
    make_organizer,
    make_participation,
)
from matching import engine
from matching.models import Dismissal

pytestmark = pytest.mark.django_db


@pytest.fixture
def pair():
    buyer, maker = make_exhibitor(category=category("1030")), make_exhibitor()
    need = make_need(buyer, name="کارتن پنج لایه", category=category("1702"))
    product = make_product(maker, name="کارتن پنج‌لایه", category=category("1702"))
    other = make_product(maker, name="چرم گاوی", category=category("1511"))
    fair = make_fair(slug="explain-fair")
    hall = make_hall(fair)
    make_participation(fair, buyer, booth=make_booth(hall, "A-01"))
    make_participation(fair, maker, booth=make_booth(hall, "A-02", x=3))
    engine.rematch()
    return need, product, other, fair


def explain(*args):
    out = io.StringIO()
    call_command("match_explain", *map(str, args), "--language", "en", stdout=out)
    return out.getvalue()


def test_it_prints_every_component_of_a_stored_match(pair, settings):
    need, product, _other, fair = pair
    text = explain(need.pk, product.pk, "--fair", fair.slug)
    for part in ["Need terms", "Head of the need", "Word score W: 1.000", "Relevance R: 1.000"]:
        assert part in text, part
    assert "Proximity: booth next door" in text and "Stored: yes" in text and "Dropped" not in text
    loose = explain(need.pk, product.pk)
    assert "Context: no fair" in loose or "no fair" in loose
    assert "booth next door" not in loose


def test_it_names_the_rule_that_dropped_a_pair(pair):
    need, product, other, _fair = pair
    assert "a category alone is not a match" in explain(need.pk, other.pk)
    Dismissal.objects.create(need=need, product=product)
    assert "dismissed this product" in explain(need.pk, product.pk)


def test_persian_digits_are_ids_too(pair):
    need, product, _other, _fair = pair
    persian = str(need.pk).translate(str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹"))
    assert "Word score" in explain(persian, product.pk)


@pytest.mark.parametrize("bad", [("999999", None), ("abc", None), (None, "999999")])
def test_unknown_ids_exit_with_a_message(pair, bad):
    need, product, _other, _fair = pair
    need_id = bad[0] or need.pk
    product_id = bad[1] or product.pk
    with pytest.raises(CommandError):
        explain(need_id, product_id)


def test_an_unknown_fair_or_a_fair_the_unit_is_not_at_exits_with_a_message(pair):
    need, product, _other, _fair = pair
    with pytest.raises(CommandError, match="no fair"):
        explain(need.pk, product.pk, "--fair", "nope")
    other_fair = make_fair(slug="elsewhere")
    with pytest.raises(CommandError, match="not approved"):
        explain(need.pk, product.pk, "--fair", other_fair.slug)


def test_the_admin_need_page_shows_why_for_its_stored_matches(client, pair):
    need, product, _other, _fair = pair
    sign_in_staff(client, make_organizer())
    page = client.get(reverse("admin:exhibitors_need_change", args=[need.pk])).content.decode()
    assert product.name in page and "<details>" in page


def test_the_admin_need_page_is_for_organizers_only(client, pair, django_user_model):
    need, _product, _other, _fair = pair
    client.force_login(django_user_model.objects.create_user("x@example.ir", "x@example.ir"))
    response = client.get(reverse("admin:exhibitors_need_change", args=[need.pk]))
    assert response.status_code == 302


def test_it_speaks_persian_with_persian_digits(pair):
    need, product, _other, _fair = pair
    out = io.StringIO()
    call_command("match_explain", str(need.pk), str(product.pk), "--language", "fa", stdout=out)
    assert "امتیاز واژه‌ها W: ۱٫۰۰۰" in out.getvalue()


@pytest.mark.parametrize("model", ["dismissal", "needsuggestion", "supplylink"])
def test_organizers_see_the_feedback_and_the_map(client, pair, model):
    need, product, _other, _fair = pair
    Dismissal.objects.create(need=need, product=product)
    sign_in_staff(client, make_organizer())
    page = client.get(reverse(f"admin:matching_{model}_changelist"))
    assert page.status_code == 200
    if model == "dismissal":
        assert product.name in page.content.decode()


def _dairy_carton_link(client):
    """(the map's link of dairies to cartons, its admin page), signed in as an organizer."""
    from matching.models import SupplyLink

    link = SupplyLink.objects.get(buyer_division="10", supplier_division="17")
    sign_in_staff(client, make_organizer())
    return link, reverse("admin:matching_supplylink_change", args=[link.pk])


def test_an_organizer_edits_the_supply_chain_map(client):

    link, url = _dairy_carton_link(client)
    data = {
        "buyer_division": "10",
        "supplier_division": "17",
        "inputs_fa": "کارتن؛ جعبه مقوایی؛ سینی مقوایی",
        "inputs_en": "carton; box; tray",
    }
    assert client.post(url, data).status_code == 302
    link.refresh_from_db()
    assert [fa for fa, _en in link.inputs()] == ["کارتن", "جعبه مقوایی", "سینی مقوایی"]
    # A division that supplies itself is refused with a message, not a 500.
    response = client.post(url, {**data, "supplier_division": "۱۰"})
    assert "هیچ بخشی تأمین‌کنندهٔ خودش نیست" in response.content.decode()
    response = client.post(url, {**data, "supplier_division": "ab"})
    assert "دو رقم" in response.content.decode()
    link.refresh_from_db()
    assert link.supplier_division == "17"


def test_a_link_moved_or_deleted_in_the_admin_asks_for_a_rematch(client, monkeypatch):
    from matching import admin as matching_admin
    from matching.models import SupplyLink

    asked = []
    monkeypatch.setattr(matching_admin.changes, "changed", lambda **what: asked.append(what))
    link, url = _dairy_carton_link(client)
    data = {
        "buyer_division": "10",
        "supplier_division": "17",
        "inputs_fa": "کارتن",
        "inputs_en": "",
    }
    assert client.post(url, data).status_code == 302  # the inputs only: matches stand
    assert asked == []
    assert client.post(url, {**data, "supplier_division": "32"}).status_code == 302
    assert asked == [{"everything": True}]
    delete = reverse("admin:matching_supplylink_delete", args=[link.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 302
    assert not SupplyLink.objects.filter(pk=link.pk).exists()
    assert asked == [{"everything": True}] * 2


def test_the_feedback_lists_query_count_stays_flat(client, pair):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from matching.models import NeedSuggestion

    need, product, _other, _fair = pair
    sign_in_staff(client, make_organizer())

    def queries(model):
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse(f"admin:matching_{model}_changelist")).status_code == 200
        return len(captured)

    Dismissal.objects.create(need=need, product=product)
    NeedSuggestion.objects.create(
        exhibitor=need.exhibitor, name="کارتن", supplier_division="17", status="accepted"
    )
    few = {model: queries(model) for model in ("dismissal", "needsuggestion")}
    for i in range(10):
        buyer = make_exhibitor()
        other_need = make_need(buyer, name=f"کارتن {i}")
        Dismissal.objects.create(
            need=other_need, product=make_product(make_exhibitor(), name=f"جعبه {i}")
        )
        NeedSuggestion.objects.create(
            exhibitor=buyer, name=f"لیبل {i}", supplier_division="18", status="dismissed"
        )
    assert {model: queries(model) for model in few} == few


def test_the_need_page_explains_its_matches_in_a_flat_number_of_queries(client, pair):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    need, _product, _other, _fair = pair
    sign_in_staff(client, make_organizer())
    url = reverse("admin:exhibitors_need_change", args=[need.pk])

    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    one = queries()
    for i in range(4):
        make_product(make_exhibitor(), name=f"کارتن پنج لایه {i}", category=category("1702"))
    engine.rematch()
    assert queries() == one


def test_a_weak_pair_and_one_not_even_worth_a_look_are_told_apart():
    from matching import explain as explaining
    from matching import scoring

    stone = category("0810")
    buyer, quarry, mill = make_exhibitor(), make_exhibitor(), make_exhibitor()
    need = make_need(buyer, name="اسلب مرمریت", category=stone)
    block = make_product(quarry, name="بلوک مرمریت", category=stone)
    # The need's word only in the description: no weak pair.
    powder = make_product(mill, name="پودر سنگ", description="از ضایعات مرمریت", category=stone)
    engine.rematch()
    with translation.override("en"):
        kept, dropped = explaining.explain_many(need, [block, powder])
    assert kept.stored and scoring.FLOOR <= kept.relevance < scoring.MIN_RELEVANCE
    assert kept.worth_a_look and not kept.dropped
    assert not dropped.stored and not dropped.worth_a_look
    assert any("not even worth a look" in why for why in dropped.dropped), dropped.dropped
    out = explain(need.pk, powder.pk)
    assert "not even worth a look" in out and "worth a look from 0.20" in out
