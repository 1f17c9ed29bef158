"""A draft made offline from a poisoned document: the `.md` file written to disk holds no live
image, no reference definition, no raw HTML and no link other than http(s)/mailto, read the
way a permissive Markdown viewer reads it (issue #17 point 3)."""

from __future__ import annotations

from pathlib import Path

from assistant.settings import Settings
from assistant.workspace import ingest_into_workspace
from tests.ui.test_browser_safety import poisoned_document
from tests.ui.test_sanitize import file_dangers
from ui.web.services import DocumentServices


class _Attacker:
    server_address = ("127.0.0.1", 9)


def test_the_markdown_file_of_a_poisoned_draft_is_inert(tmp_path: Path) -> None:
    note = tmp_path / "corpus" / "poison" / "meeting_notes" / "2025-03-10-weekly.md"
    note.parent.mkdir(parents=True)
    note.write_text(poisoned_document(_Attacker()), encoding="utf-8")  # type: ignore[arg-type]
    settings = Settings(workspace=tmp_path / "ws", _env_file=None)
    assert not ingest_into_workspace(settings, [tmp_path / "corpus"]).failed

    for kind in ("weekly-report", "risk-list", "requirements"):
        markdown, paths = DocumentServices(settings).draft(
            kind, "poison", since=None, until=None, lang="zh", out_dir=tmp_path / "out"
        )
        (written,) = [p for p in paths if p.suffix == ".md"]
        text = written.read_text(encoding="utf-8")
        assert text == markdown
        assert file_dangers(text) == [], kind
        assert "<img" not in text and "](http://127.0.0.1:9" not in text
        if kind == "weekly-report":
            assert "采用 Kafka 作为消息队列" in text  # the poisoned line itself is kept, as text
