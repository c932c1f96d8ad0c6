from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from exhibitors.admin import clipped, quantity, with_note
from portal.lib import changes
from portal.lib.admin import PortalModelAdmin, PortalTabularInline, date_column
from portal.lib.forms import persian_active
from portal.lib.text import format_number

from . import layout, services
from .models import Booth, Fair, Hall, Participation


class FairChangesMixin:
    """Deleting halls, booths or participations changes who stands where: the
    fair's matches follow (portal/lib/changes.py)."""

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        changes.changed(fairs=[obj.fair_id])

    def delete_queryset(self, request, queryset):
        fairs = set(queryset.values_list("fair_id", flat=True))
        super().delete_queryset(request, queryset)
        changes.changed(fairs=fairs)


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
        (_("Invitations"), {"fields": ["campaigns"]}),
    ]
    readonly_fields = ["campaigns"]

    class Media:
        css = {"all": ["css/outreach-admin.css"]}  # the funnel's chart

    @admin.display(description=_("campaigns"))
    def campaigns(self, fair):
        """issue 14: the fair's invitation campaigns, and their funnel together."""
        from outreach import chart
        from outreach import services as outreach
        from outreach.models import Campaign

        if fair.pk is None:
            return "—"
        count = fair.campaigns.count()
        sent = list(fair.campaigns.exclude(status=Campaign.Status.DRAFT))
        rows = outreach.funnel(sent) if sent else []
        funnel = (
            format_html(
                '<figure class="funnel-figure">{}</figure>',
                mark_safe(chart.bars(rows[0][1], outreach.STEPS)),
            )
            if rows
            else ""
        )
        return format_html(
            '{}{} · <a href="{}?fair__id__exact={}">{}</a> · <a href="{}?fair={}">{}</a>'
            ' · <a href="{}?kind=floorplan&amp;fair={}">{}</a>',
            funnel,
            format_number(count, persian=persian_active()),
            reverse("admin:outreach_campaign_changelist"),
            fair.pk,
            _("the campaigns"),
            reverse("admin:outreach_campaign_fair_funnel"),
            fair.pk,
            _("their funnel, all together"),
            reverse("admin:outreach_importrun_add"),
            fair.pk,
            _("import a floor plan"),
        )

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        # Its status and dates decide whether its booths count for matching.
        changes.changed(fairs=[obj.pk])


class AssignBoothForm(forms.Form):
    """An approved unit of the hall's fair, and a free booth of the hall for it."""

    participation = forms.ModelChoiceField(
        label=_("approved unit"), queryset=Participation.objects.none()
    )
    booth = forms.ModelChoiceField(label=_("free booth"), queryset=Booth.objects.none())

    def __init__(self, hall, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["participation"].queryset = (
            Participation.objects.approved()
            .filter(fair_id=hall.fair_id)
            .select_related("exhibitor", "booth")
            .order_by("booth", "exhibitor__legal_name")
        )
        self.fields["participation"].label_from_instance = lambda p: (
            f"{p.exhibitor} · {p.booth.code}" if p.booth else f"{p.exhibitor} · —"
        )
        self.fields["booth"].queryset = Booth.objects.filter(
            hall=hall, participations__isnull=True
        ).order_by("code")


@admin.register(Hall)
class HallAdmin(FairChangesMixin, PortalModelAdmin):
    list_display = ["code", "name_fa", "fair_title", "size", "plan_link"]
    list_filter = ["fair"]
    list_select_related = ["fair"]
    search_fields = ["code", "name_fa", "name_en", "fair__title_fa"]
    autocomplete_fields = ["fair"]

    def get_readonly_fields(self, request, obj=None):
        # Its booths and their units belong to the fair: a hall never moves.
        return ["fair"] if obj else []

    def get_urls(self):
        plan = path(
            "<path:object_id>/plan/",
            self.admin_site.admin_view(self.plan_view),
            name="fairs_hall_plan",
        )
        return [plan, *super().get_urls()]

    @admin.display(description=_("fair"), ordering="fair")
    def fair_title(self, hall):
        return clipped(hall.fair.title)

    @admin.display(description=_("size (m)"))
    def size(self, hall):
        return size_text(hall.width, hall.depth)

    @admin.display(description=_("plan"))
    def plan_link(self, hall):
        url = reverse("admin:fairs_hall_plan", args=[hall.pk])
        return format_html('<a href="{}">{}</a>', url, _("plan and booths"))

    def plan_view(self, request, object_id):
        """The hall drawn with free and taken booths; assigns a free booth to a unit."""
        hall = self.get_object(request, unquote(object_id))
        if hall is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        if not self.has_view_permission(request, hall):
            raise PermissionDenied
        can_assign = request.user.has_perm("fairs.change_participation")
        form = AssignBoothForm(hall, initial={"booth": request.GET.get("booth")})
        if request.method == "POST":
            if not can_assign:
                raise PermissionDenied
            form = AssignBoothForm(hall, request.POST)
            if form.is_valid():
                try:
                    participation = services.assign_booth(
                        participation=form.cleaned_data["participation"],
                        booth=form.cleaned_data["booth"],
                    )
                except forms.ValidationError as error:
                    form.add_error("booth", error)
                else:
                    self.message_user(
                        request,
                        _("Booth %(code)s is now held by %(unit)s.")
                        % {"code": participation.booth.code, "unit": participation.exhibitor},
                        messages.SUCCESS,
                    )
                    return redirect(request.path)
        booths = layout.placed_booths(hall.fair_id, hall)
        categories, colours = layout.fair_divisions(hall.fair_id)
        drawing = layout.draw(
            hall,
            booths,
            colours=colours,
            divisions=categories,
            highlight=request.GET.get("highlight", "")[:20],
            link=lambda booth: "" if booth.holder else f"?booth={booth.pk}",
        )
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "original": hall,
            "title": _("Plan of %(hall)s") % {"hall": hall},
            "drawing": drawing,
            "form": form if can_assign else None,
            "free": sum(1 for b in booths if b.holder is None),
            "taken": sum(1 for b in booths if b.holder is not None),
            "public_url": reverse("fairs:plan_hall", args=[hall.fair.slug, hall.code]),
        }
        return TemplateResponse(request, "admin/fairs/hall/plan.html", context)


