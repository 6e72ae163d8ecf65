"""The people import: ``email,display_name,username,language,units,lead_of,deputy_of,roles``, matched by
``email`` (the only required column); lists are ``;``-separated unit codes, roles ``role`` or
``role@unitcode``."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from leitplanke.audit.services import event_record
from leitplanke.common.actors import Actor
from leitplanke.common.batches import batched
from leitplanke.common.csvfile import ImportFailed, RowError, field_errors
from leitplanke.common.errors import DomainError
from leitplanke.common.transactions import write_atomic

from .. import services
from ..models import Membership, OrgUnit, RoleAssignment
from .common import PEOPLE, ImportSummary, chunks, read_records, record_import, row_failed

PEOPLE_COLUMNS = ("email", "display_name", "username", "language", "units", "lead_of", "deputy_of", "roles")

_LIST_SEPARATOR = ";"
_USERNAME_UNSAFE = re.compile(r"[^\w.@+-]")

User = get_user_model()


def _split_list(value: str) -> list[str]:
    """``a; b;;a`` → ``["a", "b"]``: the ``;``-separated lists of the people file."""
    seen: dict[str, None] = {}
    for item in value.split(_LIST_SEPARATOR):
        if item.strip():
            seen.setdefault(item.strip(), None)
    return list(seen)


@dataclass
class _PersonRow:
    line: int
    email: str
    pk: int | None  # the existing person with this e-mail address, if any
    username: str = ""
    create: dict[str, Any] = field(default_factory=dict)
    changes: dict[str, Any] = field(default_factory=dict)
    memberships: list[str] = field(default_factory=list)  # unit codes to add
    roles: list[tuple[str, str | None]] = field(default_factory=list)  # (role, unit code) to assign
    leads: bool = False  # whether a unit's lead or deputy changes to this person

    @property
    def key(self) -> tuple[str, Any]:
        """Who this row is before anyone is created: the existing person, or the new e-mail address."""
        return ("pk", self.pk) if self.pk is not None else ("new", self.email.lower())

    @property
    def changed(self) -> bool:
        return bool(self.changes or self.memberships or self.roles or self.leads)


@dataclass
class _PeoplePlan:
    rows: list[_PersonRow]
    units: dict[str, OrgUnit]
    leadership: dict[str, dict[str, tuple[str, Any]]]  # unit code -> {"lead"/"deputy": person key}
    lines: dict[str, int]  # unit code -> line that changes its lead or deputy

    def summary(self, *, dry_run: bool = False) -> ImportSummary:
        created = sum(1 for row in self.rows if row.pk is None)
        updated = sum(1 for row in self.rows if row.pk is not None and row.changed)
        return ImportSummary(PEOPLE, created, updated, len(self.rows) - created - updated, dry_run)


def _people_by_email(emails: list[str]) -> dict[str, Any]:
    """Existing people whose e-mail address (any case) is one of ``emails`` (lower case)."""
    found: dict[str, Any] = {}
    for chunk in chunks(emails):
        for person in User.objects.annotate(email_lower=Lower("email")).filter(email_lower__in=chunk):
            found[person.email_lower] = person
    return found


def _pairs(model: type[models.Model], columns: tuple[str, ...], person_ids: list[int]) -> set[tuple[Any, ...]]:
    """Existing (person id, …) rows of ``model`` for the given people."""
    found: set[tuple[Any, ...]] = set()
    for chunk in chunks(person_ids):
        found.update(model._default_manager.filter(person_id__in=chunk).values_list("person_id", *columns))
    return found


def _unique_username(email: str, taken: set[str]) -> str:
    """The e-mail address's local part, made valid and unique (``max.muster``, ``max.muster2``, …)."""
    base = _USERNAME_UNSAFE.sub("", email.rsplit("@", 1)[0]).lower()[:140] or "user"
    candidate, number = base, 1
    while candidate.lower() in taken:
        number += 1
        candidate = f"{base}{number}"
    taken.add(candidate.lower())
    return candidate


