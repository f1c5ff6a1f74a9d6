"""A reply with files: by e-mail they go as the mail's attachments (Chinese names intact, the
same files on a retry); on the portal the customer downloads them; an SMS or a chat cannot
carry them. The message keeps its own copies, shown in the staff thread like incoming files.
A web reply is announced to the customer's mobile by an SMS with no words of the reply."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile

from kefu.conversations.models import Direction, Message, MessageAttachment
from kefu.conversations.services import Inbound, _tell_of_web_reply, receive, reply
from kefu.core.errors import ServiceError
from kefu.notify import services as notify
from kefu.notify.models import Delivery
from kefu.tickets.models import Attachment, TicketEvent
from kefu.tickets.services import add_attachment
from tests.conftest import ApiClient
from tests.conversations.test_reply import customer_mail
from tests.notify.conftest import free_port
from tests.tickets.factories import make_ticket

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n% water bill\n" + bytes(range(256)) * 4
CSV = "户号,用水量\n0012345,38\n".encode()


def pdf(name: str = "水费明细 11月.pdf", data: bytes = PDF) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="application/pdf")


def mail_settings(settings, smtp_server) -> None:
    settings.NOTIFY_EMAIL_HOST, settings.NOTIFY_EMAIL_PORT = smtp_server.host, smtp_server.port
    settings.NOTIFY_EMAIL_FROM = "noreply@water.example.com"


def raw_mails(smtp_server) -> list[bytes]:
    return smtp_server.raw_messages()


def nothing_more_written(messages: int, deliveries: int, attachments: int) -> bool:
    return (
        Message.objects.filter(direction=Direction.OUT, automatic=False).count() == messages
        and Delivery.objects.filter(event="ticket.reply").count() == deliveries
        and Attachment.objects.count() == attachments
        and not TicketEvent.objects.filter(action="reply").exists()
    )


def test_a_mail_reply_carries_the_tickets_files_with_their_chinese_names_over_smtp(
    agent, settings, smtp_server, django_capture_on_commit_callbacks
):
    mail_settings(settings, smtp_server)
    ticket = receive(customer_mail()).ticket
    bill = add_attachment(ticket.serial, actor=agent, upload=pdf())
    sheet = add_attachment(
        ticket.serial,
        actor=agent,
        upload=SimpleUploadedFile("读数.csv", CSV, content_type="text/csv"),
    )
    api = ApiClient(agent)
    with django_capture_on_commit_callbacks(execute=True):
        r = api.post(
            f"/tickets/{ticket.serial}/reply",
            {"text": "账单明细见附件。", "attachments": [bill.pk, sheet.pk]},
        )
    assert r.status_code == 201, r.content
    sent = Message.objects.get(direction=Direction.OUT, automatic=False)
    assert sent.delivery.status == Delivery.Status.SENT
    # The message's own copies, apart from the ticket's files.
    copies = list(sent.attachments.order_by("id"))
    assert [(c.name, c.size, c.content_type) for c in copies] == [
        ("水费明细 11月.pdf", len(PDF), "application/pdf"),
        ("读数.csv", len(CSV), "text/csv"),
    ]
    assert copies[0].file.name != bill.file.name and copies[0].file.read() == PDF
    assert sent.delivery.files == [
        {
            "path": copies[0].file.name,
            "name": "水费明细 11月.pdf",
            "content_type": "application/pdf",
            "size": len(PDF),
        },
        {
            "path": copies[1].file.name,
            "name": "读数.csv",
            "content_type": "text/csv",
            "size": len(CSV),
        },
    ]
    (answer,) = [m for m in smtp_server.messages() if not m["Auto-Submitted"]]
    files = [
        (p.get_filename(), p.get_content_type(), p.get_content()) for p in answer.iter_attachments()
    ]
    assert files == [
        ("水费明细 11月.pdf", "application/pdf", PDF),
        ("读数.csv", "text/csv", CSV.decode()),
    ]
    assert "账单明细见附件" in answer.get_body(("plain",)).get_content()
    (raw,) = [m for m in raw_mails(smtp_server) if b"Auto-Submitted" not in m]
    assert b"filename*=utf-8''%E6%B0%B4%E8%B4%B9%E6%98%8E%E7%BB%86%2011%E6%9C%88.pdf" in raw
    event = TicketEvent.objects.get(ticket=ticket, action="reply")
    assert event.data["files"] == ["水费明细 11月.pdf", "读数.csv"]


def test_a_retry_sends_the_same_files_though_the_tickets_file_is_gone(
    agent, settings, smtp_server, django_capture_on_commit_callbacks
):
    ticket = receive(customer_mail()).ticket
    bill = add_attachment(ticket.serial, actor=agent, upload=pdf())
    settings.NOTIFY_EMAIL_HOST, settings.NOTIFY_EMAIL_PORT = "127.0.0.1", free_port()
    with django_capture_on_commit_callbacks(execute=True):
        sent = reply(ticket.serial, actor=agent, text="见附件", attachments=[bill.pk])
    delivery = Delivery.objects.get(pk=sent.delivery_id)
    assert delivery.status == Delivery.Status.QUEUED and delivery.attempts == 1  # refused
    # The ticket's file changes afterwards: the mail and the history keep the reply's copy.
    default_storage.delete(bill.file.name)
    mail_settings(settings, smtp_server)
    assert notify.requeue_delivery(delivery.pk)
    assert notify.send_delivery(delivery.pk) == Delivery.Status.SENT
    (answer,) = [m for m in smtp_server.messages() if not m["Auto-Submitted"]]
    assert [(p.get_filename(), p.get_content()) for p in answer.iter_attachments()] == [
        ("水费明细 11月.pdf", PDF)
    ]
    assert sent.attachments.get().file.read() == PDF


def test_a_mail_whose_file_is_gone_from_the_storage_fails_for_good(
    agent, settings, smtp_server, django_capture_on_commit_callbacks
):
    ticket = receive(customer_mail()).ticket
    bill = add_attachment(ticket.serial, actor=agent, upload=pdf())
    sent = reply(ticket.serial, actor=agent, text="见附件", attachments=[bill.pk])
    default_storage.delete(sent.attachments.get().file.name)
    mail_settings(settings, smtp_server)
    assert notify.send_delivery(sent.delivery_id) == Delivery.Status.FAILED
    assert "水费明细 11月.pdf" in Delivery.objects.get(pk=sent.delivery_id).last_error
    assert not [m for m in smtp_server.messages() if not m["Auto-Submitted"]]


def test_an_attachment_of_another_ticket_is_refused_and_nothing_is_written(agent, api_as):
    ticket = receive(customer_mail()).ticket
    other = make_ticket(agent, caller_number="13800138000")
    foreign = add_attachment(other.serial, actor=agent, upload=pdf())
    r = api_as(agent).post(
        f"/tickets/{ticket.serial}/reply", {"text": "见附件", "attachments": [foreign.pk]}
    )
    assert r.status_code == 422
    assert r.json()["field"] == "attachments"
    assert r.json()["detail"] == f"附件不属于该工单:{foreign.pk}"
    assert nothing_more_written(messages=0, deliveries=0, attachments=1)
    assert not MessageAttachment.objects.filter(message__direction=Direction.OUT).exists()


@pytest.mark.parametrize(
    "via, detail",
    [
        ("sms", "短信不能发送附件,请改用邮件或网站答复"),
        ("chat", "在线会话不能发送附件,请改用邮件或网站答复"),
    ],
)
def test_an_sms_or_a_chat_cannot_carry_files(agent, api_as, via, detail):
    ticket = receive(Inbound(channel="chat", address="13912345678", body="水压低")).ticket
    bill = add_attachment(ticket.serial, actor=agent, upload=pdf())
    r = api_as(agent).post(
        f"/tickets/{ticket.serial}/reply",
        {"text": "见附件", "via": via, "attachments": [bill.pk]},
    )
    assert (r.status_code, r.json()["field"], r.json()["detail"]) == (422, "attachments", detail)
    # The page's upload is refused before it is stored.
    with pytest.raises(ServiceError) as refused:
        reply(ticket.serial, actor=agent, text="见附件", via=via, uploads=[pdf("b.pdf")])
    assert (refused.value.field, refused.value.detail) == ("attachments", detail)
    assert nothing_more_written(messages=0, deliveries=0, attachments=1)


def test_files_past_what_one_mail_carries_are_refused_before_any_is_stored(agent, web_as, settings):
    settings.MAX_UPLOAD_MB = 10
    ticket = receive(customer_mail()).ticket
    big = [pdf(f"图纸{i}.pdf", b"%PDF" + b"\x00" * (7 * 1024 * 1024)) for i in range(3)]
    r = web_as(agent).post(
        f"/tickets/{ticket.serial}/reply", {"text": "图纸见附件", "via": "email", "files": big}
    )
    assert r.status_code == 422  # the page's answer to any refused form
    assert "邮件附件合计不能超过 20 MB(现为 21.1 MB)" in r.content.decode()
    assert "图纸见附件" in r.content.decode()  # the text stays in the form
    assert nothing_more_written(messages=0, deliveries=0, attachments=0)


def test_an_upload_past_the_upload_limit_is_refused_on_attachments(agent, settings):
    settings.MAX_UPLOAD_MB = 1
    ticket = receive(customer_mail()).ticket
    with pytest.raises(ServiceError) as refused:
        reply(
            ticket.serial,
            actor=agent,
            text="见附件",
            via="web",
            uploads=[pdf("大.pdf", b"%PDF" + b"\x00" * (1024 * 1024 + 1))],
        )
    assert refused.value.code == "too_large" and refused.value.field == "attachments"
    assert nothing_more_written(messages=0, deliveries=0, attachments=0)


def test_more_than_ten_files_are_refused(agent):
    ticket = receive(customer_mail()).ticket
    with pytest.raises(ServiceError) as refused:
        reply(
            ticket.serial,
            actor=agent,
            text="见附件",
            uploads=[pdf(f"{i}.pdf") for i in range(11)],
        )
    assert refused.value.detail == "一次答复最多 10 个附件"
    assert nothing_more_written(messages=0, deliveries=0, attachments=0)


def test_the_page_form_stores_the_uploads_on_the_ticket_and_the_thread_shows_them(
    agent, web_as, api_as
):
    ticket = receive(Inbound(channel="web", address="13912345678", body="井盖松动")).ticket
    r = web_as(agent).post(
        f"/tickets/{ticket.serial}/reply",
        {"text": "巡查照片见附件。", "via": "web", "files": [pdf("巡查记录.pdf")]},
    )
    assert r.status_code == 302
    stored = Attachment.objects.get(ticket=ticket)
    assert (stored.name, stored.size, stored.uploaded_by) == ("巡查记录.pdf", len(PDF), agent)
    sent = Message.objects.get(direction=Direction.OUT, automatic=False)
    copy = sent.attachments.get()
    assert (sent.channel, copy.name, copy.file.read()) == ("web", "巡查记录.pdf", PDF)
    assert list(
        TicketEvent.objects.filter(ticket=ticket, kind__in=["attachment", "note"])
        .order_by("id")
        .values_list("kind", "action")
    ) == [("attachment", ""), ("note", "reply")]
    page = web_as(agent).get(f"/tickets/{ticket.serial}/").content.decode()
    assert f'href="/api/v1/conversations/files/{copy.pk}">巡查记录.pdf</a>' in page
    assert 'enctype="multipart/form-data"' in page and 'name="files"' in page
    body = api_as(agent).get(f"/conversations/{ticket.serial}/messages").json()
    out = [m for m in body["items"] if m["direction"] == "out"]
    assert out[0]["files"] == [
        {
            "id": copy.pk,
            "name": "巡查记录.pdf",
            "size": len(PDF),
            "content_type": "application/pdf",
            "original": False,
            "purged": False,
            "url": f"/api/v1/conversations/files/{copy.pk}",
        }
    ]
    got = api_as(agent).get(f"/conversations/files/{copy.pk}")
    assert got.status_code == 200 and b"".join(got.streaming_content) == PDF


def media_files(settings) -> set[str]:
    return {str(p) for p in Path(settings.MEDIA_ROOT).rglob("*") if p.is_file()}


def test_a_refused_reply_leaves_no_upload_behind(agent, web_as, settings):
    ticket = make_ticket(agent, caller_number="13800138000")
    before = media_files(settings)
    r = web_as(agent).post(
        f"/tickets/{ticket.serial}/reply",
        {"text": "见附件", "via": "email", "to": "x@", "files": [pdf()]},
    )
    assert r.status_code == 422 and "号码或邮箱无效" in r.content.decode()
    assert nothing_more_written(messages=0, deliveries=0, attachments=0)
    assert not TicketEvent.objects.filter(ticket=ticket, kind="attachment").exists()
    assert media_files(settings) == before  # the stored upload was removed again


# ---------------------------------------------------------------------------------- web reply SMS


def test_a_web_reply_texts_the_customer_to_look_on_the_portal(
    agent, settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.DATA_DIR = tmp_path
    settings.SITE_URL = "https://kefu.example.cn"
    settings.NOTIFY_SMS_SIGNATURE = "【阳光水务】"
    ticket = receive(Inbound(channel="web", address="139 1234 5678", body="井盖松动")).ticket
    with django_capture_on_commit_callbacks(execute=True):
        sent = reply(ticket.serial, actor=agent, text="王先生您好,已安排巡查,地址解放路88号。")
    told = Delivery.objects.get(event="ticket.web_reply")
    assert (told.channel, told.address, told.status) == ("sms", "13912345678", "sent")
    assert told.key == f"web_reply:{ticket.serial}:{sent.pk}"
    portal = f"https://kefu.example.cn/portal/requests/{ticket.serial}/"
    assert told.body == f"您的工单{ticket.serial}有新答复,请到{portal}查看。"
    log = (settings.DATA_DIR / "sms.log").read_text(encoding="utf-8")
    _, phone, text = log.rstrip("\n").split("\t")
    assert phone == "13912345678"
    assert text == f"【阳光水务】您的工单{ticket.serial}有新答复,请到{portal}查看。"
    # Nothing of the reply, nobody's name or address goes by SMS.
    assert "王先生" not in text and "解放路" not in text
    # The reply itself stays posted for the portal (no delivery of its own).
    assert sent.delivery is None
    event = TicketEvent.objects.get(ticket=ticket, action="reply")
    assert event.data["told"] == told.pk
    # Once per reply: a second call for the same reply sends nothing.
    assert _tell_of_web_reply(ticket, sent) is None
    with django_capture_on_commit_callbacks(execute=True):
        reply(ticket.serial, actor=agent, text="巡查已完成。")
    assert Delivery.objects.filter(event="ticket.web_reply").count() == 2
    assert (settings.DATA_DIR / "sms.log").read_text(encoding="utf-8").count("\n") == 2


def test_a_web_reply_needs_a_mobile_the_portal_can_show_it_to(agent):
    # The portal shows a request to the mobile number proved by an SMS code: a landline (or
    # a mail's sender) could never read the reply there, so the agent is told to choose
    # another channel, and nothing is written or sent.
    ticket = make_ticket(agent, caller_number="02188881234")
    with pytest.raises(ServiceError) as refused:
        reply(ticket.serial, actor=agent, text="已安排巡查。", via="web")
    assert refused.value.field == "via" and "短信或邮件" in refused.value.detail
    assert not Delivery.objects.filter(event="ticket.web_reply").exists()
    assert not TicketEvent.objects.filter(ticket=ticket, action="reply").exists()


def test_an_attachment_id_must_be_a_number_not_true(agent, api_as):
    ticket = make_ticket(agent, caller_number="13900000001")
    answer = api_as(agent).post(
        f"/tickets/{ticket.serial}/reply",
        {"text": "见附件", "via": "email", "to": "a@example.com", "attachments": [True]},
    )
    assert answer.status_code == 422 and answer.json()["field"].startswith("attachments")
