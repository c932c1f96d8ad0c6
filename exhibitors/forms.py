from itertools import groupby

from django import forms
from django.forms.models import ModelChoiceIterator
from django.utils.translation import gettext_lazy as _

from portal.lib.forms import AutoDirectionMixin, DigitsInput, persian_active
from portal.lib.images import UploadLimitFormMixin
from portal.lib.text import compact, normalize, to_ascii_digits

from .models import Category, County, Exhibitor, IndustrialPark, Membership, Need, Product
from .search import category_label, category_named


class CategoryInput(forms.TextInput):
    """A text box with suggestions (static/js/forms.js); shows «۱۵۲۰ · name» (Persian
    digits on Persian pages)."""

    def __init__(self, attrs=None):
        super().__init__(
            {
                "class": "category-picker",
                "autocomplete": "off",
                "list": "category-suggestions",
                "data-url": "/categories/search/",
                **(attrs or {}),
            }
        )

    def format_value(self, value):
        if isinstance(value, Category):
            return category_label(value)
        if isinstance(value, int):  # the saved category's id, on an edit form
            category = Category.objects.filter(pk=value).first()
            return category_label(category) if category else ""
        return super().format_value(value)  # what was typed, shown back as typed


class CategoryField(forms.Field):
    """An ISIC category typed as its code ("1702", "۱۷۰۲"), its name, or a suggestion."""

    widget = CategoryInput
    default_error_messages = {
        "invalid": _(
            "No ISIC category matches this. Type a code such as 1702 or pick a suggestion."
        ),
        "ambiguous": _("Several categories match: %(options)s. Type the code of the one you mean."),
    }
    SHOWN = 5

    def to_python(self, value):
        value = to_ascii_digits((value or "").strip())
        if not value:
            return None
        code = value.split("·")[0].strip()
        if (code.isascii() and code.isdigit()) or (len(code) == 1 and code.isalpha()):
            category = Category.objects.filter(code=code.upper()).first()
            if category:
                return category
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        # «کفش» fits classes 1520 and 9523: a choice; «تولید کفش» fits group
        # 152 and its class 1520 only: the class.
        category, matches = category_named(value)
        if category:
            return category
        if not matches:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        raise forms.ValidationError(
            self.error_messages["ambiguous"],
            code="ambiguous",
            params={"options": self.choices_text(matches)},
        )

    def choices_text(self, matches):
        """«۱۵۲۰ · تولید کفش»، «۹۵۲۳ · …» on Persian pages; “1520 · …”, “9523 · …” on
        English. A group above a class of the same name (152 over 1520) is the class."""
        named = {(c.code, normalize(c.name_fa)) for c in matches}
        matches = [
            c
            for c in matches
            if not any(
                code != c.code and code.startswith(c.code) and name == normalize(c.name_fa)
                for code, name in named
            )
        ]
        shown = [category_label(c) for c in matches[: self.SHOWN]]
        if persian_active():
            text = "، ".join(f"«{label}»" for label in shown)
        else:
            text = ", ".join(f"“{label}”" for label in shown)
        return text + (" …" if len(matches) > self.SHOWN else "")


class GroupedChoiceIterator(ModelChoiceIterator):
    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        for group, objects in groupby(self.queryset, key=self.field.group_by):
            yield (str(group), [self.choice(obj) for obj in objects])


class GroupedModelChoiceField(forms.ModelChoiceField):
    """A <select> with <optgroup>s: counties under provinces, parks under counties.

    The queryset must be ordered by the group.
    """

    iterator = GroupedChoiceIterator

    def __init__(self, *args, group_by, **kwargs):
        self.group_by = group_by
        super().__init__(*args, **kwargs)


