"""Rule bundles: load the YAML files, validate every part, compile each condition once.

A bundle is a folder with ``bundle.yaml`` (id, version, effective dates, sources, regulatory dates,
constants, the baseline input of its tests) and ``rules/*.yaml`` (rules, obligations, tests). It is
read from a mapping of relative path to text, so that the same code checks a folder on disk, an
uploaded archive and a bundle stored in the database. Every problem is collected with its file,
line and column; a bundle with any problem is refused as a whole.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import cel

from . import celsyntax, contract
from .yamlfile import LocatedDict, LocatedList, Position, YamlProblem, key_position_of, position_of
from .yamlfile import load as load_yaml

#: Limits that keep a pathological rule from slowing down or stopping the process.
MAX_FILES = 100
MAX_FILE_BYTES = 512 * 1024
MAX_RULES = 500
MAX_EXPRESSION_LENGTH = 2000
MAX_NESTING = 16
MAX_COMPREHENSIONS = 4
MAX_CONSTANT_ITEMS = 200
#: Macros inside macros: ``tools.exists(t, list.exists(p, …))`` nests two; a third would multiply again.
MAX_MACRO_NESTING = 2
#: Depth of the syntax tree: a chain ``a || b || …`` adds one level per operator.
MAX_DEPTH = 64
#: Upper bound of the evaluation steps of one condition on the largest input the contract allows
#: (the shipped bundle's costliest condition is bound at about 21,000), and of all conditions together.
MAX_COST = 1_000_000
MAX_BUNDLE_COST = 10_000_000

_ID = re.compile(r"^[a-z0-9][a-z0-9._-]{0,99}$")
_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,59}$")
#: A course code (``literacy.Course.code``: a slug, stored in lower case).
_COURSE_CODE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,59}$")
_COMPREHENSION = re.compile(r"\.\s*(?:all|exists_one|exists|map|filter)\s*\(\s*([A-Za-z_][A-Za-z0-9_]*)\s*,")
_TOOL_COMPREHENSION = re.compile(
    r"\btools\s*\.\s*(?:all|exists_one|exists|map|filter)\s*\(\s*([A-Za-z_][A-Za-z0-9_]*)\s*,"
)
_TOOL_INDEX = re.compile(r"\btools\s*\[[^\]]*\]\s*\.\s*([A-Za-z_][A-Za-z0-9_]*)")
_CEL_POSITION = re.compile(r"<input>:(\d+):(\d+):\s*(.*)")


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a bundle: where it is and what to do about it."""

    file: str
    line: int
    column: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}: {self.message}"

    def as_dict(self) -> dict[str, Any]:
        """The problem as JSON (for the CLI, the API and the checking subprocess)."""
        return {"file": self.file, "line": self.line, "column": self.column, "message": self.message}


