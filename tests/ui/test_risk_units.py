"""The Risk tab shows P50/P80 in days and 万元 with one sentence saying what they mean, warns
when most fields are empty, and the batch table carries them (#16 point 7)."""

from __future__ import annotations

from ui.api.models import Driver, Lever, RiskResult, TargetScore
from ui.web.risk_view import drivers_frame, result_markdown, results_frame


def scored(imputed: int = 2) -> RiskResult:
    delay = TargetScore(
        probability=0.76, level="high", p50=0.2, p80=0.47, p50_extra=48.0, p80_extra=113.0,
        extra_unit="days",
    )  # fmt: skip
    overrun = TargetScore(
        probability=0.3, level="medium", p50=0.05, p80=0.2, p50_extra=12.5, p80_extra=50.0,
        extra_unit="万元",
    )  # fmt: skip
    return RiskResult(id="P-1", delay=delay, overrun=overrun, imputed=imputed)


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
    result = scored()
    lever = {"feature": "open_high_risks", "from": 4, "to": 2, "target": "delay"}
    result.levers = [Lever.model_validate({**lever, "probability": 0.62, "change": -0.14})]
    assert "未关闭高风险数 4 → 2 ⇒ 延期概率 62% (-14%)" in result_markdown(result, "zh")
    assert "open high risks 4 → 2 ⇒ Delay probability 62%" in result_markdown(result, "en")


def test_driver_chart_uses_labels() -> None:
    result = scored()
    result.drivers = [Driver(feature="team_size", value=12, effect=0.1, target="delay")]
    assert drivers_frame(result, lang="zh")["feature"].tolist() == ["团队人数 = 12"]
    assert drivers_frame(result, lang="en")["feature"].tolist() == ["team size = 12"]
