"""Tests: each SMS lands in ``messaging.outbox``, as mail lands in ``mail.outbox``."""

import messaging

from .base import BaseSMSBackend


class SMSBackend(BaseSMSBackend):
    reports_delivery = True

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        if not hasattr(messaging, "outbox"):
            messaging.outbox = []

    def send(self, to, text, *, local_id):
        messaging.outbox.append(Sent(to=to, text=text, local_id=local_id))
        return f"locmem-{local_id}"

    def delivery(self, provider_ids):
        return dict.fromkeys(provider_ids, "delivered")


class Sent:
    def __init__(self, *, to, text, local_id):
        self.to, self.text, self.local_id = to, text, local_id

    def __repr__(self):
        return f"<SMS to {self.to}: {self.text[:30]!r}>"
