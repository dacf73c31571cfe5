"""Data-quality audit: completeness, duplicates, impossible deal histories, scores and ranked fixes."""

from salesmind.quality.audit import run_audit
from salesmind.quality.duplicates import normalise_name, same_company
from salesmind.quality.report import AuditReport, Finding, Fix, TableScore

__all__ = ["AuditReport", "Finding", "Fix", "TableScore", "normalise_name", "run_audit", "same_company"]
