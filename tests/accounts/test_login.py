"""Signing in and out, password hashing, lockout after repeated failures."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client, override_settings
from django.urls import reverse

from leitplanke.accounts.models import User
from tests.factories import DEFAULT_PASSWORD, PersonFactory

pytestmark = pytest.mark.django_db


def _login(client: Client, username: str, password: str):
    return client.post(reverse("accounts:login"), {"username": username, "password": password})


def test_a_person_signs_in_and_lands_on_the_start_page(client: Client) -> None:
    person = PersonFactory(username="anna")

    response = _login(client, "anna", DEFAULT_PASSWORD)

    assert response.status_code == 302
    assert response["Location"] == reverse("web:home")
    assert client.get(reverse("web:home")).context["user"] == person


def test_a_wrong_password_shows_a_clear_german_error(client: Client) -> None:
    PersonFactory(username="anna")

    response = _login(client, "anna", "wrong")

    assert response.status_code == 200
    assert "Bitte Benutzername und Passwort eingeben" in response.content.decode()


def test_pages_need_a_signed_in_person(client: Client) -> None:
    response = client.get(reverse("web:home"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_sign_out_needs_post_and_ends_the_session(client: Client) -> None:
    client.force_login(PersonFactory())

    assert client.get(reverse("accounts:logout")).status_code == 405
    client.post(reverse("accounts:logout"))

    assert client.get(reverse("web:home")).status_code == 302


@override_settings(AXES_FAILURE_LIMIT=3)
def test_repeated_failures_lock_the_account_even_for_the_right_password(client: Client) -> None:
    PersonFactory(username="anna")
    for _ in range(3):
        _login(client, "anna", "wrong")

    response = _login(client, "anna", DEFAULT_PASSWORD)

    assert response.status_code == 429
    assert "Zu viele fehlgeschlagene Anmeldeversuche" in response.content.decode()
    assert client.get(reverse("web:home")).status_code == 302


@override_settings(AXES_FAILURE_LIMIT=3)
def test_a_lockout_of_one_person_does_not_lock_out_another(client: Client) -> None:
    PersonFactory(username="anna")
    PersonFactory(username="bernd")
    for _ in range(3):
        _login(client, "anna", "wrong")

    response = _login(client, "bernd", DEFAULT_PASSWORD)

    assert response.status_code == 302


def test_production_hashes_passwords_with_argon2() -> None:
    from leitplanke.config import settings as production_settings

    assert production_settings.PASSWORD_HASHERS[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"
    assert settings.AUTH_USER_MODEL == "accounts.User"


def test_a_new_password_must_follow_the_rules(client: Client) -> None:
    person = PersonFactory()
    client.force_login(person)

    response = client.post(
        reverse("accounts:profile"),
        {"old_password": DEFAULT_PASSWORD, "new_password1": "1234", "new_password2": "1234"},
    )

    assert response.status_code == 200
    assert "mindestens 12 Zeichen" in response.content.decode()
    assert User.objects.get(pk=person.pk).check_password(DEFAULT_PASSWORD)


def test_changing_the_password_keeps_the_session_and_is_audited(client: Client) -> None:
    person = PersonFactory()
    client.force_login(person)
    new = "a much longer passphrase 2026"

    response = client.post(
        reverse("accounts:profile"), {"old_password": DEFAULT_PASSWORD, "new_password1": new, "new_password2": new}
    )

    assert response.status_code == 302
    assert User.objects.get(pk=person.pk).check_password(new)
    assert client.get(reverse("web:home")).status_code == 200
    from leitplanke.audit.models import Event

    event = Event.objects.get(action="account.password_changed")
    assert event.after is None and "password" not in str(event.before)
