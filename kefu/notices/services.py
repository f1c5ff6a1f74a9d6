"""Notices: create, edit, publish, close, link a call; the only place that changes them.

Center staff who run the floor publish (team lead, supervisor, admin); every staff member
reads. Each change is one transaction, audited; publishing announces the notice live to the
agents and starts its SMS campaign (kefu.notices.campaign) after commit; closing starts the
SMS that it is over to the customers texted at publishing, after commit too.
"""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from kefu.accounts.models import ServiceArea
from kefu.accounts.scope import scope_of
from kefu.core.errors import Code, ServiceError
from kefu.core.realtime import AGENTS_GROUP, publish_on_commit
from kefu.core.said import said
from kefu.core.services import record_audit
from kefu.core.wording import check_outbound
from kefu.notices import campaign
from kefu.notices.access import access_notice, can_publish
from kefu.notices.models import DEFAULT_ADVICE, Campaign, Notice, NoticeLink, NoticeUpdate
from kefu.notices.schemas import NoticeIn
from kefu.tickets.access import access_ticket
from kefu.tickets.models import Priority, TicketEvent
from kefu.tickets.services import create_ticket, transition_ticket
from kefu.tickets.timeline import record_event

State = Notice.State


# ---------------------------------------------------------------------------------- access


def _require_publisher(actor) -> None:
    if not can_publish(actor):
        raise ServiceError(Code.FORBIDDEN, _("只有班长、客服主管或系统管理员可以发布和维护公告"))


# ---------------------------------------------------------------------------------- validation


def _clean(data: NoticeIn) -> tuple[dict, list[ServiceArea]]:
    # The kind and the title's length are declared in NoticeIn (checked before this runs).
    title = data.title.strip()
    if not title:
        raise ServiceError(Code.INVALID, _("请填写标题"), field="title")
    if data.starts_at is None:
        raise ServiceError(Code.INVALID, _("请填写开始时间"), field="starts_at")
    if data.expected_end is None:
        raise ServiceError(Code.INVALID, _("请填写预计结束时间"), field="expected_end")
    if timezone.is_naive(data.starts_at) or timezone.is_naive(data.expected_end):
        raise ServiceError(Code.INVALID, _("时间须带时区"), field="starts_at")
    if data.expected_end <= data.starts_at:
        raise ServiceError(Code.INVALID, _("预计结束时间必须晚于开始时间"), field="expected_end")
    codes = sorted({c.strip() for c in data.areas if c and c.strip()})
    if not codes:
        raise ServiceError(Code.INVALID, _("请至少选择一个影响片区"), field="areas")
    areas = list(ServiceArea.objects.filter(code__in=codes, is_active=True).order_by("code"))
    unknown = sorted(set(codes) - {a.code for a in areas})
    if unknown:
        raise ServiceError(
            Code.INVALID, _("片区不存在:%(codes)s") % {"codes": "、".join(unknown)}, field="areas"
        )
    fields = {
        "kind": data.kind,
        "title": title,
        "content": (data.content or "").strip(),
        "streets": (data.streets or "").strip(),
        "advice": DEFAULT_ADVICE.get(data.kind, "")
        if data.advice is None
        else " ".join(data.advice.split()),
        "starts_at": data.starts_at,
        "expected_end": data.expected_end,
    }
    return fields, areas


def _snapshot(notice: Notice) -> dict:
    return {
        "kind": notice.kind,
        "title": notice.title,
        "content": notice.content,
        "streets": notice.streets,
        "advice": notice.advice,
        "starts_at": notice.starts_at.astimezone(dt.UTC).isoformat(),
        "expected_end": notice.expected_end.astimezone(dt.UTC).isoformat(),
        "areas": sorted(a.code for a in notice.areas.all()),
    }


# ---------------------------------------------------------------------------------- changes


@transaction.atomic
def create_notice(data: NoticeIn, *, actor) -> Notice:
    """A draft notice. Raises ServiceError FORBIDDEN / INVALID."""
    _require_publisher(actor)
    fields, areas = _clean(data)
    notice = Notice.objects.create(**fields, created_by=actor)
    notice.areas.set(areas)
    record_audit(actor=actor, action="notice.create", obj=notice, detail=_snapshot(notice))
    return notice


