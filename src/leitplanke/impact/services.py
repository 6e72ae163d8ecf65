"""Writes of the impact app: objectives, their use cases, KPIs and measurements, each with its audit event.

Objectives are recorded on themselves; links, KPIs and measurements on the use case, so its history
tells them and they are exactly as visible as the use case. ``actor=None`` is the system (the demo,
imports from the command line).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal
from typing import TypedDict, Unpack

from django.db import IntegrityError
from django.utils.translation import gettext as _

from leitplanke.audit.services import event_record
from leitplanke.common import clock, events
from leitplanke.common.actors import Actor, Person
from leitplanke.common.errors import DomainError, full_clean
from leitplanke.common.permissions import check
from leitplanke.common.transactions import write_atomic
from leitplanke.common.versioning import check_version
from leitplanke.org.models import OrgUnit
from leitplanke.usecases.models import UseCase

from .events import MeasurementRecorded, ObjectiveChanged
from .models import Kpi, KpiKind, Measurement, Objective, ObjectiveStatus
from .selectors import covers

#: The fields of an objective that ``objective_create`` and ``objective_update`` set.
OBJECTIVE_FIELDS = frozenset(
    {
        "title",
        "description",
        "owner",
        "unit",
        "metric",
        "metric_unit",
        "baseline",
        "target_value",
        "target_date",
        "status",
    }
)
#: The fields of a KPI that ``kpi_create`` and ``kpi_update`` set.
KPI_FIELDS = frozenset({"name", "kind", "custom_unit", "better_when", "baseline", "target", "target_date"})


class ObjectiveFields(TypedDict, total=False):
    """The keywords of :func:`objective_update`: every name of ``OBJECTIVE_FIELDS`` (a test keeps them the same)."""

    title: str
    description: str
    owner: Person
    unit: OrgUnit | None
    metric: str
    metric_unit: str
    baseline: Decimal | None
    target_value: Decimal
    target_date: dt.date
    status: str


class KpiFields(TypedDict, total=False):
    """The keywords of :func:`kpi_update`: every name of ``KPI_FIELDS`` (a test keeps them the same)."""

    name: str
    kind: str
    custom_unit: str
    better_when: str
    baseline: Decimal
    target: Decimal | None
    target_date: dt.date | None


def _clean_objective(objective: Objective) -> None:
    objective.title = objective.title.strip()
    objective.description = objective.description.strip()
    objective.metric = objective.metric.strip()
    objective.metric_unit = objective.metric_unit.strip()
    full_clean(objective, titles=["title"])


@write_atomic
def objective_create(
    *,
    actor: Actor,
    title: str,
    owner: Person,
    metric: str,
    target_value: Decimal,
    target_date: dt.date,
    unit: OrgUnit | None = None,
    description: str = "",
    metric_unit: str = "",
    baseline: Decimal | None = None,
    status: str = ObjectiveStatus.ACTIVE,
    is_demo: bool = False,
) -> Objective:
    """Set a strategic objective for the company (``unit`` empty) or for a unit and its sub-units."""
    objective = Objective(
        title=title,
        description=description,
        owner=owner,
        unit=unit,
        metric=metric,
        metric_unit=metric_unit,
        baseline=baseline,
        target_value=target_value,
        target_date=target_date,
        status=status,
        is_demo=is_demo,
    )
    check(actor, "impact.manage_objective", objective)
    _clean_objective(objective)
    objective.save()
    event_record(actor=actor, action="impact.objective.created", target=objective, after=objective.audit_snapshot())
    events.emit(ObjectiveChanged(actor=actor, objective=objective, change="created"))
    return objective


@write_atomic
def objective_update(
    *, actor: Actor, objective: Objective, expected_version: int | None = None, **changes: Unpack[ObjectiveFields]
) -> Objective:
    """Change an objective. Moving it to another scope needs the right for both scopes; use cases
    the new scope no longer covers stop serving it.

    With ``expected_version``, a change made by someone else in the meantime raises ``Conflict``.
    """
    check(actor, "impact.manage_objective", objective)
    unknown = set(changes) - OBJECTIVE_FIELDS
    if unknown:
        raise ValueError(f"objective_update cannot change {sorted(unknown)}")
    objective = Objective.objects.select_for_update(of=("self",)).select_related("unit", "owner").get(pk=objective.pk)
    check(actor, "impact.manage_objective", objective)
    check_version(objective, expected_version)
    before = objective.audit_snapshot()
    for name, value in changes.items():
        setattr(objective, name, value)
    check(actor, "impact.manage_objective", objective)  # the new scope, too
    _clean_objective(objective)
    after = objective.audit_snapshot()
    if after == before:
        return objective
    objective.version += 1
    objective.updated_at = clock.now()
    objective.save()
    outside = [usecase for usecase in objective.usecases.select_related("unit") if not covers(objective, usecase)]
    if outside:
        objective.usecases.remove(*outside)
        for usecase in outside:
            _record_link(actor, usecase, removed=[objective])
    event_record(actor=actor, action="impact.objective.updated", target=objective, before=before, after=after)
    events.emit(ObjectiveChanged(actor=actor, objective=objective, change="updated"))
    return objective


def _record_link(
    actor: Actor, usecase: UseCase, *, added: Iterable[Objective] = (), removed: Iterable[Objective] = ()
) -> None:
    added, removed = list(added), list(removed)
    event_record(
        actor=actor,
        action="impact.usecase.objectives_changed",
        target=usecase,
        before={"objectives": sorted(o.title for o in removed)} if removed else None,
        after={"objectives": sorted(o.title for o in added)} if added else None,
    )


@write_atomic
def usecase_objectives_set(*, actor: Actor, usecase: UseCase, objectives: Iterable[Objective]) -> list[Objective]:
    """Name the objectives ``usecase`` serves (replacing the earlier choice).

    Only objectives whose scope covers the use case's unit; newly named ones must be active.
    """
    check(actor, "impact.link_objective", usecase)
    usecase = UseCase.objects.select_related("unit").get(pk=usecase.pk)
    wanted = {o.pk: o for o in Objective.objects.filter(pk__in=[o.pk for o in objectives]).select_related("unit")}
    current = {o.pk: o for o in usecase.objectives.select_related("unit")}
    added = [o for pk, o in wanted.items() if pk not in current]
    removed = [o for pk, o in current.items() if pk not in wanted]
    for objective in added:
        if not covers(objective, usecase):
            raise DomainError(
                _("“%(title)s” is set for another unit; this use case cannot serve it.") % {"title": objective.title},
                field="objectives",
            )
        if objective.status != ObjectiveStatus.ACTIVE:
            raise DomainError(_("“%(title)s” is no longer pursued.") % {"title": objective.title}, field="objectives")
    if not added and not removed:
        return list(wanted.values())
    for objective in added:
        objective.usecases.add(usecase)
    for objective in removed:
        objective.usecases.remove(usecase)
    _record_link(actor, usecase, added=added, removed=removed)
    for objective in [*added, *removed]:
        events.emit(ObjectiveChanged(actor=actor, objective=objective, change="linked"))
    return list(wanted.values())


def _clean_kpi(kpi: Kpi) -> None:
    kpi.name = kpi.name.strip()
    kpi.custom_unit = kpi.custom_unit.strip()
    if kpi.kind == KpiKind.CUSTOM and not kpi.custom_unit:
        raise DomainError(_("Name the unit of measure of this KPI."), field="custom_unit")
    if kpi.kind != KpiKind.CUSTOM:
        kpi.custom_unit = ""
    full_clean(kpi, titles=["name"], validate_constraints=False)
    if Kpi.objects.filter(usecase_id=kpi.usecase_id, name__iexact=kpi.name).exclude(pk=kpi.pk).exists():
        raise _name_taken()


def _name_taken() -> DomainError:
    return DomainError(_("This use case already has a KPI of this name."), field="name")


def _save(obj: Kpi | Measurement, error: DomainError) -> None:
    try:
        with write_atomic():
            obj.save()
    except IntegrityError as exc:
        raise error from exc


@write_atomic
def kpi_create(
    *,
    actor: Actor,
    usecase: UseCase,
    name: str,
    kind: str,
    baseline: Decimal,
    better_when: str = "higher",
    custom_unit: str = "",
    target: Decimal | None = None,
    target_date: dt.date | None = None,
    is_demo: bool = False,
) -> Kpi:
    """Define a KPI of ``usecase``; its measurements then show the realised benefit."""
    check(actor, "impact.manage_kpi", usecase)
    kpi = Kpi(
        usecase=usecase,
        name=name,
        kind=kind,
        custom_unit=custom_unit,
        better_when=better_when,
        baseline=baseline,
        target=target,
        target_date=target_date,
        is_demo=is_demo,
    )
    _clean_kpi(kpi)
    _save(kpi, _name_taken())
    event_record(
        actor=actor, action="impact.kpi.created", target=usecase, after={"kpi": kpi.name} | kpi.audit_snapshot()
    )
    return kpi


@write_atomic
def kpi_update(*, actor: Actor, kpi: Kpi, expected_version: int | None = None, **changes: Unpack[KpiFields]) -> Kpi:
    """Change a KPI; with ``expected_version``, a change by someone else in between raises ``Conflict``."""
    check(actor, "impact.manage_kpi", kpi)
    unknown = set(changes) - KPI_FIELDS
    if unknown:
        raise ValueError(f"kpi_update cannot change {sorted(unknown)}")
    kpi = Kpi.objects.select_for_update(of=("self",)).select_related("usecase").get(pk=kpi.pk)
    check_version(kpi, expected_version)
    before = kpi.audit_snapshot()
    for name, value in changes.items():
        setattr(kpi, name, value)
    _clean_kpi(kpi)
    after = kpi.audit_snapshot()
    if after == before:
        return kpi
    kpi.version += 1
    kpi.updated_at = clock.now()
    _save(kpi, _name_taken())
    event_record(actor=actor, action="impact.kpi.updated", target=kpi.usecase, before=before, after=after)
    return kpi


@write_atomic
def kpi_delete(*, actor: Actor, kpi: Kpi, expected_version: int | None = None) -> None:
    """Remove a KPI with its measurements; the audit trail keeps what it was."""
    check(actor, "impact.manage_kpi", kpi)
    kpi = Kpi.objects.select_for_update(of=("self",)).select_related("usecase").get(pk=kpi.pk)
    check_version(kpi, expected_version)
    before = kpi.audit_snapshot() | {"measurements": kpi.measurements.count()}
    usecase = kpi.usecase
    kpi.delete()
    event_record(actor=actor, action="impact.kpi.deleted", target=usecase, before=before)


def _measurement(kpi: Kpi, *, actor: Actor, measured_on: dt.date, value: Decimal, note: str) -> Measurement:
    if measured_on > clock.localdate():
        raise DomainError(_("A measurement cannot lie in the future."), field="measured_on")
    measurement = Measurement(kpi=kpi, measured_on=measured_on, value=value, note=note.strip(), recorded_by=actor)
    full_clean(measurement, validate_constraints=False)
    if Measurement.objects.filter(kpi=kpi, measured_on=measured_on).exists():
        raise _measured_already()
    return measurement


def _measured_already() -> DomainError:
    return DomainError(_("This KPI already has a measurement for this day."), field="measured_on")


@write_atomic
def measurement_record(
    *,
    actor: Actor,
    kpi: Kpi,
    measured_on: dt.date,
    value: Decimal,
    note: str = "",
    expected_version: int | None = None,
) -> Measurement:
    """Record the value ``kpi`` had on ``measured_on``.

    With ``expected_version`` (the KPI's version the caller saw, as ``If-Match`` in the API), a KPI
    changed in the meantime (its baseline or target) raises ``Conflict``.
    """
    check(actor, "impact.manage_kpi", kpi)
    kpi = Kpi.objects.select_for_update(of=("self",)).select_related("usecase").get(pk=kpi.pk)
    check_version(kpi, expected_version)
    measurement = _measurement(kpi, actor=actor, measured_on=measured_on, value=value, note=note)
    _save(measurement, _measured_already())
    event_record(
        actor=actor, action="impact.measurement.recorded", target=kpi.usecase, after=measurement.audit_snapshot()
    )
    events.emit(MeasurementRecorded(actor=actor, measurement=measurement))
    return measurement


@write_atomic
def measurement_delete(*, actor: Actor, measurement: Measurement) -> None:
    """Remove a measurement recorded by mistake; the audit trail keeps what it said."""
    check(actor, "impact.manage_kpi", measurement.kpi)
    before = measurement.audit_snapshot()
    usecase = measurement.kpi.usecase
    measurement.delete()
    event_record(actor=actor, action="impact.measurement.deleted", target=usecase, before=before)
