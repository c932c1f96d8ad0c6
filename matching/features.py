"""What matching compares: the words of a name and a description, and a category code.

One function turns an item's text into its terms, for needs and products
alike, on top of the portal's normalizer (portal/lib/text.py): Arabic
letters, digits, the zero-width non-joiner and «ها» typed apart or together
are already one form there. Here plural endings go, words that say nothing
(«و», «برای», «انواع» …) and single letters are dropped, and two neighbouring
words of a name also count joined («آب میوه» meets «آبمیوه»).
"""

import functools
from itertools import pairwise

from portal.lib.text import normalize

NAME = 1.0
DESCRIPTION = 0.4

STOP_WORDS = frozenset(
    """
    و در به از با برای که را این آن یا تا بر هم نیز اما ولی یک دو سه هر همه
    است هست بود شود شده کند کنند کرد دارد دارای داریم می نمی ما شما آنها ایشان
    انواع نوع نوعی مورد جهت توسط طبق روی زیر بین پس پیش بدون همراه مانند مثل
    غیره سایر دیگر خیلی بسیار کم زیاد عدد تعداد ماه ماهانه سال کیلو کیلوگرم تن
    عدد متر مترمربع لیتر بسته جفت دستگاه کالا محصول محصولات تولید تولیدی
    خرید فروش نیاز نیازمند
    the and of for to in with a an or by on from
    """.split()  # noqa: SIM905 (a word list reads better as text)
)
# Endings that make the same word plural or possessive: «کارتن‌ها», «ورقهای».
SUFFIXES = ("هایی", "های", "ها")


def stem(word):
    """A light stem, the same for needs and products, so that forms of one word meet:

    - plural endings go: «کارتن‌ها», «کارتنهای» → «کارتن»;
    - a final silent «ه» goes, so that «پنبه» and «پنبه‌ای» (which the
      normalizer writes «پنبهای», like a plural) meet at «پنب»;
    - «ی» after «ا» or «و» goes: «مقوای» → «مقوا», «گاوی» → «گاو», «مربایی» → «مربا».

    A rare wrong cut («کره» → «کر») still compares equal to itself.
    """
    for suffix in SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 2:
            word = word[: -len(suffix)]
            break
    if word.endswith("یی") and len(word) >= 4:
        word = word[:-1]
    if word.endswith("ی") and len(word) >= 3 and word[-2] in "او":
        word = word[:-1]
    if word.endswith("ه") and len(word) >= 3:
        word = word[:-1]
    return word


@functools.lru_cache(maxsize=200_000)
def _words(text, normalized):
    result = []
    for word in (text if normalized else normalize(text)).split():
        if word in STOP_WORDS:
            continue
        word = stem(word)
        if len(word) >= 2 and word not in STOP_WORDS and not word.isdigit():
            result.append(word)
    return tuple(result)


def words(text, normalized=False):
    """The meaningful words of a text, normalized and stemmed, in order.

    ``normalized``: the text is already portal.lib.text.normalize's output
    (an item's name_key)."""
    return list(_words(text or "", normalized))


def terms(name, description="", normalized_name=False):
    """{term: field weight}: a name's words (and joined pairs) weigh NAME, the
    description's other words DESCRIPTION."""
    name_words = words(name, normalized_name)
    found = dict.fromkeys(words(description), DESCRIPTION)
    for word in name_words:
        found[word] = NAME
    for first, second in pairwise(name_words):
        found[first + second] = NAME
    # A name typed as one word still meets its parts' join: «آبمیوه» is a term
    # already; «آب میوه» added «آبمیوه» above.
    return found
