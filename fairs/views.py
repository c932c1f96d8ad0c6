from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from exhibitors.views import member_unit

from . import services
from .models import Fair, Participation


def _public_fair(slug):
    """The fair a visitor may see (404 for drafts and unknown slugs)."""
    return get_object_or_404(Fair.objects.public().select_related("county__province"), slug=slug)


def fair_detail(request, slug):
    fair = _public_fair(slug)
    approved = (
        Participation.objects.approved()
        .filter(fair=fair)
        .select_related("exhibitor__category", "exhibitor__county", "exhibitor__park", "booth")
        .order_by("booth__code", "exhibitor__legal_name")
    )
    halls = list(fair.halls.order_by("code"))
    by_hall = {hall.pk: [] for hall in halls}
    unplaced = []
    for participation in approved:
        if participation.booth_id:
            by_hall.setdefault(participation.booth.hall_id, []).append(participation)
        else:
            unplaced.append(participation)
    for hall in halls:
        hall.participations = by_hall[hall.pk]
    return render(
        request,
        "fairs/detail.html",
        {
            "fair": fair,
            "halls": halls,
            "unplaced": unplaced,
            "exhibitor_count": sum(len(rows) for rows in by_hall.values()) + len(unplaced),
        },
    )


@login_required
@require_POST
def apply(request, pk, slug):
    unit = member_unit(request, pk)
    fair = _public_fair(slug)
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
