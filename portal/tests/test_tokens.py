"""portal/lib/tokens.py: random tokens stored as their SHA-256 (issue 13, item 7)."""

import datetime
import hashlib

from django.utils import timezone

from portal.lib import tokens


def test_a_new_token_is_random_url_safe_and_comes_with_its_digest():
    raw, digest = tokens.new_token()
    other, _ = tokens.new_token()
    assert raw != other and len(raw) == 43
    assert all(c.isalnum() or c in "-_" for c in raw)
    assert digest == hashlib.sha256(raw.encode()).hexdigest() == tokens.digest(raw)
    assert len(digest) == 64 and raw not in digest


def test_an_expiry_is_days_from_now_or_from_a_given_time():
    when = timezone.now()
    assert tokens.expires_at(14, when) == when + datetime.timedelta(days=14)
    assert tokens.expires_at(1) > when
