"""What matching compares: the words of a name and a description, the head of the
name, related words, and a category code.

One set of functions turns an item's text into what the engine scores, for
needs and products alike, on top of the portal's normalizer
(portal/lib/text.py): Arabic letters, digits, the zero-width non-joiner,
compounds and «ها» typed apart or together are already one form there. Here
endings go (plurals, the adjective «ی», «ـه» / «ـگی»), words that say nothing
(«و», «برای», «انواع» …) and single letters are dropped, two neighbouring
words of a name also count joined («آب میوه» meets «آبمیوه»), and the head
of the name is found: the thing the phrase names («لوله» in «لوله پلی‌اتیلن
آبیاری»), which a generic word takes the next word with («دستگاه برش» in
«دستگاه برش سنگ»). A need also carries the related words of the lexicon.
"""

import csv
import functools
import re
from dataclasses import dataclass, field
from itertools import pairwise
from pathlib import Path

from portal.lib.text import normalize

DATA = Path(__file__).resolve().parent / "data"

# A product's term: in its name (the head included) or only in its description.
NAME = 1.0
DESCRIPTION = 0.5
# A need's terms before rarity: a name word 1, a generic head word («دستگاه»)
# less, two joined name words less (they repeat their parts), a description
# word less still.
NEED_NAME, NEED_GENERIC, NEED_PAIR, NEED_DESCRIPTION = 1.0, 0.3, 0.5, 0.4
# What the need's name says it is for («… برای اسکلت مبل»): more than its
# description, less than what it is.
NEED_PURPOSE = 0.5
# A related word of the lexicon counts this much of the words it stands for.
RELATED = 0.6

STOP_WORDS = frozenset(
    """
    و در به از با برای که را این آن یا تا بر هم نیز اما ولی یک دو سه هر همه
    است هست بود شود شده کند کنند کرد دارد دارای داریم می نمی ما شما آنها ایشان
    انواع نوع نوعی مورد جهت توسط طبق روی زیر بین پس بدون همراه مانند مثل
    غیره سایر دیگر خیلی بسیار کم زیاد عدد تعداد ماه ماهانه سال کیلو کیلوگرم تن
    متر مترمربع لیتر بسته جفت کالا محصول محصولات تولید تولیدی تولیدکننده
    خرید فروش نیاز نیازمند لازم داریم میخواهیم مناسب کیفیت عالی درجه یک
    مدل سایز
    the and of for to in with a an or by on from
    """.split()  # noqa: SIM905 (a word list reads better as text)
)
# Words of a name that praise or grade it without saying which kind it is
# («دوده صنعتی» is carbon black; «صنعتی» names no kind of it): they weigh as
# words, but a product without them is not another kind (scoring.SIBLING).
QUALIFIERS = frozenset(
    """
    صنعتی ممتاز مرغوب معمولی استاندارد اعلا سفارشی آماده باکیفیت ارزان
    ایرانی خارجی وارداتی داخلی
    """.split()  # noqa: SIM905 (a word list reads better as text)
)
# Endings that make the same word plural or possessive: «کارتن‌ها», «ورقهای».
SUFFIXES = ("هایی", "های", "ها", "ات")
# Nouns whose last «ی» is their own, where dropping it would meet another
# word (or a stop word: «ماهی» → «ماه»).
OWN_YE = frozenset(
    """
    ماهی صندلی چینی کتانی بخاری سینی قوری گونی زری
    فنی سری کفی پری قوی ملی کلی پلی
    """.split()  # noqa: SIM905 (a word list reads better as text)
)


# Words whose last «ات» is their own, not a plural: salts and esters («سولفات»,
# «کربنات»: not «کربن»; «استات»: not the stop word «است»).
OWN_AT = frozenset(
    normalize(w)
    for w in """
    سولفات فسفات نیترات کربنات بیکربنات سیلیکات استات سیترات بنزوات سوربات
    گلوتامات استئارات کرومات پرمنگنات کلرات اگزالات لاکتات تارتارات پروپیونات
    فرمات اولئات آلومینات تیتانات
    """.split()  # noqa: SIM905 (a word list reads better as text)
)


