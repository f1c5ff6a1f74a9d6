"""Reading one mail as Chinese customers send it: GB2312/GBK/GB18030 or UTF-8, encoded
subjects and file names, HTML-only mail, Outlook, Foxmail, QQ Mail and NetEase quoting; the
quoted history and signature trimmed for the thread (the whole text kept); automatic mail
(auto-replies, bounces, lists) told apart so it is never acknowledged.

``parse(raw, limits=...)`` touches no database: it raises MailRefused for a mail to
quarantine and otherwise returns a ParsedMail."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import html as htmllib
import re
from dataclasses import dataclass, field
from email.header import decode_header
from email.message import Message
from email.utils import getaddresses, parsedate_to_datetime
from html.parser import HTMLParser

import nh3
from django.utils import timezone
from django.utils.translation import gettext as _

from kefu.conversations.services import serial_in

MAX_HTML = 200_000


class MailRefused(Exception):
    """The mail is not taken: quarantined with ``reason``."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass
class Limits:
    max_bytes: int = 15 * 1024 * 1024
    max_attachments: int = 20
    allowed_types: list[str] = field(default_factory=list)  # empty: every type
    max_file_bytes: int = 20 * 1024 * 1024


@dataclass
class Attachment:
    name: str
    content_type: str
    data: bytes


@dataclass
class ParsedMail:
    message_id: str = ""
    thread_ids: list[str] = field(default_factory=list)  # In-Reply-To, then References
    subject: str = ""
    from_address: str = ""
    from_name: str = ""
    date: dt.datetime | None = None
    body: str = ""  # the whole text
    shown: str = ""  # quotes and signature trimmed
    html: str = ""  # sanitised
    attachments: list[Attachment] = field(default_factory=list)
    dropped: list[str] = field(default_factory=list)  # what was not kept, and why
    auto_submitted: bool = False
    auto_reason: str = ""
    serial_hint: str = ""
    defects: list[str] = field(default_factory=list)
    size: int = 0


# ------------------------------------------------------------------------------- charsets

# GB2312 and GBK are subsets of GB18030: mail labelled with one often holds characters only
# the larger one has (mislabelled GBK is the rule, not the exception).
CHARSET_ALIASES = {
    "gb2312": "gb18030",
    "gb_2312": "gb18030",
    "gb_2312-80": "gb18030",
    "x-gbk": "gb18030",
    "gbk": "gb18030",
    "cp936": "gb18030",
    "ms936": "gb18030",
    "windows-936": "gb18030",
    "euc-cn": "gb18030",
    "x-euc-cn": "gb18030",
    "hz-gb-2312": "hz",
    "big5-hkscs": "big5hkscs",
    "x-big5": "big5",
    "utf8": "utf-8",
    "x-unknown": "",
    "unknown-8bit": "",
    "unknown": "",
    "default": "",
    "us-ascii": "",
    "ascii": "",
    "iso-8859-1": "",  # often a lie for Chinese bytes: guessed below, Latin-1 last
    "latin1": "",
    "latin-1": "",
    "windows-1252": "",
}


def norm_charset(charset: str | None) -> str:
    charset = (charset or "").strip().strip('"').lower()
    if charset in CHARSET_ALIASES:
        return CHARSET_ALIASES[charset]
    try:
        "".encode(charset)
    except (LookupError, ValueError):
        return ""
    return charset


def decode_bytes(data: bytes, charset: str | None = "") -> str:
    """Text from bytes in a declared charset that may be wrong or unknown: the declared one
    (GB2312/GBK read as GB18030), else UTF-8, else GB18030, else Big5, else Latin-1."""
    declared = norm_charset(charset)
    tried = [declared] if declared else []
    tried += [c for c in ("utf-8", "gb18030", "big5") if c not in tried]
    for name in tried:
        try:
            return data.decode(name)
        except (UnicodeDecodeError, LookupError):
            continue
    return data.decode(declared or "utf-8", errors="replace")


