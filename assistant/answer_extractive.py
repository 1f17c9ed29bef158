"""The offline answer: the line that answers first (a date, a person, a number, a cause), then
the few sentences that best answer the question, quoted and numbered [n] after the passage
they come from; "not found" when the evidence is absent, a hedge when it is weak."""

from __future__ import annotations

import itertools
import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass, replace

from assistant.answer_absent import (
    asked_never_mentioned,
    lacks_measure,
    meeting_absent,
    names_absent,
    place_absent,
    version_absent,
)
from assistant.answer_direct import (
    Wants,
    answer_span,
    asks_about_change,
    cause_span,
    changed_date,
    holds,
    is_date_word,
    is_decision,
    is_status_question,
    question_frame,
    same_role,
    states_change,
    states_date,
    wants,
    without_question_frame,
)
from assistant.answer_model import (
    Answer,
    Citation,
    Lang,
    Retriever,
    not_found,
    question_language,
)
from assistant.answer_sentences import joined, split_sentences, with_what_it_introduces
from assistant.answer_support import Coverage, Passage, judge_passages
from assistant.retrieval.hybrid import SupportTerms
from assistant.retrieval.pointers import points_at
from assistant.retrieval.translate import QUESTION_WORDS
from assistant.tokenize import english_tokens
from ingest.model import SearchHit

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


@dataclass(frozen=True, slots=True)
class Sentence:
    text: str
    citation: int  # 1-based passage number
    coverage: float  # share of the question's weight found in the sentence and its passage
    score: float


def extractive_answer(
    question: str,
    hits: Sequence[SearchHit],
    retriever: Retriever,
    *,
    query: str | None = None,
    more: Sequence[SearchHit] = (),
) -> Answer:
    """The answer line, then up to three quotes; "not found" when no passage covers enough
    of the question (`query`, the follow-up rewritten with its context, defaults to it).
    `more`: further chunks of the best files, read for sentences and cited when quoted."""
    lang = question_language(question)
    support = without_frame(retriever.support_terms(query or question), question, retriever)
    coverage = Coverage(support)
    if support.pointers:  # "2024年3月27日的例会": the rest of a year's minutes is other days
        more = [h for h in more if points_at(support.pointers, h.chunk)]
    judged = judge_passages([*hits, *more], coverage, retriever)
    passages = judged[: len(hits)]
    if not passages or max(p.support for p in passages) < MIN_SUPPORT:
        return not_found(question, "extractive")
    unknown = [t for t in support.unknown if t in support.weights]
    if (
        lacks_measure(question, passages, MIN_SUPPORT)
        or names_absent(question, unknown)
        or meeting_absent(support, passages)
        or version_absent(question, retriever)
        or place_absent(question, passages, coverage, retriever, MIN_SUPPORT)
        or asked_never_mentioned(question, support, retriever)
    ):
        return not_found(question, "extractive")
    sentences = score_sentences(judged, coverage, retriever, question)
    chosen = choose(sentences)
    chosen += one_that_answers(sentences, chosen, question)
    status = is_status_question(question)
    unknown_share = sum(support.weights[t] for t in unknown) / (sum(support.weights.values()) or 1)
    weak = max(p.support for p in passages) < CLEAR_SUPPORT or unknown_share >= UNKNOWN_SHARE
    sure = {p.rank for p in judged if coverage.holds_rarest(p)}
    answering: Answering | None = None
    if not weak:
        answering = answering_sentence(question, sentences, chosen, judged, sure, coverage,
                                       retriever, newest=status)  # fmt: skip
        if answering is not None and answering.quote not in chosen:
            chosen.append(answering.quote)
    chosen, cited = renumbered(chosen, judged, len(hits))
    if status:
        chosen = newest_first(chosen, cited)
    quotes = [quote(s, coverage, cited, dated=status) for s in chosen]
    if weak:
        named = as_typed(query or question, unknown) if unknown_share >= UNKNOWN_SHARE else []
        lead: str | None = weak_line(lang, named)
    else:
        lead = direct_answer(question, answering, judged, cited, lang, coverage.all_tokens)
        if lead is None and status:
            lead = latest_line(chosen, _in_order(judged, cited), coverage, lang)
    text = "\n".join([lead, *quotes] if lead else quotes)
    citations = [Citation.from_hit(h) for h in cited]
    return Answer(question=question, answer=text, mode="extractive", citations=citations)


