"""The local fakes speak the services' documented JSON: the tests and the demo rely on it.

Checked with plain httpx, without Cascade's clients: paging (``nextPageToken``/``isLast``,
``startAt``/``total``, ``nextRecordsUrl``), authentication, the error shapes, Jira Cloud's 410
on the removed search, and the misbehaviours the tests ask for (429 with Retry-After, 503,
slow answers, bodies that are not JSON).
"""

from __future__ import annotations

import base64

import httpx
import pytest

from tests.integrations.conftest import (
    JIRA_EMAIL,
    JIRA_PAT,
    JIRA_TOKEN,
    REPORT_ID,
    SF_CLIENT_ID,
    SF_SECRET,
)


def cloud_client(fake) -> httpx.Client:
    basic = base64.b64encode(f"{JIRA_EMAIL}:{JIRA_TOKEN}".encode()).decode()
    return httpx.Client(base_url=fake.url, headers={"Authorization": f"Basic {basic}"})


def test_jira_cloud_pages_with_next_page_token_until_is_last(jira_cloud):
    with cloud_client(jira_cloud) as http:
        keys, token, pages = [], None, 0
        while True:
            body = {"jql": "project = ONB", "maxResults": 5, "fields": ["customfield_10016"]}
            if token:
                body["nextPageToken"] = token
            answer = http.post("/rest/api/3/search/jql", json=body)
            assert answer.status_code == 200
            assert answer.headers["X-AREQUESTID"]
            page = answer.json()
            pages += 1
            keys += [issue["key"] for issue in page["issues"]]
            assert set(page["issues"][0]) >= {"id", "key", "fields"}
            if page["isLast"]:
                assert "nextPageToken" not in page
                break
            token = page["nextPageToken"]
        assert pages == 3
        assert keys == [f"ONB-{n}" for n in range(1, 13)]
        count = http.post("/rest/api/3/search/approximate-count", json={"jql": "project = ONB"})
        assert count.json() == {"count": 12}
        ids_only = http.post("/rest/api/3/search/jql", json={"jql": "project = ONB"}).json()
        assert set(ids_only["issues"][0]) == {"id", "key"}  # ids only unless fields are asked


def test_jira_cloud_errors(jira_cloud):
    with cloud_client(jira_cloud) as http:
        unbounded = http.post("/rest/api/3/search/approximate-count", json={"jql": "order by key"})
        assert unbounded.status_code == 400
        assert unbounded.json() == {
            "errorMessages": [
                "Unbounded JQL queries are not allowed here. Please add a search restriction to your query."
            ],
            "errors": {},
        }
        unknown = http.post("/rest/api/3/search/jql", json={"jql": "priority = High"})
        assert unknown.json()["errorMessages"] == [
            "Field 'priority' does not exist or you do not have permission to view it."
        ]
        for removed in ("/rest/api/3/search", "/rest/api/2/search"):
            gone = http.get(removed, params={"jql": "project = ONB"})
            assert gone.status_code == 410
            assert gone.json()["errorMessages"][0].startswith("The requested API has been removed.")
    stranger = httpx.post(
        f"{jira_cloud.url}/rest/api/3/search/approximate-count", json={"jql": "project = ONB"}
    )
    assert stranger.status_code == 401
    assert "errorMessages" in stranger.json()


def test_jira_data_center_pages_with_start_at_and_total(jira_dc):
    with httpx.Client(
        base_url=jira_dc.url, headers={"Authorization": f"Bearer {JIRA_PAT}"}
    ) as http:
        first = http.get(
            "/rest/api/2/search", params={"jql": "project = ONB", "maxResults": 0}
        ).json()
        assert (first["startAt"], first["maxResults"], first["total"], first["issues"]) == (
            0,
            0,
            12,
            [],
        )
        page = http.post(
            "/rest/api/2/search",
            json={"jql": "project = ONB", "startAt": 10, "maxResults": 50, "fields": ["status"]},
        ).json()
        assert (page["startAt"], page["maxResults"], page["total"]) == (10, 5, 12)  # capped at 5
        assert [i["key"] for i in page["issues"]] == ["ONB-11", "ONB-12"]
        assert page["issues"][0]["fields"]["status"]["statusCategory"]["key"] == "new"
        assert http.get("/rest/api/3/myself").status_code == 404  # Data Center has no v3
    wrong = httpx.get(f"{jira_dc.url}/rest/api/2/search", headers={"Authorization": "Bearer nope"})
    assert wrong.status_code == 401


