import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from exhibitors.models import Exhibitor, Need, Product
from exhibitors.views import member_unit
from portal.lib import fragments

from . import layout, services
from .models import Booth, Fair, Hall, Participation


def public_fair(slug):
    """The fair a visitor may see (404 for drafts and unknown slugs)."""
    return get_object_or_404(Fair.objects.public().select_related("county__province"), slug=slug)


@login_required
@require_POST
def apply(request, pk, slug):
    unit = member_unit(request, pk)
    fair = public_fair(slug)
    try:
        services.apply(exhibitor=unit, fair=fair)
    except ValidationError as error:
        messages.error(request, error.messages[0])
    else:
        messages.success(request, _("Your application was sent. The organizers will decide."))
    return redirect("dashboard_unit", pk=unit.pk)


@login_required
@require_POST
def withdraw(request, pk):
    participation = get_object_or_404(
        Participation.objects.select_related("fair").filter(
            exhibitor__memberships__user=request.user
        ),
        pk=pk,
    )
    try:
        services.withdraw(participation=participation)
    except ValidationError as error:
        messages.error(request, error.messages[0])
    else:
        messages.success(request, _("You withdrew from %(fair)s.") % {"fair": participation.fair})
    return redirect("dashboard_unit", pk=participation.exhibitor_id)


def plan(request, slug, hall=None):
    """The fair's halls drawn to scale (or one hall), ``?highlight=<booth code>``
    marked, ``?q=`` booths found. A plan with neither is the same for every
    visitor in a language: its halls come from the fragment cache."""
    fair = public_fair(slug)
    every_hall = list(fair.halls.order_by("code"))
    halls = every_hall
    if hall is not None:
        halls = [h for h in every_hall if h.code == hall]
        if not halls:
            raise Http404(_("This fair has no such hall."))
    highlight = request.GET.get("highlight", "")[:20]
    search = request.GET.get("q", "")[:100].strip()
    if highlight.strip() or search:
        drawings = _drawings(fair, halls, hall, highlight=highlight, search=search)
        drawn = [_drawn(d) for d in drawings]
    else:
        drawings = []
        drawn = fragments.cached(
            f"plan:{hall or ''}",
            fair.pk,
            lambda: [_drawn(d) for d in _drawings(fair, halls, hall)],
        )
    by_pk = {h.pk: h for h in halls}
    return render(
        request,
        "fairs/plan.html",
        {
            "fair": fair,
            "halls": every_hall,
            "hall": halls[0] if hall is not None else None,
            "drawn": [(by_pk[pk], html) for pk, html in drawn],
            "highlight": highlight.strip(),
            "highlighted": next((d.highlighted for d in drawings if d.highlighted), None),
            "search": search,
            "matches": [shape for d in drawings for shape in d.matches],
        },
    )


def _drawings(fair, halls, hall, *, highlight="", search=""):
    booths = layout.placed_booths(fair, halls[0] if hall is not None else None)
    # The booths' sheets and the search box read the units' products.
    layout.attach_product_names(booths)
    categories, colours = layout.fair_divisions(fair)
    by_hall = {h.pk: [] for h in halls}
    for booth in booths:
        by_hall[booth.hall_id].append(booth)
    link = layout.unit_linker()
    drawings = []
    for h in halls:
        drawing = layout.draw(
            h,
            by_hall[h.pk],
            colours=colours,
            divisions=categories,
            highlight=highlight,
            link=link,
            search=search,
        )
        drawing.units = drawing.units_markup()
        drawings.append(drawing)
    return drawings


def _drawn(drawing):
    """(hall pk, the hall's drawing, legend and list of units as HTML)."""
    return drawing.hall.pk, render_to_string("fairs/_plan_hall.html", {"drawing": drawing})


@login_required
@permission_required("fairs.view_booth", raise_exception=True)
def booth_cards(request, slug, hall=None, code=None):
    """Printable cards, one per booth: the unit, the code, a QR code to the unit's page.

    All booths of a hall, or one booth. Organizers print them; drafts too.
    """
    fair = get_object_or_404(Fair, slug=slug)
    if code is not None:
        one = get_object_or_404(Booth, fair=fair, code=code)
        booth_list = [b for b in layout.placed_booths(fair, one.hall_id) if b.pk == one.pk]
    else:
        booth_list = layout.placed_booths(fair, get_object_or_404(Hall, fair=fair, code=hall))
    for booth in booth_list:
        if booth.holder:
            target = booth.holder.get_absolute_url()
        else:
            target = reverse("fairs:plan_hall", args=[fair.slug, booth.hall.code])
            target += "?" + urlencode({"highlight": booth.code})
        booth.target = settings.SITE_URL + target
        # segno writes the SVG from the address alone: nothing to escape.
        booth.qr = mark_safe(segno.make(booth.target, error="m").svg_inline(scale=4, border=2))
    return render(request, "fairs/cards.html", {"fair": fair, "booths": booth_list})


def exhibitor_detail(request, pk):
    """A unit's public page: what it makes and needs, where it is, its booths and neighbours.

    Its needs are shown to logged-in users only.
    """
    exhibitor = get_object_or_404(
        Exhibitor.objects.select_related("category", "county__province", "park").prefetch_related(
            Prefetch("products", Product.objects.select_related("category")),
            Prefetch("needs", Need.objects.select_related("category", "current_source_province")),
        ),
        pk=pk,
    )
    participations = list(
        Participation.objects.approved()
        .filter(exhibitor=exhibitor)
        .exclude(fair__status=Fair.Status.DRAFT)
        .select_related("fair", "booth__hall")
        .order_by("-fair__starts_on")
    )
    layout.attach_neighbourhoods(participations)
    return render(
        request,
        "exhibitors/detail.html",
        {
            "exhibitor": exhibitor,
            "participations": participations,
            "show_needs": request.user.is_authenticated,
            "neighbour_metres": settings.PORTAL_NEIGHBOUR_METRES,
            # issue 14: a unit nobody manages yet can be claimed by its owner.
            "claimable": not exhibitor.memberships.exists(),
        },
    )
