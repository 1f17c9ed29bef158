"""The prose of the generated sample documents, one module per project.

data/make_samples.py turns it into PDF, DOCX and GB18030 files; keeping the text apart keeps
the builder short and each project's documents together.
"""

from sample_texts.erp_rollout import (
    ERP_MINUTES_0317_ZH,
    ERP_MINUTES_0407_EN,
    ERP_REQUIREMENTS_MIXED,
)
from sample_texts.retail_crm_migration import CRM_SRS_EN
from sample_texts.smart_gov_cloud import CUTOVER_POSTMORTEM_ZH, GB18030_MINUTES

DOCUMENTS = [
    CUTOVER_POSTMORTEM_ZH,
    CRM_SRS_EN,
    ERP_REQUIREMENTS_MIXED,
    ERP_MINUTES_0317_ZH,
    ERP_MINUTES_0407_EN,
]

__all__ = ["DOCUMENTS", "GB18030_MINUTES"]
