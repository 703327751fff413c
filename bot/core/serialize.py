"""OutMessage ⇄ JSON, so sends can wait in the outbox across restarts."""

from __future__ import annotations

import base64
import json
from datetime import date, datetime
from typing import Any

from bot.core.i18n import ChannelRef, Day, MessageRef, Moment, Quantity, Text, UserRef
from bot.core.outbound import (
    Attachment,
    Button,
    ButtonStyle,
    Field,
    MentionPolicy,
    OutMessage,
    Section,
    Select,
    SelectOption,
)


def _value(v: Any) -> Any:
    if isinstance(v, Text):
        return {"$text": _text(v)}
    if isinstance(v, tuple) and v and all(isinstance(t, Text) for t in v):
        return {"$texts": [_text(t) for t in v]}
    if isinstance(v, UserRef):
        return {"$user": [v.user_id, v.name]}
    if isinstance(v, ChannelRef):
        return {"$channel": [v.platform, v.channel_id, v.name]}
    if isinstance(v, Quantity):
        return {"$q": [v.value, v.style, v.digits]}
    if isinstance(v, Day):
        return {"$day": [v.day.isoformat(), v.skeleton]}
    if isinstance(v, MessageRef):
        return {"$msg": [v.platform, v.scope_id, v.channel_id, v.message_id, v.label]}
    if isinstance(v, Moment):
        return {"$moment": [v.at.isoformat(), v.timezone, v.reader_timezone]}
    if isinstance(v, datetime):
        return {"$dt": v.isoformat()}
    if isinstance(v, str | int | float | bool) or v is None:
        return v
    return str(v)


def _unvalue(v: Any) -> Any:
    if isinstance(v, dict):
        if "$text" in v:
            return _untext(v["$text"])
        if "$dt" in v:
            return datetime.fromisoformat(v["$dt"])
        if "$texts" in v:
            return tuple(_untext(t) for t in v["$texts"])
        if "$user" in v:
            return UserRef(*v["$user"])
        if "$channel" in v:
            return ChannelRef(*v["$channel"])
        if "$q" in v:
            return Quantity(*v["$q"])
        if "$day" in v:
            day, skeleton = v["$day"]
            return Day(date.fromisoformat(day), skeleton)
        if "$msg" in v:
            return MessageRef(*v["$msg"])
        if "$moment" in v:
            at, tz, reader = v["$moment"]
            return Moment(datetime.fromisoformat(at), tz, reader)
    return v


def _text(t: Text) -> dict[str, Any]:
    return {"id": t.msgid, "p": {k: _value(v) for k, v in t.params.items()}, "pl": t.plural, "n": t.count}


def _untext(d: dict[str, Any]) -> Text:
    return Text(d["id"], {k: _unvalue(v) for k, v in d["p"].items()}, d.get("pl"), d.get("n"))


def _section(s: Section) -> dict[str, Any]:
    return {
        "t": _text(s.title) if s.title else None,
        "l": [_text(t) for t in s.lines],
        "f": [{"n": _text(f.name), "v": _text(f.value), "i": f.inline} for f in s.fields],
        "ft": _text(s.footer) if s.footer else None,
        "img": s.image,
    }


def _unsection(d: dict[str, Any]) -> Section:
    return Section(
        title=_untext(d["t"]) if d.get("t") else None,
        lines=tuple(_untext(t) for t in d.get("l", [])),
        fields=tuple(Field(_untext(f["n"]), _untext(f["v"]), bool(f.get("i"))) for f in d.get("f", [])),
        footer=_untext(d["ft"]) if d.get("ft") else None,
        image=d.get("img"),
    )


def message_to_json(m: OutMessage) -> str:
    return json.dumps(
        {
            "lines": [_text(t) for t in m.lines],
            "buttons": [[{"l": _text(b.label), "a": b.action, "s": b.style.value} for b in row] for row in m.buttons],
            "files": [
                {"name": a.filename, "data": base64.b64encode(a.data).decode(), "img": a.is_image}
                for a in m.attachments
            ],
            "mentions": m.mentions.value,
            "mention_ids": list(m.mention_ids),
            "ephemeral": m.ephemeral,
            "title": _text(m.title) if m.title else None,
            "private": m.private,
            "select": _select(m.select) if m.select else None,
            "sections": [_section(s) for s in m.sections],
        },
        ensure_ascii=False,
    )


def message_from_json(text: str) -> OutMessage:
    d = json.loads(text)
    return OutMessage(
        lines=tuple(_untext(t) for t in d["lines"]),
        buttons=tuple(tuple(Button(_untext(b["l"]), b["a"], ButtonStyle(b["s"])) for b in row) for row in d["buttons"]),
        attachments=tuple(Attachment(f["name"], base64.b64decode(f["data"]), f["img"]) for f in d["files"]),
        mentions=MentionPolicy(d["mentions"]),
        mention_ids=tuple(d["mention_ids"]),
        ephemeral=d["ephemeral"],
        title=_untext(d["title"]) if d.get("title") else None,
        private=bool(d.get("private")),
        select=_unselect(d["select"]) if d.get("select") else None,
        sections=tuple(_unsection(s) for s in d.get("sections", [])),
    )


def _select(s: Select) -> dict[str, Any]:
    options = [{"l": _text(o.label), "v": o.value, "s": o.selected} for o in s.options]
    return {"a": s.action, "o": options, "p": _text(s.placeholder), "max": s.max_values}


def _unselect(d: dict[str, Any]) -> Select:
    options = tuple(SelectOption(_untext(o["l"]), o["v"], o["s"]) for o in d["o"])
    return Select(d["a"], options, _untext(d["p"]), d["max"])
