import pytest
from django.urls import reverse

from exhibitors.models import Exhibitor, Membership
from exhibitors.tests.factories import category, hamedan, make_exhibitor, park

pytestmark = pytest.mark.django_db


def unit_form(**overrides):
    return {
        "legal_name": "شركت چرم ياس",  # Arabic ي and ك
        "brand": "یاس",
        "national_id": "۱۰۳۸۰۲۸۴۷۹۰",
        "category": "۱۵۱۱",
        "county": hamedan().pk,
        "park": park().pk,
        "address": "",
        "phone": "",
        "mobile": "٠٩١٨١٢٣٤٥٦٧",  # Arabic-Indic digits
        "email": "",
        "website": "yas-leather.ir",
        "description": "",
        **overrides,
    }


@pytest.fixture
def newcomer_client(client, django_user_model):
    client.force_login(django_user_model.objects.create_user("new@example.ir", "new@example.ir"))
    return client


def test_registering_a_unit_makes_the_creator_its_owner_and_stores_clean_values(newcomer_client):
    response = newcomer_client.post(reverse("self:unit_new"), unit_form())
    unit = Exhibitor.objects.get()
    assert response.status_code == 302 and response.url == reverse("dashboard_unit", args=[unit.pk])
    assert (unit.legal_name, unit.national_id, unit.mobile) == (
        "شرکت چرم یاس",
        "10380284790",
        "09181234567",
    )
    assert unit.category.code == "1511" and unit.website == "https://yas-leather.ir"
    membership = Membership.objects.get(exhibitor=unit)
    assert (membership.user.username, membership.role) == ("new@example.ir", "owner")


def test_anonymous_visitors_are_sent_to_log_in(client):
    response = client.get(reverse("self:unit_new"))
    assert response.status_code == 302 and response.url.startswith("/accounts/login/")


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("national_id", "10380284791", "این شناسه ملی معتبر نیست"),
        ("national_id", "۱۲۳", "شناسه ملی دقیقاً ۱۱ رقم دارد"),
        ("legal_name", "", "این فیلد لازم است"),
        ("legal_name", "ا" * 10_000, "حداکثر 200 نویسه"),
        ("category", "9999", "هیچ رسته‌ای با این مطابقت ندارد"),
        ("mobile", "08138271234", "شماره همراه را مانند"),
        ("county", "999999", "یک گزینهٔ معتبر انتخاب کنید"),
    ],
)
def test_bad_input_is_a_clear_persian_error_and_nothing_is_saved(
    newcomer_client, field, value, message
):
    response = newcomer_client.post(reverse("self:unit_new"), unit_form(**{field: value}))
    assert response.status_code == 200
    assert field in response.context["form"].errors
    shown = " ".join(response.context["form"].errors[field])
    assert message.replace("\u200c", "") in shown.replace("\u200c", "")
    assert not Exhibitor.objects.exists()


def test_a_park_of_another_county_is_refused(newcomer_client):
    response = newcomer_client.post(reverse("self:unit_new"), unit_form(county=hamedan("ملایر").pk))
    assert "park" in response.context["form"].errors
    assert not Exhibitor.objects.exists()


def test_a_taken_national_id_offers_an_access_request_without_revealing_contact_data(
    newcomer_client,
):
    taken = make_exhibitor(
        national_id="10380284790", brand="چرم‌سازان", mobile="09120000001", email="secret@x.ir"
    )
    response = newcomer_client.post(reverse("self:unit_new"), unit_form())
    page = response.content.decode()
    assert response.context["registered"] == taken
    assert "چرم‌سازان" in page
    assert reverse("self:access_request", args=[taken.pk]) in page
    assert "09120000001" not in page and "secret@x.ir" not in page
    assert Exhibitor.objects.count() == 1


def test_html_in_text_is_stored_as_typed_and_shown_escaped(newcomer_client, client):
    newcomer_client.post(
        reverse("self:unit_new"), unit_form(description="<script>alert('x')</script>")
    )
    unit = Exhibitor.objects.get()
    assert unit.description == "<script>alert('x')</script>"
    page = client.get(unit.get_absolute_url()).content.decode()
    assert "<script>alert(" not in page and "&lt;script&gt;" in page


def test_a_double_submit_registers_one_unit(newcomer_client):
    newcomer_client.post(reverse("self:unit_new"), unit_form())
    second = newcomer_client.post(reverse("self:unit_new"), unit_form())
    assert second.status_code == 200
    assert Exhibitor.objects.count() == 1


def test_a_member_edits_the_unit(owner_client, unit):
    data = unit_form(national_id=unit.national_id, legal_name="نام تازه")
    response = owner_client.post(reverse("self:unit_edit", args=[unit.pk]), data)
    assert response.status_code == 302
    unit.refresh_from_db()
    assert unit.legal_name == "نام تازه"


def test_someone_elses_unit_is_not_found(stranger_client, unit):
    assert stranger_client.get(reverse("self:unit_edit", args=[unit.pk])).status_code == 404
    response = stranger_client.post(
        reverse("self:unit_edit", args=[unit.pk]), unit_form(legal_name="ربوده")
    )
    assert response.status_code == 404
    unit.refresh_from_db()
    assert unit.legal_name != "ربوده"


def test_the_category_search_finds_by_code_and_by_persian_or_english_name(client):
    by_code = client.get(reverse("category_search"), {"q": "۱۵۲"}).json()["results"]
    assert [c["code"] for c in by_code][:2] == ["152", "1520"]
    by_name = client.get(reverse("category_search"), {"q": "كفش"}).json()["results"]
    assert "1520" in [c["code"] for c in by_name]
    by_english = client.get(reverse("category_search"), {"q": "footwear"}).json()["results"]
    assert "1520" in [c["code"] for c in by_english]
    assert client.get(reverse("category_search"), {"q": ""}).json() == {"results": []}


def test_the_category_can_be_typed_as_a_suggestion_label(newcomer_client):
    label = f"1520 · {category('1520').name_fa}"
    newcomer_client.post(reverse("self:unit_new"), unit_form(category=label))
    assert Exhibitor.objects.get().category.code == "1520"


def test_a_word_naming_one_class_and_its_group_picks_the_class(newcomer_client):
    newcomer_client.post(reverse("self:unit_new"), unit_form(category="تولید کفش"))
    assert Exhibitor.objects.get().category.code == "1520"


def test_a_word_naming_several_classes_lists_them_to_choose_from(newcomer_client):
    response = newcomer_client.post(reverse("self:unit_new"), unit_form(category="کفش"))
    error = response.context["form"].errors["category"][0]
    assert error.startswith("چند رسته") and "«۱۵۲۰ · تولید کفش»" in error and "«۹۵۲۳ · " in error
    assert "«۱۵۲ · " not in error  # the group of the same name is its class
    assert not Exhibitor.objects.exists()


@pytest.mark.parametrize("typed", ["17", "²", "۱۷"])
def test_a_refused_form_shows_the_category_as_typed_never_another_one(newcomer_client, typed):
    response = newcomer_client.post(
        reverse("self:unit_new"), unit_form(category=typed, legal_name="")
    )
    assert response.status_code == 200
    assert not Exhibitor.objects.exists()
    widget = response.context["form"]["category"].value()
    assert widget == typed
    assert "0126" not in response.content.decode()  # the category whose id is 17
