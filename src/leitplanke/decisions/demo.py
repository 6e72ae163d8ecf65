"""The demo company's history: its use cases registered, submitted, reviewed and approved, and
their duties done, over some months, replayed through the services in the order it happened.

``leitplanke demo`` sets the company up on the day it began to use Leitplanke (:func:`founded`):
the organisation, the catalogue, the courses and the completions of the days before. Then
:func:`load` computes the story of each demo use case first, from a fixed seed (every fresh demo
looks the same, relative to today): when it was registered and submitted (some 5 to 120 days ago),
what its reviews decide and when (days or weeks later, some past their deadline), when its lead
approved it (once qualified), which duties were done and when; drafts were started and saved since.
Every step of every use case, and the course completions of those months, then runs through the
real service inside ``clock.frozen_at(its time)``, all of them sorted by time across the company:
rows, notifications and audit events carry the times of the story, and the audit trail runs
forward in time. Nothing is moved into the past afterwards.

It tells its story only to a company without demo use cases: a second run leaves the history alone
and adds only what a later run can add (use cases or tools missing the first time), now.
"""

from __future__ import annotations

import datetime as dt
import functools
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth import get_user_model
from django.utils import timezone

from leitplanke.common import clock
from leitplanke.common.transactions import write_atomic
from leitplanke.guardrails.evaluators import evaluate_or_stop
from leitplanke.guardrails.selectors import evaluation_input, evaluator_for
from leitplanke.guardrails.services import bundle_ensure_active
from leitplanke.literacy import demo as literacy_demo
from leitplanke.literacy.models import Completion, Course
from leitplanke.literacy.selectors import valid_on
from leitplanke.org.models import OrgUnit, RoleAssignment
from leitplanke.usecases import demo as usecase_demo
from leitplanke.usecases import services as usecase_services
from leitplanke.usecases.demo import USE_CASES, DemoUseCase
from leitplanke.usecases.models import Status, UseCase

from . import selectors, services
from .models import Obligation, ObligationStatus, Review, ReviewStatus

#: What happens to the reviews of the n-th use case in review (n modulo the length).
REVIEW_PLAN = ("approve", "approve_with_conditions", "leave", "request_changes", "approve", "leave", "reject")
CONDITIONS = {
    "data_protection": "Löschfristen festlegen und die Beschäftigten vor dem Start informieren.",
    "works_council": "Keine Auswertung einzelner Beschäftigter; Betriebsvereinbarung vor dem Produktivstart.",
    "information_security": "Nur über das Firmenkonto mit Single Sign-on nutzen.",
    "legal": "Kennzeichnung der erzeugten Inhalte gemäß Art. 50 KI-Verordnung.",
    "ai_governance": "Menschliche Aufsicht durch geschulte Personen; Protokolle sechs Monate aufbewahren.",
}


#: The seed of the demo's history (with each use case's title): the same dates on every fresh demo.
HISTORY_SEED = "Beispiel AG"
#: Business days a demo review of each role takes to be decided (their deadlines, in
#: ``settings.REVIEW_DEADLINE_DAYS``: 5, 5, 10, 10, 15): mostly within, sometimes over.
REVIEW_DAYS = {
    "information_security": (1, 6),
    "ai_governance": (1, 6),
    "data_protection": (3, 12),
    "legal": (3, 12),
    "works_council": (8, 18),  # it waits for a council meeting
}
#: Business days from the (latest) submission to today, by state: (fewest, most), the recent ones
#: more often (so that not every open obligation of an approval is overdue).
AGE: dict[str, tuple[int, int]] = {
    Status.APPROVED: (5, 85),
    Status.REJECTED: (5, 70),
    Status.CHANGES_REQUESTED: (5, 40),
    Status.BLOCKED: (5, 85),
}
#: Business days the n-th use case in review has waited (n modulo the length): with five business
#: days for information security and ten for data protection, some reviews are overdue, some not.
IN_REVIEW_AGE = (16, 5, 12, 6)
#: Review outcomes that end a submission.
ENDING = frozenset({ReviewStatus.REJECTED, ReviewStatus.CHANGES_REQUESTED})


#: Business days before today on which the demo company began to use Leitplanke: before every
#: step of its history (the oldest submission is at most some 90 business days ago, its use case
#: registered up to 15 before).
FOUNDED_DAYS = 110
#: The evidence of a demo duty done.
EVIDENCE = "Erledigt und im Teamlaufwerk dokumentiert (Demodaten)."