def stem(word):
    """A light stem, the same for needs and products, so that forms of one word meet:

    - plural endings go: «کارتن‌ها», «کارتنهای» → «کارتن»;
    - «ی» after «ا» or «و» goes: «مقوای» → «مقوا», «گاوی» → «گاو»;
    - the adjective «ی» goes: «چوبی» → «چوب», «نایلونی» → «نایلون», «فلزی» →
      «فلز», «مسی» → «مس», «کشی» → «کش» (not in OWN_YE: «ماهی», «فنی» stay);
    - «ـگی» and a final silent «ه» go, so that «بسته» meets «بستگی» and «پنبه»
      meets «پنبه‌ای».

    A rare wrong cut («کره» → «کر») still compares equal to itself.
    """
    for suffix in SUFFIXES:
        if suffix == "ات" and word in OWN_AT:
            break
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            word = word[: -len(suffix)]
            break
    if word.endswith("یی") and len(word) >= 4:
        word = word[:-1]
    if word.endswith("گی") and len(word) >= 5:
        word = word[:-2]
    elif word.endswith("ی") and len(word) >= 3 and (word[-2] in "او" or word not in OWN_YE):
        word = word[:-1]
    if word.endswith("ه") and len(word) >= 3:
        word = word[:-1]
    return word


# Second parts of a compound the normalizer joins («کارتن سازی» → «کارتنسازی»)
# after which the first part is a word of its own as well: «چسب کارتن سازی» is a
# glue for cartons. Not «دار», «ساز», «پوش» …: too many words end that way.
COMPOUND_ENDINGS = ("بندی", "سازی", "کاری", "الات", "ریزی", "گیری")


@functools.lru_cache(maxsize=100_000)
def _parts(word):
    """The word, and the first part of a compound that ends in COMPOUND_ENDINGS."""
    for ending in COMPOUND_ENDINGS:
        if word.endswith(ending) and len(word) - len(ending) >= 3:
            return (word, word[: -len(ending)])
    return (word,)


# Units a size is given in, as owners type them, and the one form each size is
# compared in: «۴ میل», «۴ میلیمتر» and «4mm» are one term, «4mm».
UNITS = {
    **dict.fromkeys(["میل", "میلی", "میلیمتر", "میلیمتری", "mm"], "mm"),
    **dict.fromkeys(["سانت", "سانتی", "سانتیمتر", "سانتیمتری", "cm"], "cm"),
    **dict.fromkeys(["متر", "متری", "m"], "m"),
    **dict.fromkeys(["لیتر", "لیتری", "l", "lit"], "l"),
    **dict.fromkeys(["سیسی", "cc", "ml"], "ml"),
    **dict.fromkeys(["گرم", "گرمی", "g", "gr"], "g"),
    **dict.fromkeys(["کیلو", "کیلویی", "کیلوگرم", "کیلوگرمی", "kg"], "kg"),
    **dict.fromkeys(["اینچ", "اینچی", "inch"], "in"),
    **dict.fromkeys(["امپر", "امپری", "a"], "A"),
    **dict.fromkeys(["وات", "واتی", "w"], "W"),
    **dict.fromkeys(["ولت", "ولتی", "v"], "V"),
    **dict.fromkeys(["درصد", "درصدی", "%"], "%"),
    **dict.fromkeys(["میکرون", "میکرونی", "mic", "um", "μm", "µm"], "um"),
    **dict.fromkeys(["کیلووات", "کیلوواتی", "kw"], "kW"),
    **dict.fromkeys(["اسب", "hp"], "hp"),
    **dict.fromkeys(["مش", "mesh"], "mesh"),
    "gsm": "g",
}
# A unit typed as two words is one: «۲ کیلو وات» is 2 kW, not 2 kg.
UNIT_PHRASES = {
    ("کیلو", "وات"): "کیلووات",
    ("میلی", "متر"): "میلیمتر",
    ("سانتی", "متر"): "سانتیمتر",
}
# Between the two numbers of a size in two dimensions: «۴۰ در ۴۰», «40 x 40»
# (and «40x40» as typed) are one term, «40x40».
BY = frozenset(["در", "x"])
_ATTACHED = re.compile(r"^([0-9]+)([^0-9]+)$")  # «4mm», «8لیتر»
_LETTERED = re.compile(r"^[a-z]{1,3}([1-9][0-9]{3,4})$")  # a model with a letter: «e6013»


