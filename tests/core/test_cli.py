"""``kefu demo``'s set-up from the command line: its secrets and its own address."""

from __future__ import annotations

import pytest

from kefu.cli import demo_environment


@pytest.mark.parametrize(
    ("args", "site"),
    [
        ([], "http://127.0.0.1:8000"),
        (["--port", "8123"], "http://127.0.0.1:8123"),
        (["--port=9001", "--no-serve"], "http://127.0.0.1:9001"),
        (["--port", "x"], "http://127.0.0.1:8000"),
    ],
)
def test_the_demo_links_to_the_port_it_answers_on(args, site):
    environ: dict[str, str] = {}
    demo_environment(["kefu", "demo", *args], environ)
    assert environ["KEFU_SITE_URL"] == site
    assert environ["KEFU_SMS_INBOUND_SECRET"] == "demo-sms-secret"
    assert environ["KEFU_CTI_TOKEN"] == "demo-cti-secret"


def test_what_the_environment_says_stays():
    environ = {"KEFU_SITE_URL": "https://kefu.example.com", "KEFU_SMS_INBOUND_SECRET": "s3"}
    demo_environment(["kefu", "demo", "--port", "8123"], environ)
    assert environ["KEFU_SITE_URL"] == "https://kefu.example.com"
    assert environ["KEFU_SMS_INBOUND_SECRET"] == "s3"
