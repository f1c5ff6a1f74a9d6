"""Personal data stays masked on every output path for a role without ``core.view_pii``.

The demo center is loaded (customers with mobile and landline numbers, addresses and ID
numbers; tickets, complaints, work orders with their dispatch SMS, calls, callbacks, notices,
outbound lists, conversations), then the quality inspector — who may read everything but see
no personal data in full — reads all of it: every GET operation of the REST API (walked from
its own OpenAPI schema, each path filled with real rows) and every page reachable from the
navigation (followed link by link, Excel downloads opened). No response may hold a customer's
number, ID number, e-mail address or more of an address than its masked form shows.
"""

from __future__ import annotations

import io
import re
from collections import Counter
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import Resolver404, resolve

from kefu.accounts.services import create_api_token
from kefu.core.masking import mask_address
from kefu.demo import seed_demo

PREFIX = "/api/v1"
PER_PATTERN = 3  # pages walked per URL pattern (a list, three of its rows)
MAX_PAGES = 400


def _values(model_path: str, *fields: str) -> set[str]:
    from django.apps import apps

    model = apps.get_model(model_path)
    found: set[str] = set()
    for row in model.objects.values_list(*fields):
        found.update(str(v) for v in row if v)
    return found


def personal_values() -> dict[str, str]:
    """What must never appear in full, each with what it is (for the failure message)."""
    secrets: dict[str, str] = {}
    phones = (
        _values("customers.CustomerPhone", "number")
        | _values("tickets.Ticket", "caller_number")
        | _values("dispatch.WorkOrder", "customer_phone", "consignee_phone")
        | _values("telephony.CallRecord", "customer_number")
        | _values("outbound.OutboundEntry", "number")
        | _values("chat.ChatSession", "visitor_phone")
        | _values("business.Account", "phone")
        | _values("frontdesk.LossReport", "owner_phone")
        | _values("frontdesk.FoundItem", "finder_phone")
    )
    for phone in phones:
        digits = re.sub(r"\D", "", phone)
        if len(digits) >= 7:
            secrets[phone] = "phone"
            secrets[digits] = "phone"
    for number in _values("customers.Customer", "id_number") | _values(
        "frontdesk.ClaimAttempt", "id_number"
    ):
        secrets[number] = "id number"
    for email in _values("customers.Customer", "email"):
        secrets[email] = "e-mail"
    addresses = _values("customers.Customer", "address") | _values("dispatch.WorkOrder", "address")
    for address in addresses:
        shown = len(mask_address(address)) - len("****")
        if len(address) >= shown + 4:
            secrets[address[: shown + 3]] = "address"
    return secrets


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag == "a":
            href = dict(attrs).get("href")
            if href:
                self.links.append(href)


def _text_of(response) -> str:
    kind = response.get("Content-Type", "")
    body = b"".join(response.streaming_content) if response.streaming else response.content
    if "spreadsheetml" in kind:
        from openpyxl import load_workbook

        book = load_workbook(io.BytesIO(body), read_only=True)
        return "\n".join(
            str(cell)
            for sheet in book.worksheets
            for row in sheet.iter_rows(values_only=True)
            for cell in row
            if cell is not None
        )
    if kind.startswith(("text/", "application/json", "application/problem+json")):
        return body.decode("utf-8", "replace")
    return ""  # pictures and attachments: not rendered text


def _leaks(text: str, secrets: dict[str, str], allowed: set[str] = frozenset()) -> list[str]:
    return [
        f"{what} {value}"
        for value, what in secrets.items()
        if value in text and value not in allowed
    ]


def _path_values() -> dict[str, list[str]]:
    from django.apps import apps

    def ids(model_path: str, **filters) -> list[str]:
        model = apps.get_model(model_path)
        return [
            str(pk)
            for pk in model.objects.filter(**filters)
            .order_by("pk")
            .values_list("pk", flat=True)[:3]
        ]

    WorkOrder = apps.get_model("dispatch.WorkOrder")
    Ticket = apps.get_model("tickets.Ticket")
    orders = list(
        WorkOrder.objects.filter(messages__isnull=False)
        .distinct()
        .values_list("serial", flat=True)[:3]
    )
    tickets = list(
        Ticket.objects.exclude(customer=None).order_by("pk").values_list("serial", flat=True)[:2]
    ) + list(Ticket.objects.exclude(messages=None).values_list("serial", flat=True)[:1])
    return {
        "ticket": tickets,
        "order": orders,
        "customer_id": ids("customers.Customer"),
        "key": ["intake", "complaints", "satisfaction"],  # reports: figures, their drill-down
        "file_id": ids("conversations.MessageAttachment"),
        "group_id": ids("complaints.CollectiveGroup"),
        "roster_id": ids("workforce.Roster"),
        "list_id": ids("outbound.OutboundList"),
        "entry_id": ids("outbound.OutboundEntry", attempts__isnull=False),
        "task_id": ids("followups.CallbackTask"),
        "notice_id": ids("notices.Notice"),
        "article_id": ids("knowledge.Article"),
        "item_id": ids("frontdesk.FoundItem"),
        "report_id": ids("frontdesk.LossReport"),
        "batch_id": ids("frontdesk.FinanceBatch"),
        "claim_id": ids("frontdesk.ClaimAttempt"),
        "photo_id": ids("frontdesk.FoundPhoto"),
        "record_id": ids("frontdesk.DutyRecord"),
        "meeting_id": ids("frontdesk.MorningMeeting"),
        "handover_id": ids("frontdesk.Handover"),
        "checklist_id": ids("frontdesk.Checklist"),
        "run_id": ids("frontdesk.ChecklistRun"),
        "exam_id": ids("training.Exam"),
        "attempt_id": ids("training.Attempt"),
        "question_id": ids("training.Question"),
        "procedure_id": ids("training.Procedure"),
        "problem_id": ids("notebooks.Problem"),
        "grumble_id": ids("notebooks.Grumble"),
    }


