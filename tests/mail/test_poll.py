"""The mailbox polled over IMAP against a real dovecot: each mail a ticket or a message on
one, bad mail quarantined while the poller goes on, acknowledgements and replies over a real
SMTP server in the customer's thread."""

from __future__ import annotations

import email
import email.policy
import threading
import time
from email.message import EmailMessage

import pytest
from django.core.management import call_command

from kefu.conversations.models import Direction, Message
from kefu.conversations.services import reply
from kefu.core.errors import ServiceError
from kefu.mail import services
from kefu.mail.models import Mailbox, QuarantinedMail
from kefu.mail.tasks import poll_mailboxes
from kefu.notify.models import Delivery
from kefu.tickets.models import Ticket
from tests.mail.conftest import eml

pytestmark = pytest.mark.django_db

WILD = [
    "gb2312_plain.eml",
    "gb18030_8bit.eml",
    "utf8_rfc2231.eml",
    "html_only_script.eml",
    "outlook_gbk_reply.eml",
    "foxmail_reply.eml",
    "qq_reply.eml",
    "netease_reply.eml",
    "gmail_reply.eml",
]


def incoming(external_id: str) -> Message:
    return Message.objects.select_related("ticket").get(
        external_id=external_id, direction=Direction.IN
    )


def test_chinese_mail_from_every_client_becomes_tickets(mailbox, imap):
    imap.append(mailbox.folder, *(eml(name) for name in WILD))

    result = services.poll_mailbox(mailbox.pk)

    assert (result.fetched, result.created, result.quarantined, result.error) == (9, 9, 0, "")
    mailbox.refresh_from_db()
    assert mailbox.last_uid == 9 and mailbox.uidvalidity and mailbox.last_polled_at
    gb = incoming("<gb2312-0001@example.com>")
    assert gb.subject == "停水报修:朱镕基路12号"
    assert (gb.address, gb.name, gb.center_address) == (
        "wang.jianguo@example.com",
        "王建国",
        "service@water.example.com",
    )
    assert gb.ticket.channel == "email" and "朱镕基路12号" in gb.ticket.content
    assert gb.ticket.type.code == "inquiry"
    # The original is kept whole, byte for byte.
    original = gb.attachments.get(original=True)
    assert original.name == "original.eml"
    assert original.file.read() == eml("gb2312_plain.eml")
    assert incoming("<gb18030-0003@example.net>").subject == "𠮷祥小区水压低"
    invoice = incoming("<utf8-0004@example.org>")
    assert [a.name for a in invoice.attachments.filter(original=False)] == ["户号证明.pdf"]
    assert "setup.exe(类型不允许)" in invoice.body
    html = incoming("<html-0005@example.com>")
    assert html.body.startswith("小区路灯不亮已经一周了。")
    assert "<script" not in html.html and "onclick" not in html.html
    outlook = incoming("<outlook-0002@example.com>")
    assert outlook.text.startswith("水表已经换好了,但是读数不对,麻烦再核实一下。")
    assert "-----原始邮件-----" in outlook.body and "原始邮件" not in outlook.text
    assert [a.name for a in outlook.attachments.filter(original=False)] == ["水表照片.png"]
    for mid, shown in [
        ("<202612011300001234567@example.com>", "好的,我周三上午在家,师傅可以上门。"),
        ("<tencent_ABCDEF0123456789@qq.com>", "热水器旁边的管子还在漏水。"),
        ("<1a2b3c4d.5e6f.18c0000.1@163.com>", "账单上的金额不对,我上个月只用了 8 吨水。"),
        ("<CAHx=gmail-0009@mail.gmail.com>", "自来水还是有点黄,今天早上更明显。"),
    ]:
        message = incoming(mid)
        assert message.text == shown and len(message.body) > len(shown)
    # Each was acknowledged with its serial.
    acks = Delivery.objects.filter(event="ticket.received", channel="email")
    assert acks.count() == 9
    assert {d.subject.rsplit("[#", 1)[1].rstrip("]") for d in acks} == set(result.serials)


