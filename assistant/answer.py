"""Answers with citations: extractive offline, generated from the passages with an LLM.

Offline, the answer is the few sentences that best answer the question, quoted and numbered
[n] after the passage they come from. With a chat model, the retrieved passages are sent as
delimited data and the model's [n] markers are mapped back to the passages it actually cited.
Either way "not in the documents" is a normal answer: `not_found_text(lang)`.
"""

from __future__ import annotations

import html
import logging
import re
from collections.abc import Generator, Iterator, Sequence
from dataclasses import dataclass, replace
from typing import Literal, Protocol

from pydantic import BaseModel, Field

from assistant.answer_direct import (
    Wants,
    answer_span,
    asked_measure,
    holds,
    is_status_question,
    plain_links,
    tables_in_words,
    wants,
)
from assistant.answer_followup import Turn, contextual_query, history_messages
from assistant.llm import ChatMessage, ChatModel
from assistant.prompts import load_prompt
from assistant.retrieval.hybrid import SupportTerms
from assistant.retrieval.pointers import Pointers, find_pointers, points_at
from assistant.retrieval.translate import QUESTION_WORDS
from assistant.tokenize import CJK_RUN, english_tokens, estimate_tokens
from ingest.model import Chunk, SearchFilter, SearchHit

__all__ = ["Answer", "Citation", "Retriever", "Turn", "answer", "stream_answer"]

logger = logging.getLogger(__name__)

Lang = Literal["zh", "en"]

NOT_FOUND_ZH = "文档中没有找到能回答这个问题的内容。"
NOT_FOUND_EN = "The documents do not contain an answer to this question."
# What the model is told to reply when the passages do not support an answer.
NOT_FOUND_MARKER = "NOT_FOUND_IN_DOCUMENTS"

# A passage must cover this share of the question's weighted tokens (translations standing in)
# for the answer not to be "not found"; chosen on the dev split of bench/qa_dev.
MIN_SUPPORT = 0.25
# Below this the passages are related but do not clearly answer: said so before the quotes.
# Paraphrased questions and unanswerable ones overlap between the two (bench/qa_dev dev split:
# answerable 0.23-1.0, unanswerable 0.21-0.71), so weak support is hedged, not discarded.
CLEAR_SUPPORT = 0.45
# Also hedged: a question whose words (or their translations) carry this share of its weight
# yet occur nowhere in the documents - "satisfaction score", "营收" - is named in the line.
UNKNOWN_SHARE = 0.2
WEAK_ZH = "文档中没有直接的答案"  # then "（文档未提到：…）" and "，最相关的内容如下："
WEAK_EN = "The documents do not answer this directly"  # then " (never mentioned: …)" ...
MAX_SENTENCES = 3
MAX_QUOTE_CHARS = 300

_SENTENCE_END = re.compile(r"(?<=[。！？；!?;])|(?<=\.)\s+")
_BLOCK_STARTS = ("-", "*", "+", "#", "|", ">", "```")
_NUMBERED = re.compile(r"\d+[.)、]|[一二三四五六七八九十]+、")
_MARKER = re.compile(r"\[(\d+(?:\s*[,，、]\s*\d+)*)\]")


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


def split_sentences(text: str) -> list[str]:
    """Sentences in both languages (。！？； and . ! ? ;), trimmed of list marks. Hard-wrapped
    lines are joined first, so a sentence broken across lines stays whole."""
    parts = (
        p.strip(" \t-*#>|") for line in _logical_lines(text) for p in _SENTENCE_END.split(line)
    )
    return [p for p in parts if len(p) >= 4]


def _logical_lines(text: str) -> list[str]:
    lines: list[str] = []
    for raw in text.split("\n"):
        line = raw.strip()
        if lines and lines[-1] and line and _continues(lines[-1], line):
            glue = "" if CJK_RUN.match(line[0]) and CJK_RUN.match(lines[-1][-1]) else " "
            lines[-1] += glue + line
        else:
            lines.append(line)
    return [line for line in lines if line]


def _continues(previous: str, line: str) -> bool:
    """Is `line` the wrapped rest of `previous` rather than a new item, heading or row?"""
    if previous[-1] in "。！？；.!?;:：" or previous.startswith(("#", "|")):
        return False
    return not (line.startswith(_BLOCK_STARTS) or _NUMBERED.match(line) or _FIELD.match(line))


