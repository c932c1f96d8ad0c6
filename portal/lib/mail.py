"""Messages from templates: <name>_subject.txt, <name>.txt and <name>.html for
email, <name>_sms.txt for an SMS. The messaging app queues and sends them."""

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation


def render_email(name, context, *, language=None):
    """(subject, text, html) in ``language`` (default: the portal's, Persian),
    whatever language the request that caused it was in."""
    with translation.override(language or settings.LANGUAGE_CODE):
        subject = " ".join(render_to_string(f"{name}_subject.txt", context).split())
        text = render_to_string(f"{name}.txt", context)
        html = render_to_string(f"{name}.html", context)
    return subject, text, html


def render_sms(name, context, *, language=None):
    """The text of an SMS, its lines stripped and blank ones dropped."""
    with translation.override(language or settings.LANGUAGE_CODE):
        text = render_to_string(f"{name}_sms.txt", context)
    return "\n".join(line.strip() for line in text.splitlines() if line.strip())
