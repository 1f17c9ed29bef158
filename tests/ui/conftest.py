"""Real servers on 127.0.0.1 for the API, schema and browser tests, and what they serve: a risk
model trained by the project's own code and a small document index in a temp workspace."""

from __future__ import annotations

import shutil
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import uvicorn

from assistant.settings import Settings

SPEC = """
id = "key"

[targets.delay]
column = "delay_days"
threshold = 0
"""

DOCS = {
    "alpha/meeting_notes/2025-03-03-kickoff.md": (
        "# 项目启动会会议纪要\n\n日期：2025-03-03\n\n## 决定\n\n- 采用 Kafka 作为消息队列，"
        "负责人：张伟。\n- 数据迁移窗口定在 2025-04-12 周末。\n"
    ),
    "alpha/requirements/srs.md": (
        "# Requirements\n\nThe system shall export monthly billing reports as PDF.\n\n"
        "Single sign-on must use the customer's LDAP directory.\n"
    ),
    "beta/postmortem/retro.md": (
        "# Post-mortem\n\nThe cutover slipped two weeks because the vendor delivered the API "
        "late. Lesson: put vendor milestones in the contract.\n"
    ),
}


def small_portfolio(rows: int = 120, seed: int = 0) -> pd.DataFrame:
    """Past projects with a numeric, a categorical and a yes/no feature and a delay outcome."""
    rng = np.random.default_rng(seed)
    team = rng.integers(3, 40, rows)
    kind = rng.choice(["erp", "web", "infra"], rows)
    volatility = rng.uniform(0, 0.6, rows)
    latent = 0.05 * team + 3 * volatility + (kind == "erp") + rng.normal(0, 1, rows)
    delay = np.where(latent > np.median(latent), rng.integers(5, 60, rows), 0)
    return pd.DataFrame(
        {
            "key": [f"T{i:03d}" for i in range(rows)],
            "team_size": team,
            "project_type": kind,
            "requirement_volatility": volatility.round(3),
            "new_technology": rng.integers(0, 2, rows),
            "delay_days": delay,
        }
    )


@pytest.fixture(scope="session")
def model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A risk model trained and saved by `ml.service.train_to_dir` (the `risk train` path)."""
    from ml.service import train_to_dir

    folder = tmp_path_factory.mktemp("risk-model")
    data = folder / "past.csv"
    small_portfolio().to_csv(data, index=False)
    spec = folder / "spec.toml"
    spec.write_text(SPEC, encoding="utf-8")
    out = folder / "model"
    train_to_dir(data, spec, out)
    return out


@pytest.fixture(scope="session")
def indexed_workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A workspace with DOCS ingested through the real pipeline into a real Chroma."""
    from assistant.workspace import ingest_into_workspace

    base = tmp_path_factory.mktemp("indexed")
    corpus = base / "corpus"
    for relative, text in DOCS.items():
        path = corpus / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    settings = Settings(workspace=base / "ws")
    report = ingest_into_workspace(settings, [corpus])
    assert report.chunks > 0 and not report.failed
    return settings.workspace


def copy_workspace(source: Path, target: Path) -> Path:
    shutil.copytree(source, target)
    return target


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def running_server(app: Any) -> Iterator[str]:
    """Serve `app` with uvicorn on a free loopback port in a thread; yields the base URL."""
    port = free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=30)


@pytest.fixture(scope="session")
def chromium() -> Iterator[Any]:
    """One Chromium for every browser test of the session (tests/ui/browser.py says how)."""
    from playwright.sync_api import expect, sync_playwright  # only the browser tests need it

    from tests.ui.browser import ARTIFACTS, CHROMIUM, LAUNCH_ARGS, TIMEOUT_MS

    expect.set_options(timeout=TIMEOUT_MS)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
        yield browser
        browser.close()
