"""Full-text search of use cases in German and English, on SQLite (FTS5) and PostgreSQL (``tsvector``).

Searched are the title (weight A), the summary (B), the problem and the expected benefit (C). A query
matches if every word of it is found in German or English word forms ("Rechnungen" finds "Rechnung",
"invoices" finds "invoice"); its last word also as the beginning of a word ("Rechnung" finds
"Rechnungsprüfung"). Quotes, operators and other punctuation in a query are ignored, never an error.
Sorted by relevance, title matches come first, then the newest.

PostgreSQL: two columns of ``usecases_usecase`` that are on purpose no model fields (so no query
ever loads them), each with a GIN index: ``search_document`` is
``to_tsvector('german', …) || to_tsvector('english', …)`` of every field with its weight,
``search_title`` the same of the title alone (title matches, with their own statistics). Queries
are built from ``to_tsquery`` in both configurations, so the database's own stemmers are used.

SQLite: FTS5 has no German or English stemmer, so the words are stemmed here (snowballstemmer) when
writing and when searching. The stems of each use case are a row of ``usecases_usecase_terms``
(removed with its use case by ``ON DELETE CASCADE``), the external content of the FTS5 table
``usecases_usecase_fts``; triggers on the terms table keep FTS5 in step and remove exactly what was
indexed before, even after a stemmer upgrade changed the stems.

Neither database knows how many use cases a search matches, so a search first probes the newest
1,000: a word in many of them is tested row by row while the database walks the index of the sort
(and stops after a page), a rarer one is looked up in the search index first (``_walk``). Ranked,
the library reads the newest matches and the newest title matches up to what it shows, never a
sort of every match (``matching``).

Every write of a use case calls :func:`usecase_index` in its transaction (``services``);
:func:`index_rebuild` (``leitplanke search rebuild``) rebuilds the whole index after writes that
bypass the services, such as ``bulk_create``, or after an upgrade of the stemmer.
"""

# Every SQL text here is put together from this module's constants; what people type only ever
# reaches the database as a query parameter, never as SQL.
# ruff: noqa: S608, S611

from __future__ import annotations

import functools
import json
import re
import threading
import unicodedata
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import snowballstemmer
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import BooleanField, Case, Expression, Q, QuerySet, Value, When
from django.db.models.expressions import RawSQL

from leitplanke.common.transactions import write_atomic

if TYPE_CHECKING:
    from .models import UseCase

TABLE = "usecases_usecase"
DOCUMENT_COLUMN = "search_document"
TITLE_COLUMN = "search_title"
TERMS_TABLE = "usecases_usecase_terms"
FTS_TABLE = "usecases_usecase_fts"

#: Only this many words of a query count (a longer query is cut), which bounds what a search costs.
MAX_QUERY_WORDS = 8
#: The last word of a query also matches longer words from this many characters on ("Re" is too short).
PREFIX_MIN_LENGTH = 3
#: The sort key ``search_rank``: the query matches in the title, or only elsewhere.
RANK_TITLE, RANK_OTHER = 0, 1
#: How much dearer testing one row while walking an index is than fetching one match (see ``_walk``).
WALK_COST = 1.0

CONFIGURATIONS = ("german", "english")
_WORD = re.compile(r"[^\W_]+")
_TO_UMLAUT = {"ae": "ä", "oe": "ö", "ue": "ü"}
_FROM_UMLAUT = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue"})
_NEWEST = ("-updated_at", "-id")


def _pg_vector(text: str, weight: str) -> str:
    return " || ".join(f"setweight(to_tsvector('{name}'::regconfig, {text}), '{weight}')" for name in CONFIGURATIONS)


