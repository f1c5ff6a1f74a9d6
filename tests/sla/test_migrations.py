"""A center upgraded from before time limits carried their ticket's branch and type: the
migration fills them from the tickets."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from kefu.sla.models import Deadline
from tests.accounts.factories import make_org, make_personas
from tests.tickets.factories import make_ticket


@pytest.mark.django_db(transaction=True)
def test_the_time_limits_there_are_get_their_tickets_branch_and_type(reference_data):
    agent = make_personas(make_org())["agent"]
    repair = make_ticket(agent, type="repair", content="水管爆裂")
    complaint = make_ticket(agent, type="complaint", content="抄表员态度差")
    assert Deadline.objects.filter(ticket__in=[repair, complaint]).count() >= 2
    executor = MigrationExecutor(connection)
    executor.migrate([("sla", "0010_report_indexes")])
    try:
        executor = MigrationExecutor(connection)
        executor.migrate([("sla", "0012_deadline_branch_type_required")])
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())

    for ticket in (repair, complaint):
        clocks = Deadline.objects.filter(ticket=ticket)
        assert clocks.exists()
        assert set(clocks.values_list("branch_id", "ticket_type_id")) == {
            (ticket.branch_id, ticket.type_id)
        }
    assert repair.type_id != complaint.type_id
