from django.conf import settings
from django.contrib import admin
from django.db.models import Count, OuterRef, Q, Subquery
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from exhibitors.admin import NeedAdmin
from exhibitors.models import Need
from fairs.models import Fair, Participation
from portal.lib import changes
from portal.lib.admin import PortalModelAdmin, PortalTabularInline, ReadOnlyMixin, date_column
from portal.lib.forms import persian_active
from portal.lib.text import to_persian_digits

from . import services
from .explain import stored_explanations
from .models import (
    ContactMessage,
    ContactRequest,
    Dismissal,
    Match,
    NeedSuggestion,
    Pending,
    SupplyLink,
)


class ContactMessageInline(PortalTabularInline):
    model = ContactMessage
    fields = ["author", "written_by", "body", "created_at"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(ContactRequest)
class ContactRequestAdmin(PortalModelAdmin):
    """Organizers follow the requests between units; what the units wrote is theirs."""

    list_display = ["subject", "sender", "receiver", "status", date_column("created_at", _("sent"))]
    list_filter = ["status", "receiver__county", "sender__county"]
    list_select_related = ["sender", "receiver"]
    search_fields = ["subject", "sender__legal_name", "receiver__legal_name"]
    readonly_fields = [
        "sender",
        "receiver",
        "sent_by",
        "subject",
        "amount",
        "amount_unit",
        date_column("created_at", _("sent")),
    ]
    fields = [*readonly_fields, "status"]
    inlines = [ContactMessageInline]

    def has_add_permission(self, request):
        return False


@admin.register(Match)
class MatchAdmin(ReadOnlyMixin, PortalModelAdmin):
    """Read only: the engine writes matches (manage.py rematch)."""

    list_display = ["need", "product", "fair", "proximity", "relevance_shown", "score_shown"]
    list_filter = ["proximity", "fair"]
    list_select_related = ["need", "product", "fair"]
    search_fields = ["need__name", "product__name", "need__exhibitor__legal_name"]

    # 0.85 as ۰٫۸۵ on Persian pages, with the Persian decimal point.
    @admin.display(
        description=Match._meta.get_field("relevance").verbose_name, ordering="relevance"
    )
    def relevance_shown(self, match):
        return number_text(f"{match.relevance:.2f}")

    @admin.display(description=Match._meta.get_field("score").verbose_name, ordering="score")
    def score_shown(self, match):
        return number_text(f"{match.score:.2f}")


class FailedFilter(admin.SimpleListFilter):
    title = _("state")
    parameter_name = "failed"

    def lookups(self, request, model_admin):
        return [("yes", _("failed")), ("given-up", _("waiting for an organizer"))]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(attempts__gt=0)
        if self.value() == "given-up":
            return queryset.filter(attempts__gte=settings.MATCHING_ATTEMPTS)
        return queryset


@admin.register(Pending)
class PendingAdmin(ReadOnlyMixin, PortalModelAdmin):
    """What waits to be matched again; a recompute that failed shows its error
    here and, after MATCHING_ATTEMPTS, waits for "Try again"."""

    list_display = ["__str__", date_column("created_at", _("since")), "attempts", "error_shown"]
    list_filter = [FailedFilter, "kind"]
    actions = ["try_again"]

    @admin.display(description=_("last error"))
    def error_shown(self, pending):
        return pending.error[:200]

    @admin.action(description=_("Try again"), permissions=["view"])
    def try_again(self, request, queryset):
        chosen = list(queryset.filter(attempts__gt=0))
        services.retry(chosen)
        self.message_user(
            request,
            ngettext(
                "%(n)d recompute will be tried again.",
                "%(n)d recomputes will be tried again.",
                len(chosen),
            )
            % {"n": len(chosen)},
        )


@admin.register(Dismissal)
class DismissalAdmin(PortalModelAdmin):
    """What units said does not serve their needs: the most dismissed products first,
    data for the next tuning round (docs/matching.md)."""

    list_display = [
        "product",
        "need",
        "reason",
        "times_dismissed",
        "dismissed_by",
        date_column("created_at", _("when")),
    ]
    list_filter = ["reason", "product__exhibitor__county"]
    list_select_related = ["need", "product", "dismissed_by"]
    search_fields = ["need__name", "product__name", "product__exhibitor__legal_name"]
    readonly_fields = ["need", "product", "reason", "dismissed_by", "created_at"]

    def get_queryset(self, request):
        times = (
            Dismissal.objects.filter(product=OuterRef("product"))
            .values("product")
            .annotate(n=Count("pk"))
            .values("n")
        )
        # Annotated before ordering: ModelAdmin.get_queryset would order by it first.
        queryset = Dismissal.objects.annotate(times=Subquery(times))
        return queryset.order_by(*self.get_ordering(request))

    def get_ordering(self, request):
        return ["-times", "-created_at"]

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        changes.changed(needs=[obj.need_id])  # the pair may come back

    def delete_queryset(self, request, queryset):
        needs = list(queryset.values_list("need_id", flat=True))
        super().delete_queryset(request, queryset)
        changes.changed(needs=needs)

    @admin.display(description=_("times this product was dismissed"), ordering="times")
    def times_dismissed(self, obj):
        return number_text(obj.times)

    def has_add_permission(self, request):
        return False


@admin.register(SupplyLink)
class SupplyLinkAdmin(PortalModelAdmin):
    """The supply-chain map: which ISIC division buys what from which. Suggested
    needs come from it."""

    list_display = ["buyer_division", "supplier_division", "inputs_fa", "inputs_en"]
    list_editable = ["inputs_fa", "inputs_en"]
    list_filter = ["buyer_division"]
    search_fields = ["buyer_division", "supplier_division", "inputs_fa", "inputs_en"]

    # A need without a category is read in the divisions its unit buys from:
    # a link added, moved or deleted changes matches, and asks for a rematch.
    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if not change or {"buyer_division", "supplier_division"} & set(form.changed_data):
            changes.changed(everything=True)

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        changes.changed(everything=True)

    def delete_queryset(self, request, queryset):
        super().delete_queryset(request, queryset)
        changes.changed(everything=True)


class FairFilter(admin.SimpleListFilter):
    """Suggestions answered by units that take part in a fair."""

    title = _("fair")
    parameter_name = "fair"

    def lookups(self, request, model_admin):
        return [(str(f.pk), f.title) for f in Fair.objects.order_by("-starts_on")]

    def queryset(self, request, queryset):
        value = self.value()
        if value and value.isdigit():
            return queryset.filter(
                exhibitor__participations__fair_id=int(value),
                exhibitor__participations__status=Participation.Status.APPROVED,
            ).distinct()
        return queryset


@admin.register(NeedSuggestion)
class NeedSuggestionAdmin(PortalModelAdmin):
    """Suggested needs that units added or dismissed; per fair, how many were added."""

    list_display = ["name", "exhibitor", "status", date_column("decided_at", _("when"))]
    list_filter = ["status", FairFilter, "supplier_division"]
    list_select_related = ["exhibitor"]
    search_fields = ["name", "exhibitor__legal_name"]
    readonly_fields = ["exhibitor", "name", "supplier_division", "status", "need", "decided_by"]

    def changelist_view(self, request, extra_context=None):
        return super().changelist_view(
            request, {**(extra_context or {}), "per_fair": accepted_per_fair()}
        )

    def has_add_permission(self, request):
        return False


def accepted_per_fair():
    """[(fair, added, dismissed)] of suggested needs answered by each fair's units."""
    rows = (
        NeedSuggestion.objects.filter(
            exhibitor__participations__status=Participation.Status.APPROVED
        )
        .values("exhibitor__participations__fair")
        .annotate(
            added=Count("pk", filter=Q(status=NeedSuggestion.Status.ACCEPTED), distinct=True),
            dismissed=Count("pk", filter=Q(status=NeedSuggestion.Status.DISMISSED), distinct=True),
        )
    )
    fairs = Fair.objects.in_bulk([r["exhibitor__participations__fair"] for r in rows])
    return [
        (fairs[r["exhibitor__participations__fair"]], r["added"], r["dismissed"])
        for r in rows
        if r["exhibitor__participations__fair"] in fairs
    ]


class NeedWithMatchesAdmin(NeedAdmin):
    """The need's page, with why each of its stored matches is there (match_explain)."""

    readonly_fields = [*NeedAdmin.readonly_fields, "why_these_matches"]

    @admin.display(description=_("stored matches, and why"))
    def why_these_matches(self, obj):
        if not obj.pk:
            return "–"
        blocks = []
        for match, explanation in stored_explanations(obj, limit=5):
            lines = format_html_join("", "<li>{}</li>", ((line,) for line in explanation.lines()))
            blocks.append(
                format_html(
                    "<details><summary>{} ({})</summary><ul>{}</ul></details>",
                    match.product.name,
                    number_text(f"{match.score:.2f}"),
                    lines,
                )
            )
        return format_html_join("", "{}", ((b,) for b in blocks)) if blocks else _("none")


def number_text(value):
    if not persian_active():
        return str(value)
    return to_persian_digits(str(value).replace(".", "٫"))


admin.site.unregister(Need)
admin.site.register(Need, NeedWithMatchesAdmin)
