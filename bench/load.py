"""Load test of the REST API: 100 concurrent clients on 127.0.0.1 for 30 seconds.

Builds a throw-away workspace the way a user would (`pmassist ingest data/samples`,
`pmassist risk train --data data/portfolio.csv`), starts `pmassist serve` on a free loopback
port (the real app, UI mounted, one process), then runs N clients (httpx.AsyncClient, one
request in flight each) that loop over a mix of real requests until the time is up:

    40%  POST /api/v1/ask               zh and en questions about the sample projects
    35%  POST /api/v1/risk/score        a sample project's features, jittered
    10%  POST /api/v1/risk/score/batch  20 projects
    15%  GET  /api/v1/health

The run stops by itself (the clients stop at the deadline; a hard limit cancels stragglers),
the server is stopped, and the figures go to bench/results/load.json: requests, errors (any
non-2xx or transport error, with samples), throughput, latency percentiles overall and per
endpoint. The goal is zero errors.

    uv run python bench/load.py [--clients 100] [--seconds 30]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.api import sample_projects  # noqa: E402  (the same jittered sample projects)

RESULTS = ROOT / "bench" / "results"
PMASSIST = [sys.executable, "-c", "from assistant.cli import app; app()"]
QUESTIONS = [
    ("项目的消息队列选型是什么？", None),
    ("割接延期的原因是什么？", None),
    ("What caused the CRM migration delay?", None),
    ("Who owns the data migration rehearsal?", None),
    ("需求评审有哪些决定？", None),
    ("What are the open risks?", None),
]
MIX = (("ask", 40), ("score", 35), ("batch", 10), ("health", 15))


@dataclass
class Tally:
    latencies: dict[str, list[float]] = field(default_factory=dict)
    errors: dict[str, int] = field(default_factory=dict)
    error_samples: list[str] = field(default_factory=list)

    def record(self, kind: str, seconds: float, problem: str | None) -> None:
        self.latencies.setdefault(kind, []).append(seconds)
        if problem is not None:
            self.errors[kind] = self.errors.get(kind, 0) + 1
            if len(self.error_samples) < 10:
                self.error_samples.append(f"{kind}: {problem}")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def run_cli(*args: str, env: dict[str, str]) -> None:
    done = subprocess.run([*PMASSIST, *args], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=900)  # fmt: skip
    if done.returncode != 0:
        raise RuntimeError(f"pmassist {' '.join(args)} failed:\n{done.stderr[-2000:]}")


def prepare_workspace(workspace: Path, env: dict[str, str]) -> Path:
    """Ingest the sample corpus and train the risk model with the CLI, as a user would."""
    model_dir = workspace / "models" / "risk"
    run_cli("ingest", str(ROOT / "data" / "samples"), "--workspace", str(workspace), env=env)
    run_cli("risk", "train", "--data", str(ROOT / "data" / "portfolio.csv"), "--out",
            str(model_dir), "--workspace", str(workspace), env=env)  # fmt: skip
    return model_dir


def start_server(workspace: Path, model_dir: Path, port: int, env: dict[str, str]) -> Any:
    command = [*PMASSIST, "serve", "--host", "127.0.0.1", "--port", str(port), "--model",
               str(model_dir), "--workspace", str(workspace)]  # fmt: skip
    log = (workspace / "serve.log").open("wb")
    server = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"pmassist serve exited with {server.returncode}; see serve.log")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/api/v1/health", timeout=2).status_code == 200:
                return server
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    stop_server(server)
    raise RuntimeError("pmassist serve did not answer /api/v1/health")


def stop_server(server: Any) -> None:
    if server.poll() is None:
        server.send_signal(signal.SIGINT)  # uvicorn's graceful shutdown
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=30)


def server_log_tail(path: Path, lines: int = 40) -> list[str]:
    """The end of the server's log when it logged anything (it only logs warnings and errors)."""
    if not path.exists():
        return []
    return path.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:]


def request_for(kind: str, rng: random.Random, projects: list[dict[str, Any]]) -> dict[str, Any]:
    if kind == "ask":
        question, project = rng.choice(QUESTIONS)
        body = {"question": question, "project": project, "k": 5}
        return {"method": "POST", "url": "/api/v1/ask", "json": body}
    if kind == "score":
        return {"method": "POST", "url": "/api/v1/risk/score",
                "json": {"project": rng.choice(projects)}}  # fmt: skip
    if kind == "batch":
        return {"method": "POST", "url": "/api/v1/risk/score/batch",
                "json": {"projects": rng.sample(projects, 20)}}  # fmt: skip
    return {"method": "GET", "url": "/api/v1/health"}


