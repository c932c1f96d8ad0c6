"""What the engine reads in a text: words, the head, related words; and the lexicon itself."""

import pytest

from matching import features
from matching.features import head, lexicon_rows, need_text, phrase_term, product_text, words
from portal.lib.text import normalize


def test_derived_forms_meet_their_word():
    for plain, derived in [
        ("چوب", "چوبی"),
        ("مبل", "مبلی"),
        ("نایلون", "نایلونی"),
        ("فلز", "فلزی"),
        ("ورق", "ورقهای"),
        ("قوطی", "قوطی‌ها"),
        ("ساخته", "ساختگی"),
        ("مقوا", "مقوایی"),
    ]:
        assert words(plain) == words(derived), (plain, derived)


def test_a_final_ye_that_belongs_to_the_noun_stays():
    assert words("ماهی") == ["ماهی"]  # not «ماه», a stop word
    assert words("صندلی") != words("صندل")


def test_compounds_typed_every_way_are_one_word_in_names_and_descriptions():
    for forms in [
        ("ضد آب", "ضدآب", "ضد\u200cآب"),
        ("پیش ساخته", "پیش\u200cساخته", "پیشساخته"),
        ("بسته بندی", "بسته\u200cبندی", "بسته\u200c بندی", "بستهبندی"),
        ("پلی اتیلن", "پلی\u200cاتیلن", "پلیاتیلن"),
    ]:
        assert len({normalize(f) for f in forms}) == 1, forms
        assert len({tuple(product_text("x", f).terms) for f in forms}) == 1, forms


def test_a_glued_and_is_the_conjunction():
    assert words("پیچ\u200cومهره") == words("پیچ و مهره") == [words("پیچ")[0], words("مهره")[0]]
    assert words("واشر") == ["واشر"]  # a word that starts with «و» is left alone


def test_the_head_is_the_first_content_word_and_a_generic_head_takes_the_next():
    assert head(words("لوله پلی‌اتیلن آبیاری"))[0] == "لول"
    assert head(words("دستگاه برش سنگ"))[0] == words("دستگاه")[0] + "برش"
    assert "برش" in head(words("دستگاه برش سنگ"))[1]
    assert head(words("دستگاه"))[0] == words("دستگاه")[0]  # generic alone: its own head
    assert head([]) == ("", ())


def test_machinery_words_are_not_stop_words():
    assert words("دستگاه") and words("ماشین")


def test_a_need_carries_the_related_words_of_its_phrases():
    need = need_text("کارتن پنج لایه")
    related = {term: divisions for term, _covered, divisions, _phrase in need.related}
    assert phrase_term("جعبه مقوایی")[0] in related
    assert phrase_term("جعبه مقوایی")[0] in need.head  # it stands for the head


def test_words_in_parentheses_name_the_head_another_way():
    need = need_text("دستگاه خم ورق (پرس برک)")
    assert "پرس" in need.head


@pytest.mark.parametrize("text", ["و از برای", "ب", "۱۲۳۴ ۵۶۷", "", "   ", "،،، ... ؟؟"], ids=repr)
def test_texts_without_a_meaningful_word_have_no_terms(text):
    assert not need_text(text).terms


ROWS = lexicon_rows()


@pytest.mark.parametrize("row", ROWS, ids=[f"{r['word']}≈{r['related']}" for r in ROWS])
def test_each_lexicon_row_relates_two_different_words(row):
    a, a_words = phrase_term(row["word"])
    b, b_words = phrase_term(row["related"])
    assert a and b, "each side must have a meaningful word"
    assert a != b and a_words != b_words, "a row must not map a word to itself"
    for code in row["divisions"].split():
        assert len(code) == 2 and code.isdigit(), code


def test_no_lexicon_row_repeats_or_loops_back_on_another():
    seen = set()
    for row in ROWS:
        pair = frozenset((phrase_term(row["word"])[1], phrase_term(row["related"])[1]))
        assert pair not in seen, f"{row['word']} ≈ {row['related']} is there twice (or reversed)"
        seen.add(pair)


def test_a_related_word_counts_less_than_the_same_word(db):
    from exhibitors.tests.factories import make_exhibitor, make_need, make_product
    from matching import engine
    from matching.models import Match

    buyer, same, other = make_exhibitor(), make_exhibitor(), make_exhibitor()
    need = make_need(buyer, name="کارتن", category=None)
    exact = make_product(same, name="کارتن", category=None)
    related = make_product(other, name="جعبه مقوایی", category=None)

    def relevance(product):
        engine.rematch()
        row = Match.objects.filter(need=need, product=product, fair__isnull=True).first()
        return row.relevance if row else 0

    with_the_word = relevance(exact)
    exact.delete()  # alone, the related word is a match, a weaker one
    assert with_the_word > relevance(related) > 0


