"""Failed sign-ins, counted so that guessing stops and nobody else can lock
an account out.

Every login form checks before it tries and counts when it fails: the
password login (the admin's too: its login is that page, sites.py) and the
codes by SMS, asked for and typed (services.request_code, check_code):

- settings.LOGIN_FAILURES_PER_PAIR: the failures of one account, as typed
  and normalized (identifier()), from one client address. A success clears
  them. The count is the pair's: someone guessing from elsewhere does not
  lock the owner out at their own address.
- settings.LOGIN_FAILURES_PER_CLIENT: every failure from one client address,
  over every account; a success does not clear it. High, a ceiling on
  guessing many accounts: carriers and a venue's Wi-Fi put many people
  behind one address.

Once a limit's failures are reached, every try until its window ends raises
LockedOut (the views answer 429 with the lock-out page): five wrong
passwords are answered as wrong, the sixth try, right or wrong, is refused.
Counted by django-ratelimit on the shared cache (settings.CACHES), the client
address through accounts.clients (TRUSTED_PROXIES). Its windows are fixed,
each key's shifted by a hash of it: a lock-out lasts until its window ends.
"""

import hashlib
import logging

from django.conf import settings
from django.core.cache import caches
from django.core.exceptions import ValidationError
from django_ratelimit import ALL
from django_ratelimit.core import _get_ip, _get_window, _make_cache_key, _split_rate, get_usage

from portal.lib import identifiers
from portal.lib.text import to_ascii_digits

logger = logging.getLogger(__name__)

PASSWORD = "password"
CODE = "code"
# Not sign-ins, but answered by the same page: too many sign-ups or reset
# mails asked for from one client address (services.count_client).
SIGNUP = "signup"
RESET = "reset"

CLIENT_GROUP = "accounts.login.client"


class LockedOut(Exception):
    """Too many failures (or requests): nothing more until ``seconds`` have passed."""

    def __init__(self, kind, seconds):
        super().__init__(kind, seconds)
        self.kind = kind
        # A window still counts in its last second: the next one starts after it.
        self.seconds = max(int(seconds), 0) + 1

    @property
    def minutes(self):
        return -(-self.seconds // 60)


def identifier(typed):
    """The account as typed, the way the login reads it: a mobile as
    09xxxxxxxxx (typed any way), anything else stripped and lower-cased."""
    text = to_ascii_digits(str(typed or ""))[:254].strip()
    try:
        return identifiers.clean_mobile(text)
    except ValidationError:
        return text.lower()


def _pair(kind, account, request):
    # _get_ip: the client address as django-ratelimit's "ip" key reads it
    # (RATELIMIT_IP_META_KEY, IPv6 by its /64), so that both counts agree.
    # Hashed: the cache's keys are hashed anyway, and this keeps its length bounded.
    digest = hashlib.sha256(account.encode()).hexdigest()
    return f"{kind}:{digest}|{_get_ip(request)}"


def _usages(request, kind, account, *, increment):
    group = f"accounts.{kind}.pair"
    value = _pair(kind, account, request)
    usages = [
        get_usage(
            request,
            group=group,
            key=lambda g, r: value,
            rate=settings.LOGIN_FAILURES_PER_PAIR,
            increment=increment,
        ),
        get_usage(
            request,
            group=CLIENT_GROUP,
            key="ip",
            rate=settings.LOGIN_FAILURES_PER_CLIENT,
            increment=increment,
        ),
    ]
    # None: RATELIMIT_ENABLE is off. A cache that fails answers "limit" (closed).
    return [usage for usage in usages if usage is not None]


def _raise_if_over(kind, usages):
    over = [usage for usage in usages if usage["count"] >= usage["limit"]]
    if over:
        raise LockedOut(kind, max(usage["time_left"] for usage in over))


def check(request, kind, account):
    """Before a try: raises LockedOut if the pair or the client address has
    had its failures."""
    _raise_if_over(kind, _usages(request, kind, account, increment=False))


def failed(request, kind, account):
    """Count a failed try. True if it was the last one allowed: the next
    raises LockedOut."""
    usages = _usages(request, kind, account, increment=True)
    reached = any(usage["count"] == usage["limit"] for usage in usages)
    if reached:
        logger.warning("sign-in locked out: %s from %s", kind, _get_ip(request))
    return reached


def succeeded(request, kind, account):
    """A right password or code: the pair starts again from nothing (the
    client address's count stays)."""
    rate = settings.LOGIN_FAILURES_PER_PAIR
    value = _pair(kind, account, request)
    window = _get_window(value, _split_rate(rate)[1])
    key = _make_cache_key(f"accounts.{kind}.pair", window, rate, value, ALL)
    caches[getattr(settings, "RATELIMIT_USE_CACHE", "default")].delete(key)
