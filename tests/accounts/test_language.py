"""The language switch: German by default, English on request, and the choice sticks per person."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from leitplanke.audit.models import Event
from tests.factories import PersonFactory

pytestmark = pytest.mark.django_db


def test_pages_are_german_by_default_even_if_the_browser_asks_for_english(client: Client) -> None:
    response = client.get(reverse("accounts:login"), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")

    assert response["Content-Language"] == "de"
    assert "Bei Leitplanke anmelden" in response.content.decode()


def test_a_person_switches_to_english_and_the_choice_is_kept_on_the_account() -> None:
    person = PersonFactory(preferred_language="de")
    client = Client(enforce_csrf_checks=True)
    client.force_login(person)
    page = client.get(reverse("web:home"))
    token = page.cookies["csrftoken"].value

    response = client.post(
        reverse("accounts:language"), {"language": "en", "next": "/org/", "csrfmiddlewaretoken": token}
    )

    assert response.status_code == 302
    assert response["Location"] == "/org/"
    person.refresh_from_db()
    assert person.preferred_language == "en"
    assert Event.objects.filter(action="account.language_changed", object_id=str(person.pk)).count() == 1
    assert client.get(reverse("web:home"))["Content-Language"] == "en"


def test_the_preference_follows_the_person_to_a_new_browser() -> None:
    person = PersonFactory(preferred_language="en")
    fresh_browser = Client()
    fresh_browser.force_login(person)

    response = fresh_browser.get(reverse("web:home"))

    assert response["Content-Language"] == "en"
    assert "My units" in response.content.decode()


def test_switching_back_to_german(client: Client) -> None:
    person = PersonFactory(preferred_language="en")
    client.force_login(person)

    client.post(reverse("accounts:language"), {"language": "de"})

    response = client.get(reverse("web:home"))
    assert response["Content-Language"] == "de"
    assert "Meine Einheiten" in response.content.decode()


def test_an_anonymous_visitor_gets_a_language_cookie(client: Client) -> None:
    response = client.post(reverse("accounts:language"), {"language": "en", "next": "/account/login/"})

    assert response.cookies["django_language"].value == "en"
    assert client.get(reverse("accounts:login"))["Content-Language"] == "en"


def test_an_unknown_language_changes_nothing(client: Client) -> None:
    person = PersonFactory(preferred_language="de")
    client.force_login(person)

    client.post(reverse("accounts:language"), {"language": "xx"})

    person.refresh_from_db()
    assert person.preferred_language == "de"


def test_next_must_stay_on_this_site(client: Client) -> None:
    client.force_login(PersonFactory())

    response = client.post(reverse("accounts:language"), {"language": "en", "next": "https://evil.example/"})

    assert response["Location"] == reverse("web:home")