# Sizes are compared in one unit each (UNITS' values; «40x40», in two
# dimensions, is a unit of its own).
_SIZE = re.compile(r"^([0-9]+(?:\.[0-9]+)?)(x[0-9]+)?([^0-9.]*)$")
# Sizes this close are near enough to serve («کاپ ۱۲۰cc» for «لیوان ۱۰۰ سی سی»);
# «۲ میل» is not «۱ میل» (scoring.OTHER_SIZE).
NEAR_SIZE = 1.25


def sizes(terms):
    """{unit: the first size in it} of the sizes among ``terms``: «2mm» is 2.0
    in "mm"; a size in two dimensions is its text («40x40» in "x"); model
    numbers («6205») and counts have no unit and are left out."""
    found = {}
    for term in terms:
        matched = _SIZE.match(term) if is_size(term) else None
        if not matched:
            continue
        number, by, unit = matched.groups()
        if by:
            found.setdefault("x", term)
        elif unit:
            found.setdefault(unit, float(number))
    return found


def other_size(wanted, offered):
    """Whether ``offered`` (sizes()) is another size than ``wanted``: in a unit
    both give, every size the need names is more than NEAR_SIZE away (in two
    dimensions: not the same)."""
    shared = wanted.keys() & offered.keys()
    if not shared:
        return False
    for unit in shared:
        a, b = wanted[unit], offered[unit]
        if unit == "x":
            if a == b:
                return False
        elif (a > 0 and b > 0 and max(a, b) / min(a, b) <= NEAR_SIZE) or a == b:
            return False
    return True


def is_size(term):
    """A size («4mm», «0.3mm», «900g») or a model number («6205»): a word that says
    how big or which model, not which kind of thing."""
    return term[:1].isdecimal()


def _number(tokens, k, number):
    """The number ending at tokens[k]: ``number``, or a decimal the normalizer split
    («۰.۳» → «0 3», «2.5kg» → «2 5kg»): a number of one or two digits before one
    of one digit, or after a zero. Not a list of sizes («۶ ۸ ۱۰ میل», «10 12»)."""
    before = tokens[k - 1] if k else ""
    if before.isdecimal() and (before == "0" or (len(before) <= 2 and len(number) == 1)):
        return f"{before}.{number}"
    return number.lstrip("0") or "0"


# Between the numbers of one unit: «۸۰۰ و ۴۰۰ گرمی», «۶ تا ۶۳ آمپر».
NUMBER_LISTS = frozenset(["و", "تا"])


def _listed(tokens, k, number=None):
    """The numbers the unit after tokens[k] applies to: that one (``number``, or
    the token), and those before it joined by NUMBER_LISTS («۸۰۰ و ۴۰۰ گرمی» is
    800 g and 400 g; «۶ تا ۶۳ آمپر» 6 A and 63 A; «۱.۵ و ۲.۵ میل», a decimal
    the normalizer split, 1.5 mm and 2.5 mm), last first."""
    found = [_number(tokens, k, number or tokens[k])]
    start = k - 1 if "." in found[-1] else k
    while start >= 2 and tokens[start - 1] in NUMBER_LISTS and tokens[start - 2].isdecimal():
        k = start - 2
        found.append(_number(tokens, k, tokens[k]))
        start = k - 1 if "." in found[-1] else k
    return found


def _two_dimensions(tokens, k):
    """Whether tokens[k] starts a size in two dimensions («۴۰ در ۴۰»): whole
    numbers on both sides of BY, not a decimal's part («۲ در ۰.۷۵», «۲.۵ در ۳»
    are left as numbers) and not a model number («بلبرینگ 6205 در 2 رنگ»)."""
    if not (k + 2 < len(tokens) and tokens[k].isdigit() and tokens[k + 1] in BY):
        return False
    first, second = tokens[k], tokens[k + 2]
    if not second.isdigit() or first.startswith("0") or second.startswith("0"):
        return False
    if "." in _number(tokens, k, first) or _model_digits(first):
        return False
    after = tokens[k + 3] if k + 3 < len(tokens) else ""
    return not (after.isdigit() and "." in _number(tokens, k + 3, after))


