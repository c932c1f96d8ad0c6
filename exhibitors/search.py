"""Finding products and units by what people type.

One rule on both databases: every word of the query, normalized, must occur
in the row's normalized search text. PostgreSQL serves that containment
from a trigram GIN index and ranks by trigram similarity; SQLite scans
and ranks names that hold the words first. Both return the same rows.

Also here: why a row was found (its words marked in the name or in a piece
of the description, mapped back from the normalized text to what was
written), and the category picker's search.
"""

import re
import unicodedata

from django.contrib.postgres.search import TrigramSimilarity
from django.db import connection
from django.db.models import Case, F, IntegerField, Q, Value, When
from django.db.models.functions import Replace
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import mark_safe

from portal.lib.forms import persian_active
from portal.lib.text import normalize, search_words, to_ascii_digits, to_persian_digits

from .models import Category


def matching(queryset, query, field="search_text"):
    """Rows whose search text holds every word of ``query``."""
    return queryset.filter(matching_q(query, field))


def matching_q(query, field="search_text"):
    """The same rule as ``matching``, as a Q to combine with others."""
    condition = Q()
    for word in search_words(query):
        condition &= Q(**{f"{field}__contains": word})
    return condition


# Trigram similarity costs tens of microseconds a row on Persian text: rank
# by it only when the words match few enough rows to keep a page fast.
SIMILARITY_LIMIT = 2000


def uses_similarity(matches):
    return connection.vendor == "postgresql" and matches <= SIMILARITY_LIMIT


def ranked(queryset, query, *, name_field="name", matches=0):
    """Order by relevance to ``query``, best first; ties by name.

    Everywhere: a name that starts with the query, then a name that holds
    it, then a name that holds every word (apart, or together as in
    «آبمیوه» for «آب میوه»), then the rest (some word is only in the
    description). On PostgreSQL, within those, by trigram similarity of the
    name when ``matches`` (the number of matching rows) is at most
    SIMILARITY_LIMIT.
    """
    words = search_words(query)
    text = " ".join(words)
    if not text:
        return queryset.order_by(name_field, "pk")
    compacted = Replace(F("name_key"), Value(" "), Value(""))
    queryset = queryset.alias(compact_name=compacted)
    every_word = Q()
    for word in words:
        every_word &= Q(compact_name__contains=word)
    place = Case(
        When(name_key__startswith=text, then=Value(4)),
        When(name_key__contains=text, then=Value(3)),
        When(every_word, then=Value(2)),
        default=Value(1),
        output_field=IntegerField(),
    )
    order = ["-place"]
    queryset = queryset.annotate(place=place)
    if uses_similarity(matches):
        queryset = queryset.annotate(likeness=TrigramSimilarity("name_key", Value(text)))
        order.append("-likeness")
    return queryset.order_by(*order, name_field, "pk")


def category_filter(code, path="category"):
    """A Q for a category and everything below it, given an ISIC code at any level.

    The tree is small (a few hundred rows): the codes below are resolved to
    ids here, so that the search query filters on an indexed column instead
    of joining the tree. Returns None for a code that is not in the tree.
    """
    code = to_ascii_digits(code or "").strip().upper()  # «۱۷۰۲» is 1702
    try:
        category = Category.objects.get(code=code)
    except Category.DoesNotExist:
        return None
    prefixes = [code]
    if category.level == Category.Level.SECTION:
        prefixes = list(category.children.values_list("code", flat=True))
    below = Q(code=code)
    for prefix in prefixes:
        below |= Q(code__startswith=prefix)
    ids = list(Category.objects.filter(below).values_list("pk", flat=True))
    return Q(**{f"{path}_id__in": ids})


# Why a row was found: the query's words marked in its name, or in a few
# words of its description around the first one.

_TOKENS = re.compile(r"[^\s\u200c]+")
SNIPPET_LENGTH = 140
SNIPPET_BEFORE = 30


def _holds(word, compacted):
    """A test of text: does its normalized form (or, ``compacted``, that
    without spaces) hold ``word``?"""

    def test(text):
        folded = normalize(text)
        return word in folded or (compacted and word in folded.replace(" ", ""))

    return test


