"""Writes to the use-case registry, each with its audit event."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.utils.translation import gettext as _

from leitplanke.audit.services import event_record
from leitplanke.common.errors import DomainError, full_clean
from leitplanke.common.transactions import write_atomic
from leitplanke.common.versioning import check_version
from leitplanke.guardrails.evaluators import prepared_verdicts
from leitplanke.guardrails.services import verdict_prepare, verdict_prepare_needed, verdict_refresh

from . import search
from .facts import FACTS, FACTS_BY_NAME, UNSURE, check_fact_names
from .models import SUBMITTABLE, WRITING, Stage, Status, UseCase

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
    actor: Any,
    tools: Iterable[Any] = (),
    contributors: Iterable[Any] = (),
    submit: bool = False,
    stage: str = Stage.IDEA,
    **fields: Any,
) -> UseCase:
    """Register a use case: a draft, or submitted at once with ``submit`` (every question answered).

    ``stage`` is how far the use case has come when it is registered (retired for a register's
    old entries). The answers are keyword arguments by fact name; a name that is neither a field
    nor a question is a :class:`DomainError` (``unknown_fact``) naming it, never dropped, and
    ``status`` is refused (``lifecycle``): only the lifecycle moves it.
    """
    tools = list(tools)
    with prepared_verdicts():
        _prepare_create(tools, stage, fields)
        return _usecase_create(
            actor=actor, tools=tools, contributors=contributors, submit=submit, stage=stage, **fields
        )


def _prepare_create(tools: list[Any], stage: str, fields: dict[str, Any]) -> None:
    """The verdict of the use case about to be registered, evaluated before the write lock (a
    request the write refuses anyway is left to it)."""
    if "status" in fields or set(fields) - EDITABLE_FIELDS or stage not in Stage.values or not fields.get("unit"):
        return
    values = dict(fields)
    try:
        _clean_facts(values)
        usecase = UseCase(stage=stage, **values)
    except (DomainError, ValueError, TypeError):
        return
    verdict_prepare(usecase=usecase, tools=tools)


@write_atomic
def _usecase_create(
    *,
    actor: Any,
    tools: Iterable[Any] = (),
    contributors: Iterable[Any] = (),
    submit: bool = False,
    stage: str = Stage.IDEA,
    **fields: Any,
) -> UseCase:
    """The write of :func:`usecase_create`, in one transaction."""
    _refuse_lifecycle_fields(fields)
    check_fact_names(set(fields) - EDITABLE_FIELDS)
    if stage not in Stage.values:
        raise DomainError(_("Choose a stage."), field="stage")
    _clean_facts(fields)
    status = Status.SUBMITTED if submit else Status.DRAFT
    usecase = UseCase(created_by=actor if getattr(actor, "pk", None) else None, status=status, stage=stage, **fields)
    _full_clean(usecase)
    _check_complete(usecase)
    usecase.save()
    tools = list(tools)
    usecase.tools.set(tools)
    usecase.contributors.set(list(contributors))
    search.usecase_index(usecase)
    event_record(actor=actor, action="usecase.created", target=usecase, after=usecase.audit_snapshot())
    verdict_refresh(usecase=usecase, actor=actor, tools=tools, new=True)
    return _follow_decision(actor, usecase, before_status=Status.DRAFT)


def usecase_update(
    *,
    actor: Any,
    usecase: UseCase,
    expected_version: int | None = None,
    tools: Iterable[Any] | None = None,
    contributors: Iterable[Any] | None = None,
    stage: str | None = None,
    **changes: Any,
) -> UseCase:
    """Change a use case; with ``expected_version``, someone else's change in between is a
    :class:`~leitplanke.common.errors.Conflict` instead of being overwritten. Answers as in
    :func:`usecase_create`: an unknown name changes nothing and is a :class:`DomainError`.

    ``stage`` is the stage the owning unit declares while the use case is not approved (or
    retired); an approved one moves on only through ``decisions.lifecycle``. ``status`` is refused:
    submitting is :func:`usecase_submit`, the rest is the decision workflow's."""
    tools = list(tools) if tools is not None else None
    with prepared_verdicts():
        _prepare_update(usecase, tools, stage, changes)
        return _usecase_update(
            actor=actor,
            usecase=usecase,
            expected_version=expected_version,
            tools=tools,
            contributors=contributors,
            stage=stage,
            **changes,
        )


