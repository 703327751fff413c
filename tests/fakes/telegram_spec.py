"""Check Bot API requests against the published spec (``specs/telegram-bot-api.json``).

Covers: the method exists; required fields are present (an upload counts); no field the method or
object does not define; coarse types (Integer, Float, Boolean, String, InputFile, arrays, objects,
recursively through JSON-serialised objects such as ``reply_markup``); and the limits the Bot API
states only in prose, read from each field's description:

- "N-M characters" / "N-M bytes" on strings, measured after entity parsing where the description
  says so (HTML parse mode: tags stripped, entities unescaped, surrounding whitespace trimmed;
  characters are code points, as the server counts); invalid HTML in such a field is a violation too,
- "a list of N-M ..." / "must include N-M items" / "At most N ... can be specified" on arrays,
- "Can contain only lowercase English letters, digits and underscores" (bot command names).

The wire format is form-encoded with JSON-encoded values: a value is JSON-decoded only where the
spec types the field as an array or object, never for String fields such as ``text``.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .conformance import SPECS
from .telegram_wire import ApiError, parse_html

_LENGTH = re.compile(r"(\d+)-(\d+) (characters|bytes)", re.IGNORECASE)
_AFTER_ENTITIES = re.compile(r"after entit(?:y|ies) parsing", re.IGNORECASE)
_COUNT = re.compile(r"(?:list of|include) (\d+)-(\d+)\b", re.IGNORECASE)
_AT_MOST = re.compile(r"At most (\d+) \w+ can be specified", re.IGNORECASE)
_CHARSETS = {"only lowercase English letters, digits and underscores": re.compile(r"[a-z0-9_]*")}
_DISCRIMINATOR = re.compile(r"(?:must be|always) [“\"]?([a-z0-9_]+)[”\"]?")
_PRIMITIVES = frozenset({"String", "Integer", "Float", "Boolean", "InputFile"})
_UPLOAD = object()  # an InputFile sent as a multipart part
_INVALID = object()  # a wire value that could not be read as its declared type (already reported)

# What api.telegram.org answers when one of these limits is broken (generic wording otherwise).
_REAL_ERRORS: dict[tuple[str, str, str], str] = {
    ("*", "text", "long"): "message is too long",
    ("*", "text", "short"): "message text is empty",
    ("*", "caption", "long"): "message caption is too long",
    ("InlineKeyboardButton", "callback_data", "*"): "BUTTON_DATA_INVALID",
    ("BotCommand", "command", "*"): "BOT_COMMAND_INVALID",
    ("BotCommand", "description", "*"): "BOT_COMMAND_DESCRIPTION_INVALID",
    ("answerCallbackQuery", "text", "long"): "MESSAGE_TOO_LONG",
    ("sendPoll", "question", "long"): "poll question length must not exceed 300",
    ("sendPoll", "question", "short"): "poll question must be non-empty",
    ("InputPollOption", "text", "*"): "poll options length must not exceed 100",
    ("sendPoll", "options", "long"): "poll can't have more than 12 options",
    ("sendPoll", "options", "short"): "poll must have at least 2 option",
}


@dataclass(frozen=True)
class Problem:
    rule: str  # what was broken, with the path of the field: recorded as the violation
    description: str = ""  # what the fake answers (the real API's wording where known)
    status: int = 400

    def error(self) -> ApiError:
        return ApiError(self.status, self.description or f"Bad Request: {self.rule}")


@dataclass(frozen=True)
class FieldSpec:
    owner: str  # method or type name
    name: str
    types: tuple[str, ...]
    required: bool
    length: tuple[int, int, str] | None = None  # (min, max, "characters" | "bytes")
    after_entities: bool = False
    count: tuple[int, int] | None = None  # array length
    charset: re.Pattern[str] | None = None
    const: str | None = None  # the "type" discriminator of a subtype ("must be photo")

    @classmethod
    def parse(cls, owner: str, raw: Mapping[str, Any], *, subtype: bool) -> FieldSpec:
        desc = raw.get("description", "")
        types = tuple(raw["types"])
        strings = "String" in types
        arrays = any(t.startswith("Array of ") for t in types)
        length = count = charset = const = None
        if strings and (m := _LENGTH.search(desc)):
            length = (int(m[1]), int(m[2]), m[3].lower())
        if arrays and (m := _COUNT.search(desc)):
            count = (int(m[1]), int(m[2]))
        elif arrays and (m := _AT_MOST.search(desc)):
            count = (0, int(m[1]))
        if strings:
            charset = next((rx for phrase, rx in _CHARSETS.items() if phrase in desc), None)
        if subtype and raw["name"] == "type" and (m := _DISCRIMINATOR.search(desc)):
            const = m[1]
        return cls(
            owner,
            raw["name"],
            types,
            bool(raw.get("required")),
            length,
            bool(length and _AFTER_ENTITIES.search(desc)),
            count,
            charset,
            const,
        )

    def cite(self, path: str) -> str:
        """Where the rule is stated, when the path alone does not say it ("InlineKeyboardButton.callback_data")."""
        return "" if path == f"{self.owner}.{self.name}" else f" ({self.owner}.{self.name})"


@dataclass(frozen=True)
class ObjectSpec:
    name: str
    fields: dict[str, FieldSpec]
    subtypes: tuple[str, ...]


def _real(owner: str, name: str, kind: str, fallback: str) -> str:
    for key in ((owner, name, kind), (owner, name, "*"), ("*", name, kind)):
        if key in _REAL_ERRORS:
            return f"Bad Request: {_REAL_ERRORS[key]}"
    return f"Bad Request: {fallback}"


class TelegramSpec:
    def __init__(self, spec: Mapping[str, Any]) -> None:
        self.version = spec.get("version", "?")
        self.methods: dict[str, ObjectSpec] = {}
        self.types: dict[str, ObjectSpec] = {}
        for name, raw in spec["methods"].items():
            fields = {f["name"]: FieldSpec.parse(name, f, subtype=False) for f in raw.get("fields", [])}
            self.methods[name.lower()] = ObjectSpec(name, fields, ())
        for name, raw in spec["types"].items():
            subtype = bool(raw.get("subtype_of"))
            fields = {f["name"]: FieldSpec.parse(name, f, subtype=subtype) for f in raw.get("fields", [])}
            self.types[name] = ObjectSpec(name, fields, tuple(raw.get("subtypes", ())))

    @classmethod
    @functools.cache
    def load(cls) -> TelegramSpec:
        return cls(json.loads((SPECS / "telegram-bot-api.json").read_text(encoding="utf-8")))

    # --- entry point ------------------------------------------------------------------------------

    def check(self, method: str, raw: Mapping[str, Any], uploads: Mapping[str, Any]) -> list[Problem]:
        """Problems of one request: ``raw`` holds wire values (form strings, or JSON-body values)."""
        spec = self.methods.get(method.lower())
        if spec is None:
            return [Problem(f"{method}: no such method in the {self.version} spec", "Not Found", 404)]
        attached = {m[1] for v in raw.values() if isinstance(v, str) for m in re.finditer(r"attach://([\w.-]+)", v)}
        values: dict[str, Any] = {}
        problems: list[Problem] = []
        for name, value in raw.items():
            fld = spec.fields.get(name)
            if fld is None:
                values[name] = value  # reported as unknown below
                continue
            decoded, problem = self._from_wire(fld, value, f"{spec.name}.{name}")
            if problem is not None:
                problems.append(problem)
            values[name] = _INVALID if problem is not None else decoded
        for name in uploads:
            if name in spec.fields:
                values.setdefault(name, _UPLOAD)
            elif name not in attached:
                values[name] = _UPLOAD  # an upload nothing refers to: reported as unknown
        return problems + self._object(values, spec, f"{spec.name}.")

    # --- values -----------------------------------------------------------------------------------

    @staticmethod
    def _from_wire(fld: FieldSpec, value: Any, path: str) -> tuple[Any, Problem | None]:
        """A form value as the server reads it, by the field's declared types."""
        if not isinstance(value, str):
            return value, None  # a JSON body carries native values
        types = fld.types
        structured = any(t not in _PRIMITIVES for t in types)
        text = value.strip()
        if structured and text[:1] in ("[", "{"):
            try:
                return json.loads(text), None
            except ValueError:
                return value, Problem(f"{path}: not valid JSON", f"Bad Request: can't parse {fld.name} JSON object")
        if "Integer" in types and re.fullmatch(r"-?\d+", text):
            return int(text), None
        if "Float" in types:
            try:
                return float(text), None
            except ValueError:
                pass
        if "Boolean" in types and text.lower() in ("true", "false", "1", "0"):
            return text.lower() in ("true", "1"), None
        if "String" in types or "InputFile" in types:
            return value, None
        want = " or ".join(types)
        return value, Problem(
            f"{path}: must be {want}, got {value[:40]!r}", f'Bad Request: field "{fld.name}" must be of type {want}'
        )

    def _value(self, value: Any, types: tuple[str, ...], path: str) -> list[Problem]:
        """Problems of a decoded value that must be one of ``types``."""
        if len(types) > 1 and all(t.startswith("Array of ") for t in types):
            # "Array of InputMediaPhoto, InputMediaVideo, ...": one array whose items are any of them
            if not isinstance(value, list):
                return [Problem(f"{path}: must be an array, got {type(value).__name__}")]
            items = tuple(t[9:] for t in types)
            return [p for i, item in enumerate(value) for p in self._value(item, items, f"{path}[{i}]")]
        best: list[Problem] | None = None
        for kind in types:
            found = self._one(value, kind, path)
            if not found:
                return []
            if best is None or len(found) < len(best):
                best = found
        return best or []

    def _one(self, value: Any, kind: str, path: str) -> list[Problem]:
        if kind.startswith("Array of "):
            if not isinstance(value, list):
                return [Problem(f"{path}: must be an {kind}, got {type(value).__name__}")]
            return [p for i, item in enumerate(value) for p in self._value(item, (kind[9:],), f"{path}[{i}]")]
        ok = {
            "String": lambda v: isinstance(v, str),
            "Integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
            "Float": lambda v: isinstance(v, int | float) and not isinstance(v, bool),
            "Boolean": lambda v: isinstance(v, bool),
            "InputFile": lambda v: v is _UPLOAD or isinstance(v, str),
        }.get(kind)
        if ok is not None:
            if ok(value):
                return []
            shown = "an upload" if value is _UPLOAD else type(value).__name__
            return [Problem(f"{path}: must be {kind}, got {shown}")]
        spec = self.types.get(kind)
        if spec is None:
            return [Problem(f"{path}: unknown type {kind} in the spec")]
        if not isinstance(value, dict):
            return [Problem(f"{path}: must be a {kind} object, got {type(value).__name__}")]
        if spec.subtypes:
            return self._subtype(value, spec, path)
        return self._object(value, spec, f"{path}.")

    def _subtype(self, value: dict[str, Any], spec: ObjectSpec, path: str) -> list[Problem]:
        """An abstract type (BotCommandScope, InputMedia, ...): the value must be one of its subtypes."""
        results = []
        for name in spec.subtypes:
            sub = self.types[name]
            found = self._subtype(value, sub, path) if sub.subtypes else self._object(value, sub, f"{path}.")
            if not found:
                return []
            const = sub.fields["type"].const if "type" in sub.fields else None
            results.append((const is not None and const == value.get("type"), -len(found), found))
        return max(results, key=lambda r: (r[0], r[1]))[2] if results else []

    def _object(self, values: Mapping[str, Any], spec: ObjectSpec, where: str) -> list[Problem]:
        problems = []
        for fld in spec.fields.values():
            if fld.required and values.get(fld.name) is None:
                kind = "short" if fld.name == "text" else "missing"
                rule = f"{where}{fld.name}: required but missing{fld.cite(where + fld.name)}"
                problems.append(Problem(rule, _real(fld.owner, fld.name, kind, f'parameter "{fld.name}" is required')))
            elif fld.const is not None and values.get(fld.name) not in (None, fld.const):
                problems.append(Problem(f"{where}{fld.name}: must be {fld.const!r} for {spec.name}"))
        for name, value in values.items():
            fld = spec.fields.get(name)
            if fld is None:
                problems.append(
                    Problem(
                        f"{where}{name}: no such field in {spec.name}",
                        f'Bad Request: unknown parameter "{name}" (the real API would ignore it silently)',
                    )
                )
                continue
            if value is None or value is _INVALID:
                continue
            problems += self._limits(value, values, fld, f"{where}{name}")  # checks only values of the right kind
            problems += self._value(value, fld.types, f"{where}{name}")
        return problems

    # --- limits stated in prose -------------------------------------------------------------------

    def _limits(self, value: Any, siblings: Mapping[str, Any], fld: FieldSpec, path: str) -> list[Problem]:
        if isinstance(value, list) and fld.count:
            lo, hi = fld.count
            if not lo <= len(value) <= hi:
                kind = "short" if len(value) < lo else "long"
                return [
                    Problem(
                        f"{path}: {len(value)} items, the Bot API allows {lo}-{hi}{fld.cite(path)}",
                        _real(fld.owner, fld.name, kind, f"{fld.name} must have {lo}-{hi} items"),
                    )
                ]
        if not isinstance(value, str):
            return []
        if fld.charset is not None and not fld.charset.fullmatch(value):
            return [
                Problem(
                    f"{path}: {value[:40]!r} has characters outside {fld.charset.pattern}{fld.cite(path)}",
                    _real(fld.owner, fld.name, "charset", f"{fld.name} has invalid characters"),
                )
            ]
        if fld.length is None:
            return []
        lo, hi, unit = fld.length
        measured = value
        if fld.after_entities:
            mode_field = f"{fld.name}_parse_mode" if f"{fld.name}_parse_mode" in siblings else "parse_mode"
            if str(siblings.get(mode_field) or "").upper() == "HTML":
                try:
                    measured = parse_html(value)
                except ApiError as err:
                    reason = err.description.removeprefix("Bad Request: ")
                    return [Problem(f"{path}: invalid HTML ({mode_field}=HTML): {reason}", err.description)]
            measured = measured.strip()
        # "Characters" are code points (the server accepts 4096 emoji, refuses 4097): not UTF-16 units.
        size = len(measured.encode("utf-8")) if unit == "bytes" else len(measured)
        if lo <= size <= hi:
            return []
        kind = "short" if size < lo else "long"
        how = " after entities parsing" if fld.after_entities else ""
        return [
            Problem(
                f"{path}: {size} {unit}{how}, the Bot API allows {lo}-{hi}{fld.cite(path)}",
                _real(fld.owner, fld.name, kind, f"{fld.name} must be {lo}-{hi} {unit}"),
            )
        ]
