"""Rule bundles as ZIP archives: read an uploaded one safely, write one for download."""

from __future__ import annotations

import io
import posixpath
import zipfile

from django.utils.translation import gettext as _

from .engine.bundle import MAX_FILE_BYTES, MAX_FILES

#: An archive may be at most this large, packed and unpacked.
MAX_ARCHIVE_BYTES = 5 * 1024 * 1024


class ArchiveInvalid(ValueError):
    """An upload that is no usable bundle archive; the message says why, in the user's language."""


def read_archive(data: bytes) -> dict[str, str]:
    """The bundle's files (path → text) from a ZIP archive with bundle.yaml at the top or in one folder.

    Only ``bundle.yaml`` and ``rules/*.yaml`` are read; anything else in the archive is ignored.
    """
    if len(data) > MAX_ARCHIVE_BYTES:
        raise ArchiveInvalid(_("The archive is larger than 5 MB."))
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        entries = [info for info in archive.infolist() if not info.is_dir()]
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise ArchiveInvalid(_("This is not a ZIP archive.")) from exc
    if len(entries) > MAX_FILES * 2:
        raise ArchiveInvalid(_("The archive holds too many files."))
    if sum(info.file_size for info in entries) > MAX_ARCHIVE_BYTES:
        raise ArchiveInvalid(_("The archive unpacks to more than 5 MB."))
    for info in entries:
        name = posixpath.normpath(info.filename)
        if name.startswith(("/", "..")) or "/../" in f"/{name}/":
            raise ArchiveInvalid(_("The archive contains unsafe paths."))
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
            files[relative] = archive.read(info).decode("utf-8")
        except UnicodeDecodeError as exc:
            raise ArchiveInvalid(_("%(file)s is not UTF-8 text.") % {"file": relative}) from exc
    return files


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