def renumbered(
    chosen: Sequence[Sentence], judged: Sequence[Passage], first: int
) -> tuple[list[Sentence], list[SearchHit]]:
    """The first `first` passages keep their numbers; a further chunk is cited (numbered
    after them, in the order quoted) only when a quote comes from it."""
    number = {p.rank: p.rank for p in judged[:first]}
    for s in chosen:
        if s.citation not in number:
            number[s.citation] = len(number) + 1
    by_rank = {p.rank: p.hit for p in judged}
    cited = [by_rank[rank] for rank in sorted(number, key=number.__getitem__)]
    return [replace(s, citation=number[s.citation]) for s in chosen], cited


def _in_order(judged: Sequence[Passage], cited: Sequence[SearchHit]) -> list[Passage]:
    by_id = {p.hit.chunk.id: p for p in judged}
    return [by_id[h.chunk.id] for h in cited]


def score_sentences(
    passages: Sequence[Passage], coverage: Coverage, retriever: Retriever, question: str
) -> list[Sentence]:
    kind = wants(question)
    on_topic = file_support(passages)
    scored = []
    for p in passages:
        sentences = split_sentences(p.text)
        for i, sentence in enumerate(sentences):
            text = with_what_it_introduces(sentence, sentences[i + 1 : i + 4])
            tokens = set(retriever.tokens(sentence))
            new = {t for t in tokens - coverage.all_tokens if len(t) > 1}
            restates = len(new - QUESTION_WORDS) < 3
            if text == sentence and restates and i + 1 < len(sentences):
                # a sentence that only restates the question ("Q：能不能搜索 eval？", an agenda
                # title) is quoted with the one after it, where the answer usually is
                text = joined(sentence, sentences[i + 1])
            # the sentence must match the question; its passage being on topic helps
            topic = (p.support + on_topic[p.hit.chunk.source]) / 2
            cover = 0.55 * coverage(tokens, sentence) + 0.45 * topic
            # a sentence that only repeats the question answers nothing: favour quotes that
            # add words of their own, and those holding what the question asks for
            novelty = min(1.0, len(set(retriever.tokens(text)) - coverage.all_tokens) / 3)
            fits = 0.25 if kind is not Wants.ANYTHING and holds(kind, text, question) else 0.0
            if fits and kind is Wants.PERSON and same_role(question, text) is False:
                fits /= 2  # a person, but in another role than the one asked about
            score = cover * (0.4 + 0.6 * novelty) + fits + 0.08 / p.rank
            scored.append(Sentence(text, p.rank, cover, score))
    return sorted(scored, key=lambda s: -s.score)


def file_support(passages: Sequence[Passage]) -> dict[str, float]:
    """How on topic each file is: its best passage's support. A sentence is judged by its own
    match and its document's, not its chunk's: the stats line "Time to recovery: 31 minutes"
    sits in a chunk that shares no other word with the question, below the summary that does."""
    best: dict[str, float] = {}
    for p in passages:
        source = p.hit.chunk.source
        best[source] = max(best.get(source, 0.0), p.support)
    return best


def choose(sentences: Sequence[Sentence]) -> list[Sentence]:
    if not sentences:
        return []
    floor = 0.6 * sentences[0].score
    chosen: list[Sentence] = []
    for s in sentences:
        if s.score >= floor and not _repeats(s.text, chosen):
            chosen.append(s)
        if len(chosen) == MAX_SENTENCES:
            break
    return chosen


def one_that_answers(
    sentences: Sequence[Sentence], chosen: Sequence[Sentence], question: str
) -> list[Sentence]:
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


def newest_first(chosen: Sequence[Sentence], hits: Sequence[SearchHit]) -> list[Sentence]:
    """Status questions: the newest dated document's quote first (stable for equal dates)."""
    return sorted(chosen, key=lambda s: hits[s.citation - 1].chunk.date or "", reverse=True)


def quote(s: Sentence, coverage: Coverage, hits: Sequence[SearchHit], *, dated: bool) -> str:
    date = hits[s.citation - 1].chunk.date
    prefix = f"({date}) " if dated and date else ""
    return f"{prefix}“{excerpt(s.text, coverage)}” [{s.citation}]"


