"""The shape of the project: one list per concept, found by every door; imports that flow one
way; no import cycles among the project's modules."""

from __future__ import annotations

import ast
import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from docx import Document
from typer.testing import CliRunner

from assistant.cli import app as cli
from assistant.draft_kinds import (
    draft_kind_names,
    register_draft_kind,
    report_kind_names,
    unregister_draft_kind,
)
from assistant.drafts.build import DraftRequest
from assistant.drafts.models import Citation, Draft, DraftItem
from assistant.drafts.sources import project_chunks
from assistant.settings import Settings
from ingest.model import DocType
from ui.web.i18n import doc_type_choices, draft_kind_choices

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("assistant", "ingest", "ml", "ui")
CORE = ("assistant", "ingest", "ml")
DOORS = ("ui", "gradio", "fastapi", "typer", "starlette", "uvicorn")


# -- a new draft kind: this module plays the kind's module -----------------------------------
# What a new kind's module provides: its sections (with their titles in both languages) and a
# builder; the registration line is `register_draft_kind("monthly-report", __name__, ...)`.
SECTIONS = ("summary",)
SECTION_LABELS = {"zh": {"summary": "本月概要"}, "en": {"summary": "This month"}}


def build(request: DraftRequest) -> Draft:
    """One item per document of the project, citing its first passage."""
    draft = Draft.begin(
        "monthly-report", request.project, lang=request.lang, since=request.since,
        until=request.until, title=request.info.name,
    )  # fmt: skip
    chunks = project_chunks(request.deps.store, request.project)
    firsts = {chunk.source: chunk for chunk in reversed(chunks)}
    draft.items = [
        DraftItem(section="summary", text=f"{source} ({len(chunk.text)})",
                  citations=[Citation(source=source, page=chunk.page, text=chunk.text[:80])])
        for source, chunk in sorted(firsts.items())
    ]  # fmt: skip
    return draft


@pytest.fixture
def toy_kind() -> Iterator[str]:
    register_draft_kind("monthly-report", __name__, zh="月报", en="Monthly report")
    yield "monthly-report"
    unregister_draft_kind("monthly-report")


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    from tests.assistant.test_drafts import ingest_corpus

    return ingest_corpus(tmp_path_factory.mktemp("concepts"))


def test_a_registered_draft_kind_reaches_every_door(toy_kind: str, tmp_path: Path) -> None:
    help_text = CliRunner().invoke(cli, ["draft", "--help"], terminal_width=200).output
    assert toy_kind in help_text
    assert toy_kind in CliRunner().invoke(cli, ["report", "--help"], terminal_width=200).output

    from ui.server import build_app

    app = build_app(Settings(workspace=tmp_path / "ws"), with_ui=False)
    schemas = app.openapi()["components"]["schemas"]
    assert toy_kind in schemas["DraftRequest"]["properties"]["kind"]["enum"]
    assert schemas["ReportRequest"]["properties"]["kind"]["enum"] == report_kind_names()
    assert toy_kind in report_kind_names() and "portfolio" in report_kind_names()

    assert ("月报", toy_kind) in draft_kind_choices("zh")
    assert ("Monthly report", toy_kind) in draft_kind_choices("en")


