"""The demo center is written through the real services: every ticket state, complaints in
each step of their process, and one collective complaint."""

from django.contrib.auth import get_user_model
from django.utils import timezone

from kefu.complaints.models import CollectiveGroup, Complaint, Plan
from kefu.core.center import Center, center
from kefu.customers.models import Customer
from kefu.demo import seed_demo
from kefu.tickets.models import Status, Ticket


def test_the_demo_center_has_tickets_in_every_state_and_complaints_in_every_step(db):
    counts = seed_demo(customers=60, tickets=160)
    assert counts["customers"] == 60
    # With the five outage calls, and the customers who wrote in: an SMS that joined its
    # sender's open ticket, another on its own, a mail thread, an auto-reply, a portal message;
    # and the grumble at the desk turned into a complaint (kefu.notebooks).
    assert counts["tickets"] == Ticket.objects.count() == 170
    from kefu.conversations.models import Message

    assert Message.objects.filter(direction="in").count() == 6
    assert Message.objects.filter(direction="out", automatic=False).count() == 1
    auto = Message.objects.get(auto_submitted=True)
    assert not Message.objects.filter(ticket=auto.ticket, direction="out").exists()
    assert set(Ticket.objects.values_list("status", flat=True)) == set(Status.values)
    complaints = Complaint.objects.all()
    assert {c.complaint_class for c in complaints} >= {"", "responsible", "not_responsible"}
    assert Plan.objects.filter(state="approved").exists()
    group = CollectiveGroup.objects.get()
    assert group.members.count() == 5
    from kefu.notices.models import Notice

    notice = Notice.objects.get()
    assert notice.state == "published"
    # Texted only on its streets, under the demo center's own signature.
    assert center() == Center("清源水务", "96116", "【清源水务】")
    campaign = notice.campaigns.get()
    in_area = Customer.objects.filter(area__code="hq-yhy", is_active=True)
    on_streets = in_area.filter(address__regex="解放路|人民路").count()
    assert 0 < campaign.total == on_streets < in_area.count()
    from kefu.dispatch.models import Status as OrderStatus
    from kefu.dispatch.models import WorkOrder

    # Work orders in every state but the rare rejected-and-redone one.
    assert set(WorkOrder.objects.values_list("status", flat=True)) == set(OrderStatus.values)
    # The triage is trained on the demo's tickets: it learnt their departments.
    from kefu.triage.models import TrainedModel

    model = TrainedModel.objects.get()
    # (what agents confirmed at intake: the customers' own messages are not labelled yet; the
    # escalated grumble is one of them)
    assert model.tickets == 166 and model.counts["department"] > 50
    # Twelve weeks of calls before today: the seat plan forecasts tomorrow from them, and the
    # back-test beats "the same day last week".
    from kefu.telephony import forecast
    from kefu.telephony.models import CallRecord

    assert CallRecord.objects.filter(call_id__startswith="demo-history-").count() > 12000
    check = forecast.backtest("calls", weeks=4)
    assert check.forecast_mape < check.baseline_mape, check.forecast_mape
    assert check.forecast_mape < 0.15
    # Two weeks' roster from today, made from the seat plan and published.
    from kefu.workforce.models import Roster, RosterShift

    roster = Roster.objects.get()
    assert roster.status == Roster.Status.PUBLISHED and roster.note == "演示:本周起两周排班"
    assert RosterShift.objects.filter(roster=roster, user__username="agent").count() >= 6
    assert sum(sum(day) for day in roster.need) > 0
    # Churned members to win back, being worked; a survey sample for the lead to start.
    from kefu.outbound.models import OutboundAttempt, OutboundList

    lists = dict(OutboundList.objects.values_list("purpose", "status"))
    assert lists == {"churned": "active", "survey": "draft"}
    assert sorted(OutboundAttempt.objects.values_list("outcome", flat=True)) == [
        "call_later",
        "done",
        "no_answer",
    ]
    # A chain's members: three stores, every customer of this small demo a member, purchases
    # over 18 months; every member analysis has something to show, and the churned list
    # holds churned members.
    from kefu.customers import analyses
    from kefu.customers.models import Member, Purchase, Store

    assert list(Store.objects.values_list("code", flat=True)) == ["S01", "S02", "S03"]
    assert Member.objects.count() == 60
    assert 100 < Purchase.objects.count() < 600
    # The demo's purchases go through the import: the monthly rollup the analyses read holds
    # them, month by month (summed here from the purchases).
    from tests.customers.member_factories import months_from_purchases, rollup_rows

    assert rollup_rows() == months_from_purchases()
    supervisor = get_user_model().objects.get(username="supervisor")
    growth = analyses.run(supervisor, "growth", analyses.Filters())
    assert growth.total["new"] > 0 and growth.total["expiring"] > 0
    spending = analyses.run(supervisor, "spending", analyses.Filters())
    assert sum(1 for n in spending.total if n) >= 4
    rfm = analyses.run(supervisor, "rfm", analyses.Filters())
    assert sum(1 for s in rfm.segments if s["members"]) >= 4
    churn = analyses.run(supervisor, "churn", analyses.Filters())
    assert churn.total["churned"] > 5 and churn.total["called"] >= 1
    churned = set(
        analyses.churned_members(
            Member.objects.all(), days=90, today=timezone.localdate()
        ).values_list("customer_id", flat=True)
    )
    called = set(
        OutboundList.objects.get(purpose="churned").entries.values_list("customer_id", flat=True)
    )
    assert called and called <= churned
    # Quality: the hotline scorecard with its veto item, last week's sample, scored
    # inspections (one vetoed), one send-back open, one appeal waiting for the lead.
    from kefu.quality.models import Appeal, Inspection, Sample, SampleDraw, Scorecard, SendBack

    card = Scorecard.objects.get()
    assert card.items.count() == 8 and card.items.filter(is_veto=True).count() == 1
    scored = list(Inspection.objects.order_by("id").values_list("score", "vetoed"))
    assert len(scored) == 4 and scored[0] == (100, False) and scored[3] == (0, True)
    # Last week's draw: each inspection on a sample of its own (how many more there are
    # depends on last week's tickets, which move with the day the demo is loaded).
    assert SampleDraw.objects.count() == 1
    assert Sample.objects.count() >= Inspection.objects.values("sample").distinct().count() == 4
    assert SendBack.objects.filter(status="open").count() == 1
    assert Appeal.objects.filter(status="pending").count() == 1
    # Last month's complaint reports: the center's approved, to be filed; 深圳分公司's
    # submitted by its team lead, waiting for the general manager; 总公司's a draft.
    from kefu.reports.models import MonthlyReport

    reports = MonthlyReport.objects.select_related("branch", "submitted_by")
    assert sorted(
        (r.branch.code if r.branch else "", r.state, getattr(r.submitted_by, "username", ""))
        for r in reports
    ) == [("", "approved", "supervisor"), ("hq", "draft", ""), ("sz", "submitted", "sz-lead")]
    assert seed_demo() == {"customers": 60, "tickets": 170}  # a second run adds nothing
    assert MonthlyReport.objects.count() == 3


