"""Feedback on matches ("not relevant"), suggested needs, and what a contact request keeps."""

import pytest
from django.urls import reverse

from exhibitors.models import Membership, Need
from exhibitors.tests.factories import category, make_exhibitor, make_need, make_product, verify
from matching import engine
from matching.models import ContactRequest, Dismissal, Match, NeedSuggestion, SupplyLink
from portal.tests.helpers import in_language

pytestmark = pytest.mark.django_db


@pytest.fixture
def matched(unit, django_capture_on_commit_callbacks):
    """The unit needs cartons; two makers make them."""
    near = make_exhibitor(legal_name="کارتن همسایه")
    far = make_exhibitor(legal_name="کارتن دور")
    first = make_product(near, name="کارتن پنج لایه", category=category("1702"))
    second = make_product(far, name="کارتن سه لایه", category=category("1702"))
    need = make_need(unit, name="کارتن پنج لایه", category=category("1702"))
    engine.rematch()
    return need, first, second


def match_of(need, product):
    return Match.objects.get(need=need, product=product, fair__isnull=True)


def test_not_relevant_hides_the_pair_for_good_through_any_rematch(
    owner_client, unit, matched, owner, django_capture_on_commit_callbacks
):
    need, first, second = matched
    url = reverse("match_dismiss", args=[unit.pk, match_of(need, first).pk])
    with django_capture_on_commit_callbacks(execute=True):
        response = in_language(owner_client, "en").post(url, follow=True)
    assert "will not be suggested again" in response.content.decode()
    dismissal = Dismissal.objects.get()
    assert (dismissal.need, dismissal.product, dismissal.reason) == (need, first, "not_relevant")
    assert dismissal.dismissed_by == owner
    assert not Match.objects.filter(need=need, product=first).exists()
    assert Match.objects.filter(need=need, product=second).exists()
    engine.rematch()
    engine.refresh_needs([need.pk])
    engine.offer_products([first.pk])
    assert not Match.objects.filter(need=need, product=first).exists()


def test_a_double_tap_records_one_dismissal(owner_client, unit, matched):
    need, first, _second = matched
    url = reverse("match_dismiss", args=[unit.pk, match_of(need, first).pk])
    owner_client.post(url)
    assert owner_client.post(url).status_code == 404  # the match is gone already
    assert Dismissal.objects.count() == 1


def test_nobody_dismisses_another_units_match(stranger_client, unit, matched):
    need, first, _second = matched
    url = reverse("match_dismiss", args=[unit.pk, match_of(need, first).pk])
    assert stranger_client.post(url).status_code == 404
    assert not Dismissal.objects.exists()


def test_a_supplier_cannot_dismiss_the_buyers_match(client, django_user_model, unit, matched):
    need, first, _second = matched
    maker = first.exhibitor
    user = django_user_model.objects.create_user("maker@example.ir", "maker@example.ir")
    Membership.objects.create(user=user, exhibitor=maker, role=Membership.Role.OWNER)
    client.force_login(user)
    url = reverse("match_dismiss", args=[maker.pk, match_of(need, first).pk])
    assert client.post(url).status_code == 404


def test_dismissing_needs_a_post_and_a_known_reason(owner_client, unit, matched):
    need, first, _second = matched
    url = reverse("match_dismiss", args=[unit.pk, match_of(need, first).pk])
    assert owner_client.get(url).status_code == 405
    response = in_language(owner_client, "en").post(url, {"reason": "<b>x</b>"}, follow=True)
    assert "not a reason we know" in response.content.decode()
    assert not Dismissal.objects.exists()


def test_the_anonymous_are_sent_to_log_in(client, unit, matched):
    need, first, _second = matched
    url = reverse("match_dismiss", args=[unit.pk, match_of(need, first).pk])
    response = client.post(url)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_a_contact_request_keeps_its_need_and_product(
    owner_client, unit, matched, django_user_model
):
    need, first, _second = matched
    user = django_user_model.objects.create_user("near@example.ir", "near@example.ir")
    Membership.objects.create(user=user, exhibitor=first.exhibitor, role=Membership.Role.OWNER)
    verify(unit.memberships.get().user)  # only a verified account writes to other units
    url = reverse("contact_new", args=[unit.pk, match_of(need, first).pk])
    owner_client.post(url, {"subject": "کارتن", "message": "سلام، ماهی ۵۰۰ عدد لازم داریم."})
    request = ContactRequest.objects.get()
    assert (request.need, request.product) == (need, first)
    engine.rematch()  # rewrites the matches; the request still knows the pair
    request.refresh_from_db()
    assert (request.need, request.product) == (need, first)


# -- Suggested needs ---------------------------------------------------------------


@pytest.fixture
def dairy(owner):
    unit = make_exhibitor(legal_name="لبنیات نمونه", category=category("1050"))
    Membership.objects.create(user=owner, exhibitor=unit, role=Membership.Role.OWNER)
    return unit


def dashboard(client, unit, language="en"):
    return in_language(client, language).get(reverse("dashboard_unit", args=[unit.pk]))