# "参会人员：…", "Host: …": a labelled field starts its own line, it does not wrap
_FIELD = re.compile(r"^[\w\u4e00-\u9fff ]{1,12}[：:]")


# -- offline: extractive ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Sentence:
    text: str
    citation: int  # 1-based passage number
    coverage: float  # share of the question's weight found in the sentence and its passage
    score: float


class _Coverage:
    """Weighted share of the question's tokens found in a text; translations stand in.

    A token also counts when it is part of a longer word of the text (负责 in 负责人,
    "migrat" in "migrations"): word segmentation differs between a question and a document.
    A date or meeting number the question names counts as found in the document it points at.
    """

    def __init__(self, support: SupportTerms):
        self.weights = dict(support.weights)
        self.stand_ins = support.stand_ins
        self.pointers = support.pointers
        self.total = sum(self.weights.values()) or 1.0
        alternatives = {t for alts in self.stand_ins.values() for alt in alts for t in alt}
        self.all_tokens = set(self.weights) | alternatives
        self._partial = {t for t in self.all_tokens if _matches_inside_words(t)}
        self._pointer_tokens = {t for t in self.weights if _POINTER_TOKEN.fullmatch(t)}

    def holds_rarest(self, passage: _Passage, count: int = 2) -> bool:
        """Does the passage hold the question's rarest words (or a translation of them)? A
        direct answer is only stated from such a passage: "2023年的预算是多少万元" must not be
        answered with a date from a passage that never mentions 预算."""
        rarest = sorted(self.weights, key=lambda t: -self.weights[t])[:count]
        return self(set(passage.tokens), passage.context, passage.hit.chunk, only=rarest) >= 0.999

    def __call__(
        self, tokens: set[str], text: str, chunk: Chunk | None = None, only: Sequence[str] = ()
    ) -> float:
        lowered = text.lower()
        pointed = chunk is not None and bool(self.pointers) and points_at(self.pointers, chunk)

        def present(token: str) -> bool:
            return token in tokens or (token in self._partial and token in lowered)

        weights = {t: self.weights[t] for t in only} if only else self.weights
        found = 0.0
        for token, weight in weights.items():
            if (
                present(token)
                or any(all(present(t) for t in alt) for alt in self.stand_ins.get(token, ()))
                or (pointed and token in self._pointer_tokens)
            ):
                found += weight
        total = (sum(weights.values()) or 1.0) if only else self.total
        return min(1.0, found / total)


_POINTER_TOKEN = re.compile(
    r"\d+|年|月|日|号|次|第|jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec|january|february"
    r"|march|april|june|july|august|september|october|november|december"
)


def _matches_inside_words(token: str) -> bool:
    # long enough that a substring hit is the same word, not a coincidence
    return len(token) >= 4 if token.isascii() else len(token) >= 2 and bool(CJK_RUN.match(token))


@dataclass(frozen=True, slots=True)
class _Passage:
    hit: SearchHit
    rank: int  # 1-based
    text: str  # the chunk with its tables put in words
    support: float  # share of the question the passage covers
    context: str  # heading and text, as judged
    tokens: frozenset[str]


def _passages(
    hits: Sequence[SearchHit], coverage: _Coverage, retriever: Retriever
) -> list[_Passage]:
    out = []
    for rank, hit in enumerate(hits, start=1):
        text = tables_in_words(plain_links(hit.chunk.text))
        context = f"{hit.chunk.heading}\n{text}"
        tokens = frozenset(retriever.tokens(context))
        support = coverage(set(tokens), context, hit.chunk)
        out.append(_Passage(hit, rank, text, support, context, tokens))
    return out


