"""Email from templates: <name>_subject.txt, <name>.txt and <name>.html."""

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import translation


def send_templated(name, context, recipients, *, language=None):
    """Send one message per recipient so that no address is shown to another.

    Rendered in ``language`` (default: the portal's, Persian), whatever
    language the request that caused it was in. Returns how many were sent.
    """
    recipients = sorted({address for address in recipients if address})
    if not recipients:
        return 0
    with translation.override(language or settings.LANGUAGE_CODE):
        subject = " ".join(render_to_string(f"{name}_subject.txt", context).split())
        text = render_to_string(f"{name}.txt", context)
        html = render_to_string(f"{name}.html", context)
    for address in recipients:
        message = EmailMultiAlternatives(subject, text, to=[address])
        message.attach_alternative(html, "text/html")
        message.send()
    return len(recipients)
