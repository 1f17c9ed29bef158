"""Measuring helpers shared by the benches: one child process per measurement, cProfile dumps."""

from __future__ import annotations

import cProfile
import json
import os
import pstats
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def run_child(cmd: list[str], cwd: Path) -> dict[str, Any]:
    """Run a worker in a fresh interpreter; return its last stdout line (JSON) with the peak
    RSS of that child alone (os.wait4's ru_maxrss, not RUSAGE_CHILDREN's maximum over all)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    cwd.mkdir(parents=True, exist_ok=True)
    with subprocess.Popen([sys.executable, *cmd], stdout=subprocess.PIPE, env=env, cwd=cwd) as proc:
        assert proc.stdout is not None
        output = proc.stdout.read()
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise RuntimeError(f"worker failed with exit code {proc.returncode}: {cmd}")
    report: dict[str, Any] = json.loads(output.decode().strip().splitlines()[-1])
    report["peak_rss_mb"] = round(usage.ru_maxrss / 1024, 1)  # Linux reports kilobytes
    return report


def write_profile(profiler: cProfile.Profile, path: Path) -> None:
    """The raw stats (for snakeviz/pstats) and a text summary beside them."""
    path.parent.mkdir(parents=True, exist_ok=True)
    profiler.dump_stats(str(path))
    with path.with_suffix(".txt").open("w") as out:
        stats = pstats.Stats(str(path), stream=out)
        stats.sort_stats("cumulative").print_stats(45)
        stats.sort_stats("tottime").print_stats(30)
