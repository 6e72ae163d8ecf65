"""The sign-in lockout: nobody can lock a colleague out, and guessing stays slow.

With the client's address known, failures count per user name and address (5) and per address
for any names (50 by default, lower here); with it unknown (a proxy in front whose count was not
set), per user name for one minute only, and a failure during the lock does not extend it.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.core import checks
from django.db.models import F
from django.test import Client, RequestFactory, override_settings
from django.urls import reverse

from leitplanke.accounts.lockout import check_client_address, client_address
from tests.factories import DEFAULT_PASSWORD, PersonFactory

ATTACKER = "203.0.113.66"
COLLEAGUE = "198.51.100.7"


def _login(username: str, password: str, address: str, **headers: str) -> int:
    response = Client(REMOTE_ADDR=address).post(
        reverse("accounts:login"), {"username": username, "password": password}, headers=headers
    )
    return response.status_code


def _fail(username: str, address: str, times: int) -> None:
    for _attempt in range(times):
        assert _login(username, "falsch", address) in (200, 429)


def _later(seconds: int) -> None:
    """Let time pass for the lockout: every counted failure happened ``seconds`` earlier."""
    AccessAttempt.objects.update(attempt_time=F("attempt_time") - timedelta(seconds=seconds))


@pytest.mark.django_db
class TestKnownAddresses:
    @pytest.fixture(autouse=True)
    def _limits(self, settings) -> None:
        settings.AXES_FAILURE_LIMIT = 3
        settings.LEITPLANKE_LOGIN_ADDRESS_FAILURE_LIMIT = 7

    def test_failures_lock_the_name_at_that_address_only(self) -> None:
        PersonFactory(username="anna")
        _fail("anna", ATTACKER, 3)

        assert _login("anna", DEFAULT_PASSWORD, ATTACKER) == 429
        assert _login("anna", DEFAULT_PASSWORD, COLLEAGUE) == 302

    def test_trying_many_names_from_one_address_locks_that_address(self) -> None:
        PersonFactory(username="bernd")
        for name in ("anna", "carla", "dora"):
            _fail(name, ATTACKER, 2)
        _fail("emil", ATTACKER, 1)  # seven failures from the address, at most two per name

        assert _login("bernd", DEFAULT_PASSWORD, ATTACKER) == 429
        assert _login("bernd", DEFAULT_PASSWORD, COLLEAGUE) == 302

    def test_signing_in_to_ones_own_account_does_not_clear_the_addresss_count(self) -> None:
        PersonFactory(username="mallory")
        for name in ("anna", "carla", "dora"):
            _fail(name, ATTACKER, 2)
        assert _login("mallory", DEFAULT_PASSWORD, ATTACKER) == 302

        _fail("emil", ATTACKER, 1)

        assert _login("mallory", DEFAULT_PASSWORD, ATTACKER) == 429


@pytest.mark.django_db
class TestUnknownAddresses:
    """Behind an undeclared proxy every request comes from the proxy's address."""

    PROXY = "10.0.0.2"

    @pytest.fixture(autouse=True)
    def _behind_an_undeclared_proxy(self, settings) -> None:
        settings.AXES_FAILURE_LIMIT = 3
        settings.LEITPLANKE_CLIENT_ADDRESS_KNOWN = False

    def test_a_stranger_locks_a_name_for_a_minute_and_nobody_else(self) -> None:
        PersonFactory(username="anna")
        PersonFactory(username="bernd")
        _fail("anna", self.PROXY, 3)

        assert _login("anna", DEFAULT_PASSWORD, self.PROXY) == 429
        assert _login("bernd", DEFAULT_PASSWORD, self.PROXY) == 302
        _later(61)
        assert _login("anna", DEFAULT_PASSWORD, self.PROXY) == 302

    def test_failing_on_during_the_lock_does_not_extend_it(self) -> None:
        PersonFactory(username="anna")
        _fail("anna", self.PROXY, 3)
        _later(40)
        _fail("anna", self.PROXY, 5)  # while locked

        _later(21)

        assert _login("anna", DEFAULT_PASSWORD, self.PROXY) == 302


@pytest.mark.parametrize(
    ("count", "forwarded", "address"),
    [
        (0, "1.2.3.4", "10.0.0.2"),  # no proxy declared: the header is the client's claim, ignored
        (1, "1.2.3.4", "1.2.3.4"),
        (1, "6.6.6.6, 1.2.3.4", "1.2.3.4"),  # a forged entry left of what the proxy appended
        (2, "6.6.6.6, 1.2.3.4, 10.0.0.9", "1.2.3.4"),
        (1, "not-an-address", "10.0.0.2"),
        (1, "", "10.0.0.2"),
        (1, "2001:db8::1", "2001:db8::1"),
    ],
)
def test_the_client_address_is_what_the_outermost_declared_proxy_received(count, forwarded, address) -> None:
    request = RequestFactory().post("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR=forwarded)
    with override_settings(LEITPLANKE_PROXY_COUNT=count):
        assert client_address(request) == address


def test_the_deploy_check_warns_when_the_lockout_cannot_tell_clients_apart() -> None:
    with override_settings(LEITPLANKE_CLIENT_ADDRESS_KNOWN=False):
        [warning] = check_client_address()
    with override_settings(LEITPLANKE_CLIENT_ADDRESS_KNOWN=True):
        assert check_client_address() == []
    assert warning.level == checks.WARNING
    assert "LEITPLANKE_PROXY_COUNT" in warning.hint
