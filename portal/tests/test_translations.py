"""The committed .mo files are current, and every string has a Persian translation.

No gettext is needed to run or test the portal: the compiled catalogues are
committed, and these tests fail when a .po changed without recompiling
(run `make messages`).
"""

from pathlib import Path

import polib
import pytest
from django.conf import settings

LOCALE = Path(settings.BASE_DIR) / "locale"
CATALOGUES = sorted(LOCALE.glob("*/LC_MESSAGES/django.po"))


def entries(catalogue):
    return {
        (e.msgctxt, e.msgid): (e.msgstr, tuple(sorted(e.msgstr_plural.items())))
        for e in catalogue
        if not e.obsolete and "fuzzy" not in e.flags
    }


@pytest.mark.parametrize("po_path", CATALOGUES, ids=lambda p: p.parent.parent.name)
def test_the_compiled_catalogue_matches_its_source(po_path):
    compiled = polib.mofile(str(po_path.with_suffix(".mo")))
    source = polib.pofile(str(po_path))
    translated = {k: v for k, v in entries(source).items() if v[0] or any(s for _, s in v[1])}
    assert entries(compiled).items() >= translated.items()
    assert len(entries(compiled)) == len(translated)


def test_every_persian_string_is_translated_and_none_is_fuzzy():
    source = polib.pofile(str(LOCALE / "fa" / "LC_MESSAGES" / "django.po"))
    assert source.untranslated_entries() == []
    assert source.fuzzy_entries() == []
    assert source.percent_translated() == 100


def test_english_and_persian_catalogues_know_the_same_strings():
    fa = {
        (e.msgctxt, e.msgid)
        for e in polib.pofile(str(LOCALE / "fa/LC_MESSAGES/django.po"))
        if not e.obsolete
    }
    en = {
        (e.msgctxt, e.msgid)
        for e in polib.pofile(str(LOCALE / "en/LC_MESSAGES/django.po"))
        if not e.obsolete
    }
    assert fa == en
