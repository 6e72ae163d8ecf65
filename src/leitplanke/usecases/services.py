"""Writes to the use-case registry, each with its audit event."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from contextlib import nullcontext
from decimal import Decimal
from typing import Any, TypedDict, Unpack

from django.utils.translation import gettext as _

from leitplanke.audit.services import event_record
from leitplanke.common import clock, events
from leitplanke.common.actors import Actor, Person
from leitplanke.common.errors import DomainError, full_clean
from leitplanke.common.permissions import check
from leitplanke.common.transactions import write_atomic
from leitplanke.common.versioning import check_version
from leitplanke.org.models import OrgUnit

from . import search
from .events import StageDeclared, UseCaseChanging, UseCaseSaved
from .facts import FACTS, FACTS_BY_NAME, UNSURE, check_fact_names
from .models import WRITING, Stage, Status, UseCase

#: Fields a service may set directly (relations ``tools`` and ``contributors`` are handled apart;
#: ``status`` and ``stage`` change only as the lifecycle table of ``decisions.transitions`` allows).
EDITABLE_FIELDS = frozenset(
    {
        "title",
        "summary",
        "problem",
        "unit",
        "owner",
        "expected_hours_per_month",
        "expected_euros_per_year",
        "expected_benefit",
        "confidential",
        "source",
        "source_id",
        *(fact.name for fact in FACTS),
    }
)


class UseCaseFields(TypedDict, total=False):
    """The keywords of :func:`usecase_create` and :func:`usecase_update`: every name of
    ``EDITABLE_FIELDS`` with its value type (a test keeps the two the same). The risk questions of
    ``facts.py`` take their answer codes: a list for a multi-select question, else one code (``""``
    or ``None`` for "not answered yet")."""

    title: str
    summary: str
    problem: str
    unit: OrgUnit
    owner: Person
    expected_hours_per_month: Decimal | None
    expected_euros_per_year: Decimal | None
    expected_benefit: str
    confidential: bool
    source: str
    source_id: str
    # facts.py, multiple choice
    purposes: list[str]
    affected_people: list[str]
    prohibited_practices: list[str]
    # facts.py, one answer
    interacts_with_people: str | None
    generated_content: str | None
    personal_data: str | None
    data_classification: str | None
    monitors_employees: str | None
    decision_role: str | None
    human_review: str | None
    scale: str | None


#: What the guardrail rules read of a use case: a change to any of them evaluates it again.
VERDICT_INPUTS = (*(fact.name for fact in FACTS), "tools", "unit", "stage")
#: Facts that must be answered before a use case leaves the draft state.
REQUIRED_ON_SUBMIT = (*(fact.name for fact in FACTS if not fact.multiple), "purposes", "affected_people")


def _clean_facts(values: dict[str, Any]) -> None:
    """Refuse an unknown answer code; normalise multi-select answers to sorted, unique lists."""
    for name, value in list(values.items()):
        fact = FACTS_BY_NAME.get(name)
        if fact is None:
            continue
        if fact.multiple:
            items = list(value or [])
            unknown = sorted(set(items) - fact.codes)
            if unknown:
                raise DomainError(_("Unknown answer: %(codes)s") % {"codes": ", ".join(unknown)}, field=name)
            values[name] = sorted(set(items), key=[code for code, _label in fact.choices].index)
        elif value not in ("", None) and value not in fact.codes:
            raise DomainError(_("Unknown answer: %(codes)s") % {"codes": value}, field=name)
        elif value is None:
            values[name] = ""


def _check_complete(usecase: UseCase) -> None:
    """A submitted use case has every question answered (``unsure`` counts as an answer)."""
    if usecase.status in WRITING:
        return
    missing = missing_for_submit(usecase)
    if missing:
        raise DomainError(_("Please answer this question before submitting."), field=missing[0], code="incomplete")


def _full_clean(usecase: UseCase) -> None:
    full_clean(usecase, exclude=["contributors", "tools"], titles=["title"])


def usecase_create(
    *,
    actor: Actor,
    tools: Iterable[Any] = (),
    contributors: Iterable[Any] = (),
    submit: bool = False,
    stage: str = Stage.IDEA,
    **fields: Unpack[UseCaseFields],
) -> UseCase:
    """Register a use case: a draft, or submitted at once with ``submit`` (every question answered).

    ``stage`` is how far the use case has come when it is registered (retired for a register's
    old entries). The answers are keyword arguments by fact name; a name that is neither a field
    nor a question is a :class:`DomainError` (``unknown_fact``) naming it, never dropped, and
    ``status`` is refused (``lifecycle``): only the lifecycle moves it.
    """
    check(actor, "usecases.add_usecase", fields.get("unit"))
    tools = list(tools)
    with events.preparing(UseCaseChanging(prospect=lambda: _prospect_create(stage, fields), tools=tools)):
        return _usecase_create(
            actor=actor, tools=tools, contributors=contributors, submit=submit, stage=stage, **fields
        )


def _prospect_create(stage: str, fields: Mapping[str, Any]) -> tuple[UseCase, None] | None:
    """The use case about to be registered, unsaved (``None`` for a request the write refuses anyway)."""
    if "status" in fields or set(fields) - EDITABLE_FIELDS or stage not in Stage.values or not fields.get("unit"):
        return None
    values = dict(fields)
    try:
        _clean_facts(values)
        return UseCase(stage=stage, **values), None
    except (DomainError, ValueError, TypeError):
        return None


@write_atomic
def _usecase_create(
    *,
    actor: Actor,
    tools: Iterable[Any] = (),
    contributors: Iterable[Any] = (),
    submit: bool = False,
    stage: str = Stage.IDEA,
    **fields: Unpack[UseCaseFields],
) -> UseCase:
    """The write of :func:`usecase_create`, in one transaction."""
    _refuse_lifecycle_fields(fields)
    check_fact_names(set(fields) - EDITABLE_FIELDS)
    if stage not in Stage.values:
        raise DomainError(_("Choose a stage."), field="stage")
    values: dict[str, Any] = dict(fields)
    _clean_facts(values)
    status = Status.SUBMITTED if submit else Status.DRAFT
    usecase = UseCase(created_by=actor if getattr(actor, "pk", None) else None, status=status, stage=stage, **values)
    _full_clean(usecase)
    _check_complete(usecase)
    usecase.save()
    tools = list(tools)
    usecase.tools.set(tools)
    usecase.contributors.set(list(contributors))
    search.usecase_index(usecase)
    after = usecase.audit_snapshot()
    event_record(actor=actor, action="usecase.created", target=usecase, after=after)
    return _saved(UseCaseSaved(actor=actor, usecase=usecase, before=None, after=after, tools=tools))


def usecase_update(
    *,
    actor: Actor,
    usecase: UseCase,
    expected_version: int | None = None,
    tools: Iterable[Any] | None = None,
    contributors: Iterable[Any] | None = None,
    stage: str | None = None,
    **changes: Unpack[UseCaseFields],
) -> UseCase:
    """Change a use case; with ``expected_version``, someone else's change in between is a
    :class:`~leitplanke.common.errors.Conflict` instead of being overwritten. Answers as in
    :func:`usecase_create`: an unknown name changes nothing and is a :class:`DomainError`.

    ``stage`` is the stage the owning unit declares while the use case is not approved (or
    retired); an approved one moves on only through ``decisions.lifecycle``. ``status`` is refused:
    submitting is ``decisions.services.usecase_submit``, the rest is the decision workflow's."""
    tools = list(tools) if tools is not None else None
    prospect = UseCaseChanging(prospect=lambda: _prospect_update(usecase, stage, changes), tools=tools)
    with events.preparing(prospect) if _reads_verdict_inputs(tools, stage, changes) else nullcontext():
        return _usecase_update(
            actor=actor,
            usecase=usecase,
            expected_version=expected_version,
            tools=tools,
            contributors=contributors,
            stage=stage,
            **changes,
        )