def size_text(width, depth):
    """3 × 2.5, in the digits of the language."""
    return f"{quantity(width)} × {quantity(depth)}"


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
class BoothAdmin(FairChangesMixin, PortalModelAdmin):
    form = BoothForm
    # The fair is a filter and the hall's tooltip: its title filled the screen.
    list_display = ["code", "hall_name", "size", "position", "holder"]
    list_filter = ["fair"]
    list_select_related = ["hall__fair", "fair"]
    search_fields = ["code", "fair__title_fa", "participations__exhibitor__legal_name"]
    autocomplete_fields = ["hall"]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("participations__exhibitor")

    # A booth that moves changes who stands next to whom (at its old fair too).
    def save_model(self, request, obj, form, change):
        before = set(Booth.objects.filter(pk=obj.pk).values_list("fair_id", flat=True))
        super().save_model(request, obj, form, change)
        changes.changed(fairs={obj.fair_id} | before)

    @admin.display(description=_("hall"), ordering="hall__code")
    def hall_name(self, booth):
        return format_html('<span title="{}">{}</span>', booth.hall, booth.hall.name)

    @admin.display(description=_("size (m)"))
    def size(self, booth):
        return size_text(booth.width, booth.height)

    @admin.display(description=_("position (m)"))
    def position(self, booth):
        comma = "، " if persian_active() else ", "
        return f"{quantity(booth.x)}{comma}{quantity(booth.y)}"

    @admin.display(description=_("held by"))
    def holder(self, booth):
        held = booth.participations.all()
        if not held:
            return "—"
        unit = held[0].exhibitor
        return clipped(str(unit), unit.legal_name)


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
class ParticipationAdmin(FairChangesMixin, PortalModelAdmin):
    form = ParticipationForm
    # Short columns: the status and the booth must show beside the filters on
    # a laptop, and on a phone (admin.css hides the fair and the date there).
    list_display = [
        "unit",
        "fair_title",
        "status",
        "booth_code",
        date_column("applied_at", _("applied")),
    ]
    list_filter = ["fair", "status", "exhibitor__county", "exhibitor__park"]
    list_select_related = ["exhibitor__county", "fair", "booth__hall"]
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

    @admin.display(description=_("unit"), ordering="exhibitor__legal_name")
    def unit(self, participation):
        unit = participation.exhibitor
        return with_note(str(unit), unit.county.name)

    @admin.display(description=_("fair"), ordering="fair")
    def fair_title(self, participation):
        return clipped(participation.fair.title)

    @admin.display(description=_("booth"), ordering="booth__code")
    def booth_code(self, participation):
        booth = participation.booth
        if booth is None:
            return "—"
        return format_html('<span title="{}">{}</span>', booth.hall.name, booth.code)

    def save_model(self, request, obj, form, change):
        status_changed = change and "status" in form.changed_data
        if status_changed:
            obj.decided_at = timezone.now()
        before = set(Participation.objects.filter(pk=obj.pk).values_list("fair_id", flat=True))
        super().save_model(request, obj, form, change)
        changes.changed(fairs={obj.fair_id} | before)
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
            # Its hall's short name: the fair's title made the list too wide for a
            # phone; a new participation's list spans fairs and names them.
            field.label_from_instance = (
                (lambda b: f"{b.code} · {b.hall.name}")
                if current
                else (lambda b: f"{b.code} · {b.hall.name} · {b.fair}")
            )
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
