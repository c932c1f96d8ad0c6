"""Organizers' and administrators' sessions: short, and gone with the browser.

A staff session reaches every unit's data through the admin; left open on a
shared computer at a fair's desk it must not last the two weeks of an
exhibitor's. StaffSessionMiddleware (after the auth and messages middleware)
ends a staff session after settings.STAFF_SESSION_IDLE_MINUTES without a
request, and makes its cookie one that the browser drops when it closes.
Other sessions are left as they are.

The time of the last request is written to the session at most once a
minute (SEEN_EVERY), not on every request.
"""

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.signals import user_logged_in
from django.utils.translation import ngettext

SEEN = "portal.staff_seen"
SEEN_EVERY = 60  # seconds


def _privileged(user):
    return user.is_authenticated and (user.is_staff or user.is_superuser)


def connect():
    """At sign-in (PortalConfig.ready): a staff session starts as a browser
    session with its first activity noted, so that its first requests write
    nothing more."""
    user_logged_in.connect(_signed_in, dispatch_uid="portal.staff_sessions")


def _signed_in(sender, request, user, **kwargs):
    if _privileged(user) and hasattr(request, "session"):
        StaffSessionMiddleware._touch(request.session, int(time.time()))


class StaffSessionMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        now = int(time.time())
        idle = settings.STAFF_SESSION_IDLE_MINUTES * 60
        if _privileged(request.user):
            seen = request.session.get(SEEN)
            if idle and seen is not None and now - seen > idle:
                logout(request)
                minutes = settings.STAFF_SESSION_IDLE_MINUTES
                messages.info(
                    request,
                    ngettext(
                        "You were signed out after %(minutes)d minute without activity. "
                        "Please sign in again.",
                        "You were signed out after %(minutes)d minutes without activity. "
                        "Please sign in again.",
                        minutes,
                    )
                    % {"minutes": minutes},
                )
        response = self.get_response(request)
        # After the view: a sign-in that just happened is seen here too.
        if _privileged(request.user):
            self._touch(request.session, now)
        return response

    @staticmethod
    def _touch(session, now):
        if not session.get_expire_at_browser_close():
            session.set_expiry(0)
        seen = session.get(SEEN)
        if seen is None or now - seen >= SEEN_EVERY:
            session[SEEN] = now