def _score_sentences(
    passages: Sequence[_Passage], coverage: _Coverage, retriever: Retriever, question: str
) -> list[_Sentence]:
    kind = wants(question)
    scored = []
    for p in passages:
        sentences = split_sentences(p.text)
        for i, sentence in enumerate(sentences):
            quote = _with_what_it_introduces(sentence, sentences[i + 1 : i + 4])
            tokens = set(retriever.tokens(sentence))
            new = {t for t in tokens - coverage.all_tokens if len(t) > 1}
            restates = len(new - QUESTION_WORDS) < 3
            if quote == sentence and restates and i + 1 < len(sentences):
                # a sentence that only restates the question ("Q：能不能搜索 eval？", an agenda
                # title) is quoted with the one after it, where the answer usually is
                quote = _joined(sentence, sentences[i + 1])
            # the sentence must match the question; its passage being on topic helps
            cover = 0.55 * coverage(tokens, sentence) + 0.45 * p.support
            # a sentence that only repeats the question answers nothing: favour quotes that
            # add words of their own, and those holding what the question asks for
            novelty = min(1.0, len(set(retriever.tokens(quote)) - coverage.all_tokens) / 3)
            fits = 0.25 if kind is not Wants.ANYTHING and holds(kind, quote, question) else 0.0
            score = cover * (0.4 + 0.6 * novelty) + fits + 0.08 / p.rank
            scored.append(_Sentence(quote, p.rank, cover, score))
    return sorted(scored, key=lambda s: -s.score)


def _joined(first: str, second: str) -> str:
    cjk = CJK_RUN.match(first[-1]) is not None and CJK_RUN.match(second[0]) is not None
    return first + ("" if cjk or first[-1] in "：:。！？；" else " ") + second


def _is_lead(sentence: str) -> bool:
    """A heading, agenda item or "...:" whose content follows it."""
    return sentence[-1] in ":：" or (sentence[-1] not in "。！？；.!?;" and len(sentence) <= 40)


def _with_what_it_introduces(sentence: str, following: Sequence[str]) -> str:
    """A lead (heading, "结论：") is quoted with the items after it, up to three."""
    if not _is_lead(sentence):
        return sentence
    text = sentence
    for item in following:
        cjk = CJK_RUN.match(text[-1]) is not None and CJK_RUN.match(item[0]) is not None
        if cjk or text[-1] in ":：。！？；":
            text += item
        else:
            text += ("; " if text[-1].isalnum() else " ") + item
    return text


def extractive_answer(
    question: str, hits: Sequence[SearchHit], retriever: Retriever, *, query: str | None = None
) -> Answer:
    """The answer line, then up to three quotes; "not found" when no passage covers enough
    of the question (`query`, the follow-up rewritten with its context, defaults to it)."""
    lang = question_language(question)
    coverage = _Coverage(retriever.support_terms(query or question))
    passages = _passages(hits, coverage, retriever)
    if not passages or max(p.support for p in passages) < MIN_SUPPORT or _lacks_measure(
        question, passages
    ):
        return Answer(
            question=question, answer=not_found_text(lang), mode="extractive", citations=[]
        )
    sentences = _score_sentences(passages, coverage, retriever, question)
    chosen = _choose(sentences)
    chosen += _one_that_answers(sentences, chosen, question)
    if is_status_question(question):
        chosen = _newest_first(chosen, hits)
    quotes = [_quote(s, coverage, hits, dated=is_status_question(question)) for s in chosen]
    support = retriever.support_terms(query or question)
    unknown = [t for t in support.unknown if t in support.weights]
    if (
        _names_absent(question, unknown)
        or _meeting_absent(support, passages)
        or _version_absent(question, retriever)
    ):
        return Answer(
            question=question, answer=not_found_text(lang), mode="extractive", citations=[]
        )
    unknown_share = sum(support.weights[t] for t in unknown) / (sum(support.weights.values()) or 1)
    if max(p.support for p in passages) < CLEAR_SUPPORT or unknown_share >= UNKNOWN_SHARE:
        named = _as_typed(query or question, unknown) if unknown_share >= UNKNOWN_SHARE else []
        lead: str | None = _weak_line(lang, named)
    else:
        sure = {p.rank for p in passages if coverage.holds_rarest(p)}
        lead = _answer_line(question, [c for c in chosen if c.citation in sure], hits, lang)
    text = "\n".join([lead, *quotes] if lead else quotes)
    citations = [Citation.from_hit(h) for h in hits]
    return Answer(question=question, answer=text, mode="extractive", citations=citations)


def _lacks_measure(question: str, passages: Sequence[_Passage]) -> bool:
    """The question asks for money, a weight, an age or a phone number that no supporting
    passage states: the evidence is absent, however well the other words match."""
    measure = asked_measure(question)
    return measure is not None and not any(
        measure.search(p.text) for p in passages if p.support >= MIN_SUPPORT
    )


