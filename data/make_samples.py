"""Build the binary documents of the sample corpus (DOCX, PDF, GB18030 text) in data/samples/.

The Markdown files in data/samples/ are written by hand; the files here are generated because
they cannot be reviewed in a diff. Their text is kept at the end of this script (`DOCUMENTS`,
`GB18030_MINUTES`), so a rebuild gives the same content and, with the same library versions, the
same bytes: PDFs are built in reportlab's invariant mode and DOCX archives get fixed timestamps.

    uv run python data/make_samples.py              # rewrite the files in data/samples/
    uv run python data/make_samples.py --out DIR    # build them under DIR instead
"""

# The second half of this file is document prose; wrapping it would only make it harder to edit.
# ruff: noqa: E501

from __future__ import annotations

import argparse
import io
import os
import sys
import zipfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from xml.sax.saxutils import escape

HERE = Path(__file__).resolve().parent
DEFAULT_OUT = HERE / "samples"
CJK_FONT = "STSong-Light"  # reportlab's built-in CID font: no font file to ship


@dataclass(frozen=True)
class Doc:
    path: str  # relative to the samples folder
    title: str
    author: str
    date: str  # ISO date, also the fixed creation date written into the file
    lang: str  # "zh" or "en": picks the PDF font
    blocks: list[tuple]


def _fixed_time(date: str) -> datetime:
    return datetime.fromisoformat(date).replace(hour=9, tzinfo=UTC)


# ---------------------------------------------------------------------------- PDF


def write_pdf(doc: Doc, target: Path) -> None:
    from reportlab import rl_config
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.platypus import (
        PageBreak,
        Paragraph,
        SimpleDocTemplate,
        Spacer,
        Table,
        TableStyle,
    )

    rl_config.invariant = 1  # fixed creation date and document id: reproducible bytes
    zh = doc.lang == "zh"
    if zh:
        pdfmetrics.registerFont(UnicodeCIDFont(CJK_FONT))
    font, bold = (CJK_FONT, CJK_FONT) if zh else ("Helvetica", "Helvetica-Bold")
    wrap = "CJK" if zh else None
    bullet = "• " if zh else "- "  # Helvetica's bullet glyph extracts as "\x7f" with pypdf
    body = ParagraphStyle("body", fontName=font, fontSize=10, leading=15, wordWrap=wrap)
    cell = ParagraphStyle("cell", parent=body, fontSize=8.5, leading=12)
    heads = {
        "h1": ParagraphStyle("h1", fontName=bold, fontSize=16, leading=22, spaceAfter=8),
        "h2": ParagraphStyle("h2", fontName=bold, fontSize=12.5, leading=18, spaceBefore=8),
    }
    story: list = []
    for kind, content in doc.blocks:
        if kind in heads:
            story.append(Paragraph(escape(content), heads[kind]))
        elif kind == "p":
            story.append(Paragraph(escape(content), body))
            story.append(Spacer(1, 4))
        elif kind == "bullets":
            story.extend(Paragraph(bullet + escape(item), body) for item in content)
            story.append(Spacer(1, 4))
        elif kind == "table":
            rows = [[Paragraph(escape(c), cell) for c in row] for row in content]
            table = Table(rows, repeatRows=1)
            table.setStyle(
                TableStyle(
                    [
                        ("GRID", (0, 0), (-1, -1), 0.5, colors.grey),
                        ("BACKGROUND", (0, 0), (-1, 0), colors.whitesmoke),
                        ("VALIGN", (0, 0), (-1, -1), "TOP"),
                    ]
                )
            )
            story.extend([table, Spacer(1, 6)])
        elif kind == "pagebreak":
            story.append(PageBreak())
        else:
            raise ValueError(f"unknown block kind {kind!r} in {doc.path}")
    pdf = SimpleDocTemplate(
        str(target),
        pagesize=A4,
        title=doc.title,
        author=doc.author,
        subject=doc.date,
        creator="pmassist data/make_samples.py",
        producer="pmassist data/make_samples.py",
    )
    # reportlab reads the creation date from SOURCE_DATE_EPOCH; without it, invariant mode
    # stamps 2000-01-01, which a reader would take for the document's date.
    saved = os.environ.get("SOURCE_DATE_EPOCH")
    os.environ["SOURCE_DATE_EPOCH"] = str(int(_fixed_time(doc.date).timestamp()))
    try:
        pdf.build(story)
    finally:
        if saved is None:
            del os.environ["SOURCE_DATE_EPOCH"]
        else:
            os.environ["SOURCE_DATE_EPOCH"] = saved


# ---------------------------------------------------------------------------- DOCX


