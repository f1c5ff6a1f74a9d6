"""Conversation API: a ticket's messages in and out, reply templates (快捷回复), files.
Replies go out through ``POST /tickets/{serial}/reply``."""

from __future__ import annotations

from django.http import Http404
from django.urls import reverse
from ninja import Query, Router

from kefu.conversations import selectors, services
from kefu.conversations.schemas import MessageOut, TemplateOut
from kefu.core.downloads import attachment_response
from kefu.core.errors import ServiceError
from kefu.core.paging import PageOut, PageQuery, page_out, paginate
from kefu.tickets.access import access_ticket

router = Router(tags=["conversations"])


def message_out(m: selectors.ThreadMessage) -> dict:
    data = m.__dict__ | {
        "files": [
            f.__dict__
            | {"url": None if f.purged else reverse("api:conversation-file", args=[f.id])}
            for f in m.files
        ]
    }
    return data


@router.get("/{serial}/messages", response=PageOut[MessageOut])
def messages(request, serial: str, paging: Query[PageQuery]):
    """The ticket's conversation, oldest first: every message in and out on every channel,
    with its delivery state and attachments (addresses masked without the permission)."""
    ticket = access_ticket(request.user, serial)
    page = paginate(
        selectors.messages_of(ticket),
        page=paging.page,
        per_page=paging.per_page,
        fetch=lambda rows: selectors.shaped(list(rows), request.user),
    )
    return page_out(page, message_out)


@router.get("/templates", response=list[TemplateOut])
def templates(request, q: str = "", channel: str = "", serial: str = ""):
    """The reply templates the agent may use (the center's and their own), ``q`` matching the
    key or title, filled for ticket ``serial``."""
    ticket = access_ticket(request.user, serial) if serial else None
    return [
        {
            "id": t.pk,
            "key": t.key,
            "title": t.title,
            "text": services.fill_template(t, actor=request.user, ticket=ticket),
            "own": t.owner_id is not None,
        }
        for t in services.templates_for(request.user, q=q[:20], channel=channel[:12])
    ]


@router.get("/files/{file_id}", url_name="conversation-file")
def file(request, file_id: int):
    """A message's attachment (a mail's original .eml too), to whoever may see its ticket."""
    try:
        found = selectors.message_file(request.user, file_id)
    except ServiceError:
        raise Http404
    return attachment_response(found.file, found.name)
