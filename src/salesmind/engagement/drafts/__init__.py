"""Personalised drafts: Jinja2 templates for the outbound cadence, filled from the CRM, optionally rewritten."""

from salesmind.engagement.drafts.library import Draft, TemplateInfo, TemplateLibrary
from salesmind.engagement.drafts.service import list_templates, render_draft, template_library
from salesmind.engagement.drafts.slots import SLOTS, Slots, pain_points

__all__ = ["SLOTS", "Draft", "Slots", "TemplateInfo", "TemplateLibrary", "list_templates", "pain_points",
           "render_draft", "template_library"]