def _plan_people(data: bytes) -> _PeoplePlan:
    """Check a people file against itself and the database; raise :class:`ImportFailed` with every problem."""
    records, errors = read_records(data, required=PEOPLE_COLUMNS[:1], optional=PEOPLE_COLUMNS[1:])
    for record in records:
        for column in PEOPLE_COLUMNS:
            record.cells.setdefault(column, "")
    existing = _people_by_email(list({r.cells["email"].lower() for r in records if r.cells["email"]}))
    taken = {name.lower() for name in User.objects.values_list("username", flat=True)}
    codes = {
        code for r in records for column in ("units", "lead_of", "deputy_of") for code in _split_list(r.cells[column])
    }
    codes |= {item.partition("@")[2].strip() for r in records for item in _split_list(r.cells["roles"])}
    units = OrgUnit.objects.in_bulk([code for code in codes if code], field_name="code")
    languages = [code for code, _name in settings.LANGUAGES]

    rows: list[_PersonRow] = []
    email_lines: dict[str, int] = {}
    username_lines: dict[str, int] = {}
    claims: dict[tuple[str, str], tuple[int, tuple[str, Any]]] = {}  # (unit code, "lead"/"deputy") -> line, key
    for record in records:
        cells, line = record.cells, record.line
        row_errors: list[RowError] = []
        email = cells["email"]
        person = existing.get(email.lower())
        row = _PersonRow(line, email, person.pk if person is not None else None)
        if not email:
            row_errors.append(RowError(line, "email", _("An e-mail address is required.")))
        else:
            row_errors += field_errors(User, "email", email, line=line, column="email")
            if email.lower() in email_lines:
                row_errors.append(
                    RowError(
                        line,
                        "email",
                        _("The e-mail address “%(email)s” already appears in line %(line)d.")
                        % {"email": email, "line": email_lines[email.lower()]},
                    )
                )
            else:
                email_lines[email.lower()] = line
        row_errors += field_errors(User, "display_name", cells["display_name"], line=line, column="display_name")
        language = cells["language"].lower()
        if language and language not in languages:
            row_errors.append(
                RowError(
                    line,
                    "language",
                    _("Unknown language “%(language)s”. Use one of: %(languages)s.")
                    % {"language": cells["language"], "languages": ", ".join(languages)},
                )
            )
        row_errors += _check_username(row, person, cells["username"], taken, username_lines)
        for column in ("units", "lead_of", "deputy_of"):
            unknown = [code for code in _split_list(cells[column]) if code not in units]
            if unknown:
                row_errors.append(_unknown_units(line, column, unknown))
        roles, role_errors = _parse_roles(line, cells["roles"], units)
        row_errors += role_errors
        row_errors += _claim_leadership(row, cells, units, claims)
        errors += row_errors
        if row_errors:
            continue
        _plan_person_changes(row, person, cells, language, roles)
        rows.append(row)

    leadership, lines = _plan_leadership(claims, units, errors)
    if errors:
        raise ImportFailed(errors)
    new_leaders = {key for change in leadership.values() for key in change.values()}
    for row in rows:
        if row.pk is None:
            row.username = row.username or _unique_username(row.email, taken)
            row.create["username"] = row.username
        row.leads = row.key in new_leaders
    _drop_existing_links(rows, units)
    return _PeoplePlan(rows, units, leadership, lines)


def _claim_leadership(
    row: _PersonRow,
    cells: dict[str, str],
    units: dict[str, OrgUnit],
    claims: dict[tuple[str, str], tuple[int, tuple[str, Any]]],
) -> list[RowError]:
    """Note which units this row leads or deputises; one lead and one deputy per unit in a file."""
    errors: list[RowError] = []
    lead_of, deputy_of = _split_list(cells["lead_of"]), _split_list(cells["deputy_of"])
    for code in lead_of:
        if (code, "lead") in claims:
            errors.append(
                RowError(
                    row.line,
                    "lead_of",
                    _("Line %(line)d already names the lead of “%(code)s”.")
                    % {"line": claims[code, "lead"][0], "code": code},
                )
            )
        elif code in units:
            claims[code, "lead"] = (row.line, row.key)
    for code in deputy_of:
        if code in lead_of:
            errors.append(
                RowError(
                    row.line,
                    "deputy_of",
                    _("Nobody can be lead and deputy of the same unit (“%(code)s”).") % {"code": code},
                )
            )
        elif (code, "deputy") in claims:
            errors.append(
                RowError(
                    row.line,
                    "deputy_of",
                    _("Line %(line)d already names the deputy of “%(code)s”.")
                    % {"line": claims[code, "deputy"][0], "code": code},
                )
            )
        elif code in units:
            claims[code, "deputy"] = (row.line, row.key)
    return errors


