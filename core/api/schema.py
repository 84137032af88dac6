"""drf-spectacular postprocessing: document the error responses every operation can give.

The exception handler (core.api.exceptions) answers every error as JSON with a `detail` (and
`errors` for field validation); views document only their success responses, so without this
the schema would promise a 200 where a client can equally get a 400, 401, 403, 404 or 429.
"""

ERROR_RESPONSES = {
    "400": "Invalid input: `errors` maps each field to its messages.",
    "401": "Missing, invalid or expired token.",
    "403": "Not allowed for this account.",
    "404": "Not found, or outside the account's scope.",
    "429": "Too many requests; retry later.",
}


def document_error_responses(result, generator, request, public):
    result.setdefault("components", {}).setdefault("schemas", {})["Error"] = {
        "type": "object",
        "properties": {
            "detail": {"type": "string"},
            "errors": {"type": "object", "additionalProperties": True},
        },
        "required": ["detail"],
    }
    error = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    for path in result.get("paths", {}).values():
        for operation in path.values():
            responses = operation.setdefault("responses", {})
            for code, description in ERROR_RESPONSES.items():
                responses.setdefault(code, {"description": description, "content": error})
    return result
