"""Managers' CSV exports of their community: one CSV per registered `CommunityExport`, streamed in chunks.

In chat the CSVs arrive zipped, in as many zip files as the platform's upload limit needs (a part holds
whole rows; each zip is built in memory, so memory is bounded by the upload limit). On the command line
(`hearth export`, bot/export_cli.py) they are written to a folder with a progress bar."""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Sequence
from typing import Any

from bot.core.outbound import Attachment
from cogs.privacy.ports import CommunityExport


def _csv_bytes(rows: Sequence[Sequence[Any]]) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    return buffer.getvalue().encode()


class ExportService:
    def __init__(self) -> None:
        self.exports: list[CommunityExport] = []

    def register(self, export: CommunityExport) -> None:
        if any(e.name == export.name for e in self.exports):
            raise ValueError(f"export {export.name} registered twice")
        self.exports.append(export)

    async def to_zips(self, community_id: int, limit: int, with_names: bool = False) -> list[Attachment]:
        """Zipped CSVs, each zip under `limit` bytes. A part is cut by the *uncompressed* bytes it holds, which
        bounds its compressed size for sure (deflate's output lags its input, so the compressed size so far
        is no safe measure); CSV compresses several times over, so parts are rarely needed at all."""
        parts: list[Attachment] = []
        budget = int(limit * 0.95) - 1024  # room for the zip's headers and central directory
        buffer = io.BytesIO()
        archive = zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED)
        used = 0

        def close_part() -> None:
            nonlocal buffer, archive, used
            archive.close()
            parts.append(Attachment(f"hearth-export-{community_id}-part{len(parts) + 1}.zip", buffer.getvalue()))
            buffer = io.BytesIO()
            archive = zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED)
            used = 0

        for export in self.exports:
            piece = 1
            header = _csv_bytes([export.header])
            entry = archive.open(f"{export.name}.csv", "w")
            entry.write(header)
            used += len(header)
            async for chunk in export.rows(community_id, with_names):
                whole = _csv_bytes(chunk)
                if used + len(whole) <= budget:  # the common case: the chunk fits as it is
                    entry.write(whole)
                    used += len(whole)
                    continue
                for row in chunk:
                    data = _csv_bytes([row])
                    if used + len(data) > budget:  # this row starts the next part
                        entry.close()
                        close_part()
                        piece += 1
                        entry = archive.open(f"{export.name}-{piece}.csv", "w")
                        entry.write(header)
                        used += len(header)
                    entry.write(data)
                    used += len(data)
            entry.close()
        archive.close()
        parts.append(Attachment(f"hearth-export-{community_id}-part{len(parts) + 1}.zip", buffer.getvalue()))
        return parts
