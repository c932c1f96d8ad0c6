"""Public unit pages and the unit's self-service: registration, products, needs, members."""

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from portal.lib import changes
from portal.lib.text import to_ascii_digits

from . import services
from .forms import AccessRequestForm, InviteForm, NeedForm, ProductForm, UnitForm
from .models import Exhibitor, Membership, Need, Product
from .search import category_label, search_categories

ITEM_FORMS = {"product": (Product, ProductForm), "need": (Need, NeedForm)}


def member_unit(request, pk, *, owner=False):
    """The unit with this pk if the user is a member (an owner, if asked); else 404."""
    memberships = Membership.objects.filter(user=request.user)
    if owner:
        memberships = memberships.filter(role=Membership.Role.OWNER)
    return get_object_or_404(Exhibitor.objects.filter(memberships__in=memberships), pk=pk)


def member_item(request, kind, pk):
    """A product or need of one of the user's units; else 404."""
    model = ITEM_FORMS[kind][0]
    return get_object_or_404(
        model.objects.select_related("exhibitor").filter(exhibitor__memberships__user=request.user),
        pk=pk,
    )


@require_GET
def category_search(request):
    """Suggestions for the category picker, classes first: [{"id", "code", "label",
    "level", "level_name"}]; the label is what the box takes («۱۵۲۰ · تولید کفش»),
    the level's name is in the page's language (class, group …)."""
    results = search_categories(request.GET.get("q", "")[:100])
    return JsonResponse(
        {
            "results": [
                {
                    "id": c.pk,
                    "code": c.code,
                    "label": category_label(c),
                    "level": c.level,
                    "level_name": str(c.get_level_display()),
                }
                for c in results
            ]
        },
        json_dumps_params={"ensure_ascii": False},
    )


@login_required
def unit_new(request):
    form = UnitForm(request.POST or None, request.FILES or None, request=request)
    if form.is_valid():
        try:
            unit = services.register_unit(form=form, user=request.user)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Your unit is registered. Add what it makes and needs."))
            return redirect("dashboard_unit", pk=unit.pk)
    return render(
        request,
        "exhibitors/unit_form.html",
        {"form": form, "registered": form.registered_unit() if form.is_bound else None},
    )


@login_required
def unit_edit(request, pk):
    unit = member_unit(request, pk)
    form = UnitForm(request.POST or None, request.FILES or None, instance=unit, request=request)
    if form.is_valid():
        form.save()
        changes.changed(units=[unit.pk])
        messages.success(request, _("Saved."))
        return redirect("dashboard_unit", pk=unit.pk)
    return render(request, "exhibitors/unit_form.html", {"form": form, "unit": unit})


@login_required
def access_request(request, pk):
    unit = get_object_or_404(Exhibitor, pk=pk)
    form = AccessRequestForm(request.POST or None)
    if form.is_valid():
        try:
            services.request_access(
                user=request.user, exhibitor=unit, message=form.cleaned_data["message"]
            )
        except ValidationError as error:
            if error.code not in ("unverified", "daily_limit"):
                messages.error(request, error.messages[0])
                return redirect("dashboard")
            # Said on the page, with what was typed kept.
            form.add_error(None, error)
        else:
            messages.success(request, _("Your request was sent to the organizers."))
            return redirect("dashboard")
    return render(
        request,
        "exhibitors/access_request.html",
        {"form": form, "unit": unit, "verified": services.verified(request.user)},
    )


@login_required
def item_new(request, pk, kind):
    unit = member_unit(request, pk)
    model, form_class = ITEM_FORMS[kind]
    form = form_class(
        request.POST or None, request.FILES or None, instance=model(exhibitor=unit), request=request
    )
    if form.is_valid():
        services.save_item(form, created=True)
        messages.success(request, _("Saved."))
        return redirect("dashboard_unit", pk=unit.pk)
    return render(request, "exhibitors/item_form.html", {"form": form, "unit": unit, "kind": kind})


@login_required
def item_edit(request, kind, pk):
    item = member_item(request, kind, pk)
    form = ITEM_FORMS[kind][1](
        request.POST or None, request.FILES or None, instance=item, request=request
    )
    if form.is_valid():
        services.save_item(form)
        messages.success(request, _("Saved."))
        return redirect("dashboard_unit", pk=item.exhibitor_id)
    return render(
        request,
        "exhibitors/item_form.html",
        {"form": form, "unit": item.exhibitor, "kind": kind, "item": item},
    )


@login_required
def item_delete(request, kind, pk):
    item = member_item(request, kind, pk)
    if request.method == "POST":
        pk = item.pk
        item.delete()
        item.pk = pk
        services.item_changed(item)
        messages.success(request, _("Deleted “%(name)s”.") % {"name": item.name})
        return redirect("dashboard_unit", pk=item.exhibitor_id)
    return render(request, "exhibitors/item_delete.html", {"item": item, "kind": kind})


