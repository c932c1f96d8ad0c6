"""Sign-in and sign-up: a mobile and a code first; email and password as before."""

from django import forms
from django.contrib.auth import get_user_model, password_validation
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm
from django.core.exceptions import ValidationError
from django.template import loader
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from messaging import services as messaging
from messaging.models import Message
from portal.lib import identifiers
from portal.lib.text import to_ascii_digits


def clean_number(value):
    """A mobile typed any way (+98, 0098, 9…, Persian or Arabic digits, spaces);
    a landline is refused as such."""
    if len(str(value or "")) > 40:
        raise ValidationError(_("Enter a mobile number such as 09121234567."), code="too_long")
    try:
        return identifiers.clean_mobile(value)
    except ValidationError:
        try:
            identifiers.clean_landline(value)
        except ValidationError:
            raise ValidationError(
                _("Enter a mobile number such as 09121234567."), code="mobile_invalid"
            ) from None
        raise ValidationError(
            _("This is a landline. Codes are sent by SMS: enter a mobile number (09…)."),
            code="landline",
        ) from None


class MobileForm(forms.Form):
    mobile = forms.CharField(
        label=_("Mobile number"),
        max_length=40,
        widget=forms.TextInput(
            attrs={
                "dir": "ltr",
                "inputmode": "tel",
                "autocomplete": "tel",
                "placeholder": pgettext_lazy("an example mobile number", "09121234567"),
                "autofocus": True,
            }
        ),
    )

    def clean_mobile(self):
        return clean_number(self.cleaned_data["mobile"])


# The honeypot: a text field that people never see and bots fill in. Its name
# is one that browsers and password managers do not fill by themselves.
HONEYPOT = "extra_note"


class HoneypotInput(forms.TextInput):
    """Off the screen (.extra-field in site.css: no inline style), out of the
    tab order, hidden from screen readers, never autofilled."""

    # Rendered with the form's hidden fields: _form.html gives it no label or
    # wrapper of its own, and this one is hidden as a whole.
    is_hidden = True

    def __init__(self):
        super().__init__(attrs={"tabindex": "-1", "autocomplete": "off"})

    def render(self, name, value, attrs=None, renderer=None):
        field = super().render(name, value, attrs, renderer)
        return format_html(
            '<div class="extra-field" aria-hidden="true"><label for="{}">{}</label>{}</div>',
            (attrs or {}).get("id", ""),
            _("Leave this field empty"),
            field,
        )


class HoneypotMixin(forms.Form):
    extra_note = forms.CharField(required=False, max_length=200, widget=HoneypotInput())

    @property
    def is_bot(self):
        """The honeypot was filled: answer as if it went well, and do nothing."""
        return bool(self.cleaned_data.get(HONEYPOT))


class SignInForm(HoneypotMixin, MobileForm):
    """The mobile that signs in, or up: a new number makes an account."""

    field_order = ["mobile", HONEYPOT]


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("Code"),
        max_length=20,
        widget=forms.TextInput(
            attrs={
                "dir": "ltr",
                "inputmode": "numeric",
                "autocomplete": "one-time-code",
                "autofocus": True,
                "class": "code",
            }
        ),
    )

    def clean_code(self):
        code = to_ascii_digits(self.cleaned_data["code"]).replace(" ", "").strip()
        if not code.isdigit() or len(code) != 6:
            raise ValidationError(_("The code has 6 digits."), code="code_format")
        return code


class SignupForm(HoneypotMixin, forms.Form):
    """Email and password; the email, lower-cased, is also the username.

    Whether an account has the address already is not said here: the mail
    says it, to the address's owner (services.start_email_signup)."""

    field_order = ["email", "password1", "password2", HONEYPOT]

    email = forms.EmailField(
        label=_("Email"),
        max_length=150,
        widget=forms.EmailInput(attrs={"dir": "ltr", "autocomplete": "email"}),
    )
    password1 = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    password2 = forms.CharField(
        label=_("Password again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean_email(self):
        return self.cleaned_data["email"].strip().lower()

    def clean(self):
        cleaned = super().clean()
        one, two = cleaned.get("password1"), cleaned.get("password2")
        if one and two and one != two:
            self.add_error(
                "password2", forms.ValidationError(_("The passwords differ."), code="mismatch")
            )
        elif one and cleaned.get("email"):
            candidate = get_user_model()(username=cleaned["email"], email=cleaned["email"])
            try:
                password_validation.validate_password(one, candidate)
            except forms.ValidationError as error:
                self.add_error("password1", error)
        return cleaned


class EmailAuthenticationForm(AuthenticationForm):
    """Log in with the email (any case); organizers may use their username."""

    username = forms.CharField(
        label=_("Email"),
        max_length=254,
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "email", "dir": "ltr"}),
    )

    def clean(self):
        username = self.cleaned_data.get("username")
        if username and "@" in username:
            self.cleaned_data["username"] = username.strip().lower()
        return super().clean()


class EmailForm(forms.Form):
    email = forms.EmailField(
        label=_("Email"),
        max_length=150,
        widget=forms.EmailInput(attrs={"dir": "ltr", "autocomplete": "email"}),
    )

    def clean_email(self):
        return self.cleaned_data["email"].strip().lower()


class QueuedPasswordResetForm(PasswordResetForm):
    """Django's reset form, its mail queued as a message (sent by the worker)."""

    def send_mail(
        self,
        subject_template_name,
        email_template_name,
        context,
        from_email,
        to_email,
        html_email_template_name=None,
    ):
        subject = "".join(loader.render_to_string(subject_template_name, context).splitlines())
        html = ""
        if html_email_template_name is not None:
            html = loader.render_to_string(html_email_template_name, context)
        # Purpose "code": the link sets the password, so the admin hides it
        # as it hides one-time codes.
        messaging.send_email(
            to=to_email,
            subject=subject,
            text=loader.render_to_string(email_template_name, context),
            html=html,
            purpose=Message.Purpose.CODE,
        )