def founded(today: dt.date | None = None) -> dt.datetime:
    """When the demo company began to use Leitplanke: its organisation, catalogue and courses date from then."""
    day = _business_days_before(today or timezone.localdate(), FOUNDED_DAYS)
    return dt.datetime.combine(day, dt.time(8, 0), tzinfo=timezone.get_current_timezone())


@dataclass
class _Review:
    """A review of a demo use case in its story: what its reviewer decides, and when."""

    role: str
    outcome: str = ReviewStatus.OPEN
    comment: str = ""
    conditions: str = ""
    decided: dt.datetime | None = None

    @property
    def is_decided(self) -> bool:
        return self.outcome not in (ReviewStatus.OPEN, ReviewStatus.CANCELLED)


@dataclass
class _Duty:
    """An obligation of a demo use case in its story: opened by a review's conditions or the approval."""

    code: str
    due_days: int
    review: _Review | None = None
    done: bool = False
    completed: dt.datetime | None = None


@dataclass
class _Case:
    """The story of one demo use case: where it ends and when each step happens."""

    spec: DemoUseCase
    unit: OrgUnit
    owner: Any
    tools: list[Any]
    summary: dict[str, Any] = field(default_factory=dict)
    status: str = Status.DRAFT
    reviews: list[_Review] = field(default_factory=list)
    approver: Any = None
    duties: list[_Duty] = field(default_factory=list)
    created: dt.datetime | None = None
    saved: dt.datetime | None = None  # a draft: when its tools were added
    submitted: dt.datetime | None = None
    approved: dt.datetime | None = None
    usecase: Any = None  # the use case, once registered


def _cases() -> list[_Case]:
    """The demo use cases whose unit and owner exist, with the verdict each will get."""
    units, people, tools = usecase_demo.demo_context()
    evaluator = evaluator_for(bundle_ensure_active())
    cases = []
    for spec in USE_CASES:
        unit, owner = units.get(spec.unit), people.get(spec.owner)
        if unit is None or owner is None:
            continue
        case = _Case(spec, unit, owner, [tools[name] for name in spec.tools if name in tools])
        if spec.status == Status.SUBMITTED:
            draft = UseCase(unit=unit, stage=spec.stage, **spec.answers)
            case.summary = evaluate_or_stop(evaluator, evaluation_input(draft, case.tools)).summary()
        cases.append(case)
    return cases


def _qualified(today: dt.date) -> dict[str, dt.date] | None:
    """Who holds the qualification approvals need today, once the demo's completions are recorded:
    user name and the day of the completion that counts longest (``None``: no qualification needed)."""
    qualification = selectors.required_qualification()
    if qualification is None:
        return None
    course = Course.objects.filter(code=qualification).first()
    found = [
        (username, day, course.valid_until(day) if course else None)
        for username, code, day in literacy_demo.plan(today)
        if code == qualification
    ]
    found += list(
        Completion.objects.filter(valid_on(today), course__code=qualification).values_list(
            "person__username", "completed_on", "valid_until"
        )
    )
    best: dict[str, tuple[tuple[Any, ...], dt.date]] = {}
    for username, day, until in found:
        if day > today or (until is not None and until < today):
            continue
        key = (until is None, until or dt.date.min, day)
        if username not in best or key > best[username][0]:
            best[username] = (key, day)
    return {username: day for username, (_key, day) in best.items()}


def _approver(unit: OrgUnit, qualified: dict[str, dt.date] | None) -> Any:
    """The first approver of a use case of ``unit`` today (as ``selectors.approval_level`` finds them)."""
    ids = [int(part) for part in unit.path.strip("/").split("/") if part]
    units = {u.pk: u for u in OrgUnit.objects.filter(pk__in=ids).select_related("lead", "deputy")}
    for pk in reversed(ids):
        if pk not in units:
            continue
        found = [
            person
            for person in (units[pk].lead, units[pk].deputy)
            if person is not None and person.is_active and (qualified is None or person.username in qualified)
        ]
        if found:
            return found[0]
    return None


