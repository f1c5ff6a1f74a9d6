"""What the complaint process adds to a ticket's life (see kefu.tickets.hooks): the complaint
fields at intake, the routing table, the promised result in the read-back, severity on saving,
the steps a complaint is not ready for, and the department told when it arrives."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from kefu.complaints import rules
from kefu.tickets import hooks


def _clean(data, type_code: str) -> rules.ComplaintFields | None:
    return rules.clean_fields(
        type_code,
        category=data.category,
        source=data.source,
        loss_or_injury=data.loss_or_injury,
        complaint_class=data.complaint_class,
        matter=getattr(data, "matter", "") or "",
    )


def _route(cleaned: dict):
    """The routing table (派单规则) names a department by type, area and complaint category."""
    complaint = cleaned["extras"].get("complaint")
    return rules.route(
        cleaned["type"].code,
        area=cleaned["area"],
        category=complaint.category if complaint else None,
        branch=cleaned["branch"],
    )


def _readback(cleaned: dict) -> dict:
    return {"promised": rules.promised_result(cleaned)}


def _record(ticket, fields, actor):
    return rules.on_intake(ticket, fields, actor=actor) if fields is not None else None


def _guard(ticket, action: str) -> None:
    if rules.is_complaint(ticket):
        rules.check_action(ticket, action)


def _on_change(ticket, change: hooks.Change) -> None:
    if rules.is_complaint(ticket):
        rules.on_transition(ticket, change.action)


def register() -> None:
    # Before the deadlines: the complaint's severity and class choose its time limits.
    hooks.register_intake(
        hooks.IntakeHook(
            name="complaint", clean=_clean, route=_route, readback=_readback, after=_record
        ),
        before="deadlines",
    )
    hooks.register_guard(_guard)
    hooks.register_reaction(_on_change)
    hooks.register_event_labels(
        {
            "classify": _("界定责任"),
            "onsite": _("预约现场界定"),
            "facts": _("修改投诉信息"),
            "override": _("认定严重程度"),
            "severity": _("严重程度变化"),
            "collective": _("集体投诉"),
            "plan_proposed": _("提交处理方案"),
            "plan_approved": _("审批通过"),
            "plan_rejected": _("退回方案"),
            "confirmed": _("客户确认"),
            "explained": _("解释说明"),
            "hotline": _("告知相关单位热线"),
            "unsatisfied": _("客户不满意"),
            "lessons": _("总结改进"),
        }
    )
