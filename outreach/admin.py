"""Campaigns in the admin: compose (audience, message, estimate), send, pause,
resume, test, the funnel; the recipients; the claims, which organizers may
revoke."""

import csv
import io

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from exhibitors.models import Category
from exhibitors.registry import read_csv
from fairs.models import Fair
from portal import demo
from portal.lib.admin import PortalModelAdmin
from portal.lib.text import format_number, to_ascii_digits

from . import chart, imports, services
from .models import Campaign, Claim, ImportRun, Recipient


class CampaignForm(forms.ModelForm):
    class Meta:
        model = Campaign
        fields = [
            "fair",
            "name",
            "reminder_of",
            "province",
            "county",
            "park",
            "isic",
            "state",
            "channel",
            "template_fa",
            "template_en",
            "rate",
        ]
        widgets = {
            "template_fa": forms.Textarea(attrs={"rows": 5, "dir": "rtl"}),
            "template_en": forms.Textarea(attrs={"rows": 5, "dir": "ltr"}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # A callable default (CAMPAIGN_RATE) would add a hidden "initial-" copy of it.
        if "rate" in self.fields:
            self.fields["rate"].show_hidden_initial = False

    def clean_isic(self):
        code = to_ascii_digits(self.cleaned_data["isic"]).strip().upper()
        if not code:
            return ""
        level = Category.Level.SECTION if code.isalpha() else Category.Level.DIVISION
        if not Category.objects.filter(code=code, level=level).exists():
            raise ValidationError(
                _("%(code)s is neither an ISIC section (C) nor a division (10).") % {"code": code},
                code="unknown_isic",
            )
        return code

    def clean_template_fa(self):
        services.check_template(self.cleaned_data["template_fa"])
        return self.cleaned_data["template_fa"].strip()

    def clean_template_en(self):
        text = self.cleaned_data["template_en"].strip()
        if text:
            services.check_template(text)
        return text

    def clean(self):
        data = super().clean()
        county, park, province = data.get("county"), data.get("park"), data.get("province")
        if park and county and park.county_id != county.pk:
            self.add_error("park", _("This industrial park is not in the chosen county."))
        if county and province and county.province_id != province.pk:
            self.add_error("county", _("This county is not in the chosen province."))
        reminder = data.get("reminder_of")
        if reminder and data.get("fair") and reminder.fair_id != data["fair"].pk:
            self.add_error("reminder_of", _("A reminder is of a campaign of the same fair."))
        if not self.errors and data.get("fair") and data.get("template_fa"):
            campaign = Campaign(**{k: v for k, v in data.items() if k in self.Meta.fields})
            try:
                services.check_parts(campaign)
            except ValidationError as error:
                self.add_error("template_fa", error)
        return data


@admin.register(Campaign)
class CampaignAdmin(PortalModelAdmin):
    form = CampaignForm
    list_display = ["name", "fair", "status", "recipient_count", "sent_at", "funnel_link"]
    list_filter = ["status", "fair"]
    search_fields = ["name"]
    autocomplete_fields = ["fair", "county", "park", "province"]
    readonly_fields = ["estimate", "progress"]
    fieldsets = [
        (None, {"fields": ["fair", "name", "reminder_of"]}),
        (
            gettext_lazy("Audience"),
            {"fields": ["province", "county", "park", "isic", "state"]},
        ),
        (
            gettext_lazy("Message"),
            {"fields": ["channel", "template_fa", "template_en", "rate"]},
        ),
        (gettext_lazy("Before sending"), {"fields": ["estimate", "progress"]}),
    ]

    class Media:
        js = ["js/campaign-admin.js"]
        css = {"all": ["css/outreach-admin.css"]}

    def get_queryset(self, request):
        # A count by subquery, from the index alone: a join and GROUP BY over
        # every recipient took 100 ms at 30,000 on each change page.
        recipients = (
            Recipient.objects.filter(campaign=OuterRef("pk"))
            .order_by()
            .values("campaign")
            .annotate(n=Count("pk"))
            .values("n")
        )
        return (
            super()
            .get_queryset(request)
            .select_related("fair")
            .annotate(n=Coalesce(Subquery(recipients), 0))
        )

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and obj.frozen:
            # Sent: what it was sent with stays as it was.
            return [*CampaignForm.Meta.fields, "estimate", "progress"]
        return self.readonly_fields

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)

    @admin.display(description=gettext_lazy("recipients"), ordering="n")
    def recipient_count(self, campaign):
        return format_number(campaign.n, persian=True) if campaign.frozen else "—"

    @admin.display(description=gettext_lazy("funnel"))
    def funnel_link(self, campaign):
        if not campaign.frozen:
            return "—"
        return format_html(
            '<a href="{}">{}</a>',
            reverse("admin:outreach_campaign_funnel", args=[campaign.pk]),
            _("funnel"),
        )

    @admin.display(description=gettext_lazy("estimate"))
    def estimate(self, campaign):
        if campaign.pk is None:
            return format_html(
                "<div data-estimate>{}</div>",
                _("Choose the fair and write the message: the recipients and the cost show here."),
            )
        if campaign.frozen:
            return _("Sent: its recipients were frozen then (see its progress and funnel).")
        figures = services.estimate(campaign)
        return TemplateResponse(
            None, "admin/outreach/campaign/_estimate.html", {"e": figures, "campaign": campaign}
        ).rendered_content

    @admin.display(description=gettext_lazy("progress"))
    def progress(self, campaign):
        if not campaign.frozen:
            return "—"
        counts = services.counts_by_status(campaign)
        return TemplateResponse(
            None,
            "admin/outreach/campaign/_progress.html",
            {"counts": counts, "campaign": campaign},
        ).rendered_content

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("audience/", view(self.audience_view), name="outreach_campaign_audience"),
            path("funnel/", view(self.fair_funnel_view), name="outreach_campaign_fair_funnel"),
            path("<path:object_id>/send/", view(self.send_view), name="outreach_campaign_send"),
            path("<path:object_id>/pause/", view(self.pause_view), name="outreach_campaign_pause"),
            path(
                "<path:object_id>/resume/", view(self.resume_view), name="outreach_campaign_resume"
            ),
            path("<path:object_id>/test/", view(self.test_view), name="outreach_campaign_test"),
            path(
                "<path:object_id>/funnel/", view(self.funnel_view), name="outreach_campaign_funnel"
            ),
            *super().get_urls(),
        ]

    def _campaign(self, request, object_id, *, send=False):
        campaign = self.get_object(request, unquote(object_id))
        if campaign is None:
            raise Http404
        if not self.has_view_permission(request, campaign):
            raise PermissionDenied
        if send and not request.user.has_perm("outreach.send_campaign"):
            raise PermissionDenied
        return campaign

    def audience_view(self, request):
        """The recipient count, part count and cost of the form as it is now (JSON)."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        form = CampaignForm(request.GET)
        form.is_valid()
        data = {k: v for k, v in form.cleaned_data.items() if k in CampaignForm.Meta.fields}
        if not data.get("fair"):
            return JsonResponse({"error": _("Choose the fair first.")}, status=400)
        campaign = Campaign(**{k: v for k, v in data.items() if v is not None})
        campaign.template_fa = campaign.template_fa or request.GET.get("template_fa", "")
        try:
            services.check_template(campaign.template_fa)
        except ValidationError as error:
            campaign.template_fa = "{unit}"
            template_error = error.messages[0]
        else:
            template_error = ""
        figures = services.estimate(campaign)
        return JsonResponse(
            {
                "count": figures["count"],
                "text": TemplateResponse(
                    request,
                    "admin/outreach/campaign/_estimate.html",
                    {"e": figures, "campaign": campaign, "template_error": template_error},
                ).rendered_content,
            }
        )

    @staticmethod
    def _post_only(request):
        # A link (or a prefetching browser) never sends, pauses or tests.
        if request.method != "POST":
            raise PermissionDenied

    def send_view(self, request, object_id):
        campaign = self._campaign(request, object_id, send=True)
        self._post_only(request)
        try:
            added = services.send(campaign, by=request.user)
        except ValidationError as error:
            self.message_user(request, error.messages[0], messages.ERROR)
        else:
            if added:
                self.message_user(
                    request,
                    _("Sending to %(n)s units.") % {"n": format_number(added, persian=True)},
                    messages.SUCCESS,
                )
            else:
                self.message_user(request, _("This campaign was sent already."), messages.WARNING)
        return redirect("admin:outreach_campaign_change", campaign.pk)

    def pause_view(self, request, object_id):
        campaign = self._campaign(request, object_id, send=True)
        self._post_only(request)
        if services.pause(campaign, _("Paused by %(user)s.") % {"user": request.user}):
            self.message_user(request, _("Paused."), messages.SUCCESS)
        return redirect("admin:outreach_campaign_change", campaign.pk)

    def resume_view(self, request, object_id):
        campaign = self._campaign(request, object_id, send=True)
        self._post_only(request)
        if services.resume(campaign):
            self.message_user(request, _("Sending again."), messages.SUCCESS)
        return redirect("admin:outreach_campaign_change", campaign.pk)

    def test_view(self, request, object_id):
        campaign = self._campaign(request, object_id, send=True)  # a test costs an SMS too
        self._post_only(request)
        account = getattr(request.user, "account", None)
        if account is None or not account.has_verified_mobile:
            self.message_user(
                request,
                _("Your account has no verified mobile to send the test to."),
                messages.ERROR,
            )
        else:
            services.send_test(campaign, account.mobile)
            self.message_user(
                request,
                _("A test went to %(number)s.") % {"number": services.masked(account.mobile)},
                messages.SUCCESS,
            )
        return redirect("admin:outreach_campaign_change", campaign.pk)

    def funnel_view(self, request, object_id):
        campaign = self._campaign(request, object_id)
        return self._funnel(request, [campaign], campaign.name, campaign)

    def fair_funnel_view(self, request):
        if not self.has_view_permission(request):
            raise PermissionDenied
        key = to_ascii_digits(request.GET.get("fair", ""))
        fair = get_object_or_404(Fair, pk=int(key) if key.isdigit() else 0)
        campaigns = list(Campaign.objects.filter(fair=fair).exclude(status=Campaign.Status.DRAFT))
        return self._funnel(request, campaigns, fair.title, None, fair=fair)

    def _funnel(self, request, campaigns, title, campaign, fair=None):
        by = request.GET.get("by", "")
        if by not in services.BY:
            by = ""
        rows = services.funnel(campaigns, by) if campaigns else []
        steps = services.STEPS
        kind = request.GET.get("format", "")
        if kind in ("csv", "xlsx"):
            return export(rows, steps, by, kind, title)
        total = rows[0][1] if rows and not by else None
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "original": campaign,
            "fair": fair,
            "title": _("Funnel: %(name)s") % {"name": title},
            "table": [(label, [counts[k] for k, _l in steps]) for label, counts in rows],
            "steps": steps,
            "by": by,
            "by_choices": [(k, v[1] if v else _("all together")) for k, v in services.BY.items()],
            "chart": chart.bars(total, steps) if total else "",
        }
        return TemplateResponse(request, "admin/outreach/campaign/funnel.html", context)

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        context["can_send"] = request.user.has_perm("outreach.send_campaign")
        return super().render_change_form(request, context, add, change, form_url, obj)


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _safe(value):
    """A cell a spreadsheet would run as a formula starts with ' instead."""
    text = str(value)
    return f"'{text}" if text.lstrip(" ").startswith(FORMULA_STARTS) else value


