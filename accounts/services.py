"""Signing in with a mobile and a one-time code; verifying and changing numbers.

Limits: a code lives CODE_LIFETIME and takes CODE_TRIES wrong tries; a number
gets settings.CODES_PER_NUMBER codes and a client address
settings.CODES_PER_CLIENT, counted by django-ratelimit on the shared cache;
one code a RESEND_AFTER. Every outcome is an Event row. Wrong codes also
count as failed sign-ins (throttle.py: per number and client address, and per
client address), as wrong passwords do.

Sign-up with an email makes nothing until the address is proved: a link
mailed to it (start_email_signup, finish_email_signup); an address that has an
account already gets a note instead, and the page says the same either way.
"""

import datetime
import hashlib
import hmac
import logging
import secrets
import urllib.parse

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q, Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _
from django_ratelimit.core import get_usage

from messaging import services as messaging
from messaging.models import Message
from portal.lib.forms import persian_active
from portal.lib.text import to_ascii_digits, to_persian_digits

from . import throttle
from .clients import client_address
from .models import Account, Event, LoginCode

logger = logging.getLogger(__name__)

CODE_LIFETIME = datetime.timedelta(minutes=2)
CODE_TRIES = 5
# Wrong tries a number may have in a day, over all its codes: without it each
# new code would bring five new guesses.
WRONG_TRIES_A_DAY = 20
RESEND_AFTER = datetime.timedelta(seconds=60)


def log(kind, *, request=None, user=None, number="", detail="", by=None):
    return Event.objects.create(
        kind=kind,
        user=user if user is not None and user.pk else None,
        number=number,
        detail=detail[:200],
        client=client_address(request) if request is not None else None,
        by=by,
    )


def _digest(number, purpose, code):
    return salted_hmac("accounts.code", f"{number}:{purpose}:{code}").hexdigest()


def _usage(request, group, key, rate, increment):
    return get_usage(request, group=group, key=key, rate=rate, increment=increment) or {
        "should_limit": False,
        "time_left": 0,
    }


def next_code_at(number, purpose, request, now=None):
    """When this number may be sent its next code (``now``, if it may now)."""
    now = now or timezone.now()
    when = now
    last = LoginCode.objects.filter(number=number, purpose=purpose).order_by("-created_at").first()
    if last is not None:
        when = max(when, last.created_at + RESEND_AFTER)
    for usage in _limits(request, number, increment=False):
        if usage["should_limit"]:
            # A window still counts in its last second: the next one starts after it.
            left = max(usage["time_left"], 0) + 1
            when = max(when, now + datetime.timedelta(seconds=left))
    return when


def _limits(request, number, *, increment):
    return [
        _usage(
            request,
            "accounts.code.number",
            lambda g, r: number,
            settings.CODES_PER_NUMBER,
            increment,
        ),
        _usage(request, "accounts.code.client", "ip", settings.CODES_PER_CLIENT, increment),
    ]


def wrong_tries_today(number):
    since = timezone.now() - datetime.timedelta(days=1)
    return (
        LoginCode.objects.filter(number=number, created_at__gte=since).aggregate(n=Sum("tries"))[
            "n"
        ]
        or 0
    )


def _locked(number):
    if wrong_tries_today(number) >= WRONG_TRIES_A_DAY:
        return ValidationError(
            _(
                "Too many wrong codes for this number today. Try again tomorrow, or ask "
                "the organizers."
            ),
            code="locked",
        )
    return None


def request_code(*, request, number, purpose, user=None, nonce=""):
    """Send a new code to ``number`` by SMS, unless a limit says not yet.

    ``nonce``: the asking session's; a new code uses up only the live codes
    this session asked for. Side effects: a LoginCode; an urgent SMS; an
    Event. Raises ValidationError: "wait" (with the time a code may be asked
    for again), "locked" (too many wrong tries today).
    """
    now = timezone.now()
    if locked := _locked(number):
        log(Event.Kind.CODE_LIMIT, request=request, user=user, number=number, detail="locked")
        raise locked
    # A pair locked out by wrong codes gets no new code to try (and sends no SMS).
    throttle.check(request, throttle.CODE, number)
    when = next_code_at(number, purpose, request, now)
    if when > now:
        log(Event.Kind.CODE_LIMIT, request=request, user=user, number=number)
        raise _wait(when)
    if any(usage["should_limit"] for usage in _limits(request, number, increment=True)):
        log(Event.Kind.CODE_LIMIT, request=request, user=user, number=number)
        raise _wait(next_code_at(number, purpose, request))
    code = f"{secrets.randbelow(10**6):06d}"
    with transaction.atomic():
        LoginCode.objects.live(now).filter(number=number, purpose=purpose, nonce=nonce).update(
            used_at=now
        )
        login_code = LoginCode.objects.create(
            number=number,
            purpose=purpose,
            user=user,
            digest=_digest(number, purpose, code),
            expires_at=now + CODE_LIFETIME,
            nonce=nonce,
        )
        messaging.send_sms(to=number, text=code_text(code), purpose=Message.Purpose.CODE)
        log(Event.Kind.CODE_SENT, request=request, user=user, number=number, detail=purpose)
    return login_code


