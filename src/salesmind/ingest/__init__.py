"""Importers: CSV, Excel and JSON Lines files (Salesforce, HubSpot or YAML-mapped) into the CRM model.

``import_file`` validates a whole file and then writes it in one transaction (or nothing);
``ingest_rows`` does the same for canonical rows inside a caller's session (REST bulk ingest).
"""

from salesmind.ingest.engine import ImportReport, import_file, ingest_rows
from salesmind.ingest.profiles import YAML_FORMAT, list_profiles
from salesmind.ingest.specs import SPECS, get_spec

__all__ = ["ImportReport", "SPECS", "YAML_FORMAT", "get_spec", "import_file", "ingest_rows", "list_profiles"]