def _unknown_units(line: int, column: str, codes: list[str]) -> RowError:
    return RowError(
        line,
        column,
        ngettext("Unknown unit code: %(codes)s.", "Unknown unit codes: %(codes)s.", len(codes))
        % {"codes": ", ".join(codes)},
    )


def _check_username(
    row: _PersonRow, person: Any, username: str, taken: set[str], username_lines: dict[str, int]
) -> list[RowError]:
    """A given user name must be valid, unique, and cannot change an existing person's."""
    if not username:
        return []
    errors = field_errors(User, "username", username, line=row.line, column="username")
    lowered = username.lower()
    if person is not None:
        if person.username.lower() != lowered:
            errors.append(
                RowError(
                    row.line,
                    "username",
                    _("This person already has the user name “%(username)s”; an import cannot change it.")
                    % {"username": person.username},
                )
            )
        return errors
    if lowered in username_lines:
        errors.append(
            RowError(
                row.line,
                "username",
                _("The user name “%(username)s” already appears in line %(line)d.")
                % {"username": username, "line": username_lines[lowered]},
            )
        )
    elif lowered in taken:
        errors.append(
            RowError(
                row.line,
                "username",
                _("The user name “%(username)s” already belongs to someone else.") % {"username": username},
            )
        )
    username_lines.setdefault(lowered, row.line)
    if not errors:
        row.username = username
        taken.add(lowered)
    return errors


def _parse_roles(
    line: int, value: str, units: dict[str, OrgUnit]
) -> tuple[list[tuple[str, str | None]], list[RowError]]:
    """``role`` (company-wide) or ``role@unitcode`` items, checked with the rules of ``role_assign``."""
    roles: list[tuple[str, str | None]] = []
    errors: list[RowError] = []
    for item in _split_list(value):
        role, at, code = (part.strip() for part in item.partition("@"))
        role = role.lower()
        if at and not code:
            errors.append(RowError(line, "roles", _("“%(item)s”: a unit code must follow the @.") % {"item": item}))
            continue
        if code and code not in units:
            errors.append(_unknown_units(line, "roles", [code]))
            continue
        try:
            services.role_scope_check(role=role, for_unit=bool(code))
        except DomainError as exc:
            errors.append(RowError(line, "roles", str(exc.message)))
            continue
        roles.append((role, code or None))
    return roles, errors


def _plan_person_changes(
    row: _PersonRow, person: Any, cells: dict[str, str], language: str, roles: list[tuple[str, str | None]]
) -> None:
    """What to write for one valid row. Blank cells leave an existing person's values alone."""
    if person is None:
        row.create = {
            "email": row.email,
            "display_name": cells["display_name"],
            "preferred_language": language or User._meta.get_field("preferred_language").default,
        }
    else:
        if cells["display_name"] and cells["display_name"] != person.display_name:
            row.changes["display_name"] = cells["display_name"]
        if language and language != person.preferred_language:
            row.changes["preferred_language"] = language
    row.memberships = _split_list(cells["units"])
    row.roles = roles


