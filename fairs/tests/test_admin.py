import datetime

import pytest
from django.contrib.auth.models import User
from django.urls import reverse

from accounts.testing import sign_in_staff
from exhibitors.models import Exhibitor
from exhibitors.tests.factories import category, hamedan, make_exhibitor, valid_national_id
from fairs.models import Booth, Fair, Participation
from fairs.tests.factories import (
    make_booth,
    make_fair,
    make_hall,
    make_organizer,
    make_participation,
)
from portal.lib.identifiers import is_valid_national_id
from portal.tests.helpers import count_queries, in_language

pytestmark = pytest.mark.django_db

ORGANIZER_PAGES = [
    ("fairs", "fair"),
    ("fairs", "hall"),
    ("fairs", "booth"),
    ("fairs", "participation"),
    ("exhibitors", "exhibitor"),
    ("exhibitors", "product"),
    ("exhibitors", "need"),
    ("exhibitors", "membership"),
    ("exhibitors", "county"),
    ("exhibitors", "industrialpark"),
]


@pytest.fixture
def organizer_client(client):
    sign_in_staff(client, make_organizer())
    return client


@pytest.fixture
def fair_with_rows():
    fair = make_fair()
    booth = make_booth(make_hall(fair), "A-01")
    make_participation(fair, booth=booth)
    return fair


@pytest.mark.parametrize(("app", "model"), ORGANIZER_PAGES)
def test_every_changelist_and_add_page_renders_in_persian_for_an_organizer(
    organizer_client, fair_with_rows, app, model
):
    for page in ("changelist", "add"):
        response = organizer_client.get(reverse(f"admin:{app}_{model}_{page}"))
        assert response.status_code == 200, (model, page)
        assert 'dir="rtl"' in response.content.decode()


@pytest.mark.parametrize(("app", "model"), [("exhibitors", "province"), ("exhibitors", "category")])
def test_reference_data_is_read_only_for_organizers(organizer_client, app, model):
    assert organizer_client.get(reverse(f"admin:{app}_{model}_changelist")).status_code == 200
    assert organizer_client.get(reverse(f"admin:{app}_{model}_add")).status_code == 403


