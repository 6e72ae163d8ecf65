"""Where webhooks may go: to the outside, never to an internal address the operator did not list.

Webhook requests leave from inside the company's network. Without a check an endpoint could point
at the database port, the cloud's metadata service or any intranet host, and the delivery log
would tell whoever configured it what they answered. So an address is checked twice:

- **when it is saved** (form, API, service), as written: an IP address in any notation the
  resolver accepts (``127.1``, ``0x7f000001`` and ``[::ffff:127.0.0.1]`` included) must be
  public, and a name must not be one that only exists inside networks (``localhost``, a single
  label such as ``db``, ``*.localhost``, ``*.local``, ``*.internal``, ``*.home.arpa``,
  ``*.localdomain`` and the cloud metadata names);
- **at every delivery**, after the name is resolved once (:func:`resolve`): every address it
  resolves to must be public, and the connection goes to the checked address itself, never
  through a second lookup, so a DNS answer that changes between check and connection (DNS
  rebinding) cannot reach an internal host.

Internal are loopback, link-local (with the metadata address 169.254.169.254), private, shared
(100.64.0.0/10), unique-local, multicast, reserved and unspecified addresses, IPv4 addresses
inside IPv6 (mapped, 6to4, NAT64) by their IPv4 part. ``WEBHOOK_ALLOWED_HOSTS``
(``LEITPLANKE_WEBHOOK_ALLOWED_HOSTS``) lists host names, addresses or networks (CIDR) the operator
allows even though they are internal, such as an intranet ticket system.
"""

from __future__ import annotations

import ipaddress
import re
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.utils.translation import gettext as _

from leitplanke.common.errors import DomainError

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

#: Names that only exist inside networks: exact names and endings (RFC 6761, 6762, 8375; ICANN's
#: ``.internal``; the metadata services of the large clouds).
INTERNAL_NAMES = frozenset({"localhost", "metadata.google.internal", "instance-data.ec2.internal"})
INTERNAL_SUFFIXES = (".localhost", ".local", ".internal", ".home.arpa", ".localdomain", ".intranet", ".lan")
#: Metadata addresses, named for the reader; each is internal by its network as well.
METADATA_ADDRESSES = frozenset(
    {
        ipaddress.ip_address("169.254.169.254"),  # AWS, Azure, GCP, OpenStack
        ipaddress.ip_address("169.254.170.2"),  # AWS ECS task metadata
        ipaddress.ip_address("100.100.100.200"),  # Alibaba Cloud
        ipaddress.ip_address("fd00:ec2::254"),  # AWS over IPv6
    }
)
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_LEGACY_IPV4 = re.compile(r"(0x[0-9a-f]+|[0-9]+)(\.(0x[0-9a-f]+|[0-9]+)){0,3}", re.IGNORECASE)


class TargetRefused(DomainError):
    """A webhook address that points into an internal network and is not allowed by the operator."""

    code = "internal_address"


@dataclass(frozen=True)
class Target:
    """Where one delivery connects: the host as written (for ``Host`` and TLS) and the checked address."""

    host: str
    port: int
    address: str


def literal_address(host: str) -> IPAddress | None:
    """``host`` as an IP address if it is one, in any notation the system resolver would read as one."""
    candidate = host.strip("[]").split("%", 1)[0]
    try:
        return ipaddress.ip_address(candidate)
    except ValueError:
        pass
    if _LEGACY_IPV4.fullmatch(candidate):  # 127.1, 2130706433, 0x7f.0.0.1: inet_aton reads them all
        try:
            return ipaddress.IPv4Address(socket.inet_aton(candidate))
        except OSError:
            return None
    return None


def is_internal_address(address: IPAddress) -> bool:
    """Whether ``address`` belongs to a network that is not the public internet."""
    if isinstance(address, ipaddress.IPv6Address):
        embedded = address.ipv4_mapped or address.sixtofour
        if embedded is None and address in _NAT64:
            embedded = ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
        if embedded is not None:
            return is_internal_address(embedded)
    return (
        address in METADATA_ADDRESSES
        or address.is_loopback
        or address.is_link_local
        or address.is_private
        or address.is_multicast
        or address.is_reserved
        or address.is_unspecified
        or not address.is_global
    )


def is_internal_name(host: str) -> bool:
    """Whether ``host`` (a name, not an address) can only be resolved inside a network."""
    name = host.lower().rstrip(".")
    return "." not in name or name in INTERNAL_NAMES or name.endswith(INTERNAL_SUFFIXES)


def _allowed_host(host: str) -> bool:
    wanted = host.lower().rstrip(".").strip("[]")
    return any(entry.lower().rstrip(".").strip("[]") == wanted for entry in settings.WEBHOOK_ALLOWED_HOSTS)


def _allowed_address(address: IPAddress) -> bool:
    for entry in settings.WEBHOOK_ALLOWED_HOSTS:
        try:
            if address in ipaddress.ip_network(entry.strip("[]"), strict=False):
                return True
        except ValueError:
            continue  # a host name, not an address or network
    return False


def _refused() -> TargetRefused:
    return TargetRefused(
        _(
            "This address points into an internal network (loopback, private, link-local or a metadata service). "
            "Webhooks go to addresses on the internet; an operator can allow an internal host with "
            "LEITPLANKE_WEBHOOK_ALLOWED_HOSTS."
        ),
        field="url",
    )


def check_url(url: str) -> None:
    """Refuse ``url`` if its host, as written, is an internal address or name (raises :class:`TargetRefused`).

    An address that cannot be read is left to the URL validation, which names that problem.
    """
    try:
        host = urlsplit(url).hostname
    except ValueError:
        return
    if not host or _allowed_host(host):
        return
    address = literal_address(host)
    if address is not None:
        if is_internal_address(address) and not _allowed_address(address):
            raise _refused()
    elif is_internal_name(host):
        raise _refused()


def resolve(host: str, port: int) -> list[str]:
    """The addresses ``host`` resolves to now (one DNS lookup); the delivery connects to one of them."""
    answers = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in answers))


def target_for(url: str) -> Target:
    """Where a delivery to ``url`` connects, after its host was resolved and every address checked.

    Raises :class:`TargetRefused` for an internal address that is not allowed, ``OSError`` if
    the name does not resolve.
    """
    parts = urlsplit(url)
    host = parts.hostname or ""
    port = parts.port or (443 if parts.scheme == "https" else 80)
    listed = _allowed_host(host)
    literal = literal_address(host)
    if literal is not None:
        addresses = [str(literal)]
    else:
        if is_internal_name(host) and not listed:
            raise _refused()
        addresses = resolve(host, port)
        if not addresses:
            raise socket.gaierror(socket.EAI_NONAME, "no address")
    checked = []
    for text in addresses:
        address = ipaddress.ip_address(text.split("%", 1)[0])
        if is_internal_address(address) and not (listed or _allowed_address(address)):
            raise _refused()  # one internal answer is enough: a name that mixes them is not trusted
        checked.append(text)
    return Target(host=host, port=port, address=checked[0])
