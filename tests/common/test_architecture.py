"""The house's direction: apps form layers (import-linter), no app reaches up from inside a function,
and the domain events reach their subscribers in the order of the layers, inside the transaction."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from leitplanke.common import events
from leitplanke.decisions import events as decision_events
from leitplanke.decisions import handlers as decision_handlers
from leitplanke.guardrails import handlers as guardrail_handlers
from leitplanke.notifications import notices
from leitplanke.usecases.events import StageDeclared, UseCaseChanging, UseCaseSaved
from leitplanke.webhooks import handlers as webhook_handlers

SRC = Path(__file__).resolve().parents[2] / "src" / "leitplanke"


def _function_level_imports_between_apps() -> list[str]:
    """``file:line app -> module`` for every import inside a function that names another app.

    Django's ``AppConfig.ready()`` is the one place for them: apps.py is imported before the models
    exist, so what it registers (labels, subscriptions) is imported when the apps are ready.
    """
    found = []
    for path in sorted(SRC.rglob("*.py")):
        relative = path.relative_to(SRC)
        if "migrations" in relative.parts or relative.name == "apps.py":
            continue
        app = relative.parts[0]
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            for inner in ast.walk(node):
                if isinstance(inner, ast.Import):
                    modules = [alias.name for alias in inner.names]
                elif isinstance(inner, ast.ImportFrom) and inner.level == 0:
                    modules = [inner.module or ""]
                else:
                    continue
                for module in modules:
                    parts = module.split(".")
                    if parts[0] == "leitplanke" and len(parts) > 1 and parts[1] != app:
                        found.append(f"{relative}:{inner.lineno} {app} -> {module}")
    return sorted(set(found))


def test_no_app_imports_another_inside_a_function() -> None:
    found = _function_level_imports_between_apps()
    assert found == [], (
        "Imports of another app inside a function (move them to the top of the module; if that makes "
        "a cycle, the lower app emits a domain event instead, see docs/architecture.md):\n" + "\n".join(found)
    )


def _type_checking_imports_between_apps() -> list[str]:
    """``file app -> module`` for every import under ``if TYPE_CHECKING:`` that names another app
    (import-linter leaves these out of its graph: ``exclude_type_checking_imports``)."""
    found = []
    for path in sorted(SRC.rglob("*.py")):
        relative = path.relative_to(SRC)
        app = relative.parts[0]
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not (isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test)):
                continue
            for inner in ast.walk(node):
                if isinstance(inner, ast.Import):
                    modules = [alias.name for alias in inner.names]
                elif isinstance(inner, ast.ImportFrom) and inner.level == 0:
                    modules = [inner.module or ""]
                else:
                    continue
                for module in modules:
                    parts = module.split(".")
                    if parts[0] == "leitplanke" and len(parts) > 1 and parts[1] != app:
                        found.append(f"{relative} {app} -> {module}")
    return sorted(set(found))


def test_imports_for_the_type_checker_only_cross_the_layers_for_the_actor_type() -> None:
    """The type ``Actor`` (common/actors.py) names the User model for the type checker; no other
    app hides an import of another behind ``TYPE_CHECKING``, so the layers stay what runs and what
    the types say."""
    assert _type_checking_imports_between_apps() == ["common/actors.py common -> leitplanke.accounts.models"]


def test_the_apps_keep_their_layers() -> None:
    from importlinter.cli import lint_imports

    assert lint_imports(no_logo=True, no_cache=True) == 0, "import-linter: see the broken contract printed above"


def test_the_subscribers_of_an_event_run_from_the_lowest_layer_up() -> None:
    # The guardrails store the verdict before the decision workflow follows it.
    assert events.subscribers(UseCaseSaved) == [
        guardrail_handlers.refresh_verdict,
        decision_handlers.follow_saved_usecase,
    ]
    assert events.subscribers(UseCaseChanging) == [guardrail_handlers.prepare_verdict]
    assert events.subscribers(StageDeclared) == [decision_handlers.check_declared_stage]
    # A review assigned: the inbox row, then the webhook delivery.
    assert events.subscribers(decision_events.ReviewAssigned) == [
        notices.review_assigned,
        webhook_handlers.review_assigned,
    ]


def test_every_subscription_is_made_once() -> None:
    for event_type in events.event_types():
        handlers = events.subscribers(event_type)
        assert len(handlers) == len(set(handlers)), event_type


def test_an_event_is_emitted_only_inside_the_write_it_reports() -> None:
    # No transaction is open here: what the subscribers wrote would commit apart from the change.
    event = decision_events.ApprovalWaiting(actor=None, usecase=None)  # type: ignore[arg-type]
    with pytest.raises(RuntimeError, match="outside a transaction"):
        events.emit(event)
