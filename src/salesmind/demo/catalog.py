"""Fixed vocabularies of the demo company: names, places, titles, products, pages, content."""

from __future__ import annotations

FIRST_NAMES = (
    "Ava", "Liam", "Noah", "Emma", "Olivia", "Mateo", "Sofia", "Lucas", "Mia", "Ethan", "Amara", "Kenji",
    "Priya", "Arjun", "Chen", "Wei", "Fatima", "Omar", "Lena", "Jonas", "Elena", "Marco", "Ines", "Tomas",
    "Hana", "Yuki", "Grace", "Daniel", "Chloe", "Leo", "Nora", "Samuel", "Aisha", "Diego", "Camila", "Ivan",
    "Sara", "David", "Julia", "Felix", "Zara", "Ravi", "Mei", "Oscar", "Laura", "Pablo", "Anna", "Kofi",
)
LAST_NAMES = (
    "Smith", "Garcia", "Muller", "Rossi", "Kim", "Tanaka", "Patel", "Nguyen", "Silva", "Johnson", "Brown",
    "Lopez", "Martin", "Dubois", "Schmidt", "Novak", "Kowalski", "Andersen", "Okafor", "Mensah", "Haddad",
    "Cohen", "Singh", "Sato", "Wang", "Li", "Costa", "Fischer", "Jansen", "Moreau", "Ivanova", "Reyes",
)
REP_NAMES = (
    "Alice Carter", "Ben Ortiz", "Chloe Nakamura", "Dev Sharma", "Erin Walsh", "Femi Adeyemi",
    "Gina Russo", "Hugo Lindqvist", "Isla Morgan", "Jae Park", "Kara Jensen", "Luis Herrera",
    "Maya Cohen", "Nils Berg",
)
MANAGER_NAMES = ("Quinn Harper", "Rosa Alvarez", "Sam Whitfield")

COMPANY_HEADS = (
    "North", "Blue", "Bright", "Iron", "Silver", "Summit", "Harbor", "Pioneer", "Vertex", "Cedar", "Atlas",
    "Nimbus", "Lumen", "Quartz", "Orbit", "Crescent", "Falcon", "Granite", "Maple", "Beacon", "Nova", "Delta",
    "Kestrel", "Aurora", "Sterling", "Meridian", "Willow", "Cobalt", "Evergreen", "Redwood",
)
COMPANY_TAILS = (
    "wind", "stone", "field", "bridge", "works", "path", "line", "point", "gate", "leaf", "peak", "wave",
)
COMPANY_KINDS = {
    "Software": ("Labs", "Software", "Cloud", "Systems"),
    "Financial Services": ("Capital", "Financial", "Bank", "Partners"),
    "Healthcare": ("Health", "Medical", "Care", "Clinics"),
    "Media": ("Media", "Studios", "Publishing"),
    "Logistics": ("Logistics", "Freight", "Shipping"),
    "Manufacturing": ("Industries", "Manufacturing", "Components"),
    "Retail": ("Retail", "Stores", "Brands"),
    "Education": ("Academy", "Learning", "University"),
    "Government": ("Agency", "Council", "Authority"),
    "Nonprofit": ("Foundation", "Trust", "Alliance"),
}
INDUSTRIES = tuple(COMPANY_KINDS)
INDUSTRY_SHARE = (0.16, 0.11, 0.11, 0.07, 0.08, 0.13, 0.11, 0.08, 0.07, 0.08)

#: employee-count bands (lower bounds) and their names, used by the lead model's size fit
SIZE_BANDS = ((1, "1-49"), (50, "50-199"), (200, "200-999"), (1000, "1000-4999"), (5000, "5000+"))

REGIONS = ("NA", "EMEA", "APAC", "LATAM")
REGION_SHARE = (0.45, 0.30, 0.15, 0.10)
COUNTRIES = {
    "NA": (("United States", "America/New_York"), ("United States", "America/Chicago"),
           ("United States", "America/Los_Angeles"), ("Canada", "America/Toronto")),
    "EMEA": (("United Kingdom", "Europe/London"), ("Germany", "Europe/Berlin"), ("France", "Europe/Paris"),
             ("Netherlands", "Europe/Amsterdam"), ("South Africa", "Africa/Johannesburg")),
    "APAC": (("Australia", "Australia/Sydney"), ("Japan", "Asia/Tokyo"), ("Singapore", "Asia/Singapore"),
             ("India", "Asia/Kolkata")),
    "LATAM": (("Brazil", "America/Sao_Paulo"), ("Mexico", "America/Mexico_City"),
              ("Argentina", "America/Argentina/Buenos_Aires"), ("Chile", "America/Santiago")),
}
REGION_ZONE = {"NA": "America/New_York", "EMEA": "Europe/London", "APAC": "Asia/Singapore",
               "LATAM": "America/Sao_Paulo"}