def write_docx(doc: Doc, target: Path) -> None:
    import docx
    from docx.oxml.ns import qn

    document = docx.Document()
    normal = document.styles["Normal"]
    # East Asian glyphs need an East Asian font, or Word falls back to something ugly.
    normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), "SimSun")
    for kind, content in doc.blocks:
        if kind == "h1":
            document.add_heading(content, level=1)
        elif kind == "h2":
            document.add_heading(content, level=2)
        elif kind == "p":
            document.add_paragraph(content)
        elif kind == "bullets":
            for item in content:
                document.add_paragraph(item, style="List Bullet")
        elif kind == "table":
            table = document.add_table(rows=len(content), cols=len(content[0]))
            table.style = "Table Grid"
            for r, row in enumerate(content):
                for c, text in enumerate(row):
                    table.cell(r, c).text = text
        elif kind == "pagebreak":
            document.add_page_break()
        else:
            raise ValueError(f"unknown block kind {kind!r} in {doc.path}")
    props = document.core_properties
    props.title, props.author, props.last_modified_by = doc.title, doc.author, doc.author
    props.created = props.modified = _fixed_time(doc.date)
    props.revision = 1
    buffer = io.BytesIO()
    document.save(buffer)
    target.write_bytes(_with_fixed_zip_times(buffer.getvalue(), doc.date))


def _with_fixed_zip_times(archive: bytes, date: str) -> bytes:
    """python-docx stamps every zip member with the current time; rebuilds must not differ."""
    stamp = _fixed_time(date).timetuple()[:6]
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(archive)) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            member = zipfile.ZipInfo(info.filename, date_time=stamp)
            member.compress_type = zipfile.ZIP_DEFLATED
            member.external_attr = 0o644 << 16
            dst.writestr(member, src.read(info.filename))
    return out.getvalue()


# ---------------------------------------------------------------------------- build


def write_gb18030_text(text: str, target: Path) -> None:
    # Encoded as GBK (a subset of GB18030) so that older GBK-only tools read it too;
    # CRLF line ends, as Windows editors in Chinese offices write them.
    target.write_bytes(text.replace("\n", "\r\n").encode("gbk"))


def build_samples(out: Path) -> list[Path]:
    """Write every generated sample file under `out`; returns the paths written."""
    written = []
    for spec in DOCUMENTS:
        doc = Doc(**spec)
        target = out / doc.path
        target.parent.mkdir(parents=True, exist_ok=True)
        if target.suffix == ".pdf":
            write_pdf(doc, target)
        elif target.suffix == ".docx":
            write_docx(doc, target)
        else:
            raise ValueError(f"no writer for {doc.path}")
        written.append(target)
    path, text = GB18030_MINUTES
    target = out / path
    target.parent.mkdir(parents=True, exist_ok=True)
    write_gb18030_text(text, target)
    written.append(target)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Build the binary sample documents.")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="samples folder to write")
    args = parser.parse_args(argv)
    for path in build_samples(args.out):
        sys.stdout.write(f"wrote {path} ({path.stat().st_size:,} bytes)\n")
    return 0


# ---------------------------------------------------------------------------- the texts
# Block kinds: ("h1", str), ("h2", str), ("p", str), ("bullets", [str]), ("table", [[str]]),
# ("pagebreak", None). The facts agree with the hand-written Markdown of the same project.

