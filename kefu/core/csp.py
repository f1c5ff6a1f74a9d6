"""The Content-Security-Policy every page is sent with (django-csp; the policy is
CONTENT_SECURITY_POLICY in kefu/settings.py).

Pages load scripts, styles, images and fonts from Kefu itself only: no inline script, no inline
style (kefu/core/static/kefu/kefu.css has the classes), no eval (htmx runs with allowEval off,
base.html), no CDN. Each page may open websockets back to the host it was loaded from — listed
by name, for the browsers whose 'self' does not cover ws:// and wss:// — and may be framed by
no other site but the chat window (kefu.chat.views.embed). README, "Running it for real".
"""

from __future__ import annotations

from csp.middleware import CSPMiddleware, PolicyParts
from django.core.exceptions import DisallowedHost
from django.http import HttpRequest, HttpResponseBase


class PolicyMiddleware(CSPMiddleware):
    """django-csp's middleware, adding the page's own websocket origin to connect-src."""

    def get_policy_parts(
        self, request: HttpRequest, response: HttpResponseBase, report_only: bool = False
    ) -> PolicyParts:
        parts = super().get_policy_parts(request, response, report_only)
        try:
            host = request.get_host()
        except DisallowedHost:
            return parts
        scheme = "wss" if request.is_secure() else "ws"
        update = dict(parts.update or {})
        update["connect-src"] = [*(update.get("connect-src") or []), f"{scheme}://{host}"]
        parts.update = update
        return parts
