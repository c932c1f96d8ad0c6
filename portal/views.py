from django.shortcuts import render

from fairs.models import Fair


def home(request):
    """Current and upcoming fairs first, then the latest past editions."""
    fairs = Fair.objects.select_related("county")
    return render(
        request,
        "portal/home.html",
        {
            "upcoming": fairs.current_and_upcoming(),
            "past": fairs.past()[:6],
        },
    )
