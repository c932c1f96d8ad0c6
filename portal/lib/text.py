"""Persian text: digits both ways, and the one normalizer for storing and searching."""

import functools
import re
import unicodedata

PERSIAN_DIGITS = "۰۱۲۳۴۵۶۷۸۹"
ARABIC_DIGITS = "٠١٢٣٤٥٦٧٨٩"

_TO_ASCII = str.maketrans(PERSIAN_DIGITS + ARABIC_DIGITS + "٫٬", "0123456789" * 2 + ".,")
_TO_PERSIAN = str.maketrans("0123456789", PERSIAN_DIGITS)

# Arabic-keyboard letters and variants folded to the Persian letter people mean.
_LETTERS = str.maketrans(
    {
        "ي": "ی",
        "ى": "ی",
        "ئ": "ی",
        "ك": "ک",
        "ة": "ه",
        "ۀ": "ه",
        "أ": "ا",
        "إ": "ا",
        "ٱ": "ا",
        "ؤ": "و",
        "ـ": None,  # tatweel
    }
)
_INVISIBLES = dict.fromkeys(map(ord, "\u200d\u200e\u200f\u202a\u202b\u202c\u202d\u202e\ufeff"))
_SPACES = re.compile(r"[\s\u200c]+")
_PUNCTUATION = re.compile(r"[^\w\s]", re.UNICODE)
# «تر» only after a zero-width non-joiner («بزرگ‌تر»): after a space it means
# "fresh" as often as "more" («خمیر مایه تر»).
# A size's signs between whole numbers («30*30», «120 × 100 × 15»): the «x»
# that «40x40» is written with, before punctuation becomes space. Not beside a
# decimal's part («2*0.75» stays numbers, as «۲ در ۰.۷۵» does).
_TIMES = re.compile(r"(?<![\d.,/])\d+(?:\s*[*×]\s*\d+)+(?![\d]|[.,/]\d)")
_SIGN = re.compile(r"\s*[*×]\s*")
_COMPARATIVE = re.compile(r"\u200c(?=(تر|ترین)(\s|$))")
_PLURAL_JOINS = re.compile(r"(?<=\w) (?=(ها|های|هایی|هایم|هایش|ترین|ای|ام|اش)(\s|$))")
# Latin letters spelled out in Persian: two or more in a row are the Latin
# abbreviation («پی وی سی», «ام‌دی‌اف», «ال ای دی» → pvc, mdf, led). Written as
# they are after the folding (آ is ا by then: «آر» is «ار»); «ای» is A, E or I,
# and stands for the commonest, E (PE, LED, HDPE).
_LETTER_NAMES = {
    "ای": "e",
    "بی": "b",
    "سی": "c",
    "دی": "d",
    "اف": "f",
    "جی": "g",
    "اچ": "h",
    "کی": "k",
    "ال": "l",
    "ام": "m",
    "ان": "n",
    "او": "o",
    "پی": "p",
    "کیو": "q",
    "ار": "r",
    "اس": "s",
    "تی": "t",
    "یو": "u",
    "وی": "v",
    "دبلیو": "w",
    "ایکس": "x",
    "وای": "y",
    "زد": "z",
}
_LETTER = "|".join(sorted(_LETTER_NAMES, key=len, reverse=True))
_SPELLED_LETTERS = re.compile(rf"(?<!\S)(?:{_LETTER})(?: (?:{_LETTER}))+(?!\S)")


def _spelled_out(match):
    return "".join(_LETTER_NAMES[name] for name in match.group(0).split(" "))


# Compounds people type apart, together or with a zero-width non-joiner: a
# prefix joins the next word («ضد آب», «ضد‌آب» → «ضداب»; «پیش ساخته»,
# «پلی اتیلن»), a second part joins the word before it («بسته بندی», «بسته‌
# بندی» → «بستهبندی»; «ماشین آلات»). Only parts that never stand alone in a
# name, written as they are after the folding above (آ is ا by then); never
# onto a word that says nothing («پیش از», «چند نوع») or another prefix.
_PREFIXES = frozenset(["ضد", "پیش", "نیم", "فوق", "چند", "تک", "پلی", "الکترو", "میکرو"])
_SECOND_PARTS = frozenset(
    ["بندی", "سازی", "کاری", "الات", "پذیر", "ریزی", "گیری", "دار", "ساز", "امیز", "پوش"]
)
_NOT_JOINED = frozenset(
    ["و", "از", "به", "در", "با", "تا", "که", "را", "یا", "نوع", "عدد", "تک", "چند"]
)
# A «و» glued to the next word after a zero-width non-joiner («پیچ‌ومهره»,
# «نخ‌وسوزن») is the conjunction, unless the word before is one that starts
# a compound with «و…» («پلی‌وینیل», «کم‌وزن», «میل‌ولنگ», «نیم‌ورق»).
_GLUED_AND = re.compile(r"(\w+)\u200c\s*و(?=[^\W\d_]{2})")
_BEFORE_A_V_COMPOUND = _PREFIXES | frozenset(["کم", "هم", "بی", "میل", "پر"])


