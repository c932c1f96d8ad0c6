from django.shortcuts import get_object_or_404, render

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
