"""What an answer is: its text, its mode and the passages it cites; the retriever it reads
from; and the two things every answer path needs (the question's language, "not found")."""

from __future__ import annotations

import re
from typing import Literal, Protocol

from pydantic import BaseModel, Field

from assistant.retrieval.hybrid import SupportTerms
from assistant.tokenize import CJK_RUN
from ingest.model import SearchFilter, SearchHit

Lang = Literal["zh", "en"]

NOT_FOUND_ZH = "文档中没有找到能回答这个问题的内容。"
NOT_FOUND_EN = "The documents do not contain an answer to this question."


class Citation(BaseModel):
    source: str = Field(description="Path relative to the ingested root.")
    page: int | None = Field(description="1-based page for PDFs, else null.")
    project: str
    doc_type: str
    score: float = Field(description="Fused retrieval score; higher is better.")
    text: str = Field(description="The cited passage.")

    @classmethod
    def from_hit(cls, hit: SearchHit) -> Citation:
        c = hit.chunk
        return cls(
            source=c.source,
            page=c.page,
            project=c.project,
            doc_type=c.doc_type,
            score=hit.score,
            text=c.text,
        )


class Answer(BaseModel):
    question: str
    answer: str
    mode: Literal["extractive", "llm"]
    citations: list[Citation] = Field(description="Best first; [n] in the answer is the n-th.")


class Retriever(Protocol):
    def search(
        self, query: str, *, k: int = 5, where: SearchFilter | None = None
    ) -> list[SearchHit]: ...

    def support_terms(self, query: str) -> SupportTerms: ...

    def tokens(self, text: str) -> list[str]: ...

    def mentions(self, text: str) -> bool: ...


def question_language(question: str) -> Lang:
    """zh when Chinese characters outnumber English words, else en."""
    cjk = sum(len(run) for run in CJK_RUN.findall(question))
    latin_words = len(re.findall(r"[A-Za-z]+", question))
    return "zh" if cjk and cjk >= latin_words else "en"


def not_found_text(lang: Lang) -> str:
    return NOT_FOUND_ZH if lang == "zh" else NOT_FOUND_EN


def not_found(question: str, mode: Literal["extractive", "llm"]) -> Answer:
    text = not_found_text(question_language(question))
    return Answer(question=question, answer=text, mode=mode, citations=[])