def _split_glued_and(match):
    word = match.group(1)
    return f"{word}\u200cو" if word in _BEFORE_A_V_COMPOUND else f"{word} و "


def _join_compounds(text):
    words = text.split(" ")
    joined = []
    for word in words:
        previous = joined[-1] if joined else None
        if (
            previous in _PREFIXES
            and word not in _NOT_JOINED
            and word not in _PREFIXES
            and len(word) >= 2
        ):
            joined[-1] = previous + word
        elif word in _SECOND_PARTS and previous and len(previous) >= 2:
            if previous not in _NOT_JOINED and previous not in _PREFIXES:
                joined[-1] = previous + word
            else:
                joined.append(word)
        else:
            joined.append(word)
    return " ".join(joined)


def to_ascii_digits(value):
    """Persian and Arabic-Indic digits (and the Persian decimal point) to ASCII."""
    return str(value).translate(_TO_ASCII)


def to_persian_digits(value):
    return str(value).translate(_TO_PERSIAN)


def digits_only(value):
    """The ASCII digits of a typed number, dropping spaces, dashes and the like."""
    return re.sub(r"[^0-9]", "", to_ascii_digits(value))


# Every combining mark (harakat, the madda and hamza NFKD splits off a
# letter, Latin accents) removed in one translate instead of a loop per letter.
_MARKS = dict.fromkeys(c for c in range(0x300, 0x10000) if unicodedata.combining(chr(c)))
# Letters that NFKD splits into a base letter and a mark (آ, أ, ؤ, é …).
_DECOMPOSABLE = re.compile(
    "[{}]".format(
        "".join(
            chr(c)
            for c in range(0xC0, 0x10000)
            if unicodedata.category(chr(c)).startswith("L")
            and len(unicodedata.normalize("NFKD", chr(c))) > 1
        )
    )
)


def normalize(value):
    return _normalize(str(value)) if value else ""


@functools.lru_cache(maxsize=65_536)
def _normalize(value):
    """Text folded for comparison: one form for what a person means as the same.

    Arabic letter variants become Persian, diacritics and tatweel go, digits
    become ASCII, Latin is lower-cased, a size's «*» or «×» between numbers
    becomes «x» («30*30» is «30x30»), other punctuation becomes space, and a
    suffix such as «ها» joins its word whether it was typed with a zero-width
    non-joiner, a space or nothing ("ورق‌های", "ورق های", "ورقهای" are equal).
    Other zero-width non-joiners become spaces, keeping word boundaries.
    Compounds fold the same way: «ضد آب», «ضدآب» and «ضد‌آب» are one word,
    «بسته بندی» and «بسته‌بندی» too, and a «و» glued on after a non-joiner
    («پیچ‌ومهره») stands apart as the conjunction it is. Latin letters spelled
    out in Persian are the abbreviation they spell («پی وی سی» is «pvc»).
    """
    text = unicodedata.normalize("NFKC", value).translate(_LETTERS).translate(_INVISIBLES)
    text = _GLUED_AND.sub(_split_glued_and, text)
    # NFKD splits harakat, hamza and madda off their letters (آ becomes ا):
    # people search with and without them. Most text has none to split.
    if _DECOMPOSABLE.search(text):
        text = unicodedata.normalize("NFKD", text)
    text = text.translate(_MARKS).translate(_LETTERS)
    text = _COMPARATIVE.sub("", text)
    text = to_ascii_digits(text).lower()
    text = _TIMES.sub(lambda m: _SIGN.sub("x", m.group()), text)
    text = _PUNCTUATION.sub(" ", text)
    text = _SPACES.sub(" ", text).strip()
    text = _SPELLED_LETTERS.sub(_spelled_out, text)
    return _PLURAL_JOINS.sub("", _join_compounds(text))


def compact(value):
    """The normalized text without spaces: compounds typed apart or together match."""
    return normalize(value).replace(" ", "")


_ARABIC_LETTERS = str.maketrans({"ي": "ی", "ى": "ی", "ك": "ک"})


def persian_letters(value):
    """Arabic-keyboard ي ى ك as the Persian ی ک; nothing else changes. For names as stored."""
    return value.translate(_ARABIC_LETTERS) if value else value


def search_text(*names, description=""):
    """What search looks in: the names normalized and compacted, then the description.

    The compacted names let «آبمیوه» find «آب میوه» and the other way round.
    """
    parts = [normalize(name) for name in names if name]
    parts += [compact(name) for name in names if name and " " in normalize(name)]
    parts.append(normalize(description))
    return " ".join(part for part in parts if part)


def search_words(query, limit=8):
    """The words of a search query, normalized; at most ``limit`` of them."""
    return normalize(query).split()[:limit]


def format_number(value, persian=False):
    """A quantity without trailing zeros, grouped by thousands: 1,250 or ۱٬۲۵۰ (``persian``).

    What the ``number`` template filter shows, for code that writes text itself.
    """
    import decimal

    try:
        value = decimal.Decimal(value)
    except (decimal.InvalidOperation, TypeError, ValueError):
        return str(value)
    text = f"{value:,f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    if persian:
        return to_persian_digits(text.replace(",", "٬").replace(".", "٫"))
    return text
