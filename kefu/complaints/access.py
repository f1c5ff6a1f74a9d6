"""Which complaints and collective complaints an actor may see."""

from __future__ import annotations

from django.utils.translation import gettext as _

from kefu.complaints import rules
from kefu.complaints.models import CollectiveGroup, Complaint
from kefu.core.errors import Code, ServiceError
from kefu.tickets.access import access_ticket, visible_tickets


def access_complaint(actor, serial: str, *, for_update: bool = False) -> Complaint:
    """The complaint of ticket ``serial`` if ``actor`` may see the ticket. With ``for_update``
    the ticket row is locked (every complaint change locks its ticket). NOT_FOUND otherwise,
    and INVALID when the ticket is not a complaint."""
    ticket = access_ticket(actor, serial, for_update=for_update)
    complaint = getattr(ticket, "complaint", None) if rules.is_complaint(ticket) else None
    if complaint is None:
        raise ServiceError(Code.INVALID, _("该工单不是投诉"))
    complaint.ticket = ticket  # the locked instance
    return complaint


def visible_groups(actor):
    """Collective complaints with at least one member ticket the actor may see."""
    seen = visible_tickets(actor).filter(complaint__group__isnull=False)
    return CollectiveGroup.objects.filter(members__ticket__in=seen).distinct()


def access_group(actor, group_id: int) -> CollectiveGroup:
    group = visible_groups(actor).filter(pk=group_id).select_related("area", "owner").first()
    if group is None:
        raise ServiceError(Code.NOT_FOUND, _("集体投诉不存在或无权查看"))
    return group
