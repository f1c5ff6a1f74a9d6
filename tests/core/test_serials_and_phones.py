import datetime as dt
import threading
from zoneinfo import ZoneInfo

import pytest
from django.db import connection, connections, transaction

from kefu.core.masking import mask_address, mask_id_number, mask_phone, mask_text
from kefu.core.phones import normalize_phone
from kefu.core.services import format_serial, next_serial

SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("13812345678", "13812345678"),
        ("+86 138-1234-5678", "13812345678"),
        ("008613812345678", "13812345678"),
        ("(010) 8888 1234", "01088881234"),
        ("010-88881234", "01088881234"),
        ("+86 10 8888 1234", "01088881234"),
        ("0755-86001234", "075586001234"),
        ("95598", "95598"),
        ("+1 650 253 0000", "+16502530000"),
        ("", ""),
        ("abc", ""),
        ("12", ""),
    ],
)
def test_phone_numbers_normalize_to_one_form(raw, expected):
    assert normalize_phone(raw) == expected


def test_local_landline_takes_the_configured_area_code(settings):
    settings.DEFAULT_AREA_CODE = "010"
    assert normalize_phone("8888 1234") == "01088881234"


def test_masking_keeps_only_what_identifies_nobody():
    assert mask_phone("13812345678") == "138****5678"
    assert mask_id_number("110101199003071234") == "110***********1234"
    assert mask_address("朝阳区幸福路12号3单元501") == "朝阳区幸福路****"
    assert mask_phone("") == ""


@pytest.mark.parametrize(
    ("text", "addresses", "expected"),
    [
        # A dispatch SMS: the customer's mobile and address, the serial and 工号 left alone.
        (
            "[P261207028]王先生,13812345678,朝阳区幸福路12号3单元501[8011]",
            ["朝阳区幸福路12号3单元501"],
            "[P261207028]王先生,138****5678,朝阳区幸福路****[8011]",
        ),
        # The address cut short by the 70-character rule is masked as the whole one.
        (
            "13812345678,朝阳区幸福路12号…[8011]",
            ["朝阳区幸福路12号3单元501"],
            "138****5678,朝阳区幸福路****[8011]",
        ),
        # Landlines with and without the dash, +86, an ID card number, two numbers in a row.
        ("座机0755-12345678或075512345678", [], "座机075****5678或075****5678"),
        ("+8613812345678 / 8613912345678", [], "+86****5678 / 861****5678"),
        ("证件110101199003071234,备用15012345678", [], "证件110***********1234,备用150****5678"),
        # Not numbers of a person: serials, amounts, times, the hotline, a ticket serial.
        ("工单261207001于2026-12-07 10:30受理,金额1234.56元,热线96116,400-800-1234", [], None),
        ("", ["朝阳区"], None),
    ],
)
def test_running_text_is_masked_where_it_names_a_person(text, addresses, expected):
    assert mask_text(text, addresses=addresses) == (text if expected is None else expected)


def test_serial_is_date_based_and_grows_past_three_digits():
    assert format_serial(dt.date(2025, 11, 22), 7) == "251122007"
    assert format_serial(dt.date(2025, 11, 22), 1234) == "2511221234"


@pytest.mark.django_db
def test_serials_count_per_local_day():
    late = dt.datetime(2025, 11, 22, 23, 59, tzinfo=SHANGHAI)
    early_next = dt.datetime(2025, 11, 23, 0, 1, tzinfo=SHANGHAI)
    assert next_serial(at=late) == "251122001"
    assert next_serial(at=late) == "251122002"
    assert next_serial(at=early_next) == "251123001"


@pytest.mark.django_db(transaction=True)
def test_concurrent_serials_are_unique():
    at = dt.datetime(2025, 11, 22, 9, 0, tzinfo=SHANGHAI)
    results: list[str] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def issue(n: int) -> None:
        try:
            for _ in range(n):
                with transaction.atomic():
                    serial = next_serial(at=at)
                with lock:
                    results.append(serial)
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=issue, args=(25,)) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(results) == 100
    assert sorted(results) == [f"251122{n:03d}" for n in range(1, 101)]
    assert connection.vendor in ("sqlite", "postgresql")
