"""How a use case reads to people: answers with their labels, and both sides of an edit conflict."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.utils.formats import number_format
from django.utils.translation import gettext as _

from leitplanke.audit.labels import field_label

from .facts import FACTS, FACTS_BY_NAME, UNSURE, Fact
from .models import UseCase

_OBJECT_TYPE = UseCase._meta.label_lower


@dataclass(frozen=True)
class Answer:
    """One risk question of a profile with the answer given (its labels, and the codes for the API)."""

    fact: Fact
    labels: list[str]
    unsure: bool
    #: The answer codes given, in the order of ``labels``.
    codes: tuple[str, ...] = ()

    @property
    def answered(self) -> bool:
        """Whether anything was answered (an empty multi-select may mean "none of these")."""
        return bool(self.labels)


def answers_of(usecase: UseCase) -> list[Answer]:
    """The risk questions in the order asked, each with the labels of the answers given."""
    answers = []
    for fact in FACTS:
        value = getattr(usecase, fact.name)
        choices = dict(fact.all_choices)
        codes = list(value or []) if fact.multiple else ([value] if value else [])
        answers.append(Answer(fact, [str(choices.get(code, code)) for code in codes], value == UNSURE, tuple(codes)))
    return answers


def display_value(key: str, value: Any) -> str:
    """A snapshot value as people read it: answer labels for facts, names for relations."""
    if value is None or value == "" or value == []:
        return "—"
    fact = FACTS_BY_NAME.get(key)
    choices: dict[Any, Any] = dict(fact.all_choices) if fact else field_label(_OBJECT_TYPE, key)[1]
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, list | tuple):
        return ", ".join(str(choices.get(item, item)) for item in value)
    if isinstance(value, Decimal):
        # 12.0 stored and 12 entered are the same amount.
        return number_format(int(value) if value == value.to_integral_value() else value.normalize())
    return str(choices.get(value, value))


def snapshot_of_input(changes: dict[str, Any]) -> dict[str, Any]:
    """Form input in the shape of ``UseCase.audit_snapshot()`` (relations by their readable keys)."""
    snapshot: dict[str, Any] = {}
    for key, value in changes.items():
        if key == "unit":
            snapshot[key] = value.code if value is not None else None
        elif key == "tools":
            snapshot[key] = sorted(tool.name for tool in value or [])
        elif key == "contributors":
            snapshot[key] = sorted(person.username for person in value or [])
        elif key in FACTS_BY_NAME and FACTS_BY_NAME[key].multiple:
            order = [code for code, _label in FACTS_BY_NAME[key].choices]
            snapshot[key] = sorted(set(value or []), key=lambda code: order.index(code) if code in order else 99)
        else:
            snapshot[key] = value
    return snapshot


@dataclass(frozen=True)
class ConflictRow:
    """A field after an edit conflict: what is stored now, and what the person entered."""

    label: str
    stored: str
    yours: str
    differs: bool


def conflict_rows(current: dict[str, Any], changes: dict[str, Any]) -> list[ConflictRow]:
    """Both versions side by side, fields that differ first, for the fields the form asked for."""
    mine = snapshot_of_input(changes)
    rows = []
    for key, stored in current.items():
        if key not in mine:
            continue
        fact = FACTS_BY_NAME.get(key)
        label = str(fact.question) if fact else field_label(_OBJECT_TYPE, key)[0]
        stored_text, your_text = display_value(key, stored), display_value(key, mine[key])
        rows.append(ConflictRow(label, stored_text, your_text, stored_text != your_text))
    return sorted(rows, key=lambda row: not row.differs)
