"""Evidence below the first k hits, and answer types read in Chinese text (#14.1): a further
chunk of a top file is read for the answer's sentence and cited only when quoted."""

from __future__ import annotations

import pytest

from assistant.answer import NOT_FOUND_EN, NOT_FOUND_ZH, answer
from assistant.answer_absent import asked_for
from assistant.answer_direct import (
    Wants,
    answer_span,
    asked_measure,
    is_status_question,
    same_role,
)
from assistant.llm import FakeChatModel
from assistant.retrieval import BM25Index, HybridRetriever
from assistant.tokenize import TextTokenizer
from ingest.store import InMemoryStore
from tests.assistant.conftest import NgramEmbedder, make_chunk

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
    store = InMemoryStore()
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


# -- the evidence is really absent (#14.2) ------------------------------------------------------

MEETING = [
    make_chunk("The TC offline meeting in 2024 took place in Hangzhou; twelve members attended "
               "the offline meeting and reviewed the release plan.", "tc/2024-offline.md"),
    make_chunk("Travel notes: members booked their own trains to the offline meeting.",
               "tc/travel.md"),
    make_chunk("Hotel reviews were collected for the 2019 conference venue.", "events/2019.md"),
]  # fmt: skip


def retriever_over(chunks: list, tokenizer: TextTokenizer) -> HybridRetriever:
    store = InMemoryStore()
    store.add(chunks, NgramEmbedder().embed_batch([c.text for c in chunks]))
    bm25 = BM25Index.build(store.iter_chunks(), tokenizer, generation=1)
    return HybridRetriever(store=store, embedder=NgramEmbedder(), bm25=bm25, tokenizer=tokenizer)


def test_a_kind_of_place_no_supporting_passage_mentions_is_not_found(
    tokenizer: TextTokenizer,
) -> None:
    question = "Which hotel did the TC book for its 2024 offline meeting?"
    absent = retriever_over(MEETING, tokenizer)
    assert answer(question, retriever=absent).answer == NOT_FOUND_EN
    booked = make_chunk("For the 2024 offline meeting the TC booked the Lakeview Hotel near "
                        "the venue.", "tc/2024-booking.md")  # fmt: skip
    present = retriever_over([*MEETING, booked], tokenizer)
    result = answer(question, retriever=present)
    assert result.answer != NOT_FOUND_EN and "Lakeview Hotel" in result.answer


@pytest.mark.parametrize(
    ("question", "asks"),
    [
        ("What budget did SIG Apps get approved for 2024?", True),
        ("项目预算是多少？", True),
        # a "disruption budget" is a Kubernetes object, not an amount of money
        ("Pod 中断预算功能是在哪个版本引入的？", False),
        ("How do you tell a disruption budget what to do?", False),
    ],
)
def test_the_amount_of_a_budget_is_money(question: str, asks: bool) -> None:
    assert (asked_measure(question) is not None) is asks


@pytest.mark.parametrize(
    ("text", "is_phone"),
    [
        ("call +86 10 1234 5678", True),
        ("手机 13912345678", True),
        ("(020) 8123-4567", True),
        ("openEuler ID: 23989843", False),  # an account id
        ("2024-03-27 10:00-12:00", False),
    ],
)
def test_a_phone_number_is_written_like_one(text: str, is_phone: bool) -> None:
    phone = asked_measure("What is the phone number of the secretary?")
    assert phone is not None and (phone.search(text) is not None) is is_phone


@pytest.mark.parametrize(
    ("question", "asked"),
    [
        ("How many story points did SIG Apps complete in its last sprint?", "story points"),
        ("What was the customer satisfaction score after the ADFS outage?",
         "customer satisfaction score"),
        ("Who acted as incident commander during the Log4Shell response?", "incident commander"),
        ("DFDS 云团队一共有多少名员工？", "员工"),
        ("Kubernetes SIG Apps 的办公地址在哪里？", "办公地址"),
        ("Why did the kafka exporter stop?", None),
    ],
)  # fmt: skip
def test_what_a_question_asks_for(question: str, asked: str | None) -> None:
    assert asked_for(question) == asked


SPRINTS = [
    make_chunk("SIG Apps sprint review: the team completed the StatefulSet work in the last "
               "sprint and closed twelve issues.", "k8s/sprint-review.md"),
    make_chunk("迭代回顾：SIG Apps 上一个迭代完成了 StatefulSet 相关工作，关闭了十二个问题。",
               "k8s/迭代回顾.md"),
    make_chunk("Planning poker: every item gets points before the sprint; a story is split when "
               "it is too big.", "k8s/planning.md"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("question", "absent"),
    [
        ("How many issues did SIG Apps close in its last sprint?", False),
        ("What was the velocity score of SIG Apps in its last sprint?", True),
        ("Kubernetes SIG Apps 一共有多少名员工？", True),
        ("SIG Apps 上一个迭代关闭了多少问题？", False),
        # several words after the question word are a phrase, not one thing asked for
        ("SIG Apps 上一个迭代有多少人参加回顾？", False),
    ],
)
def test_what_no_document_ever_mentions_is_not_found(
    tokenizer: TextTokenizer, question: str, absent: bool
) -> None:
    result = answer(question, retriever=retriever_over(SPRINTS, tokenizer))
    assert (result.answer in (NOT_FOUND_EN, NOT_FOUND_ZH)) is absent


def test_a_predicate_is_not_what_a_question_asks_for() -> None:
    assert asked_for("Who is responsible for checking the middleware parameters?") is None
    assert asked_for("Who was the release manager of Node.js 22?") == "release manager"


def test_a_who_question_prefers_the_person_in_the_role_it_asks_about(
    tokenizer: TextTokenizer,
) -> None:
    minutes = make_chunk(
        "第十五次会议纪要。PFCC成员VigiZhang 主题分享《飞桨代码安全与Fuzzing》。"
        "本次会议由轮值主席张雅琨（VigiZhang）主持。",
        "pfcc/2022-12-08.md",
    )  # fmt: skip
    other = make_chunk("第十六次会议纪要。成员王五分享了编译器优化。", "pfcc/2022-12-22.md")
    result = answer("谁主持了第十五次会议？", retriever=retriever_over([minutes, other], tokenizer))
    assert result.answer.splitlines()[0] == "答：张雅琨 [1]"
    assert same_role("Who chaired the meeting?", "本次会议由轮值主席张雅琨主持") is True
    assert same_role("Who chaired the meeting?", "PFCC成员VigiZhang 主题分享") is False
    assert same_role("When was the meeting?", "PFCC成员VigiZhang 主题分享") is None


def test_the_model_reads_the_same_further_chunks(postmortems: HybridRetriever) -> None:
    model = FakeChatModel("It took a while [2].")
    question = "How long did the CoreDNS pods take to recover after the cluster upgrade?"
    result = answer(question, retriever=postmortems, chat_model=model, k=1)
    sent = model.requests[0][-1].content
    # the one hit, then one further chunk of the same post-mortem (up to k more)
    assert sent.count(f'source="{POSTMORTEM}"') == 2 and 'index="3"' not in sent
    assert [c.source for c in result.citations] == [POSTMORTEM]


def test_a_stateful_set_is_not_a_status_question() -> None:
    assert not is_status_question("哪个提案让有状态副本集创建的持久卷声明可以被自动删除？")
    assert is_status_question("有状态副本集的迁移目前进度怎么样？")
    assert is_status_question("项目目前进度怎么样？")
