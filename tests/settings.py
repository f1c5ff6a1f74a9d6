"""Test settings: the real settings, with a throwaway data folder and inline background tasks."""

import os
import tempfile

os.environ.setdefault("KEFU_SECRET_KEY", "test-secret-key")
os.environ.setdefault("KEFU_HUEY_IMMEDIATE", "1")
os.environ.setdefault("KEFU_CTI_TOKEN", "test-cti-token")
os.environ.setdefault("KEFU_SMS_INBOUND_SECRET", "test-sms-inbound-secret")
os.environ.setdefault("KEFU_DATA_DIR", tempfile.mkdtemp(prefix="kefu-test-"))
# Django's test client speaks plain HTTP; tests/core/test_deploy.py checks the HTTPS settings.
os.environ.setdefault("KEFU_HTTPS", "0")

from kefu.settings import *  # noqa: E402,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

if DATABASES["default"]["ENGINE"].endswith("sqlite3"):  # noqa: F405
    # A file, not shared-cache memory: tests of concurrency need SQLite's real locking (WAL).
    DATABASES["default"]["TEST"] = {"NAME": str(DATA_DIR / "test.sqlite3")}  # noqa: F405

# Django's test client signs in without a request (Client.login calls authenticate() with the
# credentials alone), which django-axes refuses: tests that want the lockout go through the
# login page. Every sign-in with a request is guarded as in production.
AUTHENTICATION_BACKENDS = [
    "tests.accounts.backends.GuardUnlessTestClient",
    "django.contrib.auth.backends.ModelBackend",
]
