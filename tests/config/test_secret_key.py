"""Production refuses a SECRET_KEY that is not random; the data directory never lies inside the code."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys

import pytest
from django.core.management.utils import get_random_secret_key

from leitplanke.config.secret_key import weak_secret_key_reason


@pytest.mark.parametrize(
    "key",
    [
        "abcde" * 12,  # long enough, but five characters repeated
        "0123456789abcdefghijklmnopqrstuv" * 2,  # 32 distinct characters, a pattern twice
        "django-insecure-" + secrets.token_urlsafe(64),
        secrets.token_urlsafe(30),  # random but short
        "a" * 80,
    ],
)
def test_a_weak_secret_key_is_refused(key: str) -> None:
    assert weak_secret_key_reason(key) is not None


@pytest.mark.parametrize("key", [get_random_secret_key(), secrets.token_urlsafe(64), secrets.token_hex(32)])
def test_a_generated_secret_key_is_accepted(key: str) -> None:
    assert weak_secret_key_reason(key) is None


def test_production_settings_do_not_load_with_a_weak_key(tmp_path: object) -> None:
    env = {**os.environ, "LEITPLANKE_MODE": "production", "SECRET_KEY": "abcde" * 12, "ALLOWED_HOSTS": "x.example",
           "LEITPLANKE_DATA_DIR": str(tmp_path), "DJANGO_SETTINGS_MODULE": "leitplanke.config.settings"}  # fmt: skip
    command = [sys.executable, "-c", "import leitplanke.config.settings"]
    result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    assert result.returncode != 0
    assert "repeats a shorter pattern" in result.stderr or "different characters" in result.stderr