def test_a_second_poll_takes_nothing_again(mailbox, imap):
    imap.append(mailbox.folder, eml("gb2312_plain.eml"))
    assert services.poll_mailbox(mailbox.pk).created == 1
    again = services.poll_mailbox(mailbox.pk)
    assert (again.fetched, again.created) == (0, 0)
    imap.append(mailbox.folder, eml("foxmail_reply.eml"))
    assert services.poll_mailbox(mailbox.pk).fetched == 1
    assert Ticket.objects.count() == 2


def test_a_changed_uidvalidity_reads_the_folder_again_without_doubles(mailbox, imap):
    imap.append(mailbox.folder, eml("gb2312_plain.eml"), eml("qq_reply.eml"))
    services.poll_mailbox(mailbox.pk)
    Mailbox.objects.filter(pk=mailbox.pk).update(uidvalidity=1, last_uid=99)

    result = services.poll_mailbox(mailbox.pk)

    assert (result.fetched, result.duplicates, result.created) == (2, 2, 0)
    assert Message.objects.filter(direction=Direction.IN).count() == 2


def test_automatic_mail_is_recorded_but_never_acknowledged(mailbox, imap):
    imap.append(mailbox.folder, eml("auto_reply.eml"), eml("dsn_bounce.eml"))

    result = services.poll_mailbox(mailbox.pk)

    assert result.created == 2
    assert all(m.auto_submitted for m in Message.objects.filter(direction=Direction.IN))
    assert not Delivery.objects.filter(event="ticket.received").exists()
    assert not Message.objects.filter(direction=Direction.OUT).exists()


def test_mail_from_our_own_mailbox_is_a_loop_and_not_acknowledged(mailbox, imap):
    raw = eml("gb2312_plain.eml").replace(b"wang.jianguo@example.com", b"service@water.example.com")
    imap.append(mailbox.folder, raw)
    services.poll_mailbox(mailbox.pk)
    assert Message.objects.get(direction=Direction.IN).auto_submitted
    assert not Delivery.objects.filter(event="ticket.received").exists()


def test_a_reply_joins_the_ticket_by_its_thread(mailbox, imap):
    imap.append(mailbox.folder, eml("gb2312_plain.eml"), eml("reply_thread.eml"))

    result = services.poll_mailbox(mailbox.pk)

    assert (result.created, result.joined) == (1, 1)
    first, second = (incoming("<gb2312-0001@example.com>"), incoming("<thread-0014@example.com>"))
    assert first.ticket == second.ticket
    assert Delivery.objects.filter(event="ticket.received").count() == 1  # one acknowledgement


def test_the_serial_in_the_subject_joins_only_from_the_tickets_customer(mailbox, imap):
    imap.append(mailbox.folder, eml("gb2312_plain.eml"))
    services.poll_mailbox(mailbox.pk)
    ticket = incoming("<gb2312-0001@example.com>").ticket
    imap.append(
        mailbox.folder,
        eml("serial_customer.eml", SERIAL=ticket.serial),
        eml("serial_stranger.eml", SERIAL=ticket.serial),
    )

    result = services.poll_mailbox(mailbox.pk)

    assert (result.joined, result.created) == (1, 1)
    assert incoming("<serial-0012@example.com>").ticket == ticket
    assert incoming("<serial-0013@example.com>").ticket != ticket


def test_a_malformed_mime_tree_is_taken_as_far_as_it_reads(mailbox, imap):
    imap.append(mailbox.folder, eml("malformed_mime.eml"))
    result = services.poll_mailbox(mailbox.pk)
    assert result.created == 1
    message = incoming("<malformed-0015@example.com>")
    assert message.subject == "水管漏水"
    assert message.body.startswith("水管漏水,地下室已经积水。")


def test_a_mail_that_cannot_be_taken_is_quarantined_and_the_next_goes_on(mailbox, imap):
    imap.append(mailbox.folder, eml("no_sender.eml"), eml("gb2312_plain.eml"))

    result = services.poll_mailbox(mailbox.pk)

    assert (result.quarantined, result.created) == (1, 1)
    held = QuarantinedMail.objects.get()
    assert held.reason == "没有发件人地址"
    assert (held.uid, held.subject, held.message_id) == (1, "hello", "<nosender-0016@example.com>")
    assert held.raw.read() == eml("no_sender.eml")
    mailbox.refresh_from_db()
    assert mailbox.last_uid == 2
    # Nothing half-written: no message, no ticket, no file for the refused mail.
    assert not Message.objects.filter(external_id="<nosender-0016@example.com>").exists()
    assert Ticket.objects.count() == 1