def _names_absent(question: str, unknown: Sequence[str]) -> bool:
    """Does the question name something (a capitalised name: "Nairobi", "Learning Equality")
    that occurs nowhere in the documents, nor does a translation of it? Then no passage can be
    about it, whatever else matches."""
    words = re.findall(r"(?<![\w.])[A-Za-z][A-Za-z'-]*", question)
    names = [w for i, w in enumerate(words) if w[0].isupper() and (i or len(words) == 1)]
    romanised = _romanised_names(question)
    named = {stem for w in names if w not in romanised for stem in english_tokens(w)}
    return bool(named & set(unknown))


_PINYIN_SYLLABLE = (
    r"(?:[bpmfdtnlgkhjqxrzcsyw]|zh|ch|sh)?"
    r"(?:iang|iong|uang|ang|eng|ing|ong|uai|uan|ian|iao|ai|ei|ui|ao|ou|iu|ie|ve|er|an|en|in|un"
    r"|ia|ua|uo|ue|a|o|e|i|u|v)"
)
_PINYIN_NAME = re.compile(rf"\b([A-Z](?i:{_PINYIN_SYLLABLE})+)\s+([A-Z](?i:{_PINYIN_SYLLABLE})+)\b")


def _romanised_names(question: str) -> set[str]:
    """Two capitalised pinyin words ("Zhou Xing", "Sun Suwan"): a Chinese name, which the
    Chinese documents write in characters - absent in Latin letters, present all the same."""
    return {part for m in _PINYIN_NAME.finditer(question) for part in m.groups()}


# "Kubernetes 1.40", "openEuler 30.03 LTS", "Node.js 24.0.0": a product and its version
_PRODUCT_VERSION = re.compile(
    r"\b([\w.-]*[A-Z][\w.-]*)\s+v?(\d+\.\d+(?:\.\d+)?)(?![\w.]*\d)(?!\s*%)"
)


def _version_absent(question: str, retriever: Retriever) -> bool:
    """The question names a product's version that no document mentions: nothing can say
    when "Kubernetes 1.40" ships, however well "Kubernetes" and "release" match."""
    # a name, not a measure: "SPI 0.86", "USD 1.42" have no lowercase letter
    versions = [v for name, v in _PRODUCT_VERSION.findall(question) if name != name.upper()]
    return any(not retriever.mentions(v) for v in versions)


def _meeting_absent(support: SupportTerms, passages: Sequence[_Passage]) -> bool:
    """The question names a meeting by its number ("第一百次会议") and no passage found comes
    from that meeting: asking where meeting 100 was held is not answered by meeting 30."""
    numbers = support.pointers.numbers
    wanted = Pointers(dates=(), numbers=numbers)
    return bool(numbers) and not any(
        points_at(wanted, p.hit.chunk) or set(numbers) & set(find_pointers(p.context).numbers)
        for p in passages
    )


def _as_typed(question: str, stems: Sequence[str]) -> list[str]:
    """The question's own words for search stems ("hardwar" -> "hardware")."""
    words = re.findall(r"[A-Za-z][A-Za-z'-]*", question)
    typed = {stem: w for w in reversed(words) for stem in english_tokens(w)}
    return [typed.get(s, s) for s in stems]


def _weak_line(lang: Lang, unknown: Sequence[str]) -> str:
    words = "、".join(unknown) if lang == "zh" else ", ".join(unknown)
    if lang == "zh":
        return WEAK_ZH + (f"（文档未提到：{words}）" if unknown else "") + "，最相关的内容如下："
    return WEAK_EN + (f" (never mentioned: {words})" if unknown else "") + "; the closest passages:"


def _choose(sentences: Sequence[_Sentence]) -> list[_Sentence]:
    if not sentences:
        return []
    floor = 0.6 * sentences[0].score
    chosen: list[_Sentence] = []
    for s in sentences:
        if s.score >= floor and not _repeats(s.text, chosen):
            chosen.append(s)
        if len(chosen) == MAX_SENTENCES:
            break
    return chosen


