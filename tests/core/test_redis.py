"""With REDIS_URL set, live pushes and background jobs go through a real Redis."""

import os
import subprocess
import sys
import uuid

import pytest
from asgiref.sync import async_to_sync
from channels.layers import channel_layers

from kefu.core import realtime

REDIS_URL = os.environ.get("KEFU_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def _redis_up() -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping())
    except redis.RedisError:
        return False


pytestmark = pytest.mark.skipif(
    not _redis_up() and os.environ.get("CI") != "true", reason="Redis not reachable"
)


def test_settings_choose_redis_for_queue_and_live_layer():
    code = (
        "import json, kefu.settings as s; "
        "print(json.dumps([s.HUEY['huey_class'], s.CHANNEL_LAYERS['default']['BACKEND']]))"
    )
    env = dict(os.environ, REDIS_URL=REDIS_URL, KEFU_SECRET_KEY="x")
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == '["huey.RedisHuey", "channels_redis.core.RedisChannelLayer"]'


def test_live_push_travels_through_redis(settings):
    settings.CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": [REDIS_URL], "prefix": f"kefu-test-{uuid.uuid4().hex[:8]}"},
        }
    }
    channel_layers.backends.clear()
    try:
        layer = channel_layers["default"]

        async def roundtrip():
            channel = await layer.new_channel()
            await layer.group_add(realtime.AGENTS_GROUP, channel)
            return channel

        channel = async_to_sync(roundtrip)()
        realtime.publish(realtime.AGENTS_GROUP, {"type": "call.ringing", "phone": "13812345678"})
        message = async_to_sync(layer.receive)(channel)
        assert message == {
            "type": "push",
            "payload": {"type": "call.ringing", "phone": "13812345678"},
        }
    finally:
        channel_layers.backends.clear()