def update_notice(notice_id: int, data: NoticeIn, *, actor, update_text: str = "") -> Notice:
    """Edit a notice. A draft is edited freely; a published one keeps its areas (its SMS went
    to them) and each edit adds an update row (``update_text``, or what changed); its new
    words are checked for forbidden phrases first. A closed notice is not edited. Raises
    FORBIDDEN / NOT_FOUND / INVALID / INVALID_TRANSITION."""
    _require_publisher(actor)
    if access_notice(actor, notice_id).state == State.PUBLISHED:
        _check_wording(data.title, data.content, data.advice or "", actor=actor)
    return _update_notice(notice_id, data, actor=actor, update_text=update_text)


@transaction.atomic
def _update_notice(notice_id: int, data: NoticeIn, *, actor, update_text: str = "") -> Notice:
    _require_publisher(actor)
    notice = access_notice(actor, notice_id, for_update=True)
    if notice.state == State.CLOSED:
        raise ServiceError(Code.INVALID_TRANSITION, _("公告已结束,不能再修改"))
    fields, areas = _clean(data)
    before = _snapshot(notice)
    if notice.state == State.PUBLISHED and sorted(a.code for a in areas) != before["areas"]:
        raise ServiceError(Code.INVALID, _("公告已发布,不能更改影响片区"), field="areas")
    # The streets chose who was texted: changing them would change who is told it is over.
    if notice.state == State.PUBLISHED and fields["streets"] != notice.streets:
        raise ServiceError(
            Code.INVALID,
            _("公告已发布,不能更改影响街道/楼栋(短信已按其发送);如范围扩大,请另发一条公告"),
            field="streets",
        )
    for name, value in fields.items():
        setattr(notice, name, value)
    notice.save()
    notice.areas.set(areas)
    after = _snapshot(notice)
    changed = {k: [before[k], after[k]] for k in after if before[k] != after[k]}
    text = (update_text or "").strip()
    if notice.state == State.PUBLISHED:
        if not text and not changed:
            raise ServiceError(Code.INVALID, _("请填写进展说明"), field="update_text")
        if not text:
            text = _describe(changed)
        NoticeUpdate.objects.create(notice=notice, at=timezone.now(), text=text, by=actor)
        _announce(notice, "notice.updated")
    record_audit(
        actor=actor, action="notice.update", obj=notice, detail={"changed": changed, "text": text}
    )
    return notice


def _describe(changed: dict) -> str:
    labels = {
        "kind": _("类型"),
        "title": _("标题"),
        "content": _("内容"),
        "streets": _("影响街道/楼栋"),
        "advice": _("温馨提示"),
        "starts_at": _("开始时间"),
        "expected_end": _("预计结束"),
    }
    parts = []
    for key in changed:
        if key in ("starts_at", "expected_end"):
            value = timezone.localtime(dt.datetime.fromisoformat(changed[key][1]))
            parts.append(f"{labels[key]}:{value:%Y-%m-%d %H:%M}")
        else:
            parts.append(_("已修改%(field)s") % {"field": labels[key]})
    return ";".join(parts)


@transaction.atomic
def add_notice_update(notice_id: int, *, actor, text: str) -> NoticeUpdate:
    """A progress line on a published notice. Raises FORBIDDEN / NOT_FOUND / INVALID /
    INVALID_TRANSITION (a draft or closed notice)."""
    _require_publisher(actor)
    notice = access_notice(actor, notice_id, for_update=True)
    if notice.state != State.PUBLISHED:
        raise ServiceError(Code.INVALID_TRANSITION, _("只有已发布的公告可以添加进展"))
    text = (text or "").strip()
    if not text:
        raise ServiceError(Code.INVALID, _("请填写进展说明"), field="text")
    update = NoticeUpdate.objects.create(notice=notice, at=timezone.now(), text=text, by=actor)
    record_audit(actor=actor, action="notice.update", obj=notice, detail={"text": text})
    _announce(notice, "notice.updated")
    return update


def preview_notice(notice_id: int, *, actor) -> campaign.Preview:
    """What publishing the draft would send now: the customers, the SMS recipients, the text
    as the phone shows it and the token to confirm with. Writes nothing. Raises FORBIDDEN /
    NOT_FOUND / INVALID_TRANSITION (not a draft)."""
    _require_publisher(actor)
    notice = access_notice(actor, notice_id)
    _check_draft(notice)
    return campaign.preview(notice)