# PostgreSQL: the vectors of a row, computed from its own columns.
_PG_TITLE = _pg_vector('"title"', "A")
_PG_DOCUMENT = " || ".join(
    (_PG_TITLE, _pg_vector('"summary"', "B"), _pg_vector('"problem" || \' \' || "expected_benefit"', "C"))
)
_PG_SET = f'"{DOCUMENT_COLUMN}" = {_PG_DOCUMENT}, "{TITLE_COLUMN}" = {_PG_TITLE}'
_PG_INSTALL = [
    f'ALTER TABLE "{TABLE}" ADD COLUMN IF NOT EXISTS "{DOCUMENT_COLUMN}" tsvector',
    f'ALTER TABLE "{TABLE}" ADD COLUMN IF NOT EXISTS "{TITLE_COLUMN}" tsvector',
    f'CREATE INDEX IF NOT EXISTS "usecase_search_document" ON "{TABLE}" USING gin ("{DOCUMENT_COLUMN}")',
    f'CREATE INDEX IF NOT EXISTS "usecase_search_title" ON "{TABLE}" USING gin ("{TITLE_COLUMN}")',
]
_PG_REMOVE = [
    'DROP INDEX IF EXISTS "usecase_search_title"',
    'DROP INDEX IF EXISTS "usecase_search_document"',
    f'ALTER TABLE "{TABLE}" DROP COLUMN IF EXISTS "{TITLE_COLUMN}"',
    f'ALTER TABLE "{TABLE}" DROP COLUMN IF EXISTS "{DOCUMENT_COLUMN}"',
]

# SQLite: the stems are ASCII-tokenised, so every stem (letters and digits only) is exactly one token;
# detail=column keeps which field a word is in (for the title rank) but not where (no phrases needed).
_SQLITE_TABLES = [
    f'CREATE TABLE IF NOT EXISTS "{TERMS_TABLE}" ('
    f'"usecase_id" integer NOT NULL PRIMARY KEY REFERENCES "{TABLE}" ("id") ON DELETE CASCADE, '
    '"title" text NOT NULL, "summary" text NOT NULL, "body" text NOT NULL)',
    f'CREATE VIRTUAL TABLE IF NOT EXISTS "{FTS_TABLE}" USING fts5(title, summary, body, '
    f"content='{TERMS_TABLE}', content_rowid='usecase_id', tokenize='ascii', detail='column')",
]
_FTS_ADD = (
    f'INSERT INTO "{FTS_TABLE}" (rowid, title, summary, body) '
    "VALUES (new.usecase_id, new.title, new.summary, new.body);"
)
_FTS_REMOVE = (
    f'INSERT INTO "{FTS_TABLE}" ("{FTS_TABLE}", rowid, title, summary, body) '
    "VALUES ('delete', old.usecase_id, old.title, old.summary, old.body);"
)
_SQLITE_TRIGGERS = {
    f"{TERMS_TABLE}_inserted": f'AFTER INSERT ON "{TERMS_TABLE}" BEGIN {_FTS_ADD} END',
    f"{TERMS_TABLE}_deleted": f'AFTER DELETE ON "{TERMS_TABLE}" BEGIN {_FTS_REMOVE} END',
    f"{TERMS_TABLE}_updated": f'AFTER UPDATE ON "{TERMS_TABLE}" BEGIN {_FTS_REMOVE} {_FTS_ADD} END',
}
_SQLITE_UPSERT = (
    f'INSERT INTO "{TERMS_TABLE}" ("usecase_id", "title", "summary", "body") VALUES (%s, %s, %s, %s) '
    'ON CONFLICT ("usecase_id") DO UPDATE SET "title" = excluded."title", "summary" = excluded."summary", '
    '"body" = excluded."body"'
)
_REBUILD_BATCH = 2000


def _vendor(connection: BaseDatabaseWrapper) -> str:
    if connection.vendor not in ("sqlite", "postgresql"):
        raise NotImplementedError(f"Leitplanke supports SQLite and PostgreSQL, not {connection.vendor}.")
    return str(connection.vendor)


def _create_triggers(cursor: Any) -> None:
    for name, body in _SQLITE_TRIGGERS.items():
        cursor.execute(f'CREATE TRIGGER IF NOT EXISTS "{name}" {body}')


def _drop_triggers(cursor: Any) -> None:
    for name in _SQLITE_TRIGGERS:
        cursor.execute(f'DROP TRIGGER IF EXISTS "{name}"')


