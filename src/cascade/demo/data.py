"""The demo organisation "Acme", written as data: its people, teams and goal tree.

People are keyed by first name; emails are ``<first name>@acme.example``. A goal names its
owner, its period ("year", "quarter" for the current one, "previous" for the one before),
its key results, the goals it contributes to (with weights) and how it is going ("pace":
1.0 is on schedule, 0.35 far behind, 1.5 well ahead). The seeding turns the pace into twelve
weeks of believable check-ins.
"""

from __future__ import annotations

from dataclasses import dataclass, field

PASSWORD = "cascade-demo"
DOMAIN = "acme.example"

# name, title, manager (first name), super user?
PEOPLE: list[tuple[str, str, str | None, bool]] = [
    ("Alice Chen", "Chief Executive Officer", None, True),
    ("Victor Alvarez", "VP Sales", "Alice", False),
    ("Grace Okafor", "VP Engineering", "Alice", False),
    ("Maya Lindqvist", "VP Marketing", "Alice", False),
    ("Omar Haddad", "VP People", "Alice", True),
    ("Elena Rossi", "Head of Sales EMEA", "Victor", False),
    ("Marcus Brown", "Head of Sales Americas", "Victor", False),
    ("Priya Nair", "Head of Platform", "Grace", False),
    ("Tom Becker", "Head of Product Engineering", "Grace", False),
    ("Sofia Martins", "Head of Demand Generation", "Maya", False),
    ("Liam O'Connor", "Head of Brand and Content", "Maya", False),
    ("Nadia Kowalski", "Head of Talent", "Omar", False),
    ("Jonas Weber", "Head of People Operations", "Omar", False),
    ("Lucas Dubois", "Account Executive", "Elena", False),
    ("Hannah Schmidt", "Account Executive", "Elena", False),
    ("Giulia Romano", "Sales Development Representative", "Elena", False),
    ("Ethan Walker", "Account Executive", "Marcus", False),
    ("Olivia Martinez", "Account Executive", "Marcus", False),
    ("Noah Kim", "Sales Development Representative", "Marcus", False),
    ("Ava Johnson", "Site Reliability Engineer", "Priya", False),
    ("Mateo Garcia", "Backend Engineer", "Priya", False),
    ("Chloe Dupont", "Security Engineer", "Priya", False),
    ("Ravi Patel", "Backend Engineer", "Tom", False),
    ("Emma Larsen", "Frontend Engineer", "Tom", False),
    ("Yuki Tanaka", "Product Designer", "Tom", False),
    ("Daniel Cohen", "Frontend Engineer", "Tom", False),
    ("Isabella Costa", "Campaign Manager", "Sofia", False),
    ("Felix Novak", "Marketing Operations Specialist", "Sofia", False),
    ("Zara Ahmed", "Paid Media Specialist", "Sofia", False),
    ("Oscar Nilsson", "Content Lead", "Liam", False),
    ("Leah Fischer", "Designer", "Liam", False),
    ("Samuel Adeyemi", "Video Producer", "Liam", False),
    ("Mia Horvat", "Recruiter", "Nadia", False),
    ("Benjamin Clarke", "Recruiter", "Nadia", False),
    ("Sara Eriksson", "Recruiting Coordinator", "Nadia", False),
    ("Lucia Fernandez", "People Partner", "Jonas", False),
    ("Adam Novak", "Payroll Specialist", "Jonas", False),
    ("Ines Moreau", "Learning and Development Lead", "Jonas", False),
    ("Kofi Mensah", "Workplace Manager", "Jonas", False),
    ("Ruth Levi", "Executive Assistant", "Alice", False),
]

# team, parent team, lead (first name), members (first names; the lead is a member too)
TEAMS: list[tuple[str, str | None, str, list[str]]] = [
    ("Acme", None, "Alice", ["Victor", "Grace", "Maya", "Omar", "Ruth"]),
    ("Sales", "Acme", "Victor", ["Elena", "Marcus"]),
    ("Sales EMEA", "Sales", "Elena", ["Lucas", "Hannah", "Giulia"]),
    ("Sales Americas", "Sales", "Marcus", ["Ethan", "Olivia", "Noah"]),
    ("Engineering", "Acme", "Grace", ["Priya", "Tom"]),
    ("Platform", "Engineering", "Priya", ["Ava", "Mateo", "Chloe"]),
    ("Product Engineering", "Engineering", "Tom", ["Ravi", "Emma", "Yuki", "Daniel"]),
    ("Marketing", "Acme", "Maya", ["Sofia", "Liam"]),
    ("Demand Generation", "Marketing", "Sofia", ["Isabella", "Felix", "Zara"]),
    ("Brand and Content", "Marketing", "Liam", ["Oscar", "Leah", "Samuel"]),
    ("People", "Acme", "Omar", ["Nadia", "Jonas"]),
    ("Talent", "People", "Nadia", ["Mia", "Benjamin", "Sara"]),
    ("People Operations", "People", "Jonas", ["Lucia", "Adam", "Ines", "Kofi"]),
]


