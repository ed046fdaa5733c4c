"""The OpenAPI 3.0 description of `/api/v0/`, served at `/api/v0/openapi.json` (checked by schemathesis)."""

from __future__ import annotations

from typing import Any

NULLABLE_STR = {"type": "string", "nullable": True}
NULLABLE_TIME = {"type": "string", "format": "date-time", "nullable": True}
TOKEN_BODY = {"type": "object", "required": ["token"], "properties": {"token": {"type": "string"}}}


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _error(description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": _ref("Error")}}}


def _ok(description: str, schema: dict[str, Any], status: str = "200") -> dict[str, Any]:
    return {status: {"description": description, "content": {"application/json": {"schema": schema}}}}


ERRORS_AUTH = {"403": _error("No token, or an invalid, expired or revoked one, or a missing scope.")}
ERRORS_COURSE = {**ERRORS_AUTH, "404": _error("No linked course with this id.")}
COURSE_ID = {
    "name": "course_id",
    "in": "path",
    "required": True,
    "schema": {"type": "integer", "minimum": 1, "maximum": 9223372036854775807},
}

SCHEMAS: dict[str, Any] = {
    "Error": {
        "type": "object",
        "required": ["status", "message"],
        "properties": {
            "status": {"type": "string", "enum": ["error"]},
            "message": {"type": "string"},
            "correlation_id": {"type": "string", "description": "Only on 500: quote it to the admins."},
        },
    },
    "Token": {
        "type": "object",
        "required": ["name", "prefix", "scopes", "expires_at"],
        "properties": {
            "name": {"type": "string"},
            "prefix": {"type": "string"},
            "scopes": {
                "type": "array",
                "items": {"type": "string", "enum": ["courses:read", "grades:read", "sync:write"]},
            },
            "expires_at": NULLABLE_TIME,
        },
    },
    "SyncRun": {
        "type": "object",
        "nullable": True,
        "required": ["id", "trigger", "created", "finished", "running", "percent"],
        "properties": {
            "id": {"type": "integer"},
            "trigger": {"type": "string", "enum": ["schedule", "manual"]},
            "created": {"type": "string", "format": "date-time"},
            "finished": NULLABLE_TIME,
            "running": {"type": "boolean"},
            "percent": {"type": "integer", "minimum": 0, "maximum": 100},
            "activities": {"type": "integer"},
            "activities_over": {"type": "integer"},
            "statuses": {
                "type": "array",
                "items": {"type": "string", "enum": ["queued", "running", "done", "partial", "failed"]},
            },
        },
    },
    "Course": {
        "type": "object",
        "required": ["id", "title", "context_id", "platform", "wims", "sync"],
        "properties": {
            "id": {"type": "integer"},
            "title": {"type": "string"},
            "label": {"type": "string"},
            "context_id": {"type": "string"},
            "platform": {
                "type": "object",
                "required": ["uuid", "name"],
                "properties": {"uuid": {"type": "string", "format": "uuid"}, "name": {"type": "string"}},
            },
            "wims": {
                "type": "object",
                "required": ["server", "url", "qclass"],
                "properties": {"server": NULLABLE_STR, "url": NULLABLE_STR, "qclass": {"type": "string"}},
            },
            "linked_at": NULLABLE_TIME,
            "sync": {
                "type": "object",
                "required": ["last_run", "next_scheduled"],
                "properties": {"last_run": _ref("SyncRun"), "next_scheduled": NULLABLE_TIME},
            },
        },
    },
    "CourseMap": {
        "type": "object",
        "description": "Courses by id (as INGInious's /courses).",
        "additionalProperties": _ref("Course"),
    },
    "Activity": {
        "type": "object",
        "required": ["id", "title", "kind", "number"],
        "properties": {
            "id": {"type": "integer"},
            "title": {"type": "string"},
            "resource_link_id": {"type": "string"},
            "kind": {"type": "string", "enum": ["sheet", "exam"]},
            "number": {"type": "integer"},
            "line_item": NULLABLE_STR,
        },
    },
    "Grade": {
        "type": "object",
        "required": ["activity", "user", "status", "score_given", "score_maximum", "timestamp", "pending"],
        "properties": {
            "activity": {"type": "integer"},
            "user": {
                "type": "object",
                "required": ["sub"],
                "properties": {
                    "sub": {"type": "string"},
                    "given_name": {"type": "string"},
                    "family_name": {"type": "string"},
                },
            },
            "status": {"type": "string", "enum": ["", "sent", "superseded", "rejected"]},
            "score_given": {"type": "number", "nullable": True},
            "score_maximum": {"type": "number", "nullable": True},
            "timestamp": NULLABLE_TIME,
            "pending": {"type": "boolean", "description": "A post whose outcome is not recorded yet."},
            "reason": {"type": "string"},
            "modified": {"type": "string", "format": "date-time"},
        },
    },
}


def openapi_document(*, server_url: str = "/api/v0") -> dict[str, Any]:
    bearer: list[dict[str, list[str]]] = [{"bearer": []}]
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "wims_lti admin API",
            "version": "0",
            "description": "Read linked courses, their bound WIMS activities and the grades pushed to the "
            "LMS; start grade syncs. Tokens are issued in the admin (API tokens), scoped and "
            "sent as `Authorization: Bearer <token>`. See docs/api.md.",
        },
        "servers": [{"url": server_url}],
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": SCHEMAS,
        },
        "paths": {
            "/auth_methods": {
                "get": {
                    "summary": "Authentication methods (the API token)",
                    "security": [],
                    "responses": _ok(
                        "The methods.",
                        {
                            "type": "array",
                            "items": {
                                "type": "object",
                                "required": ["id", "name", "input"],
                                "properties": {
                                    "id": {"type": "string"},
                                    "name": {"type": "string"},
                                    "input": {"type": "array", "items": {"type": "object"}},
                                },
                            },
                        },
                    ),
                }
            },
            "/authentication": {
                "get": {
                    "summary": "Whether the request's bearer token is valid (always 200)",
                    "security": [{}, {"bearer": []}],
                    "responses": _ok(
                        "Authentication state.",
                        {
                            "type": "object",
                            "required": ["authenticated"],
                            "properties": {
                                "authenticated": {"type": "boolean"},
                                **SCHEMAS["Token"]["properties"],
                            },
                        },
                    ),
                },
                "post": {
                    "summary": "Check a token",
                    "security": [],
                    "requestBody": {
                        "required": True,
                        "content": {
                            "application/json": {"schema": TOKEN_BODY},
                            "application/x-www-form-urlencoded": {"schema": TOKEN_BODY},
                        },
                    },
                    "responses": {
                        **_ok(
                            "Valid token.",
                            {
                                "type": "object",
                                "required": ["status"],
                                "properties": {
                                    "status": {"type": "string", "enum": ["success"]},
                                    **SCHEMAS["Token"]["properties"],
                                },
                            },
                        ),
                        "400": _error(
                            "No token field, or a body that is neither a JSON object nor form data."
                        ),
                        "403": _error("Invalid, expired or revoked token."),
                        "413": _error("A body larger than the server accepts."),
                    },
                },
            },
            "/courses": {
                "get": {
                    "summary": "Linked courses (scope courses:read)",
                    "security": bearer,
                    "responses": {**_ok("Courses by id.", _ref("CourseMap")), **ERRORS_AUTH},
                }
            },
            "/courses/{course_id}": {
                "get": {
                    "summary": "One linked course (scope courses:read)",
                    "security": bearer,
                    "parameters": [COURSE_ID],
                    "responses": {**_ok("A one-entry map.", _ref("CourseMap")), **ERRORS_COURSE},
                }
            },
            "/courses/{course_id}/activities": {
                "get": {
                    "summary": "Activities bound to a WIMS sheet or exam (scope courses:read)",
                    "security": bearer,
                    "parameters": [COURSE_ID],
                    "responses": {
                        **_ok("The activities.", {"type": "array", "items": _ref("Activity")}),
                        **ERRORS_COURSE,
                    },
                }
            },
            "/courses/{course_id}/grades": {
                "get": {
                    "summary": "Last scores pushed to the LMS, from the score ledger (scope grades:read)",
                    "security": bearer,
                    "parameters": [
                        COURSE_ID,
                        {"name": "activity", "in": "query", "schema": {"type": "integer", "minimum": 1}},
                        {"name": "user", "in": "query", "schema": {"type": "string", "minLength": 1}},
                        {
                            "name": "status",
                            "in": "query",
                            "schema": {"type": "string", "enum": ["sent", "superseded", "rejected"]},
                        },
                        {"name": "since", "in": "query", "schema": {"type": "string", "format": "date-time"}},
                        {
                            "name": "limit",
                            "in": "query",
                            "schema": {"type": "integer", "minimum": 1, "maximum": 5000, "default": 1000},
                        },
                        {
                            "name": "offset",
                            "in": "query",
                            "schema": {"type": "integer", "minimum": 0, "maximum": 2147483648, "default": 0},
                        },
                    ],
                    "responses": {
                        **_ok(
                            "A page of grades.",
                            {
                                "type": "object",
                                "required": ["course", "total", "limit", "offset", "grades"],
                                "properties": {
                                    "course": {"type": "integer"},
                                    "total": {"type": "integer"},
                                    "limit": {"type": "integer"},
                                    "offset": {"type": "integer"},
                                    "grades": {"type": "array", "items": _ref("Grade")},
                                },
                            },
                        ),
                        "400": _error("A bad filter."),
                        **ERRORS_COURSE,
                    },
                }
            },
            "/courses/{course_id}/sync": {
                "post": {
                    "summary": "Start a grade sync of the course (scope sync:write)",
                    "security": bearer,
                    "parameters": [COURSE_ID],
                    "responses": {
                        **_ok(
                            "Started (or the run already in progress).",
                            {
                                "type": "object",
                                "required": ["status", "run", "already_running"],
                                "properties": {
                                    "status": {"type": "string", "enum": ["success"]},
                                    "run": {"type": "integer"},
                                    "already_running": {"type": "boolean"},
                                    "run_detail": _ref("SyncRun"),
                                },
                            },
                            status="202",
                        ),
                        "400": _error("Nothing to sync: no activity is bound to a sheet or exam."),
                        **ERRORS_COURSE,
                    },
                }
            },
            "/openapi.json": {
                "get": {
                    "summary": "This document",
                    "security": [],
                    "responses": _ok("OpenAPI 3 document.", {"type": "object"}),
                }
            },
        },
    }
