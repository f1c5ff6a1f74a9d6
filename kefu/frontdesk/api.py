"""Lost and found over the API (/api/v1/lostfound): found items and loss reports, the matches
of either, linking, claims, custody and the hand-overs to finance."""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from ninja import File, Query, Router
from ninja.files import UploadedFile
from ninja.responses import Status

from kefu.core.masking import Masker
from kefu.core.paging import PageOut, PageQuery, page_out, paginate
from kefu.frontdesk import access, checklists, matching, selectors, services, shift
from kefu.frontdesk.schemas import (
    ChecklistDayOut,
    ChecklistDayQuery,
    ChecklistIn,
    ChecklistOut,
    ChecklistQuery,
    ChecklistRunDetailOut,
    ChecklistRunIn,
    ChecklistRunOut,
    ChecklistRunQuery,
    ChecklistUpdateIn,
    CloseExceptionIn,
    CustodyIn,
    DutyMonthOut,
    DutyRecordIn,
    DutyRecordOut,
    FinanceBatchOut,
    FinanceRunIn,
    FoundItemDetailOut,
    FoundItemIn,
    FoundItemOut,
    FoundItemQuery,
    HandoverIn,
    HandoverOut,
    HandoverQuery,
    IncidentIn,
    LeftOut,
    LinkReportIn,
    LossReportIn,
    LossReportOut,
    LossReportQuery,
    LostClaimIn,
    LostClaimOut,
    LostMatchOut,
    MeetingIn,
    MeetingOut,
    ShiftIn,
    SignInOut,
    VisitorCountIn,
    batch_out,
    checklist_out,
    claim_out,
    day_out,
    duty_out,
    event_out,
    handover_out,
    item_out,
    match_out,
    meeting_out,
    report_out,
    run_detail_out,
    run_out,
    sign_in_out,
)

router = Router(tags=["lostfound"])


def _detail(request, item) -> dict[str, Any]:
    masker = Masker(request.user)
    return item_out(item, masker) | {
        "photos": [p.pk for p in item.photos.all()],
        "claims": [claim_out(c, masker) for c in selectors.claims_of(item)],
        "timeline": [event_out(e) for e in selectors.timeline_of(item)],
    }


@router.get("/items", response=PageOut[FoundItemOut])
def list_items(request, filters: Query[FoundItemQuery]):
    """Found items, the newest first (``status``: open — still at the center — by default)."""
    rows = selectors.list_items(request.user, status=filters.status, category=filters.category)
    masker = Masker(request.user)
    page = paginate(rows, page=filters.page, per_page=filters.per_page)
    services.audit_shown(request.user, page.items, how="items")
    return page_out(page, lambda item: item_out(item, masker))


@router.post("/items", response={201: FoundItemDetailOut})
def create_item(request, payload: FoundItemIn):
    """Register a found item (photos: POST /items/{id}/photos)."""
    data = payload.dict()
    data["shift_leader_id"] = data.pop("shift_leader")
    data["branch_id"] = data.pop("branch")
    item = services.register_found_item(request.user, services.FoundItemIn(**data))
    return Status(201, _detail(request, item))


@router.get("/items/{item_id}", response=FoundItemDetailOut)
def get_item(request, item_id: int):
    return _detail(request, access.access_item(request.user, item_id))


@router.post("/items/{item_id}/photos", response={201: FoundItemDetailOut})
def add_photo(request, item_id: int, file: File[UploadedFile]):
    """A photo of the item (multipart, field ``file``), stored re-encoded."""
    services.add_photo(request.user, item_id, upload=file)
    return Status(201, _detail(request, access.access_item(request.user, item_id)))


@router.get("/items/{item_id}/matches", response=list[LostMatchOut])
def item_matches(request, item_id: int):
    """The open loss reports this item may answer, best first."""
    item = access.access_item(request.user, item_id)
    masker = Masker(request.user)
    return [match_out(m, masker) for m in matching.reports_for(request.user, item)]


