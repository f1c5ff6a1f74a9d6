"""Problems, manual entries and grumbles for the notebook tests."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from kefu.notebooks import services


def problem(actor, **over):
    fields = dict(category="policy", text="客户问阶梯水价的新政策,知识库没有答案", ticket_serial="")
    fields.update(over)
    return services.record_problem(actor, **fields)


def entry(actor, **over):
    fields = dict(day=timezone.localdate(), kind="counter", count=3, note="")
    fields.update(over)
    return services.add_entry(actor, **fields)


def grumble(actor, **over):
    fields = dict(
        at=timezone.now() - dt.timedelta(minutes=30),
        channel="desk",
        content="排队等了二十分钟",
        handling="致歉并优先办理",
        satisfied=True,
        category="",
        customer_name="张三丰",
        customer_phone="13812345678",
    )
    fields.update(over)
    return services.record_grumble(actor, services.GrumbleIn(**fields))