def _plan_leadership(
    claims: dict[tuple[str, str], tuple[int, tuple[str, Any]]], units: dict[str, OrgUnit], errors: list[RowError]
) -> tuple[dict[str, dict[str, tuple[str, Any]]], dict[str, int]]:
    """The lead and deputy changes per unit; a unit must not end up with one person as both."""
    leadership: dict[str, dict[str, tuple[str, Any]]] = {}
    lines: dict[str, int] = {}
    for code in sorted({code for code, _post in claims}):
        unit = units[code]
        current = {
            "lead": ("pk", unit.lead_id) if unit.lead_id else None,
            "deputy": ("pk", unit.deputy_id) if unit.deputy_id else None,
        }
        final = dict(current)
        for post in ("lead", "deputy"):
            if (code, post) in claims:
                final[post] = claims[code, post][1]
        if final["lead"] is not None and final["lead"] == final["deputy"]:
            for post in ("lead", "deputy"):
                if (code, post) in claims:
                    errors.append(
                        RowError(
                            claims[code, post][0],
                            f"{post}_of",
                            _("“%(code)s”: the deputy must be someone other than the lead.") % {"code": code},
                        )
                    )
            continue
        changes = {post: key for post, key in final.items() if key is not None and key != current[post]}
        if changes:
            leadership[code] = changes
            lines[code] = min(claims[code, post][0] for post in changes)
    return leadership, lines


def _drop_existing_links(rows: list[_PersonRow], units: dict[str, OrgUnit]) -> None:
    """Keep only the memberships and roles that existing people do not hold yet."""
    ids = [row.pk for row in rows if row.pk is not None]
    members = _pairs(Membership, ("unit_id",), ids)
    held = _pairs(RoleAssignment, ("role", "unit_id"), ids)
    for row in rows:
        if row.pk is None:
            continue
        row.memberships = [code for code in row.memberships if (row.pk, units[code].pk) not in members]
        row.roles = [
            (role, code) for role, code in row.roles if (row.pk, role, units[code].pk if code else None) not in held
        ]


@dataclass
class _Undo:
    """What the committed batches of a people import did, to be undone if a later step fails."""

    created: list[int] = field(default_factory=list)  # people
    updated: list[tuple[int, dict[str, Any], dict[str, Any]]] = field(default_factory=list)  # pk, before, set to
    memberships: list[tuple[int, int]] = field(default_factory=list)  # (person, unit) of people who existed
    roles: list[int] = field(default_factory=list)  # assignments to people who existed
    leadership: list[tuple[int, dict[str, Any]]] = field(default_factory=list)  # unit, its lead/deputy before

    def __bool__(self) -> bool:
        return bool(self.created or self.updated or self.memberships or self.roles or self.leadership)

    def extend(self, other: _Undo) -> None:
        self.created += other.created
        self.updated += other.updated
        self.memberships += other.memberships
        self.roles += other.roles
        self.leadership += other.leadership


_COLUMNS = {
    "email": "email",
    "username": "username",
    "display_name": "display_name",
    "preferred_language": "language",
    "role": "roles",
    "unit": "roles",
    None: "",
}


def _apply_person(actor: Actor, plan: _PeoplePlan, row: _PersonRow, written: _Undo) -> Any:
    if row.pk is None:
        person = services.person_create(actor=actor, password=None, **row.create)
        written.created.append(person.pk)
    else:
        person = User.objects.get(pk=row.pk)
        if row.changes:
            before = {name: getattr(person, name) for name in row.changes}
            person = services.person_update(actor=actor, person=person, **row.changes)
            written.updated.append((person.pk, before, dict(row.changes)))
    for code in row.memberships:
        services.membership_add(actor=actor, person=person, unit=plan.units[code])
        if row.pk is not None:
            written.memberships.append((person.pk, plan.units[code].pk))
    for role, scope in row.roles:
        assignment = services.role_assign(
            actor=actor, person=person, role=role, unit=plan.units[scope] if scope else None
        )
        if row.pk is not None:
            written.roles.append(assignment.pk)
    return person


