"""Running it for real: HTTPS settings on unless debugging, each switchable for a center
that ends TLS elsewhere; `kefu check --deploy` clean with the README's production settings;
every page sent with a Content-Security-Policy its templates can keep."""

from __future__ import annotations

import os
import re
import runpy
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import Client

ROOT = Path(__file__).resolve().parents[2]
SETTINGS = [
    "KEFU_DEBUG",
    "KEFU_HTTPS",
    "KEFU_SSL_REDIRECT",
    "KEFU_HSTS_SECONDS",
    "KEFU_HSTS_SUBDOMAINS",
    "KEFU_HSTS_PRELOAD",
    "KEFU_SECURE_COOKIES",
    "KEFU_PROXY_SSL_HEADER",
]


def read_settings(monkeypatch, tmp_path, **env: str) -> dict:
    """kefu/settings.py evaluated afresh with ``env`` (and none of the test run's own)."""
    for name in SETTINGS:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("KEFU_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("KEFU_SECRET_KEY", "x" * 60)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(ROOT / "kefu" / "settings.py"))


def https_of(values: dict) -> tuple:
    return (
        values["SECURE_SSL_REDIRECT"],
        values["SECURE_HSTS_SECONDS"],
        values["SESSION_COOKIE_SECURE"],
        values["CSRF_COOKIE_SECURE"],
        values.get("SECURE_PROXY_SSL_HEADER"),
    )


def test_https_is_on_unless_debugging(monkeypatch, tmp_path):
    values = read_settings(monkeypatch, tmp_path)
    assert https_of(values) == (True, 31_536_000, True, True, None)
    assert values["SECURE_HSTS_INCLUDE_SUBDOMAINS"] is True
    assert values["SECURE_HSTS_PRELOAD"] is False

    assert https_of(read_settings(monkeypatch, tmp_path, KEFU_DEBUG="1")) == (
        False,
        0,
        False,
        False,
        None,
    )


def test_a_center_on_plain_http_turns_it_off_in_one_setting(monkeypatch, tmp_path):
    values = read_settings(monkeypatch, tmp_path, KEFU_HTTPS="0")
    assert https_of(values) == (False, 0, False, False, None)


def test_a_center_behind_a_proxy_that_ends_tls(monkeypatch, tmp_path):
    values = read_settings(
        monkeypatch, tmp_path, KEFU_PROXY_SSL_HEADER="X-Forwarded-Proto", KEFU_HSTS_SECONDS="600"
    )
    assert https_of(values) == (True, 600, True, True, ("HTTP_X_FORWARDED_PROTO", "https"))

    # Or the proxy redirects to HTTPS itself, and sends its own HSTS.
    values = read_settings(monkeypatch, tmp_path, KEFU_SSL_REDIRECT="0", KEFU_HSTS_SECONDS="0")
    assert https_of(values) == (False, 0, True, True, None)


def test_plain_http_is_redirected_but_the_health_check(db, settings):
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_HSTS_SECONDS = 31_536_000
    page = Client().get("/login/?next=/tickets/")
    assert (page.status_code, page["Location"]) == (
        301,
        "https://testserver/login/?next=/tickets/",
    )
    assert Client().get("/api/v1/health").status_code == 200
    secure = Client().get("/login/", secure=True)
    assert secure["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("KEFU_PROXY_SSL_HEADER", "X-Forwarded-Proto: https"),
        ("KEFU_HSTS_SECONDS", "-1"),
        ("KEFU_HTTPS", "maybe"),
    ],
)
def test_a_bad_value_stops_the_start(monkeypatch, tmp_path, name, value):
    with pytest.raises(ImproperlyConfigured):
        read_settings(monkeypatch, tmp_path, **{name: value})


