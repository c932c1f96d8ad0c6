"""The claim page, reached from a campaign's link (/i/<code>) or from a unit's
public page ("this is my unit").

Opening either never claims and never uses the link up (messaging apps open
links to preview them): a POST sends the code to the unit's mobile on
record, and a POST of that code claims the unit.
"""

import re
import secrets

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django_ratelimit.decorators import ratelimit

from accounts.views import _locks_out
from exhibitors.models import Exhibitor

from . import services
from .forms import ClaimCodeForm

SESSION_KEY = "outreach.claim"
# Who opens a link without a person behind it: messengers and mail scanners
# fetching a preview, crawlers, scripts. Their visits are not clicks.
PREVIEWERS = re.compile(
    # Bots name themselves so (Googlebot/, TelegramBot, Twitterbot, Discordbot),
    # but a Cubot is a phone. An app's own browser (Telegram-Android/…) is a
    # person: only the apps' preview fetchers are named.
    r"(?<!cu)bot\b|crawl|spider|preview|facebookexternalhit|whatsapp/|embedly|"
    r"curl/|wget/|python-|go-http|okhttp|java/",
    re.IGNORECASE,
)


def is_preview(request):
    """A request for a link preview or a prefetch, not a person opening the link."""
    purpose = f"{request.headers.get('Sec-Purpose', '')} {request.headers.get('Purpose', '')}"
    if "prefetch" in purpose.lower() or request.method != "GET":
        return True
    return bool(PREVIEWERS.search(request.headers.get("User-Agent", "")))


@never_cache
@ratelimit(key="ip", rate="60/m", block=False)
@_locks_out
def link(request, code):
    """A campaign's link: counts the click, then the claim page (for a unit claimed
    already, the fair's page)."""
    if getattr(request, "limited", False):
        return render(request, "outreach/link_problem.html", {"problem": "limited"}, status=429)
    recipient = services.recipient_of(code)
    if recipient is None:
        return render(request, "outreach/link_problem.html", {"problem": "unknown"}, status=404)
    if not is_preview(request):
        services.click(recipient)
    problem = services.link_problem(recipient)
    if problem == "claimed":
        messages.info(
            request,
            _(
                "%(unit)s has been claimed already. If it is yours, log in; if you did not "
                "claim it, ask the organizers."
            )
            % {"unit": recipient.unit.display_name},
        )
        return redirect(recipient.campaign.fair.get_absolute_url())
    if problem:
        return render(
            request,
            "outreach/link_problem.html",
            {"problem": problem, "unit": recipient.unit},
            status=410,
        )
    return _claim_page(request, recipient.unit, recipient)


@never_cache
@_locks_out
def unit_claim(request, pk):
    """ "This is my unit", from a unit's public page."""
    unit = get_object_or_404(Exhibitor, pk=pk)
    if services.is_claimed(unit):
        messages.info(
            request,
            _("This unit has an owner already. To join it, ask them or the organizers."),
        )
        return redirect(unit.get_absolute_url())
    return _claim_page(request, unit, None)


def _claim_page(request, unit, recipient):
    number = services.number_on_record(unit)
    pending = request.session.get(SESSION_KEY) or {}
    sent = pending.get("unit") == unit.pk
    form = ClaimCodeForm()
    if request.method == "POST" and number:
        if request.user.is_authenticated and services.accounts.privileged(request.user):
            messages.error(request, _("Organizers cannot claim a unit."))
            return redirect(unit.get_absolute_url())
        if "send" in request.POST:
            nonce = secrets.token_hex(8)
            try:
                services.send_claim_code(request=request, unit=unit, nonce=nonce)
            except ValidationError as error:
                messages.error(request, error.messages[0])
            else:
                request.session[SESSION_KEY] = {"unit": unit.pk, "nonce": nonce}
                messages.success(
                    request,
                    _("We sent a code to %(number)s.") % {"number": services.masked(number)},
                )
            return redirect(request.path)
        form = ClaimCodeForm(request.POST)
        if not sent:
            form.add_error(None, _("Ask for a code first."))
        elif form.is_valid():
            try:
                services.claim(
                    request=request,
                    unit=unit,
                    code=form.cleaned_data["code"],
                    nonce=pending["nonce"],
                    recipient=recipient,
                )
            except ValidationError as error:
                form.add_error("code" if error.code != "claimed" else None, error)
            else:
                request.session.pop(SESSION_KEY, None)
                messages.success(
                    request,
                    _("%(unit)s is yours now. Check what the registry says, and complete it.")
                    % {"unit": unit.display_name},
                )
                return redirect(reverse("dashboard_unit", args=[unit.pk]) + "?claimed=1")
    return render(
        request,
        "outreach/claim.html",
        {
            "unit": unit,
            "recipient": recipient,
            "masked": services.masked(number) if number else "",
            "sent": sent,
            "form": form,
        },
        status=400 if form.errors else 200,
    )
