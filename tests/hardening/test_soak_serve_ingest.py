"""Issue #17 point 1 and its soak: `pmassist serve` keeps answering, with 0 errors, while
`pmassist ingest` in another process edits, deletes and adds documents of the same workspace,
and answers from the new documents within seconds of the ingest's end, without a restart.

Before live snapshots, 16-20 requests failed during such an ingest and every later question
failed with "Error finding id" until the server was restarted.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from tests.hardening.conftest import clean_env
from tests.hardening.live import (
    ADDED,
    ADDED_FACT,
    DELETED,
    EDITED,
    NEW_FACT,
    Askers,
    change_live_corpus,
    failures,
    run_ingest,
    stale_citations,
    start_pmassist_serve,
    wait_until_cited,
    write_live_corpus,
)


@pytest.mark.slow
@pytest.mark.timeout(240)
def test_serve_answers_without_errors_while_another_process_ingests(tmp_path: Path) -> None:
    corpus, ws, env = write_live_corpus(tmp_path / "corpus"), tmp_path / "ws", clean_env()
    first = run_ingest(corpus, ws, env)
    assert first.returncode == 0, first.stderr
    served = start_pmassist_serve(ws, env, tmp_path / "serve.log")
    try:
        askers = Askers([served.url], threads=4).start()
        time.sleep(2)  # answers before any change
        change_live_corpus(corpus)
        second = run_ingest(corpus, ws, env)
        ingest_ended = time.monotonic()
        assert second.returncode == 0, second.stderr
        report = json.loads(second.stdout)
        assert report["added"] == 1 and report["deleted"] == 1 and report["updated"] >= 2

        picked_up = wait_until_cited(served.url, "Who owns the pelican scheduler?", ADDED)
        after = time.monotonic()
        wait_until_cited(served.url, "When is the cutover rehearsal scheduled?", EDITED)
        time.sleep(2)  # keep asking on the new snapshot
        results = askers.stop()
    finally:
        served.stop()

    assert not failures(results), (failures(results)[:5], served.log_text()[-3000:])
    assert len(results) >= 20  # the askers really were asking throughout
    during = [r for r in results if r.started < ingest_ended]
    assert during, "no request overlapped the ingest"
    assert picked_up < 10, f"new text answerable only {picked_up:.1f} s after the ingest"
    assert not stale_citations(results, after)
    assert "Error finding id" not in served.log_text()
    new_answers = [r for r in results if r.started >= after and ADDED in r.sources]
    assert any(ADDED_FACT in " ".join(r.texts) for r in new_answers)
    edited = [r for r in results if r.started >= after and EDITED in r.sources]
    assert edited and all(NEW_FACT in " ".join(r.texts) for r in edited)
    assert all(DELETED not in r.sources for r in results if r.started >= after)
