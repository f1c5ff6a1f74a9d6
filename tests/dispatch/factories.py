"""Work orders for tests: the repair department's field staff, a crew, a dispatch desk."""

from __future__ import annotations

from kefu.accounts.models import Role
from kefu.dispatch import services
from kefu.dispatch.models import Crew, DispatchDesk
from kefu.dispatch.schemas import OrderIn
from tests.accounts.factories import make_person


def make_field(org: dict, people: dict) -> dict:
    """Two field staff of 维修部 (with phones), a crew led by the first, and the head office
    dispatch desk: the team lead dispatches, the department head is the branch manager."""
    repair = org["depts"]["repair"]
    fitter = make_person(
        "fitter", Role.FIELD_STAFF, number="5101", department=repair, name="张师傅"
    )
    helper = make_person(
        "fitter2", Role.FIELD_STAFF, number="5102", department=repair, name="陈师傅"
    )
    fitter.staff.phone = "13800000001"
    fitter.staff.save(update_fields=["phone"])
    helper.staff.phone = "13800000002"
    helper.staff.save(update_fields=["phone"])
    lead = people["lead"]
    lead.staff.phone = "13900000001"
    lead.staff.save(update_fields=["phone"])
    head = people["dept_head"]
    head.staff.phone = "13900000002"
    head.staff.save(update_fields=["phone"])
    crew = Crew.objects.create(department=repair, name="一班", leader=fitter)
    crew.members.add(fitter, helper)
    desk = DispatchDesk.objects.create(branch=org["hq"], dispatcher=lead, manager=head)
    return {"fitter": fitter, "helper": helper, "crew": crew, "desk": desk}


def order_in(**overrides) -> OrderIn:
    values = dict(
        kind="repair",
        department="repair",
        customer_name="王先生",
        customer_phone="13512345678",
        address="阳光花园3栋2单元501",
        area="yhy",
        goods="厨房水管爆裂",
    )
    values.update(overrides)
    return OrderIn(**values)


def make_order(actor, *, dispatch_to=None, ticket_serial: str = "", **overrides):
    """A repair order created by ``actor`` (from ticket ``ticket_serial`` if given);
    dispatched to ``dispatch_to`` (a user) if given."""
    return services.create_order(
        order_in(**overrides),
        actor=actor,
        ticket=ticket_serial,
        assignee=dispatch_to.username if dispatch_to else "",
        dispatch=dispatch_to is not None,
    )
