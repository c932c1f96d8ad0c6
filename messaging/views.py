"""The opt-out link in promotional SMS, and replies forwarded by the provider."""

import hmac

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from portal.lib.identifiers import clean_mobile

from . import services
from .models import OptOut


def opt_out(request, token):
    """GET asks, POST opts the number out: a link preview must not do it."""
    number = services.number_from_token(token)
    if number is None:
        raise Http404
    if request.method == "POST":
        services.opt_out(number=number, source=OptOut.Source.LINK)
        messages.success(request, _("Done: this number will get no more messages from us."))
        return redirect("opt_out", token=token)
    return render(
        request,
        "messaging/opt_out.html",
        {"number": number, "done": services.is_opted_out(number)},
    )


@csrf_exempt
def inbound(request, secret):
    """A reply the provider forwards (Kavenegar: from, message; GET or POST).
    The secret in the address is SMS_INBOUND_SECRET; without it, 404."""
    expected = settings.SMS_INBOUND_SECRET
    if not expected or not hmac.compare_digest(secret.encode(), expected.encode()):
        raise Http404
    data = request.POST if request.method == "POST" else request.GET
    try:
        number = clean_mobile(data.get("from", ""))
    except ValidationError:
        return HttpResponse("ignored", content_type="text/plain")
    opted = services.record_reply(number=number, text=data.get("message", "")[:500])
    return HttpResponse("opted out" if opted else "ok", content_type="text/plain")