def publish_notice(notice_id: int, *, actor, expected_recipients: int, token: str = "") -> Notice:
    """draft → published: announced live to the agents, and the affected customers' SMS
    campaign starts after commit — only as confirmed: ``expected_recipients`` (and, when
    given, ``token``) are what the preview showed (``preview_notice``); when the recipients or
    the text changed since, nothing is written and ServiceError(CONFLICT,
    field="expected_recipients") says so. Its title goes to the customers: checked for
    forbidden phrases first (kefu.core.wording). Raises FORBIDDEN / NOT_FOUND /
    INVALID_TRANSITION / CONFLICT."""
    _require_publisher(actor)
    notice = access_notice(actor, notice_id)
    _check_wording(notice.title, notice.content, notice.advice, actor=actor)
    return _publish_notice(
        notice_id, actor=actor, expected_recipients=expected_recipients, token=token
    )


def _check_wording(title: str, content: str, advice: str, *, actor) -> None:
    """A notice's title and advice go out by SMS and its content is read to callers: all are
    checked for forbidden phrases (kefu.core.wording), before the transaction."""
    check_outbound(title, actor=actor, path="notice", field="title")
    check_outbound(content, actor=actor, path="notice", field="content")
    check_outbound(advice, actor=actor, path="notice", field="advice")


@transaction.atomic
def _publish_notice(notice_id: int, *, actor, expected_recipients: int, token: str) -> Notice:
    notice = access_notice(actor, notice_id, for_update=True)
    _check_draft(notice)
    # Counted again under the notice's lock: what is sent is what was confirmed.
    now = campaign.preview(notice)
    if now.recipients != expected_recipients or (token and token != now.token):
        raise ServiceError(
            Code.CONFLICT,
            _(
                "收件人或短信内容在确认后有变化(确认时 %(expected)s 人,现在 %(now)s 人),"
                "未发布,请核对后重新确认"
            )
            % {"expected": expected_recipients, "now": now.recipients},
            field="expected_recipients",
        )
    _transition(notice, State.PUBLISHED)
    notice.published_at, notice.published_by = timezone.now(), actor
    notice.save(update_fields=["state", "published_at", "published_by", "updated_at"])
    record_audit(
        actor=actor,
        action="notice.publish",
        obj=notice,
        detail={"from": State.DRAFT, "to": State.PUBLISHED},
    )
    campaign.start_campaign(notice, purpose=Campaign.Purpose.PUBLISHED)
    _announce(notice, "notice.published")
    return notice


def close_notice(
    notice_id: int, *, actor, closing_text: str, actual_end: dt.datetime | None = None
) -> Notice:
    """See ``_close_notice``; the closing text goes to the customers: checked for forbidden
    phrases first (kefu.core.wording)."""
    _require_publisher(actor)
    access_notice(actor, notice_id)
    check_outbound(closing_text or "", actor=actor, path="notice", field="closing_text")
    return _close_notice(notice_id, actor=actor, closing_text=closing_text, actual_end=actual_end)


@transaction.atomic
def _close_notice(
    notice_id: int, *, actor, closing_text: str, actual_end: dt.datetime | None = None
) -> Notice:
    """published → closed with the actual end (default now) and a closing text; the customers
    texted at publishing are told by SMS that it is over (a campaign started after commit),
    and the publishing SMS still running stops. Holds the notice's row lock, so a publishing
    batch in flight has committed before the customers to tell are counted.
    Raises FORBIDDEN / NOT_FOUND / INVALID / INVALID_TRANSITION."""
    _require_publisher(actor)
    notice = access_notice(actor, notice_id, for_update=True)
    _transition(notice, State.CLOSED)
    text = (closing_text or "").strip()
    if not text:
        raise ServiceError(Code.INVALID, _("请填写结束说明"), field="closing_text")
    # Without an actual end it ended now (a notice withdrawn before its start ends then too);
    # a given actual end must be after the start and not in the future.
    end = actual_end or timezone.now()
    if actual_end is not None:
        if timezone.is_naive(actual_end):
            raise ServiceError(Code.INVALID, _("时间须带时区"), field="actual_end")
        if actual_end < notice.starts_at:
            raise ServiceError(Code.INVALID, _("实际结束时间不能早于开始时间"), field="actual_end")
        if actual_end > timezone.now() + dt.timedelta(minutes=5):
            raise ServiceError(Code.INVALID, _("实际结束时间不能晚于现在"), field="actual_end")
    now = timezone.now()
    notice.state, notice.actual_end, notice.closing_text = State.CLOSED, end, text
    notice.closed_at, notice.closed_by = now, actor
    notice.save()
    record_audit(
        actor=actor,
        action="notice.close",
        obj=notice,
        detail={"from": State.PUBLISHED, "to": State.CLOSED, "actual_end": end.isoformat()},
    )
    campaign.start_campaign(notice, purpose=Campaign.Purpose.CLOSED)
    _announce(notice, "notice.closed")
    return notice