def test_a_registered_draft_kind_is_drafted_by_the_cli(
    toy_kind: str, workspace: Settings, tmp_path: Path
) -> None:
    args = ["draft", toy_kind, "--project", "alpha", "--workspace", str(workspace.workspace)]
    result = CliRunner().invoke(cli, [*args, "--json"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.output)
    assert payload["kind"] == toy_kind and payload["items"]
    assert all(item["section"] == "summary" and item["citations"] for item in payload["items"])
    # The generic template: the kind's registered name as title, its module's section title.
    assert payload["markdown"].startswith("# 阿尔法政务平台项目 月报\n")
    assert "## 本月概要" in payload["markdown"] and "[1]" in payload["markdown"]
    english = CliRunner().invoke(cli, [*args, "--lang", "en", "--out", str(tmp_path / "m.docx")])
    assert english.exit_code == 0, english.output
    headings = [p.text for p in Document(english.output.strip()).paragraphs]
    assert any(text.endswith("Monthly report") for text in headings)
    assert "This month" in headings


def test_a_registered_draft_kind_is_drafted_over_rest(toy_kind: str, workspace: Settings) -> None:
    from fastapi.testclient import TestClient

    from ui.server import build_app

    client = TestClient(build_app(workspace, with_ui=False))
    reply = client.post("/api/v1/drafts", json={"kind": toy_kind, "project": "alpha"})
    assert reply.status_code == 200, reply.text
    assert reply.json()["items"] and "本月概要" in reply.json()["markdown"]
    docx = client.get(reply.json()["downloads"]["docx"])
    assert docx.status_code == 200 and docx.content[:2] == b"PK"
    unknown = client.post("/api/v1/drafts", json={"kind": "quarterly", "project": "alpha"})
    assert unknown.status_code == 422 and "kind" in unknown.text


def test_the_ui_offers_every_registered_kind(toy_kind: str, tmp_path: Path) -> None:
    import gradio as gr

    from assistant.workspace import Workspace
    from ui.risk_holder import RiskModelHolder
    from ui.web.app import build_blocks

    settings = Settings(workspace=tmp_path / "ws")
    blocks = build_blocks(
        settings, RiskModelHolder(tmp_path / "none"), Workspace(settings), tmp_path / "up"
    )
    radios = {
        b.elem_id: [value for _, value in b.choices]
        for b in blocks.blocks.values() if isinstance(b, gr.Radio)
    }  # fmt: skip
    assert radios["draft-kind"] == draft_kind_names() and toy_kind in radios["draft-kind"]
    assert radios["report-kind"] == report_kind_names()


def test_listing_the_kinds_imports_no_builder() -> None:
    """The CLI's help reads the kinds from a light module: a kind whose module does not even
    exist is listed, and no builder (assistant.drafts) is imported to show `draft --help`."""
    code = (
        "import sys\n"
        "from assistant.draft_kinds import register_draft_kind\n"
        "register_draft_kind('monthly-report', 'no.such.module', zh='月报', en='Monthly')\n"
        "from assistant.cli import app\n"
        "for command in ('draft', 'report'):\n"
        "    try:\n"
        "        app([command, '--help'])\n"
        "    except SystemExit:\n"
        "        pass\n"
        "print('builders:', sorted(m for m in sys.modules if m.startswith('assistant.drafts')))\n"
    )
    env = {**os.environ, "COLUMNS": "200"}
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True,
        timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout.count("monthly-report") == 2
    assert "builders: []" in done.stdout


def test_every_document_type_has_labels_in_both_languages() -> None:
    assert [value for _, value in doc_type_choices("zh")] == [d.value for d in DocType]
    zh, en = dict(doc_type_choices("zh")), dict(doc_type_choices("en"))
    assert "会议纪要" in zh and "Meeting notes" in en
    assert not set(zh) & {d.value for d in DocType}  # no raw value shown as a label


def source_files(*packages: str) -> Iterator[Path]:
    for package in packages:
        yield from (ROOT / package).rglob("*.py")


# Each concept's values may be spelled out (as a list) only at its one definition site.
CONCEPTS = {
    "document types": (r"meeting_notes", {"ingest/model.py", "ingest/metadata.py"}),
    "draft kinds": (r"weekly-report", {"assistant/draft_kinds.py"}),
    "document formats": (r"\.docx", {"ingest/loaders.py", "ingest/reader_process.py"}),
}
# Files that name one value as data, not as a list of the concept (templates, extraction).
USES = {"assistant/drafts/weekly.py", "assistant/drafts/extract.py", "assistant/drafts/sections.py"}


@pytest.mark.parametrize("concept", sorted(CONCEPTS))
def test_each_concept_is_listed_once(concept: str) -> None:
    pattern, allowed = CONCEPTS[concept]
    listed = set()
    for path in source_files(*PACKAGES):
        relative = path.relative_to(ROOT).as_posix()
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if isinstance(node, ast.List | ast.Tuple | ast.Set) and any(
                isinstance(e, ast.Constant) and isinstance(e.value, str)
                and re.fullmatch(pattern, e.value) for e in node.elts
            ):  # fmt: skip
                listed.add(relative)
    # A door or another core module listing the values again would be a second definition.
    assert listed - USES <= allowed, f"{concept} listed outside {allowed}: {listed - allowed}"


def imports_of(path: Path) -> Iterator[str]:
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            yield node.module


def test_the_core_imports_no_door() -> None:
    wrong = []
    for path in source_files(*CORE):
        relative = path.relative_to(ROOT).as_posix()
        if relative.startswith("assistant/cli/"):
            continue
        for name in imports_of(path):
            if name.split(".")[0] in DOORS:
                wrong.append(f"{relative} imports {name}")
    assert wrong == []


def test_ingest_and_ml_import_neither_each_other_nor_anything_above() -> None:
    rules = {"ingest": {"ml", "assistant", "ui"}, "ml": {"ingest", "assistant", "ui"}}
    wrong = [
        f"{path.relative_to(ROOT)} imports {name}"
        for package, forbidden in rules.items()
        for path in source_files(package)
        for name in imports_of(path)
        if name.split(".")[0] in forbidden
    ]
    assert wrong == []


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def test_no_import_cycles_among_project_modules() -> None:
    modules = {module_name(p): p for p in source_files(*PACKAGES)}
    graph = {
        name: {i for i in imports_of(path) if i in modules and i != name}
        for name, path in modules.items()
    }
    cycles = []
    state: dict[str, int] = {}  # 1: on the current path, 2: done

    def visit(name: str, trail: list[str]) -> None:
        state[name] = 1
        for target in sorted(graph[name]):
            if state.get(target) == 1:
                cycles.append(" -> ".join([*trail[trail.index(target):], target]))
            elif target not in state:
                visit(target, [*trail, target])
        state[name] = 2

    for name in sorted(graph):
        if name not in state:
            visit(name, [name])
    assert set(cycles) <= KNOWN_CYCLES, "a new import cycle"


# The two cycles the review of issue #18 found (ingest.loaders <-> office, the REST routes
# <-> the batcher) are broken; none may come back.
KNOWN_CYCLES: set[str] = set()
