"""Outbound lists for the tests: an Excel sheet as a center prepares one, lists made from it."""

from __future__ import annotations

import datetime as dt
from io import BytesIO
from zoneinfo import ZoneInfo

from openpyxl import Workbook

from kefu.outbound import services

SH = ZoneInfo("Asia/Shanghai")


def at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=SH)


def sheet(rows, header=("姓名", "电话", "备注")) -> bytes:
    book = Workbook()
    page = book.active
    page.append(list(header))
    for row in rows:
        page.append(list(row))
    buffer = BytesIO()
    book.save(buffer)
    return buffer.getvalue()


NUMBERS = [
    ("张先生", "13800000001", "老客户"),
    ("李女士", "13800000002", ""),
    ("王先生", "13800000003", ""),
]


def list_in(**fields) -> services.ListIn:
    values = {
        "name": "夏季用水回访",
        "purpose": "research",
        "source": "excel",
        "params": {},
        "script": "outbound_opener",
        "talking_points": "{greeting},请问是{title}吗?我是{company}{agent_no}号客服。",
    }
    values.update(fields)
    return services.ListIn(**values)


def excel_list(lead, rows=NUMBERS, *, start=True, **fields) -> services.Built:
    built = services.create_list(lead, list_in(**fields), file=sheet(rows))
    if start:
        services.move_list(lead, built.outbound.pk, "start")
    return built
