"""Finding products and units by what people type.

One rule on both databases: every word of the query, normalized, must occur
in the row's normalized search text. PostgreSQL serves that containment
from a trigram GIN index and ranks by trigram similarity; SQLite scans
and ranks names that hold the words first. Both return the same rows.
"""

from django.contrib.postgres.search import TrigramSimilarity
from django.db import connection
from django.db.models import Case, FloatField, Q, Value, When

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


def ranked(queryset, query, *, name_field="name", field="search_text"):
    """Order by relevance to ``query``, best first; ties by name."""
    text = " ".join(search_words(query))
    if not text:
        return queryset.order_by(name_field)
    if connection.vendor == "postgresql":
        # Every row holds the words; the closer the whole text, the higher.
        relevance = TrigramSimilarity(field, Value(text))
    else:
        starts = [When(**{f"{field}__startswith": text}, then=Value(1.0))]
        relevance = Case(*starts, default=Value(0.5), output_field=FloatField())
    return queryset.annotate(relevance=relevance).order_by("-relevance", name_field)


def category_filter(code, path="category"):
    """A Q for a category and everything below it, given an ISIC code at any level.

    Returns None for a code that is not in the tree.
    """
    code = (code or "").strip().upper()
    try:
        category = Category.objects.get(code=code)
    except Category.DoesNotExist:
        return None
    if category.level == Category.Level.SECTION:
        divisions = list(category.children.values_list("code", flat=True))
        condition = Q(**{f"{path}__code": code})
        for division in divisions:
            condition |= Q(**{f"{path}__code__startswith": division})
        return condition
    return Q(**{f"{path}__code__startswith": code})
