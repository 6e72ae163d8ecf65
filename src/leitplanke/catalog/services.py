"""Writes to the tool catalogue: tools and tool requests, each with its audit event.

Maintaining the catalogue and deciding requests is for AI governance and administrators; asking
for a tool is for every active person. ``actor=None`` is the system (commands, the demo loader).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypedDict, Unpack

from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.utils import translation
from django.utils.translation import gettext as _

from leitplanke.audit.services import event_record
from leitplanke.common import clock
from leitplanke.common.actors import Actor
from leitplanke.common.errors import DomainError, full_clean
from leitplanke.common.events import emit
from leitplanke.common.permissions import check
from leitplanke.common.transactions import write_atomic
from leitplanke.common.versioning import check_version

from .events import ToolGuardrailsChanged
from .models import Tool, ToolKind, ToolRequest, ToolRequestStatus

#: The fields of a tool that ``tool_create`` and ``tool_update`` set.
TOOL_FIELDS = frozenset(
    {
        "name",
        "vendor",
        "kind",
        "hosting_region",
        "status",
        "max_classification",
        "personal_data_allowed",
        "dpa_signed",
        "trains_on_inputs",
        "usage_guidelines",
        "contact",
    }
)


class ToolFields(TypedDict, total=False):
    """The keywords of :func:`tool_update`: every name of ``TOOL_FIELDS`` (a test keeps them the same)."""

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
    contact: str


def _check_name_free(tool: Tool) -> None:
    """Tool names are unique regardless of case, so "chatbot" and "ChatBot" are not two entries."""
    if Tool.objects.filter(name__iexact=tool.name).exclude(pk=tool.pk).exists():
        raise DomainError(_("A tool named “%(name)s” is already in the catalogue.") % {"name": tool.name}, field="name")


def _save_tool(tool: Tool) -> None:
    """Save, turning a name taken by a concurrent request into the same error as the check above."""
    try:
        with write_atomic():
            tool.save()
    except IntegrityError as exc:
        raise DomainError(
            _("A tool named “%(name)s” is already in the catalogue.") % {"name": tool.name}, field="name"
        ) from exc


def _strip(values: Mapping[str, Any]) -> dict[str, Any]:
    return {key: value.strip() if isinstance(value, str) else value for key, value in values.items()}


@write_atomic
def tool_create(
    *,
    actor: Actor,
    name: str,
    hosting_region: str,
    status: str,
    max_classification: str,
    vendor: str = "",
    kind: str = ToolKind.OTHER,
    personal_data_allowed: bool = False,
    dpa_signed: bool = False,
    trains_on_inputs: bool = False,
    usage_guidelines: str = "",
    contact: str = "",
    is_demo: bool = False,
) -> Tool:
    """Add a tool to the catalogue with what data it may receive."""
    check(actor, "catalog.manage_tool")
    values = _strip(
        {
            "name": name,
            "vendor": vendor,
            "kind": kind,
            "hosting_region": hosting_region,
            "status": status,
            "max_classification": max_classification,
            "personal_data_allowed": personal_data_allowed,
            "dpa_signed": dpa_signed,
            "trains_on_inputs": trains_on_inputs,
            "usage_guidelines": usage_guidelines,
            "contact": contact,
        }
    )
    tool = Tool(is_demo=is_demo, **values)
    full_clean(tool, validate_unique=False, titles=["name"])
    _check_name_free(tool)
    _save_tool(tool)
    event_record(actor=actor, action="catalog.tool.created", target=tool, after=tool.audit_snapshot())
    return tool


@write_atomic
def tool_update(
    *, actor: Actor, tool: Tool, expected_version: int | None = None, **changes: Unpack[ToolFields]
) -> Tool:
    """Change a catalogue entry; the version goes up when anything changed.

    With ``expected_version`` (the version the actor saw), a change made by someone else in the
    meantime raises :class:`~leitplanke.common.errors.Conflict` instead of being overwritten.
    """
    check(actor, "catalog.manage_tool", tool)
    unknown = set(changes) - TOOL_FIELDS
    if unknown:
        raise ValueError(f"tool_update cannot change {sorted(unknown)}")
    tool = Tool.objects.select_for_update().get(pk=tool.pk)
    check_version(tool, expected_version)
    before = tool.audit_snapshot()
    for field, value in _strip(changes).items():
        setattr(tool, field, value)
    full_clean(tool, validate_unique=False, titles=["name"])
    _check_name_free(tool)
    after = tool.audit_snapshot()
    if after == before:
        return tool
    tool.version += 1
    tool.updated_at = clock.now()
    _save_tool(tool)
    event_record(actor=actor, action="catalog.tool.updated", target=tool, before=before, after=after)
    if any(before.get(name) != after.get(name) for name in Tool.GUARDRAIL_FIELDS):
        # What the tool may receive decides verdicts: every use case that uses it is evaluated again.
        emit(ToolGuardrailsChanged(actor=actor, tool=tool))
    return tool


@write_atomic
def tool_request_create(*, actor: Actor, name: str, reason: str, vendor: str = "", url: str = "") -> ToolRequest:
    """An employee asks for a tool that is not in the catalogue yet, and says why."""
    check(actor, "catalog.add_toolrequest")
    values = _strip({"name": name, "reason": reason, "vendor": vendor, "url": url})
    tool_request = ToolRequest(requested_by=actor, **values)
    full_clean(tool_request, titles=["name"])
    listed = Tool.objects.filter(name__iexact=tool_request.name).first()
    if listed is not None:
        raise DomainError(
            _("“%(name)s” is already in the catalogue; its entry says whether and how you may use it.")
            % {"name": listed.name},
            field="name",
            code="already_listed",
        )
    if ToolRequest.objects.filter(
        requested_by=actor, name__iexact=tool_request.name, status=ToolRequestStatus.OPEN
    ).exists():
        raise DomainError(
            _("You have already requested this tool; AI governance has not decided yet."),
            field="name",
            code="already_requested",
        )
    tool_request.save()
    event_record(
        actor=actor, action="catalog.request.created", target=tool_request, after=tool_request.audit_snapshot()
    )
    return tool_request


@write_atomic
def tool_request_decide(
    *,
    actor: Actor,
    tool_request: ToolRequest,
    accept: bool,
    comment: str = "",
    tool: Tool | None = None,
    new_tool: Mapping[str, Any] | None = None,
    notify_requester: bool = True,
) -> ToolRequest:
    """Accept or reject an open request; the requester is told by e-mail once it is committed.

    Accepting may link an existing catalogue entry (``tool``) or create one from ``new_tool``
    (the keyword arguments of :func:`tool_create`). Rejecting needs a comment that says why.
    """
    check(actor, "catalog.decide_toolrequest", tool_request)
    tool_request = ToolRequest.objects.select_for_update().select_related("requested_by").get(pk=tool_request.pk)
    if tool_request.status != ToolRequestStatus.OPEN:
        raise DomainError(_("This request has already been decided."), code="already_decided")
    comment = comment.strip()
    if tool is not None and new_tool is not None:
        raise DomainError(_("Link an existing catalogue entry or create a new one, not both."), field="tool")
    if not accept:
        if tool is not None or new_tool is not None:
            raise DomainError(_("A rejected request is not linked to a catalogue entry."), field="tool")
        if not comment:
            raise DomainError(_("Say why the request is rejected; the requester will read it."), field="comment")
    before = tool_request.audit_snapshot()
    if new_tool is not None:
        tool = tool_create(actor=actor, **new_tool)
    tool_request.status = ToolRequestStatus.ACCEPTED if accept else ToolRequestStatus.REJECTED
    tool_request.decision_comment = comment
    tool_request.decided_by = actor
    tool_request.decided_at = clock.now()
    tool_request.tool = tool
    full_clean(tool_request, titles=["name"])
    tool_request.save()
    event_record(
        actor=actor,
        action="catalog.request.decided",
        target=tool_request,
        before=before,
        after=tool_request.audit_snapshot(),
    )
    if notify_requester:
        request_pk = tool_request.pk
        transaction.on_commit(lambda: tool_request_notify(tool_request_pk=request_pk), robust=True)
    return tool_request


def tool_request_notify(*, tool_request_pk: int) -> bool:
    """E-mail the requester the decision, in the requester's language; ``False`` if they have no address."""
    tool_request = ToolRequest.objects.select_related("requested_by", "decided_by", "tool").get(pk=tool_request_pk)
    requester = tool_request.requested_by
    if not requester.email:
        return False
    with translation.override(requester.preferred_language):
        subject, body = _decision_mail(tool_request)
    send_mail(subject, body, None, [requester.email])
    return True


