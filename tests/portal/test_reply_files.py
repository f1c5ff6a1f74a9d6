"""The files of a reply posted on the portal: the customer who proved the number downloads
them from the request's page; nobody else does, and nothing is shown inline."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from kefu.conversations.models import Direction, Message
from kefu.conversations.services import Inbound, InboundFile, receive, reply
from kefu.tickets.services import add_attachment
from tests.portal.conftest import OTHER, PHONE, proved

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n" + b"\x01" * 300


def portal_session(phone: str = PHONE) -> Client:
    client = Client()
    session = client.session
    session["portal_token"] = proved(phone)
    session.save()
    return client


def test_the_customer_downloads_a_web_replys_file_from_the_request_page(org, agent):
    original = InboundFile("original.json", "application/json", b'{"body": "x"}')
    ticket = receive(
        Inbound(channel="web", address=PHONE, body="井盖松动", original=original)
    ).ticket
    plan = add_attachment(
        ticket.serial,
        actor=agent,
        upload=SimpleUploadedFile("维修方案.pdf", PDF, content_type="application/pdf"),
    )
    sent = reply(
        ticket.serial, actor=agent, text="维修方案见附件。", via="web", attachments=[plan.pk]
    )
    copy = sent.attachments.get()
    customer = portal_session()
    page = customer.get(f"/portal/requests/{ticket.serial}/").content.decode()
    link = f"/portal/requests/{ticket.serial}/files/{copy.pk}"
    assert f'href="{link}" download data-testid="message-file">维修方案.pdf</a>' in page
    got = customer.get(link)
    assert got.status_code == 200
    assert b"".join(got.streaming_content) == PDF
    assert got["Content-Disposition"] == (
        "attachment; filename*=utf-8''%E7%BB%B4%E4%BF%AE%E6%96%B9%E6%A1%88.pdf"
    )
    # What the thread keeps whole (an original) is not the portal's to hand out.
    kept = Message.objects.get(ticket=ticket, direction=Direction.IN).attachments.get()
    assert kept.original
    assert customer.get(f"/portal/requests/{ticket.serial}/files/{kept.pk}").status_code == 404


def test_another_number_or_no_proof_gets_no_file(org, agent):
    ticket = receive(Inbound(channel="web", address=PHONE, body="井盖松动")).ticket
    plan = add_attachment(
        ticket.serial,
        actor=agent,
        upload=SimpleUploadedFile("维修方案.pdf", PDF, content_type="application/pdf"),
    )
    sent = reply(ticket.serial, actor=agent, text="见附件。", via="web", attachments=[plan.pk])
    copy = sent.attachments.get()
    link = f"/portal/requests/{ticket.serial}/files/{copy.pk}"
    stranger = portal_session(OTHER)
    refused = stranger.get(link)
    assert refused.status_code == 404 and PDF not in refused.content
    nobody = Client().get(link)
    assert nobody.status_code == 403 and "请先验证手机号" in nobody.content.decode()
    # A file of another request of the same customer is not found through this one.
    second = receive(Inbound(channel="web", address=PHONE, body="另一件事")).ticket
    assert second != ticket
    customer = portal_session()
    assert customer.get(f"/portal/requests/{second.serial}/files/{copy.pk}").status_code == 404
    assert customer.get(link).status_code == 200


def test_the_files_the_customer_sent_are_links_too(org, agent):
    ticket = receive(
        Inbound(
            channel="web",
            address=PHONE,
            body="照片",
            files=[InboundFile("门口.jpg", "image/jpeg", b"\xff\xd8\xff" + b"\x00" * 10)],
        )
    ).ticket
    mine = Message.objects.get(ticket=ticket, direction=Direction.IN).attachments.get()
    customer = portal_session()
    page = customer.get(f"/portal/requests/{ticket.serial}/").content.decode()
    assert f"/portal/requests/{ticket.serial}/files/{mine.pk}" in page
    assert customer.get(f"/portal/requests/{ticket.serial}/files/{mine.pk}").status_code == 200