async def client_loop(
    http: httpx.AsyncClient, seed: int, stop_at: float, tally: Tally, projects: list[Any]
) -> None:
    rng = random.Random(seed)
    kinds = [kind for kind, _ in MIX]
    weights = [weight for _, weight in MIX]
    while time.monotonic() < stop_at:
        kind = rng.choices(kinds, weights)[0]
        started = time.monotonic()
        problem: str | None = None
        try:
            response = await http.request(**request_for(kind, rng, projects))
            if not 200 <= response.status_code < 300:
                problem = f"HTTP {response.status_code}: {response.text[:200]}"
        except httpx.HTTPError as exc:
            problem = f"{type(exc).__name__}: {exc}"
        tally.record(kind, time.monotonic() - started, problem)


async def drive(base_url: str, clients: int, seconds: float, seed: int) -> tuple[Tally, float]:
    tally = Tally()
    projects = sample_projects(500, seed)
    # Idle connections are dropped by the client before uvicorn drops them (its keep-alive
    # timeout is 5 s, httpx's default expiry too): with equal timeouts a request sent on a
    # connection the server is closing fails with ReadError - a client/server race, not a
    # server error, which every real client (browser, proxy) avoids the same way.
    limits = httpx.Limits(
        max_connections=clients, max_keepalive_connections=clients, keepalive_expiry=2.0
    )
    async with httpx.AsyncClient(base_url=base_url, limits=limits, timeout=120) as http:
        for kind, _ in MIX:  # warm-up: model, retriever, jieba, connections (not measured)
            await http.request(**request_for(kind, random.Random(seed), projects))
        began = time.monotonic()
        stop_at = began + seconds
        loops = [client_loop(http, seed + n, stop_at, tally, projects) for n in range(clients)]
        # Hard bound: a request still running well past the deadline is cancelled and counted.
        try:
            await asyncio.wait_for(asyncio.gather(*loops), timeout=seconds + 120)
        except TimeoutError:
            tally.record("deadline", 0.0, "clients still waiting 120 s after the deadline")
        elapsed = time.monotonic() - began
    return tally, elapsed


def percentiles(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    if not ordered:
        return {}

    def at(share: float) -> float:
        return round(1000 * ordered[min(len(ordered) - 1, int(share * len(ordered)))], 1)

    return {"p50_ms": at(0.5), "p90_ms": at(0.9), "p99_ms": at(0.99),
            "max_ms": round(1000 * ordered[-1], 1),
            "mean_ms": round(1000 * sum(ordered) / len(ordered), 1)}  # fmt: skip


def summary(tally: Tally, elapsed: float, args: argparse.Namespace) -> dict[str, Any]:
    everything = [s for values in tally.latencies.values() for s in values]
    errors = sum(tally.errors.values())
    return {
        "command": "uv run python bench/load.py " + " ".join(sys.argv[1:]),
        "clients": args.clients,
        "seconds": round(elapsed, 2),
        "requests": len(everything),
        "errors": errors,
        "error_samples": tally.error_samples,
        "zero_errors": errors == 0,
        "throughput_rps": round(len(everything) / elapsed, 1),
        "latency": percentiles(everything),
        "endpoints": {
            kind: {
                "requests": len(values),
                "errors": tally.errors.get(kind, 0),
                **percentiles(values),
            }
            for kind, values in sorted(tally.latencies.items())
        },
        "mix_percent": dict(MIX),
        "server": "pmassist serve: one uvicorn process, Gradio UI mounted, sample corpus "
        "(data/samples) and a model trained on data/portfolio.csv",
        "cpus": os.cpu_count(),
        "load_average_at_end": [round(x, 2) for x in os.getloadavg()],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--clients", type=int, default=100)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--seed", type=int, default=8)
    parser.add_argument("--out", type=Path, default=RESULTS / "load.json")
    args = parser.parse_args(argv)

    env = {k: v for k, v in os.environ.items() if not k.startswith("PMASSIST_")}
    env.update(GRADIO_ANALYTICS_ENABLED="False", HF_HUB_OFFLINE="1")
    workspace = Path(tempfile.mkdtemp(prefix="pmassist-load-"))
    server = None
    log_tail: list[str] = []
    try:
        model_dir = prepare_workspace(workspace, env)
        port = free_port()
        server = start_server(workspace, model_dir, port, env)
        tally, elapsed = asyncio.run(
            drive(f"http://127.0.0.1:{port}", args.clients, args.seconds, args.seed)
        )
    finally:
        if server is not None:
            stop_server(server)
        log_tail = server_log_tail(workspace / "serve.log")
        shutil.rmtree(workspace, ignore_errors=True)
    result = summary(tally, elapsed, args)
    if log_tail:
        result["server_log_tail"] = log_tail
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(json.dumps(result, indent=2, ensure_ascii=False))
    return 0 if result["zero_errors"] else 1


if __name__ == "__main__":
    sys.exit(main())
