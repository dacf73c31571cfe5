"""The CRM data model, its migrations, and person-level privacy operations."""
