from django import forms
from django.utils.translation import gettext_lazy as _

from portal.lib.forms import AutoDirectionMixin, DigitsInput

from .models import ContactMessage, ContactRequest


class ContactForm(AutoDirectionMixin, forms.ModelForm):
    """The first message to another unit: what is needed, how much, and a note."""

    message = forms.CharField(
        label=_("Message"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("Who you are, what you need and when; at most 4,000 characters."),
    )

    class Meta:
        model = ContactRequest
        fields = ["subject", "amount", "amount_unit"]
        widgets = {"amount": DigitsInput()}

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("amount") and not cleaned.get("amount_unit"):
            self.add_error("amount_unit", _("Say in what unit the amount is."))
        return cleaned


class ReplyForm(AutoDirectionMixin, forms.ModelForm):
    class Meta:
        model = ContactMessage
        fields = ["body"]
        widgets = {"body": forms.Textarea(attrs={"rows": 4})}
        labels = {"body": _("Your answer")}
