"""Secret links the portal issues and keeps a row for (an invitation, and any
later one): random, stored only as their SHA-256, and looked up by it.

The link carries the raw token; the database holds ``digest(raw)``, so that a
copy of the database (a backup, a staging restore, a leaked dump) opens no
link. A token has 256 random bits: a plain SHA-256 is enough (no salt, no slow
hash), and a lookup by digest compares nothing in Python, so timing tells
nothing either. Each kind of token keeps an ``expires_at`` of its own, from a
setting (``expires_at()``).

Links that are signed rather than stored (the email confirmation, the
password reset, the SMS opt-out) need no row and are not made here.
"""

import datetime
import hashlib
import secrets

from django.utils import timezone

TOKEN_BYTES = 32


def digest(raw):
    """The stored form of a token: 64 hex digits."""
    return hashlib.sha256(raw.encode()).hexdigest()


def new_token():
    """(raw, digest): the raw token goes in the link, only the digest is stored."""
    raw = secrets.token_urlsafe(TOKEN_BYTES)
    return raw, digest(raw)


def expires_at(days, now=None):
    """When a token issued ``now`` stops working, ``days`` later."""
    return (now or timezone.now()) + datetime.timedelta(days=days)