def _decide(cases: list[_Case], qualified: dict[str, dt.date] | None) -> None:
    """Where each case ends: the reviews decided by the plan, the approvals, the duties done."""
    conditioned: list[_Duty] = []
    for case in cases:
        if not case.summary:
            continue
        if case.summary.get("decision") == "blocked":
            case.status = Status.BLOCKED
            continue
        roles = sorted(case.summary.get("reviews", []))
        case.reviews = [_Review(role) for role in roles]
        case.status = Status.IN_REVIEW if roles else Status.AWAITING_APPROVAL
    for number, case in enumerate(case for case in cases if case.status == Status.IN_REVIEW):
        plan = REVIEW_PLAN[number % len(REVIEW_PLAN)]
        if plan == "leave":
            continue
        for review in case.reviews:
            if _reviewer(Review(role=review.role, unit=selectors.review_unit_for(review.role, case.unit))) is None:
                continue
            if plan == "request_changes":
                review.outcome = ReviewStatus.CHANGES_REQUESTED
                review.comment = (
                    "Bitte genauer beschreiben, welche Daten verarbeitet werden und wer die Ergebnisse prüft."
                )
                break
            if plan == "reject":
                review.outcome = ReviewStatus.REJECTED
                review.comment = (
                    "In dieser Form nicht vertretbar: Die Ergebnisse würden über "
                    "Personen entscheiden, ohne dass jemand sie nachprüft."
                )
                break
            if plan == "approve_with_conditions":
                review.outcome, review.conditions = ReviewStatus.APPROVED_WITH_CONDITIONS, CONDITIONS[review.role]
                duty = _Duty(f"review-{review.role}", services.CONDITION_DAYS, review)
                case.duties.append(duty)
                conditioned.append(duty)
            else:
                review.outcome = ReviewStatus.APPROVED
        ended = next((r.outcome for r in case.reviews if r.outcome in ENDING), None)
        if ended is not None:
            case.status = Status.REJECTED if ended == ReviewStatus.REJECTED else Status.CHANGES_REQUESTED
            for review in case.reviews:
                if review.outcome == ReviewStatus.OPEN:
                    review.outcome = ReviewStatus.CANCELLED
        elif all(review.is_decided for review in case.reviews):
            case.status = Status.AWAITING_APPROVAL
    approving: list[_Duty] = []
    bundle = evaluator_for(bundle_ensure_active()).bundle
    for number, case in enumerate(case for case in cases if case.status == Status.AWAITING_APPROVAL):
        if number % 3 == 2:
            continue  # some wait for their lead
        case.approver = _approver(case.unit, qualified)
        if case.approver is None:
            continue
        case.status = Status.APPROVED
        for code in case.summary.get("obligations", []):
            spec = bundle.obligations.get(code)
            if spec is not None and all(duty.code != code for duty in case.duties):
                duty = _Duty(code, spec.due_days)
                case.duties.append(duty)
                approving.append(duty)
    for number, duty in enumerate([*conditioned, *approving]):
        duty.done = number % 2 == 0  # about half of the duties are done, with their evidence


def _date(cases: list[_Case], today: dt.date, now: dt.datetime, qualified: dict[str, dt.date] | None) -> None:
    """When each step of each case happens (the seeded dates; see the module's docstring)."""
    in_review = 0
    for case in cases:
        rng = random.Random(f"{HISTORY_SEED}: {case.spec.title}")  # noqa: S311 - demo dates, not secrets
        if not case.summary:  # a draft: started some days ago, saved since
            age = rng.randint(3, 40)
            started = _business_days_before(today, age)
            case.created = _at(started, rng)
            case.saved = _at(selectors.add_business_days(started, rng.randint(1, age - 1)), rng)
            continue
        took = {
            n: rng.randint(*REVIEW_DAYS.get(review.role, (3, 10)))
            for n, review in enumerate(case.reviews)
            if review.is_decided
        }
        for n, review in enumerate(case.reviews):  # a rejection or a request for changes ended it: it came last
            if review.outcome in ENDING and n in took:
                took[n] = max(took.values())
        gap = rng.randint(1, 5 if took else 3) if case.approver is not None else 0
        needed = max(took.values(), default=0) + gap
        if case.status == Status.IN_REVIEW:
            age = IN_REVIEW_AGE[in_review % len(IN_REVIEW_AGE)]
            in_review += 1
            took = {n: min(days, age - 1) for n, days in took.items()}
        elif case.status == Status.AWAITING_APPROVAL:  # the lead has not come round to it yet
            age = needed + rng.randint(1, 8) if took else rng.randint(5, 12)
        else:
            fewest, most = AGE.get(case.status, (5, 60))
            if case.approver is not None and qualified is not None:  # the lead approved once qualified
                completed_on = qualified.get(case.approver.username)
                if completed_on is not None:
                    most = min(most, needed + _business_days_since(completed_on, today))
            fewest = max(fewest, needed + 1)
            age = round(rng.triangular(fewest, max(most, fewest), fewest))
        started = _business_days_before(today, age)
        while (today - started).days < 6:  # at least five days ago, on a weekend too
            started = _business_days_before(started, 1)
        case.submitted = _at(started, rng)
        moments = [case.submitted]
        for n, review in enumerate(case.reviews):
            if n in took:
                review.decided = _at(selectors.add_business_days(started, took[n]), rng)
                moments.append(review.decided)
        if case.approver is not None:
            last = max(moments)
            case.approved = _at(selectors.add_business_days(timezone.localdate(last), gap), rng)
        case.created = _at(_business_days_before(started, rng.randint(1, 15)), rng)
        for duty in case.duties:
            opened = duty.review.decided if duty.review is not None else case.approved
            if opened is None or not duty.done:
                continue
            due = timezone.localdate(opened) + dt.timedelta(days=duty.due_days)
            duty.completed = _completed(opened, due, today, now, rng)