def test_a_mail_receive_refuses_is_quarantined_with_its_reason(mailbox, imap):
    empty = b"From: someone@example.com\r\nMessage-ID: <empty-1@example.com>\r\n\r\n\r\n"
    imap.append(mailbox.folder, empty, eml("qq_reply.eml"))

    result = services.poll_mailbox(mailbox.pk)

    assert (result.quarantined, result.created) == (1, 1)
    held = QuarantinedMail.objects.get()
    assert (held.reason, held.sender) == ("消息内容为空", "someone@example.com")
    assert not Message.objects.filter(external_id="<empty-1@example.com>").exists()


def test_a_20_mb_mail_is_quarantined_whole_and_released_when_the_limit_allows(mailbox, imap):
    big = EmailMessage()
    big["From"] = "big@example.com"
    big["To"] = "service@water.example.com"
    big["Subject"] = "施工图纸"
    big["Message-ID"] = "<big-20mb@example.com>"
    big.set_content("图纸见附件")
    big.add_attachment(
        b"\x00" * (15 * 1024 * 1024), maintype="application", subtype="pdf", filename="图纸.pdf"
    )
    raw = big.as_bytes(policy=email.policy.SMTP)
    assert len(raw) > 20 * 1024 * 1024
    imap.append(mailbox.folder, raw, eml("foxmail_reply.eml"))

    result = services.poll_mailbox(mailbox.pk)

    assert (result.quarantined, result.created) == (1, 1)
    held = QuarantinedMail.objects.get()
    assert held.reason.startswith("邮件过大:20.") and "上限 15 MB" in held.reason
    assert held.size == len(raw) and held.raw.size == len(raw)
    assert held.sender == "big@example.com"
    assert not Message.objects.filter(external_id="<big-20mb@example.com>").exists()
    # Still too big: it stays, with the reason.
    with pytest.raises(ServiceError):
        services.release(held.pk, actor=None)
    Mailbox.objects.filter(pk=mailbox.pk).update(max_mail_mb=30)
    released = services.release(held.pk, actor=None)
    assert released.released_at is not None and released.serial
    message = incoming("<big-20mb@example.com>")
    assert message.ticket.serial == released.serial
    assert [a.name for a in message.attachments.filter(original=False)] == ["图纸.pdf"]
    with pytest.raises(ServiceError):
        services.release(held.pk, actor=None)  # once


def test_a_mail_with_200_attachments_keeps_the_first_20_and_records_the_rest(mailbox, imap):
    many = EmailMessage()
    many["From"] = "photos@example.com"
    many["Subject"] = "=?utf-8?B?5rC06KGo54Wn54mH?="
    many["Message-ID"] = "<many-200@example.com>"
    many.set_content("现场照片")
    for i in range(200):
        many.add_attachment(
            b"\xff\xd8\xff" + bytes(10) + str(i).encode(),
            maintype="image",
            subtype="jpeg",
            filename=f"现场{i:03}.jpg",
        )
    imap.append(mailbox.folder, many.as_bytes(policy=email.policy.SMTP))

    result = services.poll_mailbox(mailbox.pk)

    assert result.created == 1
    message = incoming("<many-200@example.com>")
    files = list(message.attachments.filter(original=False).values_list("name", flat=True))
    assert files == [f"现场{i:03}.jpg" for i in range(20)]
    assert "另有 180 个附件未保存(每封最多 20 个)" in message.body
    assert message.attachments.filter(original=True).count() == 1


