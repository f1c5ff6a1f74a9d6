"""Reads for the complaint part of the ticket page."""

from __future__ import annotations

from dataclasses import dataclass

from kefu.complaints import rules
from kefu.complaints.models import Category, Complaint, Confirmation, MunicipalHotline, Source
from kefu.complaints.services import steps_for
from kefu.sla.models import ComplaintClass, Severity


@dataclass
class ComplaintPage:
    complaint: Complaint
    plan: object
    plans: list
    steps: set[str]
    suggested_department: object
    classes: list
    severities: list
    sources: list
    confirmations: list
    categories: list
    hotlines: list
    group_size: int


def complaint_page(ticket, actor) -> ComplaintPage | None:
    """What the ticket page shows of a complaint and which steps it offers ``actor``; None
    for other tickets."""
    if not rules.is_complaint(ticket):
        return None
    complaint = (
        Complaint.objects.select_related("category", "group", "repeat_of", "hotline")
        .filter(ticket=ticket)
        .first()
    )
    if complaint is None:
        return None
    complaint.ticket = ticket
    plans = list(complaint.plans.select_related("proposed_by").order_by("-version"))
    # An outage's group has hundreds of members: the page shows how many, not which.
    group_size = complaint.group.members.count() if complaint.group is not None else 0
    return ComplaintPage(
        complaint=complaint,
        plan=plans[0] if plans else None,
        plans=plans,
        steps=steps_for(complaint, actor),
        suggested_department=rules.suggest_department(ticket),
        classes=ComplaintClass.choices,
        severities=Severity.choices,
        sources=Source.choices,
        confirmations=Confirmation.choices,
        categories=list(Category.objects.filter(is_active=True)),
        hotlines=list(MunicipalHotline.objects.filter(is_active=True)),
        group_size=group_size,
    )
