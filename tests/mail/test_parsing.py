"""Reading mail as Chinese customers send it (no server needed): charsets, encoded names,
HTML-only mail, each client's quoting and signatures, automatic mail, the limits."""

from __future__ import annotations

import base64
from email.message import EmailMessage

import pytest

from kefu.mail.models import DEFAULT_ALLOWED_TYPES
from kefu.mail.parsing import Limits, MailRefused, decode_bytes, decode_header_value, parse, trim
from tests.mail.conftest import eml

LIMITS = Limits(allowed_types=DEFAULT_ALLOWED_TYPES)


def read(name: str, **replace: str):
    return parse(eml(name, **replace), limits=LIMITS)


def test_gb2312_labelled_mail_with_gbk_characters_reads_whole():
    mail = read("gb2312_plain.eml")
    assert mail.subject == "停水报修:朱镕基路12号"  # 镕 is GBK, not GB2312
    assert (mail.from_name, mail.from_address) == ("王建国", "wang.jianguo@example.com")
    assert mail.body.startswith("你好,我家(朱镕基路12号)从昨天开始停水")
    assert mail.message_id == "<gb2312-0001@example.com>"
    assert not mail.auto_submitted


def test_gb18030_four_byte_characters_and_a_raw_8bit_subject():
    mail = read("gb18030_8bit.eml")
    assert mail.subject == "𠮷祥小区水压低"
    assert mail.body == "𠮷祥小区3栋水压一直很低,高层用不上水。"


def test_utf8_base64_with_an_rfc2231_file_name_and_a_refused_type():
    mail = read("utf8_rfc2231.eml")
    assert mail.subject == "申请开具水费发票"
    assert mail.from_name == "赵敏"
    assert [(a.name, a.content_type) for a in mail.attachments] == [
        ("户号证明.pdf", "application/pdf")
    ]
    assert mail.attachments[0].data.startswith(b"%PDF")
    assert mail.dropped == ["setup.exe(类型不允许)"]
    assert "setup.exe(类型不允许)" in mail.body and "setup.exe" in mail.shown


def test_html_only_mail_is_sanitised_and_read_as_text():
    mail = read("html_only_script.eml")
    assert mail.body.startswith("小区路灯不亮已经一周了。")
    assert "alert" not in mail.body and "evil" not in mail.body
    for bad in ("<script", "onclick", "onerror", "javascript:", "evil.example", "<style"):
        assert bad not in mail.html
    assert "<b>路灯</b>" in mail.html


@pytest.mark.parametrize(
    "name, shown, body_keeps",
    [
        (
            "outlook_gbk_reply.eml",
            "水表已经换好了,但是读数不对,麻烦再核实一下。",
            "-----原始邮件-----",
        ),
        ("foxmail_reply.eml", "好的,我周三上午在家,师傅可以上门。", "原始邮件"),
        ("qq_reply.eml", "热水器旁边的管子还在漏水。", "已安排师傅"),
        ("netease_reply.eml", "账单上的金额不对,我上个月只用了 8 吨水。", "写道"),
        ("gmail_reply.eml", "自来水还是有点黄,今天早上更明显。", "wrote:"),
    ],
)
def test_each_clients_quoted_history_and_signature_are_trimmed_and_kept(name, shown, body_keeps):
    mail = read(name)
    assert mail.shown.split("\n\n【")[0] == shown
    assert body_keeps in mail.body  # the whole text is kept


def test_outlook_file_names_in_quoted_encoded_words_and_winmail_dropped():
    mail = read("outlook_gbk_reply.eml")
    assert mail.subject == "回复: 水表读数异常"
    assert mail.from_address == "li.ming@example.com"  # lower-cased
    assert [a.name for a in mail.attachments] == ["水表照片.png"]
    assert mail.dropped == ["winmail.dat(类型不允许)"]
    assert mail.thread_ids == ["<unknown-ack@kefu>"]


def test_qq_html_alternative_is_kept_sanitised():
    mail = read("qq_reply.eml")
    assert mail.from_address == "12345678@qq.com"
    assert "热水器旁边的管子还在漏水" in mail.html


