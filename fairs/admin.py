from django import forms
from django.contrib import admin, messages
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from portal.lib.admin import PortalModelAdmin, PortalTabularInline, date_column

from . import services
from .models import Booth, Fair, Hall, Participation


class HallInline(PortalTabularInline):
    model = Hall
    fields = ["code", "name_fa", "name_en", "width", "depth"]
    extra = 0


@admin.register(Fair)
class FairAdmin(PortalModelAdmin):
    list_display = [
        "title_fa",
        "edition",
        "status",
        date_column("starts_on", _("starts on")),
        date_column("ends_on", _("ends on")),
        "county",
    ]
    list_filter = ["status", "county", "series"]
    list_select_related = ["county"]
    search_fields = ["title_fa", "title_en", "slug", "series"]
    autocomplete_fields = ["county"]
    prepopulated_fields = {"slug": ["title_en"]}
    inlines = [HallInline]
    fieldsets = [
        (None, {"fields": ["title_fa", "title_en", "slug", "edition", "series", "status"]}),
        (_("Where"), {"fields": ["venue_fa", "venue_en", "county"]}),
        (
            _("When"),
            {
                "fields": [
                    "starts_on",
                    "ends_on",
                    "registration_opens_on",
                    "registration_closes_on",
                ]
            },
        ),
        (None, {"fields": ["description"]}),
    ]


@admin.register(Hall)
class HallAdmin(PortalModelAdmin):
    list_display = ["code", "name_fa", "fair", "width", "depth"]
    list_filter = ["fair"]
    list_select_related = ["fair"]
    search_fields = ["code", "name_fa", "name_en", "fair__title_fa"]
    autocomplete_fields = ["fair"]

    def get_readonly_fields(self, request, obj=None):
        # Its booths and their units belong to the fair: a hall never moves.
        return ["fair"] if obj else []


class BoothForm(forms.ModelForm):
    class Meta:
        model = Booth
        fields = ["hall", "code", "x", "y", "width", "height"]

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("hall"):
            self.instance.fair = cleaned["hall"].fair
        return cleaned

    def _get_validation_exclusions(self):
        # The fair comes from the hall (Booth.clean) and the code must be
        # unique in it: validate that constraint although fair is no field.
        exclusions = super()._get_validation_exclusions()
        exclusions.discard("fair")
        return exclusions


@admin.register(Booth)
class BoothAdmin(PortalModelAdmin):
    form = BoothForm
    list_display = ["code", "hall", "fair", "x", "y", "width", "height", "holder"]
    list_filter = ["fair"]
    list_select_related = ["hall__fair", "fair"]
    search_fields = ["code", "fair__title_fa", "participations__exhibitor__legal_name"]
    autocomplete_fields = ["hall"]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("participations__exhibitor")

    @admin.display(description=_("held by"))
    def holder(self, booth):
        held = booth.participations.all()
        return held[0].exhibitor if held else "—"


class ParticipationForm(forms.ModelForm):
    class Meta:
        model = Participation
        fields = ["fair", "exhibitor", "status", "booth", "note"]

    def clean(self):
        cleaned = super().clean()
        booth = cleaned.get("booth")
        if booth and cleaned.get("fair") and booth.fair_id != cleaned["fair"].pk:
            self.add_error("booth", _("This booth belongs to another fair."))
        elif booth:
            # The admin saves inside a transaction: the lock holds until then.
            try:
                services.lock_free_booth(booth=booth, participation=self.instance)
            except forms.ValidationError as error:
                self.add_error("booth", error)
        return cleaned


@admin.register(Participation)
class ParticipationAdmin(PortalModelAdmin):
    form = ParticipationForm
    list_display = [
        "exhibitor",
        "fair",
        "status",
        "booth",
        date_column("applied_at", _("applied")),
    ]
    list_filter = ["fair", "status", "exhibitor__county", "exhibitor__park"]
    list_select_related = ["exhibitor", "fair", "booth"]
    search_fields = [
        "exhibitor__legal_name",
        "exhibitor__brand",
        "exhibitor__national_id",
        "booth__code",
    ]
    autocomplete_fields = ["fair", "exhibitor"]
    readonly_fields = [
        date_column("applied_at", _("applied")),
        date_column("decided_at", _("decided")),
    ]
    actions = ["approve", "reject"]

    def save_model(self, request, obj, form, change):
        status_changed = change and "status" in form.changed_data
        if status_changed:
            obj.decided_at = timezone.now()
        super().save_model(request, obj, form, change)
        if status_changed:
            transaction.on_commit(lambda: services.notify_unit(participation=obj))

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "booth":
            # Free booths only (and the one this participation holds), of its fair when known.
            current = request.resolver_match.kwargs.get("object_id")
            booths = (
                Booth.objects.select_related("hall__fair", "fair")
                .filter(Q(participations__isnull=True) | Q(participations__pk=current))
                .exclude(fair__status=Fair.Status.ARCHIVED)
            )
            if current:
                booths = booths.filter(fair__participations__pk=current)
            kwargs["queryset"] = booths.order_by("fair", "hall__code", "code")
            field = super().formfield_for_foreignkey(db_field, request, **kwargs)
            field.label_from_instance = lambda b: f"{b.code} · {b.hall}"
            return field
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def _decide(self, request, queryset, status, message):
        changed = services.decide(participations=list(queryset), status=status)
        self.message_user(request, message(changed) % {"count": changed}, messages.SUCCESS)

    @admin.action(description=_("Approve the selected applications"), permissions=["change"])
    def approve(self, request, queryset):
        self._decide(
            request,
            queryset,
            Participation.Status.APPROVED,
            lambda n: ngettext(
                "%(count)d application approved.", "%(count)d applications approved.", n
            ),
        )

    @admin.action(description=_("Reject the selected applications"), permissions=["change"])
    def reject(self, request, queryset):
        self._decide(
            request,
            queryset,
            Participation.Status.REJECTED,
            lambda n: ngettext(
                "%(count)d application rejected.", "%(count)d applications rejected.", n
            ),
        )
