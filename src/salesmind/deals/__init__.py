"""Deal health: point-in-time signals of open deals, named red flags, a 0-100 score, and alerts."""

from salesmind.deals.health import (
    FLAG_CODES,
    GRADES,
    Health,
    HealthConfig,
    RedFlag,
    assess,
    red_flags,
)
from salesmind.deals.service import (
    HealthSummary,
    list_notifications,
    mark_read,
    refresh_deal_health,
    unread_count,
)
from salesmind.deals.signals import DealSignals, SentimentPoint, deal_signals, open_deal_ids
from salesmind.deals.views import HealthPanel, RiskRow, deal_health, risk_list

__all__ = [
    "FLAG_CODES", "GRADES", "DealSignals", "Health", "HealthConfig", "HealthPanel", "HealthSummary", "RedFlag",
    "RiskRow", "SentimentPoint", "assess", "deal_health", "deal_signals", "list_notifications", "mark_read",
    "open_deal_ids", "red_flags", "refresh_deal_health", "risk_list", "unread_count",
]
