"""The one normalizer, case by case: what people type and what it becomes."""

import pytest

from portal.lib.text import compact, normalize, search_text

CASES = [
    # (typed, normalized)
    ("ورق‌های فولادی", "ورقهای فولادی"),  # ZWNJ before a plural suffix
    ("ورق های فولادی", "ورقهای فولادی"),  # a space before it
    ("ورقهای فولادی", "ورقهای فولادی"),  # no space
    ("کارتن‌ها", "کارتنها"),
    ("کارتن ها", "کارتنها"),
    ("بزرگ‌تر", "بزرگتر"),
    ("بزرگ تر", "بزرگ تر"),  # after a space «تر» may be "fresh": it stays a word
    ("خمیر مایه تر", "خمیر مایه تر"),
    ("گرانول پی وی سی", "گرانول pvc"),  # Latin letters spelled out in Persian
    ("ام‌دی‌اف ملامینه", "mdf ملامینه"),
    ("درایور ال ای دی", "درایور led"),
    ("اچ دی پی ای", "hdpe"),
    ("سی و دو", "سی و دو"),  # one letter name alone is a word («سی», thirty)
    ("بی رنگ", "بی رنگ"),
    ("كارتن", "کارتن"),  # Arabic kaf
    ("يخچال", "یخچال"),  # Arabic yeh
    ("ماهى", "ماهی"),  # alef maksura
    ("جعبة", "جعبه"),  # teh marbuta
    ("خانۀ", "خانه"),  # heh with yeh above
    ("مُهْرِه", "مهره"),  # harakat
    ("کـــارتن", "کارتن"),  # tatweel
    ("قرآن", "قران"),  # madda
    ("أسيد", "اسید"),  # hamza on alef
    ("مؤسسه", "موسسه"),  # hamza on waw
    ("لوله ۲۰ میلی‌متری", "لوله 20 میلی متری"),  # Persian digits; ZWNJ as a word break
    ("لوله ٢٠", "لوله 20"),  # Arabic-Indic digits
    ("PVC Pipe", "pvc pipe"),  # Latin lower-cased
    ("لوله PVC-۳۲", "لوله pvc 32"),  # mixed, punctuation as space
    ("  چرم   طبیعی  ", "چرم طبیعی"),  # extra spaces
    ("\u200fچرم\u200e", "چرم"),  # RLM and LRM
    ("چرم\u200dطبیعی", "چرمطبیعی"),  # ZWJ vanishes
    ("ﻻستیک", "لاستیک"),  # presentation form of lam-alef
    ("«چسب»، (صنعتی)!", "چسب صنعتی"),  # Persian punctuation
    ("۲٫۵ تن", "2 5 تن"),  # the Persian decimal point is punctuation in text
    ("قوطی ۳۰*۳۰", "قوطی 30x30"),  # a size's sign is the «x» of «40x40»
    ("پالت ۱۲۰ × ۱۰۰ × ۱۵", "پالت 120x100x15"),
    ("ورق ۲*۰.۷۵", "ورق 2 0 75"),  # not beside a decimal's part
    ("ورق ۱.۵*۳", "ورق 1 5 3"),
    ("کد *۱۲", "کد 12"),  # a star that joins no two numbers is punctuation
    ("", ""),
]


@pytest.mark.parametrize(("typed", "expected"), CASES)
def test_normalize(typed, expected):
    assert normalize(typed) == expected


def test_there_are_at_least_25_cases():
    assert len(CASES) >= 25


@pytest.mark.parametrize("typed", ["آب‌میوه", "آب میوه", "آبمیوه", "آب ميوه"])
def test_compounds_typed_apart_or_together_compact_alike(typed):
    assert compact(typed) == "ابمیوه"


def test_search_text_holds_the_compacted_name_too():
    assert search_text("آب میوه", description="طبیعی") == "اب میوه ابمیوه طبیعی"