SENIORITIES = ("c_level", "vp", "director", "manager", "individual", "unknown")
SENIORITY_SHARE = (0.05, 0.09, 0.16, 0.27, 0.35, 0.08)
TITLES = {
    "c_level": ("Chief Revenue Officer", "CEO", "Chief Operating Officer", "CFO"),
    "vp": ("VP of Sales", "VP Revenue Operations", "VP Marketing", "VP Customer Success"),
    "director": ("Director of Sales", "Director, Sales Operations", "Director of Marketing"),
    "manager": ("Sales Manager", "RevOps Manager", "Marketing Manager", "Account Manager"),
    "individual": ("Account Executive", "SDR", "Sales Analyst", "Marketing Specialist", "BDR"),
    "unknown": ("", "Consultant", "Student"),
}
DEPARTMENTS = ("Sales", "Revenue Operations", "Marketing", "Customer Success", "Finance")

SOURCES = ("referral", "demo_request", "webinar", "organic_search", "paid_social", "purchased_list")
SOURCE_SHARE = (0.06, 0.12, 0.14, 0.25, 0.25, 0.18)
INBOUND_SOURCES = frozenset(SOURCES[:5])
TIMELINES = ("this quarter", "this year", "just researching")
USE_CASES = ("forecasting", "lead scoring", "call coaching", "pipeline visibility", "churn prevention")
HEARD_FROM = ("colleague", "search", "LinkedIn", "podcast", "event", "review site")

#: website pages; /pricing and /demo are the pages the lead model counts
PAGES = ("/", "/product", "/features/forecasting", "/features/scoring", "/features/coaching",
         "/integrations", "/customers", "/blog/pipeline-hygiene", "/blog/forecast-accuracy",
         "/blog/discovery-questions", "/docs/getting-started", "/about", "/careers")
SITE = "https://www.salesmind-demo.example"

COMPETITORS = ("Veloxa", "PipeIQ", "Quotient", "DealForge")
COMPETITOR_SHARE = (0.3, 0.3, 0.2, 0.2)
LOSS_REASONS = ("Lost to competitor", "Price", "No decision / status quo", "No budget", "Timing",
                "Missing feature", "Champion left")
DEAL_ROLES = ("economic buyer", "technical evaluator", "end user", "procurement")

#: (sku, name, family, list price, is subscription); plans are sold per seat per month
PLANS = {
    "smb": ("PLAN-STARTER", "Salesmind Starter", "plan", 40, True),
    "mid_market": ("PLAN-GROWTH", "Salesmind Growth", "plan", 75, True),
    "enterprise": ("PLAN-ENTERPRISE", "Salesmind Enterprise", "plan", 120, True),
}
ADD_ONS = (
    ("ADD-FORECAST", "Forecasting add-on", "add-on", 4000, False),
    ("ADD-COACH", "Conversation coaching add-on", "add-on", 5000, False),
    ("ADD-DATA", "Data enrichment credits", "credits", 1500, False),
    ("SVC-ONBOARD", "Onboarding package", "services", 3000, False),
    ("SVC-TRAINING", "Training workshop", "services", 2500, False),
    ("ADD-API", "API capacity pack", "add-on", 2000, False),
)
#: how likely each add-on is to follow another in a customer's next order (row: last bought)
ADD_ON_AFFINITY = (
    (0.10, 0.35, 0.15, 0.05, 0.20, 0.15),
    (0.30, 0.10, 0.10, 0.05, 0.35, 0.10),
    (0.10, 0.10, 0.50, 0.05, 0.05, 0.20),
    (0.25, 0.25, 0.10, 0.02, 0.30, 0.08),
    (0.30, 0.30, 0.10, 0.05, 0.15, 0.10),
    (0.15, 0.10, 0.45, 0.05, 0.05, 0.20),
)

CONTENT = (
    ("Forecasting accuracy benchmark 2024", "whitepaper", "forecasting"),
    ("The pipeline hygiene playbook", "ebook", "pipeline"),
    ("Discovery calls that win", "ebook", "coaching"),
    ("Lead scoring without a data team", "whitepaper", "scoring"),
    ("Quarterly forecasting masterclass", "webinar", "forecasting"),
    ("Coaching reps with call data", "webinar", "coaching"),
    ("Churn early warnings live demo", "webinar", "churn"),
    ("ROI calculator", "tool", "pricing"),
    ("Security and compliance overview", "datasheet", "security"),
)
CASE_STUDY_TITLE = "How {company} cut forecast error in half"

TICKET_CATEGORIES = ("bug", "how-to", "billing", "integration", "outage", "feature request")
TICKET_SUBJECTS = {
    "bug": "Scores not refreshing on the lead page",
    "how-to": "How do I set up a new pipeline stage?",
    "billing": "Question about our invoice",
    "integration": "CRM sync failing since yesterday",
    "outage": "Dashboard not loading",
    "feature request": "Can we export the forecast to Excel?",
}
NPS_COMMENTS = {
    "detractor": ("Too many sync problems lately.", "Hard to get the team to use it.",
                  "Support is slow to answer.", "Not sure we get the value for the price."),
    "passive": ("Does the job.", "Good, but reporting could be better.", "Fine for now."),
    "promoter": ("The forecast is finally trusted in our exec meeting.", "Reps love the call coaching.",
                 "Great support and a great product."),
}
