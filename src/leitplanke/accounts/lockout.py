"""Who is locked out after failed sign-ins, and for how long (django-axes, configured here).

The client's address is ``REMOTE_ADDR``, or behind ``LEITPLANKE_PROXY_COUNT`` proxies the address
the outermost of them received (:func:`client_address`). The rule depends on whether that is the
client's own address:

* **Known address** (no proxy in front, or ``LEITPLANKE_PROXY_COUNT`` says how many to skip):
  five failures for one user name from one address lock that pair for 15 minutes, so a stranger
  elsewhere cannot lock a colleague out; and 50 failures from one address, for any names, lock the
  address, so that nobody tries one password on every account ("password spraying"). A successful
  sign-in clears only its own pair's failures, never the address's count.
* **Unknown address** (behind a proxy that was not declared: every request carries the proxy's
  address): a lock per address would lock everybody, a lock per user name lets anyone lock anyone
  out. The lock is per user name but lasts one minute: guessing stays slow (five tries a minute),
  and a stranger can keep a person out only by failing for them without pause, where failures
  during the lock do not extend it. ``leitplanke check --deploy`` warns about this setting.
"""

from __future__ import annotations

import ipaddress
from datetime import timedelta
from typing import Any

from axes.handlers.database import AxesDatabaseHandler
from django.conf import settings
from django.core import checks
from django.db.models import Sum
from django.http import HttpRequest

#: A pair of user name and address, and the address alone (known addresses).
PAIR: list[str] = ["username", "ip_address"]
ADDRESS = "ip_address"
#: The user name alone (unknown addresses).
USERNAME = "username"


def client_address(request: HttpRequest) -> str | None:
    """The address a sign-in comes from (``AXES_CLIENT_IP_CALLABLE``).

    With ``LEITPLANKE_PROXY_COUNT`` = n, each of the n proxies appends the address it received to
    ``X-Forwarded-For``, so the n-th entry from the right was written by the outermost proxy and a
    client cannot forge it (entries further left are the client's own claims and are ignored).
    Without proxies, or when that entry is no address, it is ``REMOTE_ADDR``.
    """
    remote = request.META.get("REMOTE_ADDR")
    count = int(settings.LEITPLANKE_PROXY_COUNT)
    if count <= 0:
        return remote
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
    if not forwarded:
        return remote
    candidate = forwarded[-count] if len(forwarded) >= count else forwarded[0]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return remote


def address_known() -> bool:
    """Whether the address django-axes sees is the client's own (see the module's docstring)."""
    return bool(settings.LEITPLANKE_CLIENT_ADDRESS_KNOWN)


def lockout_parameters(request: Any = None, credentials: Any = None) -> list[str | list[str]]:
    """What failures are counted by (``AXES_LOCKOUT_PARAMETERS``)."""
    return [PAIR, ADDRESS] if address_known() else [USERNAME]


def cool_off(request: Any = None) -> timedelta:
    """How long a lock lasts after the last counted failure (``AXES_COOLOFF_TIME``)."""
    if address_known():
        return timedelta(seconds=settings.LEITPLANKE_LOGIN_COOLOFF_SECONDS)
    return timedelta(seconds=settings.LEITPLANKE_LOGIN_UNKNOWN_ADDRESS_COOLOFF_SECONDS)


def _limit(parameter: str | list[str]) -> int:
    if parameter == ADDRESS:
        return int(settings.LEITPLANKE_LOGIN_ADDRESS_FAILURE_LIMIT)
    return int(settings.AXES_FAILURE_LIMIT)


class LockoutHandler(AxesDatabaseHandler):
    """django-axes' database handler with a limit of its own for each thing failures are counted by."""

    def get_failures(self, request: HttpRequest, credentials: dict[str, Any] | None = None) -> int:
        """The failures that count: axes locks at ``AXES_FAILURE_LIMIT``, so a count that reached its
        own limit (the address's is higher) is reported as at least that, any other as below it."""
        base = int(settings.AXES_FAILURE_LIMIT)
        below = 0
        parameters = lockout_parameters(request, credentials)
        for parameter, attempts in zip(parameters, self.get_user_attempts(request, credentials), strict=True):
            failures = int(attempts.aggregate(total=Sum("failures_since_start"))["total"] or 0)
            if failures >= _limit(parameter):
                return max(failures, base)
            below = max(below, min(failures, base - 1))
        return below

    def reset_user_attempts(self, request: HttpRequest, credentials: dict[str, Any] | None = None) -> int:
        """After a successful sign-in: forget the failures of this user name (from this address), not
        those of the address, or one's own account would wipe out the count of a spraying attack."""
        attempts = self.filter_user_attempts(request, credentials)[0]
        count, _deleted = attempts.delete()
        return int(count)


@checks.register(checks.Tags.security, deploy=True)
def check_client_address(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """Warn when the sign-in lockout cannot tell clients apart (a proxy in front, its count not set)."""
    if address_known():
        return []
    return [
        checks.Warning(
            "Leitplanke runs behind a reverse proxy (LEITPLANKE_BEHIND_PROXY) but LEITPLANKE_PROXY_COUNT is 0, "
            "so every request seems to come from the proxy. The sign-in lockout then locks a user name for "
            "one minute only, whoever failed.",
            hint="Set LEITPLANKE_PROXY_COUNT to the number of proxies that add X-Forwarded-For (usually 1).",
            id="leitplanke.W001",
        )
    ]
