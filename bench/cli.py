"""The command line the size benches share: where the data lives (``--database``,
``--data-dir``) and the settings that follow from it."""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from otklik.config import Settings


def add_storage_args(ap: argparse.ArgumentParser) -> None:
    ap.add_argument("--database", help="a PostgreSQL URL (default: SQLite in a temp dir)")
    ap.add_argument("--data-dir", type=Path, help="keep the SQLite file here (reused if seeded)")


def storage_settings(args: argparse.Namespace, prefix: str) -> Settings:
    """Settings on ``args.database``, else SQLite in ``args.data_dir`` (a fresh temp dir
    named after ``prefix`` when not given)."""
    data_dir = args.data_dir or Path(tempfile.mkdtemp(prefix=f"otklik-{prefix}-"))
    data_dir.mkdir(parents=True, exist_ok=True)
    return Settings(
        data_dir=data_dir,
        secret_key="bench-secret-key-0123456789",
        **({"database_url": args.database} if args.database else {}),
    )
