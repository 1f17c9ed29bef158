"""Offline extraction of one document's register mentions, in Chinese and English.

The draft extractor's line reading and classification (`assistant.drafts`) decide which lines
are decisions, actions, risks and issues; this module turns them into `Mention`s that keep the
document's own ids and statuses as written, adds change requests, milestones and "A-11 完成"
status notes, and reads register tables column by column (`record.tables`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import cast

from assistant.drafts.extract import SECTION_TITLE_CHARS, classify, is_action
from assistant.drafts.items import make_item
from assistant.drafts.lines import Line, clean, document_lines
from assistant.drafts.text import find_due, probability_impact
from assistant.drafts.vocabulary import HEADINGS, LABELS, SKIP_LINE, first_match, heading_section
from assistant.record.cues import (
    BARE_AGREEMENT,
    ITEM_LIST_HEADING,
    NOT_ITEM_HEADING,
    NOT_ITEM_LINE,
    STRONG_ACTION,
    github_owner,
    is_title,
    refine,
    without_links,
)
from assistant.record.forms import (
    id_line_fields,
    split_decision_and_action,
    sub_point_kind,
    without_letter,
)
from assistant.record.models import DocumentFacts, Kind, Mention, ProgressNote
from assistant.record.people import (
    NOT_PEOPLE,
    People,
    known_owner,
    owner_of,
    people_of,
    spaced_owner,
    speaker_of,
)
from assistant.record.tables import Table, table_row
from assistant.record.words import (
    CHANGE,
    CPI,
    LEADING_ID,
    MILESTONE,
    OWN_ID,
    PERCENT,
    PLANNED_PERCENT,
    SLIPPED,
    SPI,
    STATUS_PHRASE,
    id_kind,
    is_closed,
    own_ids,
    status_phrase,
)
from ingest.model import Chunk, DocType

LINE_ITEM_DOC_TYPES = (DocType.MEETING_NOTES.value, DocType.OTHER.value)
SECTION_KIND: dict[str, Kind] = {
    "actions": "action",
    "decisions": "decision",
    "risks": "risk",
    "issues": "issue",
}
MIN_CHARS = 4
CJK = re.compile(r"[\u4e00-\u9fff]")
QUESTION = re.compile(r"[?？]\s*$")
SPOKEN_DECISION = re.compile(
    r"\b(?:agreed|(?:due to|by|reached) consensus|no objections?|approved|decided|decides? to|"
    r"postponed|confirmed|"
    r"take (?:it )?off the agenda|considered approved|came to conclusion|move forward with|"
    r"skip(?:ped)? (?:the|this) (?:conversation|discussion|topic)|defer(?:red)?)\b",
    re.IGNORECASE,
)
# "I will write…", "Matteo will take…", "…, and will take another action": a person's will to
# act, not "the biggest expense will be".
SPEAKER_WILL = re.compile(
    r"(?:^|\b(?:I|we|he|she|they|[A-Z][a-z]+)\s+|,\s*and\s+)will\s+(?!be\b|not\b)[a-z]+|"
    r"\b(?:I|we)['’]ll\b"
)
EXPLICIT_STATUS = re.compile(r"(?:状态|status)\s*[:：]\s*([^，,;；。|]{1,12})", re.IGNORECASE)
BRACKETED_STATUS = re.compile(r"[（(]\s*(" + STATUS_PHRASE.pattern + r")[^)）]{0,20}[)）]",
                              re.IGNORECASE)  # fmt: skip
# "关闭 AI-05", "closes R-03": a closing verb right before an id.
CLOSES_ID = re.compile(r"(关闭|closes|closed)\s*(" + OWN_ID.pattern + ")", re.IGNORECASE)
# "（A-11 完成）", "A-02 已关闭", "R-03: closed": an id followed closely by its status.
ID_STATUS = re.compile(
    "(" + OWN_ID.pattern + r")\s*(?:[:：]\s*)?(?:已于[^，,。]{0,12})?"
    "(" + STATUS_PHRASE.pattern + ")",
    re.IGNORECASE,
)
RESPONSE = re.compile(r"(?:应对措施|应对|措施|response|mitigation)\s*[:：]\s*(.+)", re.IGNORECASE)
NOT_AN_ITEM = re.compile(
    r"(GMT|UTC)\s*[+-]\d|标准时间|会议(链接|密码|接入|地点|时间)|点击链接|入会|https?://\S+$|"
    # An agenda slot: "…决策     10:15~10:45   30min     韩里洋/谢秀奇" (a cutover window
    # "22:00-24:00 完成割接" without a duration is work, not a slot).
    r"(?<!\d)\d{1,2}[:：]\d{2}\s*[~～\-–—至]\s*\d{1,2}[:：]\d{2}\s+\d+\s*(?:mins?\b|分钟)|"
    r"^(data|time|host|participants?|next host|recordings?|meeting (link|agenda))\b|"
    r"^(会议议题|议题|与会人|参会人|主持人|下次会议主持|会议主题|会议纪要)\s*[:：]?|"
    # Patches and mail headers quoted in meeting material are not items.
    r"^(signed-off-by|reviewed-by|acked-by|tested-by|author|cc|from|to|subject)\s*:|"
    r"^(diff --git|@@ |\+\+\+ |--- a/|index [0-9a-f]{7})",
    re.IGNORECASE,
)


def document_facts(chunks: Sequence[Chunk]) -> DocumentFacts:
    """The mentions and progress figures of one document (its chunks, in order)."""
    first = chunks[0]
    facts = DocumentFacts(source=first.source, date=first.date)
    tables: dict[str, Table] = {}
    previous: tuple[str, Line] | None = None  # the last line that was not an item
    lines = list(document_lines(chunks))
    people = people_of((clean(without_links(line.text)), line.heading) for line in lines)
    for line in lines:
        if line.text.startswith("|"):
            mention = table_row(line, tables)
            if mention is not None:
                facts.mentions.append(mention)
            continue
        tables.pop(line.chunk.source, None)
        text = clean(without_links(line.text))
        if BARE_AGREEMENT.match(text) and previous is not None:
            facts.mentions.append(agreed(previous, text))
            continue
        if not_an_item(text, line):
            previous = (text, line) if len(text) >= MIN_CHARS else previous
            continue
        found = line_mentions(text, line, people)
        facts.mentions.extend(found)
        previous = None if found else (text, line)
        note = progress_note(text, line)
        if note is not None:
            facts.progress.append(note)
    return facts


def agreed(previous: tuple[str, Line], agreement: str) -> Mention:
    """ "Adding TSC as owners ..." followed by "No objections.": the first line, decided."""
    text, line = previous
    return Mention(
        kind="decision", text=f"{text} — {agreement}", date=line.chunk.date,
        citation=line.citation(),
    )  # fmt: skip


def not_an_item(text: str, line: Line) -> bool:
    """Meta lines (time zone, links, attendees), sections listing people, agenda titles."""
    if len(text) < MIN_CHARS or SKIP_LINE.search(text) or NOT_AN_ITEM.search(text):
        return True
    if NOT_ITEM_LINE.search(text):
        return True
    if any(NOT_ITEM_HEADING.search(title.strip()) for title in line.heading.split(" > ")):
        return True
    # Under "## Action items" or "决议" every line is meant as an item, never a title.
    listed = any(ITEM_LIST_HEADING.search(title) for title in line.heading.split(" > "))
    return not listed and is_title(line.text, text)


def line_mentions(text: str, line: Line, people: People | None = None) -> list[Mention]:
    """Every mention one line makes: status notes for ids, a milestone, a change request, and
    the decision/action/risk/issue the line states."""
    # Requirements and post-mortems describe the whole project: their tables (milestones)
    # count, their prose is not this week's decisions and actions; the lines under their
    # "Action items" heading are.
    stated = line.chunk.doc_type in LINE_ITEM_DOC_TYPES or listed_under(line)
    items = item_mentions(text, line, people) if stated else []
    defined = {m.own_id for m in items}
    # "A-02 完成测试环境搭建" defines A-02; its verb is not a status note about it.
    found = [n for n in id_status_notes(text, line) if n.own_id not in defined]
    found += milestone_mentions(text, line)
    change = change_mention(text, line)
    if change is not None:
        found.append(change)
    return found + items


def listed_under(line: Line) -> bool:
    """Whether the line sits under a heading whose every line is an item ("Action items")."""
    return any(ITEM_LIST_HEADING.search(title) for title in line.heading.split(" > "))


def item_mentions(text: str, line: Line, people: People | None = None) -> list[Mention]:
    """The item a line states, or two when it states a decision and then the work after it
    ("同意…，后续…写成oecp", "we reduced it to 12 months, and will take another action")."""
    item = item_mention(text, line, people)
    if item is None or item.own_id or item.kind not in ("decision", "action"):
        return [item] if item is not None else []
    pair = split_decision_and_action(text)
    if pair is None:
        return [item]
    decision, action = pair
    return [
        item.model_copy(update={"kind": "decision", "text": decision, "owner": None,
                                "due": None, "status": None}),
        item.model_copy(update={"kind": "action", "text": action,
                                "owner": action_owner(action, text, people)}),
    ]  # fmt: skip


def line_section(text: str, line: Line, people: People | None = None) -> str | None:
    """The register section of a line: the draft classifier's, refined by the cues of real
    minutes, else the sub-point form ("c.恢复和上游 KubeEdge 的协同关系"), else follow-up work
    given to a person the minutes list ("具体方案经纬和曹志讨论")."""
    labelled = first_match(text, LABELS) is not None
    risk_heading = heading_section(line.heading, HEADINGS, max_title=SECTION_TITLE_CHARS)
    listed = listed_under(line)
    section = refine(
        classify(text, line.heading), text, labelled=labelled,
        risk_heading=risk_heading == "risks", listed=listed,
    )  # fmt: skip
    if section == "plan" and is_action(text):
        section = "actions"
    if section in (None, "plan", "progress"):
        section = sub_point_kind(line.text, text, line.heading) or section
    if section in (None, "plan", "progress", "decisions") and (
        known_owner(text, people) or spaced_owner(text)
    ):
        section = "actions"  # "…，请刘恺关注     刘恺": work given to someone under "结论"
    if speaker_of(text) and not labelled and not listed:
        section = spoken_section(section, text)
    elif section == "actions" and not (labelled or listed or CJK.search(text)):
        section = section if ENGLISH_WORK.search(text) or SPEAKER_WILL.search(text) else None
    if QUESTION.search(text) and not labelled and not listed and section != "risks":
        return None  # "Yagiz, consensus on using external test runner?" asks, decides nothing
    return section


# English work given to someone: a person's will ("Matteo will ping…"), "X to …", a need or
# a request; not what "will be provided" or "Node.js will be encouraging".
ENGLISH_WORK = re.compile(
    STRONG_ACTION.pattern + r"|\b(?:is|are) scheduling|could use some|needs? to|should be done|"
    r"volunteered|action item|todo|follow[- ]?up|@[\w-]+",
    re.IGNORECASE,
)


def spoken_section(section: str | None, text: str) -> str | None:
    """ "Gireesh: we need to be aware that …" is an opinion in a discussion: a speaker's line
    is an action only when work is given ("will", "Antoine to …") and a decision only when the
    meeting agreed ("no objections", "consensus"), not for "need to" or the word "decision"."""
    if section == "actions" and not (STRONG_ACTION.search(text) or SPEAKER_WILL.search(text)):
        return None
    if section == "decisions" and not SPOKEN_DECISION.search(text):
        return None
    return section


def action_owner(text: str, line_text: str, people: People | None) -> str | None:
    """Who the work is given to; "Yagiz: … will take another action": the speaker."""
    owner = owner_of(text, people)
    if owner is None and SPEAKER_WILL.search(text):
        owner = speaker_of(line_text, named=True)
    return owner


def item_mention(text: str, line: Line, people: People | None = None) -> Mention | None:
    section = line_section(text, line, people)
    kind = SECTION_KIND.get(section or "")
    if kind is None:
        return None
    leading = LEADING_ID.match(text)
    own = leading.group(1) if leading else None
    body = text[leading.end():] if leading else text
    if own is not None:
        if STATUS_PHRASE.match(body.strip()):
            return None  # "AI-06 done: ..." is a status note about AI-06, made elsewhere
        kind = cast(Kind, id_kind(own) or kind)  # "R-03 ..." is a risk whatever its words
        section = next((s for s, k in SECTION_KIND.items() if k == kind), section)
    draft = make_item(section or "", without_letter(body), line)
    text, owner, due = draft.text, None, draft.due
    if kind == "action":
        owner = action_owner(body, body, people) or github_owner(line.text)
        # "A-01 张伟 2025-03-20 完成接口联调", or under "行动项" without the id.
        fields = None
        if own or listed_under(line):
            fields = id_line_fields(body, line.chunk.date, people, require_known=not own)
        if fields is not None:  # "A-01 张伟 2025-03-20 完成接口联调"
            text, owner, due = fields.text, fields.owner, fields.due or due
    elif draft.owner and draft.owner.lower() not in NOT_PEOPLE:
        owner = draft.owner
    mention = Mention(
        kind=kind, text=text, own_id=own, owner=owner, due=due,
        status=None if kind == "decision" else written_status(body),
        date=line.chunk.date, citation=line.citation(),
    )  # fmt: skip
    if kind == "risk":
        probability, impact = probability_impact(body)
        mention.probability, mention.impact = probability, impact
        response = RESPONSE.search(body)
        mention.response = response.group(1).strip() if response else None
    return mention


def written_status(text: str) -> str | None:
    """A status the line states as a status ("状态：进行中", "（已完成）"), as written; a verb
    in the task ("完成 CR-003 影响分析") is not a status."""
    explicit = EXPLICIT_STATUS.search(text)
    if explicit:
        return explicit.group(1).strip()
    bracketed = BRACKETED_STATUS.search(text)
    return bracketed.group(1) if bracketed else None


def id_status_notes(text: str, line: Line) -> list[Mention]:
    pairs = [(m.group(1), m.group(m.lastindex or 0)) for m in ID_STATUS.finditer(text)]
    pairs += [(m.group(2), m.group(1)) for m in CLOSES_ID.finditer(text)]
    return [
        Mention(
            kind=_kind_of(own), text=text, own_id=own, status=status, update_only=True,
            date=line.chunk.date, citation=line.citation(),
        )
        for own, status in pairs
    ]


def _kind_of(own: str) -> Kind:
    kinds = dict(own_ids(own))
    return kinds.get(own, "action")  # type: ignore[return-value]


def milestone_mentions(text: str, line: Line) -> list[Mention]:
    """ "里程碑 M2 由 3 月 20 日顺延至 3 月 31 日", "M2 已于 3 月 31 日完成", "(milestone M1)";
    and a date change that names no id ("割接上线日期由原计划 4 月 11 日调整为 4 月 18 日"),
    which the register gives to the milestone it names (`identity.build_items`)."""
    ids = [own for own, kind in own_ids(text) if kind == "milestone"]
    date = line.chunk.date
    if not ids:
        moved = SLIPPED.search(text)
        if not moved:
            return []
        before, after = [g for g in moved.groups() if g][:2]
        planned, forecast = find_due(before, date), find_due(after, date)
        if not (planned and forecast):
            return []
        return [Mention(
            kind="milestone", text=text, update_only=True, date=date, citation=line.citation(),
            planned=planned, forecast=forecast,
        )]  # fmt: skip
    if not MILESTONE.search(text):
        return []
    mention = Mention(
        kind="milestone", text=text, own_id=ids[0], update_only=True, date=date,
        citation=line.citation(), status=status_phrase(text),
    )  # fmt: skip
    slipped = SLIPPED.search(text)
    if slipped:
        before, after = [g for g in slipped.groups() if g][:2]
        mention.planned, mention.forecast = find_due(before, date), find_due(after, date)
    elif mention.status and STATUS_PHRASE.search(mention.status) and is_closed(mention.status):
        mention.actual = find_due(text, date) or date
    return [mention]


def change_mention(text: str, line: Line) -> Mention | None:
    ids = [own for own, kind in own_ids(text) if kind == "change"]
    if not ids or not CHANGE.search(text):
        return None
    return Mention(
        kind="change", text=text, own_id=ids[0], status=status_phrase(text),
        date=line.chunk.date, citation=line.citation(),
    )  # fmt: skip


def progress_note(text: str, line: Line) -> ProgressNote | None:
    values = {
        "percent": PERCENT.search(text), "planned_percent": PLANNED_PERCENT.search(text),
        "spi": SPI.search(text), "cpi": CPI.search(text),
    }  # fmt: skip
    if not any(values.values()):
        return None
    numbers = {k: float(m.group(1)) if m else None for k, m in values.items()}
    return ProgressNote(**numbers, date=line.chunk.date, source=line.chunk.source)