def test_a_visitor_who_is_not_staff_is_sent_to_the_login_page(client):
    client.force_login(User.objects.create_user("visitor"))
    response = client.get(reverse("admin:fairs_fair_changelist"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("admin:login"))


def test_an_organizer_sees_users_but_cannot_add_change_them_or_touch_groups(organizer_client):
    other = User.objects.create_user("someone")
    assert organizer_client.get(reverse("admin:auth_user_changelist")).status_code == 200
    assert organizer_client.get(reverse("admin:auth_user_add")).status_code == 403
    response = organizer_client.post(
        reverse("admin:auth_user_change", args=[other.pk]),
        {"username": "renamed", "is_superuser": "on"},
    )
    assert response.status_code == 403
    other.refresh_from_db()
    assert (other.username, other.is_superuser) == ("someone", False)
    assert organizer_client.get(reverse("admin:auth_group_changelist")).status_code == 403


def exhibitor_form(**overrides):
    data = {
        "legal_name": "شرکت نمونه",
        "brand": "",
        "national_id": "۱۰۳۸۰۲۸۴۷۹۰",
        "category": category("1520").pk,
        "county": hamedan().pk,
        "park": "",
        "address": "",
        "phone": "۰۸۱-۳۸۲۷۱۲۳۴",
        "mobile": "",
        "email": "",
        "website": "",
        "description": "",
    }
    for prefix in ("products", "needs", "memberships"):
        data.update({f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0"})
    return {**data, **overrides}


def test_an_organizer_adds_a_unit_typing_persian_digits(organizer_client):
    response = organizer_client.post(reverse("admin:exhibitors_exhibitor_add"), exhibitor_form())
    assert response.status_code == 302
    unit = Exhibitor.objects.get()
    assert (unit.national_id, unit.phone) == ("10380284790", "08138271234")


def test_an_invalid_national_id_is_a_form_error_and_nothing_is_saved(organizer_client):
    response = organizer_client.post(
        reverse("admin:exhibitors_exhibitor_add"), exhibitor_form(national_id="10380284791")
    )
    assert response.status_code == 200
    assert "national_id" in response.context["adminform"].form.errors
    assert not Exhibitor.objects.exists()


def test_a_taken_national_id_is_a_form_error(organizer_client):
    make_exhibitor(national_id="10380284790")
    response = organizer_client.post(reverse("admin:exhibitors_exhibitor_add"), exhibitor_form())
    assert response.status_code == 200
    assert "national_id" in response.context["adminform"].form.errors
    assert Exhibitor.objects.count() == 1


def test_a_booth_taken_twice_is_a_form_error_never_a_500(organizer_client):
    fair = make_fair()
    booth = make_booth(make_hall(fair), "A-01")
    make_participation(fair, booth=booth)
    newcomer = make_exhibitor()
    response = organizer_client.post(
        reverse("admin:fairs_participation_add"),
        {
            "fair": fair.pk,
            "exhibitor": newcomer.pk,
            "status": "approved",
            "booth": booth.pk,
            "note": "",
        },
    )
    assert response.status_code == 200
    assert "booth" in response.context["adminform"].form.errors
    assert not Participation.objects.filter(exhibitor=newcomer).exists()


def test_the_booth_choice_offers_only_free_booths(organizer_client):
    fair = make_fair()
    hall = make_hall(fair)
    taken, free = make_booth(hall, "A-01"), make_booth(hall, "A-02", x=3)
    make_participation(fair, booth=taken)
    response = organizer_client.get(reverse("admin:fairs_participation_add"))
    choices = list(response.context["adminform"].form.fields["booth"].queryset)
    assert choices == [free]


def test_approve_and_reject_actions_decide_and_a_rejection_frees_the_booth(organizer_client):
    fair = make_fair()
    booth = make_booth(make_hall(fair), "A-01")
    applied = make_participation(fair, status=Participation.Status.APPLIED)
    holder = make_participation(fair, booth=booth)
    url = reverse("admin:fairs_participation_changelist")
    organizer_client.post(url, {"action": "approve", "_selected_action": [applied.pk]})
    organizer_client.post(url, {"action": "reject", "_selected_action": [holder.pk]})
    applied.refresh_from_db()
    holder.refresh_from_db()
    assert applied.status == "approved" and applied.decided_at
    assert (holder.status, holder.booth) == ("rejected", None)


def test_fair_dates_are_typed_and_shown_in_jalali(organizer_client):
    response = organizer_client.post(
        reverse("admin:fairs_fair_add"),
        {
            "title_fa": "نمایشگاه",
            "title_en": "Fair",
            "slug": "fair",
            "edition": "۱۰",
            "series": "",
            "status": "open",
            "venue_fa": "",
            "venue_en": "",
            "county": hamedan().pk,
            "starts_on": "۱۴۰۵/۰۹/۲۰",
            "ends_on": "1405/09/23",
            "registration_opens_on": "1405/08/01",
            "registration_closes_on": "1405/09/15",
            "description": "",
            "halls-TOTAL_FORMS": "0",
            "halls-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302
    fair = Fair.objects.get()
    assert (fair.starts_on, fair.ends_on, fair.edition) == (
        datetime.date(2026, 12, 11),
        datetime.date(2026, 12, 14),
        10,
    )
    page = organizer_client.get(reverse("admin:fairs_fair_change", args=[fair.pk])).content.decode()
    assert 'value="۱۴۰۵/۰۹/۲۰"' in page
    changelist = organizer_client.get(reverse("admin:fairs_fair_changelist")).content.decode()
    assert "۱۴۰۵/۰۹/۲۰" in changelist


def test_a_fair_ending_before_it_starts_is_a_form_error(organizer_client):
    response = organizer_client.post(
        reverse("admin:fairs_fair_add"),
        {
            "title_fa": "نمایشگاه",
            "slug": "fair",
            "status": "open",
            "county": hamedan().pk,
            "starts_on": "1405/09/20",
            "ends_on": "1405/09/10",
            "registration_opens_on": "1405/08/01",
            "registration_closes_on": "1405/09/05",
            "halls-TOTAL_FORMS": "0",
            "halls-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 200
    assert response.context["adminform"].form.errors
    assert not Fair.objects.exists()


def test_the_factorys_national_ids_are_unique_and_valid():
    ids = {valid_national_id() for _ in range(50)}
    assert len(ids) == 50
    assert all(is_valid_national_id(n) for n in ids)


def test_the_participation_page_shows_when_it_was_applied_for_in_jalali(organizer_client):
    participation = make_participation(make_fair())
    Participation.objects.filter(pk=participation.pk).update(
        # 21:00 UTC on the 26th is already the 27th (۶ آذر) in Tehran.
        applied_at=datetime.datetime(2026, 11, 26, 21, tzinfo=datetime.UTC)
    )
    page = organizer_client.get(
        reverse("admin:fairs_participation_change", args=[participation.pk])
    ).content.decode()
    assert "۱۴۰۵/۰۹/۰۶" in page


def booth_form(hall, **overrides):
    return {
        "hall": hall.pk,
        "code": "A-09",
        "x": "0",
        "y": "0",
        "width": "3",
        "height": "3",
        **overrides,
    }


def test_a_booth_takes_its_fair_from_its_hall(organizer_client):
    hall = make_hall(make_fair())
    response = organizer_client.post(reverse("admin:fairs_booth_add"), booth_form(hall))
    assert response.status_code == 302
    assert Booth.objects.get().fair == hall.fair


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"x": "39"}, "جا نمی‌شود"),
        ({"x": "۲"}, "هم‌پوشانی"),
        ({"code": "A-01", "x": "10"}, "این نمایشگاه غرفه‌ای با این کد دارد"),
    ],
)
def test_a_booth_outside_its_hall_overlapping_or_with_a_taken_code_is_a_form_error(
    organizer_client, fields, message
):
    hall = make_hall(make_fair(), width=40, depth=20)
    make_booth(hall, "A-01", x=0, y=0)
    response = organizer_client.post(reverse("admin:fairs_booth_add"), booth_form(hall, **fields))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert Booth.objects.count() == 1


def test_touching_booths_are_allowed(organizer_client):
    hall = make_hall(make_fair())
    make_booth(hall, "A-01", x=0, y=0)
    response = organizer_client.post(reverse("admin:fairs_booth_add"), booth_form(hall, x="3"))
    assert response.status_code == 302


def test_a_held_booth_cannot_move_to_another_fair(organizer_client):
    fair = make_fair()
    booth = make_booth(make_hall(fair), "A-01")
    make_participation(fair, booth=booth)
    elsewhere = make_hall(make_fair())
    response = organizer_client.post(
        reverse("admin:fairs_booth_change", args=[booth.pk]), booth_form(elsewhere, code="A-01")
    )
    assert response.status_code == 200
    booth.refresh_from_db()
    assert booth.fair == fair


def test_a_halls_fair_is_read_only_once_saved(organizer_client):
    hall = make_hall(make_fair())
    form = (
        organizer_client.get(reverse("admin:fairs_hall_change", args=[hall.pk]))
        .context["adminform"]
        .form
    )
    assert "fair" not in form.fields


@pytest.mark.parametrize("term", ["۱۷۰۲", "كاغذ"])
def test_admin_search_folds_persian_digits_and_arabic_letters(organizer_client, term):
    response = organizer_client.get(
        reverse("admin:autocomplete"),
        {
            "term": term,
            "app_label": "exhibitors",
            "model_name": "product",
            "field_name": "category",
        },
    )
    assert response.status_code == 200
    assert response.json()["results"], term


def test_a_national_id_in_persian_digits_finds_the_participation(organizer_client):
    participation = make_participation(make_fair())
    persian = "".join("۰۱۲۳۴۵۶۷۸۹"[int(d)] for d in participation.exhibitor.national_id)
    response = organizer_client.get(reverse("admin:fairs_participation_changelist"), {"q": persian})
    assert list(response.context["cl"].result_list) == [participation]


def test_a_hand_made_autocomplete_value_is_a_form_error_not_a_500(organizer_client):
    response = organizer_client.post(
        reverse("admin:exhibitors_exhibitor_add"), exhibitor_form(park="abc", county="abc")
    )
    assert response.status_code == 200
    assert "county" in response.context["adminform"].form.errors


def test_a_landline_in_the_mobile_field_is_a_form_error(organizer_client):
    response = organizer_client.post(
        reverse("admin:exhibitors_exhibitor_add"), exhibitor_form(mobile="08138271234")
    )
    assert "mobile" in response.context["adminform"].form.errors
    assert not Exhibitor.objects.exists()


def test_organizers_see_exhibitor_accounts_only(organizer_client):
    User.objects.create_superuser("root", "root@example.ir", "x")
    exhibitor = User.objects.create_user("seller@example.ir")
    listed = organizer_client.get(reverse("admin:auth_user_changelist")).context["cl"].result_list
    assert list(listed) == [exhibitor]


def test_changing_the_status_on_the_form_records_the_decision_and_mails_the_unit(
    organizer_client, django_capture_on_commit_callbacks, mailoutbox
):
    participation = make_participation(make_fair(), status=Participation.Status.APPLIED)
    member = User.objects.create_user("m@example.ir", "m@example.ir")
    participation.exhibitor.memberships.create(user=member, role="owner")
    with django_capture_on_commit_callbacks(execute=True):
        organizer_client.post(
            reverse("admin:fairs_participation_change", args=[participation.pk]),
            {
                "fair": participation.fair.pk,
                "exhibitor": participation.exhibitor.pk,
                "status": "approved",
                "booth": "",
                "note": "",
            },
        )
    participation.refresh_from_db()
    assert participation.status == "approved" and participation.decided_at
    assert [m.to for m in mailoutbox] == [["m@example.ir"]]


@pytest.mark.parametrize("model", ["accessrequest", "invitation"])
def test_organizers_list_access_requests_and_invitations_but_never_add_them(
    organizer_client, model
):
    response = organizer_client.get(reverse(f"admin:exhibitors_{model}_changelist"))
    assert response.status_code == 200 and 'dir="rtl"' in response.content.decode()
    assert organizer_client.get(reverse(f"admin:exhibitors_{model}_add")).status_code == 403


# The daily lists in few, short columns (issue 12): see also test_admin_browser.py.


def participations_page(client, **params):
    return client.get(reverse("admin:fairs_participation_changelist"), params)


def test_the_participations_list_shows_the_unit_and_county_the_booth_and_a_short_fair(
    organizer_client,
):
    fair = make_fair(title_fa="دهمین نمایشگاه توانمندی‌های صنایع کوچک و متوسط استان همدان")
    booth = make_booth(make_hall(fair, "B", name_fa="سالن ۲ (ب)"), "B-07")
    make_participation(fair, exhibitor=make_exhibitor(brand="کفش آزما"), booth=booth)
    page = participations_page(organizer_client).content.decode()
    row = page.split("<tbody>")[1]
    assert "کفش آزما" in row and '<span class="cell-note">همدان</span>' in row
    assert '<span title="سالن ۲ (ب)">B-۰۷</span>' in row
    # The fair's title in full only in the tooltip; its cell is cut by the style sheet.
    assert f'<span class="cell-clip" title="{fair.title_fa}">{fair.title_fa}</span>' in row


def test_the_participations_list_sorts_by_its_short_columns_and_ignores_a_bad_sort(
    organizer_client,
):
    fair = make_fair()
    hall = make_hall(fair)
    second = make_participation(
        fair, exhibitor=make_exhibitor(legal_name="ب"), booth=make_booth(hall, "A-01")
    )
    first = make_participation(
        fair, exhibitor=make_exhibitor(legal_name="الف"), booth=make_booth(hall, "A-02", x=3)
    )
    by_unit = participations_page(organizer_client, o="1").context["cl"].result_list
    assert list(by_unit) == [first, second]
    by_booth = participations_page(organizer_client, o="-4").context["cl"].result_list
    assert list(by_booth) == [first, second]
    for bad in ("99", "abc", "-"):
        response = participations_page(organizer_client, o=bad)
        assert response.status_code == 200
        assert set(response.context["cl"].result_list) == {first, second}


def test_the_participations_list_takes_as_many_queries_for_one_row_as_for_many(
    organizer_client,
):
    url = reverse("admin:fairs_participation_changelist")
    fair = make_fair()
    hall = make_hall(fair)
    make_participation(fair, booth=make_booth(hall, "A-01"))
    one = count_queries(organizer_client, url)
    for n in range(2, 12):
        make_participation(fair, booth=make_booth(hall, f"A-{n:02d}", x=3 * n))
    make_participation(make_fair())  # without a booth, at another fair
    assert count_queries(organizer_client, url) == one


def test_the_booths_list_names_the_hall_shortly_and_shows_size_position_and_holder(
    organizer_client,
):
    fair = make_fair(title_fa="نمایشگاهی با عنوانی بسیار بلند")
    hall = make_hall(fair, "A", name_fa="سالن ۱ (الف)")
    held = make_booth(hall, "A-01", x=2, y=2, width=3, height="2.5")
    make_participation(fair, exhibitor=make_exhibitor(brand="کفش آزما"), booth=held)
    make_booth(hall, "A-02", x=5, y=2)
    page = organizer_client.get(reverse("admin:fairs_booth_changelist")).content.decode()
    rows = page.split("<tbody>")[1]
    assert f'<span title="{hall}">سالن ۱ (الف)</span>' in rows
    assert ">" + fair.title_fa + "<" not in rows  # no column repeats the fair's title
    assert "۳ × ۲٫۵" in rows and "۲، ۲" in rows and "کفش آزما" in rows
    english = in_language(organizer_client, "en")
    rows = english.get(reverse("admin:fairs_booth_changelist")).content.decode()
    assert ">Hall A<" in rows and "3 × 2.5" in rows and "2, 2" in rows


def test_the_booths_list_takes_as_many_queries_for_one_row_as_for_many(organizer_client):
    url = reverse("admin:fairs_booth_changelist")
    fair = make_fair()
    hall = make_hall(fair)
    make_participation(fair, booth=make_booth(hall, "A-01"))
    one = count_queries(organizer_client, url)
    for n in range(2, 12):
        booth = make_booth(hall, f"A-{n:02d}", x=3 * n)
        if n % 2:
            make_participation(fair, booth=booth)
    assert count_queries(organizer_client, url) == one


def test_the_booth_choice_names_the_hall_not_the_fair_on_a_participations_page(
    organizer_client,
):
    fair = make_fair()
    hall = make_hall(fair, "A", name_en="Hall A")
    make_booth(hall, "A-02")
    participation = make_participation(fair)
    english = in_language(organizer_client, "en")
    url = reverse("admin:fairs_participation_change", args=[participation.pk])
    field = english.get(url).context["adminform"].form.fields["booth"]
    assert [field.label_from_instance(b) for b in field.queryset] == ["A-02 · Hall A"]
    # A new participation may be at any fair: its choices name the fair too.
    field = english.get(reverse("admin:fairs_participation_add")).context["adminform"].form
    labels = [field.fields["booth"].label_from_instance(b) for b in field.fields["booth"].queryset]
    assert labels == [f"A-02 · Hall A · {fair.title_en}"]
