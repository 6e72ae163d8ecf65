"""The UI shell: health endpoints, security headers, navigation, and production settings."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from django.test import Client
from django.urls import reverse

from tests.factories import PersonFactory


def test_healthz_answers_without_a_database(client: Client) -> None:
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


@pytest.mark.django_db
def test_readyz_checks_the_database(client: Client) -> None:
    response = client.get("/readyz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}


@pytest.mark.django_db
def test_every_page_sends_a_strict_content_security_policy_and_security_headers(client: Client) -> None:
    client.force_login(PersonFactory())

    response = client.get(reverse("web:home"))

    csp = response["Content-Security-Policy"]
    assert "default-src 'self'" in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Request-ID"]


@pytest.mark.django_db
def test_the_page_loads_no_asset_from_another_host_and_carries_no_inline_code(client: Client) -> None:
    client.force_login(PersonFactory())

    html = client.get(reverse("web:home")).content.decode()

    assert "http://" not in html and "https://" not in html
    assert " style=" not in html
    assert "<script>" not in html
    assert 'src="/static/django_htmx/htmx-2.min.js"' in html


@pytest.mark.django_db
def test_the_navigation_lists_every_capability(client: Client) -> None:
    client.force_login(PersonFactory())

    html = client.get(reverse("web:home")).content.decode()

    for label in ("Anwendungsfälle", "Werkzeuge", "Leitplanken", "Prüfungen", "KI-Kompetenz", "Portfolio"):
        assert label in html
    assert 'aria-label="Hauptnavigation"' in html


@pytest.mark.django_db
def test_every_area_is_available_and_no_placeholder_is_left(client: Client) -> None:
    client.force_login(PersonFactory())

    html = client.get(reverse("web:home")).content.decode()

    assert f'href="{reverse("portfolio:page")}"' in html
    assert client.get(reverse("web:area", args=["portfolio"])).status_code == 404
    assert client.get(reverse("web:area", args=["nonsense"])).status_code == 404


REAL_KEY = "k3J9-xq2LmZ8vN4pR7tW1yB6cE0hA5sD3fG8jK2lP9oI4uY7tR1eW6qZ0xC5vB"


def _settings_in_production(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "DEBUG", "LEITPLANKE_MODE"}}
    clean.update({"LEITPLANKE_MODE": "production", "DJANGO_SETTINGS_MODULE": "leitplanke.config.settings", **env})
    return subprocess.run(
        [sys.executable, "-c", "import django; django.setup(); print('started')"],
        env=clean,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.mark.parametrize(
    "secret",
    ["", "short", "django-insecure-" + "x" * 60, "a" * 64],
    ids=["missing", "short", "django-default", "repetitive"],
)
def test_production_refuses_to_start_without_a_real_secret_key(secret: str) -> None:
    result = _settings_in_production({"SECRET_KEY": secret})

    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_production_starts_with_a_real_secret_key(tmp_path) -> None:
    result = _settings_in_production({"SECRET_KEY": REAL_KEY, "LEITPLANKE_DATA_DIR": str(tmp_path)})

    assert result.returncode == 0, result.stderr
    assert "started" in result.stdout


def test_production_refuses_debug(tmp_path) -> None:
    result = _settings_in_production(
        {
            "SECRET_KEY": REAL_KEY,
            "DEBUG": "true",
            "LEITPLANKE_DATA_DIR": str(tmp_path),
        }
    )

    assert result.returncode != 0
    assert "DEBUG" in result.stderr


def test_readyz_reports_an_unreachable_database_as_503(tmp_path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "leitplanke.config.test_settings",
            "LEITPLANKE_DATA_DIR": str(tmp_path),
            # Nothing listens on port 9; the connection is refused at once.
            "DATABASE_URL": "postgres://nobody@127.0.0.1:9/none",
        }
    )
    script = (
        "import django; django.setup(); from django.test import Client; "
        "r = Client().get('/readyz'); print(r.status_code, r.json()['status'])"
    )

    result = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=60, check=False
    )

    assert result.stdout.strip() == "503 unavailable", result.stderr
