"""Data-quality audit: completeness, duplicates, impossible deal histories, a score per table and ranked fixes."""

from salesmind.quality.audit import run_audit
from salesmind.quality.duplicates import normalise_name
from salesmind.quality.report import AuditReport, Finding, Fix, TableScore

__all__ = ["AuditReport", "Finding", "Fix", "TableScore", "normalise_name", "run_audit"]