def export(rows, steps, by, kind, title):
    """The funnel as CSV or XLSX; a cell that would run as a formula starts with '."""
    header = [str(services.BY[by][1]) if by else _("campaign")] + [
        str(label) for _k, label in steps
    ]
    body = [
        [_safe(label if label is not None else title)] + [counts[k] for k, _l in steps]
        for label, counts in rows
    ]
    name = "funnel"
    if kind == "csv":
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(header)
        writer.writerows(body)
        response = HttpResponse("\ufeff" + out.getvalue(), content_type="text/csv; charset=utf-8")
    else:
        from openpyxl import Workbook

        book = Workbook()
        sheet = book.active
        sheet.title = "funnel"
        sheet.sheet_view.rightToLeft = True
        sheet.append(header)
        for row in body:
            sheet.append(row)
        out = io.BytesIO()
        book.save(out)
        response = HttpResponse(
            out.getvalue(),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    response["Content-Disposition"] = f'attachment; filename="{name}.{kind}"'
    return response


@admin.register(Recipient)
class RecipientAdmin(PortalModelAdmin):
    list_display = ["unit", "campaign", "number", "status", "skip_reason", "clicks", "used_at"]
    list_filter = ["status", "skip_reason", "campaign"]
    list_select_related = ["unit", "campaign"]
    search_fields = ["unit__legal_name", "unit__brand", "number"]
    readonly_fields = [f.name for f in Recipient._meta.fields if f.name != "code_hash"]
    exclude = ["code_hash"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Claim)
class ClaimAdmin(PortalModelAdmin):
    list_display = ["unit", "number", "user", "source", "created_at", "revoked_at"]
    list_filter = ["source", ("revoked_at", admin.EmptyFieldListFilter)]
    list_select_related = ["unit", "user"]
    search_fields = ["unit__legal_name", "unit__brand", "number"]
    readonly_fields = [f.name for f in Claim._meta.fields]
    actions = ["revoke"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_revoke_permission(self, request):
        return request.user.has_perm("outreach.revoke_claim")

    @admin.action(
        description=gettext_lazy("Revoke: the owner leaves, the unit can be claimed again"),
        permissions=["revoke"],
    )
    def revoke(self, request, queryset):
        done = sum(services.revoke(claim, by=request.user) for claim in queryset)
        self.message_user(
            request,
            _("%(n)s claims revoked.") % {"n": format_number(done, persian=True)},
            messages.SUCCESS,
        )


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(d, initial) for d in data]
        return [single(data, initial)] if data else []


class ImportForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("what"), choices=ImportRun.Kind.choices)
    fair = forms.ModelChoiceField(
        label=gettext_lazy("fair"),
        queryset=Fair.objects.all(),
        required=False,
        help_text=gettext_lazy("For a floor plan: the fair it is of."),
    )
    files = MultipleFileField(
        label=gettext_lazy("files"),
        required=False,
        help_text=gettext_lazy(
            "A registry: one .xlsx workbook (sheets units, products, needs) or the files "
            "units.csv, products.csv and needs.csv. A floor plan: one .csv file."
        ),
    )

    def clean(self):
        data = super().clean()
        kind = data.get("kind")
        if kind == ImportRun.Kind.FLOORPLAN and not data.get("fair"):
            self.add_error("fair", _("Choose the fair the floor plan is of."))
        if kind:
            try:
                data["names"] = imports.stored_names(kind, data.get("files") or [])
            except ValidationError as error:
                self.add_error("files", error)
        return data