def test_the_demo_replays_each_ticket_at_its_own_hours(db):
    """The demo's history is not all stamped with the minute it was loaded: each step comes
    after the one before, none after the load; a floor's open work is mostly inside its time
    limits, and some finished work was done on time."""
    import datetime as dt

    from django.utils import timezone

    from kefu.sla.models import Deadline
    from kefu.tickets.models import OPEN_STATUSES, TicketEvent

    seed_demo(customers=40, tickets=120)
    now = timezone.now()
    times = list(TicketEvent.objects.values_list("at", flat=True))
    assert max(times) <= now
    # Most events are hours or days old, not all from the last minutes of the load.
    assert sum(at < now - dt.timedelta(hours=1) for at in times) > 0.7 * len(times)
    for ticket in Ticket.objects.prefetch_related("events"):
        stamps = [e.at for e in sorted(ticket.events.all(), key=lambda e: e.id)]
        assert stamps == sorted(stamps), ticket.serial
        assert stamps[0] >= ticket.received_at - dt.timedelta(seconds=1), ticket.serial
    open_tickets = Ticket.objects.filter(status__in=OPEN_STATUSES)
    overdue = open_tickets.filter(due_at__lt=now).count()
    assert overdue < 0.4 * open_tickets.count()
    assert (
        Deadline.objects.filter(state="met").count() > Deadline.objects.filter(state="late").count()
    )


def test_the_demo_survey_links_lead_to_the_port_it_answers_on(db):
    from kefu.demo import answer_on
    from kefu.followups.models import FollowupSettings

    answer_on(8123)
    assert FollowupSettings.current().public_url == "http://127.0.0.1:8123"
    answer_on(8000)  # served again on another port
    assert FollowupSettings.current().public_url == "http://127.0.0.1:8000"
    FollowupSettings.objects.update(public_url="https://kefu.example.com")
    answer_on(8123)  # the admin's own address stays
    assert FollowupSettings.current().public_url == "https://kefu.example.com"