CUTOVER_POSTMORTEM_ZH = {
    "path": "smart-gov-cloud/复盘报告/2026-04-24-割接复盘报告.pdf",
    "title": "智慧政务云平台集成项目 割接复盘报告",
    "author": "李明远",
    "date": "2026-04-24",
    "lang": "zh",
    "blocks": [
        ("h1", "智慧政务云平台集成项目 割接复盘报告"),
        ("p", "编制：李明远（项目经理）　审核：吴涛（监理工程师）　日期：2026-04-24"),
        (
            "p",
            "复盘会议于2026年4月23日召开，参会人员：赵建国、周敏、吴涛、李明远、王磊、刘洋、孙浩、"
            "陈静、何鹏、郑凯。本次复盘只针对系统与流程，不追究个人责任。",
        ),
        ("h2", "一、割接概况"),
        (
            "p",
            "割接于2026年4月18日22:00开始，2026年4月19日05:40完成业务验证，06:00新平台对外提供服务，"
            "未触发回退方案。割接当晚增量迁移办件1,486,320条，耗时1小时47分；加上提前迁移的1,052万条，"
            "历史办件共计约1,200万条，记录数核对一致。市数据局38名业务人员参与业务验证，"
            "共验证业务场景126个，全部通过。",
        ),
        (
            "p",
            "割接后一周内，事项查询接口P95响应时间为240毫秒，满足需求规格说明书NFR-01"
            "（接口响应时间不超过300毫秒）的要求；系统未发生计划外停机。",
        ),
        ("h2", "二、时间线"),
        (
            "table",
            [
                ["时间", "事件"],
                ["4月17日 10:00", "割接上线评审会（go/no-go）通过：严重缺陷0个，一般缺陷6个"],
                ["4月18日 22:00", "发布停服公告，旧审批系统切换为只读，开始增量迁移"],
                ["4月18日 23:47", "增量迁移完成，共1,486,320条，耗时1小时47分"],
                ["4月19日 00:30", "新平台启动，开始消息通知补发与业务验证"],
                ["4月19日 01:15", "监控告警：消息队列消费积压超过2万条阈值，峰值达到42万条"],
                ["4月19日 02:05", "将通知服务消费者线程数由20调整为64并扩容至4个实例"],
                ["4月19日 03:10", "数据校验发现3,214条办件被路由到默认库"],
                ["4月19日 03:20", "消息积压清零"],
                [
                    "4月19日 04:30",
                    "补充高新区、临港新区两个区县编码的路由规则，3,214条办件重新路由",
                ],
                ["4月19日 05:40", "业务验证全部通过"],
                ["4月19日 06:00", "新平台对外提供服务"],
            ],
        ),
        ("h2", "三、问题与根本原因"),
        (
            "p",
            "问题1：消息队列消费积压。割接后集中补发约60万条办件状态通知，通知服务的消费者线程数为20，"
            "消费速度跟不上，积压峰值42万条，部分短信通知延迟约2小时。根本原因：生产环境的应用配置"
            "沿用了测试环境的参数，未纳入配置管理；4月10日待办事项A-15只核对了RocketMQ集群和数据库"
            "连接池参数，没有核对应用配置中心里的消费者参数；割接演练在预生产环境进行，该环境的"
            "消费者线程数是正确的64，因此演练没有暴露问题。",
        ),
        (
            "p",
            "问题2：分库分表路由规则遗漏。2025年12月新设立的高新区、临港新区两个区县编码未写入"
            "ShardingSphere路由规则，这两个区县的3,214条办件被路由到默认库。根本原因：区县编码属于"
            "主数据，主数据变更没有触发路由规则复核；割接验证脚本只按原有16个区县抽样，覆盖不足。",
        ),
        ("h2", "四、做得好的方面"),
        (
            "bullets",
            [
                "历史数据提前迁移加当晚增量迁移的方案，使割接当晚迁移耗时由预计6.5小时降到1小时47分。",
                "回退方案准备充分并经监理确认；04:00回退决策点评估后决定不回退、继续修复，决策清晰。",
                "监控告警在积压超过阈值后1分钟内通知到值班人员。",
                "建设单位业务人员全程参与验证，问题定位快。",
            ],
        ),
        ("h2", "五、做得不好的方面"),
        (
            "bullets",
            [
                "演练环境与生产环境配置不一致，演练结论被高估。",
                "验证脚本没有覆盖新设立的区县。",
                "割接当晚值班人员连续工作超过14小时，04:00以后处理速度明显下降。",
            ],
        ),
        ("h2", "六、经验教训"),
        (
            "bullets",
            [
                "生产环境配置必须纳入配置基线和变更控制，割接前逐项比对生产与预生产配置。",
                "割接演练必须在与生产配置一致的环境中进行。",
                "主数据（如区县编码）变更须联动复核分库分表路由规则和验证脚本。",
                "割接值班安排两班轮换，单人连续值班不超过10小时。",
            ],
        ),
        ("h2", "七、改进措施"),
        (
            "table",
            [
                ["编号", "改进措施", "负责人", "截止日期", "状态"],
                [
                    "PM-01",
                    "建立生产环境配置基线，纳入配置管理数据库（CMDB）",
                    "孙浩",
                    "2026-05-08",
                    "进行中",
                ],
                [
                    "PM-02",
                    "区县编码主数据变更时自动通知复核路由规则",
                    "刘洋",
                    "2026-05-15",
                    "未开始",
                ],
                ["PM-03", "割接检查单增加配置比对和新区县抽样两项", "陈静", "2026-04-30", "已完成"],
                [
                    "PM-04",
                    "准备初验材料，初验日期按4月10日决议调整为6月5日",
                    "李明远",
                    "2026-06-05",
                    "进行中",
                ],
            ],
        ),
    ],
}

