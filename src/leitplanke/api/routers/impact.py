"""``/api/v1/objectives``, ``/api/v1/usecases/{id}/objectives``, ``/api/v1/usecases/{id}/kpis`` and
``/api/v1/kpis``: the strategic objectives, the objectives a use case serves, its KPIs and their
measurements with the realised benefit.

Reads and writes follow the impact app's permissions: every signed-in person reads the objectives,
leadership sets them (``impact.manage_objective``); KPIs and measurements are read by whoever reads
the use case (404 for everybody else) and maintained by its owning unit, its owner and its
contributors (403 for the others who see it). Writes go through ``impact.services``.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema

from leitplanke.common.errors import DomainError, NotFound
from leitplanke.common.permissions import check
from leitplanke.impact import services
from leitplanke.impact.models import BetterWhen, Kpi, KpiKind, Measurement, Objective, ObjectiveStatus
from leitplanke.impact.selectors import (
    Benefit,
    benefit,
    kpis_visible_to,
    latest_measurements,
    objectives_visible_to,
)
from leitplanke.org.selectors import people_visible_to
from leitplanke.usecases import selectors as usecase_selectors
from leitplanke.usecases.models import UseCase

from ..concurrency import object_response, require_current
from ..schemas import PersonOut, UnitOut
from .common import (
    DEFAULT_LIMIT,
    MAX_LIMIT,
    MAX_REACHABLE,
    Text,
    body_fields,
    caller,
    capped_page,
    max_length,
    problems,
    unit_for_field,
)

objectives = Router(tags=["objectives"])
usecase_impact = Router(tags=["objectives", "KPIs"])
kpis = Router(tags=["KPIs"])

MAX_TEXT = 20_000


def _amount(value: Decimal | None) -> float | None:
    return float(value) if value is not None else None


# --- objectives -------------------------------------------------------------------------------------


class ObjectiveOut(Schema):
    """A strategic objective: what the company (or a unit with its sub-units) wants AI to achieve."""

    id: int
    title: str
    description: str
    owner: PersonOut
    unit: UnitOut | None = Field(description="The unit it is set for, with its sub-units; null: the whole company.")
    metric: str
    metric_unit: str
    baseline: float | None
    target_value: float
    target_date: date
    status: ObjectiveStatus
    usecases: int = Field(description="How many use cases serve it (also those the caller may not see).")
    is_demo: bool
    version: int = Field(description="Counts the changes; the ETag of the single objective contains it.")
    created: datetime
    updated: datetime


class ObjectivePage(Schema):
    """One page of objectives, by target date."""

    items: list[ObjectiveOut]
    count: int
    count_capped: bool
    limit: int
    offset: int


class ObjectiveFilters(Schema):
    """Filters of the objective list."""

    status: ObjectiveStatus | None = None
    unserved: bool = Field(False, description="Only active objectives no use case serves yet (the gaps).")
    limit: int = Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT)
    offset: int = Field(0, ge=0, le=MAX_REACHABLE - MAX_LIMIT)


class ObjectiveIn(Schema):
    """A new objective; ``owner`` defaults to the caller, ``unit`` (a code) to the whole company."""

    title: Text = Field(max_length=max_length(Objective, "title"))
    description: Text = Field("", max_length=MAX_TEXT)
    owner: Text | None = Field(None, description="User name of the person responsible (default: the caller).")
    unit: Text | None = Field(None, description="Code of the unit it is set for; null: the whole company.")
    metric: Text = Field(max_length=max_length(Objective, "metric"))
    metric_unit: Text = Field("", max_length=max_length(Objective, "metric_unit"))
    baseline: Decimal | None = Field(None, max_digits=14, decimal_places=2)
    target_value: Decimal = Field(max_digits=14, decimal_places=2)
    target_date: date
    status: ObjectiveStatus = ObjectiveStatus.ACTIVE


class ObjectivePatchIn(Schema):
    """The fields of an objective to change (``unit`` null: the whole company)."""

    title: Text = Field(None, max_length=max_length(Objective, "title"))  # type: ignore[assignment]
    description: Text = Field(None, max_length=MAX_TEXT)  # type: ignore[assignment]
    owner: Text = Field(None)  # type: ignore[assignment]
    unit: Text | None = Field(None)
    metric: Text = Field(None, max_length=max_length(Objective, "metric"))  # type: ignore[assignment]
    metric_unit: Text = Field(None, max_length=max_length(Objective, "metric_unit"))  # type: ignore[assignment]
    baseline: Decimal | None = Field(None, max_digits=14, decimal_places=2)
    target_value: Decimal = Field(None, max_digits=14, decimal_places=2)  # type: ignore[assignment]
    target_date: date = Field(None)  # type: ignore[assignment]
    status: ObjectiveStatus = Field(None)  # type: ignore[assignment]


def _person(person: Any) -> dict[str, str]:
    return {"username": person.username, "name": str(person)}


def _objective_out(objective: Objective) -> ObjectiveOut:
    unit = objective.unit
    return ObjectiveOut.model_validate(
        {
            "id": objective.pk,
            "title": objective.title,
            "description": objective.description,
            "owner": _person(objective.owner),
            "unit": {"code": unit.code, "name": unit.name} if unit is not None else None,
            "metric": objective.metric,
            "metric_unit": objective.metric_unit,
            "baseline": _amount(objective.baseline),
            "target_value": _amount(objective.target_value),
            "target_date": objective.target_date,
            "status": objective.status,
            "usecases": objective.usecases.count(),
            "is_demo": objective.is_demo,
            "version": objective.version,
            "created": objective.created_at,
            "updated": objective.updated_at,
        }
    )


def _objective_by_id(user: Any, objective_id: int) -> Objective:
    objective = objectives_visible_to(user).filter(pk=objective_id).first()
    if objective is None:
        raise NotFound(_("There is no objective with this id."))
    return objective


def _objective_response(request: HttpRequest, objective_id: int, *, status: int = 200) -> HttpResponse:
    objective = _objective_by_id(caller(request), objective_id)
    payload = _objective_out(objective)
    return object_response(request, pk=objective.pk, version=objective.version, payload=payload, status=status)


def _owner_field(user: Any, username: str) -> Any:
    person = people_visible_to(user).filter(is_active=True, username=username).first()
    if person is None:
        raise DomainError(_("Nobody with this user name was found."), field="body.owner", code="unknown_person")
    return person


@objectives.get("", response={200: ObjectivePage, **problems(401, 422)}, summary="List objectives")
def objective_list(request: HttpRequest, filters: Query[ObjectiveFilters]) -> dict[str, Any]:
    """Every objective (they are the company's direction), by target date; ``unserved`` lists the gaps."""
    found = objectives_visible_to(caller(request))
    if filters.status is not None:
        found = found.filter(status=filters.status)
    if filters.unserved:
        found = found.filter(status=ObjectiveStatus.ACTIVE, usecases__isnull=True)
    found = found.order_by("target_date", "title", "pk")
    return capped_page(found, limit=filters.limit, offset=filters.offset, item=_objective_out)


@objectives.get(
    "/{int:objective_id}",
    response={200: ObjectiveOut, 304: None, **problems(401, 404, 422)},
    summary="Read an objective",
)
def objective_read(request: HttpRequest, objective_id: int) -> HttpResponse:
    """One objective with an ``ETag`` (304 on ``If-None-Match``)."""
    return _objective_response(request, objective_id)


@objectives.post("", response={201: ObjectiveOut, **problems(400, 401, 403, 422)}, summary="Set an objective")
def objective_create(request: HttpRequest, payload: ObjectiveIn) -> HttpResponse:
    """Set an objective (leadership: company-wide for any scope, of a unit for that unit and below it).

    Audited as ``impact.objective.created``; sends the webhook ``objective.changed``.
    """
    user = caller(request)
    check(user, "impact.manage_objective")
    data = payload.model_dump()
    data["owner"] = _owner_field(user, data["owner"]) if data["owner"] else user
    data["unit"] = unit_for_field(user, data["unit"], "body.unit")
    with body_fields():
        objective = services.objective_create(actor=user, **data)
    response = _objective_response(request, objective.pk, status=201)
    response["Location"] = f"{request.path.rstrip('/')}/{objective.pk}"
    return response


@objectives.patch(
    "/{int:objective_id}",
    response={200: ObjectiveOut, **problems(400, 401, 403, 404, 409, 412, 422, 428)},
    summary="Change an objective",
)
def objective_update(request: HttpRequest, objective_id: int, payload: ObjectivePatchIn) -> HttpResponse:
    """Change an objective (leadership for its scope, and for the new one); needs ``If-Match``.

    Use cases outside a new scope stop serving it. Audited as ``impact.objective.updated``.
    """
    user = caller(request)
    objective = _objective_by_id(user, objective_id)
    check(user, "impact.manage_objective", objective)
    require_current(request, pk=objective.pk, version=objective.version, payload=_objective_out(objective))
    changes = payload.model_dump(exclude_unset=True)
    for field, value in changes.items():
        if value is None and field not in ("unit", "baseline"):
            raise DomainError(_("This field cannot be empty."), field=f"body.{field}", code="required")
    if "owner" in changes:
        changes["owner"] = _owner_field(user, changes["owner"])
    if "unit" in changes:
        changes["unit"] = unit_for_field(user, changes["unit"], "body.unit")
    with body_fields():
        services.objective_update(actor=user, objective=objective, expected_version=objective.version, **changes)
    return _objective_response(request, objective.pk)


# --- the objectives a use case serves ---------------------------------------------------------------


class ObjectiveRefOut(Schema):
    """An objective a use case serves."""

    id: int
    title: str
    status: ObjectiveStatus


class UseCaseObjectivesOut(Schema):
    """The objectives a use case serves."""

    usecase_id: int
    objectives: list[ObjectiveRefOut]


class UseCaseObjectivesIn(Schema):
    """The ids of every objective the use case serves (replacing the earlier choice)."""

    objectives: list[int] = Field(max_length=100)


def _links_out(usecase: UseCase) -> UseCaseObjectivesOut:
    served = usecase.objectives.order_by("target_date", "title", "pk")
    return UseCaseObjectivesOut.model_validate(
        {
            "usecase_id": usecase.pk,
            "objectives": [{"id": o.pk, "title": o.title, "status": o.status} for o in served],
        }
    )


def _links_response(request: HttpRequest, usecase: UseCase) -> HttpResponse:
    return object_response(request, pk=usecase.pk, version=usecase.version, payload=_links_out(usecase))


@usecase_impact.get(
    "/{int:usecase_id}/objectives",
    response={200: UseCaseObjectivesOut, 304: None, **problems(401, 404, 422)},
    summary="Read the objectives a use case serves",
)
def usecase_objectives_read(request: HttpRequest, usecase_id: int) -> HttpResponse:
    """The objectives the use case serves, with an ``ETag``."""
    return _links_response(request, usecase_selectors.usecase_for_viewer(caller(request), usecase_id))


@usecase_impact.put(
    "/{int:usecase_id}/objectives",
    response={200: UseCaseObjectivesOut, **problems(400, 401, 403, 404, 412, 422, 428)},
    summary="Name the objectives a use case serves",
)
def usecase_objectives_replace(request: HttpRequest, usecase_id: int, payload: UseCaseObjectivesIn) -> HttpResponse:
    """All objectives the use case serves at once (whoever may change the use case); needs the ``If-Match``
    of ``GET …/objectives``. Only objectives whose scope covers the use case's unit; newly named ones must
    be active. Audited as ``impact.usecase.objectives_changed``."""
    user = caller(request)
    usecase = usecase_selectors.usecase_for_viewer(user, usecase_id)
    check(user, "impact.link_objective", usecase)
    require_current(request, pk=usecase.pk, version=usecase.version, payload=_links_out(usecase))
    wanted = list(objectives_visible_to(user).filter(pk__in=payload.objectives))
    unknown = sorted(set(payload.objectives) - {o.pk for o in wanted})
    if unknown:
        raise DomainError(
            _("There is no objective with this id: %(ids)s") % {"ids": ", ".join(map(str, unknown))},
            field="body.objectives",
            code="unknown_objective",
        )
    with body_fields():
        services.usecase_objectives_set(actor=user, usecase=usecase, objectives=wanted)
    return _links_response(request, usecase_selectors.usecase_for_viewer(user, usecase.pk))


# --- KPIs -------------------------------------------------------------------------------------------


class LatestOut(Schema):
    """The latest measurement of a KPI."""

    measured_on: date
    value: float


class RealisedOut(Schema):
    """The realised benefit: the latest measurement against the baseline (and the target)."""

    improvement: float = Field(description="How much better than the baseline, in the KPI's unit (negative: worse).")
    progress_percent: float | None = Field(description="The share of the way from baseline to target reached.")
    hours_per_month: float | None = Field(description="For hours saved per month.")
    eur_per_year: float | None = Field(description="Euros per year: cost saved, or hours at the company rate.")
    on_track: bool | None


class KpiOut(Schema):
    """A KPI of a use case with its latest measurement and the benefit it shows."""

    id: int
    usecase_id: int
    name: str
    kind: KpiKind
    custom_unit: str
    measure_unit: str = Field(description="The unit the values are given in.")
    better_when: BetterWhen
    baseline: float
    target: float | None
    target_date: date | None
    latest: LatestOut | None
    realised: RealisedOut | None = Field(description="Null until the first measurement.")
    is_demo: bool
    version: int = Field(description="Counts the changes; the ETag of the single KPI contains it.")


class KpiList(Schema):
    """The KPIs of a use case, by name."""

    items: list[KpiOut]


class KpiIn(Schema):
    """A new KPI of the use case."""

    name: Text = Field(max_length=max_length(Kpi, "name"))
    kind: KpiKind
    custom_unit: Text = Field("", max_length=max_length(Kpi, "custom_unit"), description="Only for ``custom``.")
    better_when: BetterWhen = BetterWhen.HIGHER
    baseline: Decimal = Field(max_digits=14, decimal_places=2)
    target: Decimal | None = Field(None, max_digits=14, decimal_places=2)
    target_date: date | None = None


class KpiPatchIn(Schema):
    """The fields of a KPI to change."""

    name: Text = Field(None, max_length=max_length(Kpi, "name"))  # type: ignore[assignment]
    kind: KpiKind = Field(None)  # type: ignore[assignment]
    custom_unit: Text = Field(None, max_length=max_length(Kpi, "custom_unit"))  # type: ignore[assignment]
    better_when: BetterWhen = Field(None)  # type: ignore[assignment]
    baseline: Decimal = Field(None, max_digits=14, decimal_places=2)  # type: ignore[assignment]
    target: Decimal | None = Field(None, max_digits=14, decimal_places=2)
    target_date: date | None = None


def _realised(shown: Benefit) -> dict[str, Any] | None:
    if shown.improvement is None:
        return None
    return {
        "improvement": _amount(shown.improvement),
        "progress_percent": _amount(shown.progress_percent),
        "hours_per_month": _amount(shown.hours_per_month),
        "eur_per_year": _amount(shown.eur_per_year),
        "on_track": shown.on_track,
    }


def _kpi_out(kpi: Kpi, latest: Measurement | None) -> KpiOut:
    shown = benefit(kpi, latest)
    return KpiOut.model_validate(
        {
            "id": kpi.pk,
            "usecase_id": kpi.usecase_id,
            "name": kpi.name,
            "kind": kpi.kind,
            "custom_unit": kpi.custom_unit,
            "measure_unit": kpi.measure_unit,
            "better_when": kpi.better_when,
            "baseline": _amount(kpi.baseline),
            "target": _amount(kpi.target),
            "target_date": kpi.target_date,
            "latest": {"measured_on": latest.measured_on, "value": _amount(latest.value)} if latest else None,
            "realised": _realised(shown),
            "is_demo": kpi.is_demo,
            "version": kpi.version,
        }
    )


def _kpi_current(kpi: Kpi) -> KpiOut:
    return _kpi_out(kpi, latest_measurements([kpi]).get(kpi.pk))


def _kpi_by_id(user: Any, kpi_id: int) -> Kpi:
    kpi = kpis_visible_to(user).select_related("usecase", "usecase__unit").filter(pk=kpi_id).first()
    if kpi is None:
        raise NotFound(_("There is no KPI with this id."))
    return kpi


def _kpi_response(request: HttpRequest, kpi_id: int, *, status: int = 200) -> HttpResponse:
    kpi = _kpi_by_id(caller(request), kpi_id)
    return object_response(request, pk=kpi.pk, version=kpi.version, payload=_kpi_current(kpi), status=status)


@usecase_impact.get(
    "/{int:usecase_id}/kpis",
    response={200: KpiList, **problems(401, 404, 422)},
    summary="List the KPIs of a use case",
)
def usecase_kpi_list(request: HttpRequest, usecase_id: int) -> dict[str, Any]:
    """Every KPI of the use case with its latest measurement and realised benefit, by name."""
    usecase = usecase_selectors.usecase_for_viewer(caller(request), usecase_id)
    found = list(usecase.kpis.order_by("name", "pk"))
    latest = latest_measurements(found)
    return {"items": [_kpi_out(kpi, latest.get(kpi.pk)) for kpi in found]}


@usecase_impact.post(
    "/{int:usecase_id}/kpis",
    response={201: KpiOut, **problems(400, 401, 403, 404, 422)},
    summary="Define a KPI of a use case",
)
def usecase_kpi_create(request: HttpRequest, usecase_id: int, payload: KpiIn) -> HttpResponse:
    """A new KPI (the owning unit, the owner and the contributors); names are unique per use case
    regardless of case. Audited as ``impact.kpi.created`` on the use case."""
    user = caller(request)
    usecase = usecase_selectors.usecase_for_viewer(user, usecase_id)
    check(user, "impact.manage_kpi", usecase)
    with body_fields():
        kpi = services.kpi_create(actor=user, usecase=usecase, **payload.model_dump())
    response = _kpi_response(request, kpi.pk, status=201)
    response["Location"] = f"/api/v1/kpis/{kpi.pk}"
    return response


@kpis.get(
    "/{int:kpi_id}",
    response={200: KpiOut, 304: None, **problems(401, 404, 422)},
    summary="Read a KPI",
)
def kpi_read(request: HttpRequest, kpi_id: int) -> HttpResponse:
    """One KPI with its latest measurement and realised benefit, with an ``ETag``.

    The tag changes with each new measurement, too.
    """
    return _kpi_response(request, kpi_id)


def _maintained(request: HttpRequest, kpi_id: int) -> Kpi:
    """A KPI the caller maintains, whose ``If-Match`` names its current tag (404, 403, 428, 412)."""
    user = caller(request)
    kpi = _kpi_by_id(user, kpi_id)
    check(user, "impact.manage_kpi", kpi)
    require_current(request, pk=kpi.pk, version=kpi.version, payload=_kpi_current(kpi))
    return kpi


@kpis.patch(
    "/{int:kpi_id}",
    response={200: KpiOut, **problems(400, 401, 403, 404, 409, 412, 422, 428)},
    summary="Change a KPI",
)
def kpi_update(request: HttpRequest, kpi_id: int, payload: KpiPatchIn) -> HttpResponse:
    """Change a KPI (the owning unit, the owner and the contributors); needs ``If-Match``.

    Audited as ``impact.kpi.updated`` on the use case.
    """
    kpi = _maintained(request, kpi_id)
    changes = payload.model_dump(exclude_unset=True)
    for field, value in changes.items():
        if value is None and field not in ("target", "target_date"):
            raise DomainError(_("This field cannot be empty."), field=f"body.{field}", code="required")
    with body_fields():
        services.kpi_update(actor=caller(request), kpi=kpi, expected_version=kpi.version, **changes)
    return _kpi_response(request, kpi.pk)


@kpis.delete(
    "/{int:kpi_id}",
    response={204: None, **problems(401, 403, 404, 409, 412, 422, 428)},
    summary="Remove a KPI",
)
def kpi_delete(request: HttpRequest, kpi_id: int) -> HttpResponse:
    """Remove a KPI with its measurements; needs ``If-Match``. The audit trail keeps what it was
    (``impact.kpi.deleted`` on the use case)."""
    kpi = _maintained(request, kpi_id)
    services.kpi_delete(actor=caller(request), kpi=kpi, expected_version=kpi.version)
    return HttpResponse(status=204)


# --- measurements -----------------------------------------------------------------------------------


class MeasurementOut(Schema):
    """The value a KPI had on a day."""

    id: int
    kpi_id: int
    measured_on: date
    value: float
    note: str
    recorded_by: PersonOut | None
    recorded: datetime


class MeasurementPage(Schema):
    """One page of a KPI's measurements, newest first."""

    items: list[MeasurementOut]
    count: int
    count_capped: bool
    limit: int
    offset: int


class MeasurementFilters(Schema):
    """Paging and a date range of the measurements."""

    since: date | None = Field(None, description="Measured on this day or later.")
    until: date | None = Field(None, description="Measured on this day or earlier.")
    limit: int = Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT)
    offset: int = Field(0, ge=0, le=MAX_REACHABLE - MAX_LIMIT)


