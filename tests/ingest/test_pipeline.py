"""End to end through the pipeline: a real corpus, a real Chroma on disk, a real manifest."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from assistant.factory import Index, ingest_config, open_index
from assistant.settings import Settings
from ingest.embedders import HashingEmbedder
from ingest.manifest import Manifest
from ingest.model import Chunk, SearchFilter
from ingest.pipeline import IngestConfig, IngestReport, ingest_paths, remove_documents
from ingest.store import InMemoryStore
from tests.ingest.docs import write_pdf, write_zip_bomb_docx


@pytest.fixture
def index(settings: Settings) -> Iterator[Index]:
    index = open_index(settings, create=True, lazy=True)
    yield index
    index.close()


def run(index: Index, *paths: Path, project: str | None = None, **config: object) -> IngestReport:
    cfg = ingest_config(index.settings)
    cfg = IngestConfig(**{**{f: getattr(cfg, f) for f in cfg.__slots__}, **config})  # type: ignore[attr-defined, arg-type]
    return ingest_paths(list(paths), project=project, store=index.store,
                        embedder=index.embedder, manifest=index.manifest, config=cfg)  # fmt: skip


def texts(index: Index, where: SearchFilter | None = None) -> str:
    return "\n".join(c.text for c in index.store.iter_chunks(where))


def by_source(index: Index) -> dict[str, Chunk]:
    """The first chunk of every source."""
    return {c.source: c for c in index.store.iter_chunks() if c.chunk_index == 0}


def test_mixed_corpus_is_indexed_with_metadata(index: Index, corpus: Path) -> None:
    report = run(index, corpus)
    assert (report.added, report.failed, report.updated, report.deleted) == (5, [], 0, 0)
    assert report.chunks == index.store.count() == index.manifest.total_chunks()
    chunks = by_source(index)
    pdf = chunks["智慧政务/需求/srs-2024-03-01.pdf"]
    assert (pdf.project, pdf.doc_type, pdf.date, pdf.page) == (
        "智慧政务", "requirements", "2024-03-01", 1)  # fmt: skip
    docx = chunks["智慧政务/会议纪要/2024年3月5日周例会.docx"]
    assert (docx.doc_type, docx.date) == ("meeting_notes", "2024-03-05")
    assert chunks["billing/postmortem-2023-11-02.md"].doc_type == "postmortem"
    assert chunks["智慧政务/notes.txt"].project == "智慧政务"
    all_text = texts(index)
    assert "项目经理负责协调" in all_text and "不超过300 毫秒" in all_text
    assert "| 消息队列扩容 | 张三 | 2024-03-12 |" in all_text
    assert "数据迁移窗口不足" in all_text  # GBK decoded
    assert "Cutover rehearsal passed." in all_text and "alert(" not in all_text
    hits = index.store.search(index.embedder.embed_batch(["消息队列扩容负责人"])[0], 1)
    assert hits[0].chunk.source.endswith("周例会.docx")
    pages = {c.page for c in index.store.iter_chunks() if c.source.endswith(".pdf")}
    assert pages == {1, 2}


def test_second_run_touches_nothing(settings: Settings, corpus: Path) -> None:
    first = open_index(settings, create=True, lazy=True)
    run(first, corpus)
    generation = first.manifest.generation()
    first.close()
    # A store that must not be opened: an unchanged run needs only the manifest.
    opened: list[bool] = []
    second = open_index(settings, create=True, lazy=True)
    factory = second.store._client_or_factory
    second.store._client_or_factory = lambda: opened.append(True) or factory()  # type: ignore[operator]
    report = run(second, corpus)
    assert (report.unchanged, report.added, report.chunks, report.failed) == (5, 0, 0, [])
    assert opened == [] and second.manifest.generation() == generation
    second.close()


def test_edit_and_delete_are_exactly_one_update_and_one_delete(index: Index, corpus: Path) -> None:
    run(index, corpus)
    notes = corpus / "智慧政务" / "notes.txt"
    notes.write_bytes("风险：供应商交付推迟两周。".encode("gbk"))
    (corpus / "billing" / "postmortem-2023-11-02.md").unlink()
    generation = index.manifest.generation()
    report = run(index, corpus)
    assert (report.updated, report.deleted, report.added, report.unchanged) == (1, 1, 0, 3)
    all_text = texts(index)
    assert "queue filled up" not in all_text  # deleted file's text is gone
    assert "供应商交付推迟两周" in all_text and "数据迁移窗口不足" not in all_text
    assert index.manifest.generation() > generation
    assert index.store.count() == index.manifest.total_chunks()


def test_touched_file_with_same_content_is_unchanged(index: Index, corpus: Path) -> None:
    run(index, corpus)
    notes = corpus / "智慧政务" / "notes.txt"
    os.utime(notes, ns=(1_000_000_000, 1_000_000_000))
    generation = index.manifest.generation()
    report = run(index, corpus)
    assert report.unchanged == 5 and index.manifest.generation() == generation
    assert run(index, corpus).unchanged == 5  # the new mtime was remembered


def test_bad_files_are_reported_and_the_rest_ingested(index: Index, tmp_path: Path) -> None:
    root = tmp_path / "bad"
    root.mkdir()
    (root / "good.md").write_text("# 周报\n\n本周完成联调。", encoding="utf-8")
    (root / "empty.md").write_bytes(b"")
    (root / "fake.pdf").write_bytes(b"PK\x03\x04 this is a zip, not a pdf")
    good_pdf = write_pdf(tmp_path / "x.pdf", [["line"] * 30]).read_bytes()
    (root / "truncated.pdf").write_bytes(good_pdf[: len(good_pdf) // 2])
    write_pdf(root / "locked.pdf", [["机密"]], password="pw")
    (root / "notzip.docx").write_bytes(b"plain text named docx")
    write_zip_bomb_docx(root / "bomb.docx")
    (root / "junk.txt").write_bytes(bytes(range(256)) * 40)
    (root / "big.md").write_text("大" * 400_000, encoding="utf-8")  # 1.2 MB
    report = run(index, root, max_file_mb=1.0)
    reasons = dict(report.failed)
    assert set(reasons) == {"empty.md", "fake.pdf", "truncated.pdf", "locked.pdf",
                            "notzip.docx", "bomb.docx", "junk.txt", "big.md"}  # fmt: skip
    assert "empty" in reasons["empty.md"] and "not a PDF" in reasons["fake.pdf"]
    assert "truncated" in reasons["truncated.pdf"] and "encrypted" in reasons["locked.pdf"]
    assert "not a zip" in reasons["notzip.docx"] and "zip bomb" in reasons["bomb.docx"]
    assert "binary" in reasons["junk.txt"] and "MB limit" in reasons["big.md"]
    assert report.added == 1 and not report.nothing_read
    assert [d.source for d in index.manifest.list_documents()] == ["good.md"]


def test_skipped_files_are_neither_ingested_nor_failed(index: Index, tmp_path: Path) -> None:
    root, outside = tmp_path / "root", tmp_path / "outside"
    (root / ".git").mkdir(parents=True)
    outside.mkdir()
    (root / "kept.md").write_text("kept", encoding="utf-8")
    (root / ".hidden.md").write_text("hidden", encoding="utf-8")
    (root / ".git" / "notes.md").write_text("git internals", encoding="utf-8")
    (root / "~$draft.docx").write_bytes(b"office lock file")
    (root / "sheet.xls").write_bytes(b"unsupported")
    (root / "project.toml").write_text('name = "x"\n', encoding="utf-8")
    (outside / "secret.md").write_text("outside secret", encoding="utf-8")
    (root / "link.md").symlink_to(outside / "secret.md")
    (root / "linkdir").symlink_to(outside, target_is_directory=True)
    (root / "inner.md").symlink_to(root / "kept.md")  # inside the root: fine
    report = run(index, root)
    assert report.failed == [] and report.added == 2
    assert "outside secret" not in texts(index) and "hidden" not in texts(index)
    assert {d.source for d in index.manifest.list_documents()} == {"kept.md", "inner.md"}


def test_scan_lists_a_folders_files_before_its_subfolders_in_name_order(tmp_path: Path) -> None:
    from ingest.discovery import scan

    root = tmp_path / "r"
    for name in ["b/z.md", "b/a/y.md", "a.md", "c.txt", "a/x.md", "b.md"]:
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(name, encoding="utf-8")
    found = scan(root)
    sources = [c.source for c in found.files]
    assert sources == ["a.md", "b.md", "c.txt", "a/x.md", "b/z.md", "b/a/y.md"]
    # The listing's stat is kept: an unchanged re-ingest needs no second one.
    first = found.files[0]
    assert first.stat is not None and first.stat.st_size == (root / "a.md").stat().st_size


def test_a_file_that_now_fails_loses_its_old_chunks(index: Index, tmp_path: Path) -> None:
    root = tmp_path / "r"
    root.mkdir()
    doc = root / "plan.md"
    doc.write_text("旧版本计划内容", encoding="utf-8")
    run(index, root)
    doc.write_bytes(b"\x00\x01\x02" * 100)
    report = run(index, root)
    assert [s for s, _ in report.failed] == ["plan.md"]
    assert "旧版本计划内容" not in texts(index) and index.store.count() == 0
    assert report.nothing_read  # the only file failed


def test_project_rules_and_single_file_root(index: Index, tmp_path: Path) -> None:
    root = tmp_path / "r"
    (root / "alpha").mkdir(parents=True)
    (root / "alpha" / "a.md").write_text("alpha doc", encoding="utf-8")
    (root / "top.md").write_text("---\nproject: 门户\n---\ntop doc", encoding="utf-8")
    (root / "plain.md").write_text("plain doc", encoding="utf-8")
    run(index, root)
    projects = {d.source: d.project for d in index.manifest.list_documents()}
    assert projects == {"alpha/a.md": "alpha", "top.md": "门户", "plain.md": "default"}
    single = run(index, root / "alpha" / "a.md", project="override")
    assert single.added == 1  # root is alpha/, so the source is "a.md": another document
    by_src = {(d.root, d.source): d.project for d in index.manifest.list_documents()}
    assert by_src[(str((root / "alpha").resolve()), "a.md")] == "override"
    # ingesting one file never deletes its siblings
    assert len(by_src) == 4


def test_same_source_under_two_roots_does_not_clash(index: Index, tmp_path: Path) -> None:
    for name in ("one", "two"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "notes.md").write_text(f"notes of {name}", encoding="utf-8")
    run(index, tmp_path / "one")
    run(index, tmp_path / "two")
    (tmp_path / "two" / "notes.md").write_text("changed notes of two", encoding="utf-8")
    assert run(index, tmp_path / "two").updated == 1
    assert {"notes of one", "changed notes of two"} <= set(texts(index).split("\n"))


def test_missing_paths(index: Index, tmp_path: Path, corpus: Path) -> None:
    report = run(index, tmp_path / "nope")
    assert report.nothing_read and report.failed[0][1] == "no such file or folder"
    report = run(index, tmp_path / "nope", corpus)
    assert not report.nothing_read and report.added == 5
    empty = tmp_path / "empty"
    empty.mkdir()
    assert not run(index, empty).nothing_read  # no files is not a failure


def test_remove_documents_by_source(index: Index, corpus: Path) -> None:
    run(index, corpus)
    removed = remove_documents(["智慧政务/notes.txt"], store=index.store, manifest=index.manifest)
    assert removed == 1 and "数据迁移窗口不足" not in texts(index)
    assert index.store.count() == index.manifest.total_chunks()
    assert len(index.manifest.list_documents()) == 4
    assert [d.source for d in index.manifest.list_documents("billing")] == [
        "billing/postmortem-2023-11-02.md", "billing/status.html"]  # fmt: skip


def test_pipeline_works_with_the_in_memory_store(tmp_path: Path, corpus: Path) -> None:
    store, manifest = InMemoryStore(), Manifest(tmp_path / "m.sqlite3")
    report = ingest_paths([corpus], store=store, embedder=HashingEmbedder(), manifest=manifest)
    assert report.added == 5 and store.count() == manifest.total_chunks() > 0


@dataclass
class RecordingProgress:
    total: int = -1
    seen: list[str] | None = None

    def start(self, total: int) -> None:
        self.total, self.seen = total, []

    def advance(self, source: str) -> None:
        assert self.seen is not None
        self.seen.append(source)


def test_progress_reports_every_file(index: Index, corpus: Path) -> None:
    progress = RecordingProgress()
    ingest_paths([corpus], store=index.store, embedder=index.embedder,
                 manifest=index.manifest, progress=progress)  # fmt: skip
    assert progress.total == 5 and progress.seen and len(progress.seen) == 5


def test_a_file_that_vanishes_during_the_run_is_reported(index: Index, tmp_path: Path) -> None:
    root = tmp_path / "r"
    root.mkdir()
    (root / "a.md").write_text("first", encoding="utf-8")
    (root / "b.md").write_text("second", encoding="utf-8")

    class DeleteNext(RecordingProgress):
        def advance(self, source: str) -> None:
            (root / "b.md").unlink(missing_ok=True)  # after a.md, before b.md is read

    report = ingest_paths([root], store=index.store, embedder=index.embedder,
                          manifest=index.manifest, progress=DeleteNext())  # fmt: skip
    assert report.added == 1 and report.failed == [
        ("b.md", "cannot be read: No such file or directory")
    ]


def test_the_same_folder_twice_is_ingested_once(index: Index, corpus: Path) -> None:
    report = run(index, corpus, corpus / ".." / corpus.name)
    assert report.added == 5 and index.store.count() == index.manifest.total_chunks()


def test_pdfs_read_ahead_keep_their_own_text_and_failures(index: Index, tmp_path: Path) -> None:
    """More PDFs than the read-ahead window, text files and a broken PDF in between: every
    answer from the reader process lands on its own file."""
    root = tmp_path / "many"
    for n in range(11):
        write_pdf(root / f"r{n:02d}.pdf", [[f"PDF number {n} says alpha{n}"]])
        (root / f"r{n:02d}.md").write_text(f"# Notes {n}\n\nMarkdown beta{n}.\n", encoding="utf-8")
    (root / "r05.pdf").write_bytes(b"%PDF-1.4 this is not really a pdf")
    report = run(index, root)
    assert [source for source, _ in report.failed] == ["r05.pdf"]
    assert report.added == 21
    chunks = [c for c in index.store.iter_chunks()]
    for n in range(11):
        pdf_text = " ".join(c.text for c in chunks if c.source == f"r{n:02d}.pdf")
        assert (f"alpha{n}" in pdf_text) == (n != 5)
        assert f"alpha{n + 1}" not in pdf_text
        assert any(f"beta{n}" in c.text for c in chunks if c.source == f"r{n:02d}.md")
    assert index.manifest.total_chunks() == len(chunks)


def test_a_failing_store_stops_the_run_with_pdfs_still_queued(index: Index, tmp_path: Path) -> None:
    class Broken(InMemoryStore):
        def add(self, chunks: object, vectors: object) -> None:
            raise RuntimeError("disk full")

    root = tmp_path / "queued"
    for n in range(6):
        write_pdf(root / f"q{n}.pdf", [[f"page text {n}"]])
    with pytest.raises(RuntimeError, match="disk full"):
        ingest_paths([root], store=Broken(), embedder=HashingEmbedder(), manifest=index.manifest,
                     config=IngestConfig(write_batch=1))  # fmt: skip
