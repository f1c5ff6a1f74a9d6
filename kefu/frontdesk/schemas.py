"""API shapes of the lost and found. Choices are plain strings (their values are listed in
the descriptions); personal data goes out masked for a viewer without core.view_pii."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone
from ninja import Field, Schema

from kefu.core.masking import Masker, mask_id_number
from kefu.core.paging import PageQuery
from kefu.core.schemas import Day, Moment
from kefu.frontdesk.matching import Match
from kefu.frontdesk.models import (
    Category,
    ClaimAttempt,
    FinanceBatch,
    FoundItem,
    IdType,
    ItemEvent,
    LossReport,
)
from kefu.frontdesk.selectors import mask_name

CATEGORIES = "one of " + ", ".join(Category.values)


class FoundItemIn(Schema):
    source: str = Field(..., description="visitor (游客拾物), staff (员工拾物), on_spot (现场拾物)")
    category: str = Field(..., description=CATEGORIES)
    value_class: str = Field(
        "", description="valuable or ordinary; empty: valuable for cash, phone, camera"
    )
    description: str = Field(..., max_length=1000)
    found_place: str = Field(..., max_length=100)
    found_at: Moment
    finder_name: str = Field(..., max_length=40)
    finder_phone: str = ""
    finder_staff_no: str = Field("", description="the staff finder's 工号 (staff: required)")
    witness_name: str = Field("", description="on_spot: required")
    shift_leader: int | None = Field(None, description="on_spot: the shift leader's user id")
    branch: int | None = Field(None, description="a branch id (center-wide staff only)")


class LossReportIn(Schema):
    channel: str = Field(..., description="phone, desk or portal")
    owner_name: str = Field(..., max_length=40)
    owner_phone: str
    category: str = Field(..., description=CATEGORIES)
    description: str = Field(..., max_length=1000)
    lost_place: str = Field(..., max_length=100)
    lost_at: Moment
    branch: int | None = None


class LinkReportIn(Schema):
    report: int = Field(..., description="the loss report's id")


class LostClaimIn(Schema):
    claimant_name: str
    description: str = Field(
        ..., description="the claimant's description, taken before the item was shown"
    )
    description_matched: bool = Field(
        ..., description="the desk's verdict: false refuses the claim"
    )
    refuse_reason: str = ""
    claimant_phone: str = ""
    id_type: str = Field("", description="one of " + ", ".join(IdType.values))
    id_number: str = ""
    signature: str = Field("", description="the claimant's signature: a PNG, base64 or data URL")
    witness_name: str = Field("", description="claimed on the spot: the witness")


class CustodyIn(Schema):
    place: str
    custodian_name: str
    handed_by: str = ""


class FinanceRunIn(Schema):
    before: Moment | None = Field(
        None, description="items registered before this; default KEFU_LOST_FOUND_DAYS days ago"
    )


class FoundItemQuery(PageQuery):
    status: str = Field("open", description="open, all, or a state")
    category: str = ""


class LossReportQuery(PageQuery):
    status: str = Field("all", description="all, open, matched, returned or closed")
    category: str = ""


class FoundItemOut(Schema):
    id: int
    serial: str
    source: str
    status: str
    status_label: str
    category: str
    category_label: str
    value_class: str
    description: str
    found_place: str
    found_at: dt.datetime
    finder_name: str
    finder_phone: str
    receipt_no: str
    witness_name: str
    report: str | None
    custody_place: str
    custodian_name: str
    custody_handed_by: str
    finance_batch: str | None
    registered_at: dt.datetime


class LossReportOut(Schema):
    id: int
    serial: str
    channel: str
    channel_label: str
    status: str
    status_label: str
    owner_name: str
    owner_phone: str
    category: str
    category_label: str
    description: str
    lost_place: str
    lost_at: dt.datetime
    created_at: dt.datetime


class LostMatchOut(Schema):
    score: float
    description: float
    place: float
    time: float
    item: FoundItemOut
    report: LossReportOut


class LostClaimOut(Schema):
    id: int
    outcome: str
    claimant_name: str
    description: str
    description_matched: bool
    id_type: str
    id_number: str
    witness_name: str
    refuse_reason: str
    signed: bool
    at: dt.datetime


class ItemEventOut(Schema):
    kind: str
    from_status: str
    to_status: str
    note: str
    data: dict[str, Any]
    at: dt.datetime


class FoundItemDetailOut(FoundItemOut):
    photos: list[int]
    claims: list[LostClaimOut]
    timeline: list[ItemEventOut]


class FinanceBatchOut(Schema):
    id: int
    serial: str
    created_at: dt.datetime
    count: int


def item_out(item: FoundItem, masker: Masker) -> dict[str, Any]:
    return {
        "id": item.pk,
        "serial": item.serial,
        "source": item.source,
        "status": item.status,
        "status_label": item.get_status_display(),
        "category": item.category,
        "category_label": item.get_category_display(),
        "value_class": item.value_class,
        "description": item.description,
        "found_place": item.found_place,
        "found_at": timezone.localtime(item.found_at),
        "finder_name": mask_name(masker, item.finder_name),
        "finder_phone": masker.phone(item.finder_phone),
        "receipt_no": item.receipt_no,
        "witness_name": item.witness_name,
        "report": item.report.serial if item.report_id and item.report else None,
        "custody_place": item.custody_place,
        "custodian_name": item.custodian_name,
        "custody_handed_by": item.custody_handed_by,
        "finance_batch": item.finance_batch.serial
        if item.finance_batch_id and item.finance_batch
        else None,
        "registered_at": timezone.localtime(item.registered_at),
    }


def report_out(report: LossReport, masker: Masker) -> dict[str, Any]:
    return {
        "id": report.pk,
        "serial": report.serial,
        "channel": report.channel,
        "channel_label": report.get_channel_display(),
        "status": report.status,
        "status_label": report.get_status_display(),
        "owner_name": mask_name(masker, report.owner_name),
        "owner_phone": masker.phone(report.owner_phone),
        "category": report.category,
        "category_label": report.get_category_display(),
        "description": report.description,
        "lost_place": report.lost_place,
        "lost_at": timezone.localtime(report.lost_at),
        "created_at": timezone.localtime(report.created_at),
    }


def match_out(match: Match, masker: Masker) -> dict[str, Any]:
    return {
        "score": match.score,
        "description": round(match.description, 3),
        "place": round(match.place, 3),
        "time": round(match.time, 3),
        "item": item_out(match.item, masker),
        "report": report_out(match.report, masker),
    }


def claim_out(claim: ClaimAttempt, masker: Masker) -> dict[str, Any]:
    return {
        "id": claim.pk,
        "outcome": claim.outcome,
        "claimant_name": mask_name(masker, claim.claimant_name),
        "description": claim.description,
        "description_matched": claim.description_matched,
        "id_type": claim.id_type,
        # The document number is shown masked to everyone: the desk saw the document itself.
        "id_number": mask_id_number(claim.id_number),
        "witness_name": claim.witness_name,
        "refuse_reason": claim.refuse_reason,
        "signed": bool(claim.signature),
        "at": timezone.localtime(claim.at),
    }


def event_out(event: ItemEvent) -> dict[str, Any]:
    return {
        "kind": event.kind,
        "from_status": event.from_status,
        "to_status": event.to_status,
        "note": event.note,
        "data": event.data,
        "at": timezone.localtime(event.at),
    }


def batch_out(batch: FinanceBatch) -> dict[str, Any]:
    return {
        "id": batch.pk,
        "serial": batch.serial,
        "created_at": timezone.localtime(batch.created_at),
        "count": batch.count,
    }


# --- the shift: duty record, morning meeting, handover, sign-in -------------------------------


def _who(user: Any) -> str:
    if user is None:
        return ""
    staff = getattr(user, "staff", None)
    return staff.display_name if staff else user.get_username()


def _local(value: dt.datetime | None) -> dt.datetime | None:
    return timezone.localtime(value) if value else None


class ShiftIn(Schema):
    day: Day
    shift: str = Field(..., max_length=8, description="a shift template's code (排班班次)")


class DutyRecordIn(Schema):
    weather: str = Field("", max_length=40)
    duty_manager: int | None = None
    duty_leader: int | None = None
    operations: str = Field("", max_length=2000)


class VisitorCountIn(Schema):
    count: int
    at: Moment | None = None
    note: str = Field("", max_length=200)


class IncidentIn(Schema):
    text: str = Field(..., max_length=2000)
    at: Moment | None = None


class VisitorCountOut(Schema):
    at: dt.datetime
    count: int
    note: str
    reported_by: str
    recipients: int


class IncidentOut(Schema):
    at: dt.datetime
    text: str
    written_by: str


class DutyRecordOut(Schema):
    id: int
    day: dt.date
    shift: str
    shift_name: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    weather: str
    duty_manager: str
    duty_leader: str
    operations: str
    locked: bool
    locked_at: dt.datetime | None
    counts: list[VisitorCountOut]
    incidents: list[IncidentOut]


def duty_out(record: Any) -> dict[str, Any]:
    return {
        "id": record.pk,
        "day": record.day,
        "shift": record.shift_code,
        "shift_name": record.shift_name,
        "starts_at": _local(record.shift_starts_at),
        "ends_at": _local(record.shift_ends_at),
        "weather": record.weather,
        "duty_manager": _who(record.duty_manager),
        "duty_leader": _who(record.duty_leader),
        "operations": record.operations,
        "locked": record.is_locked,
        "locked_at": _local(record.locked_at),
        "counts": [
            {
                "at": _local(c.at),
                "count": c.count,
                "note": c.note,
                "reported_by": _who(c.reported_by),
                "recipients": c.recipients,
            }
            for c in record.counts.all()
        ],
        "incidents": [
            {"at": _local(i.at), "text": i.text, "written_by": _who(i.written_by)}
            for i in record.incidents.all()
        ],
    }


class DutyMonthOut(Schema):
    year: int
    month: int
    records: list[DutyRecordOut]


class MeetingIn(ShiftIn):
    notes: str = Field(..., max_length=2000)
    members: list[int]


class MemberOut(Schema):
    user: int
    name: str
    signed_at: dt.datetime | None


class MeetingOut(Schema):
    id: int
    day: dt.date
    shift: str
    notes: str
    held_by: str
    members: list[MemberOut]


def meeting_out(meeting: Any) -> dict[str, Any]:
    return {
        "id": meeting.pk,
        "day": meeting.day,
        "shift": meeting.shift_code,
        "notes": meeting.notes,
        "held_by": _who(meeting.held_by),
        "members": [
            {"user": m.user_id, "name": _who(m.user), "signed_at": _local(m.signed_at)}
            for m in meeting.members.select_related("user__staff")
        ],
    }


class HandoverIn(ShiftIn):
    incoming: int
    notes: str = Field("", max_length=2000)


class MatterOut(Schema):
    kind: str = Field(..., description="ticket, callback, missed_call, lost_item, notice, question")
    ref: str
    text: str
    due: str


class HandoverQuery(PageQuery):
    unsigned: bool = Field(False, description="only those a side has not signed (shift leaders)")


class HandoverOut(Schema):
    id: int
    day: dt.date
    shift: str
    outgoing: str
    incoming: str
    matters: list[MatterOut]
    notes: str
    outgoing_signed_at: dt.datetime | None
    outgoing_staff_no: str
    incoming_signed_at: dt.datetime | None
    incoming_staff_no: str
    signed: bool


def _due_label(due: str) -> str:
    """A matter's due time (ISO, as kept) in local time for the page; "" for none."""
    try:
        return timezone.localtime(dt.datetime.fromisoformat(due)).strftime("%m-%d %H:%M")
    except (TypeError, ValueError):
        return ""


