"""Parts of public pages kept in the shared cache between requests.

The fair page's hall lists and the plan's drawings cost most of those pages
and are the same for every visitor of a fair in one language; whole pages
are not cached (they carry a CSRF token and the user's menu). A fragment's
key holds two version numbers: one for everything (units, products: their
names are on every fair's page), one per fair (its booths and
participations, its matches). A write bumps the numbers through the change
seam (portal.lib.changes), a finished recompute bumps its fairs', and the
next request renders the fragment again. Old fragments are never read
again; they expire after FRAGMENT_SECONDS.
"""

from django.conf import settings
from django.core.cache import cache
from django.utils.translation import get_language

EVERYTHING = "fragments:v"


def _fair(pk):
    return f"fragments:v:fair:{pk}"


def _bump(key):
    # incr is atomic on every cache the portal uses; a missing key is
    # created (add is atomic too: if another process created it first,
    # increment that one).
    try:
        cache.incr(key)
    except ValueError:
        if not cache.add(key, 1, timeout=None):
            cache.incr(key)


def bump(*, fairs=(), everything=False):
    """Forget the fragments of these fairs, or of every fair."""
    if everything:
        _bump(EVERYTHING)
    for pk in set(fairs):
        _bump(_fair(pk))


def on_change(*, needs=(), products=(), units=(), fairs=(), everything=False, created=False):
    """The change seam's listener: units and products are drawn on every fair's
    page (their names, their products on the plan); booths and participations
    on their fair's. Needs change what matches, which their recompute bumps."""
    bump(fairs=fairs, everything=bool(everything or units or products))


def cached(name, fair_pk, render):
    """The fragment ``name`` of the fair in the current language: from the cache,
    or ``render()`` (any picklable value) stored for next time."""
    keys = [EVERYTHING, _fair(fair_pk)]
    versions = cache.get_many(keys)
    version = ".".join(str(versions.get(key, 0)) for key in keys)
    key = f"fragment:{name}:{fair_pk}:{get_language()}:{version}"
    value = cache.get(key)
    if value is None:
        value = render()
        cache.set(key, value, settings.FRAGMENT_SECONDS)
    return value
