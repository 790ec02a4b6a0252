"""Session lifetime (ASVS 3.3.1, 3.3.2; issue 12 case 10): an idle timeout and an absolute lifetime.

Settings (seconds): SESSION_IDLE_TIMEOUT (default 8 h) and SESSION_ABSOLUTE_LIFETIME (default 12 h). A session
is ended, and the next page asks to sign in again, when no request came for the idle timeout, or when the
absolute lifetime since signing in has passed, whatever the activity. The last-seen time is written at most
once a minute, so ordinary pages add no query.
"""

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver

STARTED = "_portal_started_at"
SEEN = "_portal_seen_at"
SEEN_RESOLUTION = 60  # seconds: how stale the last-seen stamp may be before it is written again


@receiver(user_logged_in, dispatch_uid="portal_session_started")
def _session_started(sender, request, user, **kwargs):
    if request is not None and hasattr(request, "session"):
        now = int(time.time())
        request.session[STARTED] = now
        request.session[SEEN] = now


def session_expired(session, now: int) -> str | None:
    """Why a signed-in session has ended ("idle" or "lifetime"), or None while it is valid."""
    started, seen = session.get(STARTED), session.get(SEEN)
    if started is None or seen is None:
        return None
    if now - int(seen) > settings.SESSION_IDLE_TIMEOUT:
        return "idle"
    if now - int(started) > settings.SESSION_ABSOLUTE_LIFETIME:
        return "lifetime"
    return None


class SessionLifetimeMiddleware:
    """After AuthenticationMiddleware: signs out a session past its idle timeout or absolute lifetime."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        session = getattr(request, "session", None)
        if session is not None and session.get("_auth_user_id") is not None:
            now = int(time.time())
            why = session_expired(session, now)
            if why is not None:
                logout(request)
                text = (
                    "You were signed out after a while without activity."
                    if why == "idle"
                    else "Your session reached its maximum length; sign in again."
                )
                messages.info(request, text)
            elif session.get(STARTED) is None:
                # A session from before this rule: it starts counting now.
                session[STARTED] = session[SEEN] = now
            elif now - int(session[SEEN]) >= SEEN_RESOLUTION:
                session[SEEN] = now  # saved with the response; the cookie's expiry moves on with it
        return self.get_response(request)
