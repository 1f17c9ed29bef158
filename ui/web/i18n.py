"""Interface text in Chinese and English, and the language switch that re-labels the app.

The same table feeds Gradio's own `gr.I18n` (so Gradio's built-in strings and any
`i18n(key)` label follow the browser's locale) and the visible 中文/English switch, which
re-labels every registered component from the server so the choice does not depend on the
browser's settings.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

Lang = Literal["zh", "en"]
LANGUAGES: dict[str, Lang] = {"中文": "zh", "English": "en"}

TEXT: dict[str, tuple[str, str]] = {
    # key: (zh, en)
    "title": ("# pmassist 项目经理助手", "# pmassist — project manager's assistant"),
    "language": ("语言", "Language"),
    "tab_chat": ("问答", "Ask"),
    "tab_documents": ("文档", "Documents"),
    "tab_drafts": ("草稿", "Drafts"),
    "tab_risk": ("风险", "Risk"),
    "tab_reports": ("报告", "Reports"),
    "tab_projects": ("项目", "Projects"),
    "project": ("项目", "Project"),
    "all_projects": ("全部项目", "All projects"),
    "doc_type": ("文档类型", "Document type"),
    "any_type": ("全部类型", "All types"),
    "question": ("问题", "Question"),
    "question_hint": ("例如：项目的主要风险是什么？", "e.g. What are the main risks?"),
    "ask": ("提问", "Ask"),
    "conversation": ("对话", "Conversation"),
    "citations": ("引用来源", "Citations"),
    "no_citations": ("（没有引用）", "(no citations)"),
    "page": ("第 {page} 页", "page {page}"),
    "upload": (
        "上传文件（PDF、DOCX、Markdown、TXT、HTML）",
        "Upload files (PDF, DOCX, MD, TXT, HTML)",
    ),
    "upload_project": ("归入项目", "Add to project"),
    "ingest": ("导入", "Ingest"),
    "ingest_result": ("导入结果", "Ingest result"),
    "indexed": ("已索引的文档", "Indexed documents"),
    "refresh": ("刷新", "Refresh"),
    "remove_source": ("要删除的文档（来源路径）", "Document to remove (source path)"),
    "remove": ("删除文档", "Remove document"),
    "draft_kind": ("草稿类型", "Draft kind"),
    "since": ("起始日期 YYYY-MM-DD", "Since YYYY-MM-DD"),
    "until": ("截止日期 YYYY-MM-DD", "Until YYYY-MM-DD"),
    "draft_lang": ("草稿语言", "Draft language"),
    "make_draft": ("生成草稿", "Make draft"),
    "choose_project": ("请选择项目", "Choose a project"),
    "since_field": ("起始日期", "Since"),
    "until_field": ("截止日期", "Until"),
    "bad_date": (
        "{field}：{value!r} 不是日期，请写成 2025-03-31",
        "{field}: {value!r} is not a date like 2025-03-31",
    ),
    "preview": ("预览", "Preview"),
    "downloads": ("下载", "Downloads"),
    "risk_form": ("单个项目评分", "Score one project"),
    "score": ("评分", "Score"),
    "risk_result": ("风险结果", "Risk result"),
    "drivers": ("主要驱动因素", "Main drivers"),
    "batch_csv": ("批量评分：上传 CSV", "Batch: upload a CSV"),
    "batch_score": ("批量评分", "Score CSV"),
    "batch_table": ("批量结果", "Batch results"),
    "portfolio": ("当前项目组合", "Current portfolio"),
    "portfolio_score": ("为当前项目评分", "Score current projects"),
    "no_model": (
        "尚未加载风险模型——请运行 `pmassist risk train --data data/portfolio.csv --out {dir}`",
        "No risk model loaded — run `pmassist risk train --data data/portfolio.csv --out {dir}`",
    ),
    "report_kind": ("报告类型", "Report kind"),
    "report_projects": ("项目（留空为全部）", "Projects (empty = all)"),
    "report_formats": ("格式", "Formats"),
    "run_report": ("生成报告", "Run report"),
    "report_summary": ("报告摘要", "Report summary"),
    "level_low": ("低", "low"),
    "level_medium": ("中", "medium"),
    "level_high": ("高", "high"),
    "target_delay": ("延期", "Delay"),
    "target_overrun": ("超支", "Cost overrun"),
    "probability": ("概率", "probability"),
    "level": ("等级", "level"),
    "written": ("已写出", "Written"),
    "failed": ("失败", "Failed"),
    # the first screen
    "loaded": (
        "已载入 {projects} 个项目、{documents} 份文档（{names}）。",
        "Loaded: {projects} projects, {documents} documents ({names}).",
    ),
    "nothing_loaded": (
        "还没有文档：在「文档」页上传，或运行 `pmassist ingest 文件夹`。",
        "No documents yet: upload some on the Documents tab, or run `pmassist ingest FOLDER`.",
    ),
    "examples": ("可以这样问：", "Try asking:"),
    "example_questions": (
        "数据迁移安排在什么时候？|消息队列选用了什么？|项目的主要风险是什么？",
        "When is the data migration?|Which message queue was chosen?|What are the main risks?",
    ),
    # documents
    "col_source": ("来源文件", "Source"),
    "col_date": ("日期", "Date"),
    "col_chunks": ("片段数", "Chunks"),
    "ingest_summary": (
        "新增 {added}，更新 {updated}，未变 {unchanged}，写入片段 {chunks}",
        "added {added}, updated {updated}, unchanged {unchanged}, chunks written {chunks}",
    ),
    "choose_files": ("请先选择文件", "Choose files first"),
    "choose_document": ("请选择要删除的文档", "Choose a document to remove"),
    "confirm_remove": (
        "确定从索引中删除 `{source}`（{chunks} 个片段）吗？",
        "Remove `{source}` ({chunks} chunks) from the index?",
    ),
    "confirm": ("确认删除", "Yes, remove it"),
    "cancel": ("取消", "Cancel"),
    "removed": ("已删除 `{source}`（{chunks} 个片段）", "Removed `{source}` ({chunks} chunks)"),
    "not_indexed": ("`{source}` 不在索引中", "`{source}` is not in the index"),
    # reports
    "choose_format": ("请至少选择一种格式", "Choose at least one format"),
    "format_md": ("Markdown", "Markdown"),
    "format_docx": ("Word（DOCX）", "Word (DOCX)"),
    "lang_zh": ("中文", "Chinese"),
    "lang_en": ("英文", "English"),
    # projects
    "as_of": ("截至日期（YYYY-MM-DD）", "As of (YYYY-MM-DD)"),
    "register": ("登记册", "Register"),
    "register_kinds": ("类型", "Kinds"),
    "open_only": ("仅未关闭", "Open only"),
    "overdue_only": ("仅逾期", "Overdue only"),
    "reg_kind": ("类型", "Kind"),
    "reg_id": ("编号", "ID"),
    "reg_text": ("内容", "Text"),
    "reg_owner": ("负责人", "Owner"),
    "reg_due": ("到期日", "Due"),
    "reg_status": ("状态", "Status"),
    "reg_first_seen": ("首次出现", "First seen"),
    "reg_last_seen": ("最近出现", "Last seen"),
    "kind_decision": ("决策", "decision"),
    "kind_action": ("行动项", "action"),
    "kind_risk": ("风险", "risk"),
    "kind_issue": ("问题", "issue"),
    "kind_change": ("变更", "change"),
    "kind_milestone": ("里程碑", "milestone"),
    # risk: chart axes, table headers, calibration methods
    "axis_feature": ("特征 = 取值", "feature = value"),
    "axis_effect": ("对概率的影响", "effect on probability"),
    "axis_target": ("目标", "target"),
    "axis_predicted": ("预测概率", "predicted probability"),
    "axis_observed": ("实际发生率", "observed rate"),
    "col_id": ("编号", "ID"),
    "col_name": ("项目名称", "Name"),
    "col_missing": ("缺失特征数", "Missing features"),
    "col_probability": ("{target}概率", "{target} probability"),
    "col_level": ("{target}等级", "{target} level"),
    "col_p50": ("{target} P50", "{target} P50"),
    "col_p80": ("{target} P80", "{target} P80"),
    "col_p50_days": ("{target} P50（天）", "{target} P50 (days)"),
    "col_p80_days": ("{target} P80（天）", "{target} P80 (days)"),
    "col_p50_wan": ("{target} P50（万元）", "{target} P50 (万元)"),
    "col_p80_wan": ("{target} P80（万元）", "{target} P80 (万元)"),
    "no_skill_mark": ("无预测力", "no skill"),
    "calibration_none": ("未校准", "uncalibrated"),
    "calibration_sigmoid": ("Sigmoid 校准", "sigmoid calibration"),
    "calibration_isotonic": ("保序回归校准", "isotonic calibration"),
    "choose_csv": ("请先选择 CSV 文件", "Choose a CSV file first"),
    # --- risk model (h3-risk, issue #16): keep this block together at the end ---
    "risk_no_skill": (
        "验证表明该模型在此目标上不优于基准比例：这个概率不含信息，请勿据此排序项目。",
        "Validation shows no skill for this target: this probability carries no "
        "information; do not rank projects by it.",
    ),
    "risk_reliability": (
        "可靠性（验证集：预测概率 vs 实际发生率）",
        "Reliability (held-out: predicted probability vs observed rate)",
    ),
    "risk_reliability_ideal": ("完全校准", "perfectly calibrated"),
    "risk_quantiles_explained": (
        "P50/P80：与此项目风险相近的历史项目中，一半（P50）或五分之四（P80）的超出不超过该值"
        "（按本项目的计划工期和预算换算成天数和万元）。",
        "P50/P80: among past projects with a similar risk, half (P50) or four in five (P80) "
        "overran by no more than this (in days and 万元 from this project's planned "
        "duration and budget).",
    ),
    "risk_levers": ("可采取的措施（改善后概率）", "What would lower the risk (probability after)"),
    "risk_mostly_missing": (
        "{missing} / {total} 个特征为空，按缺失值处理：结果主要反映历史平均，请补充数据。",
        "{missing} of {total} features are empty and treated as missing: the result mostly "
        "reflects the past average; fill in more fields.",
    ),
    "risk_fill_project": ("从项目记录填写", "Fill from a project's record"),
    "risk_fill": ("填入项目数据", "Fill in the project's values"),
    "risk_choose_project": ("请先选择项目。", "Choose a project first."),
    "risk_from": ("来自 {source}", "from {source}"),
    "risk_declared": ("{document} 的 [risk_features]", "[risk_features] in {document}"),
    "risk_counted": ("{ids}，见 {source}", "{ids}, see {source}"),
    "risk_please_fill": ("文档未提供，请填写", "Not in the documents: please fill in"),
    "risk_filled": (
        "**{project}**：{filled} 项来自项目记录（见各字段下方的来源）。",
        "**{project}**: {filled} values from the project's record (the source is under each "
        "field).",
    ),
    "risk_missing_list": (
        "文档未提供、请填写（{count} 项）：{names}",
        "Not in the documents, please fill in ({count}): {names}",
    ),
    "risk_nothing_missing": (
        "模型需要的特征均已找到。", "Every feature the model needs was found."
    ),
}


def t(key: str, lang: str, **values: Any) -> str:
    zh, en = TEXT[key]
    text = en if lang == "en" else zh
    return text.format(**values) if values else text


def gradio_i18n() -> Any:
    """The table as a `gr.I18n` for Gradio's locale-based translation."""
    import gradio as gr

    return gr.I18n(
        zh={key: zh for key, (zh, _) in TEXT.items()},
        en={key: en for key, (_, en) in TEXT.items()},
    )


