"""The reports a center is judged on (kefu.reports.boards): every figure against a count made
here, row by row in Python, from the same fixture data (the November complaints of
tests/reports/conftest.py and tickets of several channels, types and hours); the drill-down
lists exactly the rows a figure counts; a branch's lead reads their branch only; bad
parameters are a 422 naming the parameter; the Excel file holds the JSON's numbers."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from io import BytesIO

import pytest
from openpyxl import load_workbook

from kefu.accounts.models import Role
from kefu.complaints.models import Complaint
from kefu.dispatch.models import WorkOrder
from kefu.followups.models import CallbackTask, Survey
from kefu.reports.catalog import REPORTS
from kefu.reports.models import SavedView
from kefu.reports.selectors import monthly_statistics
from kefu.sla.models import Deadline
from kefu.tickets.models import OPEN_STATUSES, Ticket
from tests.accounts.factories import make_person
from tests.customers.factories import make_customer
from tests.dispatch.factories import make_field, make_order
from tests.reports.conftest import SH, at
from tests.tickets.factories import make_ticket

NOVEMBER = {"start": "2025-11-01", "end": "2025-11-30"}


def _day(moment: dt.datetime) -> dt.date:
    return moment.astimezone(SH).date()


def _in_november(moment: dt.datetime | None) -> bool:
    return moment is not None and dt.date(2025, 11, 1) <= _day(moment) <= dt.date(2025, 11, 30)


def _lines(body: dict, measure: str) -> dict[str, float | int | None]:
    return {line["key"]: line["values"][measure] for line in body["lines"]}


def _key(value) -> str:
    return "none" if value is None else str(value)


@pytest.fixture
def mixed(november, people, time_machine):
    """Besides the complaints: inquiries and repairs over three November days, by web, SMS
    and walk-in, at 08:xx, 14:xx and 22:xx of the center's time (22:30 on the 27th is the
    27th here and in UTC the 27th too; 00:30 on the 28th is still the 27th in UTC)."""
    agent, sz_agent = people["agent"], people["sz_agent"]
    plan = [
        ("2025-11-25 08:10", "inquiry", "web", agent),
        ("2025-11-25 14:20", "repair", "sms", agent),
        ("2025-11-26 14:40", "inquiry", "walk_in", sz_agent),
        ("2025-11-27 22:30", "repair", "web", sz_agent),
        ("2025-11-28 00:30", "inquiry", "phone", agent),
    ]
    made = []
    for when, kind, channel, who in plan:
        time_machine.move_to(at(when), tick=False)
        branch = "sz" if who is sz_agent else ""
        made.append(
            make_ticket(who, type=kind, channel=channel, content=f"{kind} {when}", branch=branch)
        )
    time_machine.move_to(at("2025-12-01 10:00"), tick=False)
    return made


# ---------------------------------------------------------------------------------- intake


@pytest.mark.parametrize("by", ["channel", "type", "day", "hour", "agent", "branch", "weekday"])
def test_intake_by_each_dimension_equals_a_count_made_row_by_row(mixed, people, api_as, by):
    body = api_as(people["supervisor"]).get("/reports/r/intake", {**NOVEMBER, "by": by}).json()
    rows = [t for t in Ticket.objects.all() if _in_november(t.received_at)]

    def value(ticket):
        local = ticket.received_at.astimezone(SH)
        return {
            "channel": ticket.channel,
            "type": ticket.type_id,
            "day": local.date().isoformat(),
            "hour": local.hour,
            "agent": ticket.created_by_id,
            "branch": ticket.branch_id,
            "weekday": local.isoweekday(),
        }[by]

    expected = Counter(_key(value(t)) for t in rows)
    assert _lines(body, "intake") == dict(expected)
    assert body["total"]["intake"] == len(rows) == sum(expected.values())
    resolved = Counter(_key(value(t)) for t in rows if t.resolved_at is not None)
    assert {k: v for k, v in _lines(body, "resolved").items() if v} == dict(resolved)
    for line in body["lines"]:
        whole, done = expected[line["key"]], resolved[line["key"]]
        assert line["values"]["resolved_rate"] == round(done / whole, 4)


def test_a_split_cuts_each_line_into_cells_that_add_up(mixed, people, api_as):
    body = (
        api_as(people["supervisor"])
        .get("/reports/r/intake", {**NOVEMBER, "by": "day", "split": "channel"})
        .json()
    )
    rows = [t for t in Ticket.objects.all() if _in_november(t.received_at)]
    cells = Counter((_day(t.received_at).isoformat(), t.channel) for t in rows)
    assert body["split"]["key"] == "channel"
    assert {c["key"] for c in body["columns"]} == {t.channel for t in rows}
    for line in body["lines"]:
        assert sum(line["cells"].values()) == line["values"]["intake"]
        for column, figure in line["cells"].items():
            assert figure == cells[(line["key"], column)]


def test_the_drill_down_lists_exactly_the_rows_a_figure_counts(mixed, people, api_as):
    client = api_as(people["supervisor"])
    body = client.get("/reports/r/intake", {**NOVEMBER, "by": "channel"}).json()
    rows = [t for t in Ticket.objects.all() if _in_november(t.received_at)]
    for line in body["lines"]:
        drill = client.get(
            "/reports/r/intake/drill",
            {**NOVEMBER, "by": "channel", "measure": "intake", "value": line["key"]},
        ).json()
        assert drill["count"] == line["values"]["intake"]
        want = {t.serial for t in rows if t.channel == line["key"]}
        assert {row["serial"] for row in drill["items"]} == want
        assert all(row["url"] == f"/tickets/{row['serial']}/" for row in drill["items"])
    total = client.get(
        "/reports/r/intake/drill", {**NOVEMBER, "measure": "resolved", "per_page": 100}
    ).json()
    assert {row["serial"] for row in total["items"]} == {
        t.serial for t in rows if t.resolved_at is not None
    }


def test_the_hour_and_the_day_are_the_centers_not_utc(mixed, people, api_as):
    client = api_as(people["supervisor"])
    day = client.get("/reports/r/intake", {"start": "2025-11-28", "end": "2025-11-28"}).json()
    # 00:30 on the 28th in Shanghai is 16:30 on the 27th in UTC: it is the 28th's.
    assert day["total"]["intake"] == 1
    hours = _lines(
        client.get("/reports/r/intake", {**NOVEMBER, "by": "hour", "type": ""}).json(), "intake"
    )
    assert hours["0"] >= 1 and hours["22"] >= 1


# ---------------------------------------------------------------------------------- domains


def test_complaints_by_category_agree_with_the_rows_and_the_monthly_report(
    november, people, api_as
):
    body = (
        api_as(people["supervisor"])
        .get("/reports/r/complaints", {**NOVEMBER, "by": "category"})
        .json()
    )
    rows = [c for c in Complaint.objects.all() if _in_november(c.received_at)]
    assert _lines(body, "complaints") == dict(Counter(_key(c.category_id) for c in rows))
    repeat = Counter(_key(c.category_id) for c in rows if c.repeat_of_id)
    collective = Counter(_key(c.category_id) for c in rows if c.group_id)
    for line in body["lines"]:
        assert line["values"]["repeat_complaints"] == repeat[line["key"]]
        assert line["values"]["collective_complaints"] == collective[line["key"]]
    # The same month's figure on the monthly complaint report (its own queries).
    stats = monthly_statistics(dt.date(2025, 11, 1))
    assert body["total"]["complaints"] == stats.total == len(rows)
    assert body["total"]["repeat_complaints"] == stats.severity.repeat
    assert body["total"]["collective_complaints"] == stats.severity.collective


def test_the_complaint_rate_is_per_ten_thousand_customers_served(mixed, people, api_as):
    # Three customers of the archive, one of them served twice (a complaint and a repeat).
    for number in ("13800000001", "13800000007", "13900000000"):
        customer = make_customer(people["agent"], name=f"客户{number[-2:]}", phones=(number,))
        Ticket.objects.filter(caller_number=number).update(customer=customer)
    body = api_as(people["supervisor"]).get("/reports/r/complaint_rate", NOVEMBER).json()
    tickets = [t for t in Ticket.objects.all() if _in_november(t.received_at)]
    served = {t.customer_id for t in tickets if t.customer_id is not None}
    complaints = sum(1 for t in tickets if Complaint.objects.filter(ticket=t).exists())
    assert served and complaints
    assert body["total"]["complaint_rate"] == round(complaints * 10000 / len(served), 2)


def test_time_limits_on_time_rate_per_target(november, people, api_as):
    body = api_as(people["supervisor"]).get("/reports/r/time_limits", {**NOVEMBER}).json()
    rows = [d for d in Deadline.objects.all() if _in_november(d.due_at)]
    decided = [d for d in rows if d.state in ("met", "late", "breached")]
    assert body["total"]["deadlines_due"] == len(decided) > 0
    missed = [d for d in decided if d.state != "met"]
    assert missed, "the fixture has a late and a breached limit"
    assert body["total"]["deadlines_missed"] == len(missed)
    for line in body["lines"]:
        mine = [d for d in decided if d.name == line["key"]]
        met = sum(1 for d in mine if d.state == "met")
        assert line["values"]["deadlines_due"] == len(mine)
        assert line["values"]["on_time_rate"] == (round(met / len(mine), 4) if mine else None)


def test_callbacks_and_satisfaction_per_agent(november, people, api_as):
    body = api_as(people["supervisor"]).get("/reports/r/satisfaction", NOVEMBER).json()
    tasks = [t for t in CallbackTask.objects.select_related("ticket") if _in_november(t.created_at)]
    surveys = [s for s in Survey.objects.all() if _in_november(s.created_at)]
    assert tasks
    for line in body["lines"]:
        mine = [t for t in tasks if _key(t.ticket.created_by_id) == line["key"]]
        due = [t for t in mine if t.state != "excluded"]
        asked = [t for t in due if t.state != "refused"]
        done = [t for t in mine if t.state == "done"]
        answered = [t for t in mine if t.outcome in ("satisfied", "unsatisfied")]
        values = line["values"]
        assert values["callbacks_due"] == len(due)
        assert values["callbacks_done"] == len(done)
        assert values["callback_rate"] == (round(len(done) / len(asked), 4) if asked else None)
        satisfied = sum(1 for t in answered if t.outcome == "satisfied")
        want = round(satisfied / len(answered), 4) if answered else None
        assert values["satisfaction_rate"] == want
        scores = [
            s.score
            for s in surveys
            if _key(s.agent_id) == line["key"] and s.state == "answered" and s.score
        ]
        assert values["surveys_answered"] == len(scores)
        assert values["survey_score"] == (round(sum(scores) / len(scores), 2) if scores else None)


def test_the_backlog_is_aged_now(mixed, people, api_as, time_machine):
    time_machine.move_to(at("2025-12-01 10:00"), tick=False)
    body = api_as(people["supervisor"]).get("/reports/r/backlog", {"split": ""}).json()
    now = at("2025-12-01 10:00")
    open_now = [t for t in Ticket.objects.all() if t.status in OPEN_STATUSES]

    def band(ticket) -> str:
        age = now - ticket.received_at
        for code, days in (("a_1d", 1), ("b_3d", 3), ("c_7d", 7), ("d_30d", 30)):
            if age < dt.timedelta(days=days):
                return code
        return "e_older"

    assert _lines(body, "backlog") == dict(Counter(band(t) for t in open_now))
    assert [line["key"] for line in body["lines"]] == sorted(_lines(body, "backlog"))


def test_work_orders_on_time_by_area_and_kind(org, people, api_as, time_machine):
    time_machine.move_to(at("2025-11-10 09:00"), tick=False)
    field = make_field(org, people)
    agent = people["agent"]
    orders = [
        make_order(agent, dispatch_to=field["fitter"], goods=f"{n}号水表漏水") for n in range(3)
    ]
    make_order(agent, goods="未派工的单")
    # Completed: one before its due time, one after; the third never.
    WorkOrder.objects.filter(pk=orders[0].pk).update(completed_at=at("2025-11-10 10:00"))
    WorkOrder.objects.filter(pk=orders[1].pk).update(
        completed_at=at("2025-11-30 10:00"), chase_count=2
    )
    body = (
        api_as(people["supervisor"]).get("/reports/r/workorders", {**NOVEMBER, "by": "kind"}).json()
    )
    rows = [o for o in WorkOrder.objects.all() if _in_november(o.ordered_at)]
    rated = [o for o in rows if o.completed_at and o.due_at]
    on_time = [o for o in rated if o.completed_at <= o.due_at]
    assert body["total"]["workorders"] == len(rows) == 4
    assert rated and len(on_time) < len(rated)
    assert body["total"]["workorders_on_time_rate"] == round(len(on_time) / len(rated), 4)
    assert body["total"]["chases"] == sum(o.chase_count for o in rows) == 2
    assert body["total"]["workorders_chased"] == 1
    assert body["total"]["pickup_on_time_rate"] is None  # no pickups in a water utility


def test_every_report_answers_for_every_dimension_it_offers(mixed, people, api_as):
    client = api_as(people["gm"])
    for report in REPORTS:
        for by in report.dims:
            answer = client.get(f"/reports/r/{report.key}", {**NOVEMBER, "by": by})
            assert answer.status_code == 200, (report.key, by, answer.content[:200])
        for split in report.splits:
            answer = client.get(f"/reports/r/{report.key}", {**NOVEMBER, "split": split})
            assert answer.status_code == 200, (report.key, split, answer.content[:200])
    catalog = client.get("/reports/catalog").json()["reports"]
    assert [r["key"] for r in catalog] == [r.key for r in REPORTS]


# ---------------------------------------------------------------------------------- who


@pytest.fixture
def sz_lead(org):
    return make_person("sz-lead", Role.TEAM_LEAD, number="8501", branch=org["sz"])


def test_a_branch_lead_reads_their_branch_on_the_page_the_api_and_the_drill(
    mixed, org, people, sz_lead, api_as, web_as
):
    client = api_as(sz_lead)
    body = client.get("/reports/r/intake", {**NOVEMBER, "by": "channel"}).json()
    rows = [
        t for t in Ticket.objects.all() if _in_november(t.received_at) and t.branch == org["sz"]
    ]
    assert body["branch"] == org["sz"].name
    assert body["total"]["intake"] == len(rows) == 2
    # Asking for the head office's figures gives nothing of the head office.
    other = client.get("/reports/r/intake", {**NOVEMBER, "branch": str(org["hq"].pk)}).json()
    assert other["total"]["intake"] == 0
    drill = client.get("/reports/r/intake/drill", {**NOVEMBER, "measure": "intake"}).json()
    assert {r["serial"] for r in drill["items"]} == {t.serial for t in rows}
    page = web_as(sz_lead).get("/reports/r/intake/", NOVEMBER).content.decode()
    assert org["sz"].name in page and 'data-testid="filter-branch"' not in page


@pytest.mark.parametrize("who", ["agent", "dept_handler", "dept_head", "sz_agent"])
def test_staff_without_statistics_may_not_read_any_report(people, api_as, web_as, who):
    client = api_as(people[who])
    for path in (
        "/reports/catalog",
        "/reports/r/intake",
        "/reports/r/intake.xlsx",
        "/reports/r/intake/drill?measure=intake",
        "/reports/views",
    ):
        assert client.get(path).status_code == 403, path
    assert client.post("/reports/views", {"name": "x", "report": "intake"}).status_code == 403
    page = web_as(people[who])
    for path in ("/reports/", "/reports/r/intake/", "/reports/r/intake/drill?measure=intake"):
        assert page.get(path).status_code == 403, path


# ---------------------------------------------------------------------------------- input


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"start": "2025-12-01", "end": "2025-11-01"}, "start"),
        ({"start": "1999-12-31"}, "start"),
        ({"start": "2025-13-01"}, "start"),
        ({"start": "2020-01-01", "end": "2025-01-01"}, "end"),
        ({"by": "nonsense"}, "by"),
        ({"by": "severity"}, "by"),  # not a dimension of intake
        ({"split": "agent"}, "split"),
        ({"branch": "abc"}, "branch"),
        ({"branch": "99999999999999"}, "branch"),
        ({"channel": "web\x00"}, "channel"),
    ],
)
def test_bad_parameters_are_a_422_naming_the_parameter(people, api_as, web_as, params, field):
    answer = api_as(people["supervisor"]).get("/reports/r/intake", params)
    assert answer.status_code == 422, answer.content[:300]
    assert answer.json()["field"] == field
    page = web_as(people["supervisor"]).get("/reports/r/intake/", params)
    assert page.status_code == 422
    assert 'data-testid="error"' in page.content.decode()


def test_an_unknown_report_or_measure(people, api_as):
    client = api_as(people["supervisor"])
    assert client.get("/reports/r/nothing").status_code == 404
    answer = client.get("/reports/r/intake/drill", {"measure": "complaints"})
    assert (answer.status_code, answer.json()["field"]) == (422, "measure")


# ---------------------------------------------------------------------------------- exports


def test_the_workbook_holds_the_jsons_numbers(mixed, people, api_as):
    client = api_as(people["supervisor"])
    params = {**NOVEMBER, "by": "day", "split": "channel"}
    body = client.get("/reports/r/intake", params).json()
    answer = client.get("/reports/r/intake.xlsx", params)
    assert answer.status_code == 200
    book = load_workbook(BytesIO(answer.content))
    assert book.sheetnames[0] == "受理量与趋势"
    sheet = book.worksheets[0]
    assert sheet.freeze_panes == "B2"
    header = [c.value for c in sheet[1]]
    assert header == ["日"] + [m["label"] for m in body["measures"]]
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    for line, row in zip(body["lines"], rows, strict=False):
        assert row[0] == line["label"]
        assert list(row[1:]) == [line["values"][m["key"]] for m in body["measures"]]
        assert isinstance(row[1], int)
    assert rows[len(body["lines"])][0] == "合计"
    assert rows[len(body["lines"])][1] == body["total"]["intake"]
    assert sheet.cell(row=2, column=4).number_format == "0.0%"
    matrix = book.worksheets[1]
    assert [c.value for c in matrix[1]][1:] == [c["label"] for c in body["columns"]]


# ---------------------------------------------------------------------------------- views


def test_saved_views_are_kept_per_person_and_retired_not_deleted(people, api_as):
    client = api_as(people["supervisor"])
    answer = client.post(
        "/reports/views",
        {
            "name": "本月渠道",
            "report": "intake",
            "params": {"by": "channel", "start": "2025-11-01"},
        },
    )
    assert answer.status_code == 201
    view = answer.json()
    assert view["params"]["by"] == "channel" and view["params"]["start"] == "2025-11-01"
    again = client.post("/reports/views", {"name": "本月渠道", "report": "intake"})
    assert (again.status_code, again.json()["field"]) == (409, "name")
    bad = client.post(
        "/reports/views", {"name": "坏的", "report": "intake", "params": {"by": "nonsense"}}
    )
    assert (bad.status_code, bad.json()["field"]) == (422, "by")
    assert [v["name"] for v in client.get("/reports/views").json()] == ["本月渠道"]
    other = api_as(people["quality"])
    assert other.get("/reports/views").json() == []
    assert other.post(f"/reports/views/{view['id']}/retire").status_code == 404
    assert client.post(f"/reports/views/{view['id']}/retire").status_code == 200
    assert client.get("/reports/views").json() == []
    assert SavedView.objects.get().retired_at is not None
    assert SavedView.objects.count() == 2 - 1  # only the one saved, kept