def _decision_mail(tool_request: ToolRequest) -> tuple[str, str]:
    """Subject and text of the decision e-mail, in the active language."""
    names = {"name": tool_request.name}
    if tool_request.status == ToolRequestStatus.ACCEPTED:
        subject = _("Your tool request “%(name)s” was accepted") % names
        outcome = _("AI governance accepted your request for “%(name)s”.") % names
    else:
        subject = _("Your tool request “%(name)s” was rejected") % names
        outcome = _("AI governance rejected your request for “%(name)s”.") % names
    lines = [_("Hello %(person)s,") % {"person": tool_request.requested_by.name}, "", outcome]
    if tool_request.tool is not None:
        lines += [
            "",
            _("Catalogue entry: %(tool)s (status: %(status)s)")
            % {"tool": tool_request.tool.name, "status": tool_request.tool.get_status_display()},
        ]
    if tool_request.decision_comment:
        lines += ["", _("Comment:"), tool_request.decision_comment]
    lines += [
        "",
        # The same labels as the navigation and the request list, so the mail matches what people see.
        _("You find the decision in Leitplanke under %(place)s.")
        % {"place": " → ".join([_("Tools"), _("Tool requests"), _("My tool requests")])},
        "",
        _("This message was sent automatically by Leitplanke."),
    ]
    return str(subject), "\n".join(str(line) for line in lines)
