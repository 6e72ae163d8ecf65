"""The typed keywords of the update services (``Unpack[<Entity>Fields]``) name exactly the fields
each service lets a caller set, so the types and the runtime check cannot drift apart."""

from __future__ import annotations

from typing import get_type_hints

import pytest

from leitplanke.catalog.services import TOOL_FIELDS, ToolFields
from leitplanke.impact.services import KPI_FIELDS, OBJECTIVE_FIELDS, KpiFields, ObjectiveFields
from leitplanke.literacy.services import COURSE_FIELDS, CourseFields
from leitplanke.org.services import PERSON_FIELDS, UNIT_FIELDS, PersonFields, UnitFields
from leitplanke.usecases.facts import FACT_NAMES
from leitplanke.usecases.services import EDITABLE_FIELDS, UseCaseFields

PAIRS = [
    (UseCaseFields, EDITABLE_FIELDS),
    (ToolFields, TOOL_FIELDS),
    (CourseFields, COURSE_FIELDS),
    (UnitFields, UNIT_FIELDS),
    (PersonFields, PERSON_FIELDS),
    (ObjectiveFields, OBJECTIVE_FIELDS),
    (KpiFields, KPI_FIELDS),
]


@pytest.mark.parametrize(("fields", "editable"), PAIRS, ids=[fields.__name__ for fields, _ in PAIRS])
def test_the_typed_keywords_are_the_fields_the_service_sets(fields: type, editable: frozenset[str]) -> None:
    assert set(fields.__annotations__) == set(editable)
    assert fields.__total__ is False, "every keyword is optional: a change names only what it changes"


def test_every_risk_question_is_a_keyword_of_the_use_case_services() -> None:
    assert set(FACT_NAMES) <= set(UseCaseFields.__annotations__)


@pytest.mark.parametrize(("fields", "editable"), PAIRS, ids=[fields.__name__ for fields, _ in PAIRS])
def test_the_value_types_resolve_at_run_time(fields: type, editable: frozenset[str]) -> None:
    hints = get_type_hints(fields)
    assert set(hints) == set(editable)
