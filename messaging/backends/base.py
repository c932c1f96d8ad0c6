"""What every SMS backend offers, and the three ways a send can go wrong."""


class SendError(Exception):
    """A send did not succeed; the subclass says what the message's row becomes."""


class TransientError(SendError):
    """Nothing was sent and trying again later may work (a 5xx, a timeout, no
    connection): the message is queued again with a backoff."""


class PermanentError(SendError):
    """Nothing was sent and trying again will not help (an invalid number): failed."""


class UncertainError(SendError):
    """It may or may not have been sent (the provider answered garbage): unknown,
    for an organizer to decide on."""


class BaseSMSBackend:
    """Subclasses implement ``send()``; the rest is optional."""

    # Whether delivery() can say if a sent message reached the phone.
    reports_delivery = False

    def __init__(self, **kwargs):
        pass

    def send_messages(self, messages):
        """Send each messaging.Message; their provider ids, in order."""
        return [self.send(m.to, m.text, local_id=m.local_id) for m in messages]

    def send(self, to, text, *, local_id):
        """Send ``text`` to the mobile ``to`` (09XXXXXXXXX); return the provider's id.

        ``local_id`` is ours (the message's random local id): a provider that checks it for
        duplicates sends a resent message only once.
        """
        raise NotImplementedError

    def delivery(self, provider_ids):
        """{provider id: "delivered" | "undelivered"} for those that are final."""
        return {}

    def credit(self):
        """The account's remaining credit, or None if the provider does not say."""
        return None