def code_text(code):
    # The last line lets a phone's browser fill the code in by itself (WebOTP).
    host = urllib.parse.urlsplit(settings.SITE_URL).hostname or "localhost"
    return _("Hamsaye code: %(code)s\nDo not give it to anyone.") % {"code": code} + (
        f"\n\n@{host} #{code}"
    )


def format_time(when):
    """13:05:09 in Tehran's time, in Persian digits on Persian pages."""
    text = timezone.localtime(when).strftime("%H:%M:%S")
    return to_persian_digits(text) if persian_active() else text


def _wait(when):
    return ValidationError(
        _("Please wait: you can ask for a new code at %(time)s.") % {"time": format_time(when)},
        code="wait",
        params={"at": when},
    )


def check_code(*, request, number, purpose, code, user=None, nonce=""):
    """Use up the live code for ``number``, ``purpose`` and the session's ``nonce``
    if ``code`` is it.

    Side effects: the code's tries, or its use; an Event on a wrong code.
    Raises ValidationError: "expired" (none live: never sent, expired, or
    used), "tries" (too many wrong tries), "wrong", "locked" (too many wrong
    tries today), "wait" (too many tries from this client address). Raises
    throttle.LockedOut: too many wrong codes for this number from this client
    address, or from this client address, before this one.
    """
    code = to_ascii_digits(code or "").strip().replace(" ", "")
    now = timezone.now()
    if locked := _locked(number):
        raise locked
    throttle.check(request, throttle.CODE, number)
    usage = _usage(request, "accounts.check.client", "ip", settings.CODE_CHECKS_PER_CLIENT, True)
    if usage["should_limit"]:
        raise _wait(now + datetime.timedelta(seconds=max(usage["time_left"], 0) + 1))
    with transaction.atomic():
        login_code = (
            LoginCode.objects.select_for_update()
            .filter(number=number, purpose=purpose, used_at__isnull=True, nonce=nonce)
            .order_by("-created_at")
            .first()
        )
        if login_code is None or login_code.expires_at <= now:
            raise ValidationError(
                _("This code has expired or was already used. Ask for a new one."),
                code="expired",
            )
        if user is not None and login_code.user_id not in (None, user.pk):
            raise ValidationError(_("This code was sent for another account."), code="expired")
        if login_code.tries >= CODE_TRIES:
            raise ValidationError(
                _("This code was tried too many times. Ask for a new one."), code="tries"
            )
        wrong = not hmac.compare_digest(login_code.digest, _digest(number, purpose, code))
        if wrong:
            # Counted and logged, then raised outside the block: raising inside
            # would roll the count back, and the tries would be endless.
            login_code.tries += 1
            login_code.save(update_fields=["tries"])
            log(Event.Kind.CODE_WRONG, request=request, user=user, number=number)
        else:
            login_code.used_at = now
            login_code.save(update_fields=["used_at"])
    if wrong:
        if throttle.failed(request, throttle.CODE, number):
            log(Event.Kind.CODE_LIMIT, request=request, user=user, number=number, detail="lockout")
        left = CODE_TRIES - login_code.tries
        if left == 0:
            raise ValidationError(
                _("Wrong code, and that was the last try. Ask for a new one."), code="tries"
            )
        raise ValidationError(
            _("Wrong code. Tries left: %(left)s.")
            % {"left": to_persian_digits(str(left)) if persian_active() else left},
            code="wrong",
            params={"left": left},
        )
    throttle.succeeded(request, throttle.CODE, number)
    return login_code


def staff_refused():
    return ValidationError(_("Organizers sign in with their password, then a code."), code="staff")


def privileged(user):
    """Organizers and administrators: the second factor is theirs."""
    return user.is_staff or user.is_superuser