def schema_install(connection: BaseDatabaseWrapper) -> None:
    """Create the search index (PostgreSQL: columns and GIN indexes; SQLite: terms, FTS5 table, triggers)."""
    with connection.cursor() as cursor:
        for statement in _PG_INSTALL if _vendor(connection) == "postgresql" else _SQLITE_TABLES:
            cursor.execute(statement)
        if connection.vendor == "sqlite":
            _create_triggers(cursor)


def schema_remove(connection: BaseDatabaseWrapper) -> None:
    """Drop the search index again (the reverse of :func:`schema_install`)."""
    with connection.cursor() as cursor:
        if _vendor(connection) == "postgresql":
            for statement in _PG_REMOVE:
                cursor.execute(statement)
            return
        _drop_triggers(cursor)
        cursor.execute(f'DROP TABLE IF EXISTS "{FTS_TABLE}"')
        cursor.execute(f'DROP TABLE IF EXISTS "{TERMS_TABLE}"')


# -- words and stems (SQLite's index and queries) ------------------------------------------------------

_local = threading.local()


def _stemmers() -> tuple[Any, Any]:
    # A snowball stemmer keeps state while it stems: one pair per thread (``serve`` runs threads).
    if not hasattr(_local, "stemmers"):
        _local.stemmers = (snowballstemmer.stemmer("german"), snowballstemmer.stemmer("english"))
    return _local.stemmers


def words(text: str) -> list[str]:
    """The words of ``text`` (letters and digits), case-folded, in order."""
    return _WORD.findall(text.casefold())


def _fold(word: str) -> str:
    """``word`` without accents (ä → a, é → e), case-folded, letters and digits only."""
    # Decomposing can bring back capitals (ǅ → Dž), so fold the case again after it.
    decomposed = unicodedata.normalize("NFKD", unicodedata.normalize("NFKD", word).casefold())
    return "".join(char for char in decomposed if char.isalnum())


@functools.lru_cache(maxsize=100_000)
def stems(word: str) -> tuple[str, ...]:
    """The stems of a case-folded word, without accents: the German one, and the English one where the
    English stemmer changed the word (it leaves most German words alone, which would only double them)."""
    german, english = _stemmers()
    found = [_fold(german.stemWord(word)) or _fold(word)]
    english_stem = english.stemWord(word)
    if english_stem != word and _fold(english_stem) and _fold(english_stem) not in found:
        found.append(_fold(english_stem))
    return tuple(found)


def terms(text: str) -> str:
    """What SQLite indexes for ``text``: the stems of its words, separated by spaces."""
    return " ".join(stem for word in words(text) for stem in stems(word))


def _groups(found: list[str]) -> list[tuple[list[str], bool]]:
    """SQLite: per word of the query the stems that may stand for it, and whether they are prefixes
    (the last word, if long enough)."""
    groups = []
    for position, word in enumerate(found):
        forms = list(stems(word))
        prefix = position == len(found) - 1 and len(word) >= PREFIX_MIN_LENGTH
        if prefix:
            # A half-typed word is no word the stemmer knows, so its own letters count too; a prefix
            # that starts with another one adds nothing ("rechnungen…" lies within "rechnung…").
            forms = sorted({*forms, _fold(word)}, key=len)
            forms = [form for index, form in enumerate(forms) if not any(form.startswith(f) for f in forms[:index])]
        if forms := [form for form in forms if form]:
            groups.append((forms, prefix))
    return groups


def _fts5_query(groups: list[tuple[list[str], bool]]) -> str:
    """An FTS5 query: every word in one of its stems (stems are quoted and hold only letters and
    digits, so nothing the person typed is ever read as FTS5 syntax)."""
    star = {True: "*", False: ""}
    return " AND ".join(
        "(" + " OR ".join(f'"{form}"{star[prefix]}' for form in forms) + ")" for forms, prefix in groups
    )