def decode_header_value(value: str | None) -> str:
    """A header's text: RFC 2047 words in any charset (split multi-byte characters joined),
    and raw 8-bit bytes (UTF-8 or GBK sent unencoded) recovered."""
    if not value:
        return ""
    value = str(value)
    if any("\udc80" <= ch <= "\udcff" for ch in value):  # raw bytes the parser escaped
        value = decode_bytes(value.encode("ascii", "surrogateescape"))
    value = re.sub(r"\r?\n[ \t]*", " ", value)
    value = value.replace("\x00", "")
    if "=?" not in value:
        return value.strip()
    # Encoded words inside quotes (Outlook's file names) or glued to text: spaced out first.
    value = re.sub(r"(=\?[^?\s]+\?[bBqQ]\?[^?\s]*\?=)", r" \1 ", value).replace('"', "")
    try:
        parts = decode_header(value)
    except Exception:  # noqa: BLE001 - a broken word stays as written
        return value.strip()
    words = []
    for chunk, charset in parts:
        if isinstance(chunk, bytes):
            words.append(decode_bytes(chunk, charset).replace("\x00", ""))
        else:
            words.append(chunk)
    return " ".join(" ".join(words).split())


# ------------------------------------------------------------------------------- html


BLOCK_TAGS = {
    "p",
    "div",
    "br",
    "li",
    "tr",
    "table",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "blockquote",
    "pre",
    "hr",
    "ul",
    "ol",
    "section",
    "article",
    "header",
    "footer",
}
SKIPPED_TAGS = {"script", "style", "head", "title", "noscript", "template", "object", "iframe"}


class _TextOf(HTMLParser):
    """The text of an HTML mail: blocks on their own lines, quoted blocks marked ">"."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lines: list[str] = []
        self.current: list[str] = []
        self.skipping = 0
        self.quote = 0

    def _break(self) -> None:
        text = " ".join("".join(self.current).replace("\xa0", " ").split())
        self.current = []
        if text:
            self.lines.append("> " * self.quote + text)
        elif self.lines and self.lines[-1] != "":
            self.lines.append("")

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag in SKIPPED_TAGS:
            self.skipping += 1
        elif tag in BLOCK_TAGS:
            self._break()
            if tag == "blockquote":
                self.quote += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in SKIPPED_TAGS:
            self.skipping = max(0, self.skipping - 1)
        elif tag in BLOCK_TAGS:
            self._break()
            if tag == "blockquote":
                self.quote = max(0, self.quote - 1)

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.current.append(data)


def html_to_text(html: str) -> str:
    parser = _TextOf()
    try:
        parser.feed(html)
        parser.close()
    except Exception:  # noqa: BLE001 - broken markup: the tags stripped the crude way
        return htmllib.unescape(re.sub(r"<[^>]*>", " ", html))
    parser._break()
    return "\n".join(parser.lines).strip()


def sanitise(html: str) -> str:
    """HTML safe to show: no script, no event handlers, no javascript: links, no forms."""
    return nh3.clean(html, link_rel="noopener noreferrer nofollow")


# ------------------------------------------------------------------------------- trimming

QUOTE_HEADERS = [
    # Outlook (中文), Foxmail, QQ Mail: "-----原始邮件-----", "------------------ 原始邮件 ---"
    re.compile(r"^-{2,}\s*(原始邮件|原邮件|回复的原邮件|Original Message)\s*-{2,}$", re.I),
    # NetEase 163/126: 在 2026-12-01 10:00:00,"王" <x@163.com> 写道:  /  At ..., wrote:
    re.compile(r"^(在|At)\s*\d{4}-\d{1,2}-\d{1,2}.*(写道|wrote)\s*[::]?$", re.I),
    # Gmail: On Mon, Dec 1, 2026 at 10:00 AM 王 <x@gmail.com> wrote:
    re.compile(r"^On\s.{4,300}\swrote\s*:$", re.I),
    # Gmail 中文 / Apple Mail: 王 <x@gmail.com> 于2026年12月1日周二 10:00写道: / 2026年12月1日 …写道:
    re.compile(r"^.{0,200}\d{4}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日.{0,100}写道\s*[::]$"),
    re.compile(r"^_{10,}$"),  # Outlook's line above the quoted header block
]
HEADER_FROM = re.compile(r"^\*?\s*(发件人|From)\s*\*?\s*[::]", re.I)
HEADER_NEXT = re.compile(
    r"^\*?\s*(发送时间|时间|日期|Sent|Date|收件人|To|主题|Subject)\s*\*?\s*[::]", re.I
)
SIGNATURE_LINE = re.compile(
    r"^(发自我的|发自|来自|从我的|发送自|Sent from|Get Outlook for|Sent with)\s*.{0,40}"
    r"(iPhone|iPad|Android|手机|网易邮箱|邮箱大师|QQ\s*邮箱|QQ\s*Mail|Outlook|Mail|邮件|"
    r"HUAWEI|华为|小米|vivo|OPPO|荣耀|Honor|Xiaomi|Samsung|三星|发送)\s*.{0,20}$",
    re.I,
)
SIGNATURE_DASHES = re.compile(r"^--\s*$")


def trim(text: str) -> str:
    """The customer's new words: the text before the quoted history and the signature."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    cut = len(lines)
    for i, raw in enumerate(lines):
        line = raw.replace("\xa0", " ").strip()
        joined = f"{line} {lines[i + 1].strip()}" if i + 1 < len(lines) else line
        if any(p.match(line) for p in QUOTE_HEADERS) or (
            line.startswith(("在", "At ", "On ")) and any(p.match(joined) for p in QUOTE_HEADERS)
        ):
            cut = i
            break
        if HEADER_FROM.match(line) and any(
            HEADER_NEXT.match(later.strip()) for later in lines[i + 1 : i + 5]
        ):
            cut = i
            break
    lines = lines[:cut]
    # A signature: "-- " and what follows, or a phone's "发自我的iPhone" near the end.
    for i, raw in enumerate(lines):
        line = raw.strip()
        if SIGNATURE_DASHES.match(line) and i > 0:
            lines = lines[:i]
            break
        if SIGNATURE_LINE.match(line) and len([x for x in lines[i:] if x.strip()]) <= 3:
            lines = lines[:i]
            break
    # A quoted tail (">" lines at the bottom); inline answers between quotes stay.
    while lines and (not lines[-1].strip() or lines[-1].lstrip().startswith(">")):
        lines.pop()
    return "\n".join(lines).strip()