# Dimension words after which a number with no unit is in millimetres, as the
# trades that use them mean it: «ورق ضخامت ۱۰» is a 10 mm sheet, «میلگرد قطر
# ۵۰» a 50 mm bar, «الکترود نمره 2.5» a 2.5 mm electrode.
IN_MILLIMETRES = frozenset(["ضخامت", "قطر", "نمره"])


def _dimension_size(tokens, k):
    """The size («10mm») a number with no unit ending at tokens[k] gives right
    after a word of IN_MILLIMETRES; None for any other number, for the first
    digits of a decimal the normalizer split («ضخامت 2 5» is 2.5 mm, not 2), and
    for a range or a list («قطر ۲۰ تا ۲۰۰»: no one size)."""
    nxt = tokens[k + 1] if k + 1 < len(tokens) else ""
    if nxt in UNITS or nxt in BY or nxt in NUMBER_LISTS or nxt.isdecimal():
        return None  # its unit follows, a size in two dimensions, a range or a list
    number = _number(tokens, k, tokens[k])
    start = k - 1 if "." in number else k
    if len(tokens[start]) > 1 and tokens[start].startswith("0"):
        return None  # a phone number
    if start >= 1 and tokens[start - 1] in IN_MILLIMETRES:
        return number + "mm"
    return None


# Words around a number that make it a count, an amount or a year, not a model:
# «ماهانه ۲۰۰ هزار عدد», «سال ۱۴۰۳», «۵۰۰ تا».
AMOUNT_BEFORE = frozenset(
    """
    ماهانه ماهیانه روزانه سالانه هفتگی حدود حدودا حداقل حداکثر بیش بالای سال
    تعداد ظرفیت تیراژ قیمت
    """.split()  # noqa: SIM905 (a word list reads better as text)
)
AMOUNT_AFTER = frozenset(
    """
    هزار میلیون میلیارد عدد تا تن بسته کیسه رول شاخه جفت نفر ساعت روز ماه سال
    تومان ریال مشتری کارتن
    """.split()  # noqa: SIM905 (a word list reads better as text)
)


def _is_model_number(tokens, k):
    """Whether the number tokens[k] names a model («بلبرینگ 6205», «الکترود ۶۰۱۳»):
    four or five digits, not a size (no unit after it), an amount (AMOUNT_BEFORE,
    AMOUNT_AFTER), a year (13xx, 14xx, 19xx, 20xx) or part of a phone number
    (a leading zero). Shorter numbers are counts and sizes with their unit left
    out («لوله 110» is the 110 mm pipe); longer ones phone numbers."""
    following = tokens[k + 1] if k + 1 < len(tokens) else ""
    before = tokens[k - 1] if k else ""
    if following in UNITS or before in AMOUNT_BEFORE or {following, stem(following)} & AMOUNT_AFTER:
        return False
    if before.isdecimal():
        return False  # the end of a phone number or of a list («0912 123 4567»)
    return _model_digits(tokens[k])


def _model_digits(number):
    """Whether these digits may be a model number (_is_model_number)."""
    if number.startswith("0") or not 4 <= len(number) <= 5:
        return False
    return not (1300 <= int(number) < 1500 or 1900 <= int(number) < 2100)


def _joined_units(tokens):
    """The tokens with each unit typed as two words (UNIT_PHRASES) one."""
    joined = []
    for word in tokens:
        if joined and (joined[-1], word) in UNIT_PHRASES:
            joined[-1] = UNIT_PHRASES[joined[-1], word]
        else:
            joined.append(word)
    return joined