CRM_SRS_EN = {
    "path": "retail-crm-migration/requirements/SRS-CRM-Migration-v1.2.pdf",
    "title": "Software Requirements Specification - CRM Migration v1.2",
    "author": "Priya Raman",
    "date": "2026-01-16",
    "lang": "en",
    "blocks": [
        ("h1", "Software Requirements Specification: CRM Migration"),
        (
            "table",
            [
                ["Item", "Value"],
                ["Customer", "Harbor Lane Outfitters (212 stores and the online shop)"],
                ["Document version", "1.2, signed off on 2026-01-16 (requirements baseline)"],
                ["Project manager", "Priya Raman, Harbor Lane IT PMO"],
                ["Implementation partner", "Brightwave Consulting (time-and-materials contract)"],
                ["Budget", "USD 1.35 million, including a 10% contingency reserve"],
            ],
        ),
        ("h2", "1. Purpose and scope"),
        (
            "p",
            "Harbor Lane Outfitters replaces its on-premises CRM, in use since 2012, with Salesforce "
            "Sales Cloud and Service Cloud. The vendor support contract for the legacy CRM ends on "
            "2026-06-30, which fixes the latest possible go-live. The migration covers 4.8 million "
            "customer records, 1.9 million loyalty accounts and the last three years of order "
            "history (about 31 million order lines). The CRM is integrated with the order management "
            "system (OMS), the point-of-sale system, the loyalty engine and the email marketing "
            "platform.",
        ),
        (
            "p",
            "This specification contains 64 requirements: 38 functional, 14 data-migration and 12 "
            "non-functional. The main ones are listed below; the full list is kept in the "
            "requirements traceability matrix.",
        ),
        ("h2", "2. Stakeholders"),
        (
            "table",
            [
                ["Stakeholder", "Role", "Main interest"],
                ["Sarah Whitfield", "VP Customer Experience, sponsor", "Single customer view"],
                ["Priya Raman", "Project manager", "Scope, schedule, budget"],
                ["Daniel Okafor", "Solution architect, Brightwave", "Design and integrations"],
                ["Megan Liu", "Data migration lead", "Data quality, cutover"],
                ["Tom Becker", "QA lead", "Test coverage, UAT"],
                ["Luis Ortega", "Store Operations", "Store readiness, training"],
                ["Aisha Khan", "Information Security", "Consent, PII protection"],
                ["Grace Kim", "Finance controller", "Budget, loyalty liability"],
            ],
        ),
        ("h2", "3. Functional requirements"),
        (
            "bullets",
            [
                "FR-01 Single customer view: a store associate finds a customer by phone number, "
                "email or loyalty number and sees the profile, loyalty balance, orders of the last "
                "three years and open cases on one page.",
                "FR-02 Loyalty: the CRM shows points balance, tier (Bronze, Silver, Gold) and the "
                "expiry date of each points batch, identical to the loyalty engine.",
                "FR-03 Case management: customer service handles email, phone and chat cases; the "
                "first response is due within 4 business hours.",
                "FR-04 Order synchronisation: every order created in the OMS appears in the CRM "
                "within 5 minutes.",
                "FR-05 Consent: email and SMS opt-in flags are kept for every customer; a privacy "
                "request (access or deletion) is completed within 30 days.",
                "FR-07 Segments: marketing segments are exported to the email platform every night "
                "by 04:00.",
                "FR-12 Next-best-offer: the customer page suggests up to three offers based on "
                "purchase history.",
            ],
        ),
        ("pagebreak", None),
        ("h2", "4. Data migration requirements"),
        (
            "bullets",
            [
                "DM-01 Every customer with a purchase in the last five years is migrated.",
                "DM-02 Order history of the last three years is migrated; older orders are archived.",
                "DM-03 The duplicate rate of customer records after matching must be below 2%. "
                "The legacy CRM has a duplicate rate of 7.4%.",
                "DM-04 100% of consent and opt-out flags are preserved.",
                "DM-05 Record counts reconcile per store between the legacy CRM and the new CRM.",
            ],
        ),
        ("h2", "5. Non-functional requirements"),
        (
            "bullets",
            [
                "NFR-01 Performance: the customer lookup must return results within 2 seconds at "
                "the 95th percentile with 1,500 concurrent store users.",
                "NFR-02 Availability: 99.9% during store hours (07:00 to 23:00 local time).",
                "NFR-03 Integration latency: OMS order events reach the CRM within 5 minutes.",
                "NFR-04 Security: personal data is encrypted at rest; staff sign in through single "
                "sign-on with multi-factor authentication.",
                "NFR-05 Cutover: downtime of at most 11 hours, outside store opening hours.",
            ],
        ),
        ("h2", "6. Acceptance criteria"),
        (
            "p",
            "User acceptance testing passes when at least 98% of test cases pass and no severity-1 "
            "defect is open. Go-live additionally requires a successful cutover dress rehearsal and "
            "the sign-off of Store Operations.",
        ),
        ("h2", "7. Milestones"),
        (
            "table",
            [
                ["ID", "Milestone", "Planned date"],
                ["M1", "Requirements signed off", "2026-01-16"],
                ["M2", "Build complete (end of Sprint 6)", "2026-03-20"],
                ["M3", "UAT complete", "2026-04-03"],
                ["M4", "Go-live: cutover on Saturday night", "2026-04-11"],
                ["M5", "End of hypercare", "2026-05-08"],
                ["M6", "Legacy CRM decommissioned", "2026-07-10"],
            ],
        ),
        ("h2", "8. Constraints and assumptions"),
        (
            "bullets",
            [
                "The legacy CRM vendor support ends on 2026-06-30.",
                "No cutover between 2026-11-01 and 2026-12-31 (holiday trading freeze).",
                "The OMS accepts at most 2 API requests per second per store.",
                "Assumption: store staff can be released for two hours of training each.",
            ],
        ),
    ],
}

