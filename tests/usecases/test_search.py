"""Full-text search of the library: German and English word forms, prefixes, every searched field,
relevance, visibility, an index that follows every write, and queries that never break."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.urls import reverse
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from leitplanke.usecases import search, selectors, services, views
from leitplanke.usecases.models import UseCase

from ..factories import UnitFactory
from ..profiles import examples

pytestmark = pytest.mark.django_db

# No example database: nothing is written into the working tree.
on_database = settings(
    database=None, max_examples=examples(80), deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@pytest.fixture(autouse=True, params=["from the matches", "along an index"])
def sqlite_plan(request, monkeypatch) -> None:
    """Every test for both ways SQLite answers a search: starting from the matches (few of them), or
    walking an index and checking each row (most rows match); PostgreSQL's planner picks itself."""
    monkeypatch.setattr(search, "WALK_COST", 10**9 if request.param == "from the matches" else 0)


def _search(client, q: str, **params: str) -> list[str]:
    response = client.get(reverse("usecases:library"), {"q": q, **params})
    assert response.status_code == 200
    return [usecase.title for usecase in response.context["page"]]


def _found(viewer, q: str) -> list[str]:
    return [usecase.title for usecase in selectors.library_for(viewer, q=q)]


def test_a_german_plural_finds_the_singular(org, make_usecase, client_for) -> None:
    # Given a use case about one "Rechnung"
    make_usecase(title="Rechnung prüfen", summary="")

    # When someone searches for "Rechnungen"
    titles = _search(client_for(org.member), "Rechnungen")

    # Then the German stem finds it
    assert titles == ["Rechnung prüfen"]


def test_a_german_plural_with_umlaut_finds_the_singular(org, make_usecase, client_for) -> None:
    make_usecase(title="Vertrag kündigen", summary="")

    assert _search(client_for(org.member), "Verträgen") == ["Vertrag kündigen"]


def test_an_english_plural_finds_the_singular(org, make_usecase, client_for) -> None:
    make_usecase(title="Invoice checking", summary="")

    assert _search(client_for(org.member), "invoices") == ["Invoice checking"]


@pytest.mark.parametrize(
    ("typed", "title"),
    [("Rechnung", "Rechnungsprüfung"), ("invoic", "Invoice checking"), ("Rechnungsprü", "Rechnungsprüfung")],
)
def test_the_last_word_also_finds_longer_words(org, make_usecase, client_for, typed, title) -> None:
    # Given a use case whose title starts with what is typed
    make_usecase(title=title, summary="")

    # When the beginning of the word is searched
    titles = _search(client_for(org.member), typed)

    # Then it is found
    assert titles == [title]


def test_only_the_last_word_is_a_prefix(org, make_usecase, client_for) -> None:
    make_usecase(title="Rechnungsprüfung mit KI", summary="")

    client = client_for(org.member)
    assert _search(client, "KI Rechnung") == ["Rechnungsprüfung mit KI"]
    assert _search(client, "Rechnung KI") == []


def test_a_very_short_last_word_is_not_a_prefix(org, make_usecase, client_for) -> None:
    make_usecase(title="Rechnungsprüfung", summary="")

    assert _search(client_for(org.member), "Re") == []


@pytest.mark.parametrize("field", ["summary", "problem", "expected_benefit"])
def test_words_in_the_other_text_fields_are_found(org, make_usecase, client_for, field) -> None:
    # Given a use case that names "Lieferschein" only in one text field
    make_usecase(title="Belegerfassung", **{"summary": "", field: "Jeder Lieferschein wird abgeglichen."})

    # When someone searches for the word
    titles = _search(client_for(org.member), "Lieferscheine")

    # Then that field was searched
    assert titles == ["Belegerfassung"]


def test_every_word_of_the_query_must_match(org, make_usecase, client_for) -> None:
    make_usecase(title="Rechnungen klassifizieren", summary="Eingangsrechnungen der Buchhaltung")
    make_usecase(title="Rechnungen erklären", summary="Für den Kundendienst")

    assert _search(client_for(org.member), "Rechnung Kundendienst") == ["Rechnungen erklären"]


def test_a_word_in_no_use_case_finds_nothing(org, make_usecase, client_for) -> None:
    make_usecase(title="Rechnungen klassifizieren", summary="Eingangsrechnungen werden vorkontiert.")

    assert _search(client_for(org.member), "Schichtplan") == []


@pytest.mark.parametrize(
    ("typed", "title"),
    [
        ("Vertraege", "Verträge prüfen"),
        ("Verträge", "Vertraege pruefen"),
        ("Strasse", "Straße kartieren"),
        ("STRASSE", "Straße kartieren"),
        ("Prufung", "Prüfung der Belege"),
    ],
)
def test_umlauts_and_sharp_s_match_their_other_spellings(org, make_usecase, client_for, typed, title) -> None:
    make_usecase(title=title, summary="")

    assert _search(client_for(org.member), typed) == [title]


