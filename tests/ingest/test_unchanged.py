"""An unchanged re-ingest answered from the manifest (assistant.quick_ingest): taken only when
the full pipeline would change nothing, and then without importing or opening the index."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from assistant.factory import MANIFEST_FILE, build_embedder, open_manifest
from assistant.quick_ingest import MANIFEST_FILE as QUICK_MANIFEST_FILE
from assistant.quick_ingest import (
    POINTER_FILE,
    embedder_id,
    snapshot_folder,
    unchanged_ingest,
)
from assistant.retrieval import index as snapshot_index
from assistant.settings import Settings
from assistant.workspace import ingest_into_workspace
from ingest.errors import WorkspaceBusyError
from ingest.lock import WorkspaceLock


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    root = tmp_path / "docs"
    (root / "门户").mkdir(parents=True)
    (root / "门户" / "周报.md").write_text("# 周报\n本周完成接口联调。", encoding="utf-8")
    (root / "门户" / "risks.txt").write_text("R-07 delivery risk, owner Liu Yang.", "utf-8")
    (root / "notes.md").write_text("Kick-off meeting on 2024-03-01.", encoding="utf-8")
    return root


@pytest.fixture
def ingested(settings: Settings, folder: Path) -> Settings:
    report = ingest_into_workspace(settings, [folder])
    assert report.added == 3
    return settings


def test_unchanged_folder_is_answered_from_the_manifest(ingested: Settings, folder: Path) -> None:
    report = unchanged_ingest(ingested, [folder])
    assert report is not None
    assert report.to_dict() | {"seconds": 0} == {
        "added": 0, "updated": 0, "unchanged": 3, "deleted": 0, "chunks": 0, "failed": [],
        "seconds": 0,
    }  # fmt: skip
    assert not report.nothing_read
    # The same folder twice counts once, as the pipeline counts it; a single file too.
    assert unchanged_ingest(ingested, [folder, folder / "."]).unchanged == 3  # type: ignore[union-attr]
    assert unchanged_ingest(ingested, [folder / "notes.md"]).unchanged == 1  # type: ignore[union-attr]


@pytest.mark.parametrize(
    "change",
    ["edited", "touched", "added", "deleted", "unsupported_added", "missing_path"],
)
def test_any_change_leaves_it_to_the_pipeline(
    ingested: Settings, folder: Path, change: str
) -> None:
    paths = [folder]
    if change == "edited":
        (folder / "notes.md").write_text("Kick-off moved to 2024-03-08.", encoding="utf-8")
    elif change == "touched":
        stat = (folder / "notes.md").stat()
        os.utime(folder / "notes.md", ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))
    elif change == "added":
        (folder / "门户" / "新.md").write_text("新文件", encoding="utf-8")
    elif change == "deleted":
        (folder / "notes.md").unlink()
    elif change == "unsupported_added":  # not a document: still unchanged
        (folder / "image.png").write_bytes(b"\x89PNG")
    else:
        paths.append(folder / "missing")
    report = unchanged_ingest(ingested, paths)
    assert (report is not None) == (change == "unsupported_added")


def test_recovery_to_do_leaves_it_to_the_pipeline(ingested: Settings, folder: Path) -> None:
    manifest = open_manifest(ingested)
    try:
        manifest.set_running(True)  # a run that died
        assert unchanged_ingest(ingested, [folder]) is None
        manifest.set_running(False)
        assert unchanged_ingest(ingested, [folder]) is not None
        root = str(folder.resolve())
        manifest.mark_pending([(root, "notes.md")])  # a file it was writing
        assert unchanged_ingest(ingested, [folder]) is None
    finally:
        manifest.close()
    # The pipeline then cleans the pending row and ingests the file again.
    assert ingest_into_workspace(ingested, [folder]).added == 1
    assert unchanged_ingest(ingested, [folder]) is not None


def test_a_failed_file_is_retried_by_the_pipeline(settings: Settings, folder: Path) -> None:
    (folder / "bad.pdf").write_bytes(b"nope")
    assert len(ingest_into_workspace(settings, [folder]).failed) == 1
    assert unchanged_ingest(settings, [folder]) is None


def test_unpublished_or_foreign_snapshot_leaves_it_to_the_pipeline(
    ingested: Settings, folder: Path
) -> None:
    pointer = snapshot_folder(ingested) / POINTER_FILE
    saved = json.loads(pointer.read_text("utf-8"))
    pointer.write_text(json.dumps(saved | {"tokenizer": "0-other"}), "utf-8")
    assert unchanged_ingest(ingested, [folder]) is None
    pointer.unlink()  # killed between the pipeline and the publish
    assert unchanged_ingest(ingested, [folder]) is None
    assert ingest_into_workspace(ingested, [folder]).unchanged == 3  # publishes again
    assert unchanged_ingest(ingested, [folder]) is not None


def test_another_embedder_leaves_it_to_the_pipeline(ingested: Settings, folder: Path) -> None:
    other = ingested.model_copy(
        update={"embedding": ingested.embedding.model_copy(update={"dim": 256})}
    )
    assert unchanged_ingest(other, [folder]) is None  # the pipeline explains the mismatch


def test_waits_for_the_write_lock(ingested: Settings, folder: Path) -> None:
    with WorkspaceLock(ingested.workspace), pytest.raises(WorkspaceBusyError, match="busy"):
        unchanged_ingest(ingested, [folder], wait=0.2)


def test_no_workspace_yet(settings: Settings, folder: Path) -> None:
    assert unchanged_ingest(settings, [folder]) is None
    assert not settings.workspace.exists()


def test_names_kept_in_step_with_the_full_path(settings: Settings) -> None:
    assert QUICK_MANIFEST_FILE == MANIFEST_FILE
    assert POINTER_FILE == snapshot_index._POINTER
    assert embedder_id(settings) == build_embedder(settings).id
    openai = settings.model_copy(
        update={"embedding": settings.embedding.model_copy(
            update={"provider": "openai", "model": "bge-m3", "base_url": "http://127.0.0.1:9"}
        )}
    )  # fmt: skip
    assert embedder_id(openai) == build_embedder(openai).id == "openai:bge-m3"


def test_command_imports_neither_the_index_nor_the_workspace_service(
    ingested: Settings, folder: Path, tmp_path: Path
) -> None:
    """What makes the unchanged re-ingest cheap as a command: checked in a fresh process."""
    script = (
        "import json, sys\n"
        "from assistant.cli import app\n"
        f"app(['ingest', {str(folder)!r}, '--workspace', {str(ingested.workspace)!r}, '--json'],"
        " standalone_mode=False)\n"
        "heavy = ['numpy', 'chromadb', 'assistant.workspace', 'ingest.pipeline', 'jieba']\n"
        "print(json.dumps([m for m in heavy if m in sys.modules]))\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("PMASSIST_")}
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=tmp_path, env=env, capture_output=True, text=True,
        timeout=120, check=True,
    )  # fmt: skip
    report_line, imported_line = done.stdout.strip().splitlines()
    assert json.loads(report_line)["unchanged"] == 3
    assert json.loads(imported_line) == []
