"""The dispatch SMS text: a center's template filled from the order, at most 70 characters.

Template
    ``MessageTemplate.text``, one per kind of order (defaults in kefu.dispatch.defaults):
    literal text with placeholders in braces, e.g. ``[{serial}]{customer},{phone}[{agent_no}]``.
    The placeholders are the keys of PLACEHOLDERS, each used at most once; ``{serial}`` and
    ``{agent_no}`` are required; ``{{`` and ``}}`` write a literal brace.

Empty fields
    A field without a value is left out with the text that belongs to it. The literal text
    between two placeholders is split at its separators (SEPARATORS: commas, semicolons,
    、 / | - 。 and spaces): what comes before the first separator belongs to the field before
    (a closing bracket, a unit such as 件), what comes after the last one to the field after
    (an opening bracket, a label such as 收:), the span between is the separator. Literal
    text without a separator gives its trailing opening brackets to the field after, the rest
    to the field before. Before the first placeholder and after the last, the same split
    decides what goes with the first / last field (only brackets when there is no separator);
    the rest is fixed text, always sent. Between two fields that are sent, with fields left
    out between them, the shortest separator of that stretch is kept (the first on a tie). So
    ``[{serial}]{customer},{phone}`` without a customer gives ``[P251124001]13512345678``, and
    ``…,{charges},{hint}[{agent_no}]`` without a hint gives ``…,保价费10元[8011]``.

Length
    At most SMS_LIMIT (70) characters, counted as ``len`` (a Chinese character is one),
    including the signature the gateway puts first (the center's, 中心信息, e.g. 【某某水务】): the
    text's budget is 70 - len(signature).

Shortening, when the filled template is over its budget; deterministic:
    1. Cut the free-text fields in SHORTEN_ORDER (hint, charges, payment, consignee, customer,
       destination, address, goods), each only as far as needed and never below SHORT_MIN (4)
       characters, the last of them "…".
    2. Still over: leave out whole fields in DROP_ORDER (hint, charges, payment, volume,
       weight, quantity, window, destination, consignee, customer, address, goods) until the
       text fits; room this frees beyond what was missing goes back to the fields cut in step
       1, the last cut first.
    3. PROTECTED fields (serial, phone, consignee_phone, agent_no) are never cut or left out:
       if the text still does not fit, it is returned whole with ``over_limit`` set.
    ``validate_template`` refuses a template for which step 3 can happen with realistic
    serials, phone numbers and 工号 (PROTECTED_MAX).

Everything here is a pure function of its arguments, apart from reading the template row of a
kind (``template_of``) and the center's signature (kefu.core.center).
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kefu.core import center, placeholders
from kefu.core.errors import Code, ServiceError
from kefu.core.masking import Masker
from kefu.core.services import clean_text
from kefu.dispatch.defaults import DEFAULT_TEMPLATES
from kefu.dispatch.models import MessageTemplate

if TYPE_CHECKING:
    from django_stubs_ext import StrPromise

logger = logging.getLogger(__name__)

SMS_LIMIT = center.SMS_LIMIT
TEMPLATE_MAX = 300  # MessageTemplate.text's max_length

# The placeholders a template may use, with what they stand for (for the template form's help).
PLACEHOLDERS: dict[str, StrPromise] = {
    "serial": gettext_lazy("派工单号"),
    "customer": gettext_lazy("客户/发货人"),
    "phone": gettext_lazy("客户电话"),
    "goods": gettext_lazy("货物/故障"),
    "quantity": gettext_lazy("件数"),
    "weight": gettext_lazy("重量"),
    "volume": gettext_lazy("体积"),
    "destination": gettext_lazy("目的地"),
    "consignee": gettext_lazy("收货人"),
    "consignee_phone": gettext_lazy("收货人电话"),
    "payment": gettext_lazy("付款方式"),
    "charges": gettext_lazy("附加费用"),
    "hint": gettext_lazy("提示"),
    "address": gettext_lazy("地址"),
    "window": gettext_lazy("预约时间"),
    "agent_no": gettext_lazy("派工坐席工号"),
}
REQUIRED = ("serial", "agent_no")
PROTECTED = ("serial", "phone", "consignee_phone", "agent_no")
# The longest realistic protected values: a serial past 99,999 orders a day, a landline with
# area code and extension, a six-digit 工号. validate_template reserves this much room.
PROTECTED_MAX = {"serial": 12, "phone": 13, "consignee_phone": 13, "agent_no": 6}

SHORTEN_ORDER = (
    "hint",
    "charges",
    "payment",
    "consignee",
    "customer",
    "destination",
    "address",
    "goods",
)
DROP_ORDER = (
    "hint",
    "charges",
    "payment",
    "volume",
    "weight",
    "quantity",
    "window",
    "destination",
    "consignee",
    "customer",
    "address",
    "goods",
)
SHORT_MIN = 4
ELLIPSIS = "…"

# ASCII and full-width comma and semicolon, 、 / | - 。 and ASCII and ideographic space.
SEPARATORS = frozenset(",\uff0c;\uff1b\u3001/|-\u3002 \u3000")
OPENING = "[(\u3010\uff08\u300c\u300e\u300a<"  # [ ( 【 ( 「 『 《 <
CLOSING = "])\u3011\uff09\u300d\u300f\u300b>"  # ] ) 】 ) 」 』 》 >

# What a preview fills in for the values an order gets only when it is created / dispatched:
# a serial as long as a real one (P + day + three digits) and a four-digit 工号. The desk form
# passes the agent's own agent_no when it has it.
PREVIEW_SERIAL = "P000000000"
PREVIEW_AGENT_NO = "0000"
# The work order's own field names, accepted by preview_text next to the placeholder names.
ALIASES = {"customer_name": "customer", "customer_phone": "phone"}


@dataclass
class Rendered:
    text: str  # the SMS body, without the signature
    length: int  # len(text)
    limit: int  # the body's budget: SMS_LIMIT - len(signature)
    shortened: list[str] = field(default_factory=list)  # fields sent cut short, in rule order
    dropped: list[str] = field(default_factory=list)  # fields left out to fit, in rule order
    over_limit: bool = False  # still longer than limit: the protected fields alone do not fit
    signature: str = ""  # what the gateway puts first; signature + text is what the phone shows

    @property
    def shortened_labels(self) -> list[str]:
        """The shortened fields' names in the UI language (for the preview)."""
        return [str(PLACEHOLDERS.get(name, name)) for name in self.shortened]

    @property
    def dropped_labels(self) -> list[str]:
        return [str(PLACEHOLDERS.get(name, name)) for name in self.dropped]


