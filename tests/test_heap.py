"""The app freezes its warm heap out of the collector's full passes (core/heap.py)."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

SCRIPT = textwrap.dedent(
    """
    import asyncio, gc, sys
    from otklik.app import create_app
    from otklik.config import Settings
    from otklik.core import migrate

    async def main() -> None:
        settings = Settings(data_dir=sys.argv[1], secret_key="heap-test-secret-0123456789")
        await migrate.upgrade_async(settings)
        app = create_app(settings)
        async with app.router.lifespan_context(app):
            await asyncio.sleep(0)  # the freezing task's first step
            print(gc.get_freeze_count())

    asyncio.run(main())
    """
)


def _frozen(tmp_path: Path, setting: str) -> int:
    env = {**os.environ, "OTKLIK_GC_FREEZE": setting}
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(tmp_path)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return int(result.stdout.strip().splitlines()[-1])


def test_a_started_app_has_frozen_its_heap_unless_told_not_to(tmp_path: Path) -> None:
    # Tens of thousands of objects: the app's modules, models and routes.
    assert _frozen(tmp_path / "on", "true") > 20_000
    assert _frozen(tmp_path / "off", "false") == 0
