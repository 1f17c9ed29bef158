"""Turning one classified line into a draft item: owner, due date, status, risk attributes."""

from __future__ import annotations

from typing import cast

from assistant.drafts.lines import Line
from assistant.drafts.models import DraftItem, Response
from assistant.drafts.text import find_due, find_owner, probability_impact, risk_level, status_of
from assistant.drafts.vocabulary import ACTION_PHRASE, CATEGORIES, HEADINGS, RESPONSES, first_match

SHORT_DECISION = 12


def make_item(section: str, text: str, line: Line) -> DraftItem:
    if section == "risks":
        item = risk_item(text, line)
        item.section = "risks"
        return item
    date = line.chunk.date
    topic = line.heading.split(" > ")[-1]
    # "结论：通过" says nothing without what was passed; a topic heading says it ("决议" does not).
    if (
        section == "decisions"
        and len(text) <= SHORT_DECISION
        and topic
        and not first_match(topic, HEADINGS)
    ):
        text = f"{topic} — {text}"
    item = DraftItem(section=section, text=text, date=date, citations=[line.citation()])
    if section in ("actions", "decisions", "plan", "issues"):
        item.owner = action_owner(text)
        item.due = find_due(text, date) if section != "decisions" else None
    if section == "actions":
        item.status = "done" if status_of(text) == "done" else "open"
    return item


def action_owner(text: str) -> str | None:
    named = find_owner(text)
    if named:
        return named
    phrase = ACTION_PHRASE.search(text)
    if phrase is None:
        return None
    return next(g for g in phrase.groups() if g).lstrip("@")


def risk_item(text: str, line: Line) -> DraftItem:
    probability, impact = probability_impact(text)
    status = status_of(text)
    return DraftItem(
        section="risks",
        text=text,
        owner=find_owner(text),
        probability=probability,
        impact=impact,
        level=risk_level(probability, impact),
        response=response_of(text),
        category=category_of(text),
        status="closed" if status == "done" else "open",
        origin="project",
        date=line.chunk.date,
        citations=[line.citation()],
    )


def response_of(text: str) -> Response | None:
    found = first_match(text, RESPONSES)
    return cast(Response, found) if found else None


def category_of(text: str) -> str:
    return first_match(text, CATEGORIES) or "other"
