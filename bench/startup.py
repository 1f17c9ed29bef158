"""How long each `pmassist` command takes to start: its `--help`, from process start to exit.

Each command is run as a fresh process (`python -m assistant.cli ... --help` through the
installed entry point's code path), `--runs` times in a row; the median and the spread are
written to bench/results/startup.json with the CPU time of each run and the machine's load
average, since a loaded machine can double the wall times, and the number of modules each
command imports (`python -X importtime`, one extra run), which the load does not move at all.
The goal (issue #18): every command's help in 1 s or less on a quiet machine.

    uv run python bench/startup.py [--runs 10]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results" / "startup.json"
COMMANDS = [
    [],
    ["ask"],
    ["ingest"],
    ["draft"],
    ["report"],
    ["serve"],
    ["demo"],
    ["risk", "train"],
    ["risk", "score"],
    ["status"],
    ["register"],
]
LAUNCH = "from assistant.cli import app; app()"


def time_once(args: list[str]) -> tuple[float, float]:
    """Wall time and CPU time (user + system) of one run."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-c", LAUNCH, *args, "--help"],
        cwd=ROOT,
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def modules_imported(args: list[str]) -> int:
    """How many modules the command imports (one line per module in -X importtime's report)."""
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", LAUNCH, *args, "--help"],
        cwd=ROOT,
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    return sum(line.startswith("import time:") for line in done.stderr.splitlines()) - 1


def measure(runs: int) -> dict[str, object]:
    load_before = os.getloadavg()
    rows = []
    for args in COMMANDS:
        walls, cpus = zip(*(time_once(args) for _ in range(runs)), strict=True)
        rows.append(
            {
                "command": " ".join(["pmassist", *args, "--help"]),
                "median_s": round(statistics.median(walls), 3),
                "min_s": round(min(walls), 3),
                "max_s": round(max(walls), 3),
                # Start-up is one thread: its CPU time is what the wall time would be on a
                # quiet machine, and it moves much less with other processes' load.
                "median_cpu_s": round(statistics.median(cpus), 3),
                "modules": modules_imported(args),
            }
        )
    return {"runs": runs, "load_average_before": load_before, "load_average": os.getloadavg(),
            "python": sys.version.split()[0], "commands": rows}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=10)
    results = measure(parser.parse_args().runs)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    for row in results["commands"]:  # type: ignore[attr-defined]
        print(f"{row['median_s']:6.3f} s wall {row['median_cpu_s']:6.3f} s CPU "
              f"{row['modules']:5d} modules  {row['command']}")  # fmt: skip
    print(f"load average {results['load_average']}")


if __name__ == "__main__":
    main()