@functools.lru_cache(maxsize=200_000)
def _words(text, normalized):
    result = []
    tokens = [part for w in (text if normalized else normalize(text)).split() for part in _parts(w)]
    tokens = _joined_units(tokens)
    skip = set()
    for k, word in enumerate(tokens):
        if k in skip:
            continue
        if _two_dimensions(tokens, k):
            result.append(f"{word.lstrip('0')}x{tokens[k + 2].lstrip('0')}")  # «۴۰ در ۴۰»
            skip.add(k + 1)
            if k + 3 < len(tokens) and tokens[k + 3] in UNITS:
                skip.add(k + 2)  # «۱۰۰ در ۲۰۰ سانت»: the unit is the size's
                result.append(tokens[k + 2].lstrip("0") + UNITS[tokens[k + 3]])
                skip.add(k + 3)
            else:
                skip.add(k + 2)
            continue
        if not word[0].isdecimal():
            unit = UNITS.get(word)
            if unit and k and tokens[k - 1].isdecimal():
                result.extend(n + unit for n in _listed(tokens, k - 1))
            else:
                result.extend(_word_terms(word))
            continue
        attached = _ATTACHED.match(word)
        if attached and attached.group(2) not in UNITS and _model_digits(attached.group(1)):
            result.append(attached.group(1))  # «6205ZZ» is bearing 6205 too
        if attached and attached.group(2) in UNITS:
            number, unit = attached.groups()
            result.extend(n + UNITS[unit] for n in _listed(tokens, k, number))
            continue
        if word.isdigit():
            if _is_model_number(tokens, k):
                result.append(word.lstrip("0"))
            elif size := _dimension_size(tokens, k):
                result.append(size)
            continue
        result.extend(_word_terms(word))
    return tuple(result)


# A registry has a few thousand words and a million descriptions: each word is
# worked out once (half of what reading a product's text cost).
@functools.lru_cache(maxsize=100_000)
def _word_terms(word):
    """The terms of one word that is not a number or a size: none (a stop word),
    its stem, and a model number a letter leads («E6013»)."""
    if word in STOP_WORDS:
        return ()
    stemmed = stem(word)
    if stemmed in STOP_WORDS:
        # A silent «ه» cut that lands on a stop word («زیره» → «زیر») keeps
        # the word whole; a unit's adjective («کیلویی») goes with its unit.
        if stemmed + "ه" != word:
            return ()
        stemmed = word
    if len(stemmed) < 2 or stemmed.isdigit():
        return ()
    lettered = _LETTERED.match(stemmed)
    if lettered and _model_digits(lettered.group(1)):  # «E6013» is electrode 6013 too
        return (stemmed, lettered.group(1))
    return (stemmed,)


def forget():
    """Empty the caches of words and texts (a full rematch, once its products are indexed)."""
    for cached in (_words, _word_terms, _parts, product_text, need_text):
        cached.cache_clear()


def words(text, normalized=False):
    """The meaningful words of a text, normalized and stemmed, in order.

    ``normalized``: the text is already portal.lib.text.normalize's output
    (an item's name_key)."""
    return list(_words(text or "", normalized))


@functools.cache
def generic_heads():
    """Stems of the words that take the next word with them as a head (data
    files: generic_heads.txt, and the form heads)."""
    return _listed_words("generic_heads.txt") | form_heads()


@functools.cache
def form_heads():
    """Stems of the generic heads that name a thing's form (form_heads.txt): in a
    product's name the next word is its head too."""
    return _listed_words("form_heads.txt")


def _listed_words(name):
    lines = (DATA / name).read_text(encoding="utf-8").splitlines()
    return frozenset(
        w for line in lines if line.strip() and not line.startswith("#") for w in words(line)
    )


def head(name_words):
    """(the head term, the terms that count as finding it) of a name's words.

    The head is the first word; a generic head («دستگاه») takes the next
    word with it, as one joined term, and the next word alone also finds it.
    A name of generic words only is its own head."""
    if not name_words:
        return "", ()
    first = name_words[0]
    generic = generic_heads()
    if first in generic:
        rest = [w for w in name_words[1:] if w not in generic]
        if rest:
            return first + rest[0], (first + rest[0], rest[0])
        return first, (first,)
    if len(name_words) > 1 and _is_part(first, name_words[1]):
        # «یراق آلات …»: the thing is «یراق», and the compound finds it too.
        return name_words[1], (name_words[1], first)
    if len(name_words) > 1:
        return first, (first, first + name_words[1])
    return first, (first,)