@login_required
@require_POST
def need_from_search(request):
    """Add what a search found no supplier for to a unit's needs, in one tap.

    POST: ``unit`` (one of the user's units, else 404) and ``q`` (the search).
    Goes to the need's page to add the amount; a need of the same name is not
    added twice.
    """
    unit_pk = to_ascii_digits(request.POST.get("unit") or "").strip()
    if not (unit_pk.isascii() and unit_pk.isdigit()) or len(unit_pk) > 18:
        raise Http404
    unit = member_unit(request, int(unit_pk))
    name = " ".join((request.POST.get("q") or "").split())
    if not name:
        messages.error(request, _("Type what the unit needs, then add it."))
        return redirect("suppliers")
    try:
        need, created = services.add_need(exhibitor=unit, name=name)
    except ValidationError as error:
        messages.error(request, error.messages[0])
        return redirect(reverse("suppliers") + "?" + urlencode({"q": name[:200]}))
    if created:
        messages.success(
            request,
            _(
                "“%(name)s” was added to the needs of %(unit)s. Say how much a month, so "
                "that suppliers can answer."
            )
            % {"name": need.name, "unit": unit.display_name},
        )
    else:
        messages.info(
            request,
            _("“%(name)s” is already among the needs of %(unit)s.")
            % {"name": need.name, "unit": unit.display_name},
        )
    return redirect("self:item_edit", kind="need", pk=need.pk)


@login_required
def members(request, pk):
    unit = member_unit(request, pk)
    is_owner = unit.memberships.filter(user=request.user, role=Membership.Role.OWNER).exists()
    form = InviteForm(request.POST or None)
    if request.method == "POST":
        if not is_owner:
            return render(request, "403.html", status=403)
        if form.is_valid():
            try:
                services.invite_member(
                    exhibitor=unit,
                    email=form.cleaned_data["email"],
                    role=form.cleaned_data["role"],
                    invited_by=request.user,
                )
            except ValidationError as error:
                form.add_error("email", error)
            else:
                messages.success(request, _("Invitation sent."))
                return redirect("self:members", pk=unit.pk)
    return render(
        request,
        "exhibitors/members.html",
        {
            "unit": unit,
            "form": form,
            "is_owner": is_owner,
            "verified": services.verified(request.user),
            "memberships": unit.memberships.select_related("user").order_by("role", "created_at"),
            # Open and expired ones; a withdrawn one is gone from the list.
            "invitations": unit.invitations.filter(
                accepted_at__isnull=True, revoked_at__isnull=True
            ),
        },
    )


@login_required
@require_POST
def invitation_revoke(request, pk, invitation_pk):
    """An owner withdraws an invitation that is not accepted yet."""
    unit = member_unit(request, pk, owner=True)
    invitation = get_object_or_404(
        unit.invitations.filter(accepted_at__isnull=True), pk=invitation_pk
    )
    services.revoke_invitation(invitation=invitation)
    messages.success(
        request, _("The invitation to %(email)s was withdrawn.") % {"email": invitation.email}
    )
    return redirect("self:members", pk=unit.pk)


@login_required
@require_POST
def member_remove(request, pk, membership_pk):
    unit = member_unit(request, pk)
    membership = get_object_or_404(unit.memberships, pk=membership_pk)
    is_owner = unit.memberships.filter(user=request.user, role=Membership.Role.OWNER).exists()
    if not is_owner and membership.user_id != request.user.pk:
        return render(request, "403.html", status=403)
    try:
        services.remove_member(membership=membership)
    except ValidationError as error:
        messages.error(request, error.messages[0])
        return redirect("self:members", pk=unit.pk)
    messages.success(request, _("Removed."))
    if membership.user_id == request.user.pk:
        return redirect("dashboard")
    return redirect("self:members", pk=unit.pk)


@login_required
def invitation(request, token):
    """The link mailed to an invited colleague: accept, or read why it no longer works."""
    invitation = services.find_invitation(token)
    if invitation is None:
        raise Http404
    problem = invitation.problem()
    if problem is None and request.method == "POST":
        try:
            services.accept_invitation(invitation=invitation, user=request.user)
        except ValidationError as error:
            messages.error(request, error.messages[0])
            return redirect("dashboard")
        messages.success(
            request, _("You are now a member of %(unit)s.") % {"unit": invitation.exhibitor}
        )
        return redirect("dashboard_unit", pk=invitation.exhibitor_id)
    return render(
        request,
        "exhibitors/invitation.html",
        {"invitation": invitation, "problem": problem.messages[0] if problem else ""},
        # Gone: used, withdrawn or expired.
        status=410 if problem else 200,
    )
