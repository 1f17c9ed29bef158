"""Score concurrent API requests together: one model call for many projects.

Scoring has a fixed cost per call besides its cost per row, so requests that arrive while a
batch is being scored are queued and scored as the next batch. Nothing waits on purpose, and
a small request that finds the batcher idle is scored at once on the caller's thread
(`idle()`): handing it to the worker thread and back would cost more than scoring it (~0.1 ms
of ~0.3 ms for one project). Scoring runs on one worker thread with
native thread pools (OpenMP, BLAS) limited to one thread, which on a busy server is faster than
fanning a tiny prediction out over every core; more throughput comes from more workers.
(Scoring in a child process instead, to keep it off the event loop's GIL, measured no faster
on 2 cores: the model call itself is the limit.)

Results and errors go back to each request separately: if a combined batch fails on one
project's value, each request is scored again on its own so the error names the right request
and row.
"""

from __future__ import annotations

import asyncio
import logging
import queue
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ml.errors import RiskModelError
from ui.risk_holder import LoadedModel

if TYPE_CHECKING:
    from ml.results import ProjectRisk

log = logging.getLogger(__name__)


@dataclass
class _Job:
    loaded: LoadedModel
    records: list[dict[str, Any]]
    quantiles: bool
    future: Future[list[ProjectRisk]] = field(default_factory=Future)


# Scores records with one loaded model in this process, as typed results
# (ui.api.routes.score_with).
ScoreFunction = Callable[..., "list[ProjectRisk]"]


class ScoreBatcher:
    def __init__(self, score: ScoreFunction, max_rows: int = 512) -> None:
        self.score_with = score
        self.max_rows = max_rows
        self._jobs: queue.Queue[_Job] = queue.Queue()
        self._start_lock = threading.Lock()
        self._worker: threading.Thread | None = None
        self._scoring = False  # the worker is scoring a batch now

    def idle(self) -> bool:
        """Nothing queued and nothing being scored: a request now would form no batch."""
        return not self._scoring and self._jobs.empty()

    async def score(
        self, loaded: LoadedModel, records: list[dict[str, Any]], *, quantiles: bool
    ) -> list[ProjectRisk]:
        """Results for `records` in order; raises the model's RiskModelError for bad values."""
        job = _Job(loaded, records, quantiles)
        self._ensure_worker()
        self._jobs.put(job)
        return await asyncio.wrap_future(job.future)

    def _ensure_worker(self) -> None:
        if self._worker is None or not self._worker.is_alive():
            with self._start_lock:
                if self._worker is None or not self._worker.is_alive():
                    self._worker = threading.Thread(
                        target=self._run, name="risk-scorer", daemon=True
                    )
                    self._worker.start()

    def _run(self) -> None:
        from threadpoolctl import threadpool_limits

        threadpool_limits(1)  # this thread only: OpenMP's thread count is per calling thread
        while True:
            batch = [self._jobs.get()]
            self._scoring = True
            rows = len(batch[0].records)
            while rows < self.max_rows:
                try:
                    job = self._jobs.get_nowait()
                except queue.Empty:
                    break
                batch.append(job)
                rows += len(job.records)
            # Requests scored together must want the same model and the same outputs.
            groups: dict[tuple[int, bool], list[_Job]] = {}
            for job in batch:
                groups.setdefault((id(job.loaded), job.quantiles), []).append(job)
            for jobs in groups.values():
                self._score_together(jobs)
            self._scoring = False

    def _score_together(self, jobs: list[_Job]) -> None:
        records = [record for job in jobs for record in job.records]
        started = time.perf_counter()
        try:
            results = self.score_with(jobs[0].loaded, records, quantiles=jobs[0].quantiles)
        except RiskModelError as exc:
            if len(jobs) == 1:
                jobs[0].future.set_exception(exc)
            else:
                for job in jobs:
                    self._score_together([job])
            return
        except Exception as exc:  # an unexpected failure still answers every waiting request
            log.exception("scoring %d projects failed", len(records))
            for job in jobs:
                job.future.set_exception(exc)
            return
        log.debug(
            "scored %d projects from %d requests in %.1f ms",
            len(records), len(jobs), 1000 * (time.perf_counter() - started),
        )  # fmt: skip
        start = 0
        for job in jobs:
            job.future.set_result(results[start : start + len(job.records)])
            start += len(job.records)
