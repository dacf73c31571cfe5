"""What can be imported: for each entity its canonical fields, types, references and match keys.

A *field* is a column of the canonical shape (``ingest_rows`` takes these names; mapping
profiles translate a CRM's export columns into them). A *reference* turns a natural key
such as ``account_name`` or ``owner_email`` into a foreign key such as ``account_id``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

from salesmind.core.errors import UserInputError
from salesmind.data.models import (
    Account,
    Activity,
    ActivityType,
    Contact,
    ContentAsset,
    Direction,
    EmailMessage,
    Lead,
    LeadStatus,
    NpsResponse,
    Opportunity,
    OpportunityHistory,
    Order,
    OrderLine,
    Outcome,
    Product,
    Role,
    Seniority,
    Subscription,
    SubscriptionUsage,
    SupportTicket,
    User,
)

#: Field kinds understood by :mod:`salesmind.ingest.values` (see ``convert_cell``).
KINDS = frozenset({"text", "int", "float", "money", "percent", "currency", "bool", "email", "domain",
                   "date", "datetime", "enum", "json"})


@dataclass(frozen=True)
class Field:
    """One canonical column: its kind, whether it is required, and where it is stored."""

    name: str
    kind: str = "text"
    required: bool = False
    enum: Any = None
    stored: bool = True
    minimum: float | None = None
    maximum: float | None = None
    max_length: int | None = None
    doc: str = ""

    @property
    def attr(self) -> str | None:
        """The model attribute written, or None for a helper field used only in derivation."""
        return self.name if self.stored else None


@dataclass(frozen=True)
class Ref:
    """A foreign key filled from natural keys: ``(field, model columns tried)`` in order."""

    attr: str
    model: Any
    keys: tuple[tuple[str, tuple[str, ...]], ...]
    required: bool = False

    @property
    def fields(self) -> tuple[str, ...]:
        """The canonical field names that can give this reference."""
        return tuple(k for k, _ in self.keys)


@dataclass(frozen=True)
class EntitySpec:
    """An importable entity: the table, its fields and references, and how rows find records."""

    name: str
    model: Any
    fields: tuple[Field, ...]
    refs: tuple[Ref, ...] = ()
    keys: tuple[tuple[str, ...], ...] = (("external_id",),)
    dedupe: str | None = None
    finish: Callable[[dict[str, Any]], list[tuple[str | None, str]]] | None = None
    doc: str = ""
    #: called once per write pass with the session; returns a function that turns helper fields
    #: into foreign keys, creating the records they name when missing (users: team, manager, territory)
    linker: Callable[[Any], Callable[[dict[str, Any]], dict[str, Any]]] | None = None
    by_name: dict[str, Field] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "by_name", {f.name: f for f in self.all_fields()})

    def all_fields(self) -> list[Field]:
        """Fields plus the natural-key fields of every reference."""
        out = list(self.fields)
        for ref in self.refs:
            for key, columns in ref.keys:
                kind = "email" if columns == ("email",) else "text"
                out.append(Field(key, kind, stored=False, doc=f"finds {ref.attr} by {'/'.join(columns)}"))
        return out

    def required_groups(self) -> list[tuple[str, ...]]:
        """Fields a row must give: a required field, or any one field of a required reference."""
        groups = [(f.name,) for f in self.fields if f.required]
        groups += [ref.fields for ref in self.refs if ref.required]
        return groups


def _ext() -> Field:
    return Field("external_id", max_length=128, doc="the record's id in the source system (upsert key)")


def _owner(attr: str = "owner_id") -> Ref:
    prefix = attr.removesuffix("_id")
    return Ref(attr, User, ((f"{prefix}_external_id", ("external_id",)), (f"{prefix}_email", ("email",)),
                            (f"{prefix}_name", ("name", "email"))))


def _account(required: bool = False) -> Ref:
    return Ref("account_id", Account, (("account_external_id", ("external_id",)),
                                       ("account_domain", ("domain",)), ("account_name", ("name",))), required)


def _contact(attr: str = "contact_id") -> Ref:
    return Ref(attr, Contact, (("contact_external_id", ("external_id",)), ("contact_email", ("email",))))


def _lead() -> Ref:
    return Ref("lead_id", Lead, (("lead_external_id", ("external_id",)), ("lead_email", ("email",))))


def _opportunity(required: bool = False) -> Ref:
    return Ref("opportunity_id", Opportunity, (("opportunity_external_id", ("external_id",)),), required)


def _product(required: bool = False) -> Ref:
    return Ref("product_id", Product, (("product_external_id", ("external_id",)), ("product_sku", ("sku",)),
                                       ("product_name", ("name",))), required)


_MONEY_OK = {"minimum": 0}
_PERSON = (
    Field("first_name", max_length=120), Field("last_name", max_length=120), Field("email", "email"),
    Field("phone", max_length=64), Field("title", max_length=200), Field("seniority", "enum", enum=Seniority),
    Field("timezone", max_length=64), Field("consent_email", "bool"), Field("do_not_contact", "bool"),
    Field("created_at", "datetime"),
)


def seniority_from_title(title: str) -> Seniority:
    """A best guess of seniority from a job title (used when the file gives none)."""
    words = f" {title.lower()} "
    rules = ((Seniority.C_LEVEL, (" chief ", " ceo", " cfo", " cto", " coo", " cmo", " cro", " founder",
                                  " president", " owner ")),
             (Seniority.VP, (" vp", "vice president", " svp", " evp")),
             (Seniority.DIRECTOR, ("director", " head of ")),
             (Seniority.MANAGER, ("manager", " lead ", " supervisor")))
    for level, needles in rules:
        if any(n in words for n in needles):
            return level
    return Seniority.INDIVIDUAL


def _finish_person(rec: dict[str, Any]) -> list[tuple[str | None, str]]:
    if not rec.get("external_id") and not rec.get("email"):
        return [("email", "a person needs an external id or an email, so that a re-import finds it again")]
    if rec.get("title") and "seniority" not in rec:
        rec["seniority"] = seniority_from_title(rec["title"])
    return []


def _finish_lead(rec: dict[str, Any]) -> list[tuple[str | None, str]]:
    converted = rec.pop("converted", None)
    if converted and "status" not in rec:
        rec["status"] = LeadStatus.CONVERTED
    return _finish_person(rec)


def _finish_opportunity(rec: dict[str, Any]) -> list[tuple[str | None, str]]:
    won, closed = rec.pop("won", None), rec.pop("closed", None)
    if "outcome" not in rec:
        stage_key = "".join(ch for ch in str(rec.get("stage", "")).lower() if ch.isalnum())
        if won or stage_key in ("closedwon", "won"):
            rec["outcome"] = Outcome.WON
        elif (closed and won is not None) or stage_key in ("closedlost", "lost"):
            rec["outcome"] = Outcome.LOST
        elif closed is not None or stage_key:
            rec["outcome"] = Outcome.OPEN
    if rec.get("outcome") in (Outcome.WON, Outcome.LOST) and "closed_at" not in rec:
        from salesmind.core.timeutil import start_of_day

        if rec.get("expected_close_date"):
            rec["closed_at"] = start_of_day(rec["expected_close_date"])
    return []


#: the domain of the stand-in address of a user imported without an email (reserved by RFC 2606)
NO_EMAIL_DOMAIN = "imported.invalid"


def placeholder_email(key: str) -> str:
    """A stand-in address for a user known only by an id or name: it can never receive mail or log in."""
    import hashlib
    import re

    slug = re.sub(r"[^a-z0-9]+", ".", key.lower()).strip(".")
    return f"{slug or hashlib.sha1(key.encode()).hexdigest()[:12]}@{NO_EMAIL_DOMAIN}"


def _finish_user(rec: dict[str, Any]) -> list[tuple[str | None, str]]:
    if not rec.get("email"):
        if not rec.get("external_id"):
            return [("email", "a user needs an email or an external id, so that a re-import finds it again")]
        rec["email"] = placeholder_email(str(rec["external_id"]))
    rec.setdefault("name", rec.get("email", ""))
    return []


def _user_linker(session: Any) -> Callable[[dict[str, Any]], dict[str, Any]]:
    from salesmind.ingest.people import UserLinker

    return UserLinker(session)


_SPECS: tuple[EntitySpec, ...] = (
    EntitySpec("users", User, (
        _ext(), Field("email", "email", doc=f"without one, a stand-in @{NO_EMAIL_DOMAIN} address is made from "
                                            "the external id"),
        Field("name", max_length=200),
        Field("role", "enum", enum=Role), Field("timezone", max_length=64), Field("is_active", "bool"),
        Field("team", stored=False, max_length=120, doc="the team's name; created when missing"),
        Field("manager_external_id", stored=False, max_length=128,
              doc="the user's manager: their team is the user's team (named after them unless `team` says); "
                  "a manager named but not imported is created"),
        Field("manager_email", "email", stored=False, doc="the manager, by email"),
        Field("manager_name", stored=False, max_length=200, doc="the manager, by name (must be unambiguous)"),
        Field("territory", stored=False, max_length=120,
              doc="a region or territory (regional office); created when missing"),
    ), keys=(("external_id",), ("email",)), finish=_finish_user, linker=_user_linker,
        doc="reps, managers and admins (no passwords)"),
    EntitySpec("accounts", Account, (
        _ext(), Field("name", required=True, max_length=255), Field("domain", "domain"),
        Field("industry", max_length=120), Field("employees", "int", minimum=0),
        Field("annual_revenue", "money", **_MONEY_OK), Field("currency", "currency"),
        Field("region", max_length=64), Field("country", max_length=64), Field("is_customer", "bool"),
        Field("description"), Field("created_at", "datetime"),
    ), refs=(_owner(),), dedupe="account", doc="companies; matched by id, then domain, then fuzzy name"),
    EntitySpec("contacts", Contact, (
        _ext(), *_PERSON, Field("department", max_length=120), Field("consent_source", max_length=120),
        Field("consent_at", "datetime"),
    ), refs=(_account(), _owner()), dedupe="person", finish=_finish_person,
        doc="people at accounts; matched by id, then email"),
    EntitySpec("leads", Lead, (
        _ext(), *_PERSON, Field("company", max_length=255), Field("industry", max_length=120),
        Field("employees", "int", minimum=0), Field("country", max_length=64), Field("region", max_length=64),
        Field("source", max_length=120), Field("status", "enum", enum=LeadStatus),
        Field("converted_at", "datetime"), Field("first_response_at", "datetime"),
        Field("form_answers", "json"), Field("converted", "bool", stored=False),
    ), refs=(_owner(), _account()), dedupe="person", finish=_finish_lead,
        doc="leads; matched by id, then email"),
    EntitySpec("opportunities", Opportunity, (
        _ext(), Field("name", required=True, max_length=255), Field("amount", "money", **_MONEY_OK),
        Field("currency", "currency"), Field("stage", required=True, max_length=64),
        Field("expected_close_date", "date"), Field("closed_at", "datetime"),
        Field("outcome", "enum", enum=Outcome), Field("loss_reason", max_length=200),
        Field("competitor", max_length=120), Field("discount_pct", "percent", minimum=0, maximum=100),
        Field("lead_source", max_length=120), Field("created_at", "datetime"),
        Field("won", "bool", stored=False), Field("closed", "bool", stored=False),
    ), refs=(_account(), _owner(), _contact("primary_contact_id"), _product()),
        finish=_finish_opportunity, doc="deals; a change of stage, amount or close date adds a history row"),
    EntitySpec("opportunity_history", OpportunityHistory, (
        Field("changed_at", "datetime", required=True), Field("stage", required=True, max_length=64),
        Field("amount", "money", **_MONEY_OK), Field("expected_close_date", "date"),
    ), refs=(_opportunity(required=True), _owner("changed_by_id")), keys=(("opportunity_id", "changed_at"),),
        doc="past stage, amount and close-date changes of deals"),
    EntitySpec("activities", Activity, (
        _ext(), Field("type", "enum", required=True, enum=ActivityType),
        Field("occurred_at", "datetime", required=True), Field("subject", max_length=500),
        Field("url", max_length=1000), Field("duration_seconds", "float", minimum=0), Field("details", "json"),
    ), refs=(_lead(), _contact(), _opportunity(), _account(), _owner("user_id"),
             Ref("content_asset_id", ContentAsset, (("content_external_id", ("external_id",)),
                                                    ("content_url", ("url",))))),
        keys=(("external_id",), ("type", "occurred_at", "lead_id", "contact_id", "opportunity_id", "account_id")),
        doc="emails sent/opened/clicked, calls, meetings, web visits, form submits, downloads, webinars"),
    EntitySpec("products", Product, (
        _ext(), Field("sku", required=True, max_length=64), Field("name", required=True, max_length=255),
        Field("family", max_length=120), Field("list_price", "money", **_MONEY_OK),
        Field("currency", "currency"), Field("is_subscription", "bool"),
    ), keys=(("external_id",), ("sku",)), doc="what the company sells"),
    EntitySpec("orders", Order, (
        Field("external_id", required=True, max_length=128), Field("ordered_at", "datetime", required=True),
        Field("total", "money", **_MONEY_OK), Field("currency", "currency"),
    ), refs=(_account(), _contact(), _opportunity()), doc="purchases by accounts"),
    EntitySpec("order_lines", OrderLine, (
        Field("quantity", "int", minimum=1), Field("unit_price", "money", **_MONEY_OK),
        Field("discount_pct", "percent", minimum=0, maximum=100),
    ), refs=(Ref("order_id", Order, (("order_external_id", ("external_id",)),), required=True),
             _product(required=True)), keys=(("order_id", "product_id"),), doc="products on orders"),
    EntitySpec("subscriptions", Subscription, (
        Field("external_id", required=True, max_length=128), Field("mrr", "money", **_MONEY_OK),
        Field("currency", "currency"), Field("seats", "int", minimum=0),
        Field("started_at", "datetime", required=True), Field("ended_at", "datetime"),
        Field("status", max_length=32), Field("churn_reason", max_length=200),
    ), refs=(_account(required=True), _product()), doc="recurring contracts"),
    EntitySpec("subscription_usage", SubscriptionUsage, (
        Field("period_start", "date", required=True), Field("active_users", "int", minimum=0),
        Field("seats", "int", minimum=0), Field("usage_units", "float", minimum=0),
    ), refs=(Ref("subscription_id", Subscription, (("subscription_external_id", ("external_id",)),),
                 required=True),), keys=(("subscription_id", "period_start"),), doc="usage per period"),
    EntitySpec("support_tickets", SupportTicket, (
        Field("external_id", required=True, max_length=128), Field("opened_at", "datetime", required=True),
        Field("closed_at", "datetime"), Field("priority", max_length=32), Field("category", max_length=64),
        Field("status", max_length=32), Field("subject", max_length=500), Field("body_text"),
    ), refs=(_account(), _contact()), doc="customer support requests"),
    EntitySpec("nps_responses", NpsResponse, (
        _ext(), Field("responded_at", "datetime", required=True),
        Field("score", "int", required=True, minimum=0, maximum=10), Field("comment"),
    ), refs=(_account(), _contact()), keys=(("external_id",), ("responded_at", "contact_id", "account_id")),
        doc="Net Promoter Score answers (0-10)"),
    EntitySpec("content_assets", ContentAsset, (
        _ext(), Field("title", required=True, max_length=255), Field("kind", required=True, max_length=64),
        Field("url", max_length=500), Field("topic", max_length=120), Field("industry", max_length=120),
        Field("stage", max_length=64),
    ), keys=(("external_id",), ("url",)), doc="case studies, whitepapers, webinars"),
    EntitySpec("email_messages", EmailMessage, (
        Field("external_id", required=True, max_length=128, doc="the Message-ID"),
        Field("direction", "enum", required=True, enum=Direction), Field("from_address", "email"),
        Field("to_address", "email"), Field("subject", max_length=500), Field("body_text"),
        Field("sent_at", "datetime", required=True), Field("in_reply_to", max_length=255),
    ), refs=(_owner("user_id"), _lead(), _contact()),
        doc="emails with bodies; a reply joins the thread of the message it answers"),
)

SPECS: dict[str, EntitySpec] = {s.name: s for s in _SPECS}
ALIASES = {"deals": "opportunities", "companies": "accounts", "tickets": "support_tickets",
           "nps": "nps_responses", "emails": "email_messages", "reps": "users", "content": "content_assets",
           "usage": "subscription_usage", "history": "opportunity_history", "events": "activities"}


def get_spec(entity: str) -> EntitySpec:
    """The spec of ``entity`` (plural, singular or alias), or a clear error."""
    key = entity.strip().lower().replace("-", "_").replace(" ", "_")
    key = ALIASES.get(key, key)
    if key not in SPECS and f"{key}s" in SPECS:
        key = f"{key}s"
    if key not in SPECS and key.endswith("y") and f"{key[:-1]}ies" in SPECS:
        key = f"{key[:-1]}ies"
    if key not in SPECS:
        raise UserInputError(f"unknown entity {entity!r}; use one of: {', '.join(SPECS)}")
    return SPECS[key]