def doc_type_label(value: str, lang: str) -> str:
    """A document type in the reader's language (the labels live beside the types)."""
    from ingest.metadata import DOC_TYPE_LABELS

    labels = DOC_TYPE_LABELS.get(value)
    return (labels[1] if lang == "en" else labels[0]) if labels else value


def doc_type_choices(lang: str) -> list[tuple[str, str]]:
    """Every document type as (label, value) for a menu, in the order DocType lists them."""
    from ingest.model import DocType

    return [(doc_type_label(d.value, lang), d.value) for d in DocType]


def draft_kind_choices(lang: str) -> list[tuple[str, str]]:
    """Every registered draft kind as (label, name) for a menu."""
    from assistant.draft_kinds import draft_kinds

    return [(kind.label(lang), kind.name) for kind in draft_kinds()]


def language_choices(lang: str) -> list[tuple[str, str]]:
    """The languages a draft can be written in."""
    return [(t("lang_zh", lang), "zh"), (t("lang_en", lang), "en")]


Text = str | Callable[[str], Any]  # an i18n key, or a function of the language


@dataclass
class Relabel:
    """Components whose label (or value, placeholder, choices...) follows the language switch."""

    entries: list[tuple[Any, dict[str, Text]]] = field(default_factory=list)

    def add(self, component: Any, **attrs: Text) -> Any:
        """Register `component`, e.g. add(button, value="ask") or add(menu, choices=fn);
        returns it for chaining."""
        self.entries.append((component, attrs))
        return component

    @property
    def components(self) -> list[Any]:
        return [component for component, _ in self.entries]

    def updates(self, lang: str) -> list[dict[str, Any]]:
        import gradio as gr

        updates: list[dict[str, Any]] = []
        for _, attrs in self.entries:
            texts: dict[str, Any] = {
                attr: t(key, lang) if isinstance(key, str) else key(lang)
                for attr, key in attrs.items()
            }
            updates.append(gr.update(**texts))
        return updates

    def updater(self) -> Callable[[str], list[dict[str, Any]]]:
        def relabel(choice: str) -> list[dict[str, Any]]:
            return self.updates(LANGUAGES.get(choice, "zh"))

        return relabel
