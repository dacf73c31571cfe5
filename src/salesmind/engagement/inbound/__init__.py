"""Inbound lead handling: a form or webhook submission becomes a scored, routed lead with a first reply in minutes.

:func:`handle_submission` does it in one transaction; :func:`run_inbound_worker` delivers the replies and
records when they were sent; :func:`response_time_report` measures how fast every lead was answered.
"""

from salesmind.engagement.inbound.intake import CleanSubmission, upsert_lead, validate_submission
from salesmind.engagement.inbound.reports import ResponseTimeReport, Summary, recent_submissions, response_time_report
from salesmind.engagement.inbound.routing import (RouteResult, create_rule, delete_rule, get_rule, list_rules,
                                                  route_lead, update_rule)
from salesmind.engagement.inbound.service import (find_repeat, form_key, handle_submission, record_sent_replies, reply_key,
                                                  run_inbound_worker, submit)

__all__ = ["CleanSubmission", "ResponseTimeReport", "RouteResult", "create_rule", "delete_rule", "find_repeat", "form_key",
           "get_rule", "handle_submission", "list_rules", "recent_submissions", "record_sent_replies", "reply_key", "response_time_report",
           "route_lead", "run_inbound_worker", "submit", "Summary", "update_rule", "upsert_lead", "validate_submission"]