def _one_that_answers(
    sentences: Sequence[_Sentence], chosen: Sequence[_Sentence], question: str
) -> list[_Sentence]:
    """When the question asks for a date, person, number, version or place and no chosen
    quote holds one, the best sentence that does (among those at least half as good) is
    quoted too: the topic sentences of one chunk must not crowd out the chair's name in the
    next ("本次会议由轮值主席张雅琨主持")."""
    kind = wants(question)
    if kind is Wants.ANYTHING or not sentences or any(
        holds(kind, c.text, question) for c in chosen
    ):
        return []
    floor = 0.5 * sentences[0].score
    fitting = (
        s for s in sentences
        if s.score >= floor and holds(kind, s.text, question) and not _repeats(s.text, chosen)
    )  # fmt: skip
    return [best] if (best := next(fitting, None)) is not None else []


def _newest_first(chosen: Sequence[_Sentence], hits: Sequence[SearchHit]) -> list[_Sentence]:
    """Status questions: the newest dated document's quote first (stable for equal dates)."""
    return sorted(chosen, key=lambda s: hits[s.citation - 1].chunk.date or "", reverse=True)


def _quote(
    s: _Sentence, coverage: _Coverage, hits: Sequence[SearchHit], *, dated: bool
) -> str:
    date = hits[s.citation - 1].chunk.date
    prefix = f"({date}) " if dated and date else ""
    return f"{prefix}“{_excerpt(s.text, coverage)}” [{s.citation}]"


def _answer_line(
    question: str, chosen: Sequence[_Sentence], hits: Sequence[SearchHit], lang: Lang
) -> str | None:
    """The date / person / number / cause the question asks for, from the best quotes; for a
    status question, the newest document's date."""
    if not chosen:
        return None
    kind = wants(question)
    for s in chosen:
        if (span := answer_span(kind, s.text, question)) is not None:
            date = hits[s.citation - 1].chunk.date
            if is_status_question(question) and date:
                return (f"截至 {date}：{span} [{s.citation}]" if lang == "zh"
                        else f"As of {date}: {span} [{s.citation}]")  # fmt: skip
            label = "答：" if lang == "zh" else "Answer: "
            return f"{label}{span} [{s.citation}]"
    date = hits[chosen[0].citation - 1].chunk.date
    if is_status_question(question) and date:
        return f"最新（{date}）：" if lang == "zh" else f"Latest ({date}):"
    return None


def _repeats(text: str, chosen: Sequence[_Sentence]) -> bool:
    return any(text in c.text or c.text in text for c in chosen)


