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


# The categorical values of the portfolio columns (ml/synth.py) and the risk levels, as the UI
# and the terminal show them. A spec may add its own under `[value_labels]` (value = [zh, en]).
VALUE_LABELS: dict[str, tuple[str, str]] = {
    "system_integration": ("系统集成", "system integration"),
    "software_development": ("软件开发", "software development"),
    "erp": ("ERP", "ERP"),
    "infrastructure": ("基础设施", "infrastructure"),
    "data_migration": ("数据迁移", "data migration"),
    "cloud_migration": ("云迁移", "cloud migration"),
    "government": ("政府", "government"),
    "finance": ("金融", "finance"),
    "telecom": ("电信", "telecom"),
    "manufacturing": ("制造业", "manufacturing"),
    "healthcare": ("医疗", "healthcare"),
    "energy": ("能源", "energy"),
    "retail": ("零售", "retail"),
    "education": ("教育", "education"),
    "state_owned": ("国有企业", "state-owned"),
    "private": ("民营企业", "private"),
    "foreign": ("外资企业", "foreign"),
    "fixed_price": ("固定总价", "fixed price"),
    "time_and_materials": ("工时与材料", "time and materials"),
    "cost_plus": ("成本加酬金", "cost plus"),
    "waterfall": ("瀑布", "waterfall"),
    "agile": ("敏捷", "agile"),
    "hybrid": ("混合", "hybrid"),
    "low": ("低", "low"),
    "medium": ("中", "medium"),
    "high": ("高", "high"),
}


def value_label(value: object, lang: str, spec: dict[str, Any] | None = None) -> str:
    """A categorical value in `lang`: the spec's `[value_labels]`, else the built-ins, else
    the value itself with underscores as spaces (never a raw snake_case word on screen)."""
    text = str(value)
    given = (spec or {}).get("value_labels", {}).get(text)
    pair = tuple(given) if isinstance(given, list | tuple) and len(given) == 2 else None
    pair = pair or VALUE_LABELS.get(text)
    if pair is None:
        return text.replace("_", " ")
    return str(pair[1] if lang == "en" else pair[0])
