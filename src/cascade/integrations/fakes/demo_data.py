"""What the demo's fake Jira and Salesforce hold, and the demo-only credentials they accept.

Acme's onboarding team tracks its setup steps in the Jira project ONB; Sales runs its
opportunities in Salesforce. The numbers fit the demo's key results: “Setup steps shipped”
(0 → 8), “Closed-won ARR” of the DACH region (0 → €900,000) and “Qualified pipeline generated”
(0 → €6M). These credentials open nothing but the local fakes.
"""

from __future__ import annotations

from datetime import date

from cascade.integrations.fakes.jira import FakeJira, Issue
from cascade.integrations.fakes.salesforce import FakeSalesforce, Report

JIRA_EMAIL = "cascade-bot@acme.example"
JIRA_API_TOKEN = "demo-only-jira-api-token"
SALESFORCE_CLIENT_ID = "3MVG9demo.AcmeCascadeConnectedApp"
SALESFORCE_CLIENT_SECRET = "demo-only-salesforce-consumer-secret"
PIPELINE_REPORT = "00O5e000008QpLzEAK"

SETUP_STEPS_JQL = "project = ONB AND labels = setup-step AND statusCategory = Done"
CLOSED_WON_DACH_SOQL = (
    "SELECT SUM(Amount) FROM Opportunity WHERE StageName = 'Closed Won' "
    "AND Region__c = 'DACH' AND CloseDate = THIS_QUARTER"
)
QUALIFIED_STAGES = ["Qualification", "Needs Analysis", "Proposal", "Negotiation"]


def jira_issues() -> list[Issue]:
    steps = [
        ("Account and workspace", "done"),
        ("Invite the team", "done"),
        ("Connect the warehouse system", "done"),
        ("Import carriers", "done"),
        ("First shipment rules", "done"),
        ("Billing details", "indeterminate"),
        ("Single sign-on", "indeterminate"),
        ("Go-live checklist", "new"),
    ]
    status = {"done": "Done", "indeterminate": "In Progress", "new": "To Do"}
    issues = [
        Issue(
            f"ONB-{n}",
            status=status[category],
            category=category,
            labels=["setup-step"],
            assignee="emma",
            fields={"customfield_10016": points},
        )
        for n, ((_, category), points) in enumerate(
            zip(steps, [3, 2, 8, 5, 5, 3, 8, 2], strict=True), 1
        )
    ]
    issues += [
        Issue(f"ONB-{n}", status="Done", category="done", fields={"customfield_10016": 1})
        for n in range(9, 13)
    ]
    return issues


def opportunities(today: date) -> list[dict[str, object]]:
    this_quarter = today.replace(day=1).isoformat()
    rows: list[dict[str, object]] = []

    def add(name: str, amount: float, stage: str, region: str, close: str = this_quarter) -> None:
        rows.append(
            {
                "Id": f"006Dm00000FAKE{len(rows) + 1:04d}",
                "Name": name,
                "Amount": amount,
                "StageName": stage,
                "Region__c": region,
                "CloseDate": close,
                "Created_This_Quarter__c": close == this_quarter,
            }
        )

    for name, amount in [
        ("Spedition Huber", 180_000),
        ("Alpenfracht", 145_000),
        ("Rheinlogistik", 210_000),
        ("Wiener Kurier", 75_000),
    ]:
        add(name, amount, "Closed Won", "DACH")
    add("Nordic Freight", 120_000, "Closed Won", "Nordics")
    add("Old deal", 300_000, "Closed Won", "DACH", "2024-03-15")
    for n, (stage, amount) in enumerate(
        [
            ("Qualification", 900_000),
            ("Needs Analysis", 1_150_000),
            ("Proposal", 1_400_000),
            ("Negotiation", 800_000),
            ("Prospecting", 2_000_000),
        ],
        1,
    ):
        add(f"Pipeline deal {n}", amount, stage, "Americas" if n % 2 else "DACH")
    return rows


def jira(today: date | None = None) -> FakeJira:
    return FakeJira("cloud", jira_issues(), email=JIRA_EMAIL, token=JIRA_API_TOKEN)


def salesforce(today: date | None = None) -> FakeSalesforce:
    today = today or date.today()
    report = Report(
        "Qualified pipeline this quarter",
        "Opportunity",
        {"StageName": QUALIFIED_STAGES, "Created_This_Quarter__c": True},
        [
            ("s!Amount", "Sum of Amount", "sum", "Amount"),
            ("RowCount", "Record Count", "count", None),
        ],
    )
    return FakeSalesforce(
        {"Opportunity": opportunities(today)},
        {PIPELINE_REPORT: report},
        client_id=SALESFORCE_CLIENT_ID,
        client_secret=SALESFORCE_CLIENT_SECRET,
        today=today,
    )