def test_salesforce_sign_in_query_paging_and_errors(salesforce):
    token = httpx.post(
        f"{salesforce.url}/services/oauth2/token",
        data={
            "grant_type": "client_credentials",
            "client_id": SF_CLIENT_ID,
            "client_secret": SF_SECRET,
        },
    ).json()
    assert set(token) >= {
        "access_token",
        "instance_url",
        "id",
        "token_type",
        "issued_at",
        "signature",
    }
    refused = httpx.post(
        f"{salesforce.url}/services/oauth2/token",
        data={"grant_type": "client_credentials", "client_id": SF_CLIENT_ID, "client_secret": "no"},
    )
    assert refused.status_code == 400
    assert refused.json() == {
        "error": "invalid_client",
        "error_description": "invalid client credentials",
    }
    headers = {"Authorization": f"Bearer {token['access_token']}"}
    with httpx.Client(base_url=token["instance_url"], headers=headers) as http:
        answer = http.get(
            "/services/data/v62.0/query", params={"q": "SELECT Id, Amount FROM Opportunity"}
        )
        assert answer.headers["x-sfdc-request-id"]
        page = answer.json()
        seen = len(page["records"])
        assert (page["totalSize"], page["done"], seen) == (7, False, 2)
        assert page["records"][0]["attributes"]["type"] == "Opportunity"
        while not page["done"]:
            page = http.get(page["nextRecordsUrl"]).json()
            seen += len(page["records"])
        assert seen == 7
        assert "nextRecordsUrl" not in page
        aggregate = http.get(
            "/services/data/v62.0/query", params={"q": "SELECT SUM(Amount) total FROM Opportunity"}
        ).json()
        assert aggregate["records"] == [
            {"attributes": {"type": "AggregateResult"}, "total": 280000.0}
        ]
        count = http.get(
            "/services/data/v62.0/query", params={"q": "SELECT COUNT() FROM Opportunity"}
        ).json()
        assert count == {"totalSize": 7, "done": True, "records": []}
        malformed = http.get("/services/data/v62.0/query", params={"q": "SELECT Id Opportunity"})
        assert malformed.status_code == 400
        [error] = malformed.json()
        assert error["errorCode"] == "MALFORMED_QUERY"
        assert set(error) == {"message", "errorCode"}
        report = http.get(f"/services/data/v62.0/analytics/reports/{REPORT_ID}").json()
        assert report["factMap"]["T!T"]["aggregates"][0]["value"] == 120000.0
        assert report["reportMetadata"]["aggregates"] == ["s!Amount", "RowCount"]
        salesforce.expire_sessions()
        expired = http.get("/services/data/v62.0/query", params={"q": "SELECT Id FROM Opportunity"})
        assert expired.status_code == 401
        assert expired.json() == [
            {"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}
        ]


def test_misbehaving_on_request(jira_cloud):
    jira_cloud.fail_next(429, {"errorMessages": ["Too many"]}, headers={"Retry-After": "3"})
    jira_cloud.fail_next(503, "Service Unavailable")
    jira_cloud.garbage_next()
    jira_cloud.slow_next(1.0)
    with cloud_client(jira_cloud) as http:
        limited = http.get("/rest/api/3/myself")
        assert (limited.status_code, limited.headers["Retry-After"]) == (429, "3")
        assert http.get("/rest/api/3/myself").status_code == 503
        garbage = http.get("/rest/api/3/myself")
        assert garbage.status_code == 200
        with pytest.raises(ValueError, match="Expecting value"):
            garbage.json()
        with pytest.raises(httpx.ReadTimeout):
            http.get("/rest/api/3/myself", timeout=0.2)
        assert http.get("/rest/api/3/myself").json()["displayName"]
