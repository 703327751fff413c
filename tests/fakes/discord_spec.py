"""Check REST requests against Discord's own OpenAPI description (``specs/discord-openapi.json``).

Covers: the route and method exist in the OpenAPI ``paths``; the declared query parameters hold
valid values; and the JSON body (or a multipart request's ``payload_json``) validates against the
operation's request schema (JSON Schema 2020-12, ``$ref``s resolved through a referencing
registry), which carries the length, count and enum limits of messages, embeds, components,
application commands, polls and so on. Validators are compiled on first use, once per operation.

Where Discord's documentation states a limit for bots that the OpenAPI description leaves looser or
cannot express, it is added here and says so (:data:`DOCUMENTED_CONTENT_LIMIT`, :func:`_prose`).
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from .conformance import SPECS
from .discord_model import ApiError, form_error

_BASE = "https://discord.test/openapi.json"  # the spec's id in the registry; nothing is ever fetched
_METHODS = ("get", "put", "post", "patch", "delete")

# "Message contents (up to 2000 characters)" (Discord docs, Create Message / Edit Message). The
# OpenAPI description allows 4000 there, the limit for Nitro users, which bots do not get.
DOCUMENTED_CONTENT_LIMIT = 2000
_CONTENT_SCHEMAS = ("MessageCreateRequest", "MessageEditRequestPartial", "BaseCreateMessageCreateRequest")
_EMBED_TOTAL = 6000  # characters across all embeds of a message (docs: "Embed Limits")

_CODES = {  # Discord's error codes for the JSON Schema keyword that failed
    "maxLength": "BASE_TYPE_MAX_LENGTH",
    "maxItems": "BASE_TYPE_MAX_LENGTH",
    "minLength": "BASE_TYPE_MIN_LENGTH",
    "minItems": "BASE_TYPE_MIN_LENGTH",
    "required": "BASE_TYPE_REQUIRED",
    "enum": "BASE_TYPE_CHOICES",
    "const": "BASE_TYPE_CHOICES",
    "maximum": "NUMBER_TYPE_MAX",
    "minimum": "NUMBER_TYPE_MIN",
}


@dataclass(frozen=True)
class Problem:
    rule: str
    error: ApiError


@dataclass(frozen=True)
class _Route:
    template: str
    regex: re.Pattern[str]
    literals: int  # segments that are not parameters: the most specific matching template wins


def _load_spec() -> dict[str, Any]:
    spec: dict[str, Any] = json.loads((SPECS / "discord-openapi.json").read_text(encoding="utf-8"))
    schemas = spec["components"]["schemas"]
    # Discord reads a snowflake given as a JSON integer as well (discord.py sends recipient_id,
    # allowed_mentions.users, ... as ints); the OpenAPI description types snowflakes as strings only.
    schemas["SnowflakeType"] = {"anyOf": [schemas["SnowflakeType"], {"type": "integer", "minimum": 0}]}
    for name in _CONTENT_SCHEMAS:
        content = schemas[name]["properties"]["content"]
        content["maxLength"] = min(content.get("maxLength", DOCUMENTED_CONTENT_LIMIT), DOCUMENTED_CONTENT_LIMIT)
    return spec


def _pointer(*parts: str) -> str:
    return "#/" + "/".join(p.replace("~", "~0").replace("/", "~1") for p in parts)


class DiscordSpec:
    def __init__(self, spec: Mapping[str, Any]) -> None:
        self.spec = spec
        self.registry: Registry[Any] = Registry().with_resource(
            _BASE, Resource.from_contents(spec, default_specification=DRAFT202012)
        )
        self.routes: list[_Route] = []
        for template in spec["paths"]:
            segments = template.strip("/").split("/")
            regex = "/" + "/".join("[^/]+" if s.startswith("{") else re.escape(s) for s in segments)
            literals = sum(not s.startswith("{") for s in segments)
            self.routes.append(_Route(template, re.compile(regex), literals))
        self.routes.sort(key=lambda r: -r.literals)
        self._validators: dict[tuple[str, ...], Draft202012Validator] = {}
        self._verdicts: dict[tuple[str, str, str], list[Problem]] = {}

    @classmethod
    @functools.cache
    def load(cls) -> DiscordSpec:
        return cls(_load_spec())

    def _validator(self, *where: str) -> Draft202012Validator:
        validator = self._validators.get(where)
        if validator is None:
            schema = {"$ref": _BASE + _pointer(*where)}
            validator = self._validators[where] = Draft202012Validator(schema, registry=self.registry)
        return validator

    # --- entry point ------------------------------------------------------------------------------

    def check(self, method: str, path: str, query: Mapping[str, str], body: Any) -> list[Problem]:
        """Problems of one request; ``path`` is relative to ``/api/v10``, ``body`` the decoded JSON."""
        verb = method.lower()
        matching = [r for r in self.routes if r.regex.fullmatch(path)]
        if not matching:
            return [Problem(f"{method} {path}: no such route in Discord's OpenAPI", ApiError(404, 0, "404: Not Found"))]
        route = next((r for r in matching if verb in self.spec["paths"][r.template]), None)
        if route is None:
            return [
                Problem(
                    f"{method} {path}: {matching[0].template} has no {method} in Discord's OpenAPI",
                    ApiError(405, 0, "405: Method Not Allowed"),
                )
            ]
        item = self.spec["paths"][route.template]
        operation = item[verb]
        name = f"{method} {route.template} ({operation.get('operationId', '?')})"
        problems = list(self._query(name, route.template, verb, item, operation, query))
        request_body = operation.get("requestBody")
        # An absent body is left to the fake's own checks ("Cannot send an empty message").
        if body is not None and "application/json" in (request_body or {}).get("content", {}):
            problems += self._body(name, route.template, verb, body)
        return problems

    def _body(self, name: str, template: str, verb: str, body: Any) -> list[Problem]:
        # Every test syncs the same slash commands, and their oneOf-heavy schema is slow to check
        # (~0.1 s): remember the verdict per distinct body.
        key = (template, verb, json.dumps(body, sort_keys=True, default=str))
        found = self._verdicts.get(key)
        if found is None:
            where = ("paths", template, verb, "requestBody", "content", "application/json", "schema")
            error = _most_specific(self._validator(*where).iter_errors(body))
            found = [_schema_problem(name, "body", error)] if error is not None else []
            found += _prose(name, template, body)
            if len(self._verdicts) > 4096:
                self._verdicts.clear()
            self._verdicts[key] = found
        return found

    def _query(
        self,
        name: str,
        template: str,
        verb: str,
        item: Mapping[str, Any],
        operation: Mapping[str, Any],
        query: Mapping[str, str],
    ) -> Iterator[Problem]:
        """Declared query parameters must hold values their schema accepts (undeclared ones are ignored, as
        Discord ignores them). Query values are text: "5" may stand for an integer, "true" for a boolean."""
        declared = [((), i, p) for i, p in enumerate(item.get("parameters", []))]
        declared += [((verb,), i, p) for i, p in enumerate(operation.get("parameters", []))]
        for level, index, param in declared:
            if param.get("in") != "query" or param["name"] not in query:
                continue
            raw = query[param["name"]]
            readings: list[Any] = [raw]
            if re.fullmatch(r"-?\d+", raw):
                readings.insert(0, int(raw))
            if raw.lower() in ("true", "false", "1", "0"):  # Discord reads booleans leniently
                readings.append(raw.lower() in ("true", "1"))
            validator = self._validator("paths", template, *level, "parameters", str(index), "schema")
            errors = [_most_specific(validator.iter_errors(value)) for value in readings]
            first = errors[0]
            if first is not None and all(e is not None for e in errors):
                yield _schema_problem(name, f"query {param['name']}", first)


def _most_specific(errors: Iterable[ValidationError]) -> ValidationError | None:
    """The error that says what to fix. A failed ``oneOf``/``anyOf`` (component, option and callback
    unions) is replaced by the failure inside the branch that was meant: the one whose ``type``
    discriminator matched, else the one with the fewest failures."""
    leaves = [_leaf(e) for e in errors]
    return max(leaves, key=lambda e: len(e.absolute_path), default=None)


def _leaf(error: ValidationError) -> ValidationError:
    if not error.context:
        return error
    branches: dict[Any, list[ValidationError]] = {}
    for sub in error.context:
        branches.setdefault(sub.relative_schema_path[0], []).append(sub)

    def wrong_kind(errs: list[ValidationError]) -> bool:  # e.g. the {"type": "null"} branch, or another component type
        return any(
            (e.validator in ("type", "enum", "const") and not e.relative_path)
            or (e.validator in ("enum", "const") and list(e.relative_path) == ["type"])
            for e in errs
        )

    meant = min(branches.values(), key=lambda errs: (wrong_kind(errs), len(errs)))
    if len(branches) > 1 and all(wrong_kind(errs) for errs in branches.values()):
        return error  # no branch has this type at all: the union itself is the problem
    return max((_leaf(e) for e in meant), key=lambda e: len(e.absolute_path))


def _schema_problem(name: str, part: str, error: ValidationError) -> Problem:
    """The rule (for the test report) and the 50035 Invalid Form Body answer (as Discord words it)."""
    path = list(error.absolute_path)
    keyword, limit, instance = str(error.validator), error.validator_value, error.instance
    code = _CODES.get(keyword, "BASE_TYPE_INVALID")
    got = ""
    if keyword in ("maxLength", "maxItems", "minLength", "minItems"):
        bound = "or fewer" if keyword.startswith("max") else "or more"
        message, got = f"Must be {limit} {bound} in length.", f" {keyword} {limit} (got {len(instance)}):"
    elif keyword in ("maximum", "minimum"):
        bound = "less than" if keyword == "maximum" else "greater than"
        message, got = f"int value should be {bound} or equal to {limit}.", f" {keyword} {limit} (got {instance}):"
    elif keyword == "required":
        missing = re.match(r"'([^']+)' is a required property", error.message)
        path += [missing[1]] if missing else []
        message = "This field is required"
    else:
        message = error.message if len(error.message) <= 200 else error.message[:199] + "…"
    where = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in path)
    return Problem(f"{name} {part}{where}:{got} {message}", form_error(path, code, message))


# --- limits stated only in Discord's prose documentation -----------------------------------------


def _message_bodies(template: str, body: Any) -> Iterable[tuple[list[str | int], Mapping[str, Any]]]:
    if not isinstance(body, Mapping):
        return []
    if template.endswith("/callback"):
        data = body.get("data")
        return [(["data"], data)] if isinstance(data, Mapping) else []
    if "/messages" in template or template.startswith("/webhooks/"):
        return [([], body)]
    return []


def _prose(name: str, template: str, body: Any) -> list[Problem]:
    problems = []
    for prefix, message in _message_bodies(template, body):
        embeds = message.get("embeds") or []
        total = 0
        for embed in embeds if isinstance(embeds, list) else []:
            if not isinstance(embed, Mapping):
                continue
            parts = [embed.get("title"), embed.get("description")]
            parts += [(embed.get("footer") or {}).get("text"), (embed.get("author") or {}).get("name")]
            for fld in embed.get("fields") or []:
                parts += [fld.get("name"), fld.get("value")] if isinstance(fld, Mapping) else []
            total += sum(len(p) for p in parts if isinstance(p, str))
        if total > _EMBED_TOTAL:
            where = "".join(f".{p}" for p in prefix)
            rule = f"{name} body{where}.embeds: {total} characters in all embeds, documented limit {_EMBED_TOTAL}"
            error = form_error(
                [*prefix, "embeds"], "MAX_EMBED_SIZE_EXCEEDED", f"Embed size exceeds maximum size of {_EMBED_TOTAL}"
            )
            problems.append(Problem(rule, error))
    return problems
