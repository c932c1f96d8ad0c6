from django import forms
from django.utils.translation import gettext_lazy as _

from portal.lib.text import to_ascii_digits


class ClaimCodeForm(forms.Form):
    code = forms.CharField(
        label=_("The code we sent"),
        max_length=12,
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "autocomplete": "one-time-code", "dir": "ltr"}
        ),
    )

    def clean_code(self):
        code = to_ascii_digits(self.cleaned_data["code"]).replace(" ", "")
        if not code.isdigit() or len(code) != 6:
            raise forms.ValidationError(_("The code is six digits."), code="format")
        return code