def handover_out(handover: Any) -> dict[str, Any]:
    return {
        "id": handover.pk,
        "day": handover.day,
        "shift": handover.shift_code,
        "outgoing": _who(handover.outgoing),
        "incoming": _who(handover.incoming),
        "matters": [m | {"due_label": _due_label(m.get("due", ""))} for m in handover.matters],
        "notes": handover.notes,
        "outgoing_signed_at": _local(handover.outgoing_signed_at),
        "outgoing_staff_no": handover.outgoing_staff_no,
        "incoming_signed_at": _local(handover.incoming_signed_at),
        "incoming_staff_no": handover.incoming_staff_no,
        "signed": handover.is_signed,
    }


class LeftOut(Schema):
    user: int
    name: str
    employee_no: str
    handovers: int
    matters: int


class SignInOut(Schema):
    day: dt.date
    shift: str
    starts_at: dt.datetime
    signed_at: dt.datetime
    late: bool


def sign_in_out(row: Any) -> dict[str, Any]:
    return {
        "day": row.day,
        "shift": row.shift_code,
        "starts_at": _local(row.shift_starts_at),
        "signed_at": _local(row.signed_at),
        "late": row.late,
    }


# --- the end-of-shift checklists ---------------------------------------------------------------


class ChecklistItemIn(Schema):
    text: str = Field(..., max_length=100)
    expected: int | None = Field(None, description="assets: the quantity there should be")


