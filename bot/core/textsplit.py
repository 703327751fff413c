"""Splitting a rendered message that exceeds a platform's length limit, once for every platform."""

from __future__ import annotations

from collections.abc import Callable


def split_lines(text: str, limit: int, safe_cut: Callable[[str, int], int] = lambda _line, cut: cut) -> list[str]:
    """Split at line breaks, then at spaces, so every part fits in `limit`. `safe_cut(line, cut)` moves
    a cut left out of platform markup (an HTML entity or tag, a markdown escape)."""
    if len(text) <= limit:
        return [text]
    parts: list[str] = []
    current = ""
    for line in text.split("\n"):
        while len(line) > limit:
            if current:
                parts.append(current)
                current = ""
            cut = line.rfind(" ", 0, limit)
            cut = safe_cut(line, cut if cut > limit // 2 else limit) or limit
            parts.append(line[:cut])
            line = line[cut:].lstrip(" ")
        candidate = f"{current}\n{line}" if current else line
        if len(candidate) > limit:
            parts.append(current)
            current = line
        else:
            current = candidate
    if current:
        parts.append(current)
    return [p for p in parts if p.strip()] or [text[:limit]]


def pack_blocks(
    blocks: list[str], limit: int, safe_cut: Callable[[str, int], int] = lambda _line, cut: cut, joiner: str = "\n\n"
) -> list[str]:
    """Pack blocks (a report's sections) into as few parts as fit in `limit`, cutting only between blocks; a block
    longer than `limit` alone is split at its line breaks (`split_lines`)."""
    parts: list[str] = []
    current = ""
    for block in (b for b in blocks if b.strip()):
        if len(block) > limit:
            if current:
                parts.append(current)
                current = ""
            pieces = split_lines(block, limit, safe_cut)
            parts.extend(pieces[:-1])
            current = pieces[-1]
            continue
        candidate = f"{current}{joiner}{block}" if current else block
        if len(candidate) > limit:
            parts.append(current)
            current = block
        else:
            current = candidate
    if current:
        parts.append(current)
    return parts