def test_the_generic_heads_list_is_data():
    assert features.generic_heads() >= {words("دستگاه")[0], words("ماشین")[0], words("قطعه")[0]}


def test_a_compound_keeps_its_first_part_as_a_word():
    # «کارتن سازی» is folded into one word; «کارتن» is a word of the glue's name too.
    assert words("کارتن")[0] in product_text("چسب کارتن سازی پودری").terms
    assert words("ماشین")[0] in words("ماشین آلات")


def test_the_head_joined_with_the_next_word_names_the_kind_too():
    need = need_text("مستر بچ")
    product = product_text("مستربچ سفید")
    assert product.head in need.head
    assert set(need.modifiers) & set(product.terms)


def test_spelled_out_latin_letters_meet_the_abbreviation():
    assert words("گرانول پی وی سی") == words("گرانول PVC")
    assert words("درایور ال ای دی") == words("درایور LED")


def test_a_qualifier_weighs_as_a_word_but_names_no_kind():
    need = need_text("دوده صنعتی")
    assert words("صنعتی")[0] in need.terms
    assert words("صنعتی")[0] not in need.modifiers


def test_a_compound_first_word_is_headed_by_its_first_part():
    need = need_text("یراق آلات کیف")
    assert need.head[0] == words("یراق")[0]
    assert product_text("یراق کیف و کفش").head == need.head[0]
    assert words("کیف")[0] in need.modifiers


@pytest.mark.parametrize("purpose", ["برای", "جهت", "مخصوص", "ویژه", "مناسب"])
def test_what_a_need_is_for_weighs_less_than_what_it_is(purpose):
    need = need_text(f"چوب خشک {purpose} اسکلت مبل")
    wood, dry, sofa, frame = (words(w)[0] for w in ("چوب", "خشک", "مبل", "اسکلت"))
    assert need.head[0] == wood
    assert need.terms[wood] == need.terms[dry] == features.NEED_NAME
    assert need.terms[sofa] == need.terms[frame] == features.NEED_PURPOSE < features.NEED_NAME
    # No joined pair across it, and the purpose still says which kind.
    assert dry + frame not in need.terms
    assert sofa in need.modifiers
    # A name that starts with the word has nothing before it to be the thing.
    assert need_text(f"{purpose} مبل").head[0] == sofa


def test_a_purpose_word_in_a_products_name_changes_nothing():
    assert product_text("کیسه نایلون برای برنج").terms[words("برنج")[0]] == features.NAME


def test_a_size_is_one_term_however_it_is_typed():
    four = {"4mm"}
    for text in ("ورق ۴ میل", "ورق 4 میلیمتر", "ورق ۴ میلی‌متر", "ورق 4mm", "ورق ۰۴ میل"):
        assert set(words(text)) - set(words("ورق")) == four, text
    assert words("ورق ۰.۳ میل") == [*words("ورق"), "0.3mm"]  # not 3 mm
    assert "900g" in words("لیوان ماست ۵۰۰ و ۹۰۰ گرمی")
    assert "2kg" in words("سطل ۲ کیلویی")  # a stop word after a number is its unit
    assert words("اتانول ۹۶ درصد")[-1] == "96%"
    assert words("۱۲ عدد") == [] and words("میل") == ["میل"]  # a unit alone, no number


def test_a_size_joins_no_pair_and_is_no_kind_of_its_own():
    need = need_text("شیشه فلوت ۴ میل")
    assert "4mm" in need.terms and not any("4mm" in t and t != "4mm" for t in need.terms)
    # Sharing the size is sharing what the need says of the thing.
    assert "4mm" in need.modifiers


def test_a_three_letter_adjective_meets_its_noun_unless_its_ye_is_its_own():
    assert words("سیم مسی") == words("سیم مس")
    assert words("عسل کشی") == words("عسل کش")
    assert words("خدمات فنی") != words("خدمات فن")  # «فنی» is technical, «فن» a fan


def test_decimals_and_lists_of_sizes():
    assert words("0.3mm") == words("۰.۳mm") == words("ورق ۰.۳ میل")[1:] == ["0.3mm"]
    assert words("2.5kg") == ["2.5kg"]
    # A list of sizes is not a decimal: the last one is the size's term.
    assert words("۶ ۸ ۱۰ میل") == ["10mm"]
    assert words("سایز 10، 12 میل") == ["12mm"]