class BundleInvalid(Exception):
    """A bundle was refused; ``problems`` lists every reason with file and line."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("\n".join(str(problem) for problem in problems))
        self.problems = problems


@dataclass(frozen=True)
class Text:
    """A text in German and English."""

    de: str
    en: str

    def get(self, lang: str) -> str:
        """The text in ``lang`` (German for anything but English)."""
        return self.en if lang == "en" else self.de


@dataclass(frozen=True)
class RegulatoryDate:
    """A date from which a legal duty applies, kept as bundle data with the source that says so."""

    key: str
    date: dt.date
    title: Text
    source: str


@dataclass(frozen=True)
class Obligation:
    """A duty a verdict hands to the owner of a use case (owner, due date and evidence come later)."""

    id: str
    title: Text
    description: Text
    due_days: int
    blocking: bool
    reference: str
    applies_from: str | None = None


@dataclass(frozen=True)
class Effect:
    """What a rule does when its condition holds: one of ``contract.EFFECT_KINDS``."""

    kind: str
    role: str | None = None
    risk_class: str | None = None
    obligation: str | None = None
    warning: Text | None = None

    def describe(self) -> str:
        """The effect as a short code, such as ``review:data_protection`` or ``risk_class:high``."""
        detail = self.role or self.risk_class or self.obligation
        return f"{self.kind}:{detail}" if detail else self.kind


@dataclass(frozen=True)
class Rule:
    """A guardrail: a condition over the facts of a use case, its effects, and why it exists."""

    id: str
    title: Text
    reason: Text
    rationale: Text
    reference: Text
    condition: str
    effects: tuple[Effect, ...]
    file: str
    line: int
    names: tuple[str, ...]  # the input variables the condition reads (facts, tools, unit, stage)


@dataclass(frozen=True)
class RuleTest:
    """A test case of a rule file: an input (over the bundle's baseline) and what must come out."""

    name: str
    file: str
    line: int
    input: dict[str, Any]
    expect: dict[str, Any]


@dataclass
class Bundle:
    """A validated rule bundle with every condition compiled."""

    id: str
    version: str
    title: Text
    description: Text
    effective_from: dt.date | None
    effective_until: dt.date | None
    sources: tuple[dict[str, str], ...]
    dates: dict[str, RegulatoryDate]
    constants: dict[str, Any]
    baseline: dict[str, Any]
    rules: tuple[Rule, ...]
    obligations: dict[str, Obligation]
    tests: tuple[RuleTest, ...]
    files: dict[str, str]
    programs: dict[str, cel.Program] = field(repr=False, default_factory=dict)
    #: The optional title of each rule file, for the pages that list the rules.
    file_titles: dict[str, Text] = field(default_factory=dict)
    #: The tool fields any rule can depend on (the engine hands CEL only these).
    tool_fields: tuple[str, ...] = tuple(contract.TOOL_FIELDS)
    #: The code of the course a team lead must have completed to approve a use case (``None``: none).
    approval_qualification: str | None = None

    @property
    def digest(self) -> str:
        """SHA-256 over every file (path and text): two bundles with the same digest are the same."""
        return files_digest(self.files)

    def rules_by_id(self) -> dict[str, Rule]:
        """Every rule by its id."""
        return {rule.id: rule for rule in self.rules}


def files_digest(files: Mapping[str, str]) -> str:
    """SHA-256 over the sorted paths and texts of a bundle's files."""
    digest = hashlib.sha256()
    for path in sorted(files):
        digest.update(path.encode("utf-8") + b"\0" + files[path].encode("utf-8") + b"\0")
    return digest.hexdigest()


def read_folder(folder: str | Path) -> dict[str, str]:
    """The bundle's files from a folder on disk: ``bundle.yaml`` and ``rules/*.yaml``."""
    root = Path(folder)
    if not root.is_dir():
        raise BundleInvalid([Problem(str(folder), 1, 1, "this is not a folder")])
    files: dict[str, str] = {}
    rules = root / "rules"
    candidates = [root / "bundle.yaml", *sorted(rules.glob("*.yaml")), *sorted(rules.glob("*.yml"))]
    for path in candidates:
        if not path.is_file():
            continue
        relative = path.relative_to(root).as_posix()
        if path.stat().st_size > MAX_FILE_BYTES:
            raise BundleInvalid([Problem(relative, 1, 1, f"the file is larger than {MAX_FILE_BYTES // 1024} KiB")])
        try:
            files[relative] = path.read_text(encoding="utf-8")
        except UnicodeDecodeError as exc:
            raise BundleInvalid([Problem(relative, 1, 1, "the file is not UTF-8 text")]) from exc
    return files


def default_folder() -> Path:
    """The bundle that ships with Leitplanke (EU AI Act, GDPR, BetrVG, information security)."""
    return Path(__file__).resolve().parent.parent / "policies" / "default"


def parse_bundle(files: Mapping[str, str], *, bounded: bool = True) -> Bundle:
    """Validate and compile a bundle; :class:`BundleInvalid` lists every problem found.

    ``bounded=False`` lifts the limits on macros, depth and the cost bound (brackets stay limited):
    for a bundle that was accepted before, or where an operator switched them off, whose every
    evaluation then relies on the evaluator processes' time and memory limit alone.
    """
    return _Parser(files, bounded=bounded).parse()


def strip_strings(source: str) -> str:
    """The expression with the contents of its string literals and comments blanked (positions kept).

    Read by CEL's own rules for every string form (raw, bytes, triple quotes, escapes); an
    expression that cannot be read is blanked completely, so no search finds code in it.
    """
    try:
        return celsyntax.code_only(source)
    except celsyntax.SyntaxProblem:
        return "".join("\n" if char == "\n" else " " for char in source)


def nesting_depth(source: str) -> int:
    """The deepest nesting of brackets in an expression, string literals not counted."""
    depth = deepest = 0
    for char in strip_strings(source):
        if char in "([{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in ")]}":
            depth -= 1
    return deepest


def comprehension_names(source: str) -> set[str]:
    """Names an expression binds itself in macros such as ``tools.exists(t, …)``."""
    try:
        return celsyntax.macro_variables(celsyntax.parse(source, max_nesting=MAX_NESTING))
    except celsyntax.SyntaxProblem:
        return set(_COMPREHENSION.findall(strip_strings(source)))


def tool_fields_needed(source: str) -> frozenset[str] | None:
    """The tool fields an expression can depend on, or None if it may use tools as a whole.

    It may depend on fewer than all fields only if every use of ``tools`` is ``size(tools)``, an
    index followed by a field, or a macro whose variable is only ever followed by a field. Then the
    engine may hand CEL tools with just those fields, and remember outcomes by just those fields.
    """
    stripped = strip_strings(source)
    fields: set[str] = {name for _offset, name in tool_fields_read(source)}
    for match in re.finditer(r"\btools\b", stripped):
        before = stripped[: match.start()].rstrip()
        after = stripped[match.end() :].lstrip()
        if before.endswith("."):
            return None
        if before.endswith("size(") and after.startswith(")"):
            continue
        if re.match(r"\[[^\]]*\]\s*\.\s*[A-Za-z_]", after):
            continue
        macro = re.match(r"\.\s*(?:all|exists_one|exists|map|filter)\s*\(\s*([A-Za-z_][A-Za-z0-9_]*)\s*,", after)
        if not macro:
            return None
        variable = macro.group(1)
        uses = list(re.finditer(rf"(?<![.\w]){re.escape(variable)}\b", stripped))
        for use in uses:
            rest = stripped[use.end() :].lstrip()
            if rest.startswith(",") and stripped[: use.start()].rstrip().endswith("("):
                continue  # the binding itself
            if not re.match(r"\.\s*[A-Za-z_]", rest):
                return None
    return frozenset(fields)