def _reads_verdict_inputs(tools: list[Any] | None, stage: str | None, changes: Mapping[str, Any]) -> bool:
    """Whether a change touches what the rules read (and is not refused before it starts)."""
    if "status" in changes or set(changes) - EDITABLE_FIELDS:
        return False
    return tools is not None or stage is not None or bool(set(changes) & set(VERDICT_INPUTS))


def _prospect_update(
    usecase: UseCase, stage: str | None, changes: Mapping[str, Any]
) -> tuple[UseCase, UseCase | None] | None:
    """The use case as the change will store it, unsaved, and as it is stored now (``None`` for a
    change the write refuses anyway)."""
    values = dict(changes)
    if stage is not None and stage in Stage.values:
        values["stage"] = stage
    stored = UseCase.objects.select_related("unit").filter(pk=usecase.pk).first()
    if stored is None:
        return None
    changed = UseCase.objects.select_related("unit").get(pk=usecase.pk)
    try:
        _clean_facts(values)
        for field, value in values.items():
            setattr(changed, field, value)
    except (DomainError, ValueError, TypeError):
        return None
    if changed.unit_id is None:
        return None
    return changed, stored


@write_atomic
def _usecase_update(
    *,
    actor: Actor,
    usecase: UseCase,
    expected_version: int | None = None,
    tools: Iterable[Any] | None = None,
    contributors: Iterable[Any] | None = None,
    stage: str | None = None,
    **changes: Unpack[UseCaseFields],
) -> UseCase:
    """The write of :func:`usecase_update`, in one transaction."""
    _refuse_lifecycle_fields(changes)
    check_fact_names(set(changes) - EDITABLE_FIELDS)
    values: dict[str, Any] = dict(changes)
    _clean_facts(values)
    usecase = UseCase.objects.select_for_update().select_related("unit", "owner").get(pk=usecase.pk)
    check(actor, "usecases.change_usecase", usecase)
    if "unit" in values and getattr(values["unit"], "pk", None) != usecase.unit_id:
        check(actor, "usecases.add_usecase", values["unit"])
    check_version(usecase, expected_version)
    if stage is not None and stage != usecase.stage:
        if stage not in Stage.values:
            raise DomainError(_("Choose a stage."), field="stage")
        events.emit(StageDeclared(actor=actor, usecase=usecase, stage=stage))  # the lifecycle may refuse
        values["stage"] = stage  # recorded in this change's event, with the rest
    before = usecase.audit_snapshot()
    for field, value in values.items():
        setattr(usecase, field, value)
    _full_clean(usecase)
    _check_complete(usecase)
    usecase.save()
    if tools is not None:
        usecase.tools.set(list(tools))
    if contributors is not None:
        usecase.contributors.set(list(contributors))
    after = usecase.audit_snapshot()
    if after != before:
        search.usecase_index(usecase)
        usecase.version += 1
        usecase.updated_at = clock.now()
        usecase.save(update_fields=["version", "updated_at"])
        event_record(actor=actor, action="usecase.updated", target=usecase, before=before, after=after)
        usecase = _saved(UseCaseSaved(actor=actor, usecase=usecase, before=before, after=after))
    return usecase


