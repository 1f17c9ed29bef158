"""The ingest manifest stays consistent with a real Chroma store over random sequences of add /
edit / touch / delete / re-ingest / remove (issue #8, point 4), as a hypothesis state machine on
a temp folder."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from assistant.factory import ingest_config, open_index
from ingest.manifest import FAILED, OK
from ingest.pipeline import IngestReport, ingest_paths, remove_documents
from tests.hardening.conftest import offline_settings
from tests.hardening.helpers import consistency

NAMES = ["a.md", "b.txt", "c.md", "sub/d.md", "sub/e.txt", "sub/deep/f.md"]
SENTENCES = ["需求变更需要评审。", "The cutover slipped a week.", "风险：供应商延期交付。",
             "Action: Bob updates the plan.", "会议决定采用 Kafka。"]  # fmt: skip
texts = st.lists(st.sampled_from(SENTENCES), min_size=1, max_size=30).map(
    lambda parts: "# 标题\n\n" + "\n\n".join(parts) + "\n"
)


class IngestMachine(RuleBasedStateMachine):
    """Files on disk (the model) against what the manifest and the store say after ingests."""

    @initialize()
    def open_workspace(self) -> None:
        self.base = Path(tempfile.mkdtemp(prefix="pm-state-"))
        self.corpus = self.base / "corpus"
        self.corpus.mkdir()
        self.settings = offline_settings(self.base / "ws", ingest={"chunk_size": 100})
        self.index = open_index(self.settings, create=True, lazy=True)
        self.files: dict[str, str | None] = {}  # source -> text (None: unreadable)
        self.synced = True  # the last folder ingest saw the current files

    def teardown(self) -> None:
        if hasattr(self, "index"):
            self.index.close()
            shutil.rmtree(self.base, ignore_errors=True)

    def _ingest(self, path: Path) -> IngestReport:
        index, config = self.index, ingest_config(self.settings)
        return ingest_paths([path], store=index.store, embedder=index.embedder,
                            manifest=index.manifest, config=config)  # fmt: skip

    @rule(name=st.sampled_from(NAMES), text=texts)
    def write(self, name: str, text: str) -> None:
        path = self.corpus / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        self.files[name] = text
        self.synced = False

    @rule(name=st.sampled_from(NAMES))
    def write_unreadable(self, name: str) -> None:
        path = self.corpus / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"\x00\x01\x02binary\x00" * 10)
        self.files[name] = None
        self.synced = False

    @precondition(lambda self: bool(self.files))
    @rule(data=st.data())
    def touch(self, data: st.DataObject) -> None:
        name = data.draw(st.sampled_from(sorted(self.files)))
        stat = (self.corpus / name).stat()
        os.utime(self.corpus / name, ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))

    @precondition(lambda self: bool(self.files))
    @rule(data=st.data())
    def delete(self, data: st.DataObject) -> None:
        name = data.draw(st.sampled_from(sorted(self.files)))
        (self.corpus / name).unlink()
        del self.files[name]
        self.synced = False

    @rule()
    def ingest_folder(self) -> None:
        report = self._ingest(self.corpus)
        assert {s for s, _ in report.failed} == {n for n, t in self.files.items() if t is None}
        self.synced = True
        again = self._ingest(self.corpus)  # a second run has nothing to do
        assert (again.added, again.updated, again.deleted, again.chunks) == (0, 0, 0, 0)

    @precondition(lambda self: any("/" not in n for n in self.files))
    @rule(data=st.data())
    def ingest_one_file(self, data: st.DataObject) -> None:
        top_level = sorted(n for n in self.files if "/" not in n)
        name = data.draw(st.sampled_from(top_level))
        self._ingest(self.corpus / name)  # same root and source as the folder ingest

    @precondition(lambda self: bool(self.files))
    @rule(data=st.data())
    def remove(self, data: st.DataObject) -> None:
        name = data.draw(st.sampled_from(sorted(self.files)))
        remove_documents([name], store=self.index.store, manifest=self.index.manifest)
        self.synced = False  # the file is still on disk: the next folder ingest brings it back

    @invariant()
    def store_agrees_with_manifest(self) -> None:
        if not hasattr(self, "index"):
            return
        found = consistency(self.index.store, self.index.manifest)
        assert found.ok, found
        assert self.index.store.count() == self.index.manifest.total_chunks()

    @invariant()
    def manifest_matches_the_folder_after_a_folder_ingest(self) -> None:
        if not hasattr(self, "index") or not self.synced:
            return
        root = str(self.corpus.resolve())
        records = self.index.manifest.records(root)
        readable = {n for n, t in self.files.items() if t is not None}
        assert {s for (_, s), r in records.items() if r.status == OK} == readable
        assert {s for (_, s), r in records.items() if r.status == FAILED} == set(
            self.files
        ) - readable
        texts_by_source: dict[str, str] = {}
        for chunk in self.index.store.iter_chunks():
            texts_by_source[chunk.source] = texts_by_source.get(chunk.source, "") + chunk.text
        for name in readable:  # every sentence of every file is findable in its chunks
            for sentence in {s for s in SENTENCES if s in (self.files[name] or "")}:
                assert sentence in texts_by_source.get(name, ""), (name, sentence)


IngestMachine.TestCase.settings = settings(
    max_examples=20,
    stateful_step_count=10,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
test_manifest_stays_consistent_with_the_store = IngestMachine.TestCase
