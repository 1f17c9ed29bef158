"""Large, realistic retrieval corpora for bench/retrieval.py, built from real documents.

A corpus of N chunks is: every QA passage (CMRC 2018 dev, SQuAD 2.0 sample) once, exactly as
published, so each benchmark question has one gold chunk; plus variants of real passages from
the document datasets (minutes, post-mortems, requirements) until N is reached. A variant
keeps the real vocabulary, so BM25 statistics stay realistic, but differs from its source:
sentences shuffled, one sentence dropped, a sentence borrowed from another passage of the same
language, numbers and dates replaced, and capitalised names swapped for other names.
"""

from __future__ import annotations

import json
import random
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

DOCUMENT_FOLDERS = ("meeting_minutes_*", "postmortems_en", "requirements_*")
QA_SETS = {
    "cmrc2018_zh": "qa_cmrc2018_dev_zh/cmrc2018_dev.json",
    "squad2_en": "qa_squad2_dev_sample_en/squad_v2.0_dev_first5articles.json",
}
_SENTENCE = re.compile(r"[^。！？；.!?\n]+[。！？；.!?]*\s*")
_NUMBER = re.compile(r"\d+")
_NAME = re.compile(r"\b[A-Z][a-z]{2,}\b")
_CJK = re.compile(r"[\u4e00-\u9fff]")


@dataclass(frozen=True)
class Passage:
    id: str
    text: str
    source: str


@dataclass(frozen=True)
class Question:
    question: str
    gold: str  # id of the passage that answers it
    qa_set: str


def document_passages(datasets: Path, size: int = 600) -> list[Passage]:
    """The real document corpus cut into passages of about `size` characters at paragraphs."""
    passages: list[Passage] = []
    for pattern in DOCUMENT_FOLDERS:
        for folder in sorted(datasets.glob(pattern)):
            for path in sorted(folder.rglob("*")):
                if path.suffix.lower() not in (".md", ".txt") or path.name == "SOURCE.md":
                    continue
                text = path.read_text(encoding="utf-8", errors="replace")
                source = str(path.relative_to(datasets))
                for i, piece in enumerate(_pieces(text, size)):
                    passages.append(Passage(f"{source}#{i}", piece, source))
    return passages


def _pieces(text: str, size: int) -> Iterator[str]:
    buffer = ""
    for paragraph in re.split(r"\n\s*\n", text):
        paragraph = paragraph.strip()
        if not paragraph:
            continue
        if buffer and len(buffer) + len(paragraph) > size:
            yield buffer
            buffer = ""
        buffer = f"{buffer}\n\n{paragraph}" if buffer else paragraph
        while len(buffer) > 2 * size:
            yield buffer[:size]
            buffer = buffer[size:]
    if len(buffer) > 40:
        yield buffer


def qa_set(datasets: Path, name: str) -> tuple[list[Passage], list[Question]]:
    """Passages and answerable questions of a SQuAD-format set; the gold is the passage."""
    data = json.loads((datasets / QA_SETS[name]).read_text(encoding="utf-8"))
    passages: list[Passage] = []
    questions: list[Question] = []
    for article_no, article in enumerate(data["data"]):
        for para_no, paragraph in enumerate(article["paragraphs"]):
            pid = f"{name}:{article_no}:{para_no}"
            passages.append(Passage(pid, paragraph["context"], name))
            for qa in paragraph["qas"]:
                if qa.get("is_impossible") or not qa.get("answers"):
                    continue
                questions.append(Question(qa["question"], pid, name))
    return passages, questions


def variant(passage: Passage, pool: list[Passage], names: list[str], rng: random.Random) -> str:
    sentences = [s for s in _SENTENCE.findall(passage.text) if s.strip()] or [passage.text]
    rng.shuffle(sentences)
    if len(sentences) > 2:
        sentences.pop(rng.randrange(len(sentences)))
    donor = pool[rng.randrange(len(pool))]
    donor_sentences = _SENTENCE.findall(donor.text)
    if donor_sentences:
        sentences.insert(rng.randrange(len(sentences) + 1), rng.choice(donor_sentences))
    text = "".join(sentences)
    text = _NUMBER.sub(lambda m: str(rng.randrange(10 ** len(m.group()))), text)
    if names:
        text = _NAME.sub(lambda m: rng.choice(names) if rng.random() < 0.3 else m.group(), text)
    return text


def scale_corpus(
    documents: list[Passage], qa_passages: list[Passage], size: int, seed: int = 11
) -> list[Passage]:
    """`size` chunks: all QA passages plus varied copies of the document passages."""
    rng = random.Random(seed)
    chinese = [p for p in documents if _CJK.search(p.text)]
    english = [p for p in documents if not _CJK.search(p.text)]
    names = sorted({n for p in english for n in _NAME.findall(p.text)})
    corpus = list(qa_passages)
    corpus.extend(documents[: max(0, size - len(corpus))])
    n = 0
    while len(corpus) < size:
        base = documents[rng.randrange(len(documents))]
        pool = chinese if _CJK.search(base.text) else english
        corpus.append(Passage(f"{base.id}~v{n}", variant(base, pool, names, rng), base.source))
        n += 1
    return corpus


def sample_questions(questions: list[Question], per_set: int, seed: int = 5) -> list[Question]:
    """A fixed sample: `per_set` questions from each QA set."""
    rng = random.Random(seed)
    chosen: list[Question] = []
    for name in QA_SETS:
        of_set = [q for q in questions if q.qa_set == name]
        chosen.extend(rng.sample(of_set, min(per_set, len(of_set))))
    return chosen
