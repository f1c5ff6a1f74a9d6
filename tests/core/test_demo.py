"""The demo center is written through the real services: every ticket state, complaints in
each step of their process, and one collective complaint."""

from kefu.complaints.models import CollectiveGroup, Complaint, Plan
from kefu.demo import seed_demo
from kefu.tickets.models import Status, Ticket


def test_the_demo_center_has_tickets_in_every_state_and_complaints_in_every_step(db):
    counts = seed_demo(customers=60, tickets=160)
    assert counts["customers"] == 60
    assert counts["tickets"] == Ticket.objects.count() == 165  # with the five outage calls
    assert set(Ticket.objects.values_list("status", flat=True)) == set(Status.values)
    complaints = Complaint.objects.all()
    assert {c.complaint_class for c in complaints} >= {"", "responsible", "not_responsible"}
    assert Plan.objects.filter(state="approved").exists()
    group = CollectiveGroup.objects.get()
    assert group.members.count() == 5
    from kefu.notices.models import Notice

    assert Notice.objects.get().state == "published"
    from kefu.dispatch.models import Status as OrderStatus
    from kefu.dispatch.models import WorkOrder

    # Work orders in every state but the rare rejected-and-redone one.
    assert set(WorkOrder.objects.values_list("status", flat=True)) == set(OrderStatus.values)
    # The triage is trained on the demo's tickets: it learnt their departments.
    from kefu.triage.models import TrainedModel

    model = TrainedModel.objects.get()
    assert model.tickets == 165 and model.counts["department"] > 50
    assert seed_demo() == {"customers": 60, "tickets": 165}  # a second run adds nothing
