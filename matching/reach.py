"""What the database rules out before an update is scored: the needs a new
product cannot enter, the products a refreshed need cannot keep.

Both use one bound on relevance (scoring.Parts.relevance): a pair is worth at
most (WORD_WEIGHT · min(1, Σ weights of the need's terms the product has) +
CATEGORY_WEIGHT · the category share they may have), times HEADLESS when the
product lacks the need's head. Every factor left out (a word found only in a
description, another kind of the same thing, the buyer's own kind, a related
word outside its divisions) only lowers relevance, so the bound never drops
a pair that could be kept; it drops most of a common head's pairs, which the
words of one term alone could not (docs/matching.md, "Updates").

A need keeps only products within CLOSE_TO_BEST of its best relevance: that
is its bar, stored with its terms (NeedTerm), and a product whose bound is
under it cannot enter.
"""

import re
from collections import defaultdict
from functools import reduce
from operator import and_, or_

import numpy as np
from django.db import connection
from django.db.models import Case, F, FloatField, Max, Q, Sum, Value, When
from django.db.models.functions import Least, Substr
from django.db.models.lookups import GreaterThanOrEqual, In

from exhibitors.models import Category, Need, Product

from . import features, tables
from .models import NeedTerm
from .scoring import (
    CATEGORY_WEIGHT,
    HEADLESS,
    LEVEL_SHARE,
    WORD_WEIGHT,
    lowest_kept,
)

# The room the bounds leave: stored weights and bars date from the need's last
# recompute (the term counts have moved a little since), relevance is stored
# to four places.
SLACK = 0.02
# Needs whose products are looked up in one query (SQLite refuses an
# expression deeper than 1,000).
NEEDS_PER_QUERY = 10


def code_of(code):
    """The ISIC code as far as it is digits, up to a class ("" under a division)."""
    for n in (4, 3, 2):
        if len(code) >= n and code[:n].isdigit():
            return code[:n]
    return ""


def bars(count, scored):
    """Per need (positions of the Items scored), the least relevance a product needs
    to enter its matches: its best kept relevance less CLOSE_TO_BEST, at least
    MIN_RELEVANCE, or FLOOR for a need with no match (scoring.lowest_kept). The
    best kept is at most the best there is: a bar too low lets more through,
    never less."""
    best = np.zeros(count)
    np.maximum.at(best, scored.need_pos, scored.relevance)
    return lowest_kept(best)


def _term_weights(weighed, key=lambda term: term):
    """({key(term): the weight of the need's other terms it has}, {key(term): the
    most the head is worth with it}): a product's word score is at most the sum
    of the first and the largest of the second over what it has (the head
    counts once, by its best word)."""
    others, heads = defaultdict(float), defaultdict(float)
    for weight, term, _divisions in weighed.others:
        others[key(term)] += weight
    for factor, term, _divisions in weighed.heads:
        heads[key(term)] = max(heads[key(term)], weighed.head_share * factor)
    return others, heads


def need_term_rows(needs, weights, need_bars):
    """(need, term, weight, head, code, bar) of each term of each need: a term of
    the head and one of the others are rows of their own."""
    for i, weighed in enumerate(weights):
        if not weighed:
            continue
        need, code, bar = int(needs.ids[i]), code_of(needs.codes[i]), float(need_bars[i])
        others, heads = _term_weights(weighed, lambda t: t[:200])
        for head, found in ((False, others), (True, heads)):
            for term, weight in found.items():
                yield need, term, weight, head, code, bar


def write_need_terms(needs, weights, need_bars, table="matching_needterm"):
    write_term_rows(need_term_rows(needs, weights, need_bars), table)


def write_term_rows(rows, table="matching_needterm"):
    if connection.vendor == "postgresql":
        columns = "need_id, term, weight, head, code, bar"
        with (
            connection.cursor() as cursor,
            cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy,
        ):
            for row in rows:
                copy.write_row(row)
        return
    NeedTerm.objects.bulk_create(
        (NeedTerm(need_id=n, term=t, weight=w, head=h, code=c, bar=b) for n, t, w, h, c, b in rows),
        batch_size=5000,
    )


class Rewrite:
    """Every need's terms written anew, by a full rematch.

    On PostgreSQL (the rematch is one transaction) into a temporary table, then
    into a fresh NeedTerm (matching/tables.py) in term order at the end: a new
    product reads the rows of its terms, and rows side by side are a few pages
    where rows in need order were a page each (190 ms for 60,000 rows at 30k
    units, 60 ms in term order). Elsewhere NeedTerm is emptied first and
    written block by block."""

    STAGING = "matching_needterm_new"
    COLUMNS = "need_id, term, weight, head, code, bar"

    def __init__(self):
        self.postgresql = connection.vendor == "postgresql"
        if not self.postgresql:
            NeedTerm.objects.all().delete()
            return
        with connection.cursor() as cursor:
            cursor.execute(
                f"CREATE TEMPORARY TABLE {self.STAGING} (need_id integer, term varchar(200), "
                "weight double precision, head boolean, code varchar(4), bar double precision) "
                "ON COMMIT DROP"
            )

    def write(self, rows):
        """need_term_rows of a block of needs."""
        write_term_rows(rows, self.STAGING if self.postgresql else NeedTerm._meta.db_table)

    def finish(self):
        """The fresh NeedTerm (tables.Fresh) to swap in, or None (not PostgreSQL)."""
        if not self.postgresql:
            return None
        fresh = tables.Fresh(NeedTerm._meta.db_table)
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {fresh.name} ({self.COLUMNS}) "
                f"SELECT {self.COLUMNS} FROM {self.STAGING} ORDER BY term, need_id"
            )
            cursor.execute(f"DROP TABLE {self.STAGING}")
        return fresh


