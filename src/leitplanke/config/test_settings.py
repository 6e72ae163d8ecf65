"""Settings for the test suite: development mode, a fast password hasher, in-memory e-mail."""

import os
import tempfile

os.environ.setdefault("LEITPLANKE_MODE", "development")
os.environ.setdefault("LEITPLANKE_DATA_DIR", tempfile.mkdtemp(prefix="leitplanke-test-"))

from .settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # speed; production uses Argon2
MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
# Tasks run at once when the transaction that enqueued them commits; the worker tests switch to
# the database backend.
TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    # A file, not memory: the concurrency tests open the test database from other processes.
    DATABASES["default"]["TEST"]["NAME"] = str(DATA_DIR / "test.sqlite3")  # noqa: F405
elif os.environ.get("LEITPLANKE_TEST_DATABASE_SUFFIX"):
    # scripts/test runs the PostgreSQL tests in two processes, each with its own test database.
    DATABASES["default"].setdefault("TEST", {})["NAME"] = (  # noqa: F405
        f"test_{DATABASES['default']['NAME']}_{os.environ['LEITPLANKE_TEST_DATABASE_SUFFIX']}"  # noqa: F405
    )