ERP_REQUIREMENTS_MIXED = {
    "path": "erp-rollout/requirements/ERP需求规格说明书-Requirements-v1.0.docx",
    "title": "博远精密 S/4HANA ERP 上线项目 需求规格说明书 / Requirements Specification v1.0",
    "author": "何静怡 Jenny He",
    "date": "2026-02-27",
    "lang": "zh",
    "blocks": [
        ("h1", "博远精密 S/4HANA ERP 上线项目 需求规格说明书 / Requirements Specification"),
        (
            "p",
            "版本 Version 1.0，2026-02-27 随业务蓝图一并签署 (signed off with the business "
            "blueprint)。客户 Customer：博远精密部件（苏州）有限公司 Boyuan Precision Components "
            "(Suzhou) Co., Ltd.，德国博远集团全资子公司 (a subsidiary of the Boyuan group, "
            "Stuttgart)。实施伙伴 Partner：Kestrel Consulting（工料合同 time and materials）。",
        ),
        ("h2", "1. 项目概述 Overview"),
        (
            "p",
            "苏州工厂从自研进销存系统和金蝶总账切换到集团全球模板的 SAP S/4HANA，上线日期为 2026 年 "
            "7 月 1 日（财务月初）。The Suzhou plant moves to the group's global S/4HANA template; "
            "go-live is on 2026-07-01, the first day of a fiscal month. 范围包括财务 FI/CO、销售 SD、"
            "采购与库存 MM、生产计划 PP，以及与 MES、数电票平台、银企直连、集团合并系统和 WMS 共 "
            "5 个系统的接口。共 112 条需求，下表列出主要需求。",
        ),
        ("h2", "2. 干系人 Stakeholders"),
        (
            "table",
            [
                ["姓名 Name", "角色 Role", "关注点 Interest"],
                ["冯建华", "工厂总经理，项目发起人 Plant GM, sponsor", "按期上线，月结提速"],
                ["何静怡 Jenny He", "本地项目经理 Local PM", "范围、进度、成本"],
                ["Markus Weber", "全球模板负责人 Global design authority", "模板一致性"],
                ["黄志强", "财务关键用户 FI key user", "月结、税务合规"],
                ["Anna Schmidt", "PP/MM 顾问 consultant", "主数据、MES 接口"],
                ["林晓峰", "IT 基础设施 IT infrastructure", "数电票、网络"],
                ["Rajesh Iyer", "ABAP 开发负责人 (Kestrel)", "开发对象 RICEFW"],
            ],
        ),
        ("h2", "3. 需求 Requirements"),
        (
            "table",
            [
                ["编号 ID", "需求 Requirement", "优先级 Priority", "验收标准 Acceptance"],
                [
                    "REQ-FI-01",
                    "按中国会计准则和集团 IFRS 平行记账 Parallel ledgers for CAS and IFRS",
                    "Must",
                    "两套账试算平衡 Both ledgers balance in SIT2",
                ],
                [
                    "REQ-FI-03",
                    "月结在 3 个工作日内完成（现状 6 个工作日）Month-end close within 3 working days",
                    "Must",
                    "UAT 模拟月结 ≤ 3 个工作日",
                ],
                [
                    "REQ-SD-02",
                    "发货过账后 10 分钟内自动开具数电票 E-invoice issued within 10 minutes of goods issue",
                    "Must",
                    "100 张测试发票全部在 10 分钟内开具",
                ],
                [
                    "REQ-MM-04",
                    "采购申请按金额分级审批（5 万元以上需总经理审批）PR approval by amount",
                    "Should",
                    "三个金额档位各 5 个测试用例通过",
                ],
                [
                    "REQ-PP-02",
                    "1,850 个物料的 MRP 运行时间不超过 30 分钟 MRP run for 1,850 materials under 30 minutes",
                    "Must",
                    "SIT2 中 MRP 全量运行 ≤ 30 分钟",
                ],
                [
                    "REQ-PP-05",
                    "MES 生产报工在 15 分钟内回传 ERP Production confirmations reach ERP within 15 minutes",
                    "Must",
                    "连续 3 天报工延迟 ≤ 15 分钟",
                ],
                [
                    "REQ-INT-03",
                    "银企直连：付款指令和回单自动对账 Bank interface with automatic reconciliation",
                    "Should",
                    "自动对账率 ≥ 95%",
                ],
                [
                    "REQ-DM-01",
                    "期初库存数量和金额 100% 核对一致 Opening stock reconciles 100%",
                    "Must",
                    "数量与金额差异为 0",
                ],
            ],
        ),
        ("h2", "4. 非功能需求 Non-functional requirements"),
        (
            "bullets",
            [
                "NFR-01 可用性 Availability：工作时间（07:00–23:00）可用性不低于 99.5%。",
                "NFR-02 语言 Language：所有界面、物料描述和报表提供中文和英文。",
                "NFR-03 性能 Performance：常用 Fiori 应用响应时间不超过 2 秒。",
                "NFR-04 数据合规 Data residency：业务数据存储在上海数据中心，不出境；集团合并数据"
                "按数据出境安全评估结果传输。",
            ],
        ),
        ("h2", "5. 里程碑 Milestones"),
        (
            "table",
            [
                ["里程碑 Milestone", "日期 Date"],
                ["M1 业务蓝图签署 Blueprint sign-off", "2026-02-27"],
                ["M2 开发完成 Build complete", "2026-04-30"],
                ["SIT1 第一轮集成测试", "2026-04-13 至 2026-04-24"],
                ["SIT2 第二轮集成测试", "2026-05-11 至 2026-05-22"],
                ["UAT 用户验收测试", "2026-06-01 至 2026-06-12"],
                ["割接 Cutover", "2026-06-26 至 2026-06-30"],
                ["M3 上线 Go-live", "2026-07-01"],
                ["上线支持结束 End of hypercare", "2026-08-14"],
            ],
        ),
        ("h2", "6. 约束 Constraints"),
        (
            "bullets",
            [
                "上线必须在财务月初，最迟 2026 年 7 月 1 日；否则顺延到 10 月 1 日。",
                "预算 640 万元（工料合同，设上限），变更须经指导委员会批准。",
                "对全球模板的任何修改须经 Markus Weber（全球设计权威）书面批准。",
            ],
        ),
    ],
}