# ------------------------------------------------------------------------------- automatic

AUTO_SUBJECT = re.compile(
    r"(自动回复|自动答复|自动应答|Auto\s*-?\s*Reply|Automatic\s+reply|Autoreply|Out\s+of\s+(the\s+)?"
    r"Office|不在办公室|休假|Undeliverable|Undelivered\s+Mail|Delivery\s+Status\s+Notification|"
    r"Mail\s+Delivery\s+(Failed|System|Subsystem)|Returned\s+mail|Delivery\s+Failure|"
    r"退信|系统退信|投递失败|无法投递|邮件未送达)",
    re.I,
)
AUTO_SENDERS = re.compile(
    r"^(mailer-daemon|postmaster|no-?reply|do-?not-?reply|bounces?|auto-?reply)([+-].*)?@", re.I
)


def automatic(msg: Message, headers: dict[str, str], sender: str, subject: str) -> str:
    """Why the mail is automatic (an auto-reply, a bounce, a list), or "" when a person sent it."""
    auto = headers.get("auto-submitted", "").strip().lower()
    if auto and not auto.startswith("no"):
        return f"Auto-Submitted: {auto}"
    precedence = headers.get("precedence", "").strip().lower()
    if precedence in ("bulk", "junk", "list", "auto_reply"):
        return f"Precedence: {precedence}"
    for name in (
        "x-autoreply",
        "x-autorespond",
        "x-autogenerated",
        "x-auto-reply",
        "x-autoreply-from",
    ):
        if name in headers:
            return name
    if "list-id" in headers or "list-unsubscribe" in headers:
        return "list"
    if headers.get("return-path", "x").strip() in ("<>", ""):
        return "Return-Path: <>"
    if msg.get_content_type() == "multipart/report":
        return "multipart/report"
    if AUTO_SENDERS.match(sender):
        return f"sender {sender}"
    if AUTO_SUBJECT.search(subject):
        return "subject"
    return ""


# ------------------------------------------------------------------------------- parse


