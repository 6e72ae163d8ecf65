"""Helpers of the import and export tests: finding the public registers and drawing samples from them.

The registers are never copied into the repository. A test takes what it needs from them at run
time; where they are absent it is skipped with the reason, except in CI, where they must be there.
"""

from __future__ import annotations

import csv
import io
import json
import os
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import pytest

REPOSITORY = Path(__file__).resolve().parents[2]

US_2025 = "us-federal-ai-use-cases-2025.csv"
US_2024 = "us-federal-ai-use-cases-2024.cp1252.csv"
NL = "nl-algoritmeregister-2026-08.json"


def dataset(name: str) -> Path:
    """The path of a public register; skips the test (fails it in CI) if the folder or file is missing."""
    configured = os.environ.get("LEITPLANKE_DATASETS")
    folder = Path(configured) if configured else REPOSITORY.parent / "shared" / "datasets"
    path = folder / name
    if not path.is_file():
        reason = (
            f"The public register {name} is not at {folder} (set LEITPLANKE_DATASETS to the folder of "
            "the shared datasets, see ../shared/datasets/README.md)."
        )
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    return path


def csv_register(name: str, encoding: str) -> tuple[list[str], list[list[str]]]:
    """Header and data rows of a CSV register, read with the standard library (the test's own reading)."""
    with dataset(name).open(encoding=encoding, newline="") as handle:
        rows = list(csv.reader(handle))
    return rows[0], rows[1:]


def csv_sample(header: list[str], rows: Iterable[list[str]], *, encoding: str, byte_order_mark: bool = False) -> bytes:
    """The bytes of a CSV file with ``header`` and ``rows``, written as the register is written."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    data = buffer.getvalue().encode(encoding)
    return (b"\xef\xbb\xbf" + data) if byte_order_mark else data


def pick(rows: list[list[str]], test: Callable[[list[str]], bool], count: int) -> list[list[str]]:
    """The first ``count`` rows that pass ``test``."""
    found = [row for row in rows if test(row)]
    return found[:count]


def nl_records() -> list[dict[str, Any]]:
    """The records of the Dutch algorithm register."""
    document = json.loads(dataset(NL).read_text(encoding="utf-8"))
    return list(document["algoritmes"])


def unique(rows: list[list[str]], key: Callable[[list[str]], Any]) -> list[list[str]]:
    """The rows whose ``key`` no other row of the whole register shares (so they can be found again)."""
    counts: dict[Any, int] = {}
    for row in rows:
        counts[key(row)] = counts.get(key(row), 0) + 1
    return [row for row in rows if counts[key(row)] == 1]


def text(value: str) -> str:
    """A cell as the import stores text: stripped, with plain line breaks."""
    return value.replace("\r\n", "\n").replace("\r", "\n").strip()
