"""Domain events: what a service did, told to the apps above it inside the same transaction.

An app in a lower layer never calls an app above it (``docs/architecture.md``). When something
there matters to the apps above — a use case changed, so its verdict has to be evaluated again; a
review was assigned, so the reviewers are told and the webhooks fire — the service *emits* a named
event, and the apps above *subscribe* to it in their ``AppConfig.ready()``:

    # usecases/services.py (lower)               # guardrails/apps.py (higher)
    events.emit(UseCaseSaved(actor=..., ...))    events.subscribe(UseCaseSaved, handlers.on_usecase_saved)

Each event is a frozen dataclass defined in the ``events.py`` of the app that emits it; its name
says what happened, in the past tense. Rules:

- :func:`emit` runs the subscribers at once, in the order they subscribed, inside the emitting
  service's transaction (it refuses to run outside one). What they write commits with the change
  and its audit event, or rolls back with them; an error in a subscriber (a :class:`DomainError`
  that vetoes the change, for example) rolls the whole change back. Subscribers therefore must not
  send, call out or write files: e-mails, webhooks and tasks leave through the outbox rows and
  ``on_commit`` as before.
- Apps subscribe in ``ready()``, and ``INSTALLED_APPS`` lists the apps from the lowest layer to the
  highest, so the subscribers of a lower app run before those of a higher one (the verdict is
  evaluated before the decision workflow reads it).
- :func:`preparing` is the one exception to "inside the transaction": a service that wants work
  done *before* it takes the write lock (evaluating a verdict in the evaluator processes) announces
  the change it is about to make; subscribers return a context manager that stays open for the
  write (see ``guardrails/handlers.py``).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from django.db import transaction

_subscribers: dict[type, list[Callable[[Any], Any]]] = {}


def subscribe[E](event_type: type[E], handler: Callable[[E], Any]) -> None:
    """Call ``handler(event)`` for every ``event_type`` emitted from now on (once per handler)."""
    handlers = _subscribers.setdefault(event_type, [])
    if handler not in handlers:
        handlers.append(handler)


def subscribe_all(subscriptions: Iterable[tuple[type, Callable[[Any], Any]]]) -> None:
    """Subscribe every ``(event type, handler)`` pair (an app's ``SUBSCRIPTIONS``), in their order."""
    for event_type, handler in subscriptions:
        subscribe(event_type, handler)


def subscribers(event_type: type) -> list[Callable[[Any], Any]]:
    """The handlers of ``event_type``, in the order they run (for the architecture test and the docs)."""
    return list(_subscribers.get(event_type, ()))


def event_types() -> list[type]:
    """Every event type that has a subscriber."""
    return list(_subscribers)


def emit(event: Any, *, using: str = "default") -> None:
    """Run the subscribers of ``event`` now, inside the current transaction (which must be open)."""
    if not transaction.get_connection(using).in_atomic_block:
        raise RuntimeError(f"{type(event).__name__} emitted outside a transaction: emit it inside the service's write")
    for handler in subscribers(type(event)):
        handler(event)


@contextlib.contextmanager
def preparing(event: Any) -> Iterator[None]:
    """Announce a change before its write lock; the subscribers' context managers stay open until
    the block (the write) ends, however it ends. A subscriber may return None (nothing to keep)."""
    with contextlib.ExitStack() as stack:
        for handler in subscribers(type(event)):
            kept = handler(event)
            if kept is not None:
                stack.enter_context(kept)
        yield
