"""The canonical CRM data model: every table salesmind stores."""

from salesmind.data.models.accounts import Account, Contact
from salesmind.data.models.base import (
    ActivityType,
    Base,
    Direction,
    LeadStatus,
    Outcome,
    Role,
    Seniority,
    SpeakerRole,
)
from salesmind.data.models.cadences import (
    Enrolment,
    Experiment,
    InboundSubmission,
    RoutingRule,
    Sequence,
    SequenceStep,
    Task,
    Touch,
)
from salesmind.data.models.commerce import Order, OrderLine, Product, Subscription, SubscriptionUsage
from salesmind.data.models.conversations import CallAnalysis, ReplyClassification
from salesmind.data.models.customers import CustomerAlert, CustomerValue
from salesmind.data.models.deal_health import DealHealth, Notification
from salesmind.data.models.deals import OPEN_STAGES, STAGES, Opportunity, OpportunityContact, OpportunityHistory
from salesmind.data.models.engagement import (
    Activity,
    Call,
    CallParticipant,
    ContentAsset,
    EmailMessage,
    EmailThread,
    Utterance,
)
from salesmind.data.models.forecasting import ForecastDealSnapshot, ForecastPoint, ForecastRun
from salesmind.data.models.intelligence import (
    FeatureSnapshot,
    ImportRun,
    ModelPrediction,
    ModelVersion,
    PredictionFeedback,
)
from salesmind.data.models.leads import Lead
from salesmind.data.models.management import DiscountGuardrail, TerritoryAssignment, TerritoryPlan
from salesmind.data.models.outreach import Booking, OutboxMessage, RepCalendar, Suppression
from salesmind.data.models.people import ApiKey, Team, Territory, User
from salesmind.data.models.service import NpsResponse, SupportTicket

__all__ = [
    "Account", "Activity", "ActivityType", "ApiKey", "Base", "Booking", "Call", "CallAnalysis", "CallParticipant", "Contact",
    "ContentAsset", "CustomerAlert", "CustomerValue", "DealHealth", "Direction", "DiscountGuardrail", "Enrolment", "Experiment", "InboundSubmission", "EmailMessage", "EmailThread", "FeatureSnapshot", "ForecastDealSnapshot", "ForecastPoint", "ForecastRun", "ImportRun", "Lead",
    "LeadStatus", "ModelPrediction", "ModelVersion", "Notification", "NpsResponse", "OutboxMessage", "OPEN_STAGES", "Opportunity", "OpportunityContact",
    "OpportunityHistory", "Order", "OrderLine", "Outcome", "PredictionFeedback", "Product", "RepCalendar", "ReplyClassification", "Role", "RoutingRule", "Sequence", "SequenceStep",
    "STAGES", "Seniority", "SpeakerRole", "Subscription", "Suppression", "SubscriptionUsage", "SupportTicket", "Task", "Team", "TerritoryAssignment", "TerritoryPlan", "Touch",
    "Territory", "User", "Utterance",
]
