"""Measuring helpers shared by the benches: one child process per measurement, cProfile dumps."""

from __future__ import annotations

import cProfile
import json
import os
import pstats
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def run_child(cmd: list[str], cwd: Path) -> dict[str, Any]:
    """Run a worker in a fresh interpreter; return its last stdout line (JSON) with its memory:

    peak_rss_mb       the child's ru_maxrss from os.wait4 (the largest single process of its
                      tree, not RUSAGE_CHILDREN's maximum over every child we ever ran);
    peak_tree_rss_mb  the largest sum of RSS over the child and its descendants, sampled
                      every 50 ms (pmassist reads PDFs in a helper process beside the main one).
    """
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    cwd.mkdir(parents=True, exist_ok=True)
    with subprocess.Popen([sys.executable, *cmd], stdout=subprocess.PIPE, env=env, cwd=cwd) as proc:
        assert proc.stdout is not None
        sampler = TreeRssSampler(proc.pid)
        sampler.start()
        output = proc.stdout.read()
        sampler.stop()
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise RuntimeError(f"worker failed with exit code {proc.returncode}: {cmd}")
    report: dict[str, Any] = json.loads(output.decode().strip().splitlines()[-1])
    report["peak_rss_mb"] = round(usage.ru_maxrss / 1024, 1)  # Linux reports kilobytes
    report["peak_tree_rss_mb"] = round(sampler.peak_bytes / 2**20, 1)
    return report


class TreeRssSampler(threading.Thread):
    """Samples the summed RSS of a process and all its descendants (Linux /proc)."""

    def __init__(self, pid: int, interval: float = 0.05) -> None:
        super().__init__(daemon=True)
        self.pid, self.interval, self.peak_bytes = pid, interval, 0
        self._done = threading.Event()
        self._page = os.sysconf("SC_PAGE_SIZE")

    def run(self) -> None:
        while not self._done.is_set():
            self.peak_bytes = max(self.peak_bytes, self._tree_rss())
            self._done.wait(self.interval)

    def stop(self) -> None:
        self._done.set()
        self.join()

    def _tree_rss(self) -> int:
        parents: dict[int, int] = {}
        for entry in os.listdir("/proc"):
            if entry.isdigit():
                try:
                    stat = Path(f"/proc/{entry}/stat").read_text()
                except OSError:
                    continue
                parents[int(entry)] = int(stat.rsplit(")", 1)[1].split()[1])
        tree, frontier = {self.pid}, [self.pid]
        while frontier:
            parent = frontier.pop()
            children = [p for p, pp in parents.items() if pp == parent and p not in tree]
            tree.update(children)
            frontier.extend(children)
        total = 0
        for pid in tree:
            try:
                total += int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * self._page
            except (OSError, IndexError, ValueError):
                continue
        return total


def write_profile(profiler: cProfile.Profile, path: Path) -> None:
    """The raw stats (for snakeviz/pstats) and a text summary beside them."""
    path.parent.mkdir(parents=True, exist_ok=True)
    profiler.dump_stats(str(path))
    with path.with_suffix(".txt").open("w") as out:
        stats = pstats.Stats(str(path), stream=out)
        stats.sort_stats("cumulative").print_stats(45)
        stats.sort_stats("tottime").print_stats(30)