@dataclass
class KR:
    title: str
    kind: str = "metric"
    start: float = 0
    target: float = 1
    unit: str = ""
    direction: str = ""
    weight: float = 1
    adds_into: str = ""  # the title of a sum-of-children KR this one adds into
    pace: float | None = None  # overrides the goal's pace for this KR
    step: float = 1  # values are rounded to this step


@dataclass
class G:
    key: str
    title: str
    owner: str
    krs: list[KR] = field(default_factory=list)
    period: str = "quarter"
    team: str = ""
    under: dict[str, float] = field(default_factory=dict)
    pace: float = 1.0
    private: bool = False
    draft: bool = False
    closed: tuple[float, str, str] | None = None  # score, outcome, retrospective
    description: str = ""


def metric(
    title: str, start: float, target: float, unit: str = "", step: float = 1, **kw: object
) -> KR:
    return KR(title, "metric", start, target, unit, step=step, **kw)  # type: ignore[arg-type]


def done(title: str, **kw: object) -> KR:
    return KR(title, "milestone", 0, 1, **kw)  # type: ignore[arg-type]


def stay(
    title: str, line: float, direction: str, start: float, unit: str = "", step: float = 0.01
) -> KR:
    return KR(title, "threshold", start, line, unit, direction, step=step)


EUR = "€"