def tool_fields_read(source: str) -> list[tuple[int, str]]:
    """The tool fields an expression reads (offset, name), so that a typo is caught before publishing."""
    stripped = strip_strings(source)
    found = [(match.start(1), match.group(1)) for match in _TOOL_INDEX.finditer(stripped)]
    for variable in set(_TOOL_COMPREHENSION.findall(stripped)):
        for match in re.finditer(rf"\b{re.escape(variable)}\s*\.\s*([A-Za-z_][A-Za-z0-9_]*)", stripped):
            found.append((match.start(1), match.group(1)))
    return sorted(found)


class _Parser:
    """Walks the files of one bundle, collecting problems instead of stopping at the first."""

    def __init__(self, files: Mapping[str, str], *, bounded: bool = True) -> None:
        self.files = dict(files)
        self.bounded = bounded
        self.problems: list[Problem] = []
        self.texts = {path: text.splitlines() for path, text in self.files.items()}
        #: The cost bounds of every condition read so far (see :data:`MAX_BUNDLE_COST`).
        self.total_cost = 0
        self.unreadable = celsyntax.SyntaxProblem("", 0)

    # -- reporting -----------------------------------------------------------------------------
    def problem(self, file: str, where: Position | None, message: str) -> None:
        position = where or Position(1, 1)
        self.problems.append(Problem(file, position.line, position.column, message))

    # -- the whole bundle ------------------------------------------------------------------------
    def parse(self) -> Bundle:
        if len(self.files) > MAX_FILES:
            raise BundleInvalid([Problem("bundle.yaml", 1, 1, f"a bundle has at most {MAX_FILES} files")])
        for path, text in self.files.items():
            if len(text.encode("utf-8")) > MAX_FILE_BYTES:
                self.problem(path, None, f"the file is larger than {MAX_FILE_BYTES // 1024} KiB")
            if path != "bundle.yaml" and not re.fullmatch(r"rules/[^/]+\.ya?ml", path):
                self.problem(path, None, "a bundle holds bundle.yaml and rules/*.yaml only")
        if "bundle.yaml" not in self.files:
            self.problem("bundle.yaml", None, "bundle.yaml is missing")
            raise BundleInvalid(self.problems)
        head = self.load("bundle.yaml")
        rule_files = sorted(path for path in self.files if path.startswith("rules/"))
        if not rule_files:
            self.problem("bundle.yaml", None, "the bundle has no rule files (rules/*.yaml)")
        bundle = self.bundle_head(head) if isinstance(head, LocatedDict) else None
        if head is not None and not isinstance(head, LocatedDict):
            self.problem("bundle.yaml", None, "bundle.yaml must be a mapping (id, version, …)")
        documents = [(path, self.load(path)) for path in rule_files]
        obligations: dict[str, Obligation] = {}
        obligation_places: dict[str, str] = {}
        file_titles: dict[str, Text] = {}
        for path, document in documents:
            if document is None:
                continue
            if not isinstance(document, LocatedDict):
                self.problem(path, None, "a rule file must be a mapping with 'rules', 'obligations' and 'tests'")
                continue
            self.unknown_keys(path, document, {"title", "rules", "obligations", "tests"})
            if "title" in document:
                file_title = self.text(path, document, "title")
                if file_title is not None:
                    file_titles[path] = file_title
            for entry, where in self.items(path, document, "obligations"):
                obligation = self.obligation(path, entry, where, bundle)
                if obligation is None:
                    continue
                if obligation.id in obligations:
                    self.problem(
                        path,
                        where,
                        f"the obligation id '{obligation.id}' is already used in {obligation_places[obligation.id]}",
                    )
                    continue
                obligations[obligation.id] = obligation
                obligation_places[obligation.id] = path
        rules: list[Rule] = []
        rule_places: dict[str, str] = {}
        tests: list[RuleTest] = []
        constants = bundle.constants if bundle else {}
        for path, document in documents:
            if not isinstance(document, LocatedDict):
                continue
            for entry, where in self.items(path, document, "rules"):
                rule = self.rule(path, entry, where, obligations, constants)
                if rule is None:
                    continue
                if rule.id in rule_places:
                    self.problem(path, where, f"the rule id '{rule.id}' is already used in {rule_places[rule.id]}")
                    continue
                rule_places[rule.id] = f"{path}:{rule.line}"
                rules.append(rule)
        for path, document in documents:
            if isinstance(document, LocatedDict):
                tests.extend(self.tests(path, document, rule_places, bundle))
        if len(rules) > MAX_RULES:
            self.problem("bundle.yaml", None, f"a bundle has at most {MAX_RULES} rules")
        if self.bounded and self.total_cost > MAX_BUNDLE_COST:
            self.problem(
                "bundle.yaml",
                None,
                f"the conditions together may take up to {_amount(self.total_cost)} "
                f"steps per use case (at most {_amount(MAX_BUNDLE_COST)}); make the "
                "costliest ones cheaper",
            )
        if self.problems or bundle is None:
            raise BundleInvalid(self.problems)
        bundle.rules = tuple(rules)
        bundle.obligations = obligations
        bundle.tests = tuple(tests)
        bundle.file_titles = file_titles
        bundle.programs = {rule.id: cel.compile(rule.condition) for rule in rules}
        needed: set[str] = set()
        for rule in rules:
            if "tools" in rule.names:
                fields = tool_fields_needed(rule.condition)
                needed |= set(contract.TOOL_FIELDS) if fields is None else fields
        bundle.tool_fields = tuple(name for name in contract.TOOL_FIELDS if name in needed)
        return bundle

    def load(self, path: str) -> Any:
        try:
            return load_yaml(self.files[path])
        except YamlProblem as exc:
            self.problem(path, Position(exc.line, exc.column), f"YAML: {exc.message}")
            return None

    def unknown_keys(self, path: str, mapping: LocatedDict, known: set[str]) -> None:
        for key in mapping:
            if key not in known:
                self.problem(
                    path,
                    key_position_of(mapping, key),
                    f"unknown key '{key}' (allowed here: {', '.join(sorted(known))})",
                )

    def items(self, path: str, mapping: LocatedDict, key: str) -> list[tuple[Any, Position]]:
        """The entries of the list ``mapping[key]`` with their positions (none if it is absent)."""
        value = mapping.get(key)
        if value is None:
            return []
        if not isinstance(value, LocatedList):
            self.problem(path, position_of(mapping, key), f"'{key}' must be a list")
            return []
        return list(zip(value, value.positions, strict=True))

    # -- bundle.yaml -----------------------------------------------------------------------------
    def bundle_head(self, head: LocatedDict) -> Bundle | None:
        path = "bundle.yaml"
        known = {
            "id",
            "version",
            "title",
            "description",
            "effective_from",
            "effective_until",
            "sources",
            "dates",
            "constants",
            "test_input",
            "approval",
        }
        self.unknown_keys(path, head, known)
        bundle_id = self.required_id(path, head, "id")
        version = head.get("version")
        if not isinstance(version, str | int | float) or isinstance(version, bool) or not str(version).strip():
            self.problem(path, position_of(head, "version"), "'version' is required (for example \"2026.12.1\")")
            version = ""
        elif len(str(version)) > 40:
            self.problem(path, position_of(head, "version"), "'version' has at most 40 characters")
        title = self.text(path, head, "title")
        description = self.text(path, head, "description", required=False)
        effective_from = self.date(path, head, "effective_from")
        effective_until = self.date(path, head, "effective_until")
        if effective_from and effective_until and effective_until < effective_from:
            self.problem(path, position_of(head, "effective_until"), "'effective_until' is before 'effective_from'")
        sources = []
        for entry, where in self.items(path, head, "sources"):
            if not isinstance(entry, LocatedDict) or not isinstance(entry.get("title"), str):
                self.problem(path, where, "a source needs a 'title' (and may have a 'url')")
                continue
            self.unknown_keys(path, entry, {"title", "url"})
            sources.append({"title": entry["title"], "url": str(entry.get("url") or "")})
        dates: dict[str, RegulatoryDate] = {}
        raw_dates = head.get("dates") or LocatedDict()
        if not isinstance(raw_dates, dict):
            self.problem(path, position_of(head, "dates"), "'dates' must be a mapping of name to date")
            raw_dates = LocatedDict()
        for key, entry in raw_dates.items():
            where = position_of(raw_dates, key)
            if not isinstance(key, str) or not _NAME.match(key):
                self.problem(path, where, f"'{key}' is not a valid name (lower case letters, digits, _)")
                continue
            if not isinstance(entry, LocatedDict):
                self.problem(path, where, "a regulatory date needs 'date', 'title' and 'source'")
                continue
            self.unknown_keys(path, entry, {"date", "title", "source"})
            when = self.date(path, entry, "date", required=True)
            source = entry.get("source")
            if not isinstance(source, str) or not source.strip():
                self.problem(path, position_of(entry, "source"), "a regulatory date needs its 'source'")
                source = ""
            date_title = self.text(path, entry, "title")
            if when is not None:
                dates[key] = RegulatoryDate(key, when, date_title, source)
        constants: dict[str, Any] = {}
        raw_constants = head.get("constants") or LocatedDict()
        if not isinstance(raw_constants, dict):
            self.problem(path, position_of(head, "constants"), "'constants' must be a mapping of name to value")
            raw_constants = LocatedDict()
        for key, value in raw_constants.items():
            where = position_of(raw_constants, key)
            if not isinstance(key, str) or not _NAME.match(key):
                self.problem(path, where, f"'{key}' is not a valid name (lower case letters, digits, _)")
            elif key in contract.FACTS_BY_NAME or key in contract.CONTEXT_NAMES:
                self.problem(path, where, f"the constant '{key}' would hide the input of the same name")
            elif not _plain_value(value):
                self.problem(
                    path,
                    where,
                    f"the constant '{key}' must be text, a number, true/false, a list or a "
                    f"mapping of those (at most {MAX_CONSTANT_ITEMS} items)",
                )
            else:
                constants[key] = _plain(value)
        baseline: dict[str, Any] = {}
        if "test_input" in head:
            from .evaluation import InputInvalid, normalise_input

            try:
                baseline = normalise_input(_plain(head["test_input"])).raw
            except InputInvalid as exc:
                self.problem(path, position_of(head, "test_input"), f"test_input: {exc}")
        qualification = self.approval(path, head)
        if bundle_id is None or not isinstance(title, Text):
            return None
        return Bundle(
            id=bundle_id,
            version=str(version),
            title=title,
            description=description or Text("", ""),
            effective_from=effective_from,
            effective_until=effective_until,
            sources=tuple(sources),
            dates=dates,
            constants=constants,
            baseline=baseline,
            rules=(),
            obligations={},
            tests=(),
            files=self.files,
            approval_qualification=qualification,
        )

    def approval(self, path: str, head: LocatedDict) -> str | None:
        """``approval: {qualification: COURSE}``: the course a team lead must hold to approve."""
        raw = head.get("approval")
        if raw is None:
            return None
        if not isinstance(raw, LocatedDict):
            self.problem(
                path, position_of(head, "approval"), "'approval' must be a mapping (approval: {qualification: …})"
            )
            return None
        self.unknown_keys(path, raw, {"qualification"})
        code = raw.get("qualification")
        if code is None:
            return None
        if not isinstance(code, str) or not _COURSE_CODE.match(code):
            self.problem(
                path,
                position_of(raw, "qualification"),
                "'qualification' is the code of a course: lower-case letters, digits, '-' or '_' "
                "(for example 'ai-literacy-basics')",
            )
            return None
        return code

    # -- pieces ------------------------------------------------------------------------------
    def required_id(self, path: str, mapping: LocatedDict, key: str) -> str | None:
        value = mapping.get(key)
        if not isinstance(value, str) or not _ID.match(value):
            self.problem(
                path,
                position_of(mapping, key),
                f"'{key}' is required: lower-case letters, digits, '.', '_' or '-' (for example 'gdpr-art35-dpia')",
            )
            return None
        return value

    def text(self, path: str, mapping: LocatedDict, key: str, *, required: bool = True, plain_ok: bool = False) -> Any:
        """A bilingual text ``{de: …, en: …}`` (or one plain string where ``plain_ok``)."""
        value = mapping.get(key)
        where = position_of(mapping, key)
        if value is None:
            if required:
                self.problem(path, where, f"'{key}' is required, in German and English ({key}: {{de: …, en: …}})")
            return None
        if plain_ok and isinstance(value, str) and value.strip():
            return Text(value.strip(), value.strip())
        if not isinstance(value, LocatedDict):
            self.problem(path, where, f"'{key}' needs a German and an English text ({key}: {{de: …, en: …}})")
            return None
        if set(value) - set(contract.LANGUAGES):
            for extra in value:
                if extra not in contract.LANGUAGES:
                    self.problem(
                        path,
                        key_position_of(value, extra),
                        f"'{key}' takes only 'de' and 'en', not '{extra}' (inside {{de: …, en: …}} a comma "
                        "starts a new key: put a text with commas in quotes)",
                    )
            return None
        texts = {}
        for lang in contract.LANGUAGES:
            text = value.get(lang)
            if not isinstance(text, str) or not text.strip():
                language = "German" if lang == "de" else "English"
                self.problem(path, position_of(value, lang), f"'{key}' has no {language} text ('{lang}')")
                return None
            texts[lang] = " ".join(text.split())
        return Text(**texts)

    def date(self, path: str, mapping: LocatedDict, key: str, *, required: bool = False) -> dt.date | None:
        value = mapping.get(key)
        if value is None:
            if required:
                self.problem(path, position_of(mapping, key), f"'{key}' is required (YYYY-MM-DD)")
            return None
        if isinstance(value, dt.datetime):
            return value.date()
        if isinstance(value, dt.date):
            return value
        try:
            return dt.date.fromisoformat(str(value))
        except ValueError:
            self.problem(path, position_of(mapping, key), f"'{key}' must be a date written YYYY-MM-DD")
            return None

    def obligation(self, path: str, entry: Any, where: Position, bundle: Bundle | None) -> Obligation | None:
        if not isinstance(entry, LocatedDict):
            self.problem(path, where, "an obligation is a mapping with id, title, description, due_days, blocking")
            return None
        known = {"id", "title", "description", "due_days", "blocking", "reference", "applies_from"}
        self.unknown_keys(path, entry, known)
        obligation_id = self.required_id(path, entry, "id")
        title = self.text(path, entry, "title")
        description = self.text(path, entry, "description")
        due_days = entry.get("due_days")
        if not isinstance(due_days, int) or isinstance(due_days, bool) or not 0 <= due_days <= 3650:
            self.problem(
                path, position_of(entry, "due_days"), "'due_days' is required: a whole number of days (0–3650)"
            )
            due_days = None
        blocking = entry.get("blocking")
        if not isinstance(blocking, bool):
            self.problem(path, position_of(entry, "blocking"), "'blocking' is required: true or false")
            blocking = None
        reference = entry.get("reference", "")
        if not isinstance(reference, str):
            self.problem(path, position_of(entry, "reference"), "'reference' must be text")
            reference = ""
        applies_from = entry.get("applies_from")
        if applies_from is not None and (bundle is None or applies_from not in bundle.dates):
            date_names = ", ".join(sorted(bundle.dates)) if bundle else ""
            self.problem(
                path,
                position_of(entry, "applies_from"),
                f"'applies_from' must name one of the bundle's dates ({date_names})",
            )
            applies_from = None
        if obligation_id is None or title is None or description is None or due_days is None or blocking is None:
            return None
        return Obligation(obligation_id, title, description, due_days, blocking, reference, applies_from)

    def rule(
        self, path: str, entry: Any, where: Position, obligations: dict[str, Obligation], constants: dict[str, Any]
    ) -> Rule | None:
        if not isinstance(entry, LocatedDict):
            self.problem(path, where, "a rule is a mapping with id, title, reason, rationale, reference, when, effects")
            return None
        self.unknown_keys(path, entry, {"id", "title", "reason", "rationale", "reference", "when", "effects"})
        rule_id = self.required_id(path, entry, "id")
        title = self.text(path, entry, "title")
        reason = self.text(path, entry, "reason")
        rationale = self.text(path, entry, "rationale")
        reference = self.text(path, entry, "reference", plain_ok=True)
        effects = self.effects(path, entry, obligations)
        condition = entry.get("when")
        names: tuple[str, ...] = ()
        if not isinstance(condition, str) or not condition.strip():
            self.problem(path, position_of(entry, "when"), "'when' is required: a CEL condition over the facts")
            condition = None
        else:
            names_found = self.condition(path, entry, condition, constants)
            condition = condition if names_found is not None else None
            names = names_found or ()
        if None in (rule_id, title, reason, rationale, reference, condition) or effects is None:
            return None
        assert isinstance(rule_id, str) and isinstance(condition, str)  # noqa: S101 (narrowing for mypy)
        return Rule(rule_id, title, reason, rationale, reference, condition, effects, path, where.line, names)

    def effects(self, path: str, entry: LocatedDict, obligations: dict[str, Obligation]) -> tuple[Effect, ...] | None:
        found: list[Effect] = []
        items = self.items(path, entry, "effects")
        if not items:
            self.problem(path, position_of(entry, "effects"), "'effects' is required: a list such as '- review: legal'")
            return None
        ok = True
        for item, where in items:
            if not isinstance(item, LocatedDict) or len(item) != 1:
                self.problem(
                    path,
                    where,
                    "each effect is one of: block, review, obligation, risk_class, warn "
                    "(for example '- review: data_protection')",
                )
                ok = False
                continue
            kind, value = next(iter(item.items()))
            value_at = position_of(item, kind)
            if kind not in contract.EFFECT_KINDS:
                self.problem(
                    path,
                    key_position_of(item, kind),
                    f"unknown effect '{kind}' (known: {', '.join(contract.EFFECT_KINDS)})",
                )
                ok = False
            elif kind == "block":
                if value is not True:
                    self.problem(path, value_at, "write the effect as '- block: true'")
                    ok = False
                else:
                    found.append(Effect("block"))
            elif kind == "review":
                if value not in contract.REVIEW_ROLES:
                    self.problem(
                        path, value_at, f"unknown review role '{value}' (known: {', '.join(contract.REVIEW_ROLES)})"
                    )
                    ok = False
                else:
                    found.append(Effect("review", role=value))
            elif kind == "risk_class":
                if value not in contract.RISK_CLASSES:
                    self.problem(
                        path, value_at, f"unknown risk class '{value}' (known: {', '.join(contract.RISK_CLASSES)})"
                    )
                    ok = False
                else:
                    found.append(Effect("risk_class", risk_class=value))
            elif kind == "obligation":
                if value not in obligations:
                    self.problem(path, value_at, f"unknown obligation '{value}': define it under 'obligations'")
                    ok = False
                else:
                    found.append(Effect("obligation", obligation=value))
            elif kind == "warn":
                warning = self.text(path, item, "warn")
                if warning is None:
                    ok = False
                else:
                    found.append(Effect("warn", warning=warning))
        return tuple(found) if ok else None

    def condition(
        self, path: str, entry: LocatedDict, source: str, constants: dict[str, Any]
    ) -> tuple[str, ...] | None:
        """Check a condition: its size, its syntax, and that it reads only what the contract offers."""
        where = position_of(entry, "when")
        if len(source) > MAX_EXPRESSION_LENGTH:
            self.problem(
                path, where, f"the condition is longer than {MAX_EXPRESSION_LENGTH} characters; split the rule"
            )
            return None
        limit = self.limits(path, where, source, constants)
        if limit is False:
            return None
        if limit is None and _raw_nesting(source) > MAX_NESTING:
            # Not readable, and perhaps too deep for CEL's own parser to be handed safely.
            self.problem(
                path, self.at_offset(path, where, source, self.unreadable.offset), f"CEL: {self.unreadable.message}"
            )
            return None
        try:
            program = cel.compile(source)
        except (ValueError, RuntimeError, TypeError) as exc:
            line, column, message = _cel_problem(str(exc))
            self.problem(path, self.position_in(path, where, line, column), f"CEL: {message}")
            return None
        if limit is None and self.bounded:
            # CEL reads it, the limits cannot: refused, since its cost cannot be bounded.
            self.problem(
                path,
                self.at_offset(path, where, source, self.unreadable.offset),
                f"the condition uses syntax the limits cannot check ({self.unreadable.message})",
            )
            return None
        bound = set(limit) if isinstance(limit, frozenset) else comprehension_names(source)
        inputs = set(contract.FACTS_BY_NAME) | set(contract.CONTEXT_NAMES) | set(constants)
        allowed = inputs | bound
        ok = True
        for name in sorted(bound & inputs):
            self.problem(
                path,
                where,
                f"the macro variable '{name}' hides the input of the same name; "
                "choose another name (for example 'p' or 't')",
            )
            ok = False
        for name in program.variables():
            if name not in allowed:
                close = [fact for fact in contract.FACTS_BY_NAME if fact.startswith(name[:4])]
                hint = f"; did you mean '{close[0]}'?" if close else ""
                self.problem(
                    path,
                    where,
                    f"unknown fact '{name}' in the condition (facts: "
                    f"{', '.join(contract.FACTS_BY_NAME)}; also tools, unit, stage){hint}",
                )
                ok = False
        for offset, tool_field in tool_fields_read(source):
            if tool_field not in contract.TOOL_FIELDS:
                line = source.count("\n", 0, offset) + 1
                column = offset - (source.rfind("\n", 0, offset) + 1) + 1
                self.problem(
                    path,
                    self.position_in(path, where, line, column),
                    f"tools have no field '{tool_field}' (fields: {', '.join(contract.TOOL_FIELDS)})",
                )
                ok = False
        if not ok:
            return None
        return tuple(sorted(name for name in program.variables() if name not in bound and name not in constants))

    def limits(
        self, path: str, where: Position, source: str, constants: dict[str, Any]
    ) -> frozenset[str] | bool | None:
        """Parse a condition and bound its cost: the names its macros bind, or False (with a problem
        recorded) if it breaks a limit.

        None if it is not CEL this reader knows: then CEL's own compiler names the error. Without
        the static limits (``bounded=False``) only the bracket nesting is limited, which keeps any
        parser's recursion safe; depth and cost are left to the evaluator processes' limits.
        """
        try:
            if not self.bounded:
                return frozenset(celsyntax.macro_variables(celsyntax.parse(source, max_nesting=MAX_NESTING)))
            analysis = celsyntax.analyse(source, constants, max_nesting=MAX_NESTING, max_depth=MAX_DEPTH)
        except celsyntax.TooDeep as exc:
            self.problem(path, self.at_offset(path, where, source, exc.offset), exc.message)
            return False
        except celsyntax.SyntaxProblem as exc:
            self.unreadable = exc
            return None
        found = None
        if analysis.macros > MAX_COMPREHENSIONS:
            found = (
                f"the condition uses more than {MAX_COMPREHENSIONS} macros such as exists() or all() "
                f"({analysis.macros}); split the rule"
            )
        elif analysis.macro_nesting > MAX_MACRO_NESTING:
            found = (
                f"the condition nests macros such as exists() or all() {analysis.macro_nesting} deep, at "
                f"most {MAX_MACRO_NESTING} are allowed"
            )
        elif analysis.cost > MAX_COST:
            found = (
                f"the condition may take up to {_amount(analysis.cost)} steps on the largest input the "
                f"contract allows (at most {_amount(MAX_COST)}): a macro loops over a list that is too "
                "large, or over a list built by another macro; split the rule or loop over less"
            )
        if found:
            self.problem(path, where, found)
            return False
        self.total_cost += analysis.cost
        return analysis.bound

    def at_offset(self, path: str, where: Position, source: str, offset: int) -> Position:
        """The place in the file of a character of an expression that starts at ``where``."""
        line = source.count("\n", 0, offset) + 1
        column = offset - (source.rfind("\n", 0, offset) + 1) + 1
        return self.position_in(path, where, line, column)

    def position_in(self, path: str, where: Position, line: int, column: int) -> Position:
        """The place in the file of a position inside an expression that starts at ``where``."""
        if where.style in ("|", ">"):
            file_line = where.line + line
            lines = self.texts.get(path, [])
            indent = len(lines[file_line - 1]) - len(lines[file_line - 1].lstrip()) if file_line <= len(lines) else 0
            return Position(file_line, indent + column)
        quote = 1 if where.style in ("'", '"') else 0
        return Position(where.line + line - 1, (where.column + quote + column - 1) if line == 1 else column)

    def tests(
        self, path: str, document: LocatedDict, rule_places: dict[str, str], bundle: Bundle | None
    ) -> list[RuleTest]:
        from .evaluation import InputInvalid, merge_input, normalise_input

        found = []
        for entry, where in self.items(path, document, "tests"):
            if not isinstance(entry, LocatedDict):
                self.problem(path, where, "a test is a mapping with name, input and expect")
                continue
            self.unknown_keys(path, entry, {"name", "input", "expect"})
            name = entry.get("name")
            if not isinstance(name, str) or not name.strip():
                self.problem(path, position_of(entry, "name"), "a test needs a 'name'")
                continue
            raw_input = entry.get("input") or {}
            try:
                merged = merge_input(bundle.baseline if bundle else {}, _plain(raw_input))
                normalise_input(merged)
            except InputInvalid as exc:
                self.problem(path, position_of(entry, "input"), f"test '{name}': {exc}")
                continue
            expect = entry.get("expect")
            if not isinstance(expect, LocatedDict) or not expect:
                self.problem(
                    path,
                    position_of(entry, "expect"),
                    f"test '{name}' needs 'expect' (risk_class, decision, reviews, fired, not_fired, obligations)",
                )
                continue
            self.unknown_keys(path, expect, {"risk_class", "decision", "reviews", "fired", "not_fired", "obligations"})
            problems_before = len(self.problems)
            if "risk_class" in expect and expect["risk_class"] not in contract.RISK_CLASSES:
                self.problem(path, position_of(expect, "risk_class"), f"unknown risk class '{expect['risk_class']}'")
            if "decision" in expect and expect["decision"] not in contract.DECISIONS:
                self.problem(
                    path,
                    position_of(expect, "decision"),
                    f"unknown decision '{expect['decision']}' (known: {', '.join(contract.DECISIONS)})",
                )
            for key in ("reviews", "fired", "not_fired", "obligations"):
                if key in expect and not isinstance(expect[key], list):
                    self.problem(path, position_of(expect, key), f"'{key}' must be a list")
            for role in expect.get("reviews") or []:
                if role not in contract.REVIEW_ROLES:
                    self.problem(path, position_of(expect, "reviews"), f"unknown review role '{role}'")
            for key in ("fired", "not_fired"):
                for rule_id in expect.get(key) or []:
                    if rule_id not in rule_places:
                        self.problem(
                            path, position_of(expect, key), f"test '{name}' names the unknown rule '{rule_id}'"
                        )
            if len(self.problems) == problems_before:
                found.append(RuleTest(name.strip(), path, where.line, merged, _plain(expect)))
        return found