@router.post("/items/{item_id}/link", response=FoundItemDetailOut)
def link_report(request, item_id: int, payload: LinkReportIn):
    """The owner was called: link their loss report (the item is 已匹配)."""
    item = services.link_report(request.user, item_id, report_id=payload.report)
    return _detail(request, item)


@router.post("/items/{item_id}/claim", response={201: LostClaimOut})
def claim_item(request, item_id: int, payload: LostClaimIn):
    """A claim. Refused (the attempt kept): 422 ``description_matched`` when the description
    did not match, 409 when the item is already claimed."""
    claim = services.claim_item(request.user, item_id, services.ClaimIn(**payload.dict()))
    return Status(201, claim_out(claim, Masker(request.user)))


@router.post("/items/{item_id}/custody", response=FoundItemDetailOut)
def hand_to_custody(request, item_id: int, payload: CustodyIn):
    """Hand the item to the lost-and-found custodian."""
    item = services.hand_to_custody(request.user, item_id, **payload.dict())
    return _detail(request, item)


@router.get("/reports", response=PageOut[LossReportOut])
def list_reports(request, filters: Query[LossReportQuery]):
    rows = selectors.list_reports(request.user, status=filters.status, category=filters.category)
    masker = Masker(request.user)
    page = paginate(rows, page=filters.page, per_page=filters.per_page)
    services.audit_shown(request.user, page.items, how="reports")
    return page_out(page, lambda report: report_out(report, masker))


@router.post("/reports", response={201: LossReportOut})
def create_report(request, payload: LossReportIn):
    data = payload.dict()
    data["branch_id"] = data.pop("branch")
    report = services.create_loss_report(request.user, services.LossReportIn(**data))
    return Status(201, report_out(report, Masker(request.user)))


@router.get("/reports/{report_id}", response=LossReportOut)
def get_report(request, report_id: int):
    return report_out(access.access_report(request.user, report_id), Masker(request.user))


@router.get("/reports/{report_id}/matches", response=list[LostMatchOut])
def report_matches(request, report_id: int):
    """The found items still at the center that may be this report's, best first."""
    report = access.access_report(request.user, report_id)
    masker = Masker(request.user)
    return [match_out(m, masker) for m in matching.items_for(request.user, report)]


@router.get("/finance-batches", response=PageOut[FinanceBatchOut])
def list_batches(request, paging: Query[PageQuery]):
    """The hand-overs to finance, the newest first."""
    rows = selectors.list_batches(request.user)
    return page_out(paginate(rows, page=paging.page, per_page=paging.per_page), batch_out)


@router.post("/finance-batches", response={201: FinanceBatchOut, 204: None})
def run_finance_batch(request, payload: FinanceRunIn):
    """Hand the unclaimed items to finance now (leads): 204 when nothing was due."""
    batch = services.sweep_to_finance(actor=request.user, before=payload.before)
    if batch is None:
        return Status(204, None)
    return Status(201, batch_out(batch))


@router.get("/finance-batches/{batch_id}/items", response=PageOut[FoundItemOut])
def batch_items(request, batch_id: int, paging: Query[PageQuery]):
    """The batch's hand-over list."""
    batch = selectors.access_batch(request.user, batch_id)
    masker = Masker(request.user)
    rows = selectors.batch_items(request.user, batch)
    page = paginate(rows, page=paging.page, per_page=paging.per_page)
    return page_out(page, lambda item: item_out(item, masker))


# --- the shift (/api/v1/frontdesk): duty record, morning meeting, handover, sign-in -----------

shift_router = Router(tags=["frontdesk"])


@shift_router.post("/duty", response=DutyRecordOut)
def open_duty(request, payload: ShiftIn):
    """The day's duty record of the shift (created on first use)."""
    record = shift.open_record(request.user, day=payload.day, shift_code=payload.shift)
    return duty_out(record)


@shift_router.get("/duty/month", response=DutyMonthOut)
def duty_month(request, year: int, month: int):
    """The month's duty records, in order (what the printed month binds)."""
    records = shift.month_records(request.user, year, month)
    return {"year": year, "month": month, "records": [duty_out(r) for r in records]}