@pytest.mark.parametrize(
    "text, shown",
    [
        ("好的\n\n发自我的iPhone", "好的"),
        ("好的\n\nSent from my Huawei phone", "好的"),
        ("好的\n\n发自网易邮箱大师", "好的"),
        ("好的\n-- \n张三\n13800138000", "好的"),
        ("好的\n\n从我的 iPhone 发送", "好的"),
        ("好的\n\n王 <w@gmail.com> 于2026年12月1日周二 10:00写道:\n> 旧", "好的"),
        ("好的\n\n2026年12月1日 10:00,王 <w@icloud.com> 写道:\n\n> 旧", "好的"),
        ('好的\n在 2026-12-01 10:00:00,"客服"\n<kefu@example.com> 写道:\n>旧', "好的"),
        ("好的\n________________________________\n发件人: 客服\n发送时间: 2026年12月1日", "好的"),
        ("好的\n\nFrom: kefu@example.com\nSent: Tuesday\nTo: me\nSubject: x", "好的"),
        (
            "> 问:几点来?\n下午三点\n> 问:带什么?\n身份证",
            "> 问:几点来?\n下午三点\n> 问:带什么?\n身份证",
        ),
        ("发件人姓名写错了,请改为张三。", "发件人姓名写错了,请改为张三。"),
    ],
)
def test_trimming(text, shown):
    assert trim(text) == shown


@pytest.mark.parametrize(
    "headers",
    [
        {"Auto-Submitted": "auto-replied"},
        {"Auto-Submitted": "auto-generated"},
        {"Precedence": "bulk"},
        {"Precedence": "junk"},
        {"X-Autoreply": "yes"},
        {"X-Autorespond": "1"},
        {"Return-Path": "<>"},
        {"From": "MAILER-DAEMON@mx.example.com"},
        {"From": "postmaster@example.com"},
        {"Subject": "自动回复:我在休假"},
        {"Subject": "Automatic reply: out of office"},
        {"Subject": "Out of Office: back Monday"},
        {"Subject": "Undeliverable: 您的来信已受理"},
        {"Subject": "系统退信"},
        {"Subject": "退信通知"},
        {"List-Id": "<news.example.com>"},
    ],
)
def test_automatic_mail_is_recognised(headers):
    msg = EmailMessage()
    msg["From"] = headers.pop("From", "someone@example.com")
    msg["Subject"] = headers.pop("Subject", "问题")
    for name, value in headers.items():
        msg[name] = value
    msg.set_content("内容")
    assert parse(msg.as_bytes()).auto_submitted


def test_a_person_writing_is_not_automatic_and_auto_submitted_no_is_a_person():
    msg = EmailMessage()
    msg["From"] = "someone@example.com"
    msg["Subject"] = "回复: 自来水发黄"
    msg["Auto-Submitted"] = "no"
    msg.set_content("还是黄的")
    assert not parse(msg.as_bytes()).auto_submitted


def test_dsn_bounce_and_auto_reply_fixtures_are_automatic():
    assert read("dsn_bounce.eml").auto_submitted
    assert read("auto_reply.eml").auto_submitted


@pytest.mark.parametrize(
    "subject, serial",
    [
        ("Re: 已受理:停水 [#251122007]", "251122007"),
        ("回复:工单号251122007 补充", "251122007"),
        ("我的电话 13800138000", ""),
    ],
)
def test_the_serial_is_read_from_the_subject(subject, serial):
    msg = EmailMessage()
    msg["From"] = "someone@example.com"
    msg["Subject"] = subject
    msg.set_content("x")
    assert parse(msg.as_bytes()).serial_hint == serial


def test_threading_headers_oldest_first_the_answered_mail_last():
    raw = (
        b"From: someone@example.com\r\nMessage-ID: <c3@example.com>\r\n"
        b"In-Reply-To: <a2@kefu>\r\nReferences: <c1@example.com> <a1@kefu>\r\n <a2@kefu>\r\n"
        b"\r\nx\r\n"
    )
    assert parse(raw).thread_ids == ["<c1@example.com>", "<a1@kefu>", "<a2@kefu>"]


def test_charsets_wrongly_labelled_are_guessed():
    gbk = "水压低".encode("gbk")
    assert decode_bytes(gbk, "iso-8859-1") == "水压低"
    assert decode_bytes(gbk, "utf-8") == "水压低"
    assert decode_bytes(gbk, "x-no-such-charset") == "水压低"
    assert decode_bytes("水压低".encode(), "gb2312") == "水压低"
    # An encoded word split in the middle of a character (Outlook's long subjects).
    data = "停水报修".encode("gbk")
    first, second = base64.b64encode(data[:3]).decode(), base64.b64encode(data[3:]).decode()
    assert decode_header_value(f"=?gbk?B?{first}?= =?gbk?B?{second}?=") == "停水报修"


