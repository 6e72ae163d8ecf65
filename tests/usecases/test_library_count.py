"""The library counts at most a thousand matches, so a huge registry lists as fast as a small one."""

from __future__ import annotations

import pytest
from django.urls import reverse

from leitplanke.usecases import views

pytestmark = pytest.mark.django_db


def test_beyond_the_cap_the_library_says_more_than_and_keeps_paging(org, make_usecase, client_for, monkeypatch) -> None:
    monkeypatch.setattr(views, "LIBRARY_COUNT_CAP", 3)
    monkeypatch.setattr(views, "PAGE_SIZE", 2)
    for number in range(5):
        make_usecase(title=f"Anwendungsfall {number}")

    html = client_for(org.member).get(reverse("usecases:library")).content.decode()

    assert "Mehr als 3 Anwendungsfälle" in html
    assert "Seite 1 von mehr als 2" in html


def test_below_the_cap_the_library_gives_the_exact_count(org, make_usecase, client_for, monkeypatch) -> None:
    monkeypatch.setattr(views, "LIBRARY_COUNT_CAP", 10)
    for number in range(4):
        make_usecase(title=f"Anwendungsfall {number}")

    html = client_for(org.member).get(reverse("usecases:library")).content.decode()

    assert "4 Anwendungsfälle" in html
    assert "Mehr als" not in html