def _is_part(word, following):
    """Whether ``following`` is the first part of the compound ``word`` (_parts)."""
    return word != following and word.startswith(following) and len(following) >= 2


@dataclass(frozen=True)
class ProductText:
    terms: dict  # term → NAME or DESCRIPTION
    head: str
    pairs: dict = field(default_factory=dict)  # joined term → its first word
    # What the name says of its head besides it: OWN_WORDS, which kind («جعبه
    # پیتزا», not just «جعبه»); OWN_SIZES, which size or model («۶۲۰۶»).
    own_modifiers: int = 0
    # The terms that are its head: the head, and the word a generic head takes
    # with it («ریشه روناس» is madder) or the head joined with the next word.
    finds: tuple = ()


@dataclass(frozen=True)
class NeedText:
    terms: dict  # term → weight before rarity
    head: tuple  # the terms that find the head (a related word of it too)
    # The name's terms that say which kind of the head it is (not generic, not
    # the description's: a material in passing does not name the kind).
    modifiers: tuple = ()
    # (term, the need terms it stands for, divisions or None, the need's words)
    related: tuple = ()
    pairs: dict = field(default_factory=dict)
    written: dict = field(default_factory=dict)  # related term → the lexicon's words
    # What of OWN_WORDS, OWN_SIZES, OWN_MATERIALS the modifiers say (kinds_named),
    # joined pairs left out: they repeat their words («لوله فولادی» names a
    # material, not a use). -1: not worked out (kinds_named of the modifiers).
    kinds: int = -1


def _name_terms(name_words):
    found, pairs = {}, {}
    generic = generic_heads()
    for word in name_words:
        found.setdefault(word, "generic" if word in generic else "word")
    for first, second in pairwise(name_words):
        joined = first + second
        if _is_part(first, second) or is_size(first) or is_size(second):
            continue  # a compound and its own first part (_parts); a size joins nothing
        if joined not in found:
            found[joined] = "pair"
            pairs[joined] = first
    return found, pairs


# Bounded small: a web process that rematches a fair must not keep a registry.
@functools.lru_cache(maxsize=20_000)
def product_text(name, description="", normalized_name=False):
    name_words = words(name, normalized_name)
    found, pairs = _name_terms(name_words)
    terms = dict.fromkeys(words(description), DESCRIPTION)
    for term in found:
        terms[term] = NAME
    head_term, finds = head(name_words)
    own = 0
    for w in name_words:
        if w not in finds and w not in generic_heads() and w not in _qualifier_terms():
            own |= kind_of(w)
    if all(term.isdigit() for term in terms):
        return ProductText({}, "")  # numbers alone, as a need's (need_text)
    if name_words and name_words[0] in generic_heads() and name_words[0] not in form_heads():
        finds = (head_term,)  # «دستگاه دکمه پرس» is no button
    return ProductText(terms, head_term, pairs, own, tuple(t for t in finds if t in terms))


OWN_WORDS, OWN_SIZES, OWN_MATERIALS = 1, 2, 4

# Words of a name that say what the thing is made of («کیسه پلاستیکی», «تسمه
# PP»), and words that say how big in words («عرض ۱۲ میل»): sorts of their own
# (kind_of). A plastic strap is not another kind of «تسمه بسته بندی», but a
# paper bag is another kind of «کیسه پلاستیکی».
MATERIALS = frozenset(
    """
    پلاستیک پلاستیکی نایلون نایلونی پلیمر پلیمری فلز فلزی فولاد فولادی استیل
    آهن آهنی چدن چدنی آلومینیوم آلومینیومی آلومینیم مسی گالوانیزه چوب چوبی
    کاغذ کاغذی مقوا مقوایی شیشه شیشه‌ای پارچه پارچه‌ای کتان کتانی پنبه پنبه‌ای
    ابریشم ابریشمی سرامیک سرامیکی لاستیک لاستیکی پلی‌اتیلن پلی‌پروپیلن
    رزین رزینی وکس موم مومی سیلیکون سیلیکونی اکریلیک اکریلیکی
    pp pe pvc upvc pu abs hdpe ldpe lldpe pet eva
    """.split()  # noqa: SIM905 (a word list reads better as text)
)
DIMENSIONS = frozenset(["عرض", "طول", "قطر", "ضخامت", "ارتفاع", "عمق", "نمره"])


