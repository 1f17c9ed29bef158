"""The Risk tab shows P50/P80 in days and 万元 with one sentence saying what they mean, warns
when most fields are empty, and the batch table carries them (#16 point 7)."""

from __future__ import annotations

import dataclasses

from ml.results import Driver, Extra, Lever, ProjectRisk, TargetRisk
from ui.web.risk_view import drivers_frame, result_markdown, results_frame


def scored(imputed: int = 2) -> ProjectRisk:
    delay = TargetRisk(0.76, "high", p50=0.2, p80=0.47, extra=Extra(48.0, 113.0, "days"))
    overrun = TargetRisk(0.3, "medium", p50=0.05, p80=0.2, extra=Extra(12.5, 50.0, "万元"))
    return ProjectRisk("P-1", {"delay": delay, "overrun": overrun}, imputed=imputed)


def test_result_text_in_days_and_wan_yuan_with_the_explanation() -> None:
    zh = result_markdown(scored(), "zh", features=20)
    assert "P50 +20% (+48 天)" in zh and "P80 +47% (+113 天)" in zh
    assert "P50 +5% (+12.5 万元)" in zh
    assert "五分之四" in zh and "⚠" not in zh
    en = result_markdown(scored(), "en", features=20)
    assert "(+48 days)" in en and "four in five" in en


def test_mostly_empty_project_is_warned() -> None:
    assert "15 / 20" in result_markdown(scored(imputed=15), "zh", features=20)
    assert "15 of 20 features are empty" in result_markdown(scored(imputed=15), "en", features=20)


def test_batch_table_has_p50_p80_in_days_and_wan_yuan() -> None:
    frame = results_frame(["1"], [scored()])
    row = frame.iloc[0]
    assert row["delay_p50_days"] == 48.0 and row["delay_p80_days"] == 113.0
    assert row["overrun_p80_wan_yuan"] == 50.0 and row["delay_p50"] == 0.2
    assert row["missing_features"] == 2


def test_levers_in_the_chosen_language() -> None:
    lever = Lever("open_high_risks", 4, 2, "delay", probability=0.62, change=-0.14)
    result = dataclasses.replace(scored(), levers=(lever,))
    assert "未关闭高风险数 4 → 2 ⇒ 延期概率 62% (-14%)" in result_markdown(result, "zh")
    assert "open high risks 4 → 2 ⇒ Delay probability 62%" in result_markdown(result, "en")


def test_driver_chart_uses_labels() -> None:
    drivers = (Driver(feature="team_size", value=12, effect=0.1, target="delay"),)
    result = dataclasses.replace(scored(), drivers=drivers)
    assert drivers_frame(result, lang="zh")["feature"].tolist() == ["团队人数 = 12"]
    assert drivers_frame(result, lang="en")["feature"].tolist() == ["team size = 12"]
