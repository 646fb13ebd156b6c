"""The OpenAPI contract at /api/v1/openapi.json and the docs page at /api/v1/docs (offline)."""

from __future__ import annotations

import json
import re

import jsonschema_rs
from django.core.serializers.json import DjangoJSONEncoder
from django.test import Client
from schemathesis.specs.openapi.definitions import OPENAPI_31

from cascade.api.api import api


def served_schema() -> dict:
    response = Client().get("/api/v1/openapi.json")
    assert response.status_code == 200
    return response.json()


def operations(schema: dict):
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            yield f"{method.upper()} {path}", operation


def test_the_schema_is_served_and_valid_openapi_3_1(db):
    schema = served_schema()
    assert schema == json.loads(json.dumps(api.get_openapi_schema(), cls=DjangoJSONEncoder))
    assert schema["openapi"].startswith("3.1")
    jsonschema_rs.validate(OPENAPI_31, schema)
    for name, component in schema["components"]["schemas"].items():
        assert jsonschema_rs.meta.is_valid(component), name


def test_every_operation_documents_its_errors_in_one_shape(db):
    schema = served_schema()
    for name, operation in operations(schema):
        codes = set(operation["responses"])
        assert "400" in codes, name
        for code in codes - {"200", "201", "204"}:
            content = operation["responses"][code]["content"]["application/json"]
            assert content["schema"] == {"$ref": "#/components/schemas/ErrorOut"}, (name, code)
        if name != "POST /api/v1/tokens":
            assert "401" in codes, name
        if "{" in name:
            assert "404" in codes, name


def test_authentication_is_documented(db):
    schema = served_schema()
    schemes = schema["components"]["securitySchemes"]
    assert {"type": "http", "scheme": "bearer"} in schemes.values()
    assert any(s.get("in") == "cookie" for s in schemes.values())
    tokens = schema["paths"]["/api/v1/tokens"]["post"]
    assert tokens["security"] == []
    assert "429" in tokens["responses"]


def test_lists_document_their_pages(db):
    schema = served_schema()
    for name, operation in operations(schema):
        ok = operation["responses"].get("200", {}).get("content", {}).get("application/json", {})
        ref = ok.get("schema", {}).get("$ref", "")
        if not ref.endswith("Page"):
            continue
        page = schema["components"]["schemas"][ref.rsplit("/", 1)[1]]
        assert {"items", "count", "limit", "offset"} <= set(page["properties"]), name
        params = {p["name"]: p["schema"] for p in operation["parameters"]}
        assert params["limit"]["maximum"] == 200, name
        assert params["offset"]["minimum"] == 0, name


def test_delete_of_a_goal_says_it_archives(db):
    delete = served_schema()["paths"]["/api/v1/goals/{goal_id}"]["delete"]
    assert "Archive" in delete["description"]


def test_the_docs_page_loads_nothing_from_the_internet(db):
    client = Client()
    page = client.get("/api/v1/docs")
    assert page.status_code == 200
    html = page.content.decode()
    assert "swagger-ui" in html
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", html)
    for asset in re.findall(r"""(?:src|href)="([^"]+)\"""", html):
        response = client.get(asset)
        assert response.status_code == 200, asset
        assert b"".join(response.streaming_content), asset
    assert client.get("/api/v1/docs/assets/settings.py").status_code == 404