class UnitForm(UploadLimitFormMixin, AutoDirectionMixin, forms.ModelForm):
    county = GroupedModelChoiceField(
        queryset=County.objects.select_related("province").order_by("province__name_fa", "name_fa"),
        group_by=lambda county: county.province,
        label=_("County"),
    )
    park = GroupedModelChoiceField(
        queryset=IndustrialPark.objects.select_related("county").order_by(
            "county__name_fa", "name_fa"
        ),
        group_by=lambda park: park.county,
        label=_("Industrial park"),
        required=False,
        help_text=_("Leave empty if the unit is not in an industrial park or zone."),
    )
    category = CategoryField(label=_("Activity (ISIC)"))
    website = forms.URLField(
        label=_("Website"),
        required=False,
        max_length=200,
        assume_scheme="https",
        widget=forms.URLInput(attrs={"dir": "ltr"}),
    )

    class Meta:
        model = Exhibitor
        fields = [
            "legal_name",
            "brand",
            "national_id",
            "category",
            "county",
            "park",
            "address",
            "phone",
            "mobile",
            "email",
            "website",
            "description",
            "logo",
        ]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 4}),
            "email": forms.EmailInput(attrs={"dir": "ltr"}),
        }
        error_messages = {
            "legal_name": {"max_length": _("At most %(limit_value)d characters, please.")},
        }

    def registered_unit(self):
        """The unit that already holds the typed national ID, when that was the error."""
        if self.has_error("national_id", code="unique"):
            # add_error() dropped it from cleaned_data; the instance still holds it.
            return Exhibitor.objects.filter(national_id=self.instance.national_id).first()
        return None


class ItemForm(UploadLimitFormMixin, AutoDirectionMixin, forms.ModelForm):
    """A product or need of ``instance.exhibitor`` (set by the view before validation)."""

    category = CategoryField(label=_("Category (ISIC)"), required=False)

    def clean_name(self):
        name = self.cleaned_data["name"]
        siblings = type(self.instance).objects.filter(exhibitor=self.instance.exhibitor)
        if self.instance.pk:
            siblings = siblings.exclude(pk=self.instance.pk)
        # «ورق‌های فولادی» and «ورق های فولادي» are the same item twice.
        if any(
            compact(other) == compact(name) for other in siblings.values_list("name", flat=True)
        ):
            raise forms.ValidationError(
                _("The unit already lists “%(name)s”.") % {"name": name}, code="duplicate"
            )
        return name

    def _get_validation_exclusions(self):
        # Validate the unit-and-name constraint although the unit is no field.
        exclusions = super()._get_validation_exclusions()
        exclusions.discard("exhibitor")
        return exclusions

    class Meta:
        fields = ["name", "category", "description", "monthly_amount", "amount_unit"]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 3}),
            "monthly_amount": DigitsInput(),
        }


class ProductForm(ItemForm):
    # The image field is the model's (portal.lib.fields.CleanImageField): cleaned
    # there, the admin's as well; the uploads counted per user (request=).
    class Meta(ItemForm.Meta):
        model = Product
        fields = [*ItemForm.Meta.fields, "image"]


class NeedForm(ItemForm):
    class Meta(ItemForm.Meta):
        model = Need
        fields = [*ItemForm.Meta.fields, "current_source_province"]


class MembershipForm(forms.ModelForm):
    """A member in the admin: the user list leaves out organizers and
    administrators (Membership.user's limit_choices_to), and one sent anyway
    (a raw POST) is refused in words."""

    class Meta:
        model = Membership
        fields = ["user", "exhibitor", "role"]
        error_messages = {
            "user": {
                "invalid_choice": _(
                    "Choose an exhibitor's account: organizers and administrators cannot "
                    "be members of a unit."
                )
            }
        }


class InviteForm(forms.Form):
    email = forms.EmailField(
        label=_("Email"), max_length=254, widget=forms.EmailInput(attrs={"dir": "ltr"})
    )
    role = forms.ChoiceField(label=_("Role"), choices=Membership.Role.choices, initial="staff")


class AccessRequestForm(AutoDirectionMixin, forms.Form):
    message = forms.CharField(
        label=_("Message to the organizers"),
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Who you are in the unit, so that the organizers can check."),
    )