def test_a_confidential_match_stays_hidden_from_other_units(org, make_usecase, client_for) -> None:
    # Given a confidential use case of the Buchhaltung team that matches the query
    make_usecase(title="Gehaltsabrechnung prüfen", confidential=True)
    make_usecase(title="Gehaltsfragen beantworten")

    # When someone from Marketing searches for it
    titles = _search(client_for(org.outsider), "Gehalt")

    # Then only what they may see anyway is found
    assert titles == ["Gehaltsfragen beantworten"]


def test_a_confidential_match_is_found_by_the_owning_unit(org, make_usecase, client_for) -> None:
    make_usecase(title="Gehaltsabrechnung prüfen", confidential=True)

    assert _search(client_for(org.lead), "Gehalt") == ["Gehaltsabrechnung prüfen"]


def test_an_update_replaces_the_indexed_words(org, make_usecase, client_for) -> None:
    # Given a use case about invoices
    usecase = make_usecase(title="Rechnungen klassifizieren", summary="Kontierung per KI")

    # When its title and summary are changed
    services.usecase_update(
        actor=org.member, usecase=usecase, title="Verträge klassifizieren", summary="Fristen erkennen"
    )

    # Then the old words no longer find it, the new ones do
    client = client_for(org.member)
    assert _search(client, "Rechnungen") == []
    assert _search(client, "Kontierung") == []
    assert _search(client, "Vertrag") == ["Verträge klassifizieren"]
    assert _search(client, "Fristen") == ["Verträge klassifizieren"]


def test_an_import_keeps_the_index_current(org, make_usecase, client_for) -> None:
    # Given a use case created and later changed through the services, as imports and the demo do
    usecase = make_usecase(title="Protokolle zusammenfassen", summary="")
    services.usecase_update(actor=None, usecase=usecase, problem="Besprechungen dauern zu lange.")

    assert _search(client_for(org.member), "Besprechung") == ["Protokolle zusammenfassen"]


def test_title_matches_come_first_when_sorted_by_relevance(org, make_usecase, client_for) -> None:
    # Given a match in the title, then newer ones in the summary and in the problem
    make_usecase(title="Rechnungen prüfen", summary="")
    make_usecase(title="Kontierung", summary="Jede Rechnung wird vorkontiert.")
    make_usecase(title="Ablage", summary="", problem="Rechnungen gehen verloren.")
    client = client_for(org.member)

    # When searched without choosing a sort, or choosing relevance
    default = _search(client, "Rechnung")
    relevance = _search(client, "Rechnung", sort="relevance")

    # Then the title match leads, then the others, newest first
    assert default == relevance == ["Rechnungen prüfen", "Ablage", "Kontierung"]


def test_the_oldest_title_match_still_leads_when_only_the_first_rows_are_reachable(
    org, make_usecase, client_for, monkeypatch
) -> None:
    # Given an old title match and many newer matches elsewhere, and a library that reaches two rows
    monkeypatch.setattr(views, "LIBRARY_COUNT_CAP", 2)
    monkeypatch.setattr(views, "PAGE_SIZE", 2)
    make_usecase(title="Rechnungen prüfen", summary="")
    for number in range(4):
        make_usecase(title=f"Ablage {number}", summary="Jede Rechnung wird abgelegt.")

    # When searched by relevance
    response = client_for(org.member).get(reverse("usecases:library"), {"q": "Rechnung"})

    # Then the title match leads, the newest other follows, and the library says there are more
    assert [usecase.title for usecase in response.context["page"]] == ["Rechnungen prüfen", "Ablage 3"]
    assert "Mehr als 2 Anwendungsfälle" in response.content.decode()


def test_every_page_continues_the_relevance_order(org, make_usecase, client_for, monkeypatch) -> None:
    # Given three title matches and three newer matches elsewhere, two to a page
    monkeypatch.setattr(views, "PAGE_SIZE", 2)
    for number in range(3):
        make_usecase(title=f"Rechnungen {number}", summary="")
    for number in range(3):
        make_usecase(title=f"Ablage {number}", summary="Jede Rechnung wird abgelegt.")
    client = client_for(org.member)

    # When the pages are read one after the other (and one past the end, which shows the last)
    pages = [_search(client, "Rechnung", page=str(number)) for number in (1, 2, 3, 9)]

    # Then together they are the whole order: title matches first, each group newest first
    assert pages == [
        ["Rechnungen 2", "Rechnungen 1"],
        ["Rechnungen 0", "Ablage 2"],
        ["Ablage 1", "Ablage 0"],
        ["Ablage 1", "Ablage 0"],
    ]


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("relevance", ["Rechnungen prüfen", "Zahlungsablage", "Kontierung"]),
        ("-updated", ["Zahlungsablage", "Kontierung", "Rechnungen prüfen"]),
        ("title", ["Kontierung", "Rechnungen prüfen", "Zahlungsablage"]),
    ],
)
def test_a_search_can_still_be_sorted_otherwise(org, make_usecase, client_for, sort, expected) -> None:
    make_usecase(title="Rechnungen prüfen", summary="")
    make_usecase(title="Kontierung", summary="Jede Rechnung wird vorkontiert.")
    make_usecase(title="Zahlungsablage", summary="", problem="Rechnungen gehen verloren.")

    assert _search(client_for(org.member), "Rechnung", sort=sort) == expected