@dataclass(frozen=True)
class _Part:
    name: str
    before: str  # sent before the value, only with it (an opening bracket, a label)
    after: str  # sent after the value, only with it (a closing bracket, a unit)


@dataclass(frozen=True)
class _Template:
    head: str  # fixed text before the first field
    parts: tuple[_Part, ...]
    separators: tuple[str, ...]  # separators[i] lies between parts[i] and parts[i + 1]
    tail: str  # fixed text after the last field

    @property
    def names(self) -> frozenset[str]:
        return frozenset(part.name for part in self.parts)

    def fill(self, values: Mapping[str, str]) -> str:
        out = [self.head]
        last = None  # index of the last part sent
        for index, part in enumerate(self.parts):
            value = values.get(part.name, "")
            if not value:
                continue
            if last is not None:
                out.append(min(self.separators[last:index], key=len))
            out.append(f"{part.before}{value}{part.after}")
            last = index
        out.append(self.tail)
        return "".join(out)


def _separator_marks(literal: str) -> list[int]:
    return [i for i, char in enumerate(literal) if char in SEPARATORS]


def _split_between(literal: str) -> tuple[str, str, str]:
    """Literal text between two placeholders → (after the field before, separator, before the
    field after)."""
    marks = _separator_marks(literal)
    if marks:
        return literal[: marks[0]], literal[marks[0] : marks[-1] + 1], literal[marks[-1] + 1 :]
    cut = len(literal.rstrip(OPENING))
    return literal[:cut], "", literal[cut:]


def _split_head(literal: str) -> tuple[str, str]:
    """Literal text before the first placeholder → (fixed text, before the first field)."""
    marks = _separator_marks(literal)
    cut = marks[-1] + 1 if marks else len(literal.rstrip(OPENING))
    return literal[:cut], literal[cut:]


def _split_tail(literal: str) -> tuple[str, str]:
    """Literal text after the last placeholder → (after the last field, fixed text)."""
    marks = _separator_marks(literal)
    cut = marks[0] if marks else len(literal) - len(literal.lstrip(CLOSING))
    return literal[:cut], literal[cut:]


def _invalid(message: str) -> ServiceError:
    return ServiceError(Code.INVALID, message, field="text")