def _check_draft(notice: Notice) -> None:
    """Only a draft is previewed and published (the same words as a refused transition)."""
    if State.PUBLISHED not in Notice.ALLOWED_TRANSITIONS[notice.state]:
        _transition(notice, State.PUBLISHED)


def _transition(notice: Notice, to: str) -> None:
    if to not in Notice.ALLOWED_TRANSITIONS[notice.state]:
        raise ServiceError(
            Code.INVALID_TRANSITION,
            _("公告当前状态为「%(state)s」,不能执行此操作") % {"state": notice.get_state_display()},
            field="state",
        )
    notice.state = to


def _announce(notice: Notice, kind: str) -> None:
    payload = {
        "type": kind,
        "id": notice.pk,
        "kind": notice.kind,
        "title": notice.title,
        "areas": sorted(a.code for a in notice.areas.all()),
    }
    publish_on_commit(AGENTS_GROUP, payload)


# ---------------------------------------------------------------------------------- calls


@transaction.atomic
def link_ticket_to_notice(
    serial: str, *, actor, notice_id: int, answered: bool = False
) -> NoticeLink:
    """Record the call ``serial`` against an active notice (instead of a new repair), with a
    timeline row; ``answered``: the notice answered it on the spot. Raises NOT_FOUND (ticket or notice), INVALID_TRANSITION (notice not active),
    CONFLICT (already linked)."""
    if not scope_of(actor).can_intake:
        raise ServiceError(Code.FORBIDDEN, _("无权关联公告"))
    ticket = access_ticket(actor, serial, for_update=True)
    notice = access_notice(actor, notice_id)
    if notice.state != State.PUBLISHED:
        raise ServiceError(
            Code.INVALID_TRANSITION, _("只能关联已发布且未结束的公告"), field="notice_id"
        )
    try:
        with transaction.atomic():
            link = NoticeLink.objects.create(
                notice=notice, ticket=ticket, at=timezone.now(), by=actor, answered=answered
            )
    except IntegrityError:
        raise ServiceError(Code.CONFLICT, _("该工单已关联此公告"), field="notice_id") from None
    record_event(
        ticket,
        actor=actor,
        kind=TicketEvent.Kind.NOTE,
        action="notice",
        note=said(gettext_noop("关联公告:%(title)s"), title=notice.title),
        data={"notice_id": notice.pk},
    )
    record_audit(actor=actor, action="notice.link", obj=notice, detail={"ticket": ticket.serial})
    return link


# The calls a notice answers: a caller asking about the outage or reporting it. Anything else
# (a complaint, a request for help such as water for an old person alone) stays open.
ANSWERED_TYPES = ("repair", "inquiry")


def answers_call(type_code: str, *, department: str) -> bool:
    """Whether a call about a notice is answered from it and done on the spot: the caller asks
    about the outage or reports it (a repair or an inquiry) and no department was chosen."""
    return not department and type_code in ANSWERED_TYPES


@transaction.atomic
def create_ticket_for_notice(
    data, *, actor, notice_id: int, department: str = "", assignee: str = ""
):
    """Record a call about an active notice, linked to it, in one transaction.

    A caller asking about the outage or reporting it (a repair or an inquiry, no department
    chosen) is answered from the notice and done on the spot: recorded as an inquiry (咨询),
    not a repair, resolved and closed with the notice named, and counted on the notice. With a
    department the caller reports something the notice does not cover: it is dispatched as
    intake would, still linked to the notice. Raises what intake and ``link_ticket_to_notice``
    raise; a refused call leaves no ticket behind."""
    notice = access_notice(actor, notice_id)
    if notice.state != State.PUBLISHED:  # checked first: a refused call writes nothing
        raise ServiceError(
            Code.INVALID_TRANSITION, _("只能关联已发布且未结束的公告"), field="notice_id"
        )
    answered = answers_call(data.type, department=department)
    if answered:
        data = data.model_copy(update={"type": "inquiry", "priority": Priority.NORMAL})
    ticket = create_ticket(data, actor=actor, accept=True, department=department, assignee=assignee)
    link_ticket_to_notice(ticket.serial, actor=actor, notice_id=notice.pk, answered=answered)
    if answered:
        said = _("按公告答复:%(title)s") % {"title": notice.title}
        transition_ticket(ticket.serial, actor=actor, action="resolve", note=said)
        ticket = transition_ticket(ticket.serial, actor=actor, action="close", note=said)
    return ticket
