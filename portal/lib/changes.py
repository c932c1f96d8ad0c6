"""Tell whoever keeps derived data (the matching engine) what was written.

Writers (services, views, the admin, imports) call ``changed()`` right after
a write, naming what they changed by pk; the matching app registers its
handler in its AppConfig.ready(). So every write path says so where it
writes, and the apps below matching in the layers never import it. The
handlers run when the transaction commits, not for rolled-back writes.
"""

from django.db import transaction

_listeners = []


def listen(handler):
    """Call ``handler(needs=, products=, units=, fairs=, everything=, created=)`` after
    each change."""
    if handler not in _listeners:
        _listeners.append(handler)


def changed(*, needs=(), products=(), units=(), fairs=(), everything=False, created=False):
    """Needs, products, units (their place or name) or fairs (booths,
    participations) changed; ``created``: the products are new; ``everything``
    for bulk imports."""
    what = {
        "needs": set(needs),
        "products": set(products),
        "units": set(units),
        "fairs": set(fairs),
        "everything": everything,
        "created": created,
    }

    def notify():
        for handler in _listeners:
            handler(**what)

    # robust: the write has committed; a failing handler is logged, and the
    # page (and any other after-commit work, such as emails) goes on.
    transaction.on_commit(notify, robust=True)