def test_the_map_ships_every_division_of_mining_and_manufacturing():
    buyers = set(SupplyLink.objects.values_list("buyer_division", flat=True))
    assert {f"{d:02d}" for d in [*range(5, 10), *range(10, 34)]} <= buyers
    assert not SupplyLink.objects.filter(buyer_division=models_f("supplier_division")).exists()
    dairy = SupplyLink.objects.filter(buyer_division="10").values_list(
        "supplier_division", flat=True
    )
    assert {"17", "22"} <= set(dairy)


def models_f(name):
    from django.db.models import F

    return F(name)


def test_a_unit_without_needs_is_offered_its_activitys_inputs(client, owner, dairy):
    client.force_login(owner)
    page = dashboard(client, dairy, "fa").content.decode()
    assert "suggestions-title" in page
    assert "کارتن" in page or "لیوان" in page


def test_one_tap_adds_a_suggested_need_that_is_then_matched(
    client, owner, dairy, django_capture_on_commit_callbacks
):
    from matching.supply_chain import suggestions_for

    client.force_login(owner)
    name, _division = suggestions_for(dairy)[0]
    maker = make_exhibitor()
    make_product(maker, name=name, category=None)
    url = reverse("suggestion_answer", args=[dairy.pk])
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {"name": name, "action": "add"})
    need = Need.objects.get(exhibitor=dairy)
    assert need.name == name
    assert Match.objects.filter(need=need, product__exhibitor=maker).exists()
    suggestion = NeedSuggestion.objects.get()
    assert (suggestion.status, suggestion.need) == ("accepted", need)
    # A double tap adds nothing more; the suggestion is not offered again.
    client.post(url, {"name": name, "action": "add"})
    assert Need.objects.filter(exhibitor=dairy).count() == 1
    assert name not in [n for n, _d in suggestions_for(dairy)]


def test_a_dismissed_suggestion_never_comes_back(client, owner, dairy):
    from matching.supply_chain import suggestions_for

    client.force_login(owner)
    name, _division = suggestions_for(dairy)[0]
    client.post(reverse("suggestion_answer", args=[dairy.pk]), {"name": name, "action": "dismiss"})
    assert not Need.objects.filter(exhibitor=dairy).exists()
    assert NeedSuggestion.objects.get().status == "dismissed"
    assert name not in [n for n, _d in suggestions_for(dairy)]


def test_a_name_that_was_not_offered_adds_nothing(client, owner, dairy):
    client.force_login(owner)
    url = reverse("suggestion_answer", args=[dairy.pk])
    for name in ["<script>alert(1)</script>", "", "x" * 500, "پیچ"]:
        response = in_language(client, "en").post(url, {"name": name, "action": "add"}, follow=True)
        assert "not offered to this unit" in response.content.decode()
    assert not Need.objects.exists() and not NeedSuggestion.objects.exists()


def test_nobody_answers_for_another_unit(stranger_client, dairy):
    from matching.supply_chain import suggestions_for

    name, _division = suggestions_for(dairy)[0]
    url = reverse("suggestion_answer", args=[dairy.pk])
    assert stranger_client.post(url, {"name": name, "action": "add"}).status_code == 404
    assert not Need.objects.exists()


def test_a_unit_with_needs_of_its_own_gets_no_suggestions(dairy):
    from matching.supply_chain import FEW_NEEDS, suggestions_for

    for i in range(FEW_NEEDS):
        make_need(dairy, name=f"شیر خام {i}")
    assert suggestions_for(dairy) == []


def test_suggestions_come_once_within_a_need_names_length_and_in_english_on_english_pages(
    client, owner, dairy
):
    from matching.supply_chain import suggestions_for

    SupplyLink.objects.filter(buyer_division="10").delete()
    SupplyLink.objects.create(
        buyer_division="10",
        supplier_division="22",
        inputs_fa="لیوان ماست؛ سطل پلاستیکي؛ " + "ب" * 130,
        inputs_en="yoghurt cup; plastic bucket; too long",
    )
    SupplyLink.objects.create(
        buyer_division="10",
        supplier_division="17",
        inputs_fa="کارتن؛ سطل پلاستیکی",
        inputs_en="carton; bucket",
    )
    names = [name for name, _division in suggestions_for(dairy)]
    assert sorted(names) == sorted(["لیوان ماست", "سطل پلاستیکی", "کارتن"])  # Persian ی, once
    client.force_login(owner)
    page = dashboard(client, dairy, "en").content.decode()
    assert "yoghurt cup" in page and "لیوان ماست" in page


def test_the_dismissed_pairs_of_many_needs_are_those_of_few(unit):
    """A long list of needs (one array on PostgreSQL, portal/lib/lookups.py):
    the same pairs, those of the listed needs only."""
    other = make_exhibitor(legal_name="تولیدی دیگر")
    product = make_product(other, name="کارتن سه لایه")
    listed, unlisted = make_need(unit, name="کارتن"), make_need(unit, name="کارتن چاپی")
    Dismissal.objects.create(need=listed, product=product)
    Dismissal.objects.create(need=unlisted, product=product)
    key = (listed.pk << 32) + product.pk
    few = engine.dismissed([listed.pk])
    many = engine.dismissed([listed.pk, *range(10**6, 10**6 + 3000)])
    assert few.tolist() == many.tolist() == [key]
    assert len(engine.dismissed()) == 2
