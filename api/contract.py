"""The published OpenAPI document: FastAPI's, plus the responses the error handlers and middleware really send.

FastAPI documents 422 as its own JSON shape, but every error here is RFC 9457 problem details, and it knows
nothing of the API-key check, the rate limit or Elasticsearch outages. The additions depend on no setting, so
the committed ``openapi.json`` is the same whatever the deployment enables.
"""

from __future__ import annotations

import json
from typing import Any

from fastapi import FastAPI

from api.errors import PROBLEM_JSON
from api.schemas import Problem
from api.security import ANALYST_PATHS, API_KEY_HEADER, is_public

# 400, 401, 422, 429 and 503 are added to every operation below; routes that can answer 404 say so with this.
NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: {"description": "Nothing with that slug or id (or no place near the point)",
          "content": {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}}},
}

SECURITY_SCHEME = "ApiKey"
_RETRY_AFTER = {"Retry-After": {"description": "Seconds to wait before retrying", "schema": {"type": "integer"}}}
_FASTAPI_VALIDATION_SCHEMAS = ("HTTPValidationError", "ValidationError")


def _problem(description: str, *, retry_after: bool = False) -> dict[str, Any]:
    response: dict[str, Any] = {
        "description": description,
        "content": {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}},
    }
    if retry_after:
        response["headers"] = dict(_RETRY_AFTER)
    return response


def _document_operation(path: str, operation: dict[str, Any]) -> None:
    responses: dict[str, Any] = operation.setdefault("responses", {})
    if "422" in responses:
        responses["422"] = _problem("A parameter is missing, malformed or out of range")
    if operation.get("parameters") or operation.get("requestBody"):
        responses.setdefault("400", _problem("A parameter is inconsistent or names something unknown"))
    if path == "/readyz":
        ok = responses.get("200", {})
        responses.setdefault("503", {"description": "Not ready", "content": ok.get("content", {}),
                                     "headers": dict(_RETRY_AFTER)})
    if is_public(path):
        return
    if path in ANALYST_PATHS:  # an analyst key, whatever CAREMAP_AUTH_ENABLED says
        operation["security"] = [{SECURITY_SCHEME: []}]
        responses.setdefault("401", _problem(f"Missing or unknown analyst key in {API_KEY_HEADER}"))
    else:  # either a key, or none where the deployment leaves authentication off (CAREMAP_AUTH_ENABLED=false)
        operation["security"] = [{SECURITY_SCHEME: []}, {}]
        responses.setdefault("401", _problem(f"Missing or unknown {API_KEY_HEADER} (when authentication is on)"))
    responses.setdefault("429", _problem("Rate limit exceeded", retry_after=True))
    responses.setdefault("503", _problem("Elasticsearch is unavailable", retry_after=True))


def _uses(document: dict[str, Any], schema: str) -> bool:
    return f'"#/components/schemas/{schema}"' in json.dumps(document["paths"])


def document_operations(document: dict[str, Any]) -> dict[str, Any]:
    """Add the problem responses and the API-key scheme to a FastAPI-generated document (in place)."""
    components = document.setdefault("components", {})
    schemas = components.setdefault("schemas", {})
    schemas["Problem"] = Problem.model_json_schema(ref_template="#/components/schemas/{model}")
    components.setdefault("securitySchemes", {})[SECURITY_SCHEME] = {
        "type": "apiKey", "in": "header", "name": API_KEY_HEADER,
        "description": "Required when the deployment sets CAREMAP_AUTH_ENABLED=true",
    }
    for path, item in document.get("paths", {}).items():
        for method, operation in item.items():
            if method in {"get", "put", "post", "delete", "patch", "head", "options"}:
                _document_operation(path, operation)
    for name in _FASTAPI_VALIDATION_SCHEMAS:
        if name in schemas and not _uses(document, name):
            del schemas[name]
    return document


def install_contract(app: FastAPI) -> None:
    """Serve the documented version at /openapi.json (and to ``caremap openapi``)."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = document_operations(generate())
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def render_openapi(app: FastAPI) -> str:
    """The committed form of the document: sorted keys, two-space indent, trailing newline."""
    return json.dumps(app.openapi(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"