@shift_router.get("/duty/{record_id}", response=DutyRecordOut)
def get_duty(request, record_id: int):
    return duty_out(shift.get_record(request.user, record_id))


@shift_router.put("/duty/{record_id}", response=DutyRecordOut)
def update_duty(request, record_id: int, payload: DutyRecordIn):
    record = shift.update_record(
        request.user,
        record_id,
        weather=payload.weather,
        duty_manager_id=payload.duty_manager,
        duty_leader_id=payload.duty_leader,
        operations=payload.operations,
    )
    return duty_out(record)


@shift_router.post("/duty/{record_id}/visitors", response={201: DutyRecordOut})
def report_visitors(request, record_id: int, payload: VisitorCountIn):
    """A visitor count reported to management (sent to the general manager)."""
    shift.report_visitors(
        request.user, record_id, count=payload.count, at=payload.at, note=payload.note
    )
    return Status(201, duty_out(shift.get_record(request.user, record_id)))


@shift_router.post("/duty/{record_id}/incidents", response={201: DutyRecordOut})
def add_incident(request, record_id: int, payload: IncidentIn):
    shift.add_incident(request.user, record_id, text=payload.text, at=payload.at)
    return Status(201, duty_out(shift.get_record(request.user, record_id)))


@shift_router.post("/duty/{record_id}/lock", response=DutyRecordOut)
def lock_duty(request, record_id: int):
    """The shift leader locks the record; nothing changes it afterwards."""
    shift.lock_record(request.user, record_id)
    return duty_out(shift.get_record(request.user, record_id))


@shift_router.post("/meetings", response={201: MeetingOut})
def hold_meeting(request, payload: MeetingIn):
    meeting = shift.hold_meeting(
        request.user,
        day=payload.day,
        shift_code=payload.shift,
        notes=payload.notes,
        member_ids=payload.members,
    )
    return Status(201, meeting_out(meeting))


@shift_router.get("/meetings/{meeting_id}", response=MeetingOut)
def get_meeting(request, meeting_id: int):
    return meeting_out(shift.get_meeting(request.user, meeting_id))


@shift_router.post("/meetings/{meeting_id}/sign", response=MeetingOut)
def sign_meeting(request, meeting_id: int):
    shift.sign_meeting(request.user, meeting_id)
    return meeting_out(shift.get_meeting(request.user, meeting_id))


@shift_router.post("/handovers", response={201: HandoverOut})
def create_handover(request, payload: HandoverIn):
    """The handover of the actor's shift; the pending matters are collected now."""
    handover = shift.create_handover(
        request.user,
        day=payload.day,
        shift_code=payload.shift,
        incoming_id=payload.incoming,
        notes=payload.notes,
    )
    return Status(201, handover_out(handover))


@shift_router.get("/handovers", response=PageOut[HandoverOut])
def list_handovers(request, filters: Query[HandoverQuery]):
    """The handovers, the newest first; ``unsigned``: those a side has not signed (shift
    leaders)."""
    rows = shift.list_handovers(request.user, unsigned=filters.unsigned)
    return page_out(paginate(rows, page=filters.page, per_page=filters.per_page), handover_out)


@shift_router.get("/handovers/left", response=list[LeftOut])
def left_by_person(request):
    """How many pending matters each outgoing person left (shift leaders)."""
    return shift.left_by_person(request.user)


@shift_router.get("/handovers/{handover_id}", response=HandoverOut)
def get_handover(request, handover_id: int):
    return handover_out(shift.get_handover(request.user, handover_id))


@shift_router.post("/handovers/{handover_id}/sign", response=HandoverOut)
def sign_handover(request, handover_id: int):
    """签字: the outgoing or the incoming person, with the time and their 工号."""
    return handover_out(shift.sign_handover(request.user, handover_id))


@shift_router.post("/signin", response={201: SignInOut})
def sign_in(request, payload: ShiftIn):
    """签到 for a shift: late when after 30 minutes before it starts."""
    row = shift.sign_in(request.user, day=payload.day, shift_code=payload.shift)
    return Status(201, sign_in_out(row))


