"""Attachments after their period (3 years by default): the file is destroyed, the row stays
marked, and the pages and the API say 已按保留期限销毁 instead of a link — a ticket's
attachments, a message's files, a work order's site photos and the customer's signature.
Legal holds: set and lifted by an administrator with a reason, audited; a held ticket's
attachments stay."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from kefu.conversations.models import Message, MessageAttachment
from kefu.core import retention
from kefu.core.errors import Code, ServiceError
from kefu.core.models import AuditLog
from kefu.dispatch.models import Photo, WorkOrder
from kefu.tickets import holds
from kefu.tickets import services as tickets
from kefu.tickets.models import Attachment, LegalHold, Ticket
from tests.accounts.factories import make_person
from tests.customers.factories import make_customer
from tests.dispatch.factories import make_order
from tests.tickets.factories import make_ticket

PERIOD = dt.timedelta(days=3 * 365)
HOUR = dt.timedelta(hours=1)


def before_cutoff() -> dt.datetime:
    return timezone.now() - PERIOD - HOUR


def after_cutoff() -> dt.datetime:
    return timezone.now() - PERIOD + HOUR


def counts(*, dry_run: bool = False) -> dict:
    results = retention.run_retention(dry_run=dry_run, only=["attachments"]).results
    return {k: v for k, v in results["attachments"].items() if k not in ("days", "cutoff")}


def closed_ticket(actor, **fields) -> Ticket:
    ticket = make_ticket(actor, **fields)
    return tickets.transition_ticket(ticket.serial, actor=actor, action="cancel", note="撤回")


def attach(ticket: Ticket, actor, moment: dt.datetime, name: str = "现场.jpg") -> Attachment:
    with time_machine.travel(moment, tick=False):
        return tickets.add_attachment(
            ticket.serial,
            actor=actor,
            upload=SimpleUploadedFile(name, b"\xff\xd8jpeg", "image/jpeg"),
        )


@pytest.fixture
def admin(db):
    return make_person("root", "admin", number="9000")


# ------------------------------------------------------------------------ ticket attachments


def test_an_expired_attachments_file_is_destroyed_and_the_row_kept(agent, api_as, web_as):
    ticket = closed_ticket(agent)
    old = attach(ticket, agent, before_cutoff(), "合同.pdf")
    new = attach(ticket, agent, after_cutoff())
    stored = old.file.name
    assert default_storage.exists(stored)

    assert counts(dry_run=True) == {"purged": 1, "held": 0}
    assert default_storage.exists(stored)
    assert counts() == {"purged": 1, "held": 0}

    old.refresh_from_db()
    new.refresh_from_db()
    assert not default_storage.exists(stored)
    assert (old.file.name, old.name, old.size) == ("", "合同.pdf", 6)
    assert old.purged_at is not None and new.purged_at is None
    assert default_storage.exists(new.file.name)
    page = web_as(agent).get(f"/tickets/{ticket.serial}/").content.decode()
    assert page.count('data-testid="attachment-purged"') == 1
    assert f'href="{new.file.url}"' in page
    body = api_as(agent).get(f"/tickets/{ticket.serial}").json()
    assert [(a["name"], a["url"], a["purged"]) for a in body["attachments"]] == [
        ("合同.pdf", None, True),
        ("现场.jpg", new.file.url, False),
    ]
    assert counts() == {"purged": 0, "held": 0}


def test_the_attachments_of_an_open_ticket_or_a_held_one_stay(admin, agent):
    still_open = make_ticket(agent)
    held = closed_ticket(agent)
    on_open = attach(still_open, agent, before_cutoff())
    on_held = attach(held, agent, before_cutoff())
    holds.set_hold(actor=admin, reason="公安机关调取证据", ticket=held)

    assert counts() == {"purged": 0, "held": 1}

    for attachment in (on_open, on_held):
        attachment.refresh_from_db()
        assert attachment.purged_at is None
        assert default_storage.exists(attachment.file.name)


def test_a_held_customers_ticket_attachments_stay(admin, agent):
    customer = make_customer(agent)
    ticket = closed_ticket(agent, customer_id=customer.pk)
    kept = attach(ticket, agent, before_cutoff())
    holds.set_hold(actor=admin, reason="诉讼", customer=customer)
    assert counts() == {"purged": 0, "held": 1}
    kept.refresh_from_db()
    assert kept.purged_at is None


# ------------------------------------------------------------------------ message files


def test_an_expired_message_file_is_destroyed_and_the_thread_says_so(agent, api_as, web_as):
    ticket = closed_ticket(agent)
    message = Message.objects.create(
        ticket=ticket, channel="email", direction="in", at=before_cutoff(), body="见附件"
    )
    file = MessageAttachment(message=message, name="照片.jpg", size=4)
    file.file.save("照片.jpg", ContentFile(b"jpeg"), save=True)
    stored = file.file.name

    assert counts() == {"purged": 1, "held": 0}

    file.refresh_from_db()
    assert file.purged_at is not None and not default_storage.exists(stored)
    body = api_as(agent).get(f"/conversations/{ticket.serial}/messages").json()
    assert [(f["name"], f["url"], f["purged"]) for f in body["items"][0]["files"]] == [
        ("照片.jpg", None, True)
    ]
    assert api_as(agent).get(f"/conversations/files/{file.pk}").status_code == 404
    page = web_as(agent).get(f"/tickets/{ticket.serial}/").content.decode()
    assert 'data-testid="file-purged"' in page


# ------------------------------------------------------------------------ photos, signatures


def test_expired_site_photos_and_signatures_are_destroyed_the_order_keeps_its_record(
    agent, web_as, api_as
):
    with time_machine.travel(before_cutoff(), tick=False):
        order = make_order(agent)
        # Done and signed for on site three years ago (the field steps are dispatch's tests').
        WorkOrder.objects.filter(pk=order.pk).update(
            status="closed", result="已修好", completed_at=timezone.now(), confirmation="signature"
        )
        order.refresh_from_db()
        photo = Photo(order=order, name="水表.jpg", size=4, content_type="image/jpeg")
        photo.file.save("水表.jpg", ContentFile(b"jpeg"), save=True)
        order.signature.save("sig.png", ContentFile(b"png"), save=True)
    stored = [photo.file.name, order.signature.name]

    assert counts() == {"purged": 2, "held": 0}

    photo.refresh_from_db()
    order.refresh_from_db()
    assert [default_storage.exists(name) for name in stored] == [False, False]
    assert (photo.file.name, order.signature.name) == ("", "")
    assert photo.purged_at is not None and order.signature_purged_at is not None
    page = web_as(agent).get(f"/workorders/{order.serial}/").content.decode()
    assert 'data-testid="photo-purged"' in page and 'data-testid="signature-purged"' in page
    body = api_as(agent).get(f"/workorders/{order.serial}").json()
    assert (body["photos"], body["photos_purged"]) == ([], 1)
    assert counts() == {"purged": 0, "held": 0}


# ------------------------------------------------------------------------ legal holds


def test_only_an_administrator_sets_a_hold_with_a_reason_and_it_is_audited(admin, lead, agent):
    customer = make_customer(agent)
    with pytest.raises(ServiceError) as refused:
        holds.set_hold(actor=lead, reason="诉讼", customer=customer)
    assert refused.value.code == Code.FORBIDDEN
    with pytest.raises(ServiceError) as refused:
        holds.set_hold(actor=admin, reason="  ", customer=customer)
    assert (refused.value.code, refused.value.field) == (Code.INVALID, "reason")
    with pytest.raises(ServiceError) as refused:
        holds.set_hold(actor=admin, reason="诉讼")
    assert refused.value.code == Code.INVALID
    assert not LegalHold.objects.exists()

    hold = holds.set_hold(actor=admin, reason="诉讼", customer=customer)
    with pytest.raises(ServiceError) as refused:
        holds.set_hold(actor=admin, reason="又一次", customer=customer)
    assert refused.value.code == Code.CONFLICT
    assert list(
        AuditLog.objects.filter(action="legal_hold.set").values_list("object_id", "detail")
    ) == [(str(customer.pk), {"hold": hold.pk, "reason": "诉讼"})]

    with pytest.raises(ServiceError) as refused:
        holds.lift_hold(hold.pk, actor=admin, reason="")
    assert refused.value.field == "lift_reason"
    lifted = holds.lift_hold(hold.pk, actor=admin, reason="已结案")
    assert (lifted.lifted_by, lifted.lift_reason, lifted.in_force) == (admin, "已结案", False)
    with pytest.raises(ServiceError) as refused:
        holds.lift_hold(hold.pk, actor=admin, reason="再解除")
    assert refused.value.code == Code.INVALID_TRANSITION
    assert AuditLog.objects.filter(action="legal_hold.lift").count() == 1


def test_an_administrator_sets_and_lifts_a_hold_in_the_admin(admin, agent, web_as):
    client = web_as(admin)
    ticket = closed_ticket(agent)
    refused = client.post("/admin/tickets/legalhold/add/", {"ticket": ticket.pk, "reason": ""})
    assert refused.status_code == 200 and "请填写原因" in refused.content.decode()
    added = client.post(
        "/admin/tickets/legalhold/add/", {"ticket": ticket.pk, "reason": "投诉复核"}
    )
    assert added.status_code == 302
    hold = LegalHold.objects.get()
    assert (hold.ticket, hold.set_by, hold.in_force) == (ticket, admin, True)
    assert retention.held().tickets == {ticket.pk}

    url = f"/admin/tickets/legalhold/{hold.pk}/change/"
    refused = client.post(url, {"lift_reason": ""})
    assert refused.status_code == 200 and "请填写解除原因" in refused.content.decode()
    assert client.post(url, {"lift_reason": "复核完毕"}).status_code == 302
    hold.refresh_from_db()
    assert (hold.in_force, hold.lifted_by, hold.lift_reason) == (False, admin, "复核完毕")
    assert retention.held().tickets == frozenset()
    assert [r.action for r in AuditLog.objects.filter(action__startswith="legal_hold")] == [
        "legal_hold.lift",
        "legal_hold.set",
    ]


def test_an_administrator_sets_and_lifts_a_hold_on_the_customer_and_ticket_pages(
    admin, agent, web_as
):
    customer = make_customer(agent)
    ticket = make_ticket(agent, customer_id=customer.pk)
    client = web_as(admin)
    page = client.get(f"/customers/{customer.pk}/").content.decode()
    assert 'data-testid="legal-holds"' in page and 'data-testid="legal-hold"' not in page

    set_on_customer = client.post(
        "/legal-holds/", {"customer": customer.pk, "reason": "诉讼中"}, follow=True
    )
    assert set_on_customer.redirect_chain == [(f"/customers/{customer.pk}/", 302)]
    page = set_on_customer.content.decode()
    assert "已设置法律保全" in page and page.count('data-testid="legal-hold"') == 1
    refused = client.post("/legal-holds/", {"ticket": ticket.serial, "reason": ""}, follow=True)
    assert "请填写原因" in refused.content.decode()
    client.post("/legal-holds/", {"ticket": ticket.serial, "reason": "投诉复核"})
    page = client.get(f"/tickets/{ticket.serial}/").content.decode()
    assert page.count('data-testid="legal-hold"') == 1 and "投诉复核" in page

    hold = LegalHold.objects.get(ticket=ticket)
    lifted = client.post(f"/legal-holds/{hold.pk}/lift", {"reason": "复核完毕"}, follow=True)
    assert lifted.redirect_chain == [(f"/tickets/{ticket.serial}/", 302)]
    assert "已解除法律保全" in lifted.content.decode()
    assert list(LegalHold.objects.filter(lifted_at__isnull=True)) == [
        LegalHold.objects.get(customer=customer)
    ]


def test_others_do_not_see_the_holds_and_cannot_set_one(agent, web_as):
    customer = make_customer(agent)
    client = web_as(agent)
    assert (
        'data-testid="legal-holds"' not in client.get(f"/customers/{customer.pk}/").content.decode()
    )
    answer = client.post("/legal-holds/", {"customer": customer.pk, "reason": "x"}, follow=True)
    assert "只有系统管理员可以设置或解除法律保全" in answer.content.decode()
    assert not LegalHold.objects.exists()
