"""A stopped evaluator process is replaced in the background, warm, so the next request waits for no start."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from leitplanke.guardrails.engine import Evaluator, parse_bundle, sandbox
from leitplanke.guardrails.engine.sandbox import Pool, Stopped

from .hostile import GUARDED_EXPONENTIAL, RULE_ID, hostile_bundle


def test_a_stopped_process_is_replaced_by_a_warm_one_before_the_next_request(monkeypatch) -> None:
    files = hostile_bundle(GUARDED_EXPONENTIAL)
    digest = Evaluator(parse_bundle(files, bounded=False)).bundle.digest
    pool = Pool(processes=1)
    try:
        # Given a process that compiled the bundle, stopped by the time limit of a runaway rule
        pool.outcomes(files, digest, [{"unit": "fin"}], timeout=30)
        with pytest.raises(Stopped) as stopped:
            pool.outcomes(files, digest, [{"unit": "mkt"}], timeout=1.0)
        assert stopped.value.rules == (RULE_ID,)
        # then its replacement, started in the background, becomes idle with the bundle compiled
        replacing = pool._replacing
        assert replacing is not None
        replacing.join(timeout=120)
        [idle] = pool._idle
        assert idle.loaded == {digest} and idle.process.poll() is None
        # and the next request is answered by it: no process is started, nothing compiled again
        started: list[Any] = []

        class Counted(sandbox._Process):
            def __init__(self, *args: Any) -> None:
                started.append(threading.current_thread().name)
                super().__init__(*args)

        monkeypatch.setattr(sandbox, "_Process", Counted)
        [outcome] = pool.outcomes(files, digest, [{"unit": "fin"}], timeout=30)
        assert outcome.invalid is None and RULE_ID not in outcome.fired
        assert started == [] and pool._idle == [idle]
    finally:
        pool.close()