def _terms_condition(groups: list[tuple[list[str], bool]], columns: tuple[str, ...]) -> tuple[str, list[str]]:
    """The same as :func:`_fts5_query`, tested on one row of the terms table: in its space-separated
    stems, " stem " is a word and " stem" the start of one."""
    text = "' ' || " + " || ' ' || ".join(f'"{column}"' for column in columns) + " || ' '"
    sql = " AND ".join("(" + " OR ".join(f"instr({text}, %s) > 0" for _ in forms) + ")" for forms, _prefix in groups)
    return sql, [f" {form}" if prefix else f" {form} " for forms, prefix in groups for form in forms]


def _tsquery_alternatives(found: list[str]) -> tuple[str, list[str]]:
    """PostgreSQL: every word in German or English, with umlauts either way; the last also as a
    prefix, written ``'w' | 'w':*`` so the planner's word statistics still apply."""
    groups: list[str] = []
    params: list[str] = []
    for position, word in enumerate(found):
        prefix = position == len(found) - 1 and len(word) >= PREFIX_MIN_LENGTH
        alternatives = []
        for spelling in _spellings(word):
            # Only letters and digits inside the quotes: to_tsquery never meets its own syntax.
            operand = f"'{spelling}' | '{spelling}':*" if prefix else f"'{spelling}'"
            for name in CONFIGURATIONS:
                alternatives.append(f"to_tsquery('{name}'::regconfig, %s)")
                params.append(operand)
        groups.append("(" + " || ".join(alternatives) + ")")
    return " && ".join(groups), params


def _spellings(word: str) -> list[str]:
    """``word`` as typed and with umlauts written the other way (ä ↔ ae): PostgreSQL's German stemmer
    only knows ä, ö, ü, and texts use both."""
    other = word.translate(_FROM_UMLAUT)
    if other == word:
        other = re.sub("ae|oe|ue", lambda match: _TO_UMLAUT[match.group()], word)
    return [word] if other == word else [word, other]


class _DocumentMatches(Expression):
    """PostgreSQL: the words match ``column``, for the use-case table of the query it is compiled in
    (also when that query is a subquery with its own table alias).

    ``dense``: tested on each row (``column @@ query``), for words in many use cases, so the
    planner may walk the index of the sort and stop after a page; otherwise the matching ids are
    looked up in the GIN index first (``id = ANY(ARRAY(…))``), since the planner guesses a word
    it has no statistics for at a few per cent and would walk that index through the whole table.
    """

    output_field = BooleanField()

    def __init__(self, column: str, found: list[str], *, dense: bool) -> None:
        super().__init__()
        self.column, self.found, self.dense = column, found, dense

    def as_sql(self, compiler: Any, connection: BaseDatabaseWrapper) -> tuple[str, tuple[Any, ...]]:
        query, params = _tsquery_alternatives(self.found)
        table = compiler.quote_name(compiler.query.base_table)
        if self.dense:
            return f'{table}."{self.column}" @@ ({query})', tuple(params)
        return f'{table}."id" = ANY(ARRAY(SELECT "id" FROM "{TABLE}" WHERE "{self.column}" @@ ({query})))', tuple(
            params
        )


class _TermsMatch(Expression):
    """SQLite: the terms row of each use case tested directly (``EXISTS``), for the table of the query it
    is compiled in."""

    output_field = BooleanField()

    def __init__(self, sql: str, params: list[str]) -> None:
        super().__init__()
        self.sql, self.params = sql, params

    def as_sql(self, compiler: Any, connection: BaseDatabaseWrapper) -> tuple[str, tuple[Any, ...]]:
        table = compiler.quote_name(compiler.query.base_table)
        return (
            f'EXISTS (SELECT 1 FROM "{TERMS_TABLE}" WHERE "usecase_id" = {table}."id" AND {self.sql})',
            tuple(self.params),
        )


def _walk(hits: int, probed: int, total: int, wanted: int) -> bool:
    """Whether to test each row while walking the index of the sort rather than start from the
    matches: walking reads about ``wanted / share`` rows to find ``wanted``, starting from the
    matches fetches ``share × total`` (``share``: of the newest use cases, how many matched)."""
    share = hits / probed if probed else 0.0
    return share > 0 and share * share * total > wanted * WALK_COST