def test_a_malformed_mime_tree_is_read_as_far_as_it_goes():
    mail = read("malformed_mime.eml")
    assert mail.subject == "水管漏水"  # an unknown charset label: guessed
    assert mail.body.startswith("水管漏水,地下室已经积水。")
    assert "CloseBoundaryNotFoundDefect" in mail.defects


def test_over_the_size_limit_is_refused_whole():
    with pytest.raises(MailRefused) as refused:
        parse(b"From: a@example.com\r\n\r\n" + b"x" * 2000, limits=Limits(max_bytes=1000))
    assert "邮件过大" in refused.value.reason


def test_more_attachments_than_allowed_keeps_the_first_and_says_how_many_were_dropped():
    msg = EmailMessage()
    msg["From"] = "someone@example.com"
    msg["Subject"] = "照片"
    msg.set_content("见附件")
    for i in range(30):
        msg.add_attachment(
            b"\x89PNG" + bytes([i]), maintype="image", subtype="png", filename=f"{i}.png"
        )
    mail = parse(msg.as_bytes(), limits=Limits(max_attachments=5, allowed_types=["image/*"]))
    assert [a.name for a in mail.attachments] == ["0.png", "1.png", "2.png", "3.png", "4.png"]
    assert "另有 25 个附件未保存(每封最多 5 个)" in mail.body


def test_nul_characters_never_reach_the_record():
    subject = base64.b64encode("停水\x00报修".encode()).decode()
    raw = (
        f"From: a@example.com\r\nSubject: =?utf-8?B?{subject}?=\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n\r\n有\x00空字符\r\n"
    ).encode()
    mail = parse(raw)
    assert (mail.subject, mail.body) == ("停水报修", "有空字符")


def test_an_attachment_over_the_file_limit_is_dropped_and_recorded():
    msg = EmailMessage()
    msg["From"] = "someone@example.com"
    msg.set_content("见附件")
    msg.add_attachment(b"x" * 5000, maintype="application", subtype="pdf", filename="大.pdf")
    msg.add_attachment(b"x" * 50, maintype="application", subtype="pdf", filename="小.pdf")
    mail = parse(msg.as_bytes(), limits=Limits(max_file_bytes=1000))
    assert [a.name for a in mail.attachments] == ["小.pdf"]
    assert mail.dropped == ["大.pdf(超过大小上限)"]


def _with_file(disposition: bytes) -> bytes:
    return (
        b"From: a@example.com\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n"
        b"--b\r\nContent-Type: text/plain\r\n\r\nhi\r\n"
        b"--b\r\nContent-Type: application/pdf\r\nContent-Disposition: attachment; "
        + disposition
        + b"\r\n\r\n%PDF\r\n--b--\r\n"
    )


@pytest.mark.parametrize(
    "disposition",
    [
        # RFC 2231 labelled GB2312 holding a GBK character
        b"filename*=gb2312''%D6%EC%E9%46%BB%F9%B7%A2%C6%B1.pdf",
        # RFC 2231 continued over two parameters
        b"filename*0*=utf-8''%E6%9C%B1%E9%95%95%E5%9F%BA; filename*1*=%E5%8F%91%E7%A5%A8.pdf",
        # RFC 2047 inside quotes (Outlook, Foxmail)
        b'filename="=?gbk?B?1uzpRrv5t6LGsS5wZGY=?="',
        # raw 8-bit GBK and UTF-8 (old clients)
        b'filename="' + "朱镕基发票.pdf".encode("gbk") + b'"',
        b'filename="' + "朱镕基发票.pdf".encode() + b'"',
    ],
)
def test_chinese_file_names_however_the_client_wrote_them(disposition):
    assert [a.name for a in parse(_with_file(disposition)).attachments] == ["朱镕基发票.pdf"]


@pytest.mark.parametrize(
    "header, name, address",
    [
        ('"=?gbk?B?wO7D9w==?=" <Li.Ming@Example.com>', "李明", "li.ming@example.com"),
        ("=?utf-8?B?546LLCDlsI/mmI4=?= <wang@example.com>", "王, 小明", "wang@example.com"),
        ("zhao@example.com", "", "zhao@example.com"),
        ('"张三" <zhang@example.com>', "张三", "zhang@example.com"),
    ],
)
def test_the_sender(header, name, address):
    raw = f"From: {header}\r\n\r\nx\r\n".encode()
    mail = parse(raw)
    assert (mail.from_name, mail.from_address) == (name, address)
