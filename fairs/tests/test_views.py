import pytest

from exhibitors.tests.factories import make_exhibitor, park
from fairs.models import Fair, Participation
from fairs.tests.factories import make_booth, make_fair, make_hall, make_participation
from portal.tests.helpers import count_queries, in_language

pytestmark = pytest.mark.django_db


def populated_fair(units):
    fair = make_fair()
    halls = [make_hall(fair, "A"), make_hall(fair, "B")]
    for i in range(units):
        booth = make_booth(halls[i % 2], f"{'AB'[i % 2]}-{i:02d}", x=i * 3)
        make_participation(fair, make_exhibitor(park=park()), booth=booth)
    return fair


def test_the_fair_page_lists_approved_exhibitors_by_hall_with_booth_codes(client):
    fair = make_fair()
    hall_a, hall_b = make_hall(fair, "A"), make_hall(fair, "B")
    tannery = make_exhibitor(legal_name="دباغی همدان")
    shoes = make_exhibitor(legal_name="کفش بوعلی")
    make_participation(fair, tannery, booth=make_booth(hall_a, "A-02"))
    make_participation(fair, shoes, booth=make_booth(hall_b, "B-07"))
    make_participation(fair, make_exhibitor(legal_name="در انتظار"), status="applied")
    make_participation(fair, make_exhibitor(legal_name="بدون غرفه"))

    response = in_language(client, "en").get(fair.get_absolute_url())
    halls = response.context["halls"]
    assert [h.count for h in halls] == [1, 1]
    first, second = (h.rows for h in halls)
    assert "دباغی همدان" in first and "کفش بوعلی" in second and "کفش" not in first
    page = response.content.decode()
    assert "A-02" in page and "B-07" in page and tannery.get_absolute_url() in page
    assert "در انتظار" not in page
    assert (
        "بدون غرفه" in response.context["unplaced"] and "دباغی" not in response.context["unplaced"]
    )


def test_the_fair_page_speaks_persian_digits_in_persian_and_ascii_in_english(client):
    fair = populated_fair(3)
    assert "۳" in client.get(fair.get_absolute_url()).content.decode()
    page = in_language(client, "en").get(fair.get_absolute_url()).content.decode()
    assert "3 exhibitors" in page and 'dir="ltr"' in page


def test_a_draft_fair_is_not_found(client):
    draft = make_fair(status=Fair.Status.DRAFT)
    assert client.get(draft.get_absolute_url()).status_code == 404


@pytest.mark.parametrize("slug", ["no-such-fair", "%D9%86%D9%85%D8%A7", "a" * 300])
def test_an_unknown_or_odd_slug_is_not_found(client, slug):
    assert client.get(f"/fairs/{slug}/").status_code == 404


def test_names_with_html_are_shown_escaped(client):
    fair = make_fair(title_fa="<script>alert(1)</script>")
    make_participation(fair, make_exhibitor(legal_name="<b>bold</b>"))
    page = client.get(fair.get_absolute_url()).content.decode()
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;" in page and "&lt;b&gt;bold&lt;/b&gt;" in page


def test_the_fair_page_query_count_stays_flat_as_exhibitors_grow(client):
    few = count_queries(client, populated_fair(2).get_absolute_url())
    many = count_queries(client, populated_fair(40).get_absolute_url())
    assert many == few


def test_a_withdrawn_or_rejected_unit_is_not_listed(client):
    fair = make_fair()
    make_participation(
        fair, make_exhibitor(legal_name="انصرافی"), status=Participation.Status.WITHDRAWN
    )
    make_participation(
        fair, make_exhibitor(legal_name="ردشده"), status=Participation.Status.REJECTED
    )
    page = client.get(fair.get_absolute_url()).content.decode()
    assert "انصرافی" not in page and "ردشده" not in page