def test_a_broken_mailbox_is_recorded_and_others_go_on(mailbox, imap):
    wrong = Mailbox.objects.create(
        name="错误",
        address="bad@water.example.com",
        imap_host=imap.host,
        imap_port=imap.port,
        use_ssl=False,
        username="kefu",
        password="wrong",
    )
    imap.append(mailbox.folder, eml("gb2312_plain.eml"))

    results = services.poll_all()

    by_box = {r.mailbox: r for r in results}
    assert by_box[wrong.pk].error and by_box[mailbox.pk].created == 1
    wrong.refresh_from_db()
    assert wrong.last_error and wrong.last_polled_at


def test_a_mailbox_another_poller_holds_is_skipped(mailbox, imap):
    assert services._claim(mailbox)
    imap.append(mailbox.folder, eml("gb2312_plain.eml"))
    assert services.poll_mailbox(mailbox.pk).busy
    services._free(mailbox)
    assert services.poll_mailbox(mailbox.pk).created == 1


def test_the_command_polls_a_mailbox(mailbox, imap, capsys):
    imap.append(mailbox.folder, eml("gb2312_plain.eml"), eml("no_sender.eml"))
    call_command("mail", "poll", mailbox=mailbox.pk)
    out = capsys.readouterr().out
    assert (
        f"mailbox {mailbox.pk}: 2 mails, 1 new tickets, 0 joined, 0 duplicates, 1 quarantined"
        in out
    )


@pytest.mark.django_db
def test_the_command_says_so_when_no_mailbox_is_set_up(capsys):
    Mailbox.objects.update(is_active=False)
    call_command("mail", "poll")
    call_command("mail", "idle", seconds=0.1)
    out = capsys.readouterr().out
    assert out.count("no active mailbox") == 2


def test_the_periodic_task_polls_every_active_mailbox(mailbox, imap):
    imap.append(mailbox.folder, eml("gb2312_plain.eml"))
    Mailbox.objects.create(
        name="停用",
        address="off@water.example.com",
        imap_host="127.0.0.1",
        imap_port=1,
        use_ssl=False,
        username="x",
        is_active=False,
    )
    poll_mailboxes.call_local()
    assert Ticket.objects.count() == 1


def test_acknowledgement_and_reply_reach_the_customer_in_their_thread_over_smtp(
    mailbox, imap, agent, settings, smtp_server, django_capture_on_commit_callbacks
):
    settings.NOTIFY_EMAIL_HOST, settings.NOTIFY_EMAIL_PORT = smtp_server.host, smtp_server.port
    settings.NOTIFY_EMAIL_FROM = "noreply@water.example.com"
    imap.append(mailbox.folder, eml("gb2312_plain.eml"))
    with django_capture_on_commit_callbacks(execute=True):
        result = services.poll_mailbox(mailbox.pk)
    (serial,) = result.serials

    with django_capture_on_commit_callbacks(execute=True):
        reply(serial, actor=agent, text="已安排维修师傅今天下午上门。")

    ack, answer = smtp_server.messages()
    assert ack["To"] == "wang.jianguo@example.com"
    assert f"[#{serial}]" in ack["Subject"]
    assert ack["Auto-Submitted"] == "auto-replied"
    assert ack["In-Reply-To"] == "<gb2312-0001@example.com>"
    assert "service@water.example.com" in ack["From"]
    assert answer["In-Reply-To"] == "<gb2312-0001@example.com>"
    assert answer["References"].split() == ["<gb2312-0001@example.com>"]
    # (Django folds a long encoded subject onto its own line: a leading space when read back.)
    assert answer["Subject"].strip() == f"Re: 停水报修:朱镕基路12号 [#{serial}]"
    assert "service@water.example.com" in answer["From"]
    assert "已安排维修师傅今天下午上门。" in answer.get_content()
    # The customer answers the reply from their mail client: it joins the ticket.
    back = EmailMessage()
    back["From"] = "王建国 <wang.jianguo@example.com>"
    back["Subject"] = "Re: " + answer["Subject"]
    back["Message-ID"] = "<back-1@example.com>"
    back["In-Reply-To"] = answer["Message-ID"]
    back["References"] = f"{answer['References']} {answer['Message-ID']}"
    back.set_content("好的,谢谢。\n\n发自我的iPhone\n\n> 已安排维修师傅今天下午上门。\n")
    imap.append(mailbox.folder, back.as_bytes())
    with django_capture_on_commit_callbacks(execute=True):
        again = services.poll_mailbox(mailbox.pk)
    assert (again.joined, again.serials) == (1, [serial])
    assert incoming("<back-1@example.com>").text == "好的,谢谢。"
    assert len(smtp_server.messages()) == 2  # no acknowledgement for a message on a ticket


