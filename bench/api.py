"""Throughput and latency of POST /api/v1/risk/score against GET /api/v1/health.

One server (`pmassist serve` in a subprocess on 127.0.0.1, the real app with the UI mounted),
one client (httpx.AsyncClient, a fixed number of requests in flight), one run: the two
endpoints are measured in alternating rounds so both see the same machine load, at each level
of concurrency. Score requests are the sample projects (data/samples/*/project.toml
[risk_features]) with their numbers jittered, so every request is a different project.
Concurrent score requests are batched by the server (ui/api/batcher.py), so scoring throughput
grows with the number of requests in flight.

    uv run python bench/api.py [--seconds 5] [--rounds 3] [--concurrency 1,16,32]

Writes bench/results/api.json. The goal: scoring keeps at least half of health's throughput.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import time
import tomllib
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
WORK = RESULTS / "tmp" / "api"


def sample_projects(count: int, seed: int = 7) -> list[dict[str, Any]]:
    """`count` variations of the sample projects' features (numbers jittered by up to 30%), so
    every request is a different project and nothing can be answered from a cache."""
    rng = random.Random(seed)
    bases = []
    for toml_path in sorted((ROOT / "data" / "samples").glob("*/project.toml")):
        with toml_path.open("rb") as handle:
            bases.append(dict(tomllib.load(handle)["risk_features"]))
    projects = []
    for i in range(count):
        project = dict(bases[i % len(bases)])
        for key, value in project.items():
            if isinstance(value, float) and not isinstance(value, bool):
                project[key] = round(value * rng.uniform(0.7, 1.3), 3)
            elif isinstance(value, int) and not isinstance(value, bool) and value > 1:
                project[key] = max(1, round(value * rng.uniform(0.7, 1.3)))
        projects.append(project)
    return projects


def ensure_model(model_dir: Path) -> None:
    """A model this checkout can load (retrained when missing or written by another version)."""
    from ml.errors import ModelFileError
    from ml.persist import load_model
    from ml.service import train_to_dir  # what `pmassist risk train` runs

    try:
        load_model(model_dir)
    except ModelFileError:
        train_to_dir(ROOT / "data" / "portfolio.csv", None, model_dir)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_server(workspace: Path, model_dir: Path, port: int) -> subprocess.Popen[bytes]:
    env = {**os.environ, "GRADIO_ANALYTICS_ENABLED": "False"}
    command = [
        sys.executable, "-c", "from assistant.cli import app; app()", "serve",
        "--host", "127.0.0.1", "--port", str(port), "--model", str(model_dir),
        "--workspace", str(workspace),
    ]  # fmt: skip
    server = subprocess.Popen(command, cwd=ROOT, env=env, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/api/v1/health", timeout=2).status_code == 200:
                return server
        except httpx.HTTPError:
            time.sleep(0.3)
    server.terminate()
    raise RuntimeError("server did not start")


async def measure(
    client: httpx.AsyncClient, requests: list[dict[str, Any]], seconds: float, concurrency: int
) -> tuple[int, float, list[float]]:
    """Requests completed, elapsed seconds and per-request latencies (s) over `seconds`."""
    latencies: list[float] = []
    errors = 0
    stop_at = time.perf_counter() + seconds

    async def worker(offset: int) -> None:
        nonlocal errors
        sent = offset
        while time.perf_counter() < stop_at:
            request = requests[sent % len(requests)]
            sent += concurrency
            started = time.perf_counter()
            response = await client.request(**request)
            latencies.append(time.perf_counter() - started)
            errors += response.status_code != 200

    began = time.perf_counter()
    await asyncio.gather(*(worker(i) for i in range(concurrency)))
    if errors:
        raise RuntimeError(f"{errors} requests to {requests[0]['url']} failed")
    return len(latencies), time.perf_counter() - began, latencies


def summarise(count: int, elapsed: float, latencies: list[float]) -> dict[str, float]:
    ordered = sorted(latencies)
    return {
        "requests": count,
        "seconds": round(elapsed, 3),
        "rps": round(count / elapsed, 1),
        "p50_ms": round(1000 * statistics.median(ordered), 2),
        "p99_ms": round(1000 * ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))], 2),
    }


async def run(base_url: str, seconds: float, rounds: int, concurrency: int) -> dict[str, Any]:
    requests: dict[str, list[dict[str, Any]]] = {
        "health": [{"method": "GET", "url": "/api/v1/health"}],
        "risk_score": [
            {"method": "POST", "url": "/api/v1/risk/score", "json": {"project": project}}
            for project in sample_projects(2000)
        ],
    }
    totals: dict[str, list[Any]] = {name: [0, 0.0, []] for name in requests}
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=base_url, limits=limits, timeout=60) as client:
        for request in requests.values():  # warm-up: model, retriever, connections
            await measure(client, request, 0.5, concurrency)
        for _ in range(rounds):
            for name, request in requests.items():
                count, elapsed, latencies = await measure(client, request, seconds, concurrency)
                totals[name][0] += count
                totals[name][1] += elapsed
                totals[name][2] += latencies
    return {name: summarise(*values) for name, values in totals.items()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0, help="Per endpoint per round.")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument(
        "--concurrency", default="1,16,32", help="Requests in flight; comma-separated levels."
    )
    args = parser.parse_args(argv)
    levels = [int(level) for level in args.concurrency.split(",")]

    WORK.mkdir(parents=True, exist_ok=True)
    model_dir = WORK / "model"
    ensure_model(model_dir)
    port = free_port()
    server = start_server(WORK / "workspace", model_dir, port)
    runs = []
    try:
        for level in levels:
            endpoints = asyncio.run(
                run(f"http://127.0.0.1:{port}", args.seconds, args.rounds, level)
            )
            ratio = endpoints["risk_score"]["rps"] / endpoints["health"]["rps"]
            runs.append(
                {
                    "concurrency": level,
                    "endpoints": endpoints,
                    "score_to_health_throughput": round(ratio, 3),
                    "goal_met": ratio >= 0.5,
                }
            )
    finally:
        server.terminate()
        server.wait(timeout=30)
    result = {
        "command": "uv run python bench/api.py " + " ".join(argv or sys.argv[1:]),
        "seconds_per_round": args.seconds,
        "rounds": args.rounds,
        "cpus": os.cpu_count(),
        "load_average_at_end": [round(x, 2) for x in os.getloadavg()],
        "runs": runs,
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "api.json").write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