def sign_in_with_code(*, request, number, code, nonce=""):
    """The person proved ``number``: their account, made now if it is new.

    Returns (user, created). Side effects: the code used; a User and an
    Account on first use; Events. Staff accounts need their password too.
    """
    account = Account.objects.select_related("user").filter(mobile=number).first()
    if account is not None and privileged(account.user):
        raise staff_refused()
    if account is not None and not account.user.is_active:
        # As Django's password login: the backend would refuse them anyway.
        raise ValidationError(_("This account is inactive."), code="inactive")
    check_code(
        request=request, number=number, purpose=LoginCode.Purpose.SIGN_IN, code=code, nonce=nonce
    )
    created = False
    with transaction.atomic():
        if account is None:
            user = get_user_model().objects.create_user(username=_free_username(number))
            account = Account.objects.create(
                user=user, mobile=number, mobile_verified_at=timezone.now()
            )
            created = True
            log(Event.Kind.SIGNED_UP, request=request, user=user, number=number)
        elif account.mobile_verified_at is None:
            account.mobile_verified_at = timezone.now()
            account.save(update_fields=["mobile_verified_at"])
        log(Event.Kind.SIGNED_IN, request=request, user=account.user, number=number)
    return account.user, created


def _free_username(number):
    """The number, unless an account made with it before (since moved to another
    number) still has it as its username."""
    users = get_user_model().objects
    username = number
    while users.filter(username=username).exists():
        username = f"{number}-{secrets.token_hex(2)}"
    return username


# A sign-up's link works this long; its email and password hash wait in the
# shared cache until then (nothing is written to the database before).
SIGNUP_LINK_DAYS = 3


def count_client(request, kind):
    """A sign-up (throttle.SIGNUP) or a password reset (throttle.RESET) asked
    for from this client address. Raises throttle.LockedOut beyond
    settings.SIGNUPS_PER_CLIENT or settings.RESET_MAILS_PER_CLIENT."""
    rate = {
        throttle.SIGNUP: settings.SIGNUPS_PER_CLIENT,
        throttle.RESET: settings.RESET_MAILS_PER_CLIENT,
    }[kind]
    usage = _usage(request, f"accounts.{kind}.client", "ip", rate, True)
    if usage["should_limit"]:
        raise throttle.LockedOut(kind, usage["time_left"])


def _mail_allowed(request, kind, email, rate):
    """One more mail of ``kind`` to ``email`` within ``rate``? Beyond it,
    nothing is sent and nothing is said: the page is the same."""
    usage = _usage(request, f"accounts.{kind}.address", lambda g, r: email, rate, True)
    if usage["should_limit"]:
        logger.info("%s mail not sent: limit for the address reached", kind)
        return False
    return True


def reset_mail_allowed(request, email):
    """May a password reset for ``email`` mail its link? Counts the request
    for the client address (raises throttle.LockedOut beyond
    RESET_MAILS_PER_CLIENT) and for the address (False beyond
    RESET_MAILS_PER_ADDRESS), whether or not an account has it."""
    count_client(request, throttle.RESET)
    email = email.strip().lower()
    return _mail_allowed(request, throttle.RESET, email, settings.RESET_MAILS_PER_ADDRESS)


def email_taken(email):
    users = get_user_model().objects
    return users.filter(Q(username__iexact=email) | Q(email__iexact=email)).exists()


def _signup_key(token):
    # The token is in the mail only: the cache holds its digest.
    return "accounts.signup:" + hashlib.sha256(token.encode()).hexdigest()


def start_email_signup(*, request, email, password):
    """Someone signs up with ``email`` and ``password`` (a valid SignupForm).

    Nothing is created. A free address is mailed a link that makes the
    account (finish_email_signup); an address that has an account already
    is mailed a note for its owner, with links to log in and to reset the
    password. At most settings.SIGNUP_MAILS_PER_ADDRESS mails; the caller
    says the same whatever happened. Side effects: a Message; for a free
    address, the pending sign-up in the cache.
    """
    email = email.strip().lower()
    # Hashed in either case, so that the time taken does not tell them apart.
    hashed = make_password(password)
    if not _mail_allowed(request, throttle.SIGNUP, email, settings.SIGNUP_MAILS_PER_ADDRESS):
        return
    if email_taken(email):
        messaging.send_templated_email(
            "registration/email/signup_taken",
            {
                "login_url": request.build_absolute_uri(reverse("login")),
                "reset_url": request.build_absolute_uri(reverse("password_reset")),
            },
            [email],
        )
        return
    token = secrets.token_urlsafe(32)
    cache.set(_signup_key(token), {"email": email, "password": hashed}, SIGNUP_LINK_DAYS * 86400)
    messaging.send_templated_email(
        "registration/email/signup",
        {
            "url": request.build_absolute_uri(reverse("signup_email_finish", args=[token])),
            "days": SIGNUP_LINK_DAYS,
        },
        [email],
        purpose=Message.Purpose.CODE,  # a secret link: hidden in the admin
    )