def _apply_people(actor: Actor, plan: _PeoplePlan, undo: _Undo) -> ImportSummary:
    people: dict[tuple[str, Any], Any] = {}
    for batch in batched(plan.rows):
        written = _Undo()
        with write_atomic():
            for row in batch:
                try:
                    people[row.key] = _apply_person(actor, plan, row, written)
                except DomainError as exc:
                    raise row_failed(row.line, exc, columns=_COLUMNS) from exc
        undo.extend(written)  # only now: a batch that failed has written nothing
    written = _Undo()
    with write_atomic():
        for code, change in plan.leadership.items():
            unit = OrgUnit.objects.get(pk=plan.units[code].pk)
            changes = {post: people[key] for post, key in change.items()}  # every new lead or deputy is a row
            before = {post: getattr(unit, post) for post in changes}
            try:
                services.unit_update(actor=actor, unit=unit, **changes)
            except DomainError as exc:
                raise row_failed(plan.lines[code], exc, columns={"lead": "lead_of", "deputy": "deputy_of"}) from exc
            written.leadership.append((unit.pk, before))
    undo.extend(written)
    return plan.summary()


def _roll_back(actor: Actor, undo: _Undo, *, source: str, data: bytes, error: Exception) -> None:
    """Undo what the committed batches of a failed people import wrote, newest first, and record it.

    Leads and deputies, memberships, roles and changed details of people who existed get their
    previous state back (through the services, each with its audit event); people the import created
    are deleted with their memberships and roles, unless something already refers to them.
    """
    from django.db.models import ProtectedError

    with write_atomic():
        for unit_pk, before in undo.leadership[::-1]:
            unit = OrgUnit.objects.filter(pk=unit_pk).first()
            if unit is not None:
                services.unit_update(actor=actor, unit=unit, **before)
    for assignments in batched(undo.roles[::-1]):
        with write_atomic():
            for assignment in RoleAssignment.objects.filter(pk__in=list(assignments)).select_related("person"):
                services.role_revoke(actor=actor, assignment=assignment)
    for pairs in batched(undo.memberships[::-1]):
        with write_atomic():
            for person_pk, unit_pk in pairs:
                services.membership_remove(
                    actor=actor, person=User.objects.get(pk=person_pk), unit=OrgUnit.objects.get(pk=unit_pk)
                )
    for changed in batched(undo.updated[::-1]):
        with write_atomic():
            for pk, before, set_to in changed:
                person = User.objects.get(pk=pk)
                back = {name: value for name, value in before.items() if getattr(person, name) == set_to[name]}
                if back:
                    services.person_update(actor=actor, person=person, **back)
    kept: list[int] = []
    for created in batched(undo.created):
        with write_atomic():
            for pk in created:
                try:
                    with write_atomic():
                        User.objects.filter(pk=pk).delete()
                except ProtectedError:
                    kept.append(pk)
    with write_atomic():
        event_record(
            actor=actor,
            action="org.import.rolled_back",
            object_type="org.import",
            object_label=source or PEOPLE,
            after={
                "kind": PEOPLE,
                "file": source,
                "sha256": hashlib.sha256(data).hexdigest(),
                "reason": str(error)[:500],
                "people_deleted": len(undo.created) - len(kept),
                "people_kept": kept,
                "people_restored": len(undo.updated),
            },
        )


def people_import(*, actor: Actor, data: bytes, source: str = "", dry_run: bool = False) -> ImportSummary:
    """Create or update people from a CSV file, matched by e-mail address (any case).

    Adds memberships, sets units' leads and deputies and assigns roles; never removes any. New
    people get an unusable password (they sign in through single sign-on, or an administrator sets
    one). All or nothing: any faulty row raises :class:`ImportFailed` naming every faulty row, before
    anything is written. The file is planned outside any transaction and written in short batches
    (other writers wait a fraction of a second); should a batch fail, the batches before it are
    undone (:func:`_roll_back`).
    """
    plan = _plan_people(data)
    if dry_run:
        return plan.summary(dry_run=True)
    undo = _Undo()
    try:
        summary = _apply_people(actor, plan, undo)
        with write_atomic():
            record_import(actor=actor, kind=PEOPLE, source=source, data=data, summary=summary)
    except Exception as exc:
        if undo:
            _roll_back(actor, undo, source=source, data=data, error=exc)
        raise
    return summary