# --- the steps, each run at its time ----------------------------------------------------------------


def _register(case: _Case, people: dict[str, Any], counts: dict[str, int], *, with_tools: bool) -> None:
    case.usecase = usecase_demo.register(
        case.spec,
        unit=case.unit,
        owner=case.owner,
        people=people,
        tools=case.tools if with_tools else [],
        submit=False,
    )
    counts["usecases"] += 1


def _save(case: _Case, counts: dict[str, int]) -> None:
    usecase_services.usecase_update(actor=case.owner, usecase=case.usecase, tools=case.tools)


def _submit(case: _Case, counts: dict[str, int]) -> None:
    case.usecase = services.usecase_submit(actor=case.owner, usecase=case.usecase)


def _review(case: _Case, planned: _Review, counts: dict[str, int]) -> None:
    review = (
        Review.objects.filter(usecase=case.usecase, role=planned.role, status=ReviewStatus.OPEN)
        .select_related("usecase", "unit")
        .first()
    )
    reviewer = _reviewer(review) if review is not None else None
    if review is None or reviewer is None:
        return
    services.review_decide(
        actor=reviewer,
        review=review,
        outcome=planned.outcome,
        comment=planned.comment,
        conditions=planned.conditions,
    )
    counts["reviews"] += 1


def _approve(case: _Case, counts: dict[str, int]) -> None:
    usecase = UseCase.objects.select_related("unit").get(pk=case.usecase.pk)
    level = selectors.approval_level(usecase)
    # The lead the story chose; should an older completion of a lead below count on that day, theirs.
    approver = case.approver if level.allows(case.approver) else next(iter(level.approvers), None)
    if approver is None or usecase.status != Status.AWAITING_APPROVAL:
        return
    scope = "production" if usecase.stage == "production" else "pilot"
    services.usecase_approve(actor=approver, usecase=usecase, scope=scope)
    counts["approvals"] += 1


def _fulfil(case: _Case, duty: _Duty, counts: dict[str, int]) -> None:
    duties = Obligation.objects.filter(usecase=case.usecase, status=ObligationStatus.OPEN).select_related("owner")
    which = {"review__role": duty.review.role} if duty.review is not None else {"code": duty.code}
    obligation = duties.filter(**which).first()
    if obligation is not None:
        services.obligation_complete(actor=obligation.owner, obligation=obligation, evidence=EVIDENCE)


def _course(username: str, code: str, day: dt.date, counts: dict[str, int]) -> None:
    if literacy_demo.record(username, code, day):
        counts["completions"] += 1


Step = tuple[dt.datetime, int, Callable[[dict[str, int]], None]]
#: More steps of the story from the apps above (the impact app's KPIs and measurements): given when
#: each demo use case (by title) was registered and today, the moments and what happens then.
MoreSteps = Callable[[dict[str, dt.datetime], dt.date], list[tuple[dt.datetime, Callable[[], None]]]]