def _conditions(using: str, found: list[str], wanted: list[int]) -> list[Q]:
    """Search conditions for the words ``found``: "matches anywhere", and "matches in the title" if
    ``wanted`` has a second entry; ``wanted`` says how many rows each will be asked for at most.

    Neither database can tell how many use cases a search matches (SQLite knows nothing about FTS5
    results, PostgreSQL guesses unknown words and prefixes at a few per cent), yet the best plan
    depends on it. So the newest use cases are probed first: if many of them match, each row is
    tested while the database walks the index of the sort or of another filter (a page is full after
    a few rows); if few do, the search index yields the matches first.
    """
    connection = connections[using]
    if _vendor(connection) == "postgresql":
        columns = (DOCUMENT_COLUMN, TITLE_COLUMN)[: len(wanted)]
        query, params = _tsquery_alternatives(found)
        selected = ", ".join(f'"{column}"' for column in columns)
        probe = ", ".join(f'count(*) FILTER (WHERE "{column}" @@ ({query}))' for column in columns)
        with connection.cursor() as cursor:
            cursor.execute(
                f'SELECT (SELECT coalesce(max("id"), 0) FROM "{TABLE}"), count(*), {probe} FROM '
                f'(SELECT {selected} FROM "{TABLE}" ORDER BY "id" DESC LIMIT {_PROBE_ROWS}) AS newest',
                params * len(columns),
            )
            total, probed, *matched = cursor.fetchone()
        return [
            Q(_DocumentMatches(column, found, dense=_walk(hits, probed, total, rows)))
            for column, hits, rows in zip(columns, matched, wanted, strict=True)
        ]
    groups = _groups(found)
    if not groups:  # no word left a stem (letters that fold to nothing): nothing matches
        return [Q(pk__in=[])] * len(wanted)
    anywhere = _fts5_query(groups)
    queries = [(anywhere, ("title", "summary", "body")), (f"{{title}} : ({anywhere})", ("title",))][: len(wanted)]
    tests = [_terms_condition(groups, columns) for _query, columns in queries]
    probe = ", ".join(f"coalesce(sum({sql}), 0)" for sql, _params in tests)
    with connection.cursor() as cursor:
        cursor.execute(
            f'SELECT (SELECT coalesce(max("usecase_id"), 0) FROM "{TERMS_TABLE}"), count(*), {probe} FROM '
            f'(SELECT "title", "summary", "body" FROM "{TERMS_TABLE}" ORDER BY "usecase_id" DESC LIMIT {_PROBE_ROWS})',
            [param for _sql, params in tests for param in params],
        )
        total, probed, *matched = cursor.fetchone()
    return [
        Q(_TermsMatch(sql, params)) if _walk(hits, probed, total, rows) else Q(pk__in=RawSQL(_FTS_ROWIDS, (query,)))
        for (query, _columns), (sql, params), hits, rows in zip(queries, tests, matched, wanted, strict=True)
    ]


_FTS_ROWIDS = f'SELECT rowid FROM "{FTS_TABLE}" WHERE "{FTS_TABLE}" MATCH %s'
#: How many of the newest use cases show whether a search matches many.
_PROBE_ROWS = 1000


# -- the index and the filter --------------------------------------------------------------------------


def usecase_index(usecase: UseCase) -> None:
    """Bring the search index of one saved use case up to date (call inside the writing transaction)."""
    connection = connections[usecase._state.db or DEFAULT_DB_ALIAS]
    with connection.cursor() as cursor:
        if _vendor(connection) == "postgresql":
            cursor.execute(f'UPDATE "{TABLE}" SET {_PG_SET} WHERE "id" = %s', [usecase.pk])
            return
        cursor.execute(
            _SQLITE_UPSERT,
            [
                usecase.pk,
                terms(usecase.title),
                terms(usecase.summary),
                terms(f"{usecase.problem}\n{usecase.expected_benefit}"),
            ],
        )