@pytest.mark.django_db(transaction=True)
def test_idle_takes_new_mail_as_it_arrives(reference_data, org, imap):
    box = Mailbox.objects.create(
        name="客服邮箱",
        address="service@water.example.com",
        imap_host=imap.host,
        imap_port=imap.port,
        use_ssl=False,
        username=imap.user,
        password=imap.password,
        folder=imap.new_folder(),
    )
    results: list = []
    runner = threading.Thread(
        target=lambda: results.extend(services.idle_mailbox(box.pk, stop_after=8)), daemon=True
    )
    runner.start()
    time.sleep(1.5)  # the runner is waiting in IDLE
    started = time.monotonic()
    imap.append(box.folder, eml("gb2312_plain.eml"))
    while not Ticket.objects.exists() and time.monotonic() - started < 5:
        time.sleep(0.1)
    assert Ticket.objects.count() == 1
    assert time.monotonic() - started < 4  # pushed, not a poll after a wait
    runner.join(timeout=10)
    assert sum(r.created for r in results) == 1


def test_the_admin_masks_the_password_and_keeps_it_when_left_blank(admin_client, mailbox):
    page = admin_client.get("/admin/mail/mailbox/")
    assert page.status_code == 200
    assert "im****et" in page.content.decode() and "imap-secret" not in page.content.decode()
    form = admin_client.get(f"/admin/mail/mailbox/{mailbox.pk}/change/")
    assert "imap-secret" not in form.content.decode()


def test_an_administrator_releases_a_quarantined_mail(admin_client, mailbox, imap):
    imap.append(mailbox.folder, eml("no_sender.eml"))
    services.poll_mailbox(mailbox.pk)
    held = QuarantinedMail.objects.get()
    page = admin_client.post(
        "/admin/mail/quarantinedmail/",
        {"action": "release", "_selected_action": [held.pk]},
        follow=True,
    )
    assert "没有发件人地址" in page.content.decode()  # still refused, and it says why
    held.refresh_from_db()
    assert held.released_at is None
    assert admin_client.post(f"/admin/mail/quarantinedmail/{held.pk}/delete/").status_code == 403


def test_an_administrator_downloads_a_quarantined_mail_as_it_came(
    admin_client, client, agent, mailbox, imap
):
    imap.append(mailbox.folder, eml("no_sender.eml"))
    services.poll_mailbox(mailbox.pk)
    held = QuarantinedMail.objects.get()
    page = admin_client.get(f"/admin/mail/quarantinedmail/{held.pk}/change/").content.decode()
    link = f"/admin/mail/quarantinedmail/{held.pk}/raw/"
    assert f'<a href="{link}" download>' in page
    assert "/media/" not in page  # not the storage's address, which serves nothing

    got = admin_client.get(link)

    assert b"".join(got.streaming_content) == eml("no_sender.eml")
    assert got["Content-Type"] == "message/rfc822"
    assert got["Content-Disposition"].startswith("attachment; filename=")
    # Staff without the admin: its login page, not the mail.
    client.force_login(agent)
    assert client.get(link).status_code == 302


@pytest.mark.django_db(transaction=True)
def test_the_idle_command_runs_for_the_time_given(reference_data, org, imap, capsys):
    box = Mailbox.objects.create(
        name="客服邮箱",
        address="service@water.example.com",
        imap_host=imap.host,
        imap_port=imap.port,
        use_ssl=False,
        username=imap.user,
        password=imap.password,
        folder=imap.new_folder(),
    )
    imap.append(box.folder, eml("gb2312_plain.eml"))
    started = time.monotonic()
    call_command("mail", "idle", mailbox=box.pk, seconds=1.5)
    assert 1.5 <= time.monotonic() - started < 6
    assert f"mailbox {box.pk}: 1 mails, 1 new tickets" in capsys.readouterr().out