def _steps(cases: list[_Case], since: dt.datetime, today: dt.date, more: MoreSteps | None = None) -> list[Step]:
    """Every step of the story after ``since``, in the order they happen (ties: as planned)."""
    _units, people, _tools = usecase_demo.demo_context()
    steps: list[Step] = []

    def add(moment: dt.datetime | None, run: Callable[[dict[str, int]], None]) -> None:
        if moment is not None:
            steps.append((moment, len(steps), run))

    for username, code, day in literacy_demo.plan(today):
        if day > timezone.localdate(since):  # the course done, it is recorded first thing that morning
            moment = dt.datetime.combine(day, dt.time(7, 30), tzinfo=timezone.get_current_timezone())
            add(moment, functools.partial(_course, username, code, day))
    for case in cases:
        add(case.created, functools.partial(_register, case, people, with_tools=case.saved is None or not case.tools))
        if case.saved is not None and case.tools:
            add(case.saved, functools.partial(_save, case))
        add(case.submitted, functools.partial(_submit, case))
        for review in case.reviews:
            add(review.decided, functools.partial(_review, case, review))
        add(case.approved, functools.partial(_approve, case))
        for duty in case.duties:
            add(duty.completed, functools.partial(_fulfil, case, duty))
    if more is not None:
        registered = {case.spec.title: case.created for case in cases if case.created is not None}
        for moment, run in more(registered, today):
            add(moment, functools.partial(_more, run))
    early = [moment for moment, _n, _run in steps if moment <= since]
    if early:
        raise RuntimeError(f"The demo's history begins before the company was set up: {min(early)} <= {since}")
    return sorted(steps, key=lambda step: (step[0], step[1]))


def story_told() -> bool:
    """Whether the demo's history was told already (the company has demo use cases): then :func:`load`
    adds only what a later run can add, now."""
    return UseCase.objects.filter(title__in=[spec.title for spec in USE_CASES]).exists()


def _more(run: Callable[[], None], _counts: dict[str, int]) -> None:
    run()


def load(*, since: dt.datetime | None = None, more: MoreSteps | None = None) -> dict[str, int]:
    """Tell the story of the demo use cases (see the module's docstring); returns how many use cases,
    course completions, decided reviews and approvals it added.

    ``since`` is when the company was set up (:func:`founded`); the rules are in force from then.
    ``more`` adds the steps of the apps above to the story (the command passes the impact app's).
    """
    counts = {"usecases": 0, "completions": 0, "reviews": 0, "approvals": 0}
    if story_told():
        counts["usecases"] = usecase_demo.load()["usecases"]  # what a later run can add, now
        counts["completions"] = literacy_demo.load()["completions"]
        return counts
    since = since or founded()
    now, today = timezone.now(), timezone.localdate()
    with write_atomic():
        with clock.frozen_at(since):
            cases = _cases()
        qualified = _qualified(today)
        _decide(cases, qualified)
        _date(cases, today, now, qualified)
        for moment, _n, run in _steps(cases, since, today, more):
            with clock.frozen_at(moment):
                run(counts)
    return counts


# --- dates ---------------------------------------------------------------------------------------


def _business_days_before(day: dt.date, days: int) -> dt.date:
    """``day`` minus ``days`` working days (Monday to Friday)."""
    while days > 0:
        day -= dt.timedelta(days=1)
        if day.weekday() < 5:
            days -= 1
    return day


def _business_days_since(start: dt.date, today: dt.date) -> int:
    """How many working days one can go back from ``today`` without going before ``start``."""
    days, day = 0, _business_days_before(today, 1)
    while day >= start:
        days, day = days + 1, _business_days_before(day, 1)
    return days


def _at(day: dt.date, rng: random.Random) -> dt.datetime:
    """A moment in office hours on ``day``, local time."""
    moment = dt.time(rng.randint(8, 16), rng.randint(0, 59), rng.randint(0, 59))
    return dt.datetime.combine(day, moment, tzinfo=timezone.get_current_timezone())


def _completed(created: dt.datetime, due: dt.date, today: dt.date, now: dt.datetime, rng: random.Random) -> dt.datetime:
    """When a done obligation was done: a working day before it was due (now and then after)."""
    start = timezone.localdate(created)
    late = rng.random() < 0.2 and due < today - dt.timedelta(days=1)
    first, end = (due, today) if late else (start, min(due + dt.timedelta(days=1), today))  # end: not on it
    days = [first + dt.timedelta(days=n) for n in range(1, (end - first).days)]
    days = [day for day in days if day.weekday() < 5]
    if not days:  # created yesterday or today: done a few hours later
        return min(created + dt.timedelta(hours=rng.randint(1, 4)), now)
    return _at(rng.choice(days), rng)


def _reviewer(review: Review) -> Any:
    people = (
        get_user_model()
        .objects.filter(pk__in=RoleAssignment.objects.filter(role=review.role).values("person_id"), is_active=True)
        .order_by("username")
    )
    return next((person for person in people if selectors.can_decide_review(person, review)), None)
