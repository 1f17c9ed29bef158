"""Concurrent scoring requests share model calls but keep their own results and errors."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from ml.errors import RiskInputError
from ui.api.batcher import ScoreBatcher
from ui.api.routes import score_with
from ui.risk_holder import RiskModelHolder


def test_concurrent_requests_get_their_own_results_and_errors(model_dir: Path) -> None:
    loaded = RiskModelHolder(model_dir).current()
    batcher = ScoreBatcher(score_with)
    requests = [
        [{"key": f"A{i}", "team_size": 5 + i} for i in range(3)],
        [{"key": "B0", "team_size": "many"}],  # a wrong type: only this request fails
        [{"key": "C0", "project_type": "erp"}],
        [{"key": f"D{i}", "requirement_volatility": i / 10} for i in range(5)],
    ]

    async def score_all() -> list[object]:
        return await asyncio.gather(
            *(batcher.score(loaded, records, quantiles=False) for records in requests),
            return_exceptions=True,
        )

    outcomes = asyncio.run(score_all())

    assert [r.id for r in outcomes[0]] == ["A0", "A1", "A2"]  # type: ignore[union-attr]
    assert isinstance(outcomes[1], RiskInputError)
    assert outcomes[1].row == 1 and outcomes[1].column == "team_size"
    assert [r.id for r in outcomes[2]] == ["C0"]  # type: ignore[union-attr]
    assert [r.id for r in outcomes[3]] == [f"D{i}" for i in range(5)]  # type: ignore[union-attr]
    # The same project scored alone or with others gets the same probability.
    alone = asyncio.run(batcher.score(loaded, requests[2], quantiles=False))
    assert alone[0].targets == outcomes[2][0].targets  # type: ignore[index]


def test_an_empty_request_is_answered(model_dir: Path) -> None:
    loaded = RiskModelHolder(model_dir).current()
    assert asyncio.run(ScoreBatcher(score_with).score(loaded, [], quantiles=False)) == []


@pytest.mark.parametrize("quantiles", [True, False])
def test_quantile_flag_reaches_the_model(model_dir: Path, quantiles: bool) -> None:
    loaded = RiskModelHolder(model_dir).current()
    result = asyncio.run(ScoreBatcher(score_with).score(loaded, [{}], quantiles=quantiles))
    assert result[0].targets["delay"].p50 is None  # a column target


def test_the_batcher_is_busy_only_while_it_has_work(model_dir: Path) -> None:
    """`idle()` is what lets a lone small request skip the worker thread (ui.api.routes)."""
    import threading
    import time

    loaded = RiskModelHolder(model_dir).current()
    started, release = threading.Event(), threading.Event()

    def slow_score(*args: Any, **kwargs: Any) -> Any:
        started.set()
        release.wait(10)
        return score_with(*args, **kwargs)

    batcher = ScoreBatcher(slow_score)
    assert batcher.idle()

    async def score_while_watching() -> bool:
        task = asyncio.ensure_future(batcher.score(loaded, [{"key": "A"}], quantiles=False))
        await asyncio.to_thread(started.wait, 10)
        busy = not batcher.idle()
        release.set()
        await task
        return busy

    assert asyncio.run(score_while_watching())
    # The worker marks itself free just after answering: give it a moment.
    deadline = time.monotonic() + 5
    while not batcher.idle() and time.monotonic() < deadline:
        time.sleep(0.01)
    assert batcher.idle()
