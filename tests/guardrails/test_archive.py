"""Uploaded bundle archives: whatever is wrong with one is a clear refusal, never a server error.

The publish page and ``/api/v1/rules/validate`` both read archives through ``read_archive``; a
damaged or hostile one (bad CRC, corrupt deflate stream, cut off, a zip bomb, too many members,
names that climb out of the folder) becomes an ``ArchiveInvalid`` with a message for the person.
"""

from __future__ import annotations

import base64
import io
import json
import random
import struct
import zipfile
from collections.abc import Iterator

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import translation

from leitplanke.api import services as api_services
from leitplanke.api.models import Scope
from leitplanke.guardrails.archive import MAX_FILES, ArchiveInvalid, read_archive, zip_files
from leitplanke.guardrails.models import RuleBundle


@pytest.fixture(autouse=True)
def _in_english() -> Iterator[None]:
    """The reasons are read in English here (the company default is German)."""
    with translation.override("en"):
        yield


BUNDLE = {"bundle.yaml": "id: probe\nversion: '1'\ntitle: Probe\n", "rules/10-basics.yaml": "rules: []\n" * 40}


def _archive(members: dict[str, bytes | str], *, method: int = zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=method) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def _bad_crc() -> bytes:
    """A stored (uncompressed) member whose bytes no longer match its checksum."""
    data = _archive(BUNDLE, method=zipfile.ZIP_STORED)
    at = data.index(b"rules: []")
    return data[:at] + b"RULES" + data[at + 5 :]


def _corrupt_deflate() -> bytes:
    """A deflated member whose compressed stream is garbled in the middle."""
    data = bytearray(_archive(BUNDLE))
    start = data.index(b"rules/10-basics.yaml") + len("rules/10-basics.yaml")
    for offset in range(start + 4, start + 12):
        data[offset] ^= 0xFF
    return bytes(data)


def _zip_bomb() -> bytes:
    """A member that unpacks to far more than it takes packed (zeros pack about 1000 to 1)."""
    return _archive({"bundle.yaml": BUNDLE["bundle.yaml"], "rules/10-bomb.yaml": b"\0" * 400_000})


def _too_many_members() -> bytes:
    return _archive({"bundle.yaml": BUNDLE["bundle.yaml"], **{f"x/{i}": "" for i in range(MAX_FILES * 2 + 1)}})


def _lying_size() -> bytes:
    """The central directory claims a tiny size for a member that unpacks to much more."""
    data = bytearray(_archive(BUNDLE))
    entry = data.rindex(b"PK\x01\x02", 0, data.rindex(b"rules/10-basics.yaml"))
    struct.pack_into("<I", data, entry + 24, 3)  # uncompressed size in the central directory
    return bytes(data)


@pytest.mark.parametrize(
    ("data", "says"),
    [
        (_bad_crc(), "cannot be unpacked"),
        (_corrupt_deflate(), "cannot be unpacked"),
        (_archive(BUNDLE)[:-30], "not a ZIP archive"),  # cut off in the end record
        (_archive(BUNDLE)[: len(_archive(BUNDLE)) // 2], "not a ZIP archive"),
        (_lying_size(), "cannot be unpacked"),
        (_zip_bomb(), "100 to 1"),
        (_too_many_members(), "too many files"),
        (_archive({**BUNDLE, "../../etc/passwd": "x"}), "unsafe paths"),
        (_archive({**BUNDLE, "/etc/passwd": "x"}), "unsafe paths"),
        (_archive({**BUNDLE, "rules\\..\\..\\x.yaml": "x"}), "unsafe paths"),
        (_archive({**BUNDLE, "C:/x.yaml": "x"}), "unsafe paths"),
        (_archive({"bundle.yaml": BUNDLE["bundle.yaml"], "rules/a.yaml": b"\xff\xfe"}), "not UTF-8"),
    ],
    ids=["bad-crc", "corrupt-deflate", "truncated-end", "truncated-half", "lying-size", "zip-bomb",
         "too-many-members", "dot-dot", "absolute", "backslashes", "drive-letter", "not-utf8"],
)  # fmt: skip
def test_a_damaged_or_hostile_archive_is_refused_with_a_reason(data: bytes, says: str) -> None:
    with pytest.raises(ArchiveInvalid, match=says):
        read_archive(data)


def test_the_same_name_twice_is_refused_so_what_is_reviewed_is_what_is_published() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive, pytest.warns(UserWarning, match="Duplicate name"):
        archive.writestr("bundle.yaml", BUNDLE["bundle.yaml"])
        archive.writestr("bundle.yaml", "id: other\n")
    with pytest.raises(ArchiveInvalid, match="twice"):
        read_archive(buffer.getvalue())


def test_any_damage_to_an_archive_is_refused_or_read_never_a_crash() -> None:
    """Random byte changes anywhere in a valid archive (a fixed seed: the same 400 cases each run)."""
    valid = zip_files(BUNDLE, "bundle")
    chance = random.Random(14)  # noqa: S311 - test data, not secrets
    refused = 0
    for _case in range(400):
        damaged = bytearray(valid)
        for _change in range(chance.randint(1, 6)):
            damaged[chance.randrange(len(damaged))] = chance.randrange(256)
        try:
            read_archive(bytes(damaged))
        except ArchiveInvalid:
            refused += 1
    assert refused > 300  # most changes break the archive; the few others hit ignored bytes


def test_a_valid_archive_still_reads() -> None:
    assert read_archive(zip_files(BUNDLE, "bundle")) == BUNDLE


@pytest.mark.django_db
def test_the_publish_page_shows_a_damaged_archive_as_a_field_error(org, client_for) -> None:
    upload = SimpleUploadedFile("rules.zip", _bad_crc(), content_type="application/zip")

    response = client_for(org.viewer("ai_governance")).post(reverse("guardrails:publish"), {"archive": upload})

    assert response.status_code == 200
    assert "rules/10-basics.yaml" in response.context["form"].errors["archive"][0]
    assert not RuleBundle.objects.exclude(bundle_id="leitplanke-default").exists()


@pytest.mark.django_db
@pytest.mark.parametrize("data", [_bad_crc(), _corrupt_deflate(), _zip_bomb()], ids=["crc", "deflate", "bomb"])
def test_the_api_answers_a_damaged_archive_with_a_problem_on_the_field(org, data: bytes) -> None:
    governance = org.viewer("ai_governance")
    token = api_services.token_create(
        actor=governance, user=governance, name="Skript", scope=Scope.READ_WRITE, expires_in_days=1
    ).plain
    client = Client(headers={"Authorization": f"Bearer {token}"})

    response = client.post(
        "/api/v1/rules/validate",
        data=json.dumps({"archive": base64.b64encode(data).decode()}),
        content_type="application/json",
    )

    assert response.status_code == 422, response.content
    assert response["Content-Type"] == "application/problem+json"
    [error] = response.json()["errors"]
    assert (error["field"], error["code"]) == ("body.archive", "archive")