@admin.register(ImportRun)
class ImportRunAdmin(PortalModelAdmin):
    list_display = ["__str__", "kind", "fair", "status", "uploaded_by", "created_at"]
    list_filter = ["kind", "status"]
    list_select_related = ["fair", "uploaded_by"]

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("sample/<str:name>", view(self.sample_view), name="outreach_importrun_sample"),
            path(
                "<path:object_id>/confirm/",
                view(self.confirm_view),
                name="outreach_importrun_confirm",
            ),
            path(
                "<path:object_id>/cancel/", view(self.cancel_view), name="outreach_importrun_cancel"
            ),
            *super().get_urls(),
        ]

    def add_view(self, request, form_url="", extra_context=None):
        if not self.has_add_permission(request):
            raise PermissionDenied
        initial = {"kind": request.GET.get("kind", ImportRun.Kind.REGISTRY)}
        fair_id = to_ascii_digits(request.GET.get("fair", ""))
        if fair_id.isdigit():
            initial["fair"] = fair_id
        form = ImportForm(initial=initial)
        if request.method == "POST":
            form = ImportForm(request.POST, request.FILES)
            if form.is_valid():
                run = imports.start(
                    kind=form.cleaned_data["kind"],
                    fair=form.cleaned_data.get("fair"),
                    uploads=form.cleaned_data["files"],
                    names=form.cleaned_data["names"],
                    user=request.user,
                )
                return redirect("admin:outreach_importrun_change", run.pk)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("Import a registry or a floor plan"),
            "form": form,
            "samples": SAMPLES,
            "max_mb": round(settings.IMPORT_MAX_BYTES / 1024 / 1024),
        }
        return TemplateResponse(request, "admin/outreach/importrun/add.html", context)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        run = self.get_object(request, unquote(object_id))
        if run is None:
            raise Http404
        if not self.has_view_permission(request, run):
            raise PermissionDenied
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "original": run,
            "title": str(run),
            "run": run,
            "can_confirm": self.has_add_permission(request),
            "working": run.status in (ImportRun.Status.CHECKING, ImportRun.Status.IMPORTING),
        }
        return TemplateResponse(request, "admin/outreach/importrun/run.html", context)

    def confirm_view(self, request, object_id):
        run = self.get_object(request, unquote(object_id))
        if run is None:
            raise Http404
        if request.method != "POST" or not self.has_add_permission(request):
            raise PermissionDenied
        if not imports.confirm(run, skip_invalid=bool(request.POST.get("skip_invalid"))):
            self.message_user(
                request, _("This import is not waiting for a confirmation."), messages.WARNING
            )
        return redirect("admin:outreach_importrun_change", run.pk)

    def cancel_view(self, request, object_id):
        run = self.get_object(request, unquote(object_id))
        if run is None:
            raise Http404
        if request.method != "POST" or not self.has_add_permission(request):
            raise PermissionDenied
        if imports.cancel(run):
            self.message_user(request, _("Cancelled: nothing was written."), messages.SUCCESS)
        return redirect("admin:outreach_importrun_changelist")

    def sample_view(self, request, name):
        """The demo's files, in the import contracts: the sample to fill in."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        if name == "registry.xlsx":
            return _sample_workbook()
        if name not in SAMPLES:
            raise Http404
        body = (demo.FOLDER / name).read_bytes()
        response = HttpResponse(body, content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response


SAMPLES = ["units.csv", "products.csv", "needs.csv", "booths.csv"]


def _sample_workbook():
    from openpyxl import Workbook

    book = Workbook()
    book.remove(book.active)
    for sheet in ("units", "products", "needs"):
        table = read_csv(demo.FOLDER / f"{sheet}.csv")
        page = book.create_sheet(sheet)
        page.sheet_view.rightToLeft = True
        page.append(table.header)
        for _number, cells in table.rows:
            page.append(cells)
    out = io.BytesIO()
    book.save(out)
    response = HttpResponse(
        out.getvalue(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = 'attachment; filename="registry.xlsx"'
    return response
