"""Signing in and up: a mobile and a code, or an email and a password; the
person's own numbers and address. Too many failed sign-ins answer 429 with
the lock-out page (throttle.py)."""

import functools
import logging
import secrets

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model, login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.utils.crypto import constant_time_compare
from django.utils.decorators import method_decorator
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from messaging import services as messaging
from messaging.models import Message

from . import services, throttle
from .forms import (
    CodeForm,
    EmailAuthenticationForm,
    EmailForm,
    MobileForm,
    QueuedPasswordResetForm,
    SignInForm,
    SignupForm,
)
from .models import Account, Event, LoginCode
from .sites import SECOND_FACTOR, second_factor_done

logger = logging.getLogger(__name__)

PENDING = "accounts.pending"
# A code page left open longer than this starts over from the number.
PENDING_MINUTES = 10
BACKEND = "django.contrib.auth.backends.ModelBackend"
EMAIL_SALT = "accounts.email"
EMAIL_LINK_DAYS = 3


def locked_out(request, locked):
    """The lock-out page: 429, and when to try again."""
    response = render(
        request,
        "registration/locked_out.html",
        {"kind": locked.kind, "minutes": locked.minutes},
        status=429,
    )
    response["Retry-After"] = str(locked.seconds)
    add_never_cache_headers(response)
    return response


def _locks_out(view):
    """A view whose limits (throttle.LockedOut) answer with the lock-out page."""

    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except throttle.LockedOut as locked:
            return locked_out(request, locked)

    return wrapped


def _next(request, default="dashboard"):
    """Where to go after signing in: a local ``next``, else ``default``."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse(default)


def _start(request, form, *, purpose, user=None):
    """Send a code for a valid MobileForm and go to the code page; on a limit,
    the form carries the error."""
    number = form.cleaned_data["mobile"]
    if _pend(request, number=number, purpose=purpose, user=user, next_url=_next(request)):
        return redirect("code")
    form.add_error("mobile", request.pending_error)
    return None


def _pend(request, *, number, purpose, user, next_url):
    """Send the code and remember in the session what it is for: the number,
    the purpose, the user (second factor, verification) with their password's
    hash, a nonce of this session's own, and when, so that it expires."""
    nonce = secrets.token_hex(8)
    try:
        services.request_code(
            request=request, number=number, purpose=purpose, user=user, nonce=nonce
        )
    except ValidationError as error:
        request.pending_error = error
        return False
    _remember(request, number=number, purpose=purpose, user=user, next_url=next_url, nonce=nonce)
    return True


def _remember(request, *, number, purpose, user, next_url, nonce, bot=False):
    request.session[PENDING] = {
        "number": number,
        "purpose": purpose,
        "user": user.pk if user else None,
        "hash": user.get_session_auth_hash() if user else "",
        "next": next_url,
        "nonce": nonce,
        "at": timezone.now().timestamp(),
        # A honeypot's: nothing is ever sent for it, a new code neither.
        "bot": bot,
    }


def _pending(request):
    """What the session waits on, if it is still good: not older than
    PENDING_MINUTES, and for a user whose password has not changed since."""
    pending = request.session.get(PENDING)
    if not pending:
        return None
    fresh = timezone.now().timestamp() - pending.get("at", 0) < PENDING_MINUTES * 60
    user = None
    if pending["user"]:
        user = get_user_model().objects.filter(pk=pending["user"], is_active=True).first()
        if user is None or not constant_time_compare(
            user.get_session_auth_hash(), pending.get("hash", "")
        ):
            fresh = False
    if not fresh:
        request.session.pop(PENDING, None)
        return None
    return {**pending, "user_object": user}


@_locks_out
def sign_in(request, signup=False):
    """The mobile number; a code follows. A new number makes a new account,
    a known one signs in: the same answer either way."""
    if request.user.is_authenticated:
        return redirect("dashboard")
    form = SignInForm(request.POST or None)
    if form.is_valid() and form.is_bot:
        # What a person sees when the code is sent, and nothing sent: every
        # code typed then is "expired".
        logger.info("honeypot filled on the code sign-in")
        _remember(
            request,
            number=form.cleaned_data["mobile"],
            purpose=LoginCode.Purpose.SIGN_IN,
            user=None,
            next_url=_next(request),
            nonce=secrets.token_hex(8),
            bot=True,
        )
        return redirect("code")
    if form.is_valid():
        account = Account.objects.filter(mobile=form.cleaned_data["mobile"]).first()
        if account is not None and services.privileged(account.user):
            form.add_error("mobile", services.staff_refused())
        elif account is not None and not account.user.is_active:
            form.add_error(
                "mobile", ValidationError(_("This account is inactive."), code="inactive")
            )
        elif response := _start(request, form, purpose=LoginCode.Purpose.SIGN_IN):
            return response
    return render(
        request,
        "registration/signup.html" if signup else "registration/login.html",
        {"form": form, "next": request.GET.get("next", "")},
    )


