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

from django.db.models import F, QuerySet, TextField
from django.db.models.functions import Cast

from leitplanke.catalog.models import Tool
from leitplanke.org.models import OrgUnit, Role
from leitplanke.org.selectors import has_role
from leitplanke.usecases.facts import FACTS
from leitplanke.usecases.models import UseCase

from .engine import Bundle, Evaluator, WhatIfItem, WhatIfReport, default_folder, parse_bundle, read_folder
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


def bundles() -> QuerySet[RuleBundle]:
    """Every published bundle, newest first (without their files)."""
    return RuleBundle.objects.defer("files", "whatif").select_related("published_by")


def evaluator_for(row: RuleBundle) -> Evaluator:
    """The compiled bundle of a stored row, compiled once per process and kept by its digest."""
    found = _compiled.get(row.digest)
    if found is not None:
        return found
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
        found = _compiled[digest] = Evaluator(parse_bundle(files))
    return found


def default_bundle() -> Bundle:
    """The bundle that ships with Leitplanke, compiled (once per process)."""
    files = read_folder(default_folder())
    from .engine import files_digest

    return compiled(files, files_digest(files)).bundle


def bundle_files(row: RuleBundle) -> dict[str, str]:
    """The files of a published bundle."""
    return dict(RuleBundle.objects.values_list("files", flat=True).get(pk=row.pk))


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
    return Verdict.objects.select_related("bundle").defer("bundle__files", "bundle__whatif").filter(
        usecase=usecase
    ).first()


_FACT_FIELDS = tuple(fact.name for fact in FACTS)
_LIST_FACTS = frozenset(fact.name for fact in FACTS if fact.multiple)
_CHUNK = 5000


def portfolio(usecase_ids: Iterable[int] | None = None) -> Iterator[WhatIfItem]:
    """Every use case (or those named) as a what-if item: key, title, evaluation input, current outcome.

    Reads in chunks of consecutive ids with three queries per chunk, so 100,000 use cases take
    seconds: the current verdict comes as its digest (see :func:`current_verdicts` for those that
    changed), list answers as JSON text decoded here (several times faster than the JSON field),
    and the owning unit's code from one dictionary of all units.
    """
    tools = {tool.pk: tool.guardrail_facts() for tool in Tool.objects.all()}
    units = dict(OrgUnit.objects.values_list("pk", "code"))
    columns = [Cast(name, TextField()) if name in _LIST_FACTS else F(name) for name in _FACT_FIELDS]
    for chunk in _chunks(usecase_ids):
        links: dict[int, list[dict[str, Any]]] = {}
        for usecase_id, tool_id in UseCase.tools.through.objects.filter(usecase_id__in=chunk).values_list(
            "usecase_id", "tool_id"
        ):
            links.setdefault(usecase_id, []).append(tools[tool_id])
        digests = dict(Verdict.objects.filter(usecase_id__in=chunk).values_list("usecase_id", "summary_digest"))
        rows = UseCase.objects.filter(pk__in=chunk).values_list("pk", "title", "stage", "unit_id", *columns)
        for pk, title, stage, unit_id, *answers in rows.order_by("pk"):
            facts = {}
            for name, value in zip(_FACT_FIELDS, answers, strict=True):
                if name in _LIST_FACTS:
                    facts[name] = (json.loads(value) if isinstance(value, str) else value) or []
                elif value:
                    facts[name] = value
            chosen = sorted(links.get(pk, []), key=lambda tool: tool["name"])
            data = {"facts": facts, "tools": chosen, "unit": units[unit_id], "stage": stage}
            yield WhatIfItem(pk, title, data, None, digests.get(pk))


def _chunks(usecase_ids: Iterable[int] | None) -> Iterator[Any]:
    """The use cases to read, chunk by chunk: the ids named, or every id as a subquery of a range."""
    if usecase_ids is not None:
        ids = list(usecase_ids)
        for start in range(0, len(ids), _CHUNK):
            yield ids[start : start + _CHUNK]
        return
    ids = list(UseCase.objects.order_by("pk").values_list("pk", flat=True))
    for start in range(0, len(ids), _CHUNK):
        low, high = ids[start], ids[min(start + _CHUNK, len(ids)) - 1]
        yield UseCase.objects.filter(pk__gte=low, pk__lte=high).values("pk")


def current_verdicts(usecase_ids: list[int]) -> dict[int, dict[str, Any]]:
    """The stored verdict summaries of the use cases named."""
    return dict(Verdict.objects.filter(usecase_id__in=usecase_ids).values_list("usecase_id", "summary"))


def what_if(files: dict[str, str]) -> WhatIfReport:
    """What a candidate bundle (already checked) would change in the portfolio; nothing is stored."""
    return engine_what_if(Evaluator(parse_bundle(files)), portfolio(), current_of=current_verdicts)