def _query(path: str) -> str:
    """The query an operation needs to answer at all."""
    from django.apps import apps

    if path == f"{PREFIX}/customers/lookup":
        phone = apps.get_model("customers.CustomerPhone").objects.order_by("pk").first()
        return f"?phone={phone.number}"
    if path == f"{PREFIX}/business/account":
        account = apps.get_model("business.Account").objects.order_by("pk").first()
        return f"?account_no={account.account_no}"
    if path == f"{PREFIX}/business/shipment":
        shipment = apps.get_model("business.Shipment").objects.order_by("pk").first()
        return f"?waybill={shipment.waybill}"
    if path == f"{PREFIX}/frontdesk/duty/month":
        from django.utils import timezone

        today = timezone.localdate()
        return f"?year={today.year}&month={today.month}"
    return ""


def _api_urls(schema: dict) -> list[str]:
    from django.utils import timezone

    values = _path_values()
    values["month"] = [timezone.localdate().strftime("%Y-%m")]
    urls = []
    for path, operations in schema["paths"].items():
        if "get" not in operations:
            continue
        names = re.findall(r"{(\w+)}", path)
        if not names:
            urls.append(path + _query(path))
            continue
        (name,) = names
        key = name
        if name == "serial":
            key = "order" if path.startswith(f"{PREFIX}/workorders") else "ticket"
        if key in ("file_id", "photo_id") or path.endswith("/signature"):
            continue  # attachments and pictures are files, not rendered text
        assert values.get(key), f"no rows to fill {path}"
        urls.extend(path.replace("{" + name + "}", value) for value in values[key])
    return urls


def _walk_pages(client: Client, start: list[str]) -> tuple[dict[str, str], list[str]]:
    seen: dict[str, str] = {}
    per_pattern: Counter = Counter()
    errors: list[str] = []
    queue = list(start)
    while queue and len(seen) < MAX_PAGES:
        url = queue.pop(0)
        path = urlsplit(url).path
        if url in seen or "logout" in path or path.startswith(("/static/", "/admin/", "/api/")):
            continue
        try:
            match = resolve(path)
        except Resolver404:
            continue
        if per_pattern[match.route] >= PER_PATTERN:
            continue
        per_pattern[match.route] += 1
        response = client.get(url)
        if response.status_code >= 500:
            errors.append(f"{url}: {response.status_code}")
        text = _text_of(response)
        seen[url] = text
        if response.get("Content-Type", "").startswith("text/html"):
            parser = _Links()
            parser.feed(text)
            for href in parser.links:
                target = urljoin(url, href)
                parts = urlsplit(target)
                if parts.scheme in ("", "http") and parts.netloc in ("", "testserver"):
                    queue.append(parts.path + (f"?{parts.query}" if parts.query else ""))
    return seen, errors


def _api_leaks(user, secrets: dict[str, str]) -> tuple[int, list[str]]:
    token, _ = create_api_token(user=user, name="probe")
    client = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    schema = client.get(f"{PREFIX}/openapi.json").json()
    leaks, read = [], 0
    for url in _api_urls(schema):
        response = client.get(url)
        if response.status_code == 200:
            read += 1
        found = _leaks(_text_of(response), secrets)
        if found:
            leaks.append(f"{url}: {found[:3]}")
    return read, leaks


def _page_leaks(user, secrets: dict[str, str]) -> tuple[int, list[str]]:
    client = Client()
    client.force_login(user)
    start = [
        "/",
        "/tickets/",
        "/customers/",
        "/workorders/",
        "/calls/",
        "/followups/",
        "/notices/",
        "/outbound/",
        "/reports/complaints/",
        "/knowledge/",
        "/notifications/",
    ]
    pages, errors = _walk_pages(client, start)
    assert errors == []
    leaks = []
    for url, text in pages.items():
        found = _leaks(text, secrets)
        if found:
            leaks.append(f"{url}: {found[:3]}")
    return len(pages), leaks


def test_the_quality_inspector_sees_no_personal_data_anywhere(db):
    from kefu.notify.models import Channel, Delivery, WebhookEndpoint

    # An integrator who hears every event: what the center's webhooks carry, it receives.
    WebhookEndpoint.objects.create(name="probe", url="http://127.0.0.1:9/hook", secret="s")
    seed_demo(customers=40, tickets=90)
    quality = get_user_model().objects.get(username="quality")
    secrets = personal_values()
    assert len(secrets) > 100

    read, api_leaks = _api_leaks(quality, secrets)
    assert read > 60
    walked, page_leaks = _page_leaks(quality, secrets)
    assert walked > 60
    hooks = Delivery.objects.filter(channel=Channel.WEBHOOK)
    assert hooks.count() > 100
    hook_leaks = [
        f"webhook {d.event}: {found[:3]}" for d in hooks if (found := _leaks(d.body, secrets))
    ]
    leaks = api_leaks + page_leaks + hook_leaks
    assert not leaks, "\n".join(leaks)