def index_rebuild(using: str = DEFAULT_DB_ALIAS) -> int:
    """Rebuild the search index of every use case from its text; returns how many were indexed."""
    connection = connections[using]
    with write_atomic(using=using), connection.cursor() as cursor:
        if _vendor(connection) == "postgresql":
            cursor.execute(f'UPDATE "{TABLE}" SET {_PG_SET}')
            return int(cursor.rowcount)
        # Without the triggers, then one FTS5 'rebuild' from the terms table: far faster than
        # removing and adding every row one by one, and exactly what the terms table says.
        _drop_triggers(cursor)
        cursor.execute(f'DELETE FROM "{TERMS_TABLE}"')
        indexed, last = 0, 0
        while True:
            cursor.execute(
                f'SELECT "id", "title", "summary", "problem", "expected_benefit" FROM "{TABLE}" '
                'WHERE "id" > %s ORDER BY "id" LIMIT %s',
                [last, _REBUILD_BATCH],
            )
            rows = cursor.fetchall()
            if not rows:
                break
            cursor.executemany(
                f'INSERT INTO "{TERMS_TABLE}" ("usecase_id", "title", "summary", "body") VALUES (%s, %s, %s, %s)',
                [(pk, terms(title), terms(summary), terms(f"{problem}\n{benefit}"))
                 for pk, title, summary, problem, benefit in rows],
            )  # fmt: skip
            indexed += len(rows)
            last = rows[-1][0]
        _create_triggers(cursor)
        cursor.execute(f'INSERT INTO "{FTS_TABLE}" ("{FTS_TABLE}") VALUES (\'rebuild\')')
        return indexed


def matching(
    usecases: QuerySet[UseCase],
    text: str,
    *,
    rank: bool = False,
    reachable: int = 1001,
    shown: int | None = None,
) -> QuerySet[UseCase]:
    """``usecases`` narrowed to those matching ``text`` (none if it holds no word).

    ``reachable``: at most that many rows will ever be read (a capped count). With ``rank``, the
    alias ``search_rank`` orders title matches first (sort by it, then newest first). With
    ``shown`` as well (the rows up to the end of the page shown, at most ``reachable``), the result
    holds just the newest ``reachable`` matches and the newest ``shown`` title matches: together
    they hold the first ``shown`` rows of that order and enough rows for the count. Both are found
    by two queries that read no more than they return, so a word in most use cases never costs a
    sort of all of them, and the page and its count are looked up by id. Apply it last.
    """
    found = words(text)[:MAX_QUERY_WORDS]
    if not found:  # nothing but punctuation: nothing matches
        return usecases.none().alias(search_rank=Value(RANK_OTHER))
    if not rank:
        return usecases.filter(*_conditions(usecases.db, found, [reachable]))
    if shown is None:
        anywhere, in_title = _conditions(usecases.db, found, [reachable, reachable])
        return usecases.filter(anywhere).alias(
            search_rank=Case(When(in_title, then=Value(RANK_TITLE)), default=Value(RANK_OTHER))
        )
    shown = min(shown, reachable)
    anywhere, in_title = _conditions(usecases.db, found, [reachable, shown])
    newest = list(usecases.filter(anywhere).order_by(*_NEWEST).values_list("pk", flat=True)[:reachable])
    # A title match is a match, so this needs no other search condition. Within the rows shown,
    # being among the newest title matches is the same as being a title match.
    titles = list(usecases.filter(in_title).order_by(*_NEWEST).values_list("pk", flat=True)[:shown])
    in_titles = When(pk__in=id_set(usecases.db, titles), then=Value(RANK_TITLE))
    return (
        usecases.model._default_manager.db_manager(usecases.db)
        .filter(pk__in=id_set(usecases.db, {*newest, *titles}))
        .alias(search_rank=Case(in_titles, default=Value(RANK_OTHER)))
    )


def id_set(using: str, ids: Iterable[int]) -> RawSQL:
    """A subquery yielding ``ids``, passed as one parameter (not a thousand), for ``pk__in``."""
    if connections[using].vendor == "postgresql":
        return RawSQL("SELECT unnest(%s::bigint[])", (sorted(ids),))
    return RawSQL("SELECT value FROM json_each(%s)", (json.dumps(sorted(ids)),))
