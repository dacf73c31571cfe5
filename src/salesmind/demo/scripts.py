"""Small banks of sentences the simulated calls and emails are assembled from."""

from __future__ import annotations

REP_QUESTIONS = (
    "How do you forecast the quarter today?", "What happens when a deal slips in your current process?",
    "Who else is involved in deciding on a tool like this?", "What would success look like in six months?",
    "How many reps are on the team right now?", "Which CRM are you using and how clean is the data?",
    "What made you look at this now?", "How do you decide which leads your reps call first?",
    "What is the cost of a missed forecast for you?", "How are you coaching new reps today?",
    "Can you walk me through your last quarter close?", "What would stop this project from going ahead?",
    "Is there a budget set aside for this?", "When would you want the team up and running?",
)
REP_STATEMENTS = (
    "Our scoring ranks every lead with the reasons behind the score.",
    "Most teams see the forecast settle within two weeks of switching it on.",
    "The platform runs on your own servers, so the data never leaves your network.",
    "We connect to the CRM you already have and import the history in one step.",
    "Managers get a weekly view of which deals are at risk and why.",
    "Call coaching compares each rep with the top performers on the team.",
    "Let me show you how a deal page looks with the health score on it.",
    "We built it for teams that want to act on evidence rather than anecdote.",
    "The setup is usually done in an afternoon with one of our engineers.",
    "I can share a case study from a company of about your size.",
)
REP_PRICING = (
    "On pricing, the Growth plan is seventy-five dollars per seat per month.",
    "For a team your size the annual price comes to roughly what I put in the quote.",
    "If you sign this quarter I can offer a discount on the first year.",
    "The price includes onboarding and support, there is no extra cost.",
)
REP_NEXT_STEPS = (
    "Next step: I will send the proposal by Friday and we meet again on Tuesday.",
    "Let's book the technical demo with your RevOps lead for next week, I will send the invite today.",
    "I will send over the security documents and we regroup on Thursday.",
    "Next steps are the pilot plan from my side and the list of users from yours by Monday.",
)
REP_WRAP_UP = ("Thanks for your time today.", "Great talking to you, take care.", "Okay, talk soon.")
FILLERS = ("Um, ", "So, you know, ", "Like, ", "Basically, ", "I mean, ")

PROSPECT_POSITIVE = (
    "That sounds really useful for us.", "I like that the reasons are shown next to the score.",
    "Our managers would love that view.", "This could save us a lot of time every week.",
    "That is exactly the problem we have.", "Great, that makes sense.",
)
PROSPECT_NEUTRAL = (
    "We use a spreadsheet for the forecast today.", "We have about forty reps in two teams.",
    "Our data in the CRM is okay but not great.", "I will need to check with my team.",
    "We review the pipeline every Monday.", "Most of our leads come from the website.",
    "Right now every manager does it their own way.", "Let me think about that for a second.",
)
PROSPECT_NEGATIVE = (
    "Honestly I am not sure this is a priority right now.", "That sounds complicated to roll out.",
    "We tried something similar and the team did not use it.", "I am worried about the effort for my team.",
)
OBJECTIONS = {
    "price": ("That is more than we have budgeted for this year.", "The price is a problem for us.",
              "Your cost per seat is higher than we expected."),
    "timing": ("The timing is not great, we are in the middle of a reorganisation.",
               "We cannot start anything new before next quarter."),
    "feature": ("We really need an integration with our billing system.",
                "Without a mobile app this will be hard for the field team."),
    "security": ("Our security team will want a full review first.",),
    "competitor": ("{competitor} offered us a lower price.", "{competitor} already has that feature."),
}
PROSPECT_COMPETITOR = (
    "We are also looking at {competitor}.", "We had a demo from {competitor} last week.",
    "How are you different from {competitor}?",
)
PROSPECT_PRICING = ("What would the price be for our team?", "Is there a discount for a two-year contract?",
                    "We would need the cost to fit in this year's budget.")
PROSPECT_AGREE_NEXT = ("Sounds good, send me the invite.", "Yes, let's do that.",
                       "Okay, I will loop in our RevOps lead.")

REPLIES = {
    "interested": ("Thanks for reaching out, this is timely. Could we meet next week? Tuesday afternoon works.",
                   "Yes, happy to talk. Send me a calendar link."),
    "needs_information": ("Can you send me more information on pricing and the integrations?",
                          "Before we meet, could you share a case study and the security overview?"),
    "has_solution": ("Thanks, but we already use another tool for this and are happy with it.",),
    "bad_timing": ("Not now, please reach out again next quarter.", "We are busy with a reorganisation, maybe later this year."),
    "price": ("We looked at the pricing and it is above our budget.",),
    "not_right_person": ("I am not the right person for this, sorry.",),
    "referral": ("I am not the right person, please contact {name} ({email}), who runs our sales operations.",),
    "out_of_office": ("I am out of the office until {date} with limited access to email. I will reply when I am back.",),
    "unsubscribe": ("Please remove me from your mailing list.", "Unsubscribe."),
    "other": ("Who gave you my address?", "Received, thanks."),
}
LEAD_INTENTS_CONVERTING = (("interested", 0.6), ("needs_information", 0.4))
LEAD_INTENTS_OTHER = (("bad_timing", 0.28), ("has_solution", 0.2), ("not_right_person", 0.12), ("referral", 0.1),
                      ("out_of_office", 0.15), ("price", 0.07), ("unsubscribe", 0.04), ("other", 0.04))
OUTREACH_BODY = ("Hi {first},\n\nI noticed your team has been looking at ways to forecast more accurately. "
                 "Teams like yours use salesmind to rank leads and catch slipping deals early. "
                 "Would a 20-minute call next week be useful?\n\nBest,\n{rep}")
RECAP_BODY = "Hi {first},\n\nThanks for the {kind} today. {topics}\n\nBest,\n{rep}"
RECAP_TOPICS = {
    "pricing": "As promised, the pricing is attached, including the discount we discussed.",
    "competitor": "I also added a comparison with {competitor}.",
    "next_step": "Next step: {next}",
    "no_next_step": "Let me know how you would like to continue.",
}
TICKET_BODY = "Hello, {subject} Could you help? Thanks, {first}"
