"""Finding products and units by what people type.

One rule on both databases: every word of the query, normalized, must occur
in the row's normalized search text. PostgreSQL serves that containment
from a trigram GIN index and ranks by trigram similarity; SQLite scans
and ranks names that hold the words first. Both return the same rows.
"""

from django.contrib.postgres.search import TrigramSimilarity
from django.db import connection
from django.db.models import Case, IntegerField, Q, Value, When

from portal.lib.text import search_words

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
    it, then the rest (the words are in the description). On PostgreSQL,
    within those, by trigram similarity of the name when ``matches`` (the
    number of matching rows) is at most SIMILARITY_LIMIT.
    """
    text = " ".join(search_words(query))
    if not text:
        return queryset.order_by(name_field, "pk")
    place = Case(
        When(name_key__startswith=text, then=Value(3)),
        When(name_key__contains=text, then=Value(2)),
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
    code = (code or "").strip().upper()
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
