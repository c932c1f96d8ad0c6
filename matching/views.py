"""Contact requests between units, from a match."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from exhibitors.models import Membership
from exhibitors.services import verified
from exhibitors.views import member_unit
from fairs import layout
from fairs import views as fair_views
from fairs.models import Participation
from portal.lib import fragments

from . import reading, services, supply_chain
from .forms import ContactForm, ReplyForm
from .models import ContactRequest, Dismissal, Match


def fair_detail(request, slug):
    """A fair's exhibitors by hall, and what neighbours there can supply each other.

    The hall lists and the counts are the same for every visitor in a language:
    they come from the fragment cache (portal/lib/fragments.py). The strongest
    matches are read only for a logged-in user, who sees them."""
    fair = fair_views.public_fair(slug)
    halls = list(fair.halls.order_by("code"))
    lists = fragments.cached("fair-halls", fair.pk, lambda: _hall_lists(fair, halls))
    best = {}
    if request.user.is_authenticated:
        summary = reading.fair_summary(fair, halls)
        booths = reading.Booths.of(fair)
        best = {pk: reading.decorate(row["best"], booths) for pk, row in summary.items()}
    for hall in halls:
        hall.count, hall.needs_served, hall.rows = lists["halls"].get(hall.pk, (0, 0, ""))
        hall.best_matches = best.get(hall.pk, [])
    return render(
        request,
        "fairs/detail.html",
        {
            "fair": fair,
            "halls": halls,
            "unplaced": lists["unplaced"],
            "exhibitor_count": lists["exhibitors"],
        },
    )


def _hall_lists(fair, halls):
    """What the fair page shows the same to everyone: per hall (count of
    exhibitors, needs its units can have supplied at the fair, the list as
    HTML), the approved units without a booth, and the number of exhibitors."""
    approved = (
        Participation.objects.approved()
        .filter(fair=fair)
        .select_related(
            "fair", "exhibitor__category", "exhibitor__county", "exhibitor__park", "booth__hall"
        )
        .order_by("booth__code", "exhibitor__legal_name")
    )
    by_hall = {hall.pk: [] for hall in halls}
    unplaced = []
    for participation in approved:
        if participation.booth_id:
            by_hall.setdefault(participation.booth.hall_id, []).append(participation)
        else:
            unplaced.append(participation)
    summary = reading.fair_summary(fair, halls, best=False)
    return {
        "halls": {
            pk: (len(rows), summary.get(pk, {"needs": 0})["needs"], layout.participation_rows(rows))
            for pk, rows in by_hall.items()
        },
        "unplaced": layout.participation_rows(unplaced),
        "exhibitors": sum(len(rows) for rows in by_hall.values()) + len(unplaced),
    }


@login_required
def contact_new(request, pk, match_pk):
    """Write to the other unit of one of this unit's matches (as buyer or as supplier)."""
    unit = member_unit(request, pk)
    match = get_object_or_404(
        reading.matches(Match.objects.filter(product__isnull=False)).filter(
            Q(need__exhibitor=unit) | Q(product__exhibitor=unit)
        ),
        pk=match_pk,
    )
    buying = match.need.exhibitor_id == unit.pk
    receiver = match.product.exhibitor if buying else match.need.exhibitor
    initial = {"subject": match.need.name if buying else match.product.name}
    if buying and match.need.monthly_amount:
        amount = match.need.monthly_amount
        # 12000, not 12000.00, in the box.
        amount = int(amount) if amount == int(amount) else amount
        initial |= {"amount": amount, "amount_unit": match.need.amount_unit}
    form = ContactForm(request.POST or None, initial=initial)
    if form.is_valid():
        try:
            sent = services.send_request(
                sender=unit,
                receiver=receiver,
                user=request.user,
                message=form.cleaned_data["message"],
                need=match.need,
                product=match.product,
                **{k: form.cleaned_data[k] for k in ("subject", "amount", "amount_unit")},
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Your request was sent to %(unit)s.") % {"unit": receiver})
            return redirect("contact_request", pk=sent.pk)
    return render(
        request,
        "matching/contact_form.html",
        {
            "form": form,
            "unit": unit,
            "receiver": receiver,
            "match": match,
            "buying": buying,
            # Only a verified account writes to other units (exhibitors.services).
            "verified": verified(request.user),
        },
    )


def _thread(request, pk):
    """The request if the user is a member of either unit; else 404."""
    units = Membership.objects.filter(user=request.user).values("exhibitor")
    return get_object_or_404(
        ContactRequest.objects.select_related("sender", "receiver").filter(
            Q(sender__in=units) | Q(receiver__in=units)
        ),
        pk=pk,
    )


@login_required
def contact_request(request, pk):
    """The thread: both units read it; either writes; the receiver's answer marks it answered."""
    contact = _thread(request, pk)
    mine = set(Membership.objects.filter(user=request.user).values_list("exhibitor_id", flat=True))
    # A member of both units writes as the receiver: answering is what is pending.
    unit = contact.receiver if contact.receiver_id in mine else contact.sender
    form = ReplyForm(request.POST or None)
    if form.is_valid():
        try:
            services.reply(
                request=contact, unit=unit, user=request.user, message=form.cleaned_data["body"]
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Your answer was sent."))
            return redirect("contact_request", pk=contact.pk)
    return render(
        request,
        "matching/contact_request.html",
        {
            "contact": contact,
            "unit": unit,
            "thread": contact.messages.select_related("author"),
            "form": form,
            "can_decline": unit.pk == contact.receiver_id
            and contact.status != ContactRequest.Status.DECLINED,
        },
    )


@login_required
@require_POST
def contact_decline(request, pk):
    contact = _thread(request, pk)
    unit = contact.receiver
    if not unit.memberships.filter(user=request.user).exists():
        messages.error(request, _("Only the unit written to can decline."))
        return redirect("contact_request", pk=contact.pk)
    services.decline(request=contact, unit=unit)
    messages.success(request, _("You declined the request."))
    return redirect("contact_request", pk=contact.pk)


@login_required
def contact_requests(request, pk):
    """The unit's requests, received and sent."""
    unit = member_unit(request, pk)
    return render(
        request,
        "matching/contact_requests.html",
        {
            "unit": unit,
            "received": unit.contact_requests_received.select_related("sender")[:100],
            "sent": unit.contact_requests_sent.select_related("receiver")[:100],
        },
    )


@require_POST
@login_required
def match_dismiss(request, pk, match_pk):
    """The buyer says one of its matches is not relevant: hidden for that need, for good."""
    unit = member_unit(request, pk)
    match = get_object_or_404(
        Match.objects.filter(need__exhibitor=unit, product__isnull=False).select_related(
            "need", "product"
        ),
        pk=match_pk,
    )
    reason = request.POST.get("reason") or Dismissal.Reason.NOT_RELEVANT
    if reason not in Dismissal.Reason.values:
        messages.error(request, _("That is not a reason we know. Nothing was changed."))
        return redirect("dashboard_unit", pk=unit.pk)
    services.dismiss(need=match.need, product=match.product, user=request.user, reason=reason)
    messages.success(
        request,
        _("“%(product)s” will not be suggested again for “%(need)s”.")
        % {"product": match.product.name, "need": match.need.name},
    )
    return redirect(f"{reverse('dashboard_unit', args=[unit.pk])}#suppliers-title")


@require_POST
@login_required
def suggestion_answer(request, pk):
    """Add a suggested need (one tap), or dismiss it for good."""
    unit = member_unit(request, pk)
    name = (request.POST.get("name") or "").strip()
    accept = request.POST.get("action") == "add"
    try:
        answered = supply_chain.answer(unit=unit, user=request.user, name=name, accept=accept)
    except LookupError:
        messages.error(
            request, _("That suggestion is not offered to this unit. Nothing was added.")
        )
        return redirect("dashboard_unit", pk=unit.pk)
    if answered.status == answered.Status.ACCEPTED:
        messages.success(
            request,
            _("“%(name)s” was added to your needs; suppliers appear in a few seconds.")
            % {"name": answered.name},
        )
    else:
        messages.success(request, _("“%(name)s” will not be suggested again.") % {"name": name})
    return redirect("dashboard_unit", pk=unit.pk)
