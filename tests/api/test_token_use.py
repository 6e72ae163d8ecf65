"""A token's last use is noted at most once a minute, and never holds up or fails the read it belongs to."""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone

from leitplanke.api.models import AccessToken

LIST = "/api/v1/usecases"


def bearer(plain: str) -> Client:
    return Client(headers={"Authorization": f"Bearer {plain}"})


@pytest.mark.django_db
def test_last_use_is_written_at_most_once_a_minute(org, token_for) -> None:
    # Given a token last used 30 seconds ago
    plain = token_for(org.member)
    half_a_minute_ago = timezone.now() - dt.timedelta(seconds=30)
    AccessToken.objects.update(last_used_at=half_a_minute_ago)

    # When it reads again, the note stays as it was
    assert bearer(plain).get(LIST).status_code == 200
    assert AccessToken.objects.get().last_used_at == half_a_minute_ago

    # And once the minute is over, the next read notes the new use
    AccessToken.objects.update(last_used_at=timezone.now() - dt.timedelta(minutes=2))
    assert bearer(plain).get(LIST).status_code == 200
    assert AccessToken.objects.get().last_used_at > half_a_minute_ago


@contextmanager
def another_writer_holds_the_lock(token: AccessToken) -> Iterator[None]:
    """A second connection that holds the write lock (SQLite) or the token's row (PostgreSQL)."""
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        other = sqlite3.connect(db["NAME"], timeout=0, isolation_level=None)
        other.execute("BEGIN IMMEDIATE")
        try:
            yield
        finally:
            other.execute("ROLLBACK")
            other.close()
        return
    import psycopg

    other = psycopg.connect(
        dbname=db["NAME"],
        user=db["USER"],
        password=db.get("PASSWORD") or None,
        host=db.get("HOST") or None,
        port=db.get("PORT") or None,
    )
    try:
        other.execute(f"SELECT 1 FROM {AccessToken._meta.db_table} WHERE id = %s FOR UPDATE", [token.pk])
        yield
    finally:
        other.rollback()
        other.close()


@pytest.mark.django_db(transaction=True)
def test_a_read_succeeds_while_its_last_use_cannot_be_written(org, make_usecase, token_for) -> None:
    # Given a token whose last use is due to be noted, and another writer holding the lock it would need
    make_usecase(title="Rechnungen klassifizieren")
    plain = token_for(org.member)
    long_ago = timezone.now() - dt.timedelta(hours=1)
    AccessToken.objects.update(last_used_at=long_ago)

    # When the token reads
    with another_writer_holds_the_lock(AccessToken.objects.get()):
        response = bearer(plain).get(LIST)

    # Then the read is answered, and only the bookkeeping was skipped
    assert response.status_code == 200
    assert [item["title"] for item in response.json()["items"]] == ["Rechnungen klassifizieren"]
    assert AccessToken.objects.get().last_used_at == long_ago