def _excerpt(text: str, coverage: _Coverage, limit: int = MAX_QUOTE_CHARS) -> str:
    """A long "sentence" (a table flattened by PDF extraction, a run-on paragraph) is cut to
    the window that starts a little before the first match of the question's rarest word."""
    if len(text) <= limit:
        return text
    lowered = text.lower()
    weights = {t: 0.5 for t in coverage.all_tokens} | coverage.weights
    matches = [(-w, lowered.find(token)) for token, w in weights.items() if token in lowered]
    first = min(matches)[1] if matches else 0
    start = max(0, min(first - limit // 5, len(text) - limit))
    cut = text[start : start + limit].strip()
    return ("…" if start else "") + cut + ("…" if start + limit < len(text) else "")


# -- with a chat model ---------------------------------------------------------------------


def passages_within_budget(hits: Sequence[SearchHit], budget: int) -> list[SearchHit]:
    """Best passages first until the token budget is spent; the first one is always kept
    (cut to fit) so a small budget still yields an answer."""
    kept: list[SearchHit] = []
    used = 0
    for hit in hits:
        cost = estimate_tokens(hit.chunk.text) + 20  # + the <document> wrapper
        if used + cost > budget:
            if not kept:
                share = max(1, int(len(hit.chunk.text) * budget / cost))
                kept.append(SearchHit(replace(hit.chunk, text=hit.chunk.text[:share]), hit.score))
            break
        kept.append(hit)
        used += cost
    return kept


def documents_block(hits: Sequence[SearchHit]) -> str:
    """Passages as delimited data; anything in them that looks like markup is escaped."""
    parts = []
    for n, hit in enumerate(hits, start=1):
        c = hit.chunk
        page = f' page="{c.page}"' if c.page is not None else ""
        parts.append(
            f'<document index="{n}" source="{html.escape(c.source, quote=True)}"{page}>\n'
            f"{html.escape(c.text, quote=False)}\n</document>"
        )
    return "\n".join(parts)


def answer_messages(
    question: str,
    hits: Sequence[SearchHit],
    lang: Lang,
    history: Sequence[Turn] = (),
    history_tokens: int = 1500,
) -> list[ChatMessage]:
    """System prompt, the earlier turns (newest kept within `history_tokens`), then the
    passages and the question."""
    system = load_prompt("answer_system", lang, variables={"not_found_marker"})
    user = load_prompt("answer_user", lang, variables={"documents", "question"})
    return [
        ChatMessage("system", system.render(not_found_marker=NOT_FOUND_MARKER)),
        *history_messages(history, history_tokens),
        ChatMessage("user", user.render(documents=documents_block(hits), question=question)),
    ]


def _is_not_found(reply: str) -> bool:
    return NOT_FOUND_MARKER in reply and len(reply.strip()) <= len(NOT_FOUND_MARKER) + 10


def cited_answer(question: str, reply: str, hits: Sequence[SearchHit]) -> Answer:
    """Map the model's [n] markers to passages: keep valid ones, renumber best first."""
    lang = question_language(question)
    if _is_not_found(reply) or not reply.strip():
        return Answer(question=question, answer=not_found_text(lang), mode="llm", citations=[])
    cited = sorted(
        {int(n) for group in _MARKER.findall(reply) for n in re.split(r"\D+", group) if n}
        & set(range(1, len(hits) + 1))
    )
    renumber = {old: new for new, old in enumerate(cited, start=1)}

    def rewrite(match: re.Match[str]) -> str:
        numbers = [int(n) for n in re.split(r"\D+", match.group(1)) if n]
        kept = [str(renumber[n]) for n in numbers if n in renumber]
        return "".join(f"[{n}]" for n in kept)

    text = _MARKER.sub(rewrite, reply).strip()
    citations = [Citation.from_hit(hits[n - 1]) for n in cited]
    return Answer(question=question, answer=text, mode="llm", citations=citations)


# -- entry points ----------------------------------------------------------------------------


def answer(
    question: str,
    *,
    retriever: Retriever,
    chat_model: ChatModel | None = None,
    k: int = 5,
    where: SearchFilter | None = None,
    context_tokens: int = 6000,
    history: Sequence[Turn] = (),
) -> Answer:
    """Answer `question` from the documents, citing them; offline when chat_model is None.
    `history` holds the earlier turns, oldest first, for follow-up questions."""
    result: Answer | None = None
    for part in stream_answer(
        question,
        retriever=retriever,
        chat_model=chat_model,
        k=k,
        where=where,
        context_tokens=context_tokens,
        stream=False,
        history=history,
    ):
        if isinstance(part, Answer):
            result = part
    assert result is not None
    return result


def stream_answer(
    question: str,
    *,
    retriever: Retriever,
    chat_model: ChatModel | None = None,
    k: int = 5,
    where: SearchFilter | None = None,
    context_tokens: int = 6000,
    stream: bool = True,
    history: Sequence[Turn] = (),
) -> Iterator[str | Answer]:
    """Yield text deltas as they arrive, then the final Answer (whose text, with citation
    numbers remapped, replaces the streamed draft)."""
    query = contextual_query(question, history)
    hits = retriever.search(query, k=k, where=where)
    lang = question_language(question)
    if chat_model is None or not hits:
        if chat_model is None:
            result = extractive_answer(question, hits, retriever, query=query)
        else:
            result = Answer(
                question=question, answer=not_found_text(lang), mode="llm", citations=[]
            )
        yield result.answer
        yield result
        return
    history_tokens = min(1500, context_tokens // 4)
    passages = passages_within_budget(hits, context_tokens - history_tokens)
    messages = answer_messages(question, passages, lang, history, history_tokens)
    if not stream:
        reply = chat_model.complete(messages)
    else:
        reply = yield from _relay(chat_model.stream(messages))
    logger.debug("model reply: %s", reply)
    yield cited_answer(question, reply, passages)


def _relay(deltas: Iterator[str]) -> Generator[str, None, str]:
    """Pass deltas on, holding back text that may still become the not-found marker."""
    seen = ""
    held = True
    for delta in deltas:
        seen += delta
        if held and NOT_FOUND_MARKER.startswith(seen.strip()):
            continue
        if held:
            held = False
            yield seen
        else:
            yield delta
    return seen