def test_without_a_search_relevance_lists_the_last_changed_first(org, make_usecase, client_for) -> None:
    make_usecase(title="Älter")
    make_usecase(title="Neuer")

    response = client_for(org.member).get(reverse("usecases:library"), {"sort": "relevance"})

    assert [usecase.title for usecase in response.context["page"]] == ["Neuer", "Älter"]


def test_use_cases_written_around_the_services_are_found_after_a_rebuild(org, client_for) -> None:
    # Given a use case inserted in bulk, bypassing the services (as the benchmark generator does)
    UseCase.objects.bulk_create([UseCase(title="Schichtpläne entwerfen", unit=org.team, owner=org.member)])
    client = client_for(org.member)
    assert _search(client, "Schichtplan") == []

    # When the index is rebuilt from the command line
    out = io.StringIO()
    call_command("search", "rebuild", stdout=out)

    # Then it is found, and the command said how many it indexed
    assert _search(client, "Schichtplan") == ["Schichtpläne entwerfen"]
    assert "1 use cases" in out.getvalue()


def test_a_rebuild_keeps_what_the_services_indexed(org, make_usecase, client_for) -> None:
    make_usecase(title="Rechnungen klassifizieren")
    usecase = make_usecase(title="Protokolle zusammenfassen")
    services.usecase_update(actor=org.member, usecase=usecase, title="Berichte zusammenfassen")

    search.index_rebuild()

    client = client_for(org.member)
    assert _search(client, "Rechnung") == ["Rechnungen klassifizieren"]
    assert _search(client, "Protokoll") == []
    assert _search(client, "Bericht") == ["Berichte zusammenfassen"]


@pytest.mark.parametrize(
    "typed",
    ['"', '"Rechnung', 'Rechnung"', "*", "Rech*", "-Rechnung", "Rechnung -KI", "OR", "Rechnung OR", "AND NOT",
     "(", "Rechnung)", "(Rechnung OR", "NEAR(Rechnung", "title:Rechnung", "{title}: x", "^Rechnung", "'", "''",
     "a & b | !c", "<->", "\\", "Rechnung:*", "x:A", "%", "_", "%_%", ";--", "\t\n", "…", "💶 Rechnung", "ﱞ"],
)  # fmt: skip
def test_special_characters_never_cause_an_error(org, make_usecase, client_for, typed) -> None:
    make_usecase(title="Rechnungen klassifizieren")

    titles = _search(client_for(org.member), typed)

    assert titles in ([], ["Rechnungen klassifizieren"])


def test_a_query_of_only_punctuation_finds_nothing(org, make_usecase, client_for) -> None:
    make_usecase(title="Rechnungen klassifizieren")

    assert _search(client_for(org.member), '"* - ( )') == []


query_pieces = st.sampled_from(
    ['"', "*", "-", "+", "OR", "AND", "NOT", "NEAR", "(", ")", ":", "^", "{", "}", "'", "&", "|", "!", "<->",
     "\\", "title", "A", "Rechnung", "ä", "ß", " ", "\t"]
)  # fmt: skip
queries = st.text(st.characters(codec="utf-8", exclude_characters="\x00"), max_size=40) | st.lists(
    query_pieces, max_size=12
).map("".join)


@on_database
@given(typed=queries)
@example(typed='"Rechnung')
@example(typed="Rechnung OR (x")
@example(typed="ǅ ﬁ ½ ⅷ")
@example(typed="ﱞ")  # a letter that folds to nothing
@example(typed="Rechnung ﾞ")
def test_any_query_gives_a_list_and_never_an_error(org, make_usecase, typed) -> None:
    # Given the library holds a use case (created once for all examples)
    if not UseCase.objects.exists():
        make_usecase(title="Rechnungen klassifizieren", summary="Verträge, invoices and Straßen")

    # When anything at all is searched
    titles = _found(org.member, typed)

    # Then the database answers with a list (the use case or nothing)
    assert titles in ([], ["Rechnungen klassifizieren"])


@pytest.mark.parametrize("viewer", ["unit_member", "other_unit", "auditor"])
def test_a_search_costs_the_same_queries_however_many_rows_match(
    org, make_usecase, tools, client_for, library_queries, viewer
) -> None:
    other = UnitFactory(code="vt", name="Vertrieb", parent=org.company, lead=org.lead)
    client = client_for(org.viewer(viewer))
    for number in range(2):
        make_usecase(title=f"Rechnungen {number}", tools=list(tools.values()), contributors=[org.lead])
    few = library_queries(client, q="Rechnung")

    for number in range(30):
        make_usecase(
            title=f"Rechnungsprüfung {number}",
            unit=other if number % 2 else org.team,
            owner=org.lead,
            tools=list(tools.values()),
            contributors=[org.member],
        )
    many = library_queries(client, q="Rechnung")

    assert many == few