def test_the_deploy_check_passes_with_the_documented_production_settings(tmp_path):
    # README, "Running it for real": a long random key, the center's host name, nothing else.
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "kefu.settings",
        "KEFU_DATA_DIR": str(tmp_path),
        "KEFU_SECRET_KEY": secrets.token_urlsafe(50),
        "KEFU_ALLOWED_HOSTS": "kefu.example.cn",
    }
    done = subprocess.run(
        [sys.executable, "-m", "kefu.cli", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "System check identified no issues" in done.stdout


# ------------------------------------------------------------------------ deploy/ files

DEPLOY = ROOT / "deploy"


def deploy_env() -> dict[str, str]:
    """deploy/kefu.env's settings, as systemd's EnvironmentFile reads them."""
    env = {}
    for line in (DEPLOY / "kefu.env").read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            name, _, value = line.partition("=")
            env[name.strip()] = value.strip()
    return env


def test_the_deploy_check_passes_with_deploy_kefu_env(tmp_path):
    env = deploy_env() | {
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "kefu.settings",
        "KEFU_DATA_DIR": str(tmp_path),  # /var/lib/kefu on the server
    }
    command = [sys.executable, "-m", "kefu.cli", "check", "--deploy", "--fail-level", "WARNING"]
    refused = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
    assert refused.returncode != 0 and "placeholder" in refused.stderr  # copied as it stands
    env["KEFU_SECRET_KEY"] = secrets.token_urlsafe(50)
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "System check identified no issues" in done.stdout


def test_a_placeholder_secret_key_stops_the_start(monkeypatch, tmp_path):
    with pytest.raises(ImproperlyConfigured, match="placeholder"):
        read_settings(monkeypatch, tmp_path, KEFU_SECRET_KEY=deploy_env()["KEFU_SECRET_KEY"])


def unit(name: str) -> dict[str, str]:
    """A systemd unit's [Service] settings, continuation lines joined."""
    text = (DEPLOY / "systemd" / name).read_text().replace("\\\n", " ")
    section, values = "", {}
    for line in text.splitlines():
        line = line.strip()
        if line.startswith("["):
            section = line
        elif section == "[Service]" and "=" in line and not line.startswith("#"):
            key, _, value = line.partition("=")
            values[key] = value
    return values


@pytest.mark.parametrize(
    ("name", "program", "app"),
    [
        ("kefu-web@.service", "gunicorn", "kefu.asgi:application"),
        ("kefu-http@.service", "gunicorn", "kefu.wsgi:application"),
        ("kefu-worker@.service", "kefu", None),
    ],
)
def test_the_systemd_units_run_what_the_venv_has(name, program, app):
    service = unit(name)
    assert service["EnvironmentFile"] == "/etc/kefu/kefu.env"
    assert service["User"] == "kefu" and service["Restart"] == "always"
    command = service["ExecStart"].split()
    assert command[0] == f"/opt/kefu/.venv/bin/{program}"
    assert (Path(sys.executable).parent / program).exists()  # installed with Kefu
    if app is not None:  # the application the unit names imports
        module, _, attribute = app.partition(":")
        assert app in command and "127.0.0.1:%i" in command
        done = subprocess.run(
            [sys.executable, "-c", f"import {module}; {module}.{attribute}"],
            cwd=ROOT,
            env={**os.environ, "KEFU_SECRET_KEY": "x" * 60},
            capture_output=True,
            text=True,
        )
        assert done.returncode == 0, done.stderr
    else:
        assert command[1:] == ["worker"] and service["KillSignal"] == "SIGINT"


@pytest.mark.skipif(not Path("/usr/sbin/nginx").exists(), reason="Debian's nginx not installed")
def test_nginx_accepts_the_site(tmp_path):
    """The site as shipped, with a certificate where it says (nginx -t reads it)."""
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj"]
        + [
            "/CN=kefu.example.cn",
            "-keyout",
            str(tmp_path / "k.pem"),
            "-out",
            str(tmp_path / "c.pem"),
        ],
        check=True,
        capture_output=True,
    )
    site = (DEPLOY / "nginx" / "kefu.conf").read_text()
    site = site.replace("/etc/ssl/kefu/fullchain.pem", str(tmp_path / "c.pem"))
    site = site.replace("/etc/ssl/kefu/privkey.pem", str(tmp_path / "k.pem"))
    (tmp_path / "kefu.conf").write_text(site)
    (tmp_path / "nginx.conf").write_text(
        f"pid {tmp_path}/nginx.pid; error_log {tmp_path}/error.log;\n"
        "events {}\n"
        f"http {{ include /etc/nginx/mime.types; access_log off; include {tmp_path}/kefu.conf; }}\n"
    )
    done = subprocess.run(
        ["/usr/sbin/nginx", "-t", "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf")],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    assert "syntax is ok" in done.stderr
    # What the site must keep: the websockets upgraded, uploads not served from disk, the
    # proxy's scheme header overwritten (KEFU_PROXY_SSL_HEADER), the body limit over Kefu's.
    assert "proxy_set_header Upgrade $http_upgrade;" in site
    assert "/media" not in site.replace("# ", "")
    assert "proxy_set_header X-Forwarded-Proto https;" in site
    limit = int(re.search(r"client_max_body_size (\d+)m;", site).group(1))
    assert limit > 20  # KEFU_MAX_UPLOAD_MB's default


# ---------------------------------------------------------------------------------- the CSP


def policy(response) -> dict[str, str]:
    header = response["Content-Security-Policy"]
    return {part.split(" ", 1)[0]: part.split(" ", 1)[1] for part in header.split("; ")}


def test_pages_may_run_only_kefus_own_scripts_and_styles(db):
    got = policy(Client().get("/login/"))
    assert got == {
        "default-src": "'self'",
        "script-src": "'self'",
        "style-src": "'self'",
        "img-src": "'self' data:",
        "font-src": "'self'",
        "connect-src": "'self' ws://testserver",
        "object-src": "'none'",
        "base-uri": "'self'",
        "form-action": "'self'",
        "frame-ancestors": "'none'",
    }
    secure = Client().get("/login/", secure=True)
    assert policy(secure)["connect-src"] == "'self' wss://testserver"


def test_only_the_chat_window_may_be_framed_by_other_sites(db):
    embed = Client().get("/chat/embed")
    assert embed.status_code == 200
    assert "frame-ancestors" not in policy(embed)
    assert "X-Frame-Options" not in embed
    assert policy(embed)["script-src"] == "'self'"


# Django's comments: {# #} on one line (a longer one is text on the page), {% comment %} blocks.
COMMENT = re.compile(r"\{#.*?#\}|(?s:\{% comment %\}.*?\{% endcomment %\})")
TEMPLATES = sorted((ROOT / "kefu").rglob("templates/**/*.html"))
# What a Content-Security-Policy without 'unsafe-inline' or 'unsafe-eval' would block.
BLOCKED = {
    "a style attribute": re.compile(r"\sstyle="),
    "a <style> element": re.compile(r"<style\b"),
    "an inline <script>": re.compile(r"<script(?![^>]*\ssrc=)[^>]*>"),
    "an event handler attribute": re.compile(r"\son[a-z]+\s*=", re.IGNORECASE),
    "a javascript: URL": re.compile(r"javascript:", re.IGNORECASE),
    "htmx code (hx-on, hx-vars, js: values)": re.compile(r"hx-on|hx-vars|=['\"]js:"),
    "an htmx trigger filter (eval)": re.compile(r"hx-trigger=\"[^\"]*\["),
}


def test_no_template_needs_inline_code_or_style():
    assert len(TEMPLATES) > 100
    found = {}
    for path in TEMPLATES:
        text = COMMENT.sub("", path.read_text())
        if blocked := [what for what, pattern in BLOCKED.items() if pattern.search(text)]:
            found[str(path.relative_to(ROOT))] = blocked
    assert found == {}