def _refuse_lifecycle_fields(values: Mapping[str, Any]) -> None:
    """``status`` is never set by a caller: it follows from submitting, the rules and the decisions."""
    if "status" in values:
        raise DomainError(
            _(
                "The status of a use case cannot be set directly: it changes when the use case is submitted, "
                "reviewed, approved or expires."
            ),
            field="status",
            code="lifecycle",
        )


def _saved(event: UseCaseSaved) -> UseCase:
    """Tell the apps above that a use case was saved (the guardrails evaluate it, a submission starts
    its way to a decision, a changed verdict on the way changes the way), then read what they made of it."""
    events.emit(event)
    usecase = event.usecase
    usecase.refresh_from_db()
    return usecase


def answered_unsure(usecase: UseCase) -> list[str]:
    """The single-choice facts answered with ``unsure`` (shown so someone can find out)."""
    return [fact.name for fact in FACTS if not fact.multiple and getattr(usecase, fact.name) == UNSURE]


def missing_for_submit(usecase: UseCase) -> list[str]:
    """The questions still unanswered before ``usecase`` can be submitted (in the order asked)."""
    return [
        fact.name for fact in FACTS if fact.name in REQUIRED_ON_SUBMIT and getattr(usecase, fact.name) in ("", None, [])
    ]
