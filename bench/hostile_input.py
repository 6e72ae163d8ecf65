"""Benchmark: what refusing hostile input costs (rule bundle archives and titles).

Run by hand, never in the test suite::

    LEITPLANKE_MODE=development LEITPLANKE_DATA_DIR=/tmp/lp-bench python bench/hostile_input.py

Prints the time to read the shipped rule bundle as an archive, and to refuse a zip bomb, an
archive announcing 40,000 members (refused from its end record, before zipfile parses the
directory; zipfile alone takes the last column to parse it), a damaged member; and the cost of
``clean_title`` per title. Median of several runs each.
"""

from __future__ import annotations

import contextlib
import io
import statistics
import time
import zipfile
from collections.abc import Callable

import django

django.setup()

from leitplanke.common.text import clean_title  # noqa: E402
from leitplanke.guardrails.archive import ArchiveInvalid, read_archive, zip_files  # noqa: E402
from leitplanke.guardrails.engine import default_folder, read_folder  # noqa: E402


def _archive(members: dict[str, bytes | str], method: int = zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=method) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def _directory(data: bytes) -> list[zipfile.ZipInfo]:
    return zipfile.ZipFile(io.BytesIO(data)).infolist()


def _median_ms(action: Callable[[], object], runs: int = 7) -> float:
    times = []
    for _run in range(runs):
        start = time.perf_counter()
        with contextlib.suppress(ArchiveInvalid):
            action()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main() -> None:
    shipped = zip_files(read_folder(default_folder()), "bundle")
    bomb = _archive({"bundle.yaml": "id: x\n", "rules/10.yaml": b"\0" * 4_000_000})
    many = _archive({f"{i}": "" for i in range(40_000)}, zipfile.ZIP_STORED)
    stored = _archive({"bundle.yaml": "id: x\n", "rules/10.yaml": "rules: []\n" * 1000}, zipfile.ZIP_STORED)
    at = stored.index(b"rules: []")
    damaged = stored[:at] + b"RULES" + stored[at + 5 :]
    rows = [
        ("shipped bundle, read", len(shipped), _median_ms(lambda: read_archive(shipped))),
        ("zip bomb 4 MB of zeros, refused", len(bomb), _median_ms(lambda: read_archive(bomb))),
        ("40,000 members, refused", len(many), _median_ms(lambda: read_archive(many), runs=3)),
        ("the same, zipfile parsing its directory", len(many), _median_ms(lambda: _directory(many), 3)),
        ("bad CRC, refused", len(damaged), _median_ms(lambda: read_archive(damaged))),
    ]
    print("| archive | bytes | ms (median) |\n|---|---:|---:|")
    for label, size, ms in rows:
        print(f"| {label.strip()} | {size:,} | {ms:.2f} |")
    titles = [f"Rechnungen klassifizieren {i} – Übersicht für das Team" for i in range(10_000)]
    start = time.perf_counter()
    for title in titles:
        clean_title(title)
    per_title = (time.perf_counter() - start) / len(titles) * 1e6
    print(f"\nclean_title: {per_title:.2f} µs per 50-character title")


if __name__ == "__main__":
    main()