# --- the end-of-shift checklists (/api/v1/frontdesk/checklists, /checklist-runs) --------------


def _items(payload: ChecklistIn | ChecklistUpdateIn) -> list[checklists.ItemIn]:
    return [checklists.ItemIn(text=i.text, expected=i.expected) for i in payload.items]


@shift_router.get("/checklists", response=PageOut[ChecklistOut])
def list_checklists(request, filters: Query[ChecklistQuery]):
    """The checklists filled after each shift (``retired``: the retired ones as well)."""
    rows = checklists.list_checklists(request.user, retired=filters.retired)
    return page_out(paginate(rows, page=filters.page, per_page=filters.per_page), checklist_out)


@shift_router.post("/checklists", response={201: ChecklistOut})
def create_checklist(request, payload: ChecklistIn):
    """A new checklist (shift leaders, supervisors, admins)."""
    checklist = checklists.create_checklist(
        request.user,
        kind=payload.kind,
        name=payload.name,
        items=_items(payload),
        officer_id=payload.officer,
    )
    return Status(201, checklist_out(checklist))


@shift_router.get("/checklists/day", response=ChecklistDayOut)
def checklist_day(request, filters: Query[ChecklistDayQuery]):
    """For a day, each shift's checklists: filled, missing or pending, with open exceptions."""
    day = filters.day or timezone.localdate()
    return day_out(day, checklists.day_status(request.user, day))


@shift_router.get("/checklists/{checklist_id}", response=ChecklistOut)
def get_checklist(request, checklist_id: int):
    return checklist_out(checklists.get_checklist(request.user, checklist_id))


@shift_router.put("/checklists/{checklist_id}", response=ChecklistOut)
def update_checklist(request, checklist_id: int, payload: ChecklistUpdateIn):
    """Rename it, change its items or its officer; the runs already filled keep theirs."""
    checklist = checklists.update_checklist(
        request.user,
        checklist_id,
        name=payload.name,
        items=_items(payload),
        officer_id=payload.officer,
    )
    return checklist_out(checklist)


@shift_router.post("/checklists/{checklist_id}/retire", response=ChecklistOut)
def retire_checklist(request, checklist_id: int):
    """停用 (kept with its runs); 409 when already retired."""
    return checklist_out(checklists.retire_checklist(request.user, checklist_id))


@shift_router.post("/checklist-runs", response={201: ChecklistRunDetailOut})
def submit_run(request, payload: ChecklistRunIn):
    """The checklist filled after a shift: one answer per item, in order. 409 when it was
    already filled for that day and shift; each exception is sent to the officer."""
    run = checklists.submit_run(
        request.user,
        payload.checklist,
        day=payload.day,
        shift_code=payload.shift,
        answers=[
            checklists.AnswerIn(ok=a.ok, counted=a.counted, note=a.note) for a in payload.answers
        ],
    )
    return Status(201, run_detail_out(checklists.get_run(request.user, run.pk)))


@shift_router.get("/checklist-runs", response=PageOut[ChecklistRunOut])
def list_runs(request, filters: Query[ChecklistRunQuery]):
    """The filled checklists, the newest first (``open``: with an exception not closed)."""
    rows = checklists.list_runs(
        request.user,
        day=filters.day,
        shift_code=filters.shift,
        checklist_id=filters.checklist,
        open_only=filters.open,
    )
    return page_out(paginate(rows, page=filters.page, per_page=filters.per_page), run_out)


@shift_router.get("/checklist-runs/{run_id}", response=ChecklistRunDetailOut)
def get_run(request, run_id: int):
    return run_detail_out(checklists.get_run(request.user, run_id))


@shift_router.post("/checklist-exceptions/{answer_id}/close", response=ChecklistRunDetailOut)
def close_exception(request, answer_id: int, payload: CloseExceptionIn):
    """The officer or a shift leader closes an exception with what was done; 409 when it was
    closed already."""
    answer = checklists.close_exception(request.user, answer_id, result=payload.result)
    return run_detail_out(checklists.get_run(request.user, answer.run_id))