# fmt: off
GOALS: list[G] = [
    # ---------------------------------------------------------------- company (CEO, the year)
    G("arr", "Become the mid-market leader in logistics software", "Alice", period="year", team="Acme",
      description="Our north star for the year: win the mid-market on both sides of the Atlantic.",
      krs=[metric("Annual recurring revenue", 8_000_000, 12_000_000, EUR, step=10_000, weight=2, pace=0.95),
           metric("Net revenue retention", 100, 115, "%", step=0.5, weight=2)]),
    G("customers", "Delight our customers", "Alice", period="year", team="Acme", pace=0.9,
      krs=[metric("Net promoter score", 32, 50, step=1, weight=2),
           metric("Monthly logo churn", 2.5, 1.5, "%", step=0.1, weight=2),
           stay("Platform uptime", 99.9, "above", 99.95, "%")]),
    G("people", "Build a company people love to work at", "Alice", period="year", team="Acme",
      krs=[metric("Employee NPS", 10, 30, step=1, weight=2), done("Career framework launched")]),
    G("fundraise", "Prepare the Series C fundraise", "Alice", period="year", private=True, pace=0.8,
      krs=[done("Data room ready"), metric("Investor meetings held", 0, 30, step=1)]),
    # ---------------------------------------------------------------- VPs (the quarter)
    G("sales", "Win the mid-market in EMEA and the Americas", "Victor", team="Sales", under={"arr": 2},
      pace=0.85, krs=[KR("New ARR this quarter", "sum", 0, 4_000_000, EUR),
                      metric("Qualified pipeline generated", 0, 6_000_000, EUR, step=10_000)]),
    G("reliability", "Run a platform customers can rely on", "Grace", team="Engineering",
      under={"customers": 1}, krs=[metric("P1 incidents per month", 6, 1, step=1)]),
    G("onboarding", "Launch self-serve onboarding", "Grace", team="Engineering",
      under={"arr": 1, "customers": 1}, pace=0.9, krs=[metric("Customers onboarded without help", 0, 40, step=1)]),
    G("funnel", "Fill the funnel with qualified leads", "Maya", team="Marketing", under={"arr": 1}, pace=1.3,
      krs=[metric("Marketing-qualified leads", 0, 1200, step=5)]),
    G("hiring", "Hire and grow great people", "Omar", team="People", under={"people": 1},
      krs=[metric("Hires made", 0, 25, step=1), metric("Days to hire", 45, 30, step=1)]),
    # ---------------------------------------------------------------- department heads
    G("emea", "Close €2.5M new ARR in EMEA", "Elena", team="Sales EMEA", under={"sales": 1},
      krs=[metric("New ARR EMEA", 0, 2_500_000, EUR, step=5_000, adds_into="New ARR this quarter"),
           metric("Win rate", 20, 30, "%", step=0.5)]),
    G("americas", "Close €1.5M new ARR in the Americas", "Marcus", team="Sales Americas", under={"sales": 1},
      pace=0.35, krs=[metric("New ARR Americas", 0, 1_500_000, EUR, step=5_000, adds_into="New ARR this quarter"),
                      metric("Average deal cycle", 90, 60, "days", step=1)]),
    G("platform", "Make the platform boringly reliable", "Priya", team="Platform", under={"reliability": 2},
      krs=[metric("Mean time to recovery", 90, 30, "min", step=1), done("Multi-region failover live")]),
    G("onboarding-v2", "Ship onboarding v2", "Tom", team="Product Engineering", under={"onboarding": 1},
      krs=[done("Beta with 20 customers"), metric("Activation rate", 35, 55, "%", step=0.5)]),
    G("campaigns", "Run campaigns that convert", "Sofia", team="Demand Generation", under={"funnel": 2},
      pace=1.4, krs=[metric("Webinar sign-ups", 0, 2000, step=10), metric("Cost per lead", 120, 80, EUR, step=1)]),
    G("brand", "Be the voice of modern logistics", "Liam", team="Brand and Content", under={"funnel": 1},
      krs=[metric("Organic visits per month", 40_000, 70_000, step=500), done("2026 logistics report published")]),
    G("talent", "Hire 25 great people", "Nadia", team="Talent", under={"hiring": 2},
      krs=[metric("Offers accepted", 0, 25, step=1), metric("Candidate NPS", 40, 60, step=1)]),
    G("grow", "Make Acme a great place to grow", "Jonas", team="People Operations", under={"hiring": 1}, pace=0.75,
      krs=[metric("Managers trained", 0, 12, step=1), done("Career framework published")]),
    # ---------------------------------------------------------------- team members
    G("lucas", "Close the DACH enterprise deals", "Lucas", team="Sales EMEA", under={"emea": 1},
      krs=[metric("Closed-won ARR", 0, 900_000, EUR, step=5_000)]),
    G("hannah", "Open the Nordics", "Hannah", team="Sales EMEA", under={"emea": 1}, pace=1.1,
      krs=[metric("New Nordic logos", 0, 8, step=1)]),
    G("giulia", "Book meetings that turn into pipeline", "Giulia", team="Sales EMEA", under={"emea": 1}, pace=1.5,
      krs=[metric("Meetings booked", 0, 120, step=1)]),
    G("ethan", "Win back the US mid-market", "Ethan", team="Sales Americas", under={"americas": 1}, pace=0.4,
      krs=[metric("Closed-won ARR", 0, 600_000, EUR, step=5_000)]),
    G("olivia", "Land the first Canadian customers", "Olivia", team="Sales Americas", under={"americas": 1},
      pace=0.5, krs=[metric("Canadian logos", 0, 5, step=1)]),
    G("noah", "Rebuild the outbound engine", "Noah", team="Sales Americas", under={"americas": 1}, pace=0.6,
      krs=[metric("Meetings booked", 0, 100, step=1), metric("Reply rate", 2, 6, "%", step=0.1)]),
    G("ava", "Automate incident response", "Ava", team="Platform", under={"platform": 1},
      krs=[metric("Runbooks automated", 0, 15, step=1)]),
    G("mateo", "Cut database latency", "Mateo", team="Platform", under={"platform": 1}, pace=1.2,
      krs=[metric("p95 query latency", 180, 60, "ms", step=1)]),
    G("chloe", "Pass the ISO 27001 audit", "Chloe", team="Platform", under={"platform": 1},
      krs=[done("Stage 1 audit passed"), metric("Controls implemented", 40, 93, step=1)]),
    G("ravi", "Build the onboarding API", "Ravi", team="Product Engineering", under={"onboarding-v2": 1},
      krs=[done("API in production"), metric("Integration tests passing", 0, 200, step=5)]),
    G("emma", "Ship the guided setup flow", "Emma", team="Product Engineering", under={"onboarding-v2": 1},
      krs=[metric("Setup steps shipped", 0, 8, step=1)]),
    G("yuki", "Make onboarding effortless", "Yuki", team="Product Engineering", under={"onboarding-v2": 1},
      pace=1.1, krs=[metric("Usability test success rate", 50, 90, "%", step=1)]),
    G("daniel", "Speed up the web app", "Daniel", team="Product Engineering", under={"reliability": 1},
      krs=[metric("Largest contentful paint", 3.2, 1.8, "s", step=0.1)]),
    G("isabella", "Run the autumn webinar series", "Isabella", team="Demand Generation", under={"campaigns": 1},
      pace=1.6, krs=[metric("Webinar attendees", 0, 900, step=5)]),
    G("felix", "Fix lead routing", "Felix", team="Demand Generation", under={"campaigns": 1},
      krs=[metric("Leads routed within 5 minutes", 40, 95, "%", step=1)]),
    G("zara", "Make paid media pay", "Zara", team="Demand Generation", under={"campaigns": 1}, pace=0.9,
      krs=[metric("Paid cost per lead", 150, 90, EUR, step=1)]),
    G("oscar", "Publish the content that ranks", "Oscar", team="Brand and Content", under={"brand": 1},
      krs=[metric("Articles published", 0, 24, step=1), metric("Articles on page one", 0, 10, step=1)]),
    G("leah", "Refresh the brand", "Leah", team="Brand and Content", under={"brand": 1},
      krs=[done("New brand guidelines live")]),
    G("samuel", "Tell customer stories on video", "Samuel", team="Brand and Content", under={"brand": 1},
      pace=0.7, krs=[metric("Customer videos released", 0, 6, step=1)]),
    G("mia", "Hire the engineering roles", "Mia", team="Talent", under={"talent": 1},
      krs=[metric("Engineers hired", 0, 10, step=1)]),
    G("benjamin", "Hire the go-to-market roles", "Benjamin", team="Talent", under={"talent": 1}, pace=0.8,
      krs=[metric("Sales and marketing hires", 0, 9, step=1)]),
    G("sara", "Give every candidate a great experience", "Sara", team="Talent", under={"talent": 1},
      krs=[stay("Interviews scheduled within 48 h", 90, "above", 85, "%", step=1)]),
    G("lucia", "Run fair and useful performance reviews", "Lucia", team="People Operations",
      under={"grow": 1}, krs=[metric("Reviews completed on time", 0, 100, "%", step=1)]),
    G("adam", "Make payroll boring", "Adam", team="People Operations", under={"grow": 1},
      krs=[stay("Payroll errors per month", 2, "below", 1, step=1)]),
    G("ines", "Launch the manager academy", "Ines", team="People Operations", under={"grow": 2},
      krs=[done("Curriculum approved"), metric("Managers enrolled", 0, 20, step=1)]),
    G("kofi", "Open the Lisbon office", "Kofi", team="People Operations", under={"people": 1}, period="year",
      krs=[done("Lease signed"), done("Office opened")]),
    G("ruth", "Run a calm leadership offsite", "Ruth", team="Acme", under={"people": 1}, pace=1.2,
      krs=[done("Offsite held"), metric("Attendee satisfaction", 0, 5, step=0.1)]),
    # ---------------------------------------------------------------- second goals, drafts, personal
    G("lucas-2", "Grow expansion revenue in existing accounts", "Lucas", team="Sales EMEA", under={"emea": 1},
      pace=1.5, krs=[metric("Expansion ARR", 0, 200_000, EUR, step=5_000)]),
    G("elena-2", "Build a partner channel in Southern Europe", "Elena", team="Sales EMEA", under={"sales": 1},
      krs=[metric("Signed partners", 0, 6, step=1)]),
    G("priya-2", "Keep the platform available", "Priya", team="Platform", under={"reliability": 1},
      krs=[stay("Monthly availability", 99.95, "above", 99.97, "%")]),
    G("tom-2", "Reduce support tickets about setup", "Tom", team="Product Engineering", under={"onboarding": 1},
      krs=[metric("Setup tickets per week", 60, 20, step=1)]),
    G("maya-2", "Launch the customer community", "Maya", team="Marketing", under={"funnel": 1}, pace=0.6,
      krs=[metric("Active community members", 0, 500, step=5), done("Community platform live")]),
    G("omar-2", "Roll out the new HR system", "Omar", team="People", under={"hiring": 1},
      krs=[done("Data migrated"), metric("Employees onboarded to the system", 0, 40, step=1)]),
    G("victor-2", "Make forecasting reliable", "Victor", team="Sales", under={"sales": 1},
      krs=[metric("Forecast accuracy", 60, 90, "%", step=1)]),
    G("emma-2", "Learn accessibility testing", "Emma", team="Product Engineering",
      krs=[done("Certification passed")]),
    G("ravi-2", "Mentor two junior engineers", "Ravi", team="Product Engineering",
      krs=[metric("Mentoring sessions held", 0, 12, step=1)]),
    G("grace-2", "Plan the 2027 engineering org", "Grace", team="Engineering", draft=True,
      krs=[done("Org design agreed")]),
    G("zara-2", "Test TikTok ads", "Zara", team="Demand Generation", draft=True),
    G("noah-2", "Try video prospecting", "Noah", team="Sales Americas", draft=True,
      krs=[metric("Video messages sent", 0, 200, step=5)]),
    # ---------------------------------------------------------------- the previous quarter, closed
    G("q-arr", "Close €1M new ARR", "Victor", period="previous", team="Sales", under={"arr": 1},
      krs=[metric("New ARR", 0, 1_000_000, EUR, step=5_000)], pace=0.85,
      closed=(0.8, "partial", "Strong EMEA quarter; the Americas slipped two large deals into Q4.")),
    G("q-postgres", "Migrate to PostgreSQL 16", "Priya", period="previous", team="Platform", pace=1.0,
      under={"customers": 1},
      krs=[done("Production migrated"), metric("Services migrated", 0, 12, step=1, pace=1.3)],
      closed=(1.0, "achieved", "Done a week early, zero downtime. The rehearsals paid off.")),
    G("q-partners", "Launch the partner programme", "Maya", period="previous", team="Marketing", pace=0.3,
      krs=[metric("Partners signed", 0, 10, step=1)],
      closed=(0.3, "missed", "We underestimated legal review; moved the programme to next year.")),
    G("q-hiring", "Hire 15 people", "Omar", period="previous", team="People", under={"people": 1}, pace=0.95,
      krs=[metric("People hired", 0, 15, step=1)],
      closed=(0.9, "achieved", "Fourteen hires, all in the roles that mattered most.")),
]
# fmt: on

