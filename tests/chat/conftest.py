"""The chat's tests run in the center's hours (a Wednesday, 10:00 in Shanghai) unless a test
moves the clock; ``online`` puts an agent on the console."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine

from kefu.chat import services

SHANGHAI = ZoneInfo("Asia/Shanghai")
# Wednesday 3 December 2025, a working day.
WORKDAY_10AM = dt.datetime(2025, 12, 3, 10, 0, tzinfo=SHANGHAI)


@pytest.fixture
def clock():
    with time_machine.travel(WORKDAY_10AM, tick=True) as traveller:
        yield traveller


@pytest.fixture
def online(clock, agent):
    services.set_presence(agent, status="online")
    return agent