ERP_MINUTES_0317_ZH = {
    "path": "erp-rollout/meeting-notes/2026-03-17-周例会纪要.docx",
    "title": "博远精密 ERP 上线项目 周例会纪要 2026-03-17",
    "author": "何静怡",
    "date": "2026-03-17",
    "lang": "zh",
    "blocks": [
        ("h1", "博远精密 ERP 上线项目 周例会纪要"),
        (
            "p",
            "会议时间：2026-03-17（周二）15:00–16:20。参会人员：何静怡、Markus Weber（远程）、"
            "Anna Schmidt、黄志强、林晓峰、Rajesh Iyer（远程）。记录人：何静怡。",
        ),
        ("h2", "一、进度"),
        (
            "bullets",
            [
                "总体进度 38%（计划 40%），SPI 0.95，CPI 0.98。",
                "BOM 迁移模板已定稿（AI-02 完成），覆盖 1,850 个物料和 430 个多层 BOM。",
                "11 个开发缺口估算完成（AI-03 完成）：共需 146 人天，超出预算的 120 人天，"
                "其中数电票本地增强占 31 人天。",
                "数电票沙箱账号仍在办理，税务代理预计 3 月 20 日提供。",
            ],
        ),
        ("h2", "二、决议"),
        (
            "bullets",
            [
                "决议：开发缺口分两批交付，第一批 7 个（含数电票接口）在 SIT1 前完成，第二批 4 个在 "
                "SIT2 前完成。",
                "决议：SIT1 开始日期 4 月 13 日保持不变。",
                "决议：超出的 26 人天按变更控制流程提交变更请求 CR-02，由指导委员会 3 月 24 日评审。",
            ],
        ),
        ("h2", "三、待办事项"),
        (
            "table",
            [
                ["编号", "事项", "负责人", "截止日期", "状态"],
                ["AI-01", "取得数电票平台沙箱账号", "林晓峰", "2026-03-24", "进行中"],
                ["AI-02", "BOM 迁移模板定稿", "Anna Schmidt", "2026-03-17", "已完成"],
                ["AI-03", "估算 11 个开发缺口工作量", "Rajesh Iyer", "2026-03-17", "已完成"],
                ["AI-04", "准备 CR-02 变更请求提交指导委员会", "何静怡", "2026-03-24", "未开始"],
            ],
        ),
        ("h2", "四、风险"),
        (
            "table",
            [
                ["编号", "风险描述", "概率", "影响", "应对措施", "负责人"],
                [
                    "R-01",
                    "数电票接口规范变更",
                    "中",
                    "高",
                    "按 API v2.1 开发，适配层保持轻量",
                    "林晓峰",
                ],
                [
                    "R-02",
                    "关键用户因年度审计无法投入",
                    "高",
                    "中",
                    "财务评审推迟到 4 月第一周，决定以书面形式确认",
                    "何静怡",
                ],
            ],
        ),
        ("h2", "五、问题"),
        (
            "bullets",
            [
                "到斯图加特沙箱的 VPN 延迟约 380 毫秒，已申请上海本地沙箱，预计 3 月 27 日可用。",
            ],
        ),
    ],
}