class ChecklistIn(Schema):
    kind: str = Field(..., max_length=8, description="safety (设施设备安全) or assets (固定资产)")
    name: str = Field(..., max_length=60)
    items: list[ChecklistItemIn] = Field(..., max_length=60)
    officer: int = Field(..., description="the user told of an exception (安全员 / 资产管理员)")


class ChecklistUpdateIn(Schema):
    name: str = Field(..., max_length=60)
    items: list[ChecklistItemIn] = Field(..., max_length=60)
    officer: int


class ChecklistQuery(PageQuery):
    retired: bool = Field(False, description="the retired checklists as well")


class ChecklistItemOut(Schema):
    text: str
    expected: int | None


class ChecklistOut(Schema):
    id: int
    kind: str
    name: str
    items: list[ChecklistItemOut]
    officer: int
    officer_name: str
    active: bool
    retired_at: dt.datetime | None


def checklist_out(checklist: Any) -> dict[str, Any]:
    return {
        "id": checklist.pk,
        "kind": checklist.kind,
        "name": checklist.name,
        "items": [{"text": i["text"], "expected": i.get("expected")} for i in checklist.items],
        "officer": checklist.officer_id,
        "officer_name": _who(checklist.officer),
        "active": checklist.is_active,
        "retired_at": _local(checklist.retired_at),
    }


