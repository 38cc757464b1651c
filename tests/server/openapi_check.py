"""Validates REST answers against the checked-in OpenAPI document."""

from __future__ import annotations

import re
from typing import Any

from openapi_schema_validator import OAS31Validator
from openapi_spec_validator import validate as validate_spec

import mgit_lab.server
from mgit_lab.server import openapi

METHODS = ("get", "post", "put", "patch", "delete")


class OpenAPIChecker:
    """The OpenAPI document, and a check of one (method, path, status, body) against it."""

    def __init__(self, spec: dict[str, Any]) -> None:
        validate_spec(spec)
        self.spec = spec
        self.components = spec["components"]
        self.paths = {t: re.compile("^" + mgit_lab.server.route_regex(t) + "$") for t in spec["paths"]}
        self.seen: set[tuple[str, str, int]] = set()

    @classmethod
    def load(cls) -> OpenAPIChecker:
        return cls(openapi.load())

    def operations(self) -> set[tuple[str, str]]:
        return {(t, m) for t, item in self.spec["paths"].items() for m in item if m in METHODS}

    def template(self, path: str) -> str:
        hits = [t for t, rx in self.paths.items() if rx.match(path)]
        assert hits, f"{path} matches no path of openapi.yaml"
        return min(hits, key=lambda t: t.count("{"))  # a literal segment wins over a parameter

    def validate(self, instance: Any, schema: dict[str, Any]) -> None:
        OAS31Validator({**schema, "components": self.components}).validate(instance)

    def check(self, method: str, path: str, status: int, body: Any) -> None:
        template = self.template(path)
        operation = self.spec["paths"][template].get(method.lower())
        assert operation is not None, f"{method} {template} is not in openapi.yaml"
        response = operation["responses"].get(str(status))
        assert response is not None, f"{method} {template} answered {status}, undocumented in openapi.yaml: {body}"
        if "$ref" in response:
            response = self.components["responses"][response["$ref"].rsplit("/", 1)[1]]
        content = response.get("content", {}).get("application/json")
        if content is None:
            assert not body, f"{method} {template} {status} should have no body"
        else:
            self.validate(body, content["schema"])
            if isinstance(body, dict) and body.get("status") == "done" and "kind" in body and "progress" in body:
                self.check_job_result(body)
        self.seen.add((template, method.lower(), status))

    def check_job_result(self, job: dict[str, Any]) -> None:
        name = self.components["x-job-results"][job["kind"]]
        self.validate(job["result"], {"$ref": f"#/components/schemas/{name}"})
