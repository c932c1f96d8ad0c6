"""Why a search found a product: its words marked in the name or in a piece of the description."""

import pytest
from django.core.cache import cache
from django.db import connection
from django.urls import reverse

from exhibitors import search
from exhibitors.tests.factories import category, make_exhibitor, make_product
from portal.tests.helpers import count_queries, in_language

pytestmark = pytest.mark.django_db


def marked(text, query, **options):
    return [text[a:b] for a, b in search.match_spans(text, query, **options)]


@pytest.mark.parametrize(
    ("text", "query", "expected"),
    [
        # Arabic ي and ك, typed or stored, find the Persian letters and back.
        ("كمد چوبي", "کمد چوبی", ["كمد", "چوبي"]),
        ("کمد چوبی", "كمد چوبي", ["کمد", "چوبی"]),
        # A suffix after a zero-width non-joiner, a space or nothing is one word.
        ("ورق\u200cهای چرم", "ورق های", ["ورق\u200cهای"]),
        ("ورق های چرم", "ورقهای", ["ورق های"]),
        ("ورق\u200cهای چرم", "ورق", ["ورق"]),
        # Digits in any script; tatweel and marks are not in the way.
        ("قیمت ۱۲٬۵۰۰ ریال", "12", ["۱۲"]),
        ("درجه ١٢", "۱۲", ["١٢"]),
        ("پـیچ و مهره", "پیچ", ["پـیچ"]),
        ("آبِ معدنی", "اب", ["آبِ"]),
        # Latin letters spelled out in Persian, and Latin case.
        ("لوله پی وی سی", "PVC", ["پی وی سی"]),
        ("ورق MDF", "mdf", ["MDF"]),
        # Part of a word, and every occurrence.
        ("درب پیچی و پیچ", "پیچ", ["پیچ", "پیچ"]),
        ("کارتن\u200cکارتن", "کارتن", ["کارتن", "کارتن"]),
        ("چرم گاوی", "گوسفندی", []),
    ],
)
def test_marks_map_normalized_matches_back_to_what_was_written(text, query, expected):
    assert marked(text, query) == expected


def test_a_name_is_marked_across_a_space_as_search_finds_it():
    assert marked("آب میوه", "آبمیوه", compacted=True) == ["آب میوه"]
    assert marked("آب میوه", "آبمیوه") == []  # descriptions are not compacted in search either


def test_the_marked_html_escapes_everything():
    name = "<script>alert('چسب')</script>"
    html = search.mark(name, search.match_spans(name, "چسب script"))
    assert "<script>" not in html
    assert html == (
        "&lt;<mark>script</mark>&gt;alert(&#x27;<mark>چسب</mark>&#x27;)&lt;/<mark>script</mark>&gt;"
    )


def test_a_snippet_is_a_few_words_around_the_first_match_cut_at_spaces():
    description = (
        "مقدمه‌ای طولانی درباره کارخانه " * 10 + "پیچ و مهره گالوانیزه " + "برای صنعت " * 20
    )
    piece = search.snippet(description, "پیچ")
    assert piece.startswith("… ") and piece.endswith(" …")
    assert "<mark>پیچ</mark> و مهره" in piece
    words = piece.removeprefix("… ").removesuffix(" …").replace("<mark>", "").replace("</mark>", "")
    assert 100 <= len(words) <= search.SNIPPET_LENGTH
    assert words in " ".join(description.split())  # whole words only, none cut in half
    assert search.snippet("پیچ کوتاه", "پیچ") == "<mark>پیچ</mark> کوتاه"
    assert search.snippet("بدون آن", "پیچ") == ""
    assert search.snippet("", "پیچ") == ""


def test_a_snippet_escapes_the_description():
    piece = search.snippet("<b>چسب</b> & <img src=x onerror=alert(1)>", "چسب")
    assert "<b>" not in piece and "<img" not in piece
    assert "&lt;b&gt;<mark>چسب</mark>&lt;/b&gt; &amp; &lt;img" in piece


class Item:
    def __init__(self, name, description=""):
        self.name, self.description = name, description