def signup(request):
    return sign_in(request, signup=True)


@_locks_out
def code(request):
    """The code sent by SMS, for what the session is waiting on."""
    pending = _pending(request)
    if not pending:
        return redirect("login")
    number, purpose = pending["number"], pending["purpose"]
    form = CodeForm(request.POST or None)
    if form.is_valid():
        try:
            response = _finish(request, pending, form.cleaned_data["code"])
        except ValidationError as error:
            form.add_error("code", error)
        else:
            request.session.pop(PENDING, None)
            return response
    return render(
        request,
        "registration/code.html",
        {
            "form": form,
            "number": number,
            "purpose": purpose,
            "next_code_at": services.next_code_at(number, purpose, request),
            "now": timezone.now(),
            "debug_sms": settings.DEBUG and settings.SMS_BACKEND.endswith("console.SMSBackend"),
        },
    )


def _finish(request, pending, code):
    number, purpose, nonce = pending["number"], pending["purpose"], pending["nonce"]
    if purpose == LoginCode.Purpose.SIGN_IN:
        user, created = services.sign_in_with_code(
            request=request, number=number, code=code, nonce=nonce
        )
        login(request, user, backend=BACKEND)
        if pending["next"] == reverse("dashboard") and (created or not user.memberships.exists()):
            messages.success(request, _("Welcome! Now register your production unit."))
            return redirect("self:unit_new")
        return redirect(pending["next"])
    user = pending["user_object"]
    if user is None:
        raise Http404
    if purpose == LoginCode.Purpose.SECOND_FACTOR:
        services.check_code(
            request=request, number=number, purpose=purpose, code=code, user=user, nonce=nonce
        )
        login(request, user, backend=BACKEND)
        request.session[SECOND_FACTOR] = user.pk
        services.log(Event.Kind.SIGNED_IN, request=request, user=user, number=number)
        return redirect(pending["next"])
    if request.user != user:
        raise Http404
    services.verify_mobile(request=request, user=user, number=number, code=code, nonce=nonce)
    messages.success(request, _("Your mobile number is verified."))
    return redirect("account")


@require_POST
@_locks_out
def code_resend(request):
    pending = _pending(request)
    if not pending:
        return redirect("login")
    if pending.get("bot"):
        messages.success(request, _("A new code is on its way."))
        return redirect("code")
    try:
        services.request_code(
            request=request,
            number=pending["number"],
            purpose=pending["purpose"],
            user=pending["user_object"],
            nonce=pending["nonce"],
        )
    except ValidationError as error:
        messages.error(request, error.messages[0])
    else:
        messages.success(request, _("A new code is on its way."))
    return redirect("code")


@method_decorator(_locks_out, name="dispatch")
class PasswordLoginView(auth_views.LoginView):
    """Email (or username) and password. An organizer is then sent a code: the
    second factor that the admin asks for (sites.py). Wrong passwords are
    counted per account as typed and client address (throttle.py)."""

    authentication_form = EmailAuthenticationForm
    template_name = "registration/login_password.html"

    def post(self, request, *args, **kwargs):
        self.login_as = throttle.identifier(request.POST.get("username"))
        throttle.check(request, throttle.PASSWORD, self.login_as)
        return super().post(request, *args, **kwargs)

    def form_invalid(self, form):
        if form.has_error(NON_FIELD_ERRORS, "invalid_login"):
            throttle.failed(self.request, throttle.PASSWORD, self.login_as)
        return super().form_invalid(form)

    def dispatch(self, request, *args, **kwargs):
        user = request.user
        if user.is_authenticated and (not services.privileged(user) or second_factor_done(request)):
            return redirect(self.get_success_url())
        return super().dispatch(request, *args, **kwargs)

    def form_valid(self, form):
        throttle.succeeded(self.request, throttle.PASSWORD, self.login_as)
        user = form.get_user()
        if not services.privileged(user):
            services.log(Event.Kind.SIGNED_IN, request=self.request, user=user, detail="password")
            return super().form_valid(form)
        account = Account.objects.filter(user=user).first()
        if account is None or not account.has_verified_mobile:
            form.add_error(
                None,
                ValidationError(
                    _(
                        "An organizer needs a verified mobile for the second factor. Ask an "
                        "administrator to set one (manage.py set_mobile)."
                    ),
                    code="no_mobile",
                ),
            )
            return self.form_invalid(form)
        if not _pend(
            self.request,
            number=account.mobile,
            purpose=LoginCode.Purpose.SECOND_FACTOR,
            user=user,
            next_url=self.get_success_url(),
        ):
            form.add_error(None, self.request.pending_error)
            return self.form_invalid(form)
        return redirect("code")