def kind_of(term):
    """The sort of what a term says of its head: OWN_SIZES (a size, a model, a
    dimension), OWN_MATERIALS or OWN_WORDS (which kind: a use, a type)."""
    if is_size(term) or term in _sorted_terms()[1]:
        return OWN_SIZES
    return OWN_MATERIALS if term in _sorted_terms()[0] else OWN_WORDS


@functools.cache
def _sorted_terms():
    """(the terms of MATERIALS, of DIMENSIONS)."""
    return tuple(frozenset(t for w in found for t in words(w)) for found in (MATERIALS, DIMENSIONS))


def kinds_named(modifiers):
    """What of OWN_WORDS, OWN_SIZES, OWN_MATERIALS a need's modifiers say: a
    product is another kind of the thing only by what it says of the same sort
    (another use, another size, another material), not a size against a use
    («الکترود ۶۰۱۳» for «الکترود جوشکاری»)."""
    kinds = 0
    for term in modifiers:
        kinds |= kind_of(term)
    return kinds


# Words of a need's name after which it says what the thing is for, not what it
# is: «چوب خشک برای اسکلت مبل» is dry wood; a sofa is no match.
PURPOSE_WORDS = frozenset(["برای", "جهت", "مخصوص", "ویژه", "مناسب"])


def _without_purpose(text):
    """(the text up to its first purpose word, what follows it). A text that starts
    with one has nothing before it: it is all purpose («مخصوص مبل»)."""
    tokens = text.split()
    for i, token in enumerate(tokens):
        if normalize(token) in PURPOSE_WORDS:
            return " ".join(tokens[:i]), " ".join(tokens[i + 1 :])
    return text, ""