class ChecklistAnswerIn(Schema):
    ok: bool | None = Field(None, description="true: normal, false: an exception")
    counted: int | None = Field(None, description="assets: the quantity counted")
    note: str = Field("", max_length=300, description="required for an exception")


class ChecklistRunIn(ShiftIn):
    checklist: int
    answers: list[ChecklistAnswerIn] = Field(..., max_length=60, description="in item order")


class CloseExceptionIn(Schema):
    result: str = Field(..., max_length=300, description="处理结果: what was done")


class ChecklistRunQuery(PageQuery):
    day: Day | None = None
    shift: str = Field("", max_length=8)
    checklist: int | None = None
    open: bool = Field(False, description="only those with an exception not closed")


class ChecklistAnswerOut(Schema):
    id: int
    position: int
    text: str
    expected: int | None
    counted: int | None
    ok: bool
    note: str
    open: bool
    result: str
    closed_at: dt.datetime | None
    closed_by: str


class ChecklistRunOut(Schema):
    id: int
    checklist: int
    name: str
    kind: str
    day: dt.date
    shift: str
    shift_name: str
    filled_by: str
    filled_at: dt.datetime
    officer: str
    exceptions: int
    open_exceptions: int


class ChecklistRunDetailOut(ChecklistRunOut):
    answers: list[ChecklistAnswerOut]


def run_out(run: Any) -> dict[str, Any]:
    return {
        "id": run.pk,
        "checklist": run.checklist_id,
        "name": run.name,
        "kind": run.kind,
        "day": run.day,
        "shift": run.shift_code,
        "shift_name": run.shift_name,
        "filled_by": _who(run.filled_by),
        "filled_at": _local(run.filled_at),
        "officer": _who(run.officer),
        "exceptions": run.exceptions,
        "open_exceptions": getattr(run, "open_exceptions", 0),
    }


def run_detail_out(run: Any) -> dict[str, Any]:
    return run_out(run) | {
        "answers": [
            {
                "id": a.pk,
                "position": a.position,
                "text": a.text,
                "expected": a.expected,
                "counted": a.counted,
                "ok": a.ok,
                "note": a.note,
                "open": a.is_open,
                "result": a.result,
                "closed_at": _local(a.closed_at),
                "closed_by": _who(a.closed_by),
            }
            for a in run.answers.all()
        ]
    }


class ChecklistCellOut(Schema):
    checklist: int
    name: str
    kind: str
    state: str = Field(..., description="filled, missing (the shift is over) or pending")
    run: int | None
    exceptions: int
    open_exceptions: int


class ChecklistShiftOut(Schema):
    shift: str
    shift_name: str
    starts_at: dt.datetime | None
    ends_at: dt.datetime | None
    missing: int
    open_exceptions: int
    checklists: list[ChecklistCellOut]


class ChecklistDayOut(Schema):
    day: dt.date
    shifts: list[ChecklistShiftOut]


def day_out(day: dt.date, shifts: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "day": day,
        "shifts": [
            s | {"starts_at": _local(s["starts_at"]), "ends_at": _local(s["ends_at"])}
            for s in shifts
        ],
    }


class ChecklistDayQuery(Schema):
    day: Day | None = Field(None, description="the day (today when left out)")
