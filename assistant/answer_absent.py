"""When the evidence is really absent: the causes for which "not found" is the honest answer,
however well the question's other words match ("never throw away a good retrieval" holds for
everything else).

Each is a general cause, none a threshold on lexical support - which cannot separate a
paraphrased question from an unanswerable one (bench/results/meaning_notes.md).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from assistant.answer_direct import asked_measure
from assistant.answer_model import Retriever
from assistant.answer_support import Coverage, Passage
from assistant.retrieval.hybrid import SupportTerms
from assistant.retrieval.pointers import Pointers, find_pointers, points_at
from assistant.tokenize import english_tokens


def lacks_measure(question: str, passages: Sequence[Passage], min_support: float) -> bool:
    """The question asks for money, a weight, an age or a phone number that no supporting
    passage states: the evidence is absent, however well the other words match."""
    measure = asked_measure(question)
    return measure is not None and not any(
        measure.search(p.text) for p in passages if p.support >= min_support
    )


def names_absent(question: str, unknown: Sequence[str]) -> bool:
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


def version_absent(question: str, retriever: Retriever) -> bool:
    """The question names a product's version that no document mentions: nothing can say
    when "Kubernetes 1.40" ships, however well "Kubernetes" and "release" match."""
    # a name, not a measure: "SPI 0.86", "USD 1.42" have no lowercase letter
    versions = [v for name, v in _PRODUCT_VERSION.findall(question) if name != name.upper()]
    return any(not retriever.mentions(v) for v in versions)


def meeting_absent(support: SupportTerms, passages: Sequence[Passage]) -> bool:
    """The question names a meeting by its number ("第一百次会议") and no passage found comes
    from that meeting: asking where meeting 100 was held is not answered by meeting 30."""
    numbers = support.pointers.numbers
    wanted = Pointers(dates=(), numbers=numbers)
    return bool(numbers) and not any(
        points_at(wanted, p.hit.chunk) or set(numbers) & set(find_pointers(p.context).numbers)
        for p in passages
    )


# A kind of place a question asks for by name: "which hotel", "哪所大学", "办公地址". Its
# answer names the kind too ("the Hilton hotel", "浙江大学", "地址：…") or a translation of it.
_PLACE_KIND = re.compile(
    r"\b(?:hotels?|venues?|universit(?:y|ies)|campus|address(?:es)?|offices?)\b"
    r"|酒店|宾馆|场馆|大学|学院|地址|办公室|办公地点",
    re.I,
)


def place_absent(
    question: str, passages: Sequence[Passage], coverage: Coverage, retriever: Retriever,
    min_support: float,
) -> bool:  # fmt: skip
    """The question asks for a kind of place ("Which hotel did the TC book?") and no
    supporting passage mentions that kind of place: whatever else matches, the answer is not
    there."""
    asked = [m.group() for m in _PLACE_KIND.finditer(question)]
    kinds = [t for word in asked for t in retriever.tokens(word) if t in coverage.weights]
    return bool(kinds) and not any(
        coverage(set(p.tokens), p.context, only=kinds) > 0
        for p in passages
        if p.support >= min_support
    )


# What the question asks for, named right by its question word: "how many story points did",
# "Who acted as incident commander during", "What was the customer satisfaction score after",
# "多少名员工", "办公地址在哪里".
_VERB = r"(?:did|do|does|were|was|are|is|has|have|had|will|would|can|could|must|should|get|got)"
_ASKED_EN = [
    re.compile(rf"\bhow (?:many|much)\s+((?:[a-z-]+\s+){{0,2}}?[a-z-]+)\s+{_VERB}\b", re.I),
    re.compile(
        rf"\b(?:what|which)\s+{_VERB}\s+(?:the|a|an|its|their)\s+((?:[a-z-]+\s+){{0,3}}?[a-z-]+)"
        r"(?:\s+(?:of|for|in|at|on|after|before|during|that|when|to|by|with)\b|\s*\?)",
        re.I,
    ),
    re.compile(rf"\b(?:what|which)\s+((?:[a-z-]+\s+){{0,2}}?[a-z-]+)\s+{_VERB}\b", re.I),
    re.compile(
        # a role ("who acted as incident commander"), not a predicate ("who is responsible")
        r"\bwho\s+(?:(?:acted|served|worked)\s+as|(?:was|is|were|are)\s+the)\s+(?:the\s+)?"
        r"((?:[a-z-]+\s+){0,2}?[a-z-]+)\s+(?:of|for|in|at|during|on)\b",
        re.I,
    ),
]
_ASKED_ZH = [
    re.compile(r"多少(?:名|个|位|项|次|篇|家|人|票|张|条|种|天)?([\u4e00-\u9fff]{2,4})[？?]?$"),
    re.compile(r"(?:^|[的\s])([\u4e00-\u9fff]{2,4}?)(?:是多少|是谁|在哪里|在哪儿)"),
]


def asked_for(question: str) -> str | None:
    """The noun the question asks about ("story points", "员工"), when its wording shows it."""
    for pattern in (*_ASKED_EN, *_ASKED_ZH):
        if match := pattern.search(question):
            return match.group(1)
    return None


def asked_never_mentioned(question: str, support: SupportTerms, retriever: Retriever) -> bool:
    """What the question asks for ("the customer satisfaction score", "多少故事点") is a word
    no document uses, nor a translation of it: the documents cannot state its value."""
    asked = asked_for(question)
    if asked is None:
        return False
    if asked.isascii():
        return bool(set(retriever.tokens(asked)) & set(support.unknown))
    # one Chinese word, a compound of one concept ("故事点" = "story point", not "story" and
    # "point"): it, or one of its translations as a phrase, must be written somewhere. Several
    # words ("票支持" in "有多少票支持") are a phrase the documents may word differently.
    tokens = retriever.tokens(asked)
    if len(tokens) != 1 or tokens[0] not in support.weights or retriever.mentions(asked):
        return False
    translations = support.stand_ins.get(tokens[0], ())
    return not any(retriever.mentions(" ".join(alt)) for alt in translations)