def _prepare_update(usecase: UseCase, tools: list[Any] | None, stage: str | None, changes: dict[str, Any]) -> None:
    """The verdict the change will store, evaluated before the write lock when a verdict input changes."""
    if (
        "status" in changes
        or set(changes) - EDITABLE_FIELDS
        or not (tools is not None or stage is not None or set(changes) & set(VERDICT_INPUTS))
        or not verdict_prepare_needed()
    ):
        return
    values = dict(changes)
    if stage is not None and stage in Stage.values:
        values["stage"] = stage
    stored = UseCase.objects.select_related("unit").filter(pk=usecase.pk).first()
    if stored is None:
        return
    changed = UseCase.objects.select_related("unit").get(pk=usecase.pk)
    try:
        _clean_facts(values)
        for field, value in values.items():
            setattr(changed, field, value)
    except (DomainError, ValueError, TypeError):
        return
    if changed.unit_id is None:
        return
    verdict_prepare(usecase=changed, tools=tools, stored=stored)


@write_atomic
def _usecase_update(
    *,
    actor: Any,
    usecase: UseCase,
    expected_version: int | None = None,
    tools: Iterable[Any] | None = None,
    contributors: Iterable[Any] | None = None,
    stage: str | None = None,
    **changes: Any,
) -> UseCase:
    """The write of :func:`usecase_update`, in one transaction."""
    from leitplanke.decisions.transitions import Cause, transition_check

    _refuse_lifecycle_fields(changes)
    check_fact_names(set(changes) - EDITABLE_FIELDS)
    _clean_facts(changes)
    usecase = UseCase.objects.select_for_update().select_related("unit", "owner").get(pk=usecase.pk)
    check_version(usecase, expected_version)
    if stage is not None and stage != usecase.stage:
        if stage not in Stage.values:
            raise DomainError(_("Choose a stage."), field="stage")
        transition_check(actor=actor, usecase=usecase, cause=Cause.DECLARE, stage=stage)
        changes["stage"] = stage  # recorded in this change's event, with the rest
    before = usecase.audit_snapshot()
    for field, value in changes.items():
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
        usecase.save(update_fields=["version"])
        event_record(actor=actor, action="usecase.updated", target=usecase, before=before, after=after)
        if any(before.get(name) != after.get(name) for name in VERDICT_INPUTS):
            verdict_refresh(usecase=usecase, actor=actor)
        usecase = _follow_decision(actor, usecase, before_status=str(before["status"]))
    return usecase


def _refuse_lifecycle_fields(values: dict[str, Any]) -> None:
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


def _follow_decision(actor: Any, usecase: UseCase, *, before_status: str) -> UseCase:
    """A submission starts the way to a decision; a changed verdict on the way changes the way.

    Part of the caller's change, which counted the version already (or created the use case).
    """
    from leitplanke.decisions import services as decisions

    if usecase.status == Status.SUBMITTED and before_status != Status.SUBMITTED:
        return decisions.usecase_route(actor=actor, usecase=usecase, bump_version=False)
    if usecase.status in decisions.UNDER_DECISION:
        return decisions.usecase_reroute(actor=actor, usecase=usecase, bump_version=False)
    return usecase


def answered_unsure(usecase: UseCase) -> list[str]:
    """The single-choice facts answered with ``unsure`` (shown so someone can find out)."""
    return [fact.name for fact in FACTS if not fact.multiple and getattr(usecase, fact.name) == UNSURE]


def missing_for_submit(usecase: UseCase) -> list[str]:
    """The questions still unanswered before ``usecase`` can be submitted (in the order asked)."""
    return [
        fact.name for fact in FACTS if fact.name in REQUIRED_ON_SUBMIT and getattr(usecase, fact.name) in ("", None, [])
    ]


@write_atomic
def usecase_submit(*, actor: Any, usecase: UseCase, expected_version: int | None = None) -> UseCase:
    """Submit a use case for a decision: every question must be answered ("I am not sure" counts);
    else a :class:`DomainError` names the first open question and nothing changes. The verdict then
    sets the way: blocked, the team lead's approval, or reviews first (``decisions.usecase_route``)."""
    from leitplanke.decisions import services as decisions
    from leitplanke.decisions.transitions import Cause, usecase_transition

    if usecase.status not in SUBMITTABLE:
        raise DomainError(_("This use case is already on its way to a decision."), code="state")
    usecase = UseCase.objects.select_for_update().select_related("unit", "owner").get(pk=usecase.pk)
    check_version(usecase, expected_version)
    if usecase.status == Status.SUBMITTED:  # registered before decisions existed: start the way now
        return decisions.usecase_route(actor=actor, usecase=usecase)
    usecase_transition(
        actor=actor, usecase=usecase, cause=Cause.SUBMIT, to=Status.SUBMITTED, action="usecase.submitted", snapshot=True
    )
    search.usecase_index(usecase)
    return decisions.usecase_route(actor=actor, usecase=usecase, bump_version=False)