def test_a_purpose_leaves_the_words_in_parentheses_alone():
    need = need_text("دستگاه خم ورق (پرس برک) برای مبل")
    assert "پرس" in need.head  # the other name of the head still finds it
    assert need.terms[words("مبل")[0]] == features.NEED_PURPOSE
    aside = need_text("لوله (مخصوص آب) پلی اتیلن")
    assert aside.head[0] == words("لوله")[0]
    assert aside.terms[words("پلی‌اتیلن")[0]] == features.NEED_NAME  # after the bracket
    assert aside.terms[words("آب")[0]] == features.NEED_PURPOSE


def test_a_related_word_of_a_modifier_says_which_kind_too():
    # «طیور» ≈ «مرغ» (the lexicon): a premix for chickens is a premix for poultry,
    # even when «مرغ» is already one of the need's own words (its description).
    need = need_text("پرمیکس طیور", "مرغ گوشتی")
    assert words("مرغ")[0] in need.modifiers
    # A phrase that spans the head and a modifier: «الکل اتیلیک» ≈ «اتانول».
    need = need_text("الکل اتیلیک ۹۶")
    assert words("اتانول")[0] in need.head
    assert words("اتانول")[0] in need.modifiers


def test_a_model_number_is_a_term_a_count_or_a_year_is_not():
    assert words("بلبرینگ 6205") == [*words("بلبرینگ ۶۲۰۶")[:1], "6205"]
    assert "6013" in words("الکترود ۶۰۱۳") and "6205" in words("یاتاقان 6205-2RS")
    assert "6013" in words("الکترود E6013")  # a model with its letter is the model too
    for amount in ("ماهانه ۲۰۰ هزار عدد", "سال ۱۴۰۳", "۵۰۰ تا در ماه", "پیچ ۱۰۰ عددی"):
        assert not any(w[:1].isdecimal() for w in words(amount)), amount
    assert words("تلفن 09121234567") == words("تلفن")  # a phone number is no model
    assert words("جوش ۲۰۰ آمپر")[-1] == "200A"  # a size stays a size
    # A model says which one: a bearing of another number is another kind.
    need = need_text("بلبرینگ 6205")
    assert "6205" in need.modifiers and product_text("بلبرینگ ۶۲۰۶").own_modifiers


def test_another_kind_is_said_by_the_same_sort_of_word():
    # A use against a use, a size against a size; not a size against a use.
    assert features.kinds_named(need_text("الکترود جوشکاری").modifiers) == features.OWN_WORDS
    assert features.kinds_named(need_text("بلبرینگ 6205").modifiers) == features.OWN_SIZES
    assert product_text("الکترود ۶۰۱۳ سایز ۲.۵").own_modifiers == features.OWN_SIZES
    assert product_text("جعبه پیتزا").own_modifiers == features.OWN_WORDS
    assert product_text("جعبه").own_modifiers == 0


@pytest.mark.parametrize(
    "text, sizes",
    [
        ("قوطی کنسرو ۸۰۰ و ۴۰۰ گرمی", {"800g", "400g"}),
        ("کلید ۶ تا ۶۳ آمپر", {"6A", "63A"}),
        ("ورق ۲ و 3mm", {"2mm", "3mm"}),
        ("لوله ۱۶ میل و ۲۰", {"16mm"}),
        ("۵۰۰ تا ۱۰۰۰ عدد", set()),
    ],
)
def test_the_unit_after_a_list_of_numbers_applies_to_each(text, sizes):
    assert {w for w in features.words(text) if features.is_size(w)} == sizes


@pytest.mark.parametrize(
    "name, own",
    [
        ("جعبه پیتزا", features.OWN_WORDS),
        ("کارتن سفارشی صنعتی", 0),  # qualifiers name no kind
        ("تسمه پلاستیکی PP عرض ۱۲ میل", features.OWN_MATERIALS | features.OWN_SIZES),
        ("کیسه کاغذی", features.OWN_MATERIALS),
    ],
)
def test_what_a_products_name_says_of_its_kind_is_sorted(name, own):
    assert features.product_text(name).own_modifiers == own


def test_after_a_form_head_the_next_word_is_the_products_head_too_but_not_after_a_machine():
    assert "روناس" in product_text("ریشه روناس آسیاب شده").finds
    assert "دکمه" not in product_text("دستگاه دکمه پرس پدالی").finds
    assert "ریش" in features.generic_heads() and "ریش" in features.form_heads()


