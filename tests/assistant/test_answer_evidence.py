"""Evidence below the first k hits, and answer types read in Chinese text (#14.1): a further
chunk of a top file is read for the answer's sentence and cited only when quoted."""

from __future__ import annotations

import pytest

from assistant.answer import answer
from assistant.answer_direct import Wants, answer_span
from assistant.retrieval import BM25Index, HybridRetriever
from assistant.tokenize import TextTokenizer
from tests.assistant.conftest import MemoryStore, NgramEmbedder, make_chunk

POSTMORTEM = "ops/postmortems/coredns-upgrade.md"
CHUNKS = [
    make_chunk(
        "CoreDNS upgrade issue. Summary: after the cluster upgrade the CoreDNS pods crashed "
        "and did not recover; name resolution failed for every service in the cluster.",
        POSTMORTEM, index=0,
    ),
    make_chunk(
        "Timeline: 11:21 the upgrade started. 11:40 pods were restarted by hand.",
        POSTMORTEM, index=1,
    ),
    make_chunk("Stats. Category: networking. Time to recovery: 31 minutes.", POSTMORTEM, index=2),
    make_chunk(
        "Kafka exporter outage. The kafka exporter stopped after an API key was deleted; the "
        "upgrade of the exporter image was rolled back.",
        "ops/postmortems/kafka.md",
    ),
    make_chunk("Weekly notes: reviewing the backlog will take long.", "ops/notes/weekly.md"),
]  # fmt: skip


@pytest.fixture
def postmortems(tokenizer: TextTokenizer) -> HybridRetriever:
    store = MemoryStore()
    store.add(CHUNKS, NgramEmbedder().embed_batch([c.text for c in CHUNKS]))
    bm25 = BM25Index.build(store.iter_chunks(), tokenizer, generation=1)
    return HybridRetriever(store=store, embedder=NgramEmbedder(), bm25=bm25, tokenizer=tokenizer)


def test_the_answer_sentence_comes_from_a_further_chunk_of_the_best_file(
    postmortems: HybridRetriever,
) -> None:
    question = "How long did the CoreDNS pods take to recover after the cluster upgrade?"
    first = postmortems.search(question, k=1)
    assert first[0].chunk.id == f"{POSTMORTEM}#0"  # the summary ranks first, not the stats
    result = answer(question, retriever=postmortems, k=1)
    # the further chunk is cited after the k hits because a quote comes from it
    assert [c.text for c in result.citations][:1] == [first[0].chunk.text]
    assert result.citations[1].text.endswith("Time to recovery: 31 minutes.")
    assert "“Time to recovery: 31 minutes.” [2]" in result.answer.splitlines()


def test_further_chunks_that_are_not_quoted_are_not_cited(postmortems: HybridRetriever) -> None:
    result = answer("Why did the kafka exporter stop?", retriever=postmortems, k=1)
    assert [c.source for c in result.citations] == ["ops/postmortems/kafka.md"]


@pytest.mark.parametrize(
    ("kind", "sentence", "span"),
    [
        (Wants.NUMBER, "并要求参与投票的人数超过20人才能开始。", "20人"),
        (Wants.VERSION, "10月底tc上会审视进展，最晚23.09需要采用新的内核。", "23.09"),
        (Wants.DATE, "割接定于2024-03-27晚上进行", "2024-03-27"),
        (Wants.VERSION, "长期支持版本为2403 LTS。", "2403 LTS"),
    ],
)
def test_spans_right_after_chinese_characters_are_found(
    kind: Wants, sentence: str, span: str
) -> None:
    # a Chinese character is a word character too: "超过20人" has no word boundary before 20
    assert answer_span(kind, sentence) == span


@pytest.mark.parametrize(
    ("sentence", "person"),
    [
        ("PFCC成员Zheng-Bicheng 主题分享《为FastDeploy接入RKNPU2引擎》", "Zheng-Bicheng"),
        ("介绍飞桨工程师yingshengBD，分享主题《Paddle Lite 硬件接入方案》", "yingshengBD"),
        ("Meeting chaired by Joyee Cheung today.", "Joyee Cheung"),
        # capitalised at the start of a sentence, not names
        ("For Beta and GA, add links to added tests.", None),
        ("The Troubleshooting section currently serves the playbook role.", None),
    ],
)
def test_a_person_is_a_name_or_a_handle_after_a_role(sentence: str, person: str | None) -> None:
    assert answer_span(Wants.PERSON, sentence, "Who presented it?") == person
