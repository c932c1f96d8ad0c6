from portal.lib.text import compact, digits_only, normalize, to_ascii_digits, to_persian_digits


def test_it_turns_persian_and_arabic_digits_into_ascii():
    assert to_ascii_digits("۱۲۳۴۵۶۷۸۹۰") == "1234567890"
    assert to_ascii_digits("٠١٢٣٤٥٦٧٨٩") == "0123456789"
    assert to_ascii_digits("۲٫۵") == "2.5"


def test_it_writes_ascii_digits_in_persian():
    assert to_persian_digits("1405/09/06") == "۱۴۰۵/۰۹/۰۶"
    assert to_persian_digits(42) == "۴۲"


def test_digits_only_drops_separators():
    assert digits_only("۰۹۱۲-۱۲۳ ۴۵ ۶۷") == "09121234567"


def test_arabic_keyboard_letters_become_persian():
    assert normalize("كارتن يك لايه") == normalize("کارتن یک لایه") == "کارتن یک لایه"


def test_zwnj_space_and_no_space_forms_of_a_plural_are_equal():
    forms = {normalize("ورق‌های فولادی"), normalize("ورق های فولادی"), normalize("ورقهای فولادی")}
    assert forms == {"ورقهای فولادی"}


def test_compact_makes_compounds_typed_apart_or_together_equal():
    assert compact("آب‌میوه") == compact("آب میوه") == compact("آبمیوه")


def test_diacritics_tatweel_and_invisible_marks_go():
    assert normalize("قُرْآن") == normalize("قرآن")
    assert normalize("کـــارتن") == "کارتن"
    assert normalize("\u200fکارتن\u200e") == "کارتن"


def test_latin_is_lower_cased_and_punctuation_becomes_space():
    assert normalize("  PVC-Pipe,  ۲۰mm ") == "pvc pipe 20mm"


def test_empty_values_normalize_to_empty_text():
    assert normalize(None) == ""
    assert normalize("") == ""


def test_compounds_fold_the_same_typed_apart_together_or_with_a_non_joiner():
    for forms in [
        ("ضد آب", "ضدآب", "ضد\u200cآب"),
        ("پیش ساخته", "پیش\u200cساخته", "پیشساخته"),
        ("بسته بندی", "بسته\u200cبندی", "بسته\u200c بندی", "بستهبندی"),
        ("پلی وینیل استات", "پلی\u200cوینیل استات"),
        ("کم وزن", "کم\u200cوزن"),
    ]:
        assert len({normalize(f) for f in forms}) == 1, forms


def test_a_glued_and_is_split_but_not_inside_a_compound():
    assert normalize("پیچ\u200cومهره") == normalize("پیچ و مهره")
    assert normalize("نخ\u200cوسوزن") == normalize("نخ و سوزن")
    assert " و " not in normalize("پلی\u200cوینیل") and " و " not in normalize("میل\u200cولنگ")


def test_a_prefix_never_swallows_a_word_that_says_nothing():
    assert normalize("پیش از") == "پیش از"
    assert normalize("چند نوع") == "چند نوع"
