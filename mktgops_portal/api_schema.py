"""Making the OpenAPI document say what the API answers (issue 12 case 11).

Every error the API sends has one body, `{"detail": ..., "code": ...}` (plus `errors` per field on a 400
about input), from mktgops_portal.api_errors. `document_error_responses` (a drf-spectacular postprocessing
hook) adds that body as the `Error` component and, to every operation, the refusals it can answer:
400 (bad input, bad filters), 401/403 (not signed in: DRF answers 403 with session authentication, 401 with a
bad token; signed in but not allowed), 404 (a path naming an object: missing or hidden) and 409 (writes whose
state rules refuse them). Responses an operation documents itself keep their description.
"""

ERROR_SCHEMA = {
    "type": "object",
    "description": "Every API error: a sentence for people and a stable code for programs.",
    "properties": {
        "detail": {"type": "string", "description": "Why, and what would make it allowed."},
        "code": {"type": "string", "description": "Stable: `invalid`, `not_found`, `issue_not_found`, …"},
        "errors": {
            "type": "object",
            "description": "On a 400 about input: the messages of each field.",
            "additionalProperties": True,
        },
    },
    "required": ["detail", "code"],
}

DESCRIPTIONS = {
    "400": "The input or a filter is not valid; `errors` holds each field's messages.",
    "401": "The token is missing or not valid.",
    "403": "Not signed in (session), or not allowed to do this.",
    "404": "Nothing with this id is visible to you (missing and hidden answer alike), or no such page.",
    "409": "The object's state does not allow this now; `detail` says why.",
}
WRITES = {"post", "put", "patch", "delete"}


def _error_response(status: str, description: str | None = None) -> dict:
    return {
        "description": description or DESCRIPTIONS[status],
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    }


def document_error_responses(result, generator, request, public):
    """drf-spectacular hook: the Error component and each operation's error responses (see the module)."""
    result.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR_SCHEMA
    for path, operations in result.get("paths", {}).items():
        for method, operation in operations.items():
            if method not in {"get", "post", "put", "patch", "delete", "head"}:
                continue
            statuses = ["400", "401", "403"]
            params = {p.get("name") for p in operation.get("parameters", [])}
            if "{" in path or "page" in params:  # a page past the last one is a 404 too
                statuses.append("404")
            if method in WRITES:
                statuses.append("409")
            responses = operation.setdefault("responses", {})
            for status in statuses:
                existing = responses.get(status)
                if existing is None:
                    responses[status] = _error_response(status)
                elif "content" not in existing:
                    responses[status] = _error_response(status, existing.get("description"))
    return result