def parse(raw: bytes, *, limits: Limits | None = None) -> ParsedMail:
    """One mail, read. Raises MailRefused when it is over the size limit or cannot be read."""
    limits = limits or Limits()
    if len(raw) > limits.max_bytes:
        raise MailRefused(
            _("邮件过大:%(size).1f MB,上限 %(limit).0f MB")
            % {"size": len(raw) / 1048576, "limit": limits.max_bytes / 1048576}
        )
    try:
        msg = email.message_from_bytes(raw, policy=email.policy.default)
        headers = _headers(msg)
    except Exception as exc:  # noqa: BLE001 - the stdlib parser is lenient; this is rare
        raise MailRefused(_("无法解析邮件:%s") % f"{type(exc).__name__}: {exc}") from exc
    mail = ParsedMail(size=len(raw))
    mail.subject = decode_header_value(headers.get("subject", ""))[:300]
    sender_name, sender = _address(headers.get("from", "") or headers.get("sender", ""))
    reply_name, reply_to = _address(headers.get("reply-to", ""))
    mail.from_address = sender or reply_to
    mail.from_name = sender_name or reply_name
    mail.message_id = next(iter(_ids(headers.get("message-id", ""))), "")
    # Oldest first, the mail it answers last (the order a reply's References keeps).
    thread = _ids(headers.get("references", "")) + _ids(headers.get("in-reply-to", ""))[:1]
    thread = [t for t in thread if t != mail.message_id]
    mail.thread_ids = list(reversed(dict.fromkeys(reversed(thread))))[-50:]
    mail.date = _date(headers.get("date", ""))
    mail.auto_reason = automatic(msg, headers, mail.from_address, mail.subject)
    mail.auto_submitted = bool(mail.auto_reason)
    mail.serial_hint = serial_in(mail.subject)
    plain, html = _walk(msg, mail, limits)
    if html:
        clean = sanitise(html)
        # Past the thread's limit the HTML is left out whole (cut, it would be broken markup);
        # the text stays.
        mail.html = clean if len(clean) <= MAX_HTML else ""
    text = plain if plain.strip() else html_to_text(html) if html else ""
    text = text.replace("\x00", "").replace("\r\n", "\n").strip()
    mail.body = text
    mail.shown = trim(text) or text
    if mail.dropped:
        note = _("【附件未全部保存】") + ";".join(mail.dropped)
        mail.body = f"{mail.body}\n\n{note}".strip()
        mail.shown = f"{mail.shown}\n\n{note}".strip()
    mail.defects = [type(d).__name__ for d in _all_defects(msg)][:20]
    return mail


def _headers(msg: Message) -> dict[str, str]:
    """The raw values of the first of each header (lower-cased names)."""
    found: dict[str, str] = {}
    for name, value in msg.raw_items():
        key = name.strip().lower()
        if key not in found:
            found[key] = str(value)
    return found


def _address(value: str) -> tuple[str, str]:
    """(name, address) of the first address: split as written, then the name decoded (an
    encoded name may hold a comma)."""
    if any("\udc80" <= ch <= "\udcff" for ch in value):
        value = decode_bytes(value.encode("ascii", "surrogateescape"))
    value = re.sub(r"\r?\n[ \t]*", " ", value)
    for name, address in getaddresses([value]):
        address = address.strip().strip("<>").lower()
        if "@" in address:
            return decode_header_value(name).strip().strip('"'), address
    text = decode_header_value(value)
    found = re.search(r"[\w.+-]+@[\w-]+(\.[\w-]+)+", text)
    return "", found.group(0).lower() if found else ""


def _ids(value: str) -> list[str]:
    value = decode_header_value(value)
    found = re.findall(r"<([^<>\s]+)>", value)
    if not found and value.strip() and " " not in value.strip():
        found = [value.strip()]
    return [f"<{i}>" for i in found][:60]


def _date(value: str) -> dt.datetime | None:
    if not value:
        return None
    try:
        at = parsedate_to_datetime(decode_header_value(value))
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if at is None:
        return None
    if timezone.is_naive(at):
        at = timezone.make_aware(at, dt.timezone(dt.timedelta(hours=8)))
    now = timezone.now()
    # A date from the future or from long ago is the sender's clock, not when it came.
    if at > now + dt.timedelta(hours=1) or at < now - dt.timedelta(days=30):
        return None
    return at


def _all_defects(msg: Message) -> list[object]:
    defects: list[object] = []
    for part in msg.walk():
        defects.extend(getattr(part, "defects", []) or [])
    return defects


def _walk(msg: Message, mail: ParsedMail, limits: Limits) -> tuple[str, str]:
    """The first plain text and the first HTML of the body; every other part an attachment,
    kept within the limits (what is dropped is listed in ``mail.dropped``)."""
    plain = ""
    html = ""
    files: list[Attachment] = []
    over_count = 0
    for index, part in enumerate(_parts(msg)):
        try:
            kind = part.get_content_type()
            name = _filename(part)
            disposition = (part.get_content_disposition() or "").lower()
        except Exception as exc:  # noqa: BLE001 - a part with broken headers
            mail.defects.append(f"part {index}: {type(exc).__name__}")
            continue
        is_body = not name and disposition != "attachment"
        if is_body and kind == "text/plain" and not plain:
            plain = _text(part)
            continue
        if is_body and kind == "text/html" and not html:
            html = _text(part)
            continue
        data = _payload(part)
        if data is None:
            mail.dropped.append(_("%s(无法解码)") % (name or kind))
            continue
        if is_body and kind in ("text/plain", "text/html"):
            continue  # a second alternative of the body
        name = name or _default_name(kind, len(files) + over_count + 1)
        if not _allowed(name, kind, limits.allowed_types):
            mail.dropped.append(_("%s(类型不允许)") % name)
            continue
        if len(data) > limits.max_file_bytes:
            mail.dropped.append(_("%s(超过大小上限)") % name)
            continue
        if len(files) >= limits.max_attachments:
            over_count += 1
            continue
        files.append(Attachment(name[:200], kind, data))
    if over_count:
        mail.dropped.append(
            _("另有 %(n)d 个附件未保存(每封最多 %(max)d 个)")
            % {"n": over_count, "max": limits.max_attachments}
        )
    mail.attachments = files
    return plain, html