def candidate_needs(products):
    """Needs the products may enter (a superset): those whose bound (above), from
    the terms they share with any of the products and the closest category,
    reaches their bar."""
    found = sorted({t[:200] for terms_of in products.terms for t in terms_of})
    codes = {code_of(code) for code in products.codes}
    share = [
        When(In(Substr("code", 1, n), sorted(prefixes)), then=Value(LEVEL_SHARE[n]))
        for n in (4, 3, 2)
        if (prefixes := {c[:n] for c in codes if len(c) >= n})
    ]
    if any(len(c) >= 2 for c in codes):
        # A need without a category may be read in the products' division
        # (scoring._category_shares): at most that, whatever its unit buys.
        share.append(When(code="", then=Value(LEVEL_SHARE[2])))
    category = Case(*share, default=Value(0.0), output_field=FloatField()) if share else Value(0.0)
    rows = NeedTerm.objects.filter(term__among=found)
    if connection.vendor == "postgresql":
        # A need without its head among these terms keeps HEADLESS of at most 1:
        # one whose bar is above that cannot be entered, and its rows are not
        # summed (a common word's rows are most of them). Not on SQLite, where
        # the terms are parameters and the subquery would send them twice.
        headed = rows.filter(head=True).values("need_id")
        rows = rows.filter(Q(bar__lte=HEADLESS + SLACK) | Q(need_id__in=headed))
    bound = (
        rows.values("need_id", "code", "bar")
        .annotate(
            words=Sum(Case(When(head=False, then="weight"), default=Value(0.0)))
            + Max(Case(When(head=True, then="weight"), default=Value(0.0))),
            head_factor=Max(
                Case(When(head=True, then=Value(1.0)), default=Value(HEADLESS)),
                output_field=FloatField(),
            ),
        )
        .annotate(
            bound=(WORD_WEIGHT * Least("words", Value(1.0)) + CATEGORY_WEIGHT * category)
            * F("head_factor")
        )
        .filter(bound__gte=F("bar") - SLACK)
    )
    # Read first, then the needs by their ids: as a subquery, PostgreSQL took
    # the few dozen needs it finds for thousands and joined every unit to them
    # (62 ms for a carton at 30k units, 13 of them reading the units).
    return Need.objects.filter(pk__among=sorted(set(bound.values_list("need_id", flat=True))))


def within_reach(needs, weights, floors):
    """Products that may reach the floor of relevance given for any of the needs
    (a superset). The words a product has are looked for in its search text,
    a joined term by its first word (which the text holds as written)."""
    conditions = []
    categories = list(Category.objects.values_list("code", "pk"))
    for i, weighed in enumerate(weights):
        if weighed:
            code = code_of(needs.codes[i])
            within = {
                n: [pk for c, pk in categories if c.startswith(code[:n])]
                for n in (4, 3, 2)
                if len(code) >= n
            }
            if not code and needs.read_in[i]:
                # Read in its unit's divisions (scoring._category_shares).
                divisions = {f"{d:02d}" for d in needs.read_in[i]}
                within = {2: [pk for c, pk in categories if c[:2] in divisions]}
            condition = _reaching(weighed, needs.features[i].pairs, code, within, floors[i])
            if condition is not None:
                conditions.append(condition)
    if not conditions:
        return Product.objects.none()
    if len(conditions) <= NEEDS_PER_QUERY:
        return Product.objects.filter(reduce(or_, conditions))
    query = Q(pk__in=[])
    for start in range(0, len(conditions), NEEDS_PER_QUERY):
        part = reduce(or_, conditions[start : start + NEEDS_PER_QUERY])
        query |= Q(pk__in=Product.objects.filter(part).values("pk"))
    return Product.objects.filter(query)


