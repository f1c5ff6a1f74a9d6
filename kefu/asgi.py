"""ASGI entry point: Django for HTTP, Channels for the websockets: the staff's live channel
(/ws/live), the chat console (/ws/chat/agent) and a chat visitor's (/ws/chat/<token>)."""

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kefu.settings")

from django.core.asgi import get_asgi_application  # noqa: E402

django_application = get_asgi_application()

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402
from django.urls import path  # noqa: E402

from kefu.accounts.consumers import LiveConsumer  # noqa: E402
from kefu.chat.consumers import AgentConsumer, VisitorConsumer  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": django_application,
        "websocket": AllowedHostsOriginValidator(
            AuthMiddlewareStack(
                URLRouter(
                    [
                        path("ws/live", LiveConsumer.as_asgi()),
                        path("ws/chat/agent", AgentConsumer.as_asgi()),
                        path("ws/chat/<str:token>", VisitorConsumer.as_asgi()),
                    ]
                )
            )
        ),
    }
)
