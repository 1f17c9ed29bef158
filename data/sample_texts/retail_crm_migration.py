"""retail-crm-migration (en): the SRS PDF."""

# Document prose; wrapping it would only make it harder to edit.
# ruff: noqa: E501

# Block kinds: ("h1", str), ("h2", str), ("p", str), ("bullets", [str]), ("table", [[str]]),
# ("pagebreak", None). The facts agree with the hand-written Markdown of the same project.

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
