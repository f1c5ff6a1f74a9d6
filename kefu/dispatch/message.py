"""The dispatch SMS text: a center's template filled from the order, at most 70 characters.

(Being written: the template syntax, the shortening rule and the preview.)
"""

from __future__ import annotations

from dataclasses import dataclass, field

SMS_LIMIT = 70


@dataclass
class Rendered:
    text: str
    length: int
    limit: int
    shortened: list[str] = field(default_factory=list)  # fields cut, in the rule's order
    dropped: list[str] = field(default_factory=list)  # fields left out to fit
    over_limit: bool = False


def values_of(order) -> dict[str, str]:
    """The placeholders' values for ``order`` (a WorkOrder, saved or not)."""
    agent = getattr(getattr(order, "dispatched_by", None), "staff", None)
    return {
        "serial": order.serial,
        "customer": order.customer_name,
        "phone": order.customer_phone,
        "goods": order.goods,
        "quantity": order.quantity,
        "weight": order.weight,
        "volume": order.volume,
        "destination": order.destination,
        "consignee": order.consignee,
        "consignee_phone": order.consignee_phone,
        "payment": order.payment,
        "charges": order.charges,
        "hint": order.hint,
        "address": order.address,
        "agent_no": agent.employee_no if agent else "",
    }


def validate_template(text: str) -> None:
    """(Being written.)"""


def message_for(order) -> Rendered:
    """The dispatch text of ``order`` with its kind's template."""
    text = "[{serial}]{customer},{phone},{goods},{address}[{agent_no}]".format(**values_of(order))
    return Rendered(text=text, length=len(text), limit=SMS_LIMIT)


def preview_text(fields: dict, kind: str, template_text: str | None = None) -> Rendered:
    """(Being written.)"""
    text = "[P000000000]" + ",".join(str(v) for v in fields.values() if v)
    return Rendered(text=text, length=len(text), limit=SMS_LIMIT)