@functools.lru_cache(maxsize=128)
def _parse(text: str) -> _Template:
    """``text`` as a template; ServiceError(INVALID, field="text") for bad braces, an unknown
    or repeated placeholder, or a missing required one. (Errors are not cached.)"""
    literals: list[str] = []
    names: list[str] = []
    pending = ""
    for literal, name in placeholders.split(text, field="text"):
        pending += literal
        if name is None:
            continue
        if name not in PLACEHOLDERS:
            raise placeholders.unknown_error(name, PLACEHOLDERS, "text")
        if name in names:
            raise _invalid(_("占位符 {%(name)s} 只能用一次") % {"name": name})
        literals.append(pending)
        names.append(name)
        pending = ""
    literals.append(pending)
    for name in REQUIRED:
        if name not in names:
            raise _invalid(
                _("模板必须包含 {%(name)s}(%(label)s)")
                % {"name": name, "label": PLACEHOLDERS[name]}
            )
    head, first_before = _split_head(literals[0])
    last_after, tail = _split_tail(literals[-1])
    befores = [first_before]
    afters: list[str] = []
    separators: list[str] = []
    for literal in literals[1:-1]:
        after, separator, before = _split_between(literal)
        afters.append(after)
        separators.append(separator)
        befores.append(before)
    afters.append(last_after)
    parts = tuple(_Part(n, b, a) for n, b, a in zip(names, befores, afters, strict=True))
    return _Template(head=head, parts=parts, separators=tuple(separators), tail=tail)


def signature() -> str:
    """The center's SMS signature (中心信息, else KEFU_SMS_SIGNATURE): the gateway puts it first."""
    return center.sms_signature()


def sms_budget() -> int:
    """The characters left for the text once the gateway put the signature first."""
    return SMS_LIMIT - len(signature())


def validate_template(text: str) -> None:
    """Refuse a template that cannot be used: ServiceError(INVALID, field="text") when it is
    empty or longer than TEMPLATE_MAX, has bad braces, an unknown or repeated placeholder, lacks
    {serial} or {agent_no}, or when its fixed text with the protected fields at their longest
    (PROTECTED_MAX) leaves no room within the budget (which the signature reduces)."""
    clean_text(text, "text", limit=TEMPLATE_MAX, required=True, message=_("请填写短信模板"))
    template = _parse(text)
    longest = {name: "0" * PROTECTED_MAX[name] for name in PROTECTED}
    length, budget = len(template.fill(longest)), sms_budget()
    if length > budget:
        raise _invalid(
            _(
                "模板的固定文字太长:单号、电话和工号按最长计算已有 %(length)d 个字,"
                "超过短信的 %(budget)d 个字"
            )
            % {"length": length, "budget": budget}
        )


def _clean(value: object) -> str:
    # One line: newlines and runs of spaces typed into a form become one space.
    return " ".join(str(value).split()) if value is not None else ""


def render_message(
    template_text: str, values: Mapping[str, object], *, limit: int | None = None
) -> Rendered:
    """``template_text`` filled with ``values`` (placeholder → value; missing ones are empty)
    and shortened to ``limit`` (default: the budget left by the signature) by the module's
    rule. Raises ServiceError(INVALID) when the template does not parse."""
    template = _parse(template_text)
    budget = sms_budget() if limit is None else limit
    names = template.names
    filled = {name: _clean(values.get(name)) for name in names}
    text = template.fill(filled)
    shortened: list[str] = []
    dropped: list[str] = []
    for name in SHORTEN_ORDER:
        over = len(text) - budget
        if over <= 0:
            break
        value = filled.get(name, "")
        if len(value) <= SHORT_MIN:
            continue
        keep = max(SHORT_MIN, len(value) - over)
        filled[name] = value[: keep - 1] + ELLIPSIS
        shortened.append(name)
        text = template.fill(filled)
    for name in DROP_ORDER:
        if len(text) <= budget:
            break
        if not filled.get(name):
            continue
        filled[name] = ""
        dropped.append(name)
        if name in shortened:
            shortened.remove(name)
        text = template.fill(filled)
    if dropped:
        # Leaving a field out may free more room than was missing: it goes back to the fields
        # cut in step 1, the most important (the last cut) first.
        for name in reversed(shortened[:]):
            room = budget - len(text)
            if room <= 0:
                break
            full = _clean(values.get(name))
            keep = len(filled[name]) + room
            if keep >= len(full):
                filled[name] = full
                shortened.remove(name)
            else:
                filled[name] = full[: keep - 1] + ELLIPSIS
            text = template.fill(filled)
    return Rendered(
        text=text,
        length=len(text),
        limit=budget,
        shortened=shortened,
        dropped=dropped,
        over_limit=len(text) > budget,
        signature=signature(),
    )


def format_window(start: object, end: object) -> str:
    """An appointment window, short: ``11-25 14:00-16:00`` (``11-25 14:00-11-26 10:00`` when
    it ends on another day), in the center's local time; "" without both ends."""
    if not isinstance(start, dt.datetime) or not isinstance(end, dt.datetime):
        return ""
    if timezone.is_aware(start):
        start = timezone.localtime(start)
    if timezone.is_aware(end):
        end = timezone.localtime(end)
    finish = f"{end:%H:%M}" if end.date() == start.date() else f"{end:%m-%d %H:%M}"
    return f"{start:%m-%d %H:%M}-{finish}"