def latest_line(
    chosen: Sequence[Sentence], passages: Sequence[Passage], coverage: Coverage, lang: Lang
) -> str | None:
    """A status question whose quotes hold no span: "最新（2026-04-10）：" before them, the date of
    the newest quote from a passage that holds the question's rarest words."""
    sure = [c for c in chosen if coverage.holds_rarest(passages[c.citation - 1])]
    date = passages[sure[0].citation - 1].hit.chunk.date if sure else None
    if not date:
        return None
    return f"最新（{date}）：" if lang == "zh" else f"Latest ({date}):"


def without_frame(support: SupportTerms, question: str, retriever: Retriever) -> SupportTerms:
    """The question's words less those that only frame it: "割接时间定在哪天" is answered by
    "割接…调整为 4 月 18 日", which says nothing of 定."""
    frame = question_frame(question)
    if not frame:
        return support
    framing = set(retriever.tokens(frame)) - set(retriever.tokens(without_question_frame(question)))
    weights = {t: w for t, w in support.weights.items() if t not in framing}
    return replace(support, weights=weights) if weights else support


@dataclass(frozen=True, slots=True)
class Answering:
    """The quote the answer line comes from, and the sentence inside it that answers (a quoted
    heading carries the items under it, each its own sentence)."""

    quote: Sentence
    text: str


def answering_sentence(
    question: str,
    sentences: Sequence[Sentence],
    chosen: Sequence[Sentence],
    judged: Sequence[Passage],
    sure: set[int],
    coverage: Coverage,
    retriever: Retriever,
    *,
    newest: bool = False,
) -> Answering | None:
    """The sentence the answer line is taken from: it holds what the question asks for (a date,
    a person, a cause ...) and, for a date or a cause, the question's own terms - "Why was the
    cutover date moved?" is not answered by loyalty dates that "moved". Among those: the
    quotes first; for a date, a decision or a stated change ("由 4 月 11 日调整为 4 月 18 日"),
    the newest document's first. `newest` (a status question): only the quotes, the
    newest document's first."""
    kind = wants(question)
    if kind is Wants.ANYTHING or not sentences:
        return None
    by_rank = {p.rank: p for p in judged}
    floor = 0.5 * sentences[0].score
    more = () if newest else (s for s in sentences if s.score >= floor)
    pool = list(dict.fromkeys([*chosen, *more]))
    allowed = (len(coverage.weights) - 1) // 3

    def answers(s: Sentence, text: str) -> bool:
        if answer_span(kind, text, question) is None:
            return False
        if kind not in _OWN_TERMS:
            # "任期为一年": a person or a number is often stated without its subject, which
            # the passage holds
            return s.citation in sure
        missing = missing_terms(text, by_rank[s.citation], coverage, retriever)
        return missing <= allowed and (missing == 0 or s.citation in sure)

    fitting = [
        Answering(s, text)
        for s in pool
        if (text := next((t for t in _units(s.text, kind) if answers(s, t)), None)) is not None
    ]
    if not fitting:
        return None

    def preference(a: Answering) -> tuple[bool, str, bool, float]:
        s = a.quote
        if newest:
            return (False, by_rank[s.citation].hit.chunk.date or "", True, -pool.index(s))
        if kind is not Wants.DATE:
            return (False, "", s in chosen, s.score)
        change = changed_date(a.text) is not None
        date = by_rank[s.citation].hit.chunk.date or ""
        return (change or is_decision(a.text), date, change, s.score)

    return max(fitting, key=preference)


def _units(text: str, kind: Wants) -> list[str]:
    """Where in a quote the answer may be, narrowest first: a heading quoted with its items is
    judged item by item; a date clause by clause, each alone and then with the clause before
    it (its subject), so that "初验日期由 5 月 15 日调整为 6 月 5 日，终验日期 8 月 31 日暂不调整"
    answers 终验 with 8 月 31 日. A cause spans clauses: it is judged by the sentence."""
    sentences = split_sentences(text)
    units = sentences if len(sentences) > 1 else [text]
    if kind is not Wants.DATE:
        return units
    narrow: list[str] = []
    for sentence in units:
        clauses = [c for c in _CLAUSE_BREAK.split(sentence) if c.strip()]
        if len(clauses) > 1:
            narrow += clauses
            narrow += [f"{a}，{b}" for a, b in itertools.pairwise(clauses)]
    return narrow + units