def _occurrences(text, tokens, holds, first_only=False):
    """Spans of ``text`` whose normalized form holds the word, left to right.

    ``tokens`` are the (start, end) of its words. Each occurrence is found by
    normalizing pieces of the original text, so every folding that search
    uses (letters, digits, marks, joined suffixes and compounds, spelled-out
    Latin letters) maps back to the characters that were written: first the
    fewest words that hold it, then the fewest characters of those.
    """
    tokens = list(tokens)
    spans = []
    pos = 0
    while pos < len(tokens) and holds(text[tokens[pos][0] : tokens[-1][1]]):
        start = tokens[pos][0]
        low, high = pos, len(tokens) - 1  # holds(text[start:tokens[high][1]]) is true
        while low < high:
            middle = (low + high) // 2
            if holds(text[start : tokens[middle][1]]):
                high = middle
            else:
                low = middle + 1
        last = low
        end = tokens[last][1]
        low, high = pos, last  # holds(text[tokens[low][0]:end]) is true
        while low < high:
            middle = (low + high + 1) // 2
            if holds(text[tokens[middle][0] : end]):
                low = middle
            else:
                high = middle - 1
        first = low
        a, b = tokens[first][0], end
        # The earliest end, then the latest start: the first occurrence in a word.
        while b - 1 > max(a, tokens[last][0]) and holds(text[a : b - 1]):
            b -= 1
        while a + 1 < min(b, tokens[first][1]) and holds(text[a + 1 : b]):
            a += 1
        while b < len(text) and unicodedata.combining(text[b]):
            b += 1  # a letter's marks (harakat) stay with it
        spans.append((a, b))
        if first_only:
            break
        if b < tokens[last][1]:
            # The rest of the word may hold the word again («کارتن‌کارتن»).
            tokens[last] = (b, tokens[last][1])
            pos = last
        else:
            pos = last + 1
    return spans


def match_spans(text, query, *, compacted=False, first_only=False):
    """Where the words of ``query`` occur in ``text``, as sorted, merged
    (start, end) character spans of the original text.

    The rule is search's: a word occurs where the normalized text holds it
    («پيچ» with an Arabic ي finds «پیچ», «ورق‌های» finds «ورق های», «۱۲»
    finds «12»). With ``compacted`` (for names) a word may also run over a
    space, as «آبمیوه» over «آب میوه». ``first_only``: the first span of each
    word only.
    """
    words = search_words(query) if isinstance(query, str) else list(query)
    if not text or not words:
        return []
    tokens = [m.span() for m in _TOKENS.finditer(text)]
    spans = []
    for word in dict.fromkeys(words):
        spans += _occurrences(text, tokens, _holds(word, compacted), first_only=first_only)
    merged = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


# A long description is looked through a few words at a time, the windows
# overlapping so that an occurrence over a few words is whole in one of them.
WINDOW = 12
STEP = 8


def first_span(text, words):
    """The first (start, end) in ``text`` of any of ``words``, or None.

    As match_spans, but the cost grows with where the first one is, not with
    the length of the text (a description of 2,000 characters).
    """
    tokens = [m.span() for m in _TOKENS.finditer(text)]
    tests = [_holds(word, False) for word in dict.fromkeys(words)]
    for i in range(0, len(tokens), STEP):
        window = tokens[i : i + WINDOW]
        piece = text[window[0][0] : window[-1][1]]
        found = [
            span
            for holds in tests
            if holds(piece)
            for span in _occurrences(text, window, holds, first_only=True)
        ]
        if found:
            return min(found)
    return None


def mark(text, spans):
    """``text`` escaped, with each span in <mark>: safe HTML."""
    parts = []
    done = 0
    for start, end in spans:
        parts.append(conditional_escape(text[done:start]))
        parts.append(format_html("<mark>{}</mark>", text[start:end]))
        done = end
    parts.append(conditional_escape(text[done:]))
    return mark_safe("".join(parts))


