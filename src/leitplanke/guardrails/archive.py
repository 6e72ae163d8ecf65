"""Rule bundles as ZIP archives: read an uploaded one safely, write one for download."""

from __future__ import annotations

import io
import posixpath
import struct
import zipfile
import zlib

from django.utils.translation import gettext as _

from .engine.bundle import MAX_FILE_BYTES, MAX_FILES

#: An archive may be at most this large, packed and unpacked.
MAX_ARCHIVE_BYTES = 5 * 1024 * 1024
#: Unpacked, an archive may be at most this many times larger than packed (YAML packs about 5:1;
#: a "zip bomb" packs thousands to one). Small archives are exempt: they cannot hurt.
MAX_RATIO = 100
RATIO_EXEMPT_BYTES = 64 * 1024

#: What reading a damaged archive raises: a bad CRC, a header that lies, data cut off, a corrupt
#: deflate stream, an unknown compression method, an encrypted member, a name that is no text.
_DAMAGED = (
    zipfile.BadZipFile,
    zlib.error,
    EOFError,
    OSError,
    ValueError,
    NotImplementedError,
    RuntimeError,
    struct.error,
)


class ArchiveInvalid(ValueError):
    """An upload that is no usable bundle archive; the message says why, in the user's language."""


def read_archive(data: bytes) -> dict[str, str]:
    """The bundle's files (path → text) from a ZIP archive with bundle.yaml at the top or in one folder.

    Only ``bundle.yaml`` and ``rules/*.yaml`` are read; anything else in the archive is ignored.
    """
    if len(data) > MAX_ARCHIVE_BYTES:
        raise ArchiveInvalid(_("The archive is larger than 5 MB."))
    if _declared_members(data) > MAX_FILES * 2:
        raise ArchiveInvalid(_("The archive holds too many files."))
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        entries = [info for info in archive.infolist() if not info.is_dir()]
    except _DAMAGED as exc:
        raise ArchiveInvalid(_("This is not a ZIP archive.")) from exc
    _check_entries(entries, packed=len(data))
    root = _bundle_root([info.filename for info in entries])
    if root is None:
        raise ArchiveInvalid(_("The archive has no bundle.yaml (at the top or in one folder)."))
    files: dict[str, str] = {}
    for info in entries:
        if not info.filename.startswith(root):
            continue
        relative = info.filename[len(root) :]
        if relative != "bundle.yaml" and not (
            relative.startswith("rules/") and relative.count("/") == 1 and relative.endswith((".yaml", ".yml"))
        ):
            continue
        if info.file_size > MAX_FILE_BYTES:
            raise ArchiveInvalid(_("%(file)s is larger than 512 KB.") % {"file": relative})
        try:
            # zipfile stops at the declared size and checks the CRC: a member cannot unpack to more.
            content = archive.read(info)
        except _DAMAGED as exc:
            raise ArchiveInvalid(
                _("%(file)s cannot be unpacked: the archive is damaged or uses an unsupported method.")
                % {"file": relative}
            ) from exc
        try:
            files[relative] = content.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise ArchiveInvalid(_("%(file)s is not UTF-8 text.") % {"file": relative}) from exc
    return files


def _declared_members(data: bytes) -> int:
    """How many members the archive's end record announces, read before its directory is parsed
    (0 when there is no such record, or when a ZIP64 record holds the real count)."""
    at = data.rfind(b"PK\x05\x06", max(0, len(data) - 22 - 0xFFFF))
    if at < 0 or at + 22 > len(data):
        return 0
    (total,) = struct.unpack_from("<H", data, at + 10)
    return 0 if total == 0xFFFF else int(total)


def _check_entries(entries: list[zipfile.ZipInfo], *, packed: int) -> None:
    """Refuse an archive by its directory before anything is unpacked: too many or too large members,
    a suspicious packing ratio, names that climb out of the folder or occur twice."""
    if len(entries) > MAX_FILES * 2:
        raise ArchiveInvalid(_("The archive holds too many files."))
    unpacked = sum(info.file_size for info in entries)
    if unpacked > MAX_ARCHIVE_BYTES:
        raise ArchiveInvalid(_("The archive unpacks to more than 5 MB."))
    if unpacked > RATIO_EXEMPT_BYTES and unpacked > MAX_RATIO * packed:
        raise ArchiveInvalid(_("The archive is packed suspiciously tightly (more than 100 to 1)."))
    names: set[str] = set()
    for info in entries:
        name = posixpath.normpath(info.filename)
        if (
            name.startswith(("/", ".."))
            or "/../" in f"/{name}/"
            or "\\" in info.filename
            or "\x00" in info.filename
            or (len(name) > 1 and name[1] == ":")
        ):
            raise ArchiveInvalid(_("The archive contains unsafe paths."))
        if name in names:
            raise ArchiveInvalid(_("The archive contains %(file)s twice.") % {"file": name})
        names.add(name)


def _bundle_root(names: list[str]) -> str | None:
    """The folder inside the archive that holds bundle.yaml ("" for the top, at most one level down)."""
    roots = sorted(
        (name[: -len("bundle.yaml")] for name in names if name == "bundle.yaml" or name.endswith("/bundle.yaml")),
        key=len,
    )
    if not roots or roots[0].count("/") > 1:
        return None
    return roots[0]


def zip_files(files: dict[str, str], folder: str) -> bytes:
    """A bundle's files as a ZIP archive with one top folder (what the upload accepts again)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(files):
            archive.writestr(f"{folder}/{path}", files[path])
    return buffer.getvalue()
