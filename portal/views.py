from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from exhibitors.views import member_unit
from fairs.layout import attach_neighbourhoods
from fairs.models import Fair, Participation
from matching import reading, supply_chain

# Supplying units shown per need (a unit's products share its card), the
# first one open and the rest folded; buying units for the unit's products.
SUPPLIERS_PER_NEED = 12
BUYERS = 20


def home(request):
    """Current and upcoming fairs first, then the latest past editions. Each
    fair's address is built from one reversed address, not reversed a card."""
    fairs = Fair.objects.select_related("county")
    marker = "fair-slug-marker"
    head, tail = reverse("fairs:detail", args=[marker]).split(marker)
    upcoming, past = list(fairs.current_and_upcoming()), list(fairs.past()[:6])
    for fair in upcoming + past:
        fair.url = f"{head}{fair.slug}{tail}"
    sections = [("upcoming", _("Current and upcoming fairs"), upcoming)]
    if past:
        sections.append(("past", _("Past fairs"), past))
    return render(request, "portal/home.html", {"sections": sections})


@login_required
def dashboard(request):
    """A member of one unit goes straight to it; others choose, or register one."""
    memberships = list(request.user.memberships.select_related("exhibitor"))
    if len(memberships) == 1:
        return redirect("dashboard_unit", pk=memberships[0].exhibitor_id)
    pending = request.user.access_requests.filter(status="pending").select_related("exhibitor")
    return render(
        request,
        "portal/dashboard.html",
        {"memberships": memberships, "pending_requests": pending},
    )


@login_required
def dashboard_unit(request, pk):
    unit = member_unit(request, pk)
    products = list(unit.products.select_related("category"))
    needs = list(unit.needs.select_related("category", "current_source_province"))
    participations = list(
        Participation.objects.filter(exhibitor=unit)
        .select_related("fair", "booth__hall")
        .order_by("-fair__starts_on")
    )
    attach_neighbourhoods(participations)
    fair = reading.context_fair(unit)
    booths = reading.Booths.of(fair)
    suppliers = [
        (need, reading.first_units(rows, SUPPLIERS_PER_NEED))
        for need, rows in reading.suppliers_for(unit, fair, per_need=None)
    ]
    for _need, rows in suppliers:
        reading.decorate(rows, booths, supplier=True)
    buyers = reading.first_units(reading.buyers_for(unit, fair, limit=None), BUYERS, supplier=False)
    reading.decorate(buyers, booths, supplier=False)
    reading.mark_reachable([m for _need, rows in suppliers for m in rows] + buyers)
    applied = {p.fair_id for p in participations}
    percent, missing = unit.completeness(products, needs)
    today = timezone.localdate()
    # The fair that the page leads with: the next one the unit is approved at
    # (its booth first), else the next it applied to.
    coming = [
        p
        for p in participations
        if p.fair.ends_on >= today and p.status in (p.Status.APPROVED, p.Status.APPLIED)
    ]
    coming.sort(key=lambda p: (p.status != p.Status.APPROVED, not p.booth_id, p.fair.starts_on))
    current = coming[0] if coming else None
    return render(
        request,
        "portal/dashboard_unit.html",
        {
            "unit": unit,
            "products": products,
            "needs": needs,
            "participations": participations,
            "open_fairs": [f for f in Fair.objects.open_for_registration() if f.pk not in applied],
            "completeness": percent,
            "missing": missing,
            # issue 14: just claimed from the registry: what to check and add first.
            "just_claimed": request.GET.get("claimed") == "1",
            "is_owner": unit.memberships.filter(user=request.user, role="owner").exists(),
            "units": request.user.memberships.count(),
            "show_needs": True,
            "match_fair": fair,
            "current": current,
            "other_participations": [p for p in participations if p is not current],
            "needs_cards": [(need, reading.by_unit(rows)) for need, rows in suppliers],
            "buyer_cards": reading.by_unit(buyers),
            "requests_waiting": unit.contact_requests_received.filter(status="sent").count(),
            "neighbour_metres": settings.PORTAL_NEIGHBOUR_METRES,
            "suggested_needs": supply_chain.suggestions_for(unit, needs=needs, english=True),
            "activity": unit.category,
        },
    )
