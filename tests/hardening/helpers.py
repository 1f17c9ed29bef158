"""Shared by the hardening tests: the `pmassist` command as a subprocess, small corpora, and a
consistency check of a workspace's store against its manifest."""

from __future__ import annotations

import subprocess
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from ingest.manifest import OK, PENDING, Manifest
from ingest.ports import VectorStore

PMASSIST = [sys.executable, "-c", "from assistant.cli import app; app()"]

SMALL_CORPUS = {
    "智慧政务/会议纪要/2024-03-05-周例会.md": (
        "# 周例会会议纪要\n\n日期：2024-03-05\n\n## 决定\n\n"
        "- 消息队列选用 RocketMQ，负责人：张伟，4 月 10 日前完成压测。\n"
        "- 数据迁移窗口定在 4 月 12 日周末。\n"
    ),
    "智慧政务/需求/srs.md": (
        "# 需求规格说明书\n\n## 性能\n\n接口响应时间不超过 300 毫秒。\n\n"
        "## 安全\n\n统一身份认证对接客户的 LDAP 目录。\n"
    ),
    "billing/postmortem-2023-11-02.md": (
        "---\ntitle: Outage\n---\n# Billing outage\n\n## Timeline\n\n"
        "The message queue filled up at 10:02 and invoices stopped.\n\n"
        "## Lessons\n\nAdd queue depth alerts before the next release.\n"
    ),
}


def write_corpus(root: Path, files: dict[str, str] | None = None) -> Path:
    for relative, text in (files or SMALL_CORPUS).items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


def pmassist(
    *args: str, env: dict[str, str], timeout: float = 180
) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*PMASSIST, *args], capture_output=True, text=True, env=env,
                          timeout=timeout)  # fmt: skip


@dataclass
class Consistency:
    """How a store and a manifest disagree; all empty means they agree."""

    pending: list[tuple[str, str]] = field(default_factory=list)  # rows left half-written
    orphans: list[str] = field(default_factory=list)  # chunks no ok document accounts for
    miscounted: list[tuple[str, str]] = field(default_factory=list)  # count != record.chunks
    duplicates: list[tuple[str, str]] = field(default_factory=list)  # chunk_index repeated

    @property
    def ok(self) -> bool:
        return not (self.pending or self.orphans or self.miscounted or self.duplicates)


def consistency(store: VectorStore, manifest: Manifest) -> Consistency:
    """Compare every chunk in the store with the manifest, read-only."""
    records = manifest.records()
    result = Consistency(pending=sorted(k for k, r in records.items() if r.status == PENDING))
    expected = {k: r for k, r in records.items() if r.status == OK}
    indexes: dict[tuple[str, str], list[int]] = {}
    counts: Counter[tuple[str, str]] = Counter()
    for chunk in store.iter_chunks():
        key = (chunk.root, chunk.source)
        record = expected.get(key)
        if record is None or record.file_hash != chunk.file_hash:
            result.orphans.append(chunk.id)
            continue
        counts[key] += 1
        indexes.setdefault(key, []).append(chunk.chunk_index)
    result.miscounted = sorted(k for k, r in expected.items() if counts[k] != r.chunks)
    result.duplicates = sorted(k for k, found in indexes.items() if len(found) != len(set(found)))
    return result