def _parts(msg: Message):
    """The leaves of the MIME tree; an attached mail (message/rfc822) is one leaf (a file)."""
    stack = [msg]
    while stack:
        part = stack.pop(0)
        kind = part.get_content_type()
        if kind == "message/rfc822" or kind == "message/delivery-status":
            yield part
            continue
        if part.is_multipart():
            payload = part.get_payload()
            if isinstance(payload, list):
                stack = list(payload) + stack
            continue
        yield part


def _filename(part: Message) -> str:
    """The file's name as the sender's client wrote it: RFC 2231 (in any charset, continued),
    RFC 2047 words (quoted, as Outlook and Foxmail do), or raw 8-bit GBK or UTF-8."""
    name = ""
    for header, param in (("content-disposition", "filename"), ("content-type", "name")):
        name = _raw_param(part, header, param)
        if name:
            break
    if not name:
        try:
            name = part.get_filename() or ""
        except Exception:  # noqa: BLE001 - a malformed parameter
            name = ""
    name = decode_header_value(name) if name else ""
    return name.replace("/", "_").replace("\\", "_").strip()


def _raw_param(part: Message, header: str, param: str) -> str:
    """A parameter read from the header as received (the new parser has already replaced
    bytes it could not decode by then)."""
    raw = next((str(v) for k, v in part.raw_items() if k.lower() == header), "")
    if not raw:
        return ""
    if any("\udc80" <= ch <= "\udcff" for ch in raw):  # raw 8-bit bytes (GBK, UTF-8)
        raw = decode_bytes(raw.encode("ascii", "surrogateescape"))
    holder = Message(policy=email.policy.compat32)
    holder[header] = raw
    try:
        value = holder.get_param(param, header=header)
    except Exception:  # noqa: BLE001 - a malformed parameter
        return ""
    if isinstance(value, tuple):  # RFC 2231: (charset, language, text as Latin-1 bytes)
        charset, _language, text = value
        try:
            data = bytes(text, "raw-unicode-escape")
        except UnicodeEncodeError:
            return str(text)
        return decode_bytes(data, charset)
    return str(value or "")


def _payload(part: Message) -> bytes | None:
    kind = part.get_content_type()
    try:
        if kind.startswith("message/"):
            inner = part.get_payload()
            if isinstance(inner, list) and inner and isinstance(inner[0], Message):
                return inner[0].as_bytes(policy=email.policy.SMTP)
            return part.as_bytes(policy=email.policy.SMTP)
        data = part.get_payload(decode=True)
    except Exception:  # noqa: BLE001 - undecodable content
        return None
    return data if isinstance(data, bytes) else None


def _text(part: Message) -> str:
    data = _payload(part) or b""
    try:
        charset = part.get_content_charset()
    except Exception:  # noqa: BLE001
        charset = ""
    return decode_bytes(data, charset)


EXTENSIONS = {
    "image/jpeg": ".jpg",
    "image/png": ".png",
    "image/gif": ".gif",
    "application/pdf": ".pdf",
    "message/rfc822": ".eml",
    "message/delivery-status": ".txt",
    "text/plain": ".txt",
    "text/html": ".html",
    "text/calendar": ".ics",
    "text/rfc822-headers": ".txt",
}


def _default_name(kind: str, number: int) -> str:
    return f"附件{number}{EXTENSIONS.get(kind, '.bin')}"


def _allowed(name: str, kind: str, allowed: list[str]) -> bool:
    if not allowed:
        return True
    lower = name.lower()
    for entry in allowed:
        entry = entry.strip().lower()
        if not entry:
            continue
        if entry.startswith(".") and lower.endswith(entry):
            return True
        if entry.endswith("/*") and kind.startswith(entry[:-1]):
            return True
        if entry == kind:
            return True
    return False
