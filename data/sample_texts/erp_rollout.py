"""erp-rollout (mixed zh/en): the requirements and two minutes as DOCX."""

# Document prose; wrapping it would only make it harder to edit.
# ruff: noqa: E501

# Block kinds: ("h1", str), ("h2", str), ("p", str), ("bullets", [str]), ("table", [[str]]),
# ("pagebreak", None). The facts agree with the hand-written Markdown of the same project.

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
