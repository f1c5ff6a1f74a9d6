"""``kefu demo``'s set-up from the command line: its secrets and its own address."""

from __future__ import annotations

import stat

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
def test_the_demo_links_to_the_port_it_answers_on(args, site, tmp_path):
    environ = {"KEFU_DATA_DIR": str(tmp_path)}
    demo_environment(["kefu", "demo", *args], environ)
    assert environ["KEFU_SITE_URL"] == site
    assert environ["KEFU_SMS_INBOUND_SECRET"] == "demo-sms-secret"
    assert environ["KEFU_CTI_TOKEN"] == "demo-cti-secret"


def test_what_the_environment_says_stays():
    environ = {
        "KEFU_SITE_URL": "https://kefu.example.com",
        "KEFU_SMS_INBOUND_SECRET": "s3",
        "KEFU_SECRET_KEY": "k" * 50,
        "KEFU_HTTPS": "1",
    }
    demo_environment(["kefu", "demo", "--port", "8123"], environ)
    assert environ["KEFU_SITE_URL"] == "https://kefu.example.com"
    assert environ["KEFU_SMS_INBOUND_SECRET"] == "s3"
    assert (environ["KEFU_SECRET_KEY"], environ["KEFU_HTTPS"]) == ("k" * 50, "1")


def test_the_demo_runs_without_debug_on_a_secret_key_of_its_own(tmp_path):
    data = tmp_path / "var"
    environ = {"KEFU_DATA_DIR": str(data)}
    demo_environment(["kefu", "demo"], environ)

    assert "KEFU_DEBUG" not in environ  # no tracebacks in the browser
    assert environ["KEFU_HTTPS"] == "0"  # served over plain HTTP on this machine
    key = (data / "demo-secret-key").read_text()
    assert environ["KEFU_SECRET_KEY"] == key and len(key) >= 50
    assert stat.S_IMODE((data / "demo-secret-key").stat().st_mode) == 0o600
    # The next run keeps it: sessions outlive a restart.
    again = {"KEFU_DATA_DIR": str(data)}
    demo_environment(["kefu", "demo"], again)
    assert again["KEFU_SECRET_KEY"] == key
