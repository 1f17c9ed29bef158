"""Answers with citations: extractive offline, generated from the passages with an LLM.

Offline, the answer is the few sentences that best answer the question, quoted and numbered
[n] after the passage they come from (`answer_extractive`). With a chat model, the retrieved
passages are sent as delimited data and the model's [n] markers are mapped back to the
passages it actually cited (`answer_llm`). Either way "not in the documents" is a normal
answer: `not_found_text(lang)`.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence

from assistant.answer_extractive import WEAK_EN, WEAK_ZH, extractive_answer
from assistant.answer_followup import Turn, contextual_query
from assistant.answer_llm import (
    NOT_FOUND_MARKER,
    answer_messages,
    cited_answer,
    documents_block,
    passages_within_budget,
    relay,
)
from assistant.answer_model import (
    NOT_FOUND_EN,
    NOT_FOUND_ZH,
    Answer,
    Citation,
    Retriever,
    not_found,
    not_found_text,
    question_language,
)
from assistant.answer_sentences import split_sentences
from assistant.llm import ChatModel
from ingest.model import SearchFilter, SearchHit

__all__ = [
    "NOT_FOUND_EN",
    "NOT_FOUND_MARKER",
    "NOT_FOUND_ZH",
    "WEAK_EN",
    "WEAK_ZH",
    "Answer",
    "Citation",
    "Retriever",
    "Turn",
    "answer",
    "answer_messages",
    "cited_answer",
    "documents_block",
    "not_found_text",
    "passages_within_budget",
    "question_language",
    "split_sentences",
    "stream_answer",
]

logger = logging.getLogger(__name__)

# The answer's sentence may sit in a chunk of a top file that ranks below the first k ("Time to
# recovery: 31 minutes" 12th, behind the same post-mortem's summary): the search returns this
# many (the re-ranking looks at 40 anyway, so a deeper list costs nothing), and the chunks of
# the best files among them are read for sentences too.
EVIDENCE_DEPTH = 40
EVIDENCE_FILES = 3
# Further chunks read at most: each is tokenized and its sentences scored. On bench/qa_dev
# (dev) 4 and 8 gave the same answers as all (up to 35); 8 cost +10 ms ask p50, +45 ms p95
# at load 9 on 2 cores, all of them +23 / +100 ms.
EVIDENCE_CHUNKS = 6


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
    found = retriever.search(query, k=max(k, EVIDENCE_DEPTH), where=where)
    hits = found[:k]
    more = more_of_the_same_files(hits, found[k:])
    if chat_model is None or not hits:
        if chat_model is None:
            result = extractive_answer(question, hits, retriever, query=query, more=more)
        else:
            result = not_found(question, "llm")
        yield result.answer
        yield result
        return
    history_tokens = min(1500, context_tokens // 4)
    # the model reads the same evidence: the k hits, then as many further chunks of the best
    # files (the budget keeps the best first)
    passages = passages_within_budget([*hits, *more[:k]], context_tokens - history_tokens)
    messages = answer_messages(question, passages, question_language(question), history,
                               history_tokens)  # fmt: skip
    if not stream:
        reply = chat_model.complete(messages)
    else:
        reply = yield from relay(chat_model.stream(messages))
    logger.debug("model reply: %s", reply)
    yield cited_answer(question, reply, passages)


def more_of_the_same_files(hits: Sequence[SearchHit], rest: Sequence[SearchHit]) -> list[SearchHit]:
    """The further chunks, best first, of the best `EVIDENCE_FILES` files among `hits`."""
    files = list(dict.fromkeys(h.chunk.source for h in hits))[:EVIDENCE_FILES]
    return [h for h in rest if h.chunk.source in files][:EVIDENCE_CHUNKS]