def _reaching(weighed, pairs, code, within, floor):
    """The condition on a product to reach ``floor`` for this need (``code``: its
    ISIC code, code_of; ``within``: {level: the category pks under its code's
    prefix of that length}): the words it must have at each category level it
    may share, as conditions indexes can serve, and the bound."""
    others, heads = _term_weights(weighed, lambda t: _searchable(pairs.get(t, t)))
    # A text with two words of the head counts both: more than there is, never less.
    weights = {t: others.get(t, 0.0) + heads.get(t, 0.0) for t in others.keys() | heads.keys()}
    found, coarser = None, []
    # From the level that holds every product to the finest: a set of words a
    # coarser level asks for already is not asked for again (each is an index
    # scan, 1.5-3.5 ms at 30k units).
    for n in (0, *reversed(within)):
        needed = (floor - SLACK - CATEGORY_WEIGHT * LEVEL_SHARE.get(n, 0.0)) / WORD_WEIGHT
        wanted = [c for c in _holding(weights, needed) if not any(d <= c for d in coarser)]
        # Within a level too: a word alone makes its pairs redundant.
        wanted = [c for c in wanted if not any(d < c for d in wanted)]
        if not wanted:
            continue
        coarser += wanted
        holding = reduce(or_, (_all(sorted(c)) for c in sorted(wanted, key=sorted)))
        if n:
            holding &= Q(category_id__in=within[n])
        found = holding if found is None else found | holding
    if found is None:
        return None
    words = _sum(
        [
            Value(weight)
            * Case(
                When(_contains(text), then=Value(1.0)),
                default=Value(0.0),
                output_field=FloatField(),
            )
            for text, weight in sorted(weights.items())
        ]
    )
    share = [
        When(category_id__in=within[n], then=Value(LEVEL_SHARE[n]))
        for n in (4, 3, 2)
        if n in within
    ]
    category = Case(*share, default=Value(0.0), output_field=FloatField()) if share else Value(0.0)
    head = (
        Case(
            When(_any(sorted(heads)), then=Value(1.0)),
            default=Value(HEADLESS),
            output_field=FloatField(),
        )
        if heads
        else Value(HEADLESS)
    )
    bound = (WORD_WEIGHT * Least(words, Value(1.0)) + CATEGORY_WEIGHT * category) * head
    return found & GreaterThanOrEqual(bound, floor - SLACK)


def _searchable(term):
    """What a product's search text holds of a term: the term itself (a stem is part
    of the word). A size («4mm», «0.3mm») it holds as typed, its last number
    with one of the unit's spellings («4 میل», «4mm», «3 میل» of «0 3 میل»):
    those, joined by SPELLINGS (_contains)."""
    if not features.is_size(term):
        return term
    if by := re.fullmatch(r"([0-9]+)x([0-9]+)", term):
        # Two dimensions (features._two_dimensions): «40x40», «40 x 40», «40 در 40».
        a, b = by.groups()
        return SPELLINGS.join([f"{a}x{b}", *(f"{a} {w} {b}" for w in sorted(features.BY))])
    number, unit = re.match(r"(?:[0-9]+\.)?([0-9]+)(.*)", term).groups()
    if not unit:
        return number  # a model number («6205»)
    spelled = sorted(w for w, canonical in features.UNITS.items() if canonical == unit)
    if not spelled:
        return term  # not a size: «6205zz», «2rs», as the text holds it
    texts = {f"{number}{sep}{w}" for w in spelled for sep in ("", " ")}
    # A unit typed as two words (features.UNIT_PHRASES): «2 کیلو وات».
    texts |= {
        f"{number}{sep}{a} {b}"
        for (a, b), joined in features.UNIT_PHRASES.items()
        if features.UNITS[joined] == unit
        for sep in ("", " ")
    }
    # A number of a list the unit comes after (features._listed): «800 و 400 گرمی».
    texts |= {f"{number} {word} " for word in sorted(features.NUMBER_LISTS)}
    texts = sorted(texts, key=len)
    kept = [t for i, t in enumerate(texts) if not any(k in t for k in texts[:i])]
    return SPELLINGS.join(kept)


# Between the spellings of one term (_searchable): a character no text has.
SPELLINGS = "\x00"


def _contains(text):
    return reduce(or_, (Q(search_text__contains=t) for t in text.split(SPELLINGS)))


def _sum(expressions):
    """Their sum as a balanced tree: a need of many words must not nest deeper
    than Python's recursion or SQLite's expressions allow."""
    if len(expressions) == 1:
        return expressions[0]
    middle = len(expressions) // 2
    return _sum(expressions[:middle]) + _sum(expressions[middle:])


# Past this many term pairs a need's condition is one of its heavy terms alone.
MOST_PAIRS = 200


def _holding(weights, needed):
    """Sets of terms (one or two), one of which every text whose terms' weights
    add up to ``needed`` has (none: none can): one of the heavy terms (_heavy),
    and unless that one is enough, one of the heavy terms of the rest."""
    heavy = _heavy(weights, needed)
    if len(heavy) * len(weights) > MOST_PAIRS:
        return {frozenset([text]) for text in heavy}
    found = set()
    for text in heavy:
        rest = needed - weights[text]
        if rest <= 1e-9:
            found.add(frozenset([text]))
            continue
        for other in _heavy({t: w for t, w in weights.items() if t != text}, rest):
            found.add(frozenset([text, other]))
    return found


def _heavy(weights, needed):
    """The terms outside the longest run of the lightest whose weights add up to
    less than ``needed``: a text without one of them cannot reach it."""
    found, running = [], 0.0
    for text, weight in sorted(weights.items(), key=lambda e: (e[1], e[0])):
        if running + weight >= needed - 1e-9:
            found.append(text)
        running += weight
    return found


def _any(texts):
    return reduce(or_, (_contains(t) for t in texts))


def _all(texts):
    return reduce(and_, (_contains(t) for t in texts))