@_locks_out
def signup_email(request):
    """Email and password. Nothing is made yet, and the answer is the same
    whether or not the address has an account: the mail tells (services)."""
    if request.user.is_authenticated:
        return redirect("dashboard")
    form = SignupForm(request.POST or None)
    if form.is_valid():
        services.count_client(request, throttle.SIGNUP)
        if form.is_bot:
            logger.info("honeypot filled on the email sign-up")
        else:
            services.start_email_signup(
                request=request,
                email=form.cleaned_data["email"],
                password=form.cleaned_data["password1"],
            )
        return redirect("signup_email_sent")
    return render(request, "registration/signup_email.html", {"form": form})


def signup_email_sent(request):
    return render(request, "registration/signup_email_sent.html")


def signup_email_finish(request, token):
    """The link of a sign-up: GET shows the address, POST makes the account
    (a link preview must not)."""
    pending = services.pending_signup(token)
    if pending is None:
        messages.error(request, _("This link is not valid (any more). Sign up again."))
        return redirect("signup_email")
    if request.method == "POST":
        try:
            user = services.finish_email_signup(request=request, token=token)
        except ValidationError as error:
            messages.error(request, error.messages[0])
            return redirect("password_login")
        login(request, user, backend=BACKEND)
        messages.success(request, _("Welcome! Now register your production unit."))
        return redirect("self:unit_new")
    return render(request, "registration/signup_email_finish.html", {"email": pending["email"]})


@method_decorator(_locks_out, name="dispatch")
class PasswordResetView(auth_views.PasswordResetView):
    """Django's, its mail queued, and limited: per client address (the
    lock-out page) and per address (silently: the page says the same)."""

    form_class = QueuedPasswordResetForm
    email_template_name = "registration/password_reset_email.txt"
    html_email_template_name = "registration/password_reset_email.html"
    subject_template_name = "registration/password_reset_subject.txt"

    def form_valid(self, form):
        if services.reset_mail_allowed(self.request, form.cleaned_data["email"]):
            return super().form_valid(form)
        return HttpResponseRedirect(self.get_success_url())


@login_required
@_locks_out
def account(request):
    """The person's mobile and email, each with a way to (re)verify it."""
    mine = services.account_of(request.user)
    mobile_form = MobileForm(request.POST if "mobile" in request.POST else None)
    email_form = EmailForm(request.POST if "email" in request.POST else None)
    if mobile_form.is_valid():
        if services.privileged(request.user):
            # The number is the second factor: a stolen session must not move it.
            mobile_form.add_error(
                "mobile",
                ValidationError(
                    _(
                        "An organizer's number is the second factor: an administrator "
                        "changes it (manage.py set_mobile)."
                    ),
                    code="privileged",
                ),
            )
        elif Account.objects.filter(mobile=mobile_form.cleaned_data["mobile"]).exclude(
            user=request.user
        ):
            mobile_form.add_error("mobile", services.number_taken())
        elif response := _start(
            request, mobile_form, purpose=LoginCode.Purpose.VERIFY, user=request.user
        ):
            return response
    if email_form.is_valid() and (
        get_user_model()
        .objects.filter(email__iexact=email_form.cleaned_data["email"])
        .exclude(pk=request.user.pk)
        .exists()
    ):
        email_form.add_error("email", _("This email belongs to another account."))
    if email_form.is_valid():
        _send_email_link(request, request.user, email_form.cleaned_data["email"])
        messages.success(
            request,
            _("We sent a link to %(email)s: open it to confirm the address.")
            % {"email": email_form.cleaned_data["email"]},
        )
        return redirect("account")
    return render(
        request,
        "registration/account.html",
        {"account": mine, "mobile_form": mobile_form, "email_form": email_form},
    )


def _send_email_link(request, user, email):
    token = signing.dumps({"u": user.pk, "e": email}, salt=EMAIL_SALT, compress=True)
    messaging.send_templated_email(
        "registration/email/confirm",
        {"url": request.build_absolute_uri(reverse("email_confirm", args=[token]))},
        [email],
        purpose=Message.Purpose.CODE,  # a secret link: hidden in the admin
    )


@login_required
def email_confirm(request, token):
    """GET shows the address; POST confirms it (a link preview must not)."""
    try:
        data = signing.loads(token, salt=EMAIL_SALT, max_age=EMAIL_LINK_DAYS * 86400)
    except signing.BadSignature:
        data = None
    if not data or data.get("u") != request.user.pk:
        messages.error(request, _("This link is not valid (any more). Ask for a new one."))
        return redirect("account")
    if request.method == "POST":
        try:
            services.confirm_email(user=request.user, email=data["e"])
        except ValidationError as error:
            messages.error(request, error.messages[0])
        else:
            messages.success(request, _("Your email address is confirmed."))
        return redirect("account")
    return render(request, "registration/email_confirm.html", {"email": data["e"]})
