"""The OpenAPI document says what the service answers, so generated clients work: problems as
application/problem+json with one shared Problem schema, every status an operation can answer, the form
definition's shape, the credentials each operation needs. (What the running service really answers is checked
against this document by tests/test_api_contract.py.)"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import msgspec
import pytest
from litestar import Litestar, get

from service import errors
from service.app import create_app
from service.http.openapi import ProblemResponsesPlugin
from service.settings import Settings

METHODS = {"get", "post", "put", "patch", "delete"}
PROBLEM = {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}


@pytest.fixture(scope="module")
def document(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    directory: Path = tmp_path_factory.mktemp("openapi")
    app = create_app(Settings(data_dir=directory, database_url=f"sqlite+aiosqlite:///{directory}/unused.sqlite3"))
    return msgspec.json.decode(msgspec.json.encode(app.openapi_schema.to_schema()))


def operations(document: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    return [
        (f"{method.upper()} {path}", operation)
        for path, item in document["paths"].items()
        for method, operation in item.items()
        if method in METHODS
    ]


def test_every_error_response_is_a_problem_with_the_shared_schema(document):
    for label, operation in operations(document):
        errors_ = {status: response for status, response in operation["responses"].items() if int(status) >= 400}
        assert "500" in errors_, label
        for status, response in errors_.items():
            assert response["content"] == PROBLEM, f"{label} {status}"
            codes = re.findall(r"`([a-z_]+\.[a-z_0-9]+)`", response["description"])
            assert codes, f"{label} {status}: the description names the codes"
            assert {errors.CATALOG[code].status for code in codes} == {int(status)}, f"{label} {status}"
    problem = document["components"]["schemas"]["Problem"]
    assert {"code", "message_vi", "message_en", "errors"} <= set(problem["properties"])
    assert {"code", "message_vi", "message_en"} <= set(problem["required"])


def test_operations_that_need_a_caller_say_so_and_document_401_and_403(document):
    anonymous = {"GET /health", "GET /ready", "POST /api/v1/auth/login"}
    assert set(document["components"]["securitySchemes"]) == {"bearer", "session_cookie"}
    for label, operation in operations(document):
        if label in anonymous:
            assert "security" not in operation and "403" not in operation["responses"], label
        else:
            assert operation["security"] == [{"bearer": []}, {"session_cookie": []}], label
            assert {"401", "403"} <= set(operation["responses"]), label


def test_statuses_the_fuzzing_and_reading_found_undocumented_are_documented(document):
    paths = document["paths"]
    expected = {
        ("/api/v1/teams/{team_id}", "get"): {"200", "400", "401", "403", "404", "500"},
        ("/api/v1/forms", "post"): {"200", "201", "400", "401", "403", "408", "409", "413", "415", "422", "500"},
        ("/api/v1/auth/login", "post"): {"200", "400", "401", "408", "413", "415", "429", "500"},
        ("/api/v1/members", "get"): {"200", "400", "401", "403", "404", "422", "500"},
        ("/api/v1/areas", "get"): {"200", "400", "401", "403", "404", "500"},
        ("/api/v1/households", "post"): {
            "200",
            "201",
            "400",
            "401",
            "403",
            "404",
            "408",
            "409",
            "413",
            "415",
            "422",
            "500",
        },
        ("/api/v1/forms/{form_id}", "get"): {"200", "304", "400", "401", "403", "404", "500"},
    }
    for (path, method), statuses in expected.items():
        assert set(paths[path][method]["responses"]) == statuses, (path, method)


def test_forms_are_documented_as_the_definition_they_are(document):
    schemas = document["components"]["schemas"]
    definition = {"$ref": "#/components/schemas/FormDefinition"}
    for path in ("/api/v1/forms/{form_id}", "/api/v1/forms/{form_id}/versions/{version}"):
        assert document["paths"][path]["get"]["responses"]["200"]["content"]["application/json"]["schema"] == definition
    body = document["paths"]["/api/v1/forms"]["post"]["requestBody"]
    assert body["required"] and body["content"]["application/json"]["schema"] == definition
    # `version` may be left out: publishing derives one from the content.
    assert {"id", "title", "questions"} <= set(schemas["FormDefinition"]["required"])
    csv = document["paths"]["/api/v1/members/import"]["post"]["requestBody"]
    assert set(csv["content"]) == {"text/csv"}


def test_no_content_is_documented_as_no_content(document):
    for label, operation in operations(document):
        if "204" in operation["responses"]:
            assert "content" not in operation["responses"]["204"], label


def test_a_route_without_its_error_codes_stops_the_app_at_start():
    @get("/new")
    async def brand_new_route() -> str:
        return "x"

    with pytest.raises(LookupError, match="brand_new_route"):
        Litestar([brand_new_route], plugins=[ProblemResponsesPlugin()])


async def test_the_served_document_is_this_one(client, document):
    response = await client.get("/schema/openapi.json")
    assert response.status_code == 200
    assert response.json()["paths"].keys() == document["paths"].keys()
    assert response.json()["components"]["schemas"]["Problem"] == document["components"]["schemas"]["Problem"]


async def test_answers_the_fuzzer_cannot_build_are_documented(client, world, document, db):
    """Valid visits in situations random data seldom reaches: each answer's status and media type are in the
    document for its operation."""
    import uuid
    from datetime import timedelta

    from forms.bundled import bundled_form_paths
    from service.registry import services as registry
    from tests.support.world import add_household
    from tests.visits.support import FINISHED, visit

    published = await registry.publish(db, registry.parse_definition(bundled_form_paths()[0].read_bytes()), None)
    home = await add_household(db, world.areas["village_a1"], head_name="Lê Văn Một")
    form = (published.form_id, published.version)
    phone = world["member_a1"].headers
    first = visit(form, home.id)
    calls = [
        ("post", "/api/v1/visits", {"json": visit(form, uuid.uuid4())}, 404),
        ("post", "/api/v1/visits", {"json": visit(form, home.id, on_behalf_of=world["admin"].user.id)}, 403),
        (
            "post",
            "/api/v1/visits",
            {"json": visit(form, home.id, started_at=(FINISHED + timedelta(days=10)).isoformat())},
            422,
        ),
        ("post", "/api/v1/visits", {"json": first}, 201),
        ("post", "/api/v1/visits", {"json": first}, 200),
        ("post", "/api/v1/visits", {"json": {**first, "answers": {**first["answers"], "members": 9}}}, 409),
    ]
    for method, path, request, expected in calls:
        response = await client.request(method, path, headers=phone, **request)
        assert response.status_code == expected, response.text
        documented = document["paths"][path][method]["responses"][str(expected)]
        media_type = response.headers["content-type"].split(";")[0]
        assert media_type in documented["content"], (expected, media_type)
    etag = (await client.get(f"/api/v1/forms/{form[0]}", headers=phone)).headers["etag"]
    response = await client.get(f"/api/v1/forms/{form[0]}", headers={**phone, "If-None-Match": etag})
    assert response.status_code == 304
    assert "304" in document["paths"]["/api/v1/forms/{form_id}"]["get"]["responses"]


def test_the_limits_the_server_enforces_are_declared(document):
    """`limit` outside 1..1000 is refused (request.invalid_parameter), and admin inputs refuse unknown fields
    (msgspec forbid_unknown_fields): a generated client or a fuzzer reads both from the document."""
    from msgspec import Struct

    from service.http.paging import MAX_LIMIT

    limits = [
        (label, parameter["schema"])
        for label, operation in operations(document)
        for parameter in operation.get("parameters", [])
        if parameter["name"] == "limit" and parameter["in"] == "query"
    ]
    assert len(limits) >= 8
    assert [label for label, schema in limits if (schema.get("minimum"), schema.get("maximum")) != (1, MAX_LIMIT)] == []

    def structs(cls: type) -> list[type]:
        return [cls, *(s for sub in cls.__subclasses__() for s in structs(sub))]

    strict = {
        cls.__name__
        for cls in structs(Struct)
        if cls.__module__.startswith("service.") and cls.__struct_config__.forbid_unknown_fields
    }
    schemas = document["components"]["schemas"]
    documented = {name for name in strict if name in schemas}
    assert {"MemberCreate", "MemberUpdate", "AreaCreate", "LoginRequest"} <= documented
    assert [name for name in documented if schemas[name].get("additionalProperties") is not False] == []
    # Phone payloads tolerate fields from newer app versions: they stay open.
    assert "additionalProperties" not in schemas.get("VisitSubmission", {})
