"""The demo catalogue of "Beispiel AG": twelve tools across every status and two tool requests.

Every vendor is fictional ("Musteranbieter … GmbH") and every entry is marked as demo data: the
values show how the catalogue works and say nothing about any real product or contract. Entries
are created through the services (so the audit trail records them) and skipped by name if they
exist, so loading the demo twice changes nothing. ``leitplanke demo`` loads them with the clock
frozen on the day the company began to use Leitplanke, like the organisation.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth import get_user_model

from leitplanke.common.actors import Actor
from leitplanke.common.transactions import write_atomic

from . import services
from .models import DataClassification as C
from .models import HostingRegion as H
from .models import Tool, ToolKind, ToolRequest
from .models import ToolStatus as S


@dataclass(frozen=True)
class DemoTool:
    name: str
    vendor: str
    kind: str
    hosting_region: str
    status: str
    max_classification: str
    personal_data_allowed: bool
    dpa_signed: bool
    trains_on_inputs: bool
    usage_guidelines: str
    contact: str = "KI-Plattform-Team (ki-plattform@beispiel-ag.example)"


_DEMO_NOTE = "\n\nDemo-Daten: fiktiver Anbieter, keine Aussage über reale Produkte oder Verträge."

TOOLS: tuple[DemoTool, ...] = (
    DemoTool(
        "Office-Copilot",
        "Musteranbieter A GmbH",
        ToolKind.SAAS_FEATURE,
        H.EU,
        S.APPROVED,
        C.CONFIDENTIAL,
        True,
        True,
        False,
        "Für Entwürfe, Zusammenfassungen und Formulierungen in den Office-Programmen freigegeben. "
        "Vertrauliche Daten sind erlaubt, streng vertrauliche nicht. Ergebnisse vor dem Versand immer prüfen.",
    ),
    DemoTool(
        "Enterprise-Chat",
        "Musteranbieter B GmbH",
        ToolKind.CHAT_ASSISTANT,
        H.EU,
        S.APPROVED,
        C.CONFIDENTIAL,
        True,
        True,
        False,
        "Der Chat-Assistent des Unternehmens für Recherche, Texte und Ideen. Nur mit dem Firmenkonto "
        "anmelden. Personenbezogene Daten nur, wenn sie für die Aufgabe nötig sind.",
    ),
    DemoTool(
        "Cloud-Modell-API (EU)",
        "Musteranbieter C GmbH",
        ToolKind.MODEL_API,
        H.EU,
        S.APPROVED_WITH_CONDITIONS,
        C.CONFIDENTIAL,
        True,
        True,
        False,
        "Programmierschnittstelle für eigene Anwendungen. Auflage: jede Anwendung wird als Anwendungsfall "
        "registriert, und der API-Schlüssel wird beim KI-Plattform-Team beantragt.",
    ),
    DemoTool(
        "Übersetzungsdienst",
        "Musteranbieter D GmbH",
        ToolKind.SAAS_FEATURE,
        H.EU,
        S.APPROVED,
        C.INTERNAL,
        False,
        True,
        False,
        "Für interne Texte und Dokumente. Keine vertraulichen Verträge und keine Texte mit Namen, "
        "Adressen oder anderen personenbezogenen Daten übersetzen.",
    ),
    DemoTool(
        "Code-Assistent",
        "Musteranbieter E GmbH",
        ToolKind.CODE_ASSISTANT,
        H.NON_EU,
        S.APPROVED_WITH_CONDITIONS,
        C.CONFIDENTIAL,
        False,
        True,
        False,
        "Für Quellcode der internen Anwendungen. Auflage: keine Zugangsdaten, Schlüssel oder Kundendaten im "
        "Code oder in Eingaben; Vorschläge durchlaufen das übliche Code-Review.",
    ),
    DemoTool(
        "KI-Plattform (intern)",
        "Beispiel AG, IT",
        ToolKind.INTERNAL_PLATFORM,
        H.ON_PREMISES,
        S.APPROVED,
        C.STRICTLY_CONFIDENTIAL,
        True,
        True,
        False,
        "Die im eigenen Rechenzentrum betriebene Plattform mit offenen Modellen. Für alle Daten bis "
        "„streng vertraulich“ freigegeben; besondere Kategorien personenbezogener Daten nur nach Rücksprache "
        "mit dem Datenschutz.",
    ),
    DemoTool(
        "Transkriptionsdienst",
        "Musteranbieter F GmbH",
        ToolKind.SAAS_FEATURE,
        H.EU,
        S.APPROVED_WITH_CONDITIONS,
        C.CONFIDENTIAL,
        True,
        True,
        False,
        "Für Protokolle von Besprechungen. Auflage: alle Teilnehmenden werden vorher informiert und können "
        "widersprechen; Aufnahmen werden nach der Transkription gelöscht.",
    ),
    DemoTool(
        "CRM-KI-Assistent",
        "Musteranbieter G GmbH",
        ToolKind.SAAS_FEATURE,
        H.EU,
        S.APPROVED,
        C.CONFIDENTIAL,
        True,
        True,
        False,
        "Für Zusammenfassungen von Kundenkontakten und Antwortvorschläge im CRM. Vorschläge vor dem Versand "
        "prüfen; keine automatischen Entscheidungen über Kundinnen und Kunden.",
    ),
    DemoTool(
        "Dokumenten-KI (OCR)",
        "Musteranbieter H GmbH",
        ToolKind.MODEL_API,
        H.EU,
        S.APPROVED,
        C.CONFIDENTIAL,
        True,
        True,
        False,
        "Liest Rechnungen, Lieferscheine und Formulare aus. Stichprobenartige Kontrolle der erkannten Werte "
        "durch die Fachabteilung.",
    ),
    DemoTool(
        "Bewerbermanagement-KI",
        "Musteranbieter I GmbH",
        ToolKind.SAAS_FEATURE,
        H.EU,
        S.IN_EVALUATION,
        C.CONFIDENTIAL,
        True,
        True,
        False,
        "In Prüfung durch Datenschutz, Informationssicherheit und Betriebsrat. Bis zur Freigabe nicht mit "
        "echten Bewerbungen verwenden; Auswahlentscheidungen trifft immer ein Mensch.",
    ),
    DemoTool(
        "Bildgenerator",
        "Musteranbieter J GmbH",
        ToolKind.SAAS_FEATURE,
        H.NON_EU,
        S.IN_EVALUATION,
        C.PUBLIC,
        False,
        False,
        True,
        "In Prüfung. Bis zur Entscheidung nur zum Ausprobieren mit öffentlichen Inhalten; erzeugte Bilder "
        "nicht veröffentlichen und keine Fotos von Personen hochladen.",
    ),
    DemoTool(
        "Freier Web-Chatbot",
        "Musteranbieter K GmbH",
        ToolKind.CHAT_ASSISTANT,
        H.NON_EU,
        S.NOT_ALLOWED,
        C.PUBLIC,
        False,
        False,
        True,
        "Nicht erlaubt: kein Vertrag zur Auftragsverarbeitung, und der Anbieter nutzt Eingaben zum Training. "
        "Bitte stattdessen den Enterprise-Chat verwenden.",
    ),
)


@dataclass(frozen=True)
class DemoRequest:
    requester: str
    name: str
    vendor: str
    reason: str
    decided_by: str | None = None
    rejection: str = ""


REQUESTS: tuple[DemoRequest, ...] = (
    DemoRequest(
        "laura.fuchs",
        "Präsentationsgenerator",
        "Musteranbieter L GmbH",
        "Wir bauen jede Woche Kampagnen-Präsentationen aus denselben Bausteinen. Ein Generator, der aus "
        "unseren Texten Folien im Firmendesign erstellt, würde uns mehrere Stunden pro Woche sparen.",
    ),
    DemoRequest(
        "kevin.lange",
        "E-Mail-Zusammenfasser (Browser-Erweiterung)",
        "Musteranbieter M GmbH",
        "Im Vertriebsinnendienst kommen täglich lange E-Mail-Verläufe an. Eine Zusammenfassung direkt im "
        "Browser würde die Bearbeitung beschleunigen.",
        decided_by="christian.lehmann",
        rejection="Die Erweiterung sendet E-Mail-Inhalte an einen Anbieter außerhalb der EU, und es gibt keinen "
        "Vertrag zur Auftragsverarbeitung. Bitte nutzen Sie die Zusammenfassungsfunktion des Enterprise-Chats.",
    ),
)


@write_atomic
def load(*, actor: Actor = None) -> dict[str, int]:
    """Create what is missing of the demo catalogue; returns how many tools and requests were created."""
    created = {"tools": 0, "requests": 0}
    for spec in TOOLS:
        if Tool.objects.filter(name=spec.name).exists():
            continue
        services.tool_create(
            actor=actor,
            name=spec.name,
            vendor=spec.vendor,
            kind=spec.kind,
            hosting_region=spec.hosting_region,
            status=spec.status,
            max_classification=spec.max_classification,
            personal_data_allowed=spec.personal_data_allowed,
            dpa_signed=spec.dpa_signed,
            trains_on_inputs=spec.trains_on_inputs,
            usage_guidelines=spec.usage_guidelines + _DEMO_NOTE,
            contact=spec.contact,
            is_demo=True,
        )
        created["tools"] += 1

    people = {p.username: p for p in get_user_model().objects.filter(username__in=_demo_usernames())}
    for request_spec in REQUESTS:
        requester = people.get(request_spec.requester)
        if requester is None or ToolRequest.objects.filter(requested_by=requester, name=request_spec.name).exists():
            continue  # the demo company is not loaded, or the request exists already
        tool_request = services.tool_request_create(
            actor=requester, name=request_spec.name, vendor=request_spec.vendor, reason=request_spec.reason
        )
        created["requests"] += 1
        decider = people.get(request_spec.decided_by or "")
        if request_spec.rejection and decider is not None:
            services.tool_request_decide(
                actor=decider,
                tool_request=tool_request,
                accept=False,
                comment=request_spec.rejection,
                notify_requester=False,  # demo people have no real mailbox
            )
    return created


def _demo_usernames() -> set[str]:
    return {r.requester for r in REQUESTS} | {r.decided_by for r in REQUESTS if r.decided_by}