ERP_MINUTES_0407_EN = {
    "path": "erp-rollout/meeting-notes/2026-04-07-weekly-minutes.docx",
    "title": "Boyuan ERP Rollout - Weekly Project Meeting 2026-04-07",
    "author": "Jenny He",
    "date": "2026-04-07",
    "lang": "en",
    "blocks": [
        ("h1", "Boyuan ERP Rollout — Weekly Project Meeting, 2026-04-07"),
        (
            "p",
            "Attendees: Jenny He 何静怡 (local PM), Markus Weber (remote), Anna Schmidt, 黄志强, "
            "林晓峰, Rajesh Iyer (remote), 王建军 (production). Minutes: Jenny He.",
        ),
        ("h2", "Progress"),
        (
            "bullets",
            [
                "Overall progress 49% (plan 53%); SPI 0.92, CPI 0.97.",
                "First-batch development: 6 of 7 objects unit-tested; the 数电票 add-on passed 100 "
                "test invoices in the sandbox, each issued within 4 minutes of goods issue.",
                "AI-06 done: FI opening-balance template agreed with 黄志强.",
                "AI-07: 61 of the 78 faulty BOMs corrected so far.",
            ],
        ),
        ("h2", "Decisions"),
        (
            "bullets",
            [
                "Decision: SIT1 entry criteria: all 7 first-batch objects unit-tested, master data "
                "mock load at least 98% valid, and SIT1 test plan signed off (AI-08).",
                "Decision: SIT1 starts on 2026-04-13 as decided on 2026-03-17; if the entry criteria "
                "are not met on 2026-04-10 the start moves to 2026-04-15 and SIT1 ends on 2026-04-28.",
                "Decision: Kestrel replaces the two offshore ABAP developers who left; the new "
                "developers start on 2026-04-20 and are onboarded by Rajesh Iyer.",
            ],
        ),
        ("h2", "Action items"),
        (
            "table",
            [
                ["ID", "Action", "Owner", "Due", "Status"],
                ["AI-06", "FI opening-balance migration template", "黄志强", "2026-04-03", "Done"],
                [
                    "AI-07",
                    "Correct the 78 faulty BOMs and export again",
                    "王建军",
                    "2026-04-10",
                    "In progress",
                ],
                [
                    "AI-08",
                    "SIT1 test plan with entry and exit criteria",
                    "Jenny He",
                    "2026-04-07",
                    "Done",
                ],
                [
                    "AI-09",
                    "Finish unit test of the last first-batch object (bank interface)",
                    "Rajesh Iyer",
                    "2026-04-09",
                    "Open",
                ],
                [
                    "AI-10",
                    "Book key users for SIT1 (Wednesdays and Thursdays)",
                    "Jenny He",
                    "2026-04-09",
                    "Open",
                ],
            ],
        ),
        ("h2", "Risks"),
        (
            "table",
            [
                ["ID", "Risk", "Probability", "Impact", "Response", "Owner"],
                [
                    "R-01",
                    "数电票 API changes during the tax platform rollout",
                    "Medium",
                    "High",
                    "Adapter tested against v2.1; watch the tax bureau notices",
                    "林晓峰",
                ],
                [
                    "R-04",
                    "Poor opening data quality delays SIT1",
                    "Medium",
                    "High",
                    "Third mock load on 2026-04-10",
                    "Anna Schmidt",
                ],
                [
                    "R-05",
                    "Offshore ABAP team attrition: 2 of 6 developers left Kestrel since 2026-04-03, second-batch objects may slip",
                    "High",
                    "High",
                    "Replacements from 2026-04-20; Kestrel adds a senior developer at its own cost for 4 weeks",
                    "Rajesh Iyer",
                ],
            ],
        ),
        ("h2", "Issues"),
        (
            "bullets",
            [
                "The Shanghai sandbox (available since 2026-03-27) still lacks the bank interface "
                "certificates. Owner: 林晓峰.",
            ],
        ),
    ],
}

