"""Exports: the ZIP of everything about a contact (``contact.json`` and the files).

An admin's request writes a ``pending`` row and enqueues ``privacy.export`` in the same
transaction; the job asks every registered part for its section and files and writes the
archive under ``OTKLIK_DATA_DIR/privacy-exports/``. Admins download it; the hourly
housekeeping deletes exports after :data:`EXPORTS_KEPT`.
"""

from __future__ import annotations

import json
import secrets
import zipfile
from datetime import timedelta
from pathlib import Path
from typing import Any

import anyio
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from otklik.audit import service as audit
from otklik.config import Settings
from otklik.contacts import service as contacts
from otklik.core.clock import utcnow
from otklik.core.errors import AppError, not_found
from otklik.jobs.registry import enqueue
from otklik.privacy.models import PrivacyExport
from otklik.privacy.personal_data import Erasure, ExportedFile, PersonalDataPart, parts
from otklik.privacy.schemas import ExportOut

EXPORT_JOB = "privacy.export"
#: An export holds personal data too: it is not kept longer than needed to hand it over.
EXPORTS_KEPT = timedelta(days=7)
FORMAT_VERSION = 1


def export_root(settings: Settings) -> Path:
    return settings.data_dir / "privacy-exports"


def _path(settings: Settings, export: PrivacyExport) -> Path | None:
    if export.storage_key is None:
        return None
    return export_root(settings) / f"{export.storage_key}.zip"


def export_out(export: PrivacyExport) -> ExportOut:
    return ExportOut(
        id=export.id,
        contact_id=export.contact_id,
        state=export.state,
        size=export.size,
        error=export.error,
        created_at=export.created_at,
        finished_at=export.finished_at,
        download_url=(
            f"/api/v1/privacy/exports/{export.id}/download" if export.state == "ready" else None
        ),
    )


async def request_export(
    session: AsyncSession, *, contact_id: int, actor_id: int, ip: str | None
) -> ExportOut:
    await contacts.get_contact(session, contact_id)  # 404 for an unknown contact
    export = PrivacyExport(contact_id=contact_id, requested_by_id=actor_id, state="pending")
    session.add(export)
    await session.flush()
    await enqueue(session, name=EXPORT_JOB, payload={"export_id": export.id}, max_attempts=3)
    audit.record(
        session,
        actor_type="agent",
        actor_id=actor_id,
        action="privacy.export_requested",
        target_type="contact",
        target_id=contact_id,
        data={"export_id": export.id},
        ip=ip,
    )
    return export_out(export)


async def list_exports(session: AsyncSession, *, contact_id: int) -> list[ExportOut]:
    rows = await session.scalars(
        select(PrivacyExport)
        .where(PrivacyExport.contact_id == contact_id)
        .order_by(PrivacyExport.id.desc())
        .limit(20)
    )
    return [export_out(row) for row in rows]


async def get_export(session: AsyncSession, *, export_id: int) -> ExportOut:
    export = await session.get(PrivacyExport, export_id)
    if export is None:
        raise not_found("Export", export_id)
    return export_out(export)


def _write_zip(target: Path, document: dict[str, Any], files: list[ExportedFile]) -> int:
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(".part")
    with zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            "contact.json", json.dumps(document, ensure_ascii=False, indent=2, default=str)
        )
        for item in files:
            if item.path.is_file():
                archive.write(item.path, item.name)
    partial.replace(target)
    return target.stat().st_size


async def build_export(session: AsyncSession, *, settings: Settings, export_id: int) -> None:
    """The job's work: idempotent (a finished export is left as it is)."""
    export = await session.get(PrivacyExport, export_id, with_for_update=True)
    if export is None or export.state != "pending":
        return
    document: dict[str, Any] = {"format": FORMAT_VERSION, "exported_at": utcnow().isoformat()}
    files: list[ExportedFile] = []
    try:
        for part in parts():
            if part.export is None:
                continue
            section = await part.export(session, export.contact_id, settings)
            document[part.name] = section.data
            files.extend(section.files)
    except AppError as exc:  # the contact was erased meanwhile
        export.state, export.error, export.finished_at = "failed", exc.message, utcnow()
        return
    key = secrets.token_hex(16)
    target = export_root(settings) / f"{key}.zip"
    export.size = await anyio.to_thread.run_sync(_write_zip, target, document, files)
    export.storage_key = key
    export.state = "ready"
    export.finished_at = utcnow()


async def download(
    session: AsyncSession, *, settings: Settings, export_id: int, actor_id: int, ip: str | None
) -> tuple[Path, str]:
    """The ready archive's path and download name (audited: who took the data, when)."""
    export = await session.get(PrivacyExport, export_id)
    if export is None:
        raise not_found("Export", export_id)
    path = _path(settings, export)
    if export.state != "ready" or path is None or not path.is_file():
        raise AppError(409, "not_ready", "The export is not ready yet.")
    audit.record(
        session,
        actor_type="agent",
        actor_id=actor_id,
        action="privacy.export_downloaded",
        target_type="contact",
        target_id=export.contact_id,
        data={"export_id": export.id},
        ip=ip,
    )
    return path, f"contact-{export.contact_id}-export-{export.id}.zip"


async def _discard(session: AsyncSession, settings: Settings, rows: list[PrivacyExport]) -> None:
    for row in rows:
        path = _path(settings, row)
        if path is not None:
            await anyio.Path(path).unlink(missing_ok=True)
    if rows:
        await session.execute(
            delete(PrivacyExport).where(PrivacyExport.id.in_([r.id for r in rows]))
        )


async def prune_old(session: AsyncSession, *, settings: Settings) -> None:
    rows = list(
        await session.scalars(
            select(PrivacyExport).where(PrivacyExport.created_at < utcnow() - EXPORTS_KEPT)
        )
    )
    await _discard(session, settings, rows)


async def _erase(session: AsyncSession, erasure: Erasure) -> None:
    """An erased contact's exports go too (they are copies of its data)."""
    if erasure.contact_id is None:
        return
    rows = list(
        await session.scalars(
            select(PrivacyExport).where(PrivacyExport.contact_id == erasure.contact_id)
        )
    )
    await _discard(session, erasure.settings, rows)
    erasure.counts["exports"] = len(rows)


EXPORTS = PersonalDataPart("exports", order=70, erase=_erase)
