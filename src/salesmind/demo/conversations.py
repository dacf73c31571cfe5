"""Call transcripts and email threads whose content follows the deal and the rep's habits.

Calls: the rep's share of talk time is drawn around ``RepModel.talk_ratio + talk_ratio_skill * skill``,
the number of questions around ``questions + questions_skill * skill`` (per discovery call), and the
text follows the deal: competitor mentions when there is one, pricing talk in late stages (less often
in deals that will be lost), objections matching the eventual loss reason, and an agreed next step
on most calls of deals that will be won.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import numpy as np

from salesmind.demo import scripts
from salesmind.demo.context import Context
from salesmind.demo.deals import Contacts, Deals
from salesmind.demo.events import EventLog
from salesmind.demo.journeys import Leads

CALL_STAGES = {0: "Intro call", 2: "Discovery call", 3: "Demo and pricing call", 4: "Negotiation call"}
QUESTION_SCALE = {0: 0.6, 2: 1.0, 3: 0.6, 4: 0.4}
OBJECTION_OF_REASON = {"Price": "price", "Timing": "timing", "No budget": "price", "Missing feature": "feature",
                       "Lost to competitor": "competitor", "No decision / status quo": "timing",
                       "Champion left": "timing"}
WORDS_PER_SECOND = 2.5


class Transcripts:
    """Rows of calls, participants, utterances, threads and messages gathered for one chunk."""

    def __init__(self) -> None:
        self.tables: dict[str, list[dict[str, Any]]] = defaultdict(list)

    def write(self, ctx: Context) -> None:
        """Insert everything gathered, parents first."""
        for name in ("email_threads", "email_messages", "calls", "call_participants", "utterances"):
            ctx.insert(name, self.tables.pop(name, []))


def _pick(rng: np.random.Generator, bank: tuple[str, ...]) -> str:
    return bank[int(rng.integers(len(bank)))]


def _weighted(rng: np.random.Generator, options: tuple[tuple[str, float], ...]) -> str:
    names = [o[0] for o in options]
    weights = np.array([o[1] for o in options])
    return names[int(rng.choice(len(names), p=weights / weights.sum()))]


def lead_threads(ctx: Context, rng: np.random.Generator, leads: Leads, replies: dict[str, np.ndarray],
                 log: EventLog, out: Transcripts) -> None:
    """One thread per lead reply: the rep's outreach and the lead's answer, labelled with its intent."""
    for pos, sent, replied, step in zip(replies["lead"], replies["sent"], replies["replied"], replies["step"]):
        if replied >= ctx.end:
            continue
        converting = bool(leads.converts[pos])
        intent = _weighted(rng, scripts.LEAD_INTENTS_CONVERTING if converting else scripts.LEAD_INTENTS_OTHER)
        rep = int(leads.owner[pos])
        first = leads.person.first[pos]
        lead_email = leads.person.email[pos]
        details: dict[str, Any] = {"intent": intent, "step": int(step) + 1}
        body = _pick(rng, scripts.REPLIES[intent])
        if intent == "referral":
            name = f"{_pick(rng, ('Maria', 'Tom', 'Aiko', 'Raj'))} {leads.person.last[pos]}"
            email = f"{name.split()[0].lower()}@{lead_email.split('@')[1]}"
            body = body.format(name=name, email=email)
            details["referred_email"] = email
        elif intent == "out_of_office":
            back = ctx.clock.time(replied + float(rng.integers(3, 15))).date()
            body = body.format(date=back.strftime("%B %d"))
            details["return_date"] = back.isoformat()
        elif intent == "unsubscribe":
            leads.unsubscribed_at[pos] = min(np.nan_to_num(leads.unsubscribed_at[pos], nan=np.inf), replied)
        subject = "Forecasting at " + (leads.person.email[pos].split("@")[1].split(".")[0].title())
        thread_id = ctx.ids.next("email_threads")
        out.tables["email_threads"].append({
            "id": thread_id, "subject": subject, "lead_id": int(leads.ids[pos]), "contact_id": None,
            "opportunity_id": None, "account_id": None, "created_at": ctx.clock.time(sent),
            "updated_at": ctx.clock.time(replied)})
        outbound = _message(ctx, out, thread_id, "outbound", ctx.team.emails[rep], lead_email, subject,
                            scripts.OUTREACH_BODY.format(first=first, rep=ctx.team.names[rep]), sent,
                            int(ctx.team.ids[rep]), lead_id=int(leads.ids[pos]))
        inbound = _message(ctx, out, thread_id, "inbound", lead_email, ctx.team.emails[rep], "Re: " + subject,
                           body, replied, None, lead_id=int(leads.ids[pos]), reply_to=outbound)
        log.add("email_replied", np.array([replied]), lead_id=int(leads.ids[pos]), subject="Re: " + subject,
                email_message_id=inbound, details=details)


def _message(ctx: Context, out: Transcripts, thread_id: int, direction: str, sender: str, to: str,
             subject: str, body: str, day: float, user_id: int | None, lead_id: int | None = None,
             contact_id: int | None = None, reply_to: int | None = None) -> int:
    msg_id = ctx.ids.next("email_messages")
    out.tables["email_messages"].append({
        "id": msg_id, "external_id": f"<demo-{msg_id}@{sender.split('@')[1]}>", "thread_id": thread_id,
        "direction": direction, "from_address": sender, "to_address": to, "subject": subject,
        "body_text": body, "sent_at": ctx.clock.time(day), "user_id": user_id, "lead_id": lead_id,
        "contact_id": contact_id,
        "in_reply_to": None if reply_to is None else f"<demo-{reply_to}@{to.split('@')[1]}>"})
    return msg_id


def deal_calls(ctx: Context, rng: np.random.Generator, deals: Deals, contacts: Contacts, log: EventLog,
               out: Transcripts) -> None:
    """Recorded calls (with a recap email thread) for a sample of deals, at the stages they reached."""
    contact_pos = {int(c): k for k, c in enumerate(contacts.ids)}
    sampled = rng.random(len(deals.ids)) < ctx.size.call_share
    for i in np.flatnonzero(sampled):
        close = deals.closed[i] if not np.isnan(deals.closed[i]) else np.inf
        entries = deals.stage_entries[i]
        plan = [(s, entries[s] + rng.uniform(0.1, 2.0)) for s in CALL_STAGES if s < len(entries)]
        plan = [(s, t) for s, t in plan if t < min(close, ctx.end)]
        thread_id = None
        for n, (stage, start) in enumerate(plan):
            last = n == len(plan) - 1
            call_id, topics = _call(ctx, rng, deals, contacts, contact_pos, i, stage, start, last, out)
            log.add("call", np.array([start]), opportunity_id=int(deals.ids[i]), account_id=int(deals.account_id[i]),
                    contact_id=int(deals.primary[i]), user_id=int(ctx.team.ids[deals.owner[i]]),
                    subject=CALL_STAGES[stage], call_id=call_id,
                    duration_seconds=topics["duration"])
            thread_id = _recap(ctx, rng, deals, contacts, contact_pos, i, stage, start, topics, thread_id, log, out)


def _call(ctx: Context, rng: np.random.Generator, deals: Deals, contacts: Contacts, contact_pos: dict[int, int],
          i: int, stage: int, start: float, last: bool, out: Transcripts) -> tuple[int, dict[str, Any]]:
    model = ctx.causal.reps
    rep = int(deals.owner[i])
    skill = float(ctx.team.skill[rep])
    won = deals.outcome[i] == "won"
    lost = deals.outcome[i] == "lost"
    ratio = float(np.clip(model.talk_ratio + model.talk_ratio_skill * skill + rng.normal(0, model.talk_ratio_sd),
                          0.25, 0.85))
    pairs = int(rng.integers(14, 26))
    prospect_mean = 18.0
    rep_mean = prospect_mean * ratio / (1.0 - ratio)
    rep_secs = rep_mean * np.exp(rng.normal(-0.18, 0.6, pairs))
    pro_secs = prospect_mean * np.exp(rng.normal(-0.18, 0.6, pairs))
    n_questions = min(pairs - 2, int(rng.poisson(max(model.questions + model.questions_skill * skill, 1.0)
                                                 * QUESTION_SCALE[stage])))
    questions: set[int] = set()
    if n_questions > 0:
        questions = set(rng.choice(np.arange(1, pairs - 1), n_questions, replace=False).tolist())
    competitor = deals.competitor[i]
    pricing = stage >= 3 and rng.random() < (0.5 if lost else 0.9)
    next_step = rng.random() < (0.9 if not (lost and last) else 0.35)
    objection = OBJECTION_OF_REASON.get(deals.loss_reason[i] or "", "timing") if lost else None
    negative_share = (0.1 + 0.15 * stage) if lost else 0.05
    filler = max(model.filler_rate + model.filler_rate_skill * skill, 0.0)
    pause = max(model.pause_seconds + model.pause_skill * skill, 0.2)

    contact_id = int(deals.primary[i])
    k = contact_pos[contact_id]
    call_id = ctx.ids.next("calls")
    rep_label, pro_label = ctx.team.names[rep], f"{contacts.first[k]} {contacts.last[k]}"
    rep_part, pro_part = ctx.ids.next("call_participants"), ctx.ids.next("call_participants")
    out.tables["call_participants"].extend([
        {"id": rep_part, "call_id": call_id, "speaker_label": rep_label, "role": "rep",
         "user_id": int(ctx.team.ids[rep]), "contact_id": None, "lead_id": None, "name": rep_label},
        {"id": pro_part, "call_id": call_id, "speaker_label": pro_label, "role": "prospect", "user_id": None,
         "contact_id": contact_id, "lead_id": None, "name": pro_label}])
    t = 0.0
    said_competitor = said_pricing = False
    for p in range(pairs):
        rep_lines = []
        if p in questions:
            rep_lines.append(_pick(rng, scripts.REP_QUESTIONS))
        if pricing and p == pairs // 2:
            rep_lines.append(_pick(rng, scripts.REP_PRICING))
        if p == pairs - 1:
            rep_lines.append(_pick(rng, scripts.REP_NEXT_STEPS) if next_step else _pick(rng, scripts.REP_WRAP_UP))
        text = _fill(rng, rep_lines, scripts.REP_STATEMENTS, rep_secs[p], filler)
        t = _utter(ctx, out, call_id, rep_part, rep_label, t, rep_secs[p], text) + 0.5
        pro_lines = []
        if competitor and stage >= 2 and not said_competitor and p >= 2:
            pro_lines.append(_pick(rng, scripts.PROSPECT_COMPETITOR).format(competitor=competitor))
            said_competitor = True
        if pricing and p == pairs // 2 + 1 and not said_pricing:
            pro_lines.append(_pick(rng, scripts.PROSPECT_PRICING))
            said_pricing = True
        if objection and rng.random() < 0.12 * (1 + stage / 2):
            line = _pick(rng, scripts.OBJECTIONS[objection])
            pro_lines.append(line.format(competitor=competitor or "another vendor"))
        if p == pairs - 1 and next_step:
            pro_lines.append(_pick(rng, scripts.PROSPECT_AGREE_NEXT))
        mood = rng.random()
        bank = scripts.PROSPECT_NEGATIVE if mood < negative_share else (
            scripts.PROSPECT_POSITIVE if mood < negative_share + (0.35 if won else 0.2) else scripts.PROSPECT_NEUTRAL)
        text = _fill(rng, pro_lines, bank, pro_secs[p], 0.0)
        t = _utter(ctx, out, call_id, pro_part, pro_label, t, pro_secs[p], text)
        t += pause * float(np.exp(rng.normal(0, 0.3)))
    duration = round(t, 1)
    out.tables["calls"].append({
        "id": call_id, "external_id": f"demo-call-{call_id}", "title": f"{CALL_STAGES[stage]}: {deals.names[i]}",
        "started_at": ctx.clock.time(start), "duration_seconds": duration, "user_id": int(ctx.team.ids[rep]),
        "lead_id": None, "opportunity_id": int(deals.ids[i]), "account_id": int(deals.account_id[i]),
        "source": "demo", "created_at": ctx.clock.time(start), "updated_at": ctx.clock.time(start)})
    return call_id, {"duration": duration, "pricing": pricing, "next_step": next_step,
                     "competitor": bool(competitor) and stage >= 2}


def _fill(rng: np.random.Generator, lines: list[str], bank: tuple[str, ...], seconds: float, filler: float) -> str:
    """Pad the required lines with sentences from ``bank`` until they fill ``seconds`` of speech."""
    target = max(int(seconds * WORDS_PER_SECOND), 4)
    words = sum(len(line.split()) for line in lines)
    extra = []
    while words < target:
        sentence = _pick(rng, bank)
        extra.append(sentence)
        words += len(sentence.split())
    out = []
    for sentence in extra + lines:  # the required lines (question, next step) end the turn
        if filler and rng.random() < filler:
            sentence = _pick(rng, scripts.FILLERS) + sentence[0].lower() + sentence[1:]
        out.append(sentence)
    return " ".join(out)


def _utter(ctx: Context, out: Transcripts, call_id: int, part: int, label: str, start: float, seconds: float,
           text: str) -> float:
    end = round(start + seconds, 2)
    out.tables["utterances"].append({"id": ctx.ids.next("utterances"), "call_id": call_id, "participant_id": part,
                                     "speaker_label": label, "start_seconds": round(start, 2),
                                     "end_seconds": end, "text": text})
    return end


def _recap(ctx: Context, rng: np.random.Generator, deals: Deals, contacts: Contacts, contact_pos: dict[int, int],
           i: int, stage: int, start: float, topics: dict[str, Any], thread_id: int | None, log: EventLog,
           out: Transcripts) -> int:
    """The rep's recap email after a call and, often, the prospect's reply."""
    rep = int(deals.owner[i])
    contact_id = int(deals.primary[i])
    k = contact_pos[contact_id]
    to = contacts.email[k]
    parts = []
    if topics["pricing"]:
        parts.append(scripts.RECAP_TOPICS["pricing"])
    if topics["competitor"]:
        parts.append(scripts.RECAP_TOPICS["competitor"].format(competitor=deals.competitor[i]))
    parts.append(scripts.RECAP_TOPICS["next_step"].format(next=_pick(rng, scripts.REP_NEXT_STEPS))
                 if topics["next_step"] else scripts.RECAP_TOPICS["no_next_step"])
    sent = start + topics["duration"] / 86400.0 + 0.05
    if sent >= ctx.end:
        return thread_id
    subject = f"Recap: {CALL_STAGES[stage].lower()}"
    if thread_id is None:
        thread_id = ctx.ids.next("email_threads")
        out.tables["email_threads"].append({
            "id": thread_id, "subject": subject, "lead_id": None, "contact_id": contact_id,
            "opportunity_id": int(deals.ids[i]), "account_id": int(deals.account_id[i]),
            "created_at": ctx.clock.time(sent), "updated_at": ctx.clock.time(sent)})
    body = scripts.RECAP_BODY.format(first=contacts.first[k], kind=CALL_STAGES[stage].lower(), topics=" ".join(parts),
                                     rep=ctx.team.names[rep])
    msg = _message(ctx, out, thread_id, "outbound", ctx.team.emails[rep], to, subject, body, sent,
                   int(ctx.team.ids[rep]), contact_id=contact_id)
    log.add("email_sent", np.array([sent]), opportunity_id=int(deals.ids[i]), contact_id=contact_id,
            account_id=int(deals.account_id[i]), user_id=int(ctx.team.ids[rep]), subject=subject,
            email_message_id=msg)
    replied = sent + rng.exponential(0.6)
    if rng.random() < 0.6 and replied < ctx.end:
        won = deals.outcome[i] == "won"
        intent = _pick(rng, ("interested", "needs_information") if (won or topics["next_step"])
                       else ("bad_timing", "price", "has_solution"))
        reply = _message(ctx, out, thread_id, "inbound", to, ctx.team.emails[rep], "Re: " + subject,
                         _pick(rng, scripts.REPLIES[intent]), replied, None, contact_id=contact_id, reply_to=msg)
        log.add("email_replied", np.array([replied]), opportunity_id=int(deals.ids[i]), contact_id=contact_id,
                account_id=int(deals.account_id[i]), subject="Re: " + subject, email_message_id=reply,
                details={"intent": intent})
    return thread_id