def snippet(text, query, *, around=None, length=SNIPPET_LENGTH):
    """A few words of ``text`` around the first word of ``query`` (or of
    ``around``, words to look for) that it holds, with every word of ``query``
    marked (safe HTML) and … where it was cut; "" if it holds none.

    About ``length`` characters cut at spaces, starting a little before the word.
    """
    words = search_words(query)
    text = " ".join((text or "").split())
    first = first_span(text, words if around is None else around)
    if not first:
        return ""
    at, at_end = first
    start = max(0, min(at - SNIPPET_BEFORE, len(text) - length))
    if start > 0:
        # Begin at a word: the first one after ``start``, or the one the match is in.
        space = text.find(" ", start - 1, at)
        start = space + 1 if space != -1 else text.rfind(" ", 0, at) + 1
    end = start + length
    if end >= len(text):
        end = len(text)
    else:
        space = text.rfind(" ", at_end, end + 1)
        if space == -1:
            space = text.find(" ", at_end)
        end = space if space != -1 else len(text)
    piece = text[start:end]
    before = "… " if start > 0 else ""
    after = " …" if end < len(text) else ""
    return format_html("{}{}{}", before, mark(piece, match_spans(piece, words)), after)


def explain(item, query):
    """Why ``item`` (a product or need) matched ``query``: sets ``item.marked_name``
    (safe HTML, the words in <mark>) and ``item.snippet`` (a marked piece of
    the description when some word is not in the name, else "")."""
    words = search_words(query)
    item.marked_name = mark(item.name, match_spans(item.name, words, compacted=True))
    missing = [w for w in words if not match_spans(item.name, [w], compacted=True, first_only=True)]
    item.snippet = snippet(item.description, query, around=missing) if missing else ""
    return item


# The category picker: suggestions as a name or code is typed, and the one
# category a typed name means.

LEVEL_RANK = {"class": 0, "group": 1, "division": 2, "section": 3}


def category_label(category):
    """«۱۵۲۰ · تولید کفش» on Persian pages, "1520 · Manufacture of footwear" on English ones."""
    code = to_persian_digits(category.code) if persian_active() else category.code
    return f"{code} · {category.name}"


def _named(text):
    """Categories whose code starts with ``text`` or whose names hold its words, best
    first, and every category by id (for their parents)."""
    text = to_ascii_digits(text or "").strip()
    if not text:
        return [], {}
    everything = list(Category.objects.all())
    by_id = {c.pk: c for c in everything}
    if text.isdigit() or (text.isascii() and len(text) == 1 and text.isalpha()):
        code = text.upper()
        matches = [c for c in everything if c.code.startswith(code)]
        # The code typed first, then classes before groups and divisions.
        matches.sort(key=lambda c: (c.code != code, LEVEL_RANK[c.level], c.code))
        return matches, by_id
    folded = normalize(text)
    words = folded.split()
    ranked = []
    for c in everything:
        names = (normalize(c.name_fa), normalize(c.name_en))
        both = " ".join(names)
        if all(w in both for w in words):
            exact = folded in names
            starts = any(name.startswith(folded) for name in names)
            ranked.append(((LEVEL_RANK[c.level], not exact, not starts, c.code), c))
    ranked.sort(key=lambda pair: pair[0])
    return [c for _key, c in ranked], by_id


def search_categories(text, limit=15):
    """Categories whose code starts with, or whose Persian or English names hold, ``text``.

    Classes first (what a unit or product usually is), then groups,
    divisions and sections; in each level a name equal to the text, then one
    that starts with it, then by code. A code typed in full comes first.
    """
    return _named(text)[0][:limit]


def _line(categories, by_id):
    """The deepest of ``categories`` if all the others are above it in the tree, else None."""
    deepest = min(categories, key=lambda c: LEVEL_RANK[c.level])
    above = set()
    node = deepest
    while node.parent_id:
        node = by_id[node.parent_id]
        above.add(node.pk)
    return deepest if all(c.pk == deepest.pk or c.pk in above for c in categories) else None


def category_named(text):
    """(the category a typed name means or None, the categories it could mean).

    A name that fits one category, or a line of them (a group and its one
    class of the same name: «تولید کفش» is group 152 and class 1520), means
    the deepest: the class. A name equal to a category's name is tried first.
    """
    matches, by_id = _named(text)
    if not matches:
        return None, []
    folded = normalize(to_ascii_digits(text))
    exact = [c for c in matches if folded in (normalize(c.name_fa), normalize(c.name_en))]
    for candidates in (exact, matches):
        if candidates and (found := _line(candidates, by_id)):
            return found, matches
    return None, matches