def pending_signup(token):
    """The email and password hash a sign-up link stands for, while it works."""
    return cache.get(_signup_key(token)) if token else None


def _link_expired():
    return ValidationError(_("This link is not valid (any more). Sign up again."), code="expired")


def finish_email_signup(*, request, token):
    """The link mailed by start_email_signup was opened: the account, with its
    email verified. Once: the link is used up.

    Side effects: a User, its Account, an Event. Raises ValidationError:
    "expired" (no such link, or used), "email_taken" (an account got the
    address meanwhile)."""
    key = _signup_key(token)
    pending = cache.get(key)
    # Whoever deletes it first makes the account; a second click finds nothing.
    if pending is None or not cache.delete(key):
        raise _link_expired()
    email = pending["email"]
    taken = ValidationError(
        _("An account with this email already exists. Log in, or reset your password."),
        code="email_taken",
    )
    if email_taken(email):
        raise taken
    try:
        with transaction.atomic():
            user = get_user_model().objects.create(
                username=email, email=email, password=pending["password"]
            )
            Account.objects.create(user=user, email_verified_at=timezone.now())
            log(Event.Kind.SIGNED_UP, request=request, user=user, detail="email")
    except IntegrityError:
        raise taken from None
    return user


def set_verified_mobile(*, user, number, detail=""):
    """An operator gives ``user`` a verified mobile (manage.py set_mobile).
    Side effects: the Account; an Event. Raises ValidationError if another
    account has the number."""
    with transaction.atomic():
        if Account.objects.filter(mobile=number).exclude(user=user).exists():
            raise number_taken()
        Account.objects.update_or_create(
            user=user, defaults={"mobile": number, "mobile_verified_at": timezone.now()}
        )
        log(Event.Kind.MOBILE_VERIFIED, user=user, number=number, detail=detail)


def account_of(user):
    return Account.objects.get_or_create(user=user)[0]


def verify_mobile(*, request, user, number, code, nonce=""):
    """``user`` proved a new number: it becomes theirs.

    Side effects: the code used; the Account's mobile and its verification
    time; an Event. Raises ValidationError if another account has the number.
    """
    check_code(
        request=request,
        number=number,
        purpose=LoginCode.Purpose.VERIFY,
        code=code,
        user=user,
        nonce=nonce,
    )
    with transaction.atomic():
        if Account.objects.filter(mobile=number).exclude(user=user).exists():
            raise number_taken()
        account = account_of(user)
        old = account.mobile
        account.mobile = number
        account.mobile_verified_at = timezone.now()
        account.save(update_fields=["mobile", "mobile_verified_at"])
        log(
            Event.Kind.MOBILE_VERIFIED,
            request=request,
            user=user,
            number=number,
            # Not translated: organizers read the log in either language.
            detail=f"{old} → {number}" if old and old != number else "",
        )
    return account


def number_taken():
    return ValidationError(
        _("This number belongs to another account. Ask the organizers if it is yours now."),
        code="taken",
    )


def reset_mobile(*, account, by):
    """An organizer clears a member's lost or recycled number, so that it can be
    verified again (by its new holder, or on another account).

    Side effects: the Account's mobile emptied; an Event naming the organizer."""
    old = account.mobile
    account.mobile = ""
    account.mobile_verified_at = None
    account.save(update_fields=["mobile", "mobile_verified_at"])
    log(Event.Kind.MOBILE_RESET, user=account.user, number=old, by=by)
    return account


def confirm_email(*, user, email):
    """``user`` opened the link mailed to ``email``: it is theirs, and verified.

    Side effects: the user's email; the Account's email_verified_at; an Event."""
    email = email.strip().lower()
    users = get_user_model().objects
    if users.filter(email__iexact=email).exclude(pk=user.pk).exists():
        raise ValidationError(_("This email belongs to another account."), code="email_taken")
    with transaction.atomic():
        user.email = email
        user.save(update_fields=["email"])
        account = account_of(user)
        account.email_verified_at = timezone.now()
        account.save(update_fields=["email_verified_at"])
        log(Event.Kind.EMAIL_VERIFIED, user=user, detail=email)
    return account