class MeasurementIn(Schema):
    """A measurement: the value the KPI had on a day (not in the future; one per day)."""

    measured_on: date
    value: Decimal = Field(max_digits=14, decimal_places=2)
    note: Text = Field("", max_length=max_length(Measurement, "note"))


def _measurement_out(measurement: Measurement) -> dict[str, Any]:
    person = measurement.recorded_by
    return {
        "id": measurement.pk,
        "kpi_id": measurement.kpi_id,
        "measured_on": measurement.measured_on,
        "value": _amount(measurement.value),
        "note": measurement.note,
        "recorded_by": _person(person) if person is not None else None,
        "recorded": measurement.created_at,
    }


@kpis.get(
    "/{int:kpi_id}/measurements",
    response={200: MeasurementPage, **problems(401, 404, 422)},
    summary="List the measurements of a KPI",
)
def measurement_list(request: HttpRequest, kpi_id: int, filters: Query[MeasurementFilters]) -> dict[str, Any]:
    """The measurements of a KPI, newest first."""
    kpi = _kpi_by_id(caller(request), kpi_id)
    found = kpi.measurements.select_related("recorded_by")
    if filters.since is not None:
        found = found.filter(measured_on__gte=filters.since)
    if filters.until is not None:
        found = found.filter(measured_on__lte=filters.until)
    found = found.order_by("-measured_on", "-pk")
    return capped_page(found, limit=filters.limit, offset=filters.offset, item=_measurement_out)


@kpis.post(
    "/{int:kpi_id}/measurements",
    response={201: MeasurementOut, **problems(400, 401, 403, 404, 409, 412, 422, 428)},
    summary="Record a measurement",
)
def measurement_create(request: HttpRequest, kpi_id: int, payload: MeasurementIn) -> HttpResponse:
    """Record the value a KPI had on a day (those who maintain the KPI); needs the ``If-Match`` of the KPI
    (``GET /kpis/{id}``), so that a value is never recorded against a baseline or target changed since.

    Audited as ``impact.measurement.recorded`` on the use case; sends the webhook ``measurement.recorded``.
    """
    kpi = _maintained(request, kpi_id)
    with body_fields():
        measurement = services.measurement_record(
            actor=caller(request), kpi=kpi, expected_version=kpi.version, **payload.model_dump()
        )
    saved = Measurement.objects.select_related("recorded_by").get(pk=measurement.pk)
    response = HttpResponse(
        MeasurementOut.model_validate(_measurement_out(saved)).model_dump_json(),
        status=201,
        content_type="application/json",
    )
    response["Location"] = f"/api/v1/kpis/{kpi.pk}/measurements"
    return response
