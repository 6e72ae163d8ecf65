"""Reading rule files: safe YAML that remembers where each value stood, and refuses surprises.

* Only plain data (the safe loader): no Python objects, no anchors or aliases.
* ``true``/``false`` are the only booleans, as in YAML 1.2: ``no``, ``yes``, ``on`` and ``off``
  stay strings, because they are answer codes (``monitors_employees: no``).
* A key written twice in one mapping is an error instead of silently winning.
* Every mapping and list remembers the line and column of its items, so that a problem in a rule
  is reported where the author wrote it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import yaml


@dataclass(frozen=True)
class Position:
    """Where a value starts in its file (1-based), and its YAML style (``|``, ``>``, quotes or plain)."""

    line: int
    column: int
    style: str | None = None


class YamlProblem(Exception):
    """A file is not valid YAML, or uses something rule files do not allow."""

    def __init__(self, message: str, line: int, column: int) -> None:
        super().__init__(message)
        self.message = message
        self.line = line
        self.column = column


class LocatedDict(dict[Any, Any]):
    """A mapping that knows where it and each of its values start."""

    position: Position
    positions: dict[Any, Position]
    key_positions: dict[Any, Position]


class LocatedList(list[Any]):
    """A list that knows where it and each of its items start."""

    position: Position
    positions: list[Position]


def _position(node: yaml.Node) -> Position:
    mark = node.start_mark
    style = getattr(node, "style", None)
    return Position(mark.line + 1, mark.column + 1, style)


class _RuleFileLoader(yaml.SafeLoader):
    """The safe loader with YAML 1.2 booleans, no aliases, duplicate keys refused, positions kept."""

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node | None:
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise YamlProblem(
                "anchors and aliases (*name) are not allowed in rule files",
                event.start_mark.line + 1,
                event.start_mark.column + 1,
            )
        event = self.peek_event()
        if getattr(event, "anchor", None):
            raise YamlProblem(
                "anchors and aliases (&name) are not allowed in rule files",
                event.start_mark.line + 1,
                event.start_mark.column + 1,
            )
        return super().compose_node(parent, index)


def _construct_mapping(loader: _RuleFileLoader, node: yaml.MappingNode) -> LocatedDict:
    loader.flatten_mapping(node)
    result = LocatedDict()
    result.position = _position(node)
    result.positions = {}
    result.key_positions = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if not isinstance(key, str | int | bool):
            raise YamlProblem("keys must be plain words", key_node.start_mark.line + 1, key_node.start_mark.column + 1)
        if key in result:
            first = result.key_positions[key]
            raise YamlProblem(
                f"the key '{key}' appears twice (first in line {first.line})",
                key_node.start_mark.line + 1,
                key_node.start_mark.column + 1,
            )
        result[key] = loader.construct_object(value_node, deep=True)
        result.positions[key] = _position(value_node)
        result.key_positions[key] = _position(key_node)
    return result


def _construct_sequence(loader: _RuleFileLoader, node: yaml.SequenceNode) -> LocatedList:
    result = LocatedList(loader.construct_object(child, deep=True) for child in node.value)
    result.position = _position(node)
    result.positions = [_position(child) for child in node.value]
    return result


_RuleFileLoader.add_constructor("tag:yaml.org,2002:map", _construct_mapping)
_RuleFileLoader.add_constructor("tag:yaml.org,2002:seq", _construct_sequence)
# YAML 1.2 booleans: drop the YAML 1.1 resolver (yes/no/on/off) and add one for true/false only.
_RuleFileLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_RuleFileLoader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)


def load(text: str) -> Any:
    """Parse one rule file; :class:`YamlProblem` says what is wrong and where."""
    try:
        return yaml.load(text, Loader=_RuleFileLoader)  # noqa: S506 (a subclass of the safe loader)
    except YamlProblem:
        raise
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        reason = " ".join(part for part in (exc.context, exc.problem) if part) or "not valid YAML"
        raise YamlProblem(reason, line, column) from exc
    except yaml.YAMLError as exc:
        raise YamlProblem(str(exc), 1, 1) from exc


def position_of(container: Any, key: Any, default: Position | None = None) -> Position:
    """Where ``container[key]`` starts, or where the container starts if that is not known."""
    if isinstance(container, LocatedDict):
        if key in container.positions:
            return container.positions[key]
        return container.position
    if isinstance(container, LocatedList):
        if isinstance(key, int) and 0 <= key < len(container.positions):
            return container.positions[key]
        return container.position
    return default or Position(1, 1)


def key_position_of(container: Any, key: Any) -> Position:
    """Where the key ``key`` of a mapping is written (for "unknown key" problems)."""
    if isinstance(container, LocatedDict) and key in container.key_positions:
        return container.key_positions[key]
    return position_of(container, key)