def test_explain_shows_the_description_only_for_words_the_name_lacks():
    item = search.explain(Item("چسب چوب", "برای مبلمان و کابینت"), "چسب")
    assert (item.marked_name, item.snippet) == ("<mark>چسب</mark> چوب", "")
    item = search.explain(Item("چسب چوب", "برای مبلمان و کابینت"), "چسب کابینت")
    assert item.marked_name == "<mark>چسب</mark> چوب"
    assert item.snippet == "برای مبلمان و <mark>کابینت</mark>"
    item = search.explain(Item("سطل", "سطل با درب پیچی"), "پیچ")
    assert (item.marked_name, item.snippet) == ("سطل", "سطل با درب <mark>پیچ</mark>ی")


def test_results_show_why_they_were_found(client):
    unit = make_exhibitor()
    make_product(unit, name="پیچ و مهره", description="گالوانیزه")
    make_product(unit, name="سطل", description="سطل پلاستیکی با درب پيچي، ۲۰ لیتری")
    page = client.get(reverse("suppliers"), {"q": "پیچ"}).content.decode()
    assert "<mark>پیچ</mark> و مهره" in page
    assert (
        '<p class="snippet" dir="auto">سطل پلاستیکی با درب <mark>پيچ</mark>ي، ۲۰ لیتری</p>' in page
    )
    assert "گالوانیزه" not in page  # the name says why: no snippet


def test_a_product_named_script_is_shown_escaped_and_marked(client):
    make_product(make_exhibitor(), name="<script>alert(1)</script>", description="<b>x</b> script")
    page = client.get(reverse("suppliers"), {"q": "script"}).content.decode()
    assert "<script>alert(1)" not in page and "<b>x</b>" not in page
    assert "&lt;<mark>script</mark>&gt;alert(1)&lt;/<mark>script</mark>&gt;" in page


def test_names_that_hold_the_words_rank_before_descriptions_on_this_database(client):
    unit = make_exhibitor()
    make_product(unit, name="الف چسب", description="برای چوب")  # "چوب" only in the description
    make_product(unit, name="چسب صنعتی چوب")  # every word in the name, not as a phrase
    make_product(unit, name="چسبچوب ویژه")  # the words together, as a compound
    make_product(unit, name="ب چسب چوب")  # the phrase in the name
    make_product(unit, name="چسب چوب")  # the name starts with the phrase
    make_product(unit, name="آب میوه", description="چسب")  # not "چوب": not found
    response = client.get(reverse("suppliers"), {"q": "چسب چوب"})
    names = [p.name for p in response.context["page"].object_list]
    assert len(names) == 5, names
    assert names[:2] == ["چسب چوب", "ب چسب چوب"], connection.vendor
    assert set(names[2:4]) == {"چسب صنعتی چوب", "چسبچوب ویژه"}, connection.vendor
    assert names[4] == "الف چسب", connection.vendor


def test_pages_of_description_matches_keep_their_order_and_marks(client):
    unit = make_exhibitor()
    for i in range(25):
        make_product(unit, name=f"جعبه {i:02d}", description=f"شماره {i:02d} با درب پیچی")
    make_product(unit, name="پیچ")
    first = client.get(reverse("suppliers"), {"q": "پیچ"}).context["page"].object_list
    second = client.get(reverse("suppliers"), {"q": "پیچ", "page": 2}).context["page"].object_list
    assert first[0].name == "پیچ" and first[0].marked_name == "<mark>پیچ</mark>"
    assert len(first) == 20 and len(second) == 6
    assert len({p.pk for p in [*first, *second]}) == 26
    assert all("<mark>پیچ</mark>ی" in p.snippet for p in [*first[1:], *second])


def test_the_query_count_stays_flat_with_marks_and_snippets(client):
    def add(n, offset):
        for i in range(n):
            unit = make_exhibitor()
            make_product(
                unit, name=f"جعبه {offset + i}", description="با درب پیچی", category=category()
            )
            make_product(unit, name=f"پیچ {offset + i}", category=category())

    add(1, 0)
    few = count_queries(client, reverse("suppliers") + "?q=پیچ")
    add(12, 1)
    cache.clear()
    assert count_queries(client, reverse("suppliers") + "?q=پیچ") == few


def test_english_pages_mark_too(client):
    make_product(make_exhibitor(), name="Industrial GLUE", description="")
    page = in_language(client, "en").get(reverse("suppliers"), {"q": "glue"}).content.decode()
    assert "Industrial <mark>GLUE</mark>" in page
