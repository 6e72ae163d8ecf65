# The portfolio read is hand-written SQL made of table and column names from the models; values
# always reach the database as parameters.
# ruff: noqa: S608
"""Reads of the guardrails: the active bundle compiled once per process, evaluation inputs, verdicts.

Rules and verdict reasons are not secret: every signed-in person may read the published bundles.
A verdict is as visible as its use case, so callers fetch the use case through
``usecases.selectors`` first.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterable, Iterator
from typing import Any

from django.db import connection
from django.db.models import QuerySet

from leitplanke.catalog.models import Tool
from leitplanke.org.models import OrgUnit, Role
from leitplanke.org.selectors import has_role
from leitplanke.usecases.facts import FACTS
from leitplanke.usecases.models import UseCase

from . import evaluators
from .engine import Bundle, Evaluator, Shortcut, WhatIfItem, WhatIfReport, default_folder, parse_bundle, read_folder
from .engine import shortcut as engine_shortcut
from .engine import what_if as engine_what_if
from .models import RuleBundle, Verdict

_compiled: dict[str, Evaluator] = {}
_compiled_lock = threading.Lock()
#: Compiled bundles kept per process (the active one, and a few older ones whose verdicts are shown).
_COMPILED_KEPT = 8


def can_publish(user: Any) -> bool:
    """AI governance publishes rule bundles (administrators run the system, they do not set the rules)."""
    return bool(getattr(user, "is_authenticated", False) and user.is_active and has_role(user, Role.AI_GOVERNANCE))


def can_read_rules(user: Any) -> bool:
    """The rules are published for everyone who signs in: knowing them is what lets teams move fast."""
    return bool(getattr(user, "is_authenticated", False) and user.is_active)


def active_bundle() -> RuleBundle | None:
    """The bundle that decides now (without its files), or None before the first one is published."""
    return RuleBundle.objects.only("pk", "bundle_id", "version", "digest").filter(active=True).first()


def bundle_in_force() -> RuleBundle:
    """The bundle that decides now, for reading: the active one, or before the first verdict published
    it, the shipped bundle as an unsaved row (no id, no publication time). Reading never publishes."""
    row = bundles().filter(active=True).first()
    return row if row is not None else shipped_row()


def shipped_row() -> RuleBundle:
    """The shipped default bundle as a row that is not stored (yet): what the first publication stores."""
    bundle = default_bundle()
    return RuleBundle(
        bundle_id=bundle.id,
        version=bundle.version,
        digest=bundle.digest,
        title=bundle.title.en,
        files=bundle.files,
        rule_count=len(bundle.rules),
        test_count=len(bundle.tests),
        active=True,
    )


def bundles() -> QuerySet[RuleBundle]:
    """Every published bundle, newest first (without their files)."""
    return RuleBundle.objects.defer("files", "whatif").select_related("published_by")


def evaluator_for(row: RuleBundle) -> Evaluator:
    """The compiled bundle of a stored row, compiled once per process and kept by its digest."""
    found = _compiled.get(row.digest)
    if found is not None:
        return found
    if row.pk is None:  # the shipped bundle before its first publication (bundle_in_force)
        return compiled(row.files, row.digest)
    with _compiled_lock:
        found = _compiled.get(row.digest)
        if found is None:
            files = RuleBundle.objects.values_list("files", flat=True).get(pk=row.pk)
            found = compiled(files, row.digest)
    return found


def compiled(files: dict[str, str], digest: str) -> Evaluator:
    """Compile and keep a bundle by its digest (the files must be a bundle that was checked)."""
    found = _compiled.get(digest)
    if found is None:
        if len(_compiled) >= _COMPILED_KEPT:
            _compiled.clear()
        # Checked before it was stored; the evaluator processes' limits bound it, not today's static limits.
        found = _compiled[digest] = Evaluator(parse_bundle(files, bounded=False))
    return found


def default_bundle() -> Bundle:
    """The bundle that ships with Leitplanke, compiled (once per process)."""
    files = read_folder(default_folder())
    from .engine import files_digest

    return compiled(files, files_digest(files)).bundle


def bundle_files(row: RuleBundle) -> dict[str, str]:
    """The files of a published bundle."""
    return dict(RuleBundle.objects.values_list("files", flat=True).get(pk=row.pk))


def publication_whatif(user: Any, row: RuleBundle) -> dict[str, Any] | None:
    """What the what-if found when ``row`` was published, for those who publish (None for everybody else).

    It names use cases of every unit, confidential ones too, so only AI governance reads it.
    """
    if not can_publish(user) or row.pk is None:
        return None
    return dict(RuleBundle.objects.values_list("whatif", flat=True).get(pk=row.pk) or {}) or None


def evaluation_input(usecase: UseCase, tools: Iterable[Tool] | None = None) -> dict[str, Any]:
    """The use case as the rules read it (the evaluation contract); unanswered questions are left out."""
    facts: dict[str, Any] = {}
    for fact in FACTS:
        value = getattr(usecase, fact.name)
        if value not in ("", None):
            facts[fact.name] = list(value) if fact.multiple else value
    chosen = sorted(tools if tools is not None else usecase.tools.all(), key=lambda tool: tool.name)
    return {
        "facts": facts,
        "tools": [tool.guardrail_facts() for tool in chosen],
        "unit": usecase.unit.code,
        "stage": usecase.stage,
    }


def verdict_of(usecase: UseCase) -> Verdict | None:
    """The stored verdict of a use case (the caller checked that the viewer may see the use case)."""
    return (
        Verdict.objects.select_related("bundle")
        .defer("bundle__files", "bundle__whatif")
        .filter(usecase=usecase)
        .first()
    )


_FACT_FIELDS = tuple(fact.name for fact in FACTS)
_LIST_FACTS = frozenset(fact.name for fact in FACTS if fact.multiple)
_CHUNK = 5000


def portfolio(usecase_ids: Iterable[int] | None = None) -> Iterator[WhatIfItem]:
    """Every use case (or those named) as a what-if item: key, title, evaluation input, current outcome.

    This is the what-if's and the bulk refresh's read of the whole portfolio, so it is one plain SQL
    query per chunk of 5,000 use cases (with their verdict's digest) plus one for their tools,
    built from the models' table and column names: the ORM's per-row work would take several
    times longer at 100,000 use cases. List answers and verdicts arrive as JSON text and are decoded
    once per distinct text (a portfolio repeats them a lot); the decoded verdicts are shared between
    items and must not be changed.
    """
    tools = {tool.pk: tool.guardrail_facts() for tool in Tool.objects.all()}
    units = dict(OrgUnit.objects.values_list("pk", "code"))
    select, links_sql, key, link_key = _portfolio_sql()
    decoded: dict[str, tuple[str, ...]] = {}
    verdicts: dict[str, dict[str, Any]] = {}  # stored verdicts repeat too; shared, never changed
    with connection.cursor() as cursor:
        for condition, params in _chunks(usecase_ids):
            cursor.execute(f"{links_sql} WHERE {link_key} {condition}", params)
            links: dict[int, list[dict[str, Any]]] = {}
            for usecase_id, tool_id in cursor.fetchall():
                links.setdefault(usecase_id, []).append(tools[tool_id])
            cursor.execute(f"{select} WHERE {key} {condition} ORDER BY {key}", params)
            for pk, title, stage, unit_id, *answers, summary, digest, bundle_id in cursor.fetchall():
                facts: dict[str, Any] = {}
                for name, value in zip(_FACT_FIELDS, answers, strict=True):
                    if name in _LIST_FACTS:
                        found = decoded.get(value)
                        if found is None:
                            found = decoded[value] = tuple(json.loads(value) if value else ())
                        facts[name] = list(found)
                    elif value:
                        facts[name] = value
                chosen = sorted(links.get(pk, []), key=lambda tool: tool["name"])
                data = {"facts": facts, "tools": chosen, "unit": units[unit_id], "stage": stage}
                current = verdicts.get(summary) if summary else None
                if summary and current is None:
                    current = verdicts[summary] = json.loads(summary)
                yield WhatIfItem(pk, title, data, current, digest, bundle_id)


def _column(model: Any, name: str) -> str:
    """The quoted column of a model field, for hand-written SQL."""
    return str(connection.ops.quote_name(model._meta.get_field(name).column))


def _portfolio_sql() -> tuple[str, str, str, str]:
    """The queries of :func:`portfolio`: use cases with their verdict digest, and their tools.

    Made of the models' table and column names only; ids always go in as parameters.
    """
    quote = connection.ops.quote_name
    links = UseCase.tools.through
    facts = ", ".join(
        f"CAST(u.{_column(UseCase, name)} AS TEXT)" if name in _LIST_FACTS else f"u.{_column(UseCase, name)}"
        for name in _FACT_FIELDS
    )
    key = f"u.{_column(UseCase, 'id')}"
    select = (
        f"SELECT {key}, u.{_column(UseCase, 'title')}, u.{_column(UseCase, 'stage')}, u.{_column(UseCase, 'unit')}, "
        f"{facts}, CAST(v.{_column(Verdict, 'summary')} AS TEXT), v.{_column(Verdict, 'input_digest')}, "
        f"v.{_column(Verdict, 'bundle')} FROM {quote(UseCase._meta.db_table)} u "
        f"LEFT JOIN {quote(Verdict._meta.db_table)} v ON v.{_column(Verdict, 'usecase')} = {key}"
    )
    links_sql = f"SELECT {_column(links, 'usecase')}, {_column(links, 'tool')} FROM {quote(links._meta.db_table)}"
    return select, links_sql, key, _column(links, "usecase")


def _chunks(usecase_ids: Iterable[int] | None) -> Iterator[tuple[str, list[int]]]:
    """SQL conditions on a use-case id, with their parameters, that select the use cases chunk by
    chunk: the ids named, or ranges of all ids."""
    if usecase_ids is not None:
        ids = list(usecase_ids)
        for start in range(0, len(ids), _CHUNK):
            chunk = ids[start : start + _CHUNK]
            yield f"IN ({', '.join(['%s'] * len(chunk))})", chunk
        return
    ids = list(UseCase.objects.order_by("pk").values_list("pk", flat=True))
    for start in range(0, len(ids), _CHUNK):
        yield "BETWEEN %s AND %s", [ids[start], ids[min(start + _CHUNK, len(ids)) - 1]]


def what_if(files: dict[str, str]) -> WhatIfReport:
    """What a candidate bundle (already checked) would change in the portfolio; nothing is stored.

    Evaluated in the evaluator processes unless it is the shipped bundle: a rule their limit stops
    is refused with ``evaluators.RuleStopped``.
    """
    evaluator = Evaluator(parse_bundle(files, bounded=False))
    outcomes = evaluators.what_if_outcomes(evaluator, *current_for_shortcut(), stopped_verdicts=False)
    return engine_what_if(evaluator, portfolio(), shortcut=shortcut_to(evaluator), outcomes=outcomes)


def current_for_shortcut() -> tuple[Evaluator | None, Any]:
    """The active bundle compiled, and its key in the stored verdicts (None, None before the first one)."""
    row = active_bundle()
    if row is None:
        return None, None
    return evaluator_for(row), row.pk


def shortcut_to(candidate: Evaluator) -> Shortcut | None:
    """The what-if shortcut from the active bundle (which computed the stored verdicts) to a candidate."""
    row = active_bundle()
    if row is None:
        return None
    return engine_shortcut(evaluator_for(row).bundle, candidate.bundle, row.pk)
