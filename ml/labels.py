"""Chinese and English labels for features: the spec's `[labels]` table, else built-ins for the
portfolio columns, else the raw column name. Raw names stay in JSON; the UI and the terminal
show labels."""

from __future__ import annotations

from typing import Any

PORTFOLIO_LABELS: dict[str, tuple[str, str]] = {
    "project_type": ("项目类型", "project type"),
    "industry": ("行业", "industry"),
    "customer_type": ("客户类型", "customer type"),
    "contract_type": ("合同类型", "contract type"),
    "methodology": ("开发方法", "methodology"),
    "planned_duration_months": ("计划工期（月）", "planned duration (months)"),
    "planned_cost": ("计划预算（万元）", "planned budget (万元)"),
    "team_size": ("团队人数", "team size"),
    "departments_involved": ("涉及部门数", "departments involved"),
    "stakeholder_count": ("干系人数", "stakeholders"),
    "external_vendors": ("外部供应商数", "external vendors"),
    "systems_to_integrate": ("需集成系统数", "systems to integrate"),
    "requirement_count": ("需求数", "requirements"),
    "new_technology": ("采用新技术", "new technology"),
    "pm_experience_years": ("项目经理经验（年）", "PM experience (years)"),
    "percent_complete": ("完成百分比", "percent complete"),
    "spi": ("进度绩效指数 SPI", "schedule performance index (SPI)"),
    "cpi": ("成本绩效指数 CPI", "cost performance index (CPI)"),
    "change_requests": ("变更请求数", "change requests"),
    "requirement_volatility": ("需求变更率", "requirement volatility"),
    "staff_turnover": ("人员流动率", "staff turnover"),
    "open_high_risks": ("未关闭高风险数", "open high risks"),
}


def feature_label(name: str, lang: str, spec: dict[str, Any] | None = None) -> str:
    """The label of `name` in `lang` ("zh" or "en")."""
    given = (spec or {}).get("labels", {}).get(name)
    pair = tuple(given) if isinstance(given, list | tuple) and len(given) == 2 else None
    pair = pair or PORTFOLIO_LABELS.get(name)
    if pair is None:
        return name
    return str(pair[1] if lang == "en" else pair[0])