def _cel_problem(message: str) -> tuple[int, int, str]:
    """Line, column and reason from the CEL library's error text."""
    match = _CEL_POSITION.search(message)
    if not match:
        return 1, 1, message.split("\n", 1)[0]
    return int(match.group(1)), int(match.group(2)), match.group(3).strip()


def _raw_nesting(source: str) -> int:
    """The deepest nesting of brackets in the text, strings included (never less than the real one)."""
    depth = deepest = 0
    for char in source:
        if char in "([{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in ")]}":
            depth -= 1
    return deepest


def _amount(number: int) -> str:
    """A large number for people: ``1,000,000``, or "more than 10^15" at the bound's cap."""
    return f"{number:,}" if number < 10**15 else "more than 10^15"


def _plain(value: Any) -> Any:
    """Turn located YAML values into plain dicts and lists (dates as ISO text)."""
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def _plain_value(value: Any, budget: list[int] | None = None) -> bool:
    """Whether a constant is plain data of bounded size."""
    budget = budget if budget is not None else [MAX_CONSTANT_ITEMS]
    budget[0] -= 1
    if budget[0] < 0:
        return False
    if isinstance(value, bool | int | float | str):
        return not isinstance(value, str) or len(value) <= 500
    if isinstance(value, list):
        return all(_plain_value(item, budget) for item in value)
    if isinstance(value, dict):
        return all(isinstance(key, str) and _plain_value(item, budget) for key, item in value.items())
    return False
