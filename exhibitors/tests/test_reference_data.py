import pytest

from exhibitors.models import Category, County, IndustrialPark, Province

pytestmark = pytest.mark.django_db


def test_all_31_provinces_are_there_with_both_names():
    assert Province.objects.count() == 31
    assert not Province.objects.filter(name_en="").exists()
    assert Province.objects.filter(name_fa="همدان", name_en="Hamedan").exists()


def test_hamedan_has_its_ten_counties_and_lalejin_is_in_bahar():
    counties = set(
        County.objects.filter(province__name_fa="همدان").values_list("name_fa", flat=True)
    )
    assert counties == {
        "همدان",
        "ملایر",
        "نهاوند",
        "تویسرکان",
        "اسدآباد",
        "کبودرآهنگ",
        "رزن",
        "بهار",
        "فامنین",
        "درگزین",
    }
    assert IndustrialPark.objects.get(name_fa="شهرک صنعتی لالجین").county.name_fa == "بهار"


def test_every_section_and_division_is_there():
    assert Category.objects.filter(level="section").count() == 21
    assert Category.objects.filter(level="division").count() == 88


def test_every_class_of_mining_and_manufacturing_has_both_names_and_its_parent_chain():
    classes = Category.objects.filter(level="class", parent__parent__parent__code__in=["B", "C"])
    # ISIC Rev.4: section B has 14 classes, section C 137.
    assert classes.filter(parent__parent__parent__code="B").count() == 14
    assert classes.filter(parent__parent__parent__code="C").count() == 137
    for category in classes.select_related("parent__parent__parent"):
        group = category.parent
        division = group.parent
        assert category.name_fa and category.name_en
        assert (group.level, division.level, division.parent.level) == (
            "group",
            "division",
            "section",
        )
        assert category.code.startswith(group.code) and group.code.startswith(division.code)


def test_the_service_classes_a_fair_of_industries_needs_are_there():
    for code in ["4923", "5210", "5229", "8292", "7110", "3312", "4520"]:
        assert Category.objects.filter(code=code, level="class").exists(), code


def test_names_use_persian_letters_not_arabic_ones():
    assert not Category.objects.filter(name_fa__contains="ي").exists()
    assert not Category.objects.filter(name_fa__contains="ك").exists()
