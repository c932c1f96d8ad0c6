"""Kavenegar's REST API (https://kavenegar.com/rest.html), over plain HTTPS.

Configured from the environment: KAVENEGAR_API_KEY, KAVENEGAR_SENDER (a line
number; the account's default when empty), KAVENEGAR_URL (tests point it at a
local fake), SMS_TIMEOUT. Every answer is JSON: {"return": {"status",
"message"}, "entries": …}; the HTTP status repeats return.status.

Our message's pk goes as ``localid``: Kavenegar sends a message with a localid
it has seen only once, and answers with the first one's entry, so that a resend
of a message whose fate is unknown cannot reach the phone twice.
"""

import http.client
import json
import urllib.error
import urllib.parse
import urllib.request

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from .base import BaseSMSBackend, PermanentError, TransientError, UncertainError

# Account or credit trouble that an operator can fix while retries go on.
_RETRYABLE = {401, 403, 418}
# Kavenegar's delivery statuses (sms/status.json) that are final.
_DELIVERED = {10}
_UNDELIVERED = {6, 11, 13, 14, 100}


class SMSBackend(BaseSMSBackend):
    reports_delivery = True

    def __init__(self, api_key=None, sender=None, url=None, timeout=None, **kwargs):
        super().__init__(**kwargs)
        self.api_key = api_key or settings.KAVENEGAR_API_KEY
        self.sender = settings.KAVENEGAR_SENDER if sender is None else sender
        self.url = (url or settings.KAVENEGAR_URL).rstrip("/")
        self.timeout = timeout or settings.SMS_TIMEOUT
        if not self.api_key:
            raise ImproperlyConfigured("KAVENEGAR_API_KEY is not set.")

    def send(self, to, text, *, local_id):
        fields = {"receptor": to, "message": text, "localid": local_id}
        if self.sender:
            fields["sender"] = self.sender
        entries = self._call("sms/send.json", fields, sending=True)
        try:
            return str(entries[0]["messageid"])
        except (IndexError, KeyError, TypeError):
            raise UncertainError(f"Kavenegar's answer has no message id: {entries!r}") from None

    def delivery(self, provider_ids):
        ids = [i for i in provider_ids if i]
        if not ids:
            return {}
        entries = self._call("sms/status.json", {"messageid": ",".join(ids)})
        final = {}
        for entry in entries if isinstance(entries, list) else []:
            status = entry.get("status") if isinstance(entry, dict) else None
            if status in _DELIVERED:
                final[str(entry["messageid"])] = "delivered"
            elif status in _UNDELIVERED:
                final[str(entry["messageid"])] = "undelivered"
        return final

    def credit(self):
        entries = self._call("account/info.json", {})
        try:
            return int(entries["remaincredit"])
        except (KeyError, TypeError, ValueError):
            return None

    def _call(self, path, fields, sending=False):
        """POST ``fields`` and return the answer's entries, or raise a SendError."""
        url = f"{self.url}/v1/{urllib.parse.quote(self.api_key)}/{path}"
        body = urllib.parse.urlencode(fields).encode()
        request = urllib.request.Request(url, data=body, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                status, raw = response.status, response.read()
        except urllib.error.HTTPError as error:
            status, raw = error.code, error.read()
        except (TimeoutError, urllib.error.URLError, OSError, http.client.HTTPException) as error:
            # No answer, or one cut short: a resend is safe (the localid), so
            # try again later.
            raise TransientError(f"Kavenegar did not answer: {error}") from None
        try:
            answer = json.loads(raw.decode("utf-8"))
            code = int(answer["return"]["status"])
            message = str(answer["return"].get("message", ""))
        except (ValueError, KeyError, TypeError, UnicodeDecodeError):
            if status >= 500:
                raise TransientError(f"Kavenegar answered HTTP {status}.") from None
            if sending:
                raise UncertainError(
                    f"Kavenegar answered HTTP {status} with something that is not its JSON: "
                    f"{raw[:200]!r}"
                ) from None
            raise TransientError(f"Kavenegar answered HTTP {status} with {raw[:200]!r}.") from None
        if code == 200:
            return answer.get("entries")
        if code >= 500 or code in _RETRYABLE:
            raise TransientError(f"Kavenegar {code}: {message}")
        raise PermanentError(f"Kavenegar {code}: {message}")