@pytest.mark.parametrize(
    "text, sizes",
    [
        ("اینورتر ۲.۲ کیلووات", {"2.2kW"}),
        ("اینورتر ۲.۲ کیلو وات", {"2.2kW"}),  # not 2.2 kg
        ("درایو ۲/۲ kW", {"2.2kW"}),
        ("فیلم 20mic", {"20um"}),
        ("کاغذ 127gsm", {"127g"}),
        ("آسیاب ۱۵ اسب", {"15hp"}),
        ("قوطی ۴۰ در ۴۰", {"40x40"}),
        ("پروفیل 40x40", {"40x40"}),
        ("ورق ۱۰۰ در ۲۰۰ سانت", {"100x200", "200cm"}),
    ],
)
def test_units_and_two_dimensions_as_owners_type_them(text, sizes):
    assert {w for w in features.words(text) if features.is_size(w)} == sizes


def test_a_salts_ending_is_its_own_not_a_plural():
    assert words("کربنات کلسیم") == ["کربنات", "کلسیم"]  # not carbon («کربن»)
    assert words("استات") == ["استات"]  # not the stop word «است»
    assert words("سولفات‌ها") == words("سولفات")
    assert words("قطعات") == words("قطعه")


@pytest.mark.parametrize(
    "text, sizes",
    [
        ("کابل افشان ۲ در ۰.۷۵", set()),  # not «2x»: a decimal is no dimension
        ("کابل ۲.۵ در ۳", set()),
        ("بلبرینگ 6205 در 2 رنگ", {"6205"}),  # the model stays a model
        ("سیم ۱.۵ و ۲.۵ میل", {"1.5mm", "2.5mm"}),
        ("لوله ۲ و ۱.۵ اینچ", {"2in", "1.5in"}),
        ("۴۰ در ۰۴۰", set()),
    ],
)
def test_dimensions_and_lists_read_decimals_and_models_as_they_are(text, sizes):
    assert {w for w in features.words(text) if features.is_size(w)} == sizes


def test_a_needs_joined_words_name_no_kind_of_their_own():
    # «لوله فولادی» says what it is made of; its joined pair repeats the words.
    assert need_text("لوله فولادی").kinds == features.OWN_MATERIALS
    assert need_text("کارتن پیتزا").kinds == features.OWN_WORDS


@pytest.mark.parametrize(
    "text, sizes",
    [
        ("ورق ضخامت ۱۰", {"10mm"}),  # a sheet's thickness is in millimetres
        ("ورق استیل 420 ضخامت 2.5", {"2.5mm"}),  # «2 5» after the normalizer
        ("میلگرد قطر ۵۰", {"50mm"}),
        ("الکترود نمره ۲/۵", {"2.5mm"}),
        ("ضخامت ۱۰ سانت", {"10cm"}),  # its own unit says
        ("قطر ۲۰ تا ۲۰۰", set()),  # a range is no one size
        ("قطر ۴۰ در ۴۰", {"40x40"}),
        ("ضخامت 0912 1234567", set()),  # a phone number
        ("کارتن ۵ لایه", set()),  # a count
    ],
)
def test_a_number_after_a_dimension_word_is_a_size_in_millimetres(text, sizes):
    assert {w for w in features.words(text) if features.is_size(w)} == sizes


@pytest.mark.parametrize(
    "need, product, other",
    [
        ("ورق روغنی ۱ میل", "ورق روغنی ۲ میل", True),
        ("لیوان ۱۰۰ سی سی", "کاپ ۱۲۰cc", False),  # near enough to serve
        ("قوطی ۴۰ در ۴۰", "قوطی ۳۰*۳۰", True),
        ("قوطی ۴۰ در ۴۰", "قوطی ۴۰x۴۰", False),
        ("کیسه ۵۰ کیلویی", "کیسه ۵۰×۷۰", False),  # no unit in common
        ("بلبرینگ 6205", "بلبرینگ 6206", False),  # models are another rule's
        ("سیم ۱.۵ و ۲.۵ میل", "سیم ۲.۵ میل", False),  # one of the need's sizes
    ],
)
def test_another_size_is_another_size_in_a_unit_both_give(need, product, other):
    wanted = features.sizes(features.words(need))
    offered = features.sizes(features.words(product))
    assert features.other_size(wanted, offered) is other
