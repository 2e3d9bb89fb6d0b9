"""Schemathesis over the whole OpenAPI document, signed in as an admin: no 500s, ever.

The fuzzer drives a real server process (``otklik run``) with generated requests — valid
and invalid bodies, huge and negative ids, explicit nulls, odd strings — and fails on any
5xx. It is bounded (a fixed number of examples per operation and a time budget), so it
runs in ``make test`` on every change; ``OTKLIK_FUZZ_EXAMPLES`` and ``OTKLIK_FUZZ_SEED``
widen or vary a run by hand.

The server runs without background jobs (``OTKLIK_RUN_JOBS_IN_APP=false``): the fuzzer
creates webhooks, email and Telegram inboxes with made-up addresses, and nothing may try
to reach them from this machine.
"""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

import pytest

from otklik.config import Settings
from tests.processes import start_server
from tests.test_processes import login, seed

pytestmark = pytest.mark.slow

#: Examples per operation; about 90 operations in all.
EXAMPLES = int(os.environ.get("OTKLIK_FUZZ_EXAMPLES", "20"))
SEED = os.environ.get("OTKLIK_FUZZ_SEED", "20251211")
#: The whole run's budget, seconds (the run stops early when it is spent).
BUDGET_SECONDS = int(os.environ.get("OTKLIK_FUZZ_SECONDS", "100"))
#: Signing out would end the fuzzer's own session; the rest is fair game.
EXCLUDED_PATHS = ("/api/v1/auth/logout",)


async def test_no_server_errors_under_fuzzing(settings: Settings, tmp_path: Path) -> None:
    settings.run_jobs_in_app = False
    await seed(settings)
    server = await start_server(settings, tmp_path, "fuzzed")
    try:
        token = await login(server.url)
        command = [
            str(Path(sys.executable).with_name("schemathesis")),
            "run",
            f"{server.url}/api/openapi.json",
            "--checks",
            "not_a_server_error",
            "--phases",
            "examples,coverage,fuzzing",
            "--max-examples",
            str(EXAMPLES),
            "--max-time",
            str(BUDGET_SECONDS),
            "--seed",
            SEED,
            "--workers",
            "1",
            "--request-timeout",
            "10",
            "--suppress-health-check",
            "all",
            "--generation-database",
            "none",
            "--no-color",
            "--header",
            f"Authorization: Bearer {token}",
            *[arg for path in EXCLUDED_PATHS for arg in ("--exclude-path", path)],
        ]
        process = await asyncio.create_subprocess_exec(
            *command,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
            cwd=tmp_path,
        )
        output, _ = await asyncio.wait_for(process.communicate(), BUDGET_SECONDS + 120)
    finally:
        server.stop()
    report = output.decode(errors="replace")
    (tmp_path / "schemathesis.log").write_text(report)
    errors = [
        line
        for line in server.log_path.read_text(errors="replace").splitlines()
        if "Error" in line or "error" in line.split(":", 1)[0]
    ]
    assert process.returncode == 0, (
        f"schemathesis found failures:\n{report[-20000:]}\n"
        "--- the server's errors ---\n" + "\n".join(errors[-60:])
    )
