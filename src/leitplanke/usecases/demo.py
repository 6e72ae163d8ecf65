"""About forty use cases of the demo company "Beispiel AG", from harmless to prohibited.

They are registered through the services (so each has its history), by their owners, and matched
by title and unit first, so loading the demo again changes nothing. :func:`load` registers them
now; ``leitplanke demo`` registers each on its day instead, as part of the history that
``decisions.demo`` replays (with :func:`register`). Tools come from the demo
catalogue by name; a tool that is not there (yet) is left out, and added on a later run.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model

from leitplanke.catalog.models import Tool
from leitplanke.common.actors import Actor
from leitplanke.common.transactions import write_atomic
from leitplanke.org.models import OrgUnit

from . import services
from .facts import UNSURE
from .models import Stage, Status, UseCase

U = UNSURE


def facts(
    purposes: tuple[str, ...],
    affected: tuple[str, ...],
    *,
    talks: str = "no",
    content: str = "none",
    personal: str = "none",
    classification: str = "internal",
    monitors: str = "no",
    decision: str = "none",
    review: str = "always",
    scale: str = "small",
    prohibited: tuple[str, ...] = (),
) -> dict[str, Any]:
    """The answers to the risk questions, with the harmless answer wherever nothing else is said."""
    return {
        "purposes": list(purposes),
        "affected_people": list(affected),
        "interacts_with_people": talks,
        "generated_content": content,
        "personal_data": personal,
        "data_classification": classification,
        "monitors_employees": monitors,
        "decision_role": decision,
        "human_review": review,
        "scale": scale,
        "prohibited_practices": list(prohibited),
    }


@dataclass(frozen=True)
class DemoUseCase:
    """One demo Steckbrief (``owner`` is a user name of the demo company)."""

    title: str
    unit: str
    owner: str
    summary: str
    problem: str
    stage: str
    tools: tuple[str, ...]
    answers: dict[str, Any]
    hours: int | None = None
    euros: int | None = None
    benefit: str = ""
    status: str = Status.SUBMITTED
    confidential: bool = False
    contributors: tuple[str, ...] = field(default=())


IDEA, PILOT, PRODUCTION, RETIRED = Stage.IDEA, Stage.PILOT, Stage.PRODUCTION, Stage.RETIRED
DRAFT = Status.DRAFT

USE_CASES: tuple[DemoUseCase, ...] = (
    # --- Finanzen ---------------------------------------------------------------------------
    DemoUseCase(
        "Eingangsrechnungen automatisch klassifizieren",
        "fin-buha",
        "petra.lorenz",
        "Die KI liest eingehende Rechnungen, erkennt Lieferant, Kostenstelle und Sachkonto und schlägt die "
        "Kontierung vor. Die Buchhaltung prüft und bucht.",
        "Rund 4.000 Rechnungen pro Monat werden von Hand erfasst; Tippfehler und Rückfragen verzögern den "
        "Monatsabschluss. Ziel: 70 % der Rechnungen ohne manuelle Erfassung.",
        PRODUCTION,
        ("Dokumenten-KI (OCR)", "KI-Plattform (intern)"),
        facts(
            ("productivity", "analytics"),
            ("business_customers",),
            personal="personal",
            classification="confidential",
            review="sampling",
            scale="medium",
        ),
        hours=120,
        euros=65000,
        benefit="Schnellerer Monatsabschluss, weniger Skontoverluste.",
        contributors=("monika.schulze", "ali.yilmaz"),
    ),
    DemoUseCase(
        "Monatsabschluss-Kommentare entwerfen",
        "fin-buha",
        "jens.hoffmann",
        "Aus den Summen- und Saldenlisten entwirft der Copilot erste Kommentare zu Abweichungen.",
        "Die Kommentierung kostet am Monatsende zwei Tage.",
        IDEA,
        ("Office-Copilot",),
        {
            "purposes": ["productivity"],
            "affected_people": ["none"],
            "generated_content": "text",
            "data_classification": U,
        },
        hours=16,
        status=DRAFT,
    ),
    DemoUseCase(
        "Mahnschreiben verständlich formulieren",
        "fin-buha",
        "monika.schulze",
        "Der Chat-Assistent formuliert Mahnungen in freundlicher, verständlicher Sprache vor.",
        "Kundinnen und Kunden rufen oft an, weil sie Mahnschreiben nicht verstehen.",
        PILOT,
        ("Enterprise-Chat",),
        facts(("content_creation",), ("consumers",), content="text", personal="personal", scale="medium"),
        hours=10,
        benefit="Weniger Rückfragen in der Hotline.",
    ),
    DemoUseCase(
        "Zahlungsavise automatisch zuordnen",
        "fin-zv",
        "dirk.neumann",
        "Ein Modell ordnet Zahlungseingänge mit unklarem Verwendungszweck den offenen Posten zu.",
        "Täglich bleiben 150 Zahlungen ungeklärt und werden von Hand recherchiert.",
        PILOT,
        ("KI-Plattform (intern)",),
        facts(
            ("analytics",),
            ("business_customers", "consumers"),
            personal="personal",
            classification="confidential",
            review="always",
            scale="medium",
        ),
        hours=40,
        euros=20000,
        contributors=("lena.busch",),
    ),
    DemoUseCase(
        "Umsatz-Forecast für die Quartalsplanung",
        "ctrl",
        "stefanie.berger",
        "Ein Prognosemodell schätzt Umsatz und Auftragseingang je Produktgruppe für die nächsten Quartale.",
        "Die Planung beruht auf Excel-Fortschreibungen und weicht regelmäßig um mehr als 10 % ab.",
        PRODUCTION,
        ("KI-Plattform (intern)",),
        facts(("analytics",), ("none",), classification="confidential"),
        hours=24,
        benefit="Bessere Planungsgenauigkeit.",
        contributors=("uwe.pohl",),
    ),
    DemoUseCase(
        "Abweichungsanalysen im Berichtswesen",
        "ctrl",
        "uwe.pohl",
        "Der Copilot fasst Abweichungen im Monatsbericht zusammen und schlägt Erklärungen vor.",
        "Berichte sind lang; die Geschäftsführung wünscht eine Seite mit dem Wesentlichen.",
        PILOT,
        ("Office-Copilot",),
        facts(("productivity",), ("none",), content="text", classification="confidential"),
        hours=12,
    ),
    # --- Marketing --------------------------------------------------------------------------
    DemoUseCase(
        "Kampagnentexte für Social Media",
        "mkt-content",
        "nina.scholz",
        "Texte für LinkedIn, Instagram und den Newsletter werden mit dem Chat-Assistenten entworfen und "
        "von der Redaktion freigegeben.",
        "Jede Kampagne braucht Dutzende Textvarianten; die Redaktion kommt nicht hinterher.",
        PRODUCTION,
        ("Enterprise-Chat", "Übersetzungsdienst"),
        facts(("content_creation",), ("public",), content="text", scale="large"),
        hours=60,
        euros=30000,
        contributors=("laura.fuchs",),
    ),
    DemoUseCase(
        "Produktbilder für Kampagnen generieren",
        "mkt-content",
        "tim.richter",
        "Der Bildgenerator erzeugt Motive und Hintergründe für Anzeigen; echte Personen werden nicht dargestellt.",
        "Fotoproduktionen sind teuer und dauern Wochen.",
        PILOT,
        ("Bildgenerator",),
        facts(("content_creation",), ("public",), content="media", classification="public", scale="large"),
        euros=45000,
        benefit="Kürzere Produktionszeiten für Kampagnen.",
    ),
    DemoUseCase(
        "KI-Video mit digitalem Zwilling der Vorstandsvorsitzenden",
        "mkt-content",
        "emre.demir",
        "Für die Jahreskampagne soll ein realistisches Video entstehen, in dem ein digitaler Zwilling von "
        "Katharina Vogel in mehreren Sprachen spricht.",
        "Videodrehs mit der Geschäftsführung sind kaum zu planen.",
        IDEA,
        ("Bildgenerator", "Cloud-Modell-API (EU)"),
        facts(
            ("content_creation",),
            ("employees", "public"),
            content="deepfake",
            personal="special_categories",
            classification="confidential",
            scale="large",
            review="always",
        ),
        euros=15000,
    ),
    DemoUseCase(
        "Kampagnen ins Englische und Polnische übersetzen",
        "mkt-content",
        "laura.fuchs",
        "Fertige Kampagnentexte werden maschinell übersetzt und von Muttersprachlern geprüft.",
        "Übersetzungsagenturen brauchen eine Woche pro Kampagne.",
        PRODUCTION,
        ("Übersetzungsdienst",),
        facts(("content_creation",), ("public",), content="text", classification="public", scale="large"),
        hours=20,
        euros=18000,
    ),
    DemoUseCase(
        "Meeting-Zusammenfassungen im Marketing",
        "mkt-content",
        "nina.scholz",
        "Teams-Besprechungen werden transkribiert; der Copilot schreibt Protokoll und Aufgabenliste.",
        "Protokolle fehlen oft oder kommen Tage später.",
        PRODUCTION,
        ("Transkriptionsdienst", "Office-Copilot"),
        facts(("productivity",), ("employees",), personal="personal", monitors=U),
        hours=30,
    ),
    DemoUseCase(
        "Personalisierte Newsletter-Betreffzeilen",
        "mkt-digital",
        "sebastian.koch",
        "Ein Modell testet Betreffzeilen-Varianten und wählt je Segment die wirksamste.",
        "Die Öffnungsrate des Newsletters sinkt seit zwei Jahren.",
        PILOT,
        ("Cloud-Modell-API (EU)",),
        facts(
            ("content_creation", "analytics"),
            ("consumers",),
            content="text",
            personal=U,
            scale="large",
            review="sampling",
        ),
        euros=25000,
        contributors=("hannah.wolf",),
    ),
    DemoUseCase(
        "SEO-Texte mit einem freien Web-Chatbot",
        "mkt-digital",
        "hannah.wolf",
        "Produktbeschreibungen für den Webshop werden mit einem frei verfügbaren Chatbot geschrieben.",
        "Über 2.000 Produktseiten haben keine Beschreibung.",
        IDEA,
        ("Freier Web-Chatbot",),
        {
            "purposes": ["content_creation"],
            "affected_people": ["public"],
            "generated_content": "text",
            "data_classification": "internal",
        },
        hours=25,
        status=DRAFT,
    ),
    # --- Vertrieb ---------------------------------------------------------------------------
    DemoUseCase(
        "Angebotsentwürfe aus Kundenanfragen",
        "vt-innendienst",
        "andrea.schmitt",
        "Der CRM-Assistent erstellt aus einer Anfrage-E-Mail einen Angebotsentwurf mit passenden Positionen.",
        "Angebote dauern im Schnitt drei Tage; Wettbewerber sind schneller.",
        PRODUCTION,
        ("CRM-KI-Assistent",),
        facts(
            ("productivity", "customer_interaction"),
            ("business_customers",),
            content="text",
            personal="personal",
            classification="confidential",
            scale="medium",
        ),
        hours=80,
        euros=120000,
        contributors=("kevin.lange", "sarah.engel"),
    ),
    DemoUseCase(
        "E-Mail-Anfragen vorsortieren",
        "vt-innendienst",
        "kevin.lange",
        "Eingehende Anfragen werden nach Thema und Dringlichkeit sortiert und dem richtigen Team zugewiesen.",
        "Das Sammelpostfach wird nur zweimal täglich bearbeitet.",
        PILOT,
        ("CRM-KI-Assistent",),
        facts(("productivity",), ("business_customers",), personal="personal", scale="medium", review="sampling"),
        hours=35,
    ),
    DemoUseCase(
        "Churn-Prognose für Key Accounts",
        "vt-kam",
        "frank.weber",
        "Ein Modell schätzt für jeden Key Account das Abwanderungsrisiko und nennt die wichtigsten Signale.",
        "Kündigungen großer Kunden kommen überraschend; Gegenmaßnahmen beginnen zu spät.",
        PRODUCTION,
        ("KI-Plattform (intern)", "CRM-KI-Assistent"),
        facts(
            ("analytics",),
            ("business_customers",),
            personal="personal",
            classification="confidential",
            decision="prepares",
            scale="medium",
        ),
        euros=250000,
        benefit="Höhere Kundenbindung.",
        contributors=("miriam.roth",),
    ),
    DemoUseCase(
        "Gesprächsvorbereitung mit Kundenhistorie",
        "vt-kam",
        "miriam.roth",
        "Vor Kundenterminen fasst der Assistent Historie, offene Tickets und Umsätze zusammen.",
        "Die Vorbereitung eines Termins dauert eine Stunde.",
        PILOT,
        ("CRM-KI-Assistent",),
        facts(("productivity",), ("business_customers",), personal="personal", classification="confidential"),
        hours=20,
    ),
    DemoUseCase(
        "Preisempfehlungen für Rahmenverträge",
        "vt",
        "thomas.meyer",
        "Ein Modell empfiehlt Preisspannen für Rahmenverträge auf Basis von Margen, Mengen und Wettbewerb.",
        "Preisverhandlungen beruhen auf Bauchgefühl; Margen schwanken stark.",
        PILOT,
        ("KI-Plattform (intern)",),
        facts(
            ("analytics",),
            ("business_customers",),
            classification="strictly_confidential",
            decision="prepares",
            scale="small",
        ),
        euros=400000,
        confidential=True,
        contributors=("frank.weber",),
    ),
    # --- Kundenservice ----------------------------------------------------------------------
    DemoUseCase(
        "Kunden-Chatbot auf der Website",
        "ks-hotline",
        "markus.franke",
        "Ein Chatbot beantwortet Fragen zu Lieferstatus, Rechnungen und Rücksendungen rund um die Uhr und "
        "übergibt an Menschen, wenn er nicht weiterweiß.",
        "Die Hotline ist zu Stoßzeiten überlastet; Wartezeiten über 10 Minuten.",
        PRODUCTION,
        ("Cloud-Modell-API (EU)", "KI-Plattform (intern)"),
        facts(
            ("customer_interaction",),
            ("consumers",),
            talks="external",
            content="text",
            personal="personal",
            review="never",
            scale="large",
        ),
        hours=400,
        euros=180000,
        contributors=("olga.kowalski", "daniel.simon"),
    ),
    DemoUseCase(
        "Emotionserkennung in Hotline-Gesprächen",
        "ks-hotline",
        "olga.kowalski",
        "Aus der Stimme soll erkannt werden, wie gestresst Agentinnen und Anrufer sind, um Gespräche "
        "zu bewerten und Coachings abzuleiten.",
        "Die Qualität der Gespräche schwankt; Teamleitungen hören nur Stichproben.",
        IDEA,
        ("Transkriptionsdienst", "KI-Plattform (intern)"),
        facts(
            ("emotion_recognition", "employee_decisions"),
            ("employees", "consumers"),
            personal="special_categories",
            classification="confidential",
            monitors="yes",
            decision="prepares",
            review="sampling",
            scale="medium",
            prohibited=("emotion_recognition_work_education",),
        ),
    ),
    DemoUseCase(
        "Gesprächsnotizen automatisch erstellen",
        "ks-hotline",
        "fatma.aydin",
        "Gespräche werden transkribiert und als Notiz im Ticket abgelegt.",
        "Agentinnen schreiben nach jedem Anruf zwei Minuten Notizen.",
        PILOT,
        ("Transkriptionsdienst",),
        facts(
            ("productivity",),
            ("consumers", "employees"),
            personal="personal",
            monitors=U,
            scale="large",
            review="sampling",
        ),
        hours=150,
    ),
    DemoUseCase(
        "Schichtplanung nach Leistungskennzahlen",
        "ks-hotline",
        "markus.franke",
        "Ein Algorithmus verteilt Schichten und Sonderaufgaben automatisch nach Bearbeitungszeiten und "
        "Kundenbewertungen der einzelnen Agentinnen und Agenten.",
        "Die Schichtplanung dauert jede Woche einen Tag und gilt als ungerecht.",
        IDEA,
        ("KI-Plattform (intern)",),
        facts(
            ("employee_decisions", "analytics"),
            ("employees",),
            personal="personal",
            classification="confidential",
            monitors="yes",
            decision="decides",
            review="sampling",
            scale="small",
        ),
        hours=30,
        contributors=("patrick.kraus",),
    ),
    DemoUseCase(
        "Beschwerden kategorisieren und priorisieren",
        "ks-beschwerde",
        "birgit.schroeder",
        "Beschwerden aus E-Mail und Webformular werden nach Thema und Dringlichkeit eingeordnet.",
        "Dringende Fälle gehen im Posteingang unter.",
        PRODUCTION,
        ("Enterprise-Chat",),
        facts(
            ("customer_interaction", "analytics"),
            ("consumers",),
            personal="personal",
            scale="medium",
            review="sampling",
        ),
        hours=45,
        contributors=("jonas.winter",),
    ),
    DemoUseCase(
        "Antwortvorschläge für Beschwerden",
        "ks-beschwerde",
        "jonas.winter",
        "Der Chat-Assistent schlägt Antworten vor, die das Team prüft, anpasst und versendet.",
        "Antworten dauern im Schnitt fünf Tage.",
        PILOT,
        ("Enterprise-Chat",),
        facts(
            ("customer_interaction", "content_creation"),
            ("consumers",),
            content="text",
            personal="personal",
            scale="medium",
        ),
        hours=40,
    ),
    # --- Personal ---------------------------------------------------------------------------
    DemoUseCase(
        "Arbeitszeugnisse entwerfen",
        "hr",
        "martina.keller",
        "Aus Stichpunkten der Führungskraft entsteht ein Zeugnisentwurf in der üblichen Zeugnissprache.",
        "Zeugnisse dauern Wochen; Mitarbeitende warten.",
        PILOT,
        ("Enterprise-Chat",),
        facts(
            ("productivity", "content_creation"),
            ("employees",),
            content="text",
            personal="personal",
            classification="confidential",
            decision="prepares",
        ),
        hours=15,
        contributors=("heike.ludwig",),
    ),
    DemoUseCase(
        "Vorauswahl von Bewerbungen",
        "hr-recruiting",
        "susanne.graf",
        "Die Bewerbermanagement-KI gleicht Lebensläufe mit dem Anforderungsprofil ab und sortiert sie vor. "
        "Jede Absage prüft ein Mensch.",
        "Auf Ausbildungsstellen kommen bis zu 500 Bewerbungen; die erste Sichtung dauert Wochen.",
        PILOT,
        ("Bewerbermanagement-KI",),
        facts(
            ("recruiting",),
            ("applicants",),
            personal="personal",
            classification="confidential",
            decision="prepares",
            review="always",
            scale="medium",
        ),
        hours=70,
        contributors=("lisa.peters",),
    ),
    DemoUseCase(
        "Stellenanzeigen ansprechend und inklusiv formulieren",
        "hr-recruiting",
        "lisa.peters",
        "Der Chat-Assistent überarbeitet Stellenanzeigen auf verständliche, inklusive Sprache.",
        "Anzeigen sind lang und sprechen wenige Bewerberinnen an.",
        PRODUCTION,
        ("Enterprise-Chat",),
        facts(("content_creation",), ("public",), content="text", classification="public", scale="large"),
        hours=8,
    ),
    DemoUseCase(
        "Video-Interviews automatisch auswerten",
        "hr-recruiting",
        "marco.rossi",
        "Aufgezeichnete Video-Interviews sollen automatisch nach Auftreten, Sprache und Mimik bewertet werden.",
        "Für Massenstellen fehlt die Zeit für Erstgespräche.",
        IDEA,
        ("Bewerbermanagement-KI",),
        {
            "purposes": ["recruiting", "emotion_recognition"],
            "affected_people": ["applicants"],
            "personal_data": "special_categories",
            "decision_role": U,
            "human_review": U,
        },
        status=DRAFT,
    ),
    DemoUseCase(
        "Lernempfehlungen für Mitarbeitende",
        "hr-pe",
        "anja.dietrich",
        "Die KI-Plattform schlägt passende Kurse aus dem Lernkatalog vor, abgeleitet aus Rolle und Interessen.",
        "Der Lernkatalog hat 800 Kurse; kaum jemand findet den richtigen.",
        PILOT,
        ("KI-Plattform (intern)",),
        facts(("productivity",), ("employees",), personal="personal", monitors=U, scale="medium"),
        contributors=("ralf.kuehn",),
    ),
    DemoUseCase(
        "Meeting-Zusammenfassungen in der Personalentwicklung",
        "hr-pe",
        "ralf.kuehn",
        "Workshops und Besprechungen werden transkribiert und zusammengefasst.",
        "Ergebnisse aus Workshops gehen verloren.",
        PRODUCTION,
        ("Transkriptionsdienst",),
        facts(("productivity",), ("employees",), personal="personal", classification="confidential"),
        hours=10,
    ),
    # --- Entwicklung ------------------------------------------------------------------------
    DemoUseCase(
        "Code-Assistenz in der Entwicklungsumgebung",
        "dev-plattform",
        "lukas.braun",
        "Der Code-Assistent schlägt Code, Tests und Dokumentation direkt in der IDE vor.",
        "Routinearbeit bindet einen großen Teil der Entwicklungszeit.",
        PRODUCTION,
        ("Code-Assistent",),
        facts(("software_development",), ("none",), classification="confidential", scale="small"),
        hours=300,
        euros=150000,
        contributors=("felix.jung", "anna.hahn"),
    ),
    DemoUseCase(
        "Automatische Code-Reviews für Pull Requests",
        "dev-plattform",
        "mehmet.oeztuerk",
        "Ein Modell kommentiert Pull Requests mit Hinweisen zu Fehlern, Sicherheit und Stil.",
        "Reviews warten oft zwei Tage auf Kolleginnen.",
        PILOT,
        ("Code-Assistent", "KI-Plattform (intern)"),
        facts(("software_development",), ("none",), classification="confidential", review="always"),
        hours=60,
    ),
    DemoUseCase(
        "Testfälle aus Anforderungen generieren",
        "dev-plattform",
        "felix.jung",
        "Aus User Stories sollen automatisch Testfälle entstehen.",
        "Die Testabdeckung neuer Funktionen ist gering.",
        IDEA,
        ("Code-Assistent",),
        {"purposes": ["software_development"], "affected_people": ["none"]},
        status=DRAFT,
    ),
    DemoUseCase(
        "Nachfrageprognose für die Lagerplanung",
        "dev-data",
        "eva.schubert",
        "Ein Prognosemodell sagt die Nachfrage je Artikel und Woche voraus.",
        "Überbestände binden Kapital, Fehlbestände kosten Umsatz.",
        PRODUCTION,
        ("KI-Plattform (intern)",),
        facts(("analytics",), ("none",), classification="confidential"),
        euros=300000,
        contributors=("niklas.vogt", "yuki.tanaka"),
    ),
    DemoUseCase(
        "Stimmungsanalyse von Produktbewertungen",
        "dev-data",
        "yuki.tanaka",
        "Öffentliche Produktbewertungen werden nach Themen und Stimmung ausgewertet.",
        "Tausende Bewertungen bleiben ungelesen.",
        PILOT,
        ("Cloud-Modell-API (EU)",),
        facts(
            ("analytics",),
            ("consumers",),
            personal="pseudonymised",
            classification="public",
            scale="large",
            review="sampling",
        ),
        hours=25,
    ),
    # --- IT ---------------------------------------------------------------------------------
    DemoUseCase(
        "Ticket-Klassifizierung im Service Desk",
        "it-betrieb",
        "kerstin.albrecht",
        "Tickets werden automatisch kategorisiert und dem richtigen Team zugewiesen.",
        "Ein Drittel der Tickets landet zuerst im falschen Team.",
        PRODUCTION,
        ("KI-Plattform (intern)",),
        facts(("productivity",), ("employees",), personal="personal", review="sampling", scale="medium"),
        hours=90,
        contributors=("jan.krueger",),
    ),
    DemoUseCase(
        "Log-Analyse zur Störungsfrüherkennung",
        "it-betrieb",
        "paul.schwarz",
        "Ein Modell erkennt ungewöhnliche Muster in Server-Logs, bevor Störungen auftreten.",
        "Störungen werden erst bemerkt, wenn Anwender anrufen.",
        PILOT,
        ("KI-Plattform (intern)",),
        facts(("analytics",), ("none",), classification="confidential", review="always"),
        hours=20,
    ),
    DemoUseCase(
        "Interner KI-Assistent für Richtlinien und Prozesse",
        "it-kiplattform",
        "christian.lehmann",
        "Ein Assistent beantwortet Fragen zu internen Richtlinien und nennt die Quelle im Intranet.",
        "Mitarbeitende finden Richtlinien nicht und fragen per E-Mail nach.",
        PRODUCTION,
        ("KI-Plattform (intern)", "Enterprise-Chat"),
        facts(("productivity",), ("employees",), talks="staff", content="none", scale="large"),
        hours=200,
        contributors=("sophie.maier", "david.huber"),
    ),
    DemoUseCase(
        "Früherer Pilot: Chat-Assistent im Browser",
        "it-kiplattform",
        "sophie.maier",
        "Erster Test eines Chat-Assistenten, ersetzt durch den Enterprise-Chat.",
        "Mitarbeitende nutzten private Konten.",
        RETIRED,
        ("Freier Web-Chatbot",),
        facts(("productivity",), ("employees",), personal=U, classification=U, scale="medium"),
    ),
    # --- Querschnitt ------------------------------------------------------------------------
    DemoUseCase(
        "Vertragsprüfung auf Standardklauseln",
        "recht",
        "barbara.lang",
        "Verträge werden eingelesen; die KI markiert Abweichungen von den Standardklauseln.",
        "Die Prüfung einfacher Verträge bindet die Rechtsabteilung.",
        PILOT,
        ("Dokumenten-KI (OCR)", "Enterprise-Chat"),
        facts(("productivity",), ("business_customers",), personal="personal", classification="confidential"),
        hours=40,
        contributors=("carina.otto",),
    ),
    DemoUseCase(
        "Phishing-Erkennung in E-Mails",
        "isec",
        "oliver.seidel",
        "Ein Modell bewertet eingehende E-Mails und warnt vor wahrscheinlichem Phishing.",
        "Phishing-Mails kommen trotz Filter durch.",
        PRODUCTION,
        ("KI-Plattform (intern)",),
        facts(
            ("analytics",),
            ("employees",),
            personal="personal",
            classification="confidential",
            monitors=U,
            review="never",
            scale="large",
        ),
        contributors=("tanja.brueckner",),
    ),
    DemoUseCase(
        "Meeting-Zusammenfassungen der Geschäftsführung",
        "gf",
        "katharina.vogel",
        "Sitzungen der Geschäftsführung werden transkribiert und als Protokoll entworfen.",
        "Protokolle der Geschäftsführung binden die Assistenz einen Tag pro Woche.",
        PRODUCTION,
        ("Transkriptionsdienst", "Office-Copilot"),
        facts(("productivity",), ("employees",), personal="personal", classification="strictly_confidential"),
        hours=16,
        confidential=True,
        contributors=("sabine.krause",),
    ),
    DemoUseCase(
        "Betriebsvereinbarungen übersetzen",
        "br",
        "gerhard.bauer",
        "Betriebsvereinbarungen sollen für Kolleginnen und Kollegen ohne Deutschkenntnisse übersetzt werden.",
        "Viele Beschäftigte verstehen die Vereinbarungen nicht.",
        IDEA,
        ("Übersetzungsdienst",),
        {"purposes": ["productivity"], "affected_people": ["employees"], "data_classification": "internal"},
        status=DRAFT,
        contributors=("ute.haas",),
    ),
)


def demo_context() -> tuple[dict[str, OrgUnit], dict[str, Any], dict[str, Tool]]:
    """The demo units by code, demo people by user name and demo tools by name that exist now."""
    User = get_user_model()
    units = {unit.code: unit for unit in OrgUnit.objects.filter(code__in={spec.unit for spec in USE_CASES})}
    usernames = {spec.owner for spec in USE_CASES} | {name for spec in USE_CASES for name in spec.contributors}
    people = {person.username: person for person in User.objects.filter(username__in=usernames)}
    tools = {tool.name: tool for tool in Tool.objects.filter(name__in={n for spec in USE_CASES for n in spec.tools})}
    return units, people, tools


def register(
    spec: DemoUseCase,
    *,
    unit: OrgUnit,
    owner: Any,
    people: dict[str, Any],
    tools: list[Tool],
    actor: Actor = None,
    submit: bool | None = None,
) -> UseCase:
    """Register ``spec`` through the service, by its owner (or ``actor``), with ``tools``.

    ``submit`` overrides whether it is submitted at once (by default: when its status says so).
    """
    return services.usecase_create(
        actor=actor or owner,
        title=spec.title,
        summary=spec.summary,
        problem=spec.problem,
        unit=unit,
        owner=owner,
        stage=spec.stage,
        submit=spec.status == Status.SUBMITTED if submit is None else submit,
        confidential=spec.confidential,
        expected_hours_per_month=Decimal(spec.hours) if spec.hours is not None else None,
        expected_euros_per_year=Decimal(spec.euros) if spec.euros is not None else None,
        expected_benefit=spec.benefit,
        tools=tools,
        contributors=[people[name] for name in spec.contributors if name in people],
        **spec.answers,
    )


@write_atomic
def load(*, actor: Actor = None) -> dict[str, int]:
    """Register the demo use cases that are missing; returns how many were created and completed.

    Each is registered by its owner (or ``actor`` if given), now. Units or owners that are missing
    (the organisation demo not loaded) are skipped. ``leitplanke demo`` registers them with their
    history instead (``decisions.demo``) and calls this only to add what a later run can add.
    """
    units, people, tools = demo_context()
    result = {"usecases": 0, "completed": 0}
    for spec in USE_CASES:
        unit, owner = units.get(spec.unit), people.get(spec.owner)
        if unit is None or owner is None:
            continue
        wanted_tools = [tools[name] for name in spec.tools if name in tools]
        existing = UseCase.objects.filter(title=spec.title, unit=unit).first()
        if existing is not None:
            linked = list(existing.tools.all())
            missing = [tool for tool in wanted_tools if tool not in linked]
            if missing:
                services.usecase_update(actor=actor or owner, usecase=existing, tools=[*linked, *missing])
                result["completed"] += 1
            continue
        register(spec, unit=unit, owner=owner, people=people, tools=wanted_tools, actor=actor)
        result["usecases"] += 1
    return result