NOTES = {
    "ahead": [
        "Ahead of plan: the new playbook is working.",
        "Better week than expected, two big wins.",
        "Momentum is great, raising the bar internally.",
        "Already past where we wanted to be by now.",
    ],
    "on": [
        "On plan this week.",
        "Steady progress, nothing blocking.",
        "Good week; next milestone in sight.",
        "Moving as planned, watching dependencies.",
        "Small step forward, on schedule.",
    ],
    "behind": [
        "Slower than planned; reprioritising.",
        "Blocked on another team, escalated.",
        "Two deals slipped to next month.",
        "Capacity is the issue; asked for help.",
        "Behind, but the plan to recover is agreed.",
    ],
}

# Comments on goals: (goal key, author, days ago, hour, Markdown). "{Name}" is a mention of that
# person (the first name of PEOPLE), written as the picker writes it.
COMMENTS: list[tuple[str, str, int, int, str]] = [
    (
        "emea",
        "Victor",
        9,
        10,
        "Great month, {Elena}. What would help the DACH deals over the line?",
    ),
    (
        "emea",
        "Elena",
        9,
        14,
        "Two things:\n\n1. A reference customer call for the big logistics "
        "prospect\n2. Legal turning contracts around in **days, not weeks**\n\n{Lucas} is on both.",
    ),
    ("emea", "Lucas", 8, 9, "Reference call booked for Thursday. Thanks {Victor}!"),
    (
        "ethan",
        "Marcus",
        6,
        11,
        "We're well behind here. {Ethan}, can we look at the pipeline "
        "together on Monday? I'd like {Noah} to join for the outbound side.",
    ),
    (
        "ethan",
        "Ethan",
        6,
        15,
        "Yes please. Three deals slipped into next quarter; I'll bring the list.",
    ),
    (
        "onboarding-v2",
        "Grace",
        4,
        10,
        "The guided setup demo was excellent. {Tom}, is the API on "
        "track for the end of the month? See `onboarding-api` in the release notes.",
    ),
    ("onboarding-v2", "Tom", 4, 13, "On track. {Ravi} has the last two endpoints in review."),
    (
        "arr",
        "Alice",
        2,
        9,
        "Halfway through the quarter: thank you all. Board update next week; "
        "{Victor} and {Maya}, please send me your one-line summaries by Friday.",
    ),
]