# The 24th weekly meeting of the Chinese project, saved by a Windows editor as GBK text.
GB18030_MINUTES = (
    "smart-gov-cloud/会议纪要/2026-03-27-周例会.txt",
    """智慧政务云平台集成项目 第 24 次周例会会议纪要

会议时间：2026-03-27（周五）14:00-15:50
会议地点：市数据局 3 楼会议室
主持人：李明远
参会人员：赵建国、周敏、吴涛（监理）、王磊、刘洋、孙浩、陈静、张帆
记录人：陈静

一、本周进度
项目总体完成 65%（计划 76%），进度绩效指数 SPI 0.86，成本绩效指数 CPI 0.95。
1. 生产环境 RocketMQ 集群（3 主 3 从）部署完成（A-05 完成）。
2. 审批流程引擎知识转移完成（A-08 完成），知识转移文档 42 页已归档。张帆今日离职，替补人员何鹏 3 月 30 日到岗。
3. 割接迁移测算完成（A-07 完成）：1,200 万条历史办件全量迁移需 6.5 小时，超出割接窗口的安全余量。
4. 首轮性能测试结果：事项查询接口 P95 为 420 毫秒，不满足需求规格说明书 NFR-01 不超过 300 毫秒的要求；其余三类接口达标。

二、会议决议
1. 决议：割接上线日期由原计划 4 月 11 日调整为 4 月 18 日（周六）22:00 至 4 月 19 日 06:00。依据 3 月 20 日决议 2，代码冻结已顺延至 3 月 31 日，系统集成测试需要两周，原割接日期无法满足。由赵建国报市数据局分管领导批准。
2. 决议：采用"历史数据提前迁移 + 割接当晚增量迁移"方案：2024 年以前的约 1,050 万条办件在割接前提前迁移并核对，割接当晚只迁移增量约 150 万条，预计耗时 2 小时以内。
3. 决议：同意测试组增加 2 人的申请，下周例会确认费用来源。

三、待办事项
| 编号 | 事项 | 负责人 | 截止日期 | 状态 |
| A-05 | 申请并部署生产环境 RocketMQ 集群 | 孙浩 | 2026-03-20 | 已完成 |
| A-07 | 测算割接迁移耗时，提出割接方案 | 刘洋 | 2026-03-26 | 已完成 |
| A-08 | 审批流程引擎知识转移 | 张帆 | 2026-03-26 | 已完成 |
| A-09 | 事项查询接口性能优化（缓存、分页改造）并复测 | 王磊 | 2026-04-03 | 未开始 |
| A-10 | 编写回退方案并报监理确认 | 王磊 | 2026-04-08 | 未开始 |
| A-11 | 在预生产环境组织割接演练 | 刘洋 | 2026-04-08 | 未开始 |

四、风险
| 编号 | 风险描述 | 概率 | 影响 | 应对措施 | 负责人 |
| R-01 | 旧系统接口文档缺失 | 中 | 高 | 联调阶段逐个验证，已通过 121 个 | 王磊 |
| R-02 | 跨库统计查询性能不达标 | 中 | 高 | 汇总库方案纳入下周性能测试 | 刘洋 |
| R-04 | 核心开发人员离职导致知识断档 | 低 | 中 | 知识转移已完成，替补 3 月 30 日到岗 | 李明远 |
| R-05 | 割接窗口不足 | 中 | 高 | 提前迁移 + 增量迁移（决议 2），4 月 8 日演练验证 | 刘洋 |

五、问题
1. 事项查询接口 P95 420 毫秒，超出 300 毫秒要求。（负责人：王磊，A-09）
2. 割接日期调整需重新发布公告，并通知省好差评系统运维方。（负责人：周敏）

下次会议：2026-04-03 14:00。
""",
)

DOCUMENTS = [
    CUTOVER_POSTMORTEM_ZH,
    CRM_SRS_EN,
    ERP_REQUIREMENTS_MIXED,
    ERP_MINUTES_0317_ZH,
    ERP_MINUTES_0407_EN,
]


if __name__ == "__main__":
    raise SystemExit(main())
