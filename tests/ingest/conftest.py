"""Fixtures for ingestion tests: settings pointing at a temp workspace, a mixed corpus."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.settings import Settings
from tests.ingest.docs import write_docx, write_pdf

ZH_PDF_LINES = [
    "第一章 项目概述",
    "本项目的目标是建设智慧政务云平台，由项目",
    "经理负责协调各方资源，接口响应时间不超过3",
    "00 毫秒。",
]


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(workspace=tmp_path / "ws", _env_file=None)  # type: ignore[call-arg]


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    """A small mixed zh/en folder: PDF, DOCX, Markdown, GBK text, HTML, in two projects."""
    root = tmp_path / "docs"
    write_pdf(
        root / "智慧政务" / "需求" / "srs-2024-03-01.pdf", [ZH_PDF_LINES, ["第二页 验收标准"]]
    )
    write_docx(
        root / "智慧政务" / "会议纪要" / "2024年3月5日周例会.docx",
        [
            ("h1", "项目周例会会议纪要"),
            "本周完成了统一身份认证模块的联调。",
            [["事项", "负责人", "截止日期"], ["消息队列扩容", "张三", "2024-03-12"]],
            "下次会议时间待定。",
        ],
    )
    (root / "智慧政务" / "notes.txt").write_bytes(
        "风险：数据迁移窗口不足，可能导致延期。".encode("gbk")
    )
    (root / "billing").mkdir(parents=True)
    (root / "billing" / "postmortem-2023-11-02.md").write_text(
        "---\ntitle: Outage\n---\n# Billing outage\n\n## Timeline\n\n"
        "The message queue filled up at 10:02 and invoices stopped.\n\n"
        "## Lessons\n\nAdd queue depth alerts before the next release.\n",
        encoding="utf-8",
    )
    (root / "billing" / "status.html").write_text(
        "<html><head><style>p{color:red}</style><script>alert('x')</script></head><body>"
        "<h1>Status</h1><!-- hidden comment --><p>Cutover rehearsal passed.</p></body></html>",
        encoding="utf-8",
    )
    return root
