"""Writes of the guardrails: publishing a bundle, and keeping every use case's verdict current.

A use case's verdict is refreshed in the same transaction as every change that can alter it (its
own facts, tools, unit or stage; a tool's catalogue entry; a new bundle), and a change of the
outcome is recorded in the audit trail on the use case, so its history shows when and why the
rules started to see it differently.

A bundle that was not shipped with Leitplanke is evaluated in the evaluator processes, up to their
time limit. So that a slow rule never holds the write lock, the writes a user starts evaluate first
(``verdict_prepare``, the what-if of ``bundle_publish``) and only then open their transaction, which
takes those results for exactly the same bundle and input (``evaluators.prepared_verdicts``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from leitplanke.audit.services import event_record
from leitplanke.common import clock
from leitplanke.common.actors import Actor
from leitplanke.common.errors import DomainError
from leitplanke.common.events import emit
from leitplanke.common.permissions import check
from leitplanke.common.transactions import write_atomic
from leitplanke.usecases.models import UseCase

from . import evaluators, events, selectors
from .engine import (
    CheckReport,
    Evaluator,
    InputInvalid,
    WhatIfItem,
    WhatIfReport,
    files_digest,
    input_digest,
    parse_bundle,
    summary_digest,
)
from .engine import shortcut as engine_shortcut
from .engine import what_if as engine_what_if
from .engine.evaluation import stopped_reason
from .engine.whatif import differences
from .models import RuleBundle, Verdict

_BATCH = 1000


class BundleRefused(DomainError):
    """A bundle failed validation or its own tests; ``report`` lists every problem with file and line."""

    code = "bundle_invalid"

    def __init__(self, report: CheckReport) -> None:
        count = len(report.problems)
        super().__init__(
            ngettext(
                "The bundle was refused: %(count)s problem found. The active bundle is unchanged.",
                "The bundle was refused: %(count)s problems found. The active bundle is unchanged.",
                count,
            )
            % {"count": count}
        )
        self.report = report


@dataclass(frozen=True)
class Publication:
    """A bundle that was published, and what its what-if found before it took over."""

    bundle: RuleBundle
    whatif: WhatIfReport


def _outcome(summary: dict[str, Any], row: RuleBundle) -> dict[str, Any]:
    """The part of a verdict recorded in the audit trail (the rules that fired are in the verdict row)."""
    return {
        "risk_class": summary["risk_class"],
        "decision": summary["decision"],
        "reviews": summary["reviews"],
        "obligations": summary["obligations"],
        "bundle": f"{row.bundle_id} {row.version}",
    }


def _verdict_action(before: dict[str, Any] | None) -> str:
    """The first verdict of a use case is recorded; every later different one is a change."""
    return "guardrails.verdict.recorded" if before is None else "guardrails.verdict.changed"


def bundle_ensure_active() -> RuleBundle:
    """The active bundle; on a new installation the shipped default bundle is published first (by the system).

    A write: only write paths call it (the first verdict, a refresh). Pages and the API read
    ``selectors.bundle_in_force()``, which shows the shipped bundle unpublished until then.
    """
    row = selectors.active_bundle()
    if row is not None:
        return row
    try:
        with write_atomic():
            row = selectors.shipped_row()
            row.published_at = clock.now()
            row.save(force_insert=True)
            event_record(actor=None, action="guardrails.bundle.published", target=row, after=row.audit_snapshot())
    except IntegrityError:
        # Another process published it first (or the version exists but is inactive): use what is there.
        row = selectors.active_bundle()
        if row is None:
            raise
    return row


def verdict_prepare(*, usecase: UseCase, tools: Iterable[Any] | None = None, stored: UseCase | None = None) -> None:
    """Evaluate ``usecase`` as a write is about to store it (unsaved or changed, with ``tools`` if they
    change), before the write lock, so that its :func:`verdict_refresh` finds the verdict ready.

    Only inside ``evaluators.prepared_verdicts()`` and only for a bundle that was not shipped; nothing
    is evaluated if the input equals that of ``stored`` (the use case as it is stored now).
    """
    row = _bundle_to_prepare()
    if row is None:
        return
    data = selectors.evaluation_input(usecase, tools)
    if stored is not None and selectors.evaluation_input(stored) == data:
        return
    evaluators.prepare(selectors.evaluator_for(row), data)


def verdict_prepare_needed() -> bool:
    """Whether a write about to start should prepare its verdict (a bundle not shipped is active)."""
    return _bundle_to_prepare() is not None


def _bundle_to_prepare() -> RuleBundle | None:
    if not evaluators.preparing():
        return None
    row = selectors.active_bundle()
    return None if row is None or evaluators.trusted(row.digest) else row


def verdict_refresh(
    *, usecase: UseCase, actor: Actor = None, tools: Iterable[Any] | None = None, new: bool = False
) -> Verdict:
    """Evaluate a use case under the active bundle and store the verdict with the exact input.

    ``tools`` (its catalogue tools, if the caller has them at hand) and ``new`` (it has no verdict
    yet) only save queries; imports create thousands of use cases in a row.
    """
    row = bundle_ensure_active()
    evaluator = selectors.evaluator_for(row)
    data = selectors.evaluation_input(usecase, tools)
    try:
        summary = evaluators.evaluate_or_stop(evaluator, data).summary()
    except InputInvalid as exc:
        # Stored data that breaks the contract is a bug; refuse the change instead of guessing a verdict.
        raise DomainError(_("The use case could not be evaluated: %(error)s") % {"error": exc}) from exc
    existing = (
        None
        if new
        else (
            Verdict.objects.filter(usecase=usecase)
            .select_related("bundle")
            .only("usecase_id", "summary", "bundle__bundle_id", "bundle__version")
            .first()
        )
    )
    before = _outcome(existing.summary, existing.bundle) if existing else None
    verdict = existing or Verdict(usecase=usecase)
    verdict.bundle = row
    verdict.input = data
    verdict.input_digest = input_digest(data)
    verdict.summary = summary
    verdict.summary_digest = summary_digest(summary)
    verdict.risk_class = summary["risk_class"]
    verdict.decision = summary["decision"]
    verdict.evaluated_at = clock.now()
    verdict.save()
    if summary.get("stopped"):
        _record_stopped(actor, usecase.pk, str(usecase), summary, row)
    after = _outcome(summary, row)
    if before is None or {k: v for k, v in before.items() if k != "bundle"} != {
        k: v for k, v in after.items() if k != "bundle"
    }:
        event_record(actor=actor, action=_verdict_action(before), target=usecase, before=before, after=after)
    return verdict


def _record_stopped(actor: Actor, usecase_id: Any, label: str, summary: dict[str, Any], row: RuleBundle) -> None:
    """The audit event of a verdict a limit stopped: which rules were running, and why AI governance reviews."""
    rules = summary.get("failed") or []
    event_record(
        actor=actor,
        action="guardrails.verdict.stopped",
        object_type=UseCase._meta.label_lower,
        object_id=str(usecase_id),
        object_label=label,
        after={
            "limit": summary["stopped"],
            "rules": rules,
            "bundle": f"{row.bundle_id} {row.version}",
            "reason": {lang: stopped_reason(lang, rules[0] if rules else "?") for lang in ("de", "en")},
        },
    )


def verdicts_refresh(*, actor: Actor = None, usecase_ids: Iterable[int] | None = None) -> int:
    """Re-evaluate many use cases (all, or those named) under the active bundle; returns how many changed.

    Inside a caller's write (a catalogue change) it is part of that transaction; on its own (``leitplanke
    policy refresh``) every chunk of verdicts commits with its audit events, so the portfolio is never
    locked for the whole run and a stopped run is completed by running it again.
    """
    ids = None if usecase_ids is None else list(usecase_ids)
    row = bundle_ensure_active()
    evaluator = selectors.evaluator_for(row)
    writer = _VerdictWriter(row, actor)
    report = engine_what_if(
        evaluator,
        selectors.portfolio(ids),
        on_result=writer.add,
        shortcut=selectors.shortcut_to(evaluator),
        outcomes=evaluators.what_if_outcomes(evaluator, *selectors.current_for_shortcut(), stopped_verdicts=True),
    )
    writer.finish(ids)
    return len(report.changes)


class _VerdictWriter:
    """Stores new verdicts chunk by chunk; every outcome that changed gets its audit event.

    It receives each use case's new verdict together with the stored one and the stored input's
    digest (the what-if read them), so it writes only what changed and reads nothing again. Each
    chunk is one write transaction with its audit events (a savepoint inside a publication's
    transaction): a refresh stopped half-way, even by ``kill -9``, leaves whole chunks, each verdict
    with its event, and the next refresh does the rest.
    """

    def __init__(self, row: RuleBundle, actor: Actor) -> None:
        self.row = row
        self.actor = actor
        self.now = clock.now()
        self.pending: list[tuple[WhatIfItem, dict[str, Any], dict[str, Any] | None]] = []

    def add(self, item: WhatIfItem, summary: dict[str, Any], before: dict[str, Any] | None) -> None:
        self.pending.append((item, summary, before))
        if len(self.pending) >= _BATCH:
            self.flush()

    def flush(self) -> None:
        if not self.pending:
            return
        self._write_chunk()
        self.pending.clear()

    @write_atomic
    def _write_chunk(self) -> None:
        """The pending verdicts and their audit events, in one transaction (run again after a deadlock)."""
        to_create: list[Verdict] = []
        to_update: list[Verdict] = []
        for item, summary, before in self.pending:
            if before is not None and before == summary and item.input_unchanged:
                continue  # the same verdict: finish() points it at the new bundle with all others
            verdict = Verdict(
                usecase_id=item.key,
                bundle=self.row,
                input=item.input,
                input_digest=item.input_digest(),
                summary=summary,
                summary_digest=summary_digest(summary),
                risk_class=summary["risk_class"],
                decision=summary["decision"],
                evaluated_at=self.now,
            )
            (to_create if item.current is None else to_update).append(verdict)
            if summary.get("stopped"):
                _record_stopped(self.actor, item.key, item.label, summary, self.row)
            if differences(before, summary):
                event_record(
                    actor=self.actor,
                    action=_verdict_action(before),
                    object_type=UseCase._meta.label_lower,
                    object_id=str(item.key),
                    object_label=item.label,
                    before=_outcome(before, self.row) if before else None,
                    after=_outcome(summary, self.row),
                )
        Verdict.objects.bulk_create(to_create, batch_size=_BATCH)
        Verdict.objects.bulk_update(
            to_update,
            ["bundle", "input", "input_digest", "summary", "summary_digest", "risk_class", "decision", "evaluated_at"],
            batch_size=_BATCH,
        )

    def finish(self, usecase_ids: Iterable[int] | None = None) -> None:
        """Write what is pending; then every verdict (of the use cases named) comes from this bundle."""
        self.flush()
        self._point_and_follow(usecase_ids)

    @write_atomic
    def _point_and_follow(self, usecase_ids: Iterable[int] | None) -> None:
        scope = Verdict.objects.all() if usecase_ids is None else Verdict.objects.filter(usecase_id__in=usecase_ids)
        scope.exclude(bundle=self.row).update(bundle=self.row, evaluated_at=self.now)
        # Use cases on their way to a decision follow their new verdict in the same transaction (the
        # decision workflow subscribes). Rerouting compares each use case's way with its stored
        # verdict, so after a refresh that stopped half-way the next one reroutes what the first left.
        emit(events.VerdictsStored(actor=self.actor, usecase_ids=usecase_ids))


def bundle_publish(*, actor: Actor, files: dict[str, str], checked: CheckReport | None = None) -> Publication:
    """Publish a bundle: check it, compare it with the portfolio, make it the active one, refresh verdicts.

    Refused (and the active bundle left as it is) if the bundle fails validation or its own tests, is
    already active, or reuses a published version number. ``actor=None`` is the system (the command line).
    """
    check(actor, "guardrails.publish_bundle")
    report = checked if checked is not None and checked.bundle.get("digest") == files_digest(files) else None
    report = report or evaluators.check(files)
    if not report.ok:
        raise BundleRefused(report)
    bundle = parse_bundle(files, bounded=False)  # checked just now, with the limits the settings choose
    evaluator = Evaluator(bundle)
    with evaluators.prepared_verdicts():
        _what_if_prepare(evaluator)
        return _bundle_publish(actor, files, evaluator)


def _what_if_prepare(evaluator: Evaluator) -> None:
    """The portfolio's what-if under a candidate that was not shipped, evaluated before the write lock:
    inside it, ``_bundle_publish`` evaluates only what changed in between. A rule a limit stops refuses
    the publication here already (RuleStopped), before any other writer waits."""
    bundle = evaluator.bundle
    if evaluators.trusted(bundle.digest):
        return
    previous = RuleBundle.objects.defer("files", "whatif").filter(active=True).first()
    if previous is not None and previous.digest == bundle.digest:
        return  # refused under the lock
    if RuleBundle.objects.filter(bundle_id=bundle.id, version=bundle.version).exists():
        return  # refused under the lock
    current = selectors.evaluator_for(previous) if previous else None
    outcomes = evaluators.what_if_outcomes(
        evaluator, current, previous.pk if previous else None, stopped_verdicts=False
    )
    engine_what_if(evaluator, selectors.portfolio(), outcomes=outcomes)


def _bundle_publish(actor: Actor, files: dict[str, str], evaluator: Evaluator) -> Publication:
    """The publication itself, in one write transaction (see :func:`bundle_publish`)."""
    bundle = evaluator.bundle
    with write_atomic():
        previous = RuleBundle.objects.select_for_update().defer("files", "whatif").filter(active=True).first()
        if previous is not None and previous.digest == bundle.digest:
            raise DomainError(_("This bundle is already the active one."), code="already_active")
        if RuleBundle.objects.filter(bundle_id=bundle.id, version=bundle.version).exists():
            raise DomainError(
                _("Version %(version)s of %(bundle)s was published before. Raise the version in bundle.yaml.")
                % {"version": bundle.version, "bundle": bundle.id},
                field="version",
                code="version_exists",
            )
        RuleBundle.objects.filter(active=True).update(active=False)
        row = RuleBundle.objects.create(
            bundle_id=bundle.id,
            version=bundle.version,
            digest=bundle.digest,
            title=bundle.title.en,
            files=dict(files),
            rule_count=len(bundle.rules),
            test_count=len(bundle.tests),
            published_by=actor if getattr(actor, "pk", None) else None,
            published_at=clock.now(),
            active=True,
        )
        # The stored verdicts came from the previous bundle: only rules it did not have need evaluating.
        current = selectors.evaluator_for(previous) if previous else None
        shortcut = engine_shortcut(current.bundle, bundle, previous.pk) if current and previous else None
        writer = _VerdictWriter(row, actor)
        # A rule a limit stops refuses the publication (RuleStopped): the transaction is rolled back.
        outcomes = evaluators.what_if_outcomes(
            evaluator, current, previous.pk if previous else None, stopped_verdicts=False
        )
        whatif = engine_what_if(
            evaluator, selectors.portfolio(), on_result=writer.add, shortcut=shortcut, outcomes=outcomes
        )
        writer.finish()
        row.whatif = whatif.as_dict(limit=500)
        row.save(update_fields=["whatif"])
        event_record(
            actor=actor,
            action="guardrails.bundle.published",
            target=row,
            before=previous.audit_snapshot() if previous else None,
            after={**row.audit_snapshot(), "changed_verdicts": len(whatif.changes)},
        )
        emit(events.BundlePublished(actor=actor, bundle=row, changed_verdicts=len(whatif.changes)))
    selectors.compiled(bundle.files, bundle.digest)
    return Publication(row, whatif)