def values_of(order) -> dict[str, str]:
    """The placeholders' values for ``order`` (a WorkOrder, saved or not); ``agent_no`` is the
    工号 of who dispatched it ("" before dispatch)."""
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
        "window": format_window(order.window_start, order.window_end),
        "agent_no": agent.employee_no if agent else "",
    }


# What the template editor's preview fills in when no order of the kind exists yet: a
# realistic order of each kind (kefu.dispatch.admin).
_ON_SITE_SAMPLE = {
    "customer": "王建国",
    "phone": "13512345678",
    "address": "解放路88号3栋502",
    "goods": "厨房水管漏水",
    "window": "11-25 14:00-16:00",
    "hint": "请带截止阀",
}
_FREIGHT_SAMPLE = {
    "customer": "李秀英",
    "phone": "13512345678",
    "goods": "家电",
    "quantity": "2件",
    "weight": "35kg",
    "volume": "0.3方",
    "destination": "广州白云区",
    "consignee": "陈明",
    "consignee_phone": "13812345678",
    "payment": "到付",
    "charges": "保价费10元",
    "hint": "易碎轻放",
}
SAMPLES: dict[str, dict[str, str]] = {
    "repair": _ON_SITE_SAMPLE,
    "install": {**_ON_SITE_SAMPLE, "goods": "新装智能水表"},
    "survey": {**_ON_SITE_SAMPLE, "goods": "小区管网漏损查勘"},
    "other": _ON_SITE_SAMPLE,
    "pickup": _FREIGHT_SAMPLE,
    "delivery": _FREIGHT_SAMPLE,
}


def sample_values(kind: str) -> dict[str, str]:
    """A realistic order of ``kind`` for a preview, with a real-length serial and 工号."""
    return {"serial": "P251124001", "agent_no": "8011", **SAMPLES.get(kind, _ON_SITE_SAMPLE)}


def default_template(kind: str) -> str:
    return DEFAULT_TEMPLATES.get(kind, DEFAULT_TEMPLATES["other"])


def template_of(kind: str) -> str:
    """The text of the active template of ``kind``; the shipped default when there is none."""
    text = (
        MessageTemplate.objects.filter(kind=kind, is_active=True)
        .values_list("text", flat=True)
        .first()
    )
    return text or default_template(kind)


def as_seen_by(masker: Masker, text: str, order) -> str:
    """A dispatch SMS of ``order`` as ``masker``'s viewer may read it: for a viewer without
    the personal-data permission its numbers and the order's addresses are masked (the text
    sent is never changed)."""
    return masker.text(text, addresses=(order.address, order.destination))


def preview_for(masker: Masker, order) -> Rendered:
    """``message_for(order)`` as ``masker``'s viewer may read it."""
    rendered = message_for(order)
    return replace(rendered, text=as_seen_by(masker, rendered.text, order))


def message_for(order) -> Rendered:
    """The dispatch text of ``order`` with its kind's active template. A stored template that
    no longer parses (edited around the form) is logged and the default used instead: the
    field staff still get their order."""
    values = values_of(order)
    text = template_of(order.kind)
    try:
        return render_message(text, values)
    except ServiceError:
        logger.warning("dispatch template of %s does not parse, default used: %r", order.kind, text)
        return render_message(default_template(order.kind), values)


def preview_text(
    fields: Mapping[str, object], kind: str, template_text: str | None = None
) -> Rendered:
    """The dispatch text an order with ``fields`` would get, before it exists.

    ``fields`` holds placeholder names or the order's own field names (``customer_name``,
    ``customer_phone``, ``window_start`` / ``window_end``); others are ignored. Without a
    ``serial`` the preview uses PREVIEW_SERIAL, without an ``agent_no`` PREVIEW_AGENT_NO.
    ``template_text`` previews a template being edited: it is validated first
    (ServiceError(INVALID, field="text")); by default the kind's active template is used.
    """
    values: dict[str, object] = {ALIASES[key]: fields[key] for key in ALIASES if key in fields}
    values.update((key, value) for key, value in fields.items() if key in PLACEHOLDERS)
    if not values.get("window"):
        values["window"] = format_window(fields.get("window_start"), fields.get("window_end"))
    if not _clean(values.get("serial")):
        values["serial"] = PREVIEW_SERIAL
    if not _clean(values.get("agent_no")):
        values["agent_no"] = PREVIEW_AGENT_NO
    if template_text is None:
        template_text = template_of(kind)
    else:
        validate_template(template_text)
    return render_message(template_text, values)