# a comma or semicolon outside brackets ("4 月 18 日（周六，夜间）" stays whole)
_CLAUSE_BREAK = re.compile(r"[，；;]|,(?!\s*\d)(?![^（(]*[）)])")


# A date or a cause answers only from a sentence that holds the question's own terms: a
# sentence may well state a date or a cause of something else in the same passage
_OWN_TERMS = frozenset({Wants.DATE, Wants.CAUSE})


def missing_terms(text: str, passage: Passage, coverage: Coverage, retriever: Retriever) -> int:
    """How many of the question's terms the sentence lacks; translations stand in, a stated
    date holds "date / 日期", and the change ("推迟 / moved", see Coverage) or the meeting
    number or date the question points at may be anywhere in the passage."""
    tokens = set(retriever.tokens(text))

    def held(term: str) -> bool:
        if coverage(tokens, text, passage.hit.chunk, only=[term]) >= 0.999:
            return True
        if is_date_word(term) and states_date(text):
            return True
        # "为什么推迟了": the cause sentence follows the one stating the change
        if asks_about_change(term) and states_change(passage.text):
            return True
        # "第十五次", "3月27日": the question points at the document; the passage holds it
        return _POINTING.fullmatch(term) is not None and (
            coverage(set(passage.tokens), passage.context, passage.hit.chunk, only=[term]) >= 0.999
        )

    return sum(1 for term in coverage.weights if not held(term))


_POINTING = re.compile(r"第?[\d一二三四五六七八九十百零〇两]+[次届期号]?|第|次|届|期|号|年|月|日")


def direct_answer(
    question: str,
    answering: Answering | None,
    judged: Sequence[Passage],
    cited: Sequence[SearchHit],
    lang: Lang,
    terms: Collection[str] = (),
) -> str | None:
    """"答：4 月 18 日（原计划 4 月 11 日；2026-03-27） [1]": the span, the value it replaced
    and the date of the document that decided it.
    `terms`: the question's words and their translations, which mark a cause's effect."""
    if answering is None:
        return None
    kind = wants(question)
    span = (
        cause_span(answering.text, question, terms)
        if kind is Wants.CAUSE
        else answer_span(kind, answering.text, question)
    )
    if span is None:
        return None
    hit = next(p.hit for p in judged if p.rank == answering.quote.citation)
    number = next(n for n, h in enumerate(cited, 1) if h.chunk.id == hit.chunk.id)
    notes = []
    changed = changed_date(answering.text) if kind is Wants.DATE else None
    if changed and changed[0] and changed[0] not in span:
        notes.append(f"原计划 {changed[0]}" if lang == "zh" else f"originally {changed[0]}")
    decided = changed is not None or (kind is Wants.DATE and is_decision(answering.text))
    if decided and hit.chunk.date:
        notes.append(hit.chunk.date)
    if is_status_question(question) and hit.chunk.date:
        return (f"截至 {hit.chunk.date}：{span} [{number}]" if lang == "zh"
                else f"As of {hit.chunk.date}: {span} [{number}]")  # fmt: skip
    label = "答：" if lang == "zh" else "Answer: "
    if not notes:
        return f"{label}{span} [{number}]"
    extra = f"（{'；'.join(notes)}）" if lang == "zh" else f" ({'; '.join(notes)})"
    return f"{label}{span}{extra} [{number}]"


def as_typed(question: str, stems: Sequence[str]) -> list[str]:
    """The question's own words for search stems ("hardwar" -> "hardware")."""
    words = re.findall(r"[A-Za-z][A-Za-z'-]*", question)
    typed = {stem: w for w in reversed(words) for stem in english_tokens(w)}
    return [typed.get(s, s) for s in stems]


def weak_line(lang: Lang, unknown: Sequence[str]) -> str:
    words = "、".join(unknown) if lang == "zh" else ", ".join(unknown)
    if lang == "zh":
        return WEAK_ZH + (f"（文档未提到：{words}）" if unknown else "") + "，最相关的内容如下："
    return WEAK_EN + (f" (never mentioned: {words})" if unknown else "") + "; the closest passages:"


def _repeats(text: str, chosen: Sequence[Sentence]) -> bool:
    return any(text in c.text or c.text in text for c in chosen)


def excerpt(text: str, coverage: Coverage, limit: int = MAX_QUOTE_CHARS) -> str:
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
