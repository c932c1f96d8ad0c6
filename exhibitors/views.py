from django.db.models import Prefetch
from django.shortcuts import get_object_or_404, render

from .models import Exhibitor, Need, Product


def exhibitor_detail(request, pk):
    exhibitor = get_object_or_404(
        Exhibitor.objects.select_related("category", "county__province", "park").prefetch_related(
            Prefetch("products", Product.objects.select_related("category")),
            Prefetch("needs", Need.objects.select_related("category", "current_source_province")),
        ),
        pk=pk,
    )
    # Through the reverse relation, so that this app does not import fairs.
    booths = (
        exhibitor.participations.filter(status="approved", fair__status__in=["open", "closed"])
        .select_related("fair", "booth__hall")
        .order_by("-fair__starts_on")
    )
    return render(
        request,
        "exhibitors/detail.html",
        {"exhibitor": exhibitor, "participations": booths},
    )
