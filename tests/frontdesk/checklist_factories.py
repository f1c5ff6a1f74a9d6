"""The two end-of-shift checklists of a visitor center, for the checklist tests."""

from __future__ import annotations

from kefu.frontdesk import checklists
from kefu.frontdesk.checklists import AnswerIn, ItemIn

SAFETY_ITEMS = ["灯光电源已关闭", "空调已关闭", "电脑、打印机已关机", "门窗已上锁"]
ASSET_ITEMS = [("轮椅", 3), ("对讲机", 4), ("雨伞", 20)]


def safety_checklist(lead, officer, *, name="班后设施、设备安全检查"):
    return checklists.create_checklist(
        lead,
        kind="safety",
        name=name,
        items=[ItemIn(text) for text in SAFETY_ITEMS],
        officer_id=officer.pk,
    )


def asset_checklist(lead, officer, *, name="班后固定资产清点"):
    return checklists.create_checklist(
        lead,
        kind="assets",
        name=name,
        items=[ItemIn(text, expected) for text, expected in ASSET_ITEMS],
        officer_id=officer.pk,
    )


def all_ok(checklist) -> list[AnswerIn]:
    return [AnswerIn(ok=True, counted=item.get("expected")) for item in checklist.items]