@functools.lru_cache(maxsize=20_000)
def need_text(name, description="", normalized_name=False):
    """A need's terms, head and related words. Words in parentheses name the same
    thing another way («دستگاه خم ورق (پرس برک)»): their head finds the head too.
    What the need is for (PURPOSE_WORDS) weighs NEED_PURPOSE."""
    main, _bracket, rest = (name or "").partition("(")
    aside, _bracket, after = rest.partition(")")
    main, purpose = _without_purpose(f"{main} {after}")
    if not main.strip():  # «مخصوص مبل»: the purpose is all there is
        main, purpose = purpose, ""
    aside, aside_purpose = _without_purpose(aside)
    if not aside.strip():  # «(مخصوص آب)» says what it is for, not another name
        purpose = f"{purpose} {aside_purpose}"
    name_words = words(main, normalized_name)
    aside_words = [w for w in words(aside, normalized_name) if w not in name_words]
    found, pairs = _name_terms(name_words)
    for term, kind in _name_terms(aside_words)[0].items():
        found.setdefault(term, kind)
    weights = {"word": NEED_NAME, "generic": NEED_GENERIC, "pair": NEED_PAIR}
    terms = dict.fromkeys(words(description), NEED_DESCRIPTION)
    terms.update(dict.fromkeys(words(purpose), NEED_PURPOSE))
    for term, kind in found.items():
        terms[term] = weights[kind]
    finds = head(name_words)[1] + head(aside_words)[1]
    finds = tuple(t for t in dict.fromkeys(finds) if t in terms)
    head_words = set(name_words[:1] + aside_words[:1])
    generic = generic_heads()
    qualifiers = _qualifier_terms()
    # «ضخامت» says that a size follows, not which: sharing it is not sharing the
    # kind («قوطی ۳۰*۳۰ ضخامت ۱» is another size of «قوطی ۴۰ در ۴۰ ضخامت ۱/۵»).
    dimensions = [t for t in found if t in _sorted_terms()[1]]
    modifiers = [
        t
        for t, kind in found.items()
        if t not in finds
        and kind != "generic"
        and t not in qualifiers
        and t not in dimensions
        and not (kind == "pair" and (pairs.get(t) in head_words or pairs.get(t) in generic))
    ]
    # What it is for says which kind too: «خاک نسوز» is not the clay for bricks.
    modifiers += [t for t in words(purpose) if t not in terms or terms[t] == NEED_PURPOSE]
    modifiers = [t for t in dict.fromkeys(modifiers) if t not in finds]
    if len(name_words) > 1 and name_words[0] not in generic:
        # The head and the next word joined («مستربچ» for «مستر بچ») name the kind too.
        joined = name_words[0] + name_words[1]
        if joined in finds and name_words[1] in modifiers:
            modifiers.append(joined)
    related, head_related, seen, written = [], [], set(), {}
    for phrase, others in _phrases_in(name_words + aside_words):
        covered = set(phrase) | {a + b for a, b in pairwise(phrase)}
        covered &= set(terms)
        for (other, first, text), divisions in others:
            if covered & set(modifiers) and other not in finds:
                # «پرمیکس طیور» of a product «… مرغ …», «الکل اتیلیک» of «اتانول»:
                # the related word says which kind too.
                modifiers.append(other)
            if other in terms or other in seen:
                continue  # a related word counts once, from its longest phrase
            seen.add(other)
            related.append((other, tuple(sorted(covered)), divisions, phrase))
            written[other] = text
            if other != first:
                pairs[other] = first
            if covered & set(finds):
                head_related.append(other)
    if all(term.isdigit() for term in terms):
        return NeedText({}, ())  # numbers alone («۱۲۳۴ ۵۶۷»): a model is a model of something
    modifiers = tuple(dict.fromkeys(modifiers))
    plain = [t for t in modifiers if found.get(t) != "pair"]
    return NeedText(
        terms,
        finds + tuple(dict.fromkeys(head_related)),
        modifiers,
        tuple(related),
        pairs,
        written,
        kinds_named((*(plain or modifiers), *dimensions)),
    )


@functools.cache
def _qualifier_terms():
    return frozenset(t for q in QUALIFIERS for t in words(q))


def _phrases_in(name_words):
    """[(phrase, [(related term, divisions)])] for the lexicon's phrases in the name."""
    found = []
    table = lexicon()
    for length in (3, 2, 1):
        for start in range(len(name_words) - length + 1):
            phrase = tuple(name_words[start : start + length])
            if phrase in table:
                found.append((phrase, table[phrase]))
    return found


def phrase_term(text):
    """The one term a phrase of the lexicon stands for: its word, or its first two
    words joined (as a product's name has them)."""
    found = words(text)
    # Not a compound's own first part beside it: «یراق‌آلات» is one word here.
    # Nor the number of a lettered model beside it: «PE100» is «pe100».
    found = [
        w
        for i, w in enumerate(found)
        if not (i and (_is_part(found[i - 1], w) or (w.isdigit() and found[i - 1].endswith(w))))
    ]
    if not found:
        return "", ()
    return (found[0] if len(found) == 1 else found[0] + found[1]), tuple(found)


@functools.cache
def lexicon():
    """{phrase (stems): [((related term, its first word, as written), divisions or
    None)]}, both ways, from the CSV."""
    table = {}
    for row in lexicon_rows():
        a_term, a_phrase = phrase_term(row["word"])
        b_term, b_phrase = phrase_term(row["related"])
        divisions = frozenset(row["divisions"].split()) or None
        table.setdefault(a_phrase, []).append(((b_term, b_phrase[0], row["related"]), divisions))
        table.setdefault(b_phrase, []).append(((a_term, a_phrase[0], row["word"]), divisions))
    return table


def lexicon_rows():
    with (DATA / "lexicon.csv").open(encoding="utf-8") as handle:
        lines = [line for line in handle if not line.startswith("#")]
    return list(csv.DictReader(lines))
