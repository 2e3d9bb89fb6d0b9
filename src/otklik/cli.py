"""The ``otklik`` command: run, migrate, create-admin, demo, worker."""

from __future__ import annotations

import asyncio
import logging
import signal
from typing import TYPE_CHECKING, Annotated

import typer
import uvicorn
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TimeElapsedColumn,
)

from otklik.config import get_settings

if TYPE_CHECKING:
    from otklik.core.db import Database

app = typer.Typer(help="Otklik — a self-hosted customer-support desk.", no_args_is_help=True)
console = Console()


@app.command()
def migrate() -> None:
    """Bring the database schema up to date (safe to run any time)."""
    from otklik.core.migrate import upgrade

    settings = get_settings()
    upgrade(settings)
    console.print(
        f"[green]Database is up to date[/green] ({_safe_url(settings.resolved_database_url())})"
    )


@app.command()
def run(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    workers: Annotated[
        int, typer.Option(min=1, help="Worker processes (PostgreSQL only above 1).")
    ] = 1,
    migrate_first: Annotated[
        bool, typer.Option("--migrate/--no-migrate", help="Migrate before serving.")
    ] = True,
) -> None:
    """Migrate the database, then serve the app (HTTP + WebSocket)."""
    settings = get_settings()
    if workers > 1 and settings.is_sqlite:
        console.print("[red]Several workers need PostgreSQL[/red]: set OTKLIK_DATABASE_URL.")
        raise typer.Exit(2)
    if migrate_first:
        migrate()
    settings.resolved_secret_key()  # create it once, before workers race for it
    uvicorn.run(
        "otklik.app:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        # The app believes X-Forwarded-* from OTKLIK_TRUSTED_PROXIES only (app.py).
        proxy_headers=False,
        ws_ping_interval=None,  # our protocol has its own heartbeats
        # Chat frames are small; per-socket deflate state would cost ~100 KB of RAM each.
        ws_per_message_deflate=False,
        log_level="info",
        access_log=settings.access_log,
    )


@app.command("create-admin")
def create_admin(
    email: Annotated[str, typer.Option(prompt=True, help="Sign-in email.")],
    password: Annotated[
        str,
        typer.Option(
            prompt=True,
            hide_input=True,
            confirmation_prompt=True,
            help="At least 12 characters (OTKLIK_PASSWORD_MIN_LENGTH); not a common one.",
        ),
    ],
    name: Annotated[str, typer.Option(help="Display name.")] = "Admin",
) -> None:
    """Create an admin account (non-interactive when --email and --password are given)."""
    from pydantic import ValidationError

    from otklik.accounts import service
    from otklik.accounts.schemas import AgentCreate
    from otklik.core.errors import AppError

    try:
        data = AgentCreate(
            email=email, name=name, password=password, role="admin", languages=["ru", "en"]
        )
    except ValidationError as exc:
        console.print(
            f"[red]Invalid input:[/red] {exc.errors()[0]['loc'][0]}: {exc.errors()[0]['msg']}"
        )
        raise typer.Exit(2) from exc

    async def create() -> None:
        db = _database()
        try:
            async with db.session(write=True) as session:
                await service.create_agent(
                    session,
                    data=data,
                    actor_id=None,
                    min_password_length=get_settings().password_min_length,
                )
        finally:
            await db.dispose()

    migrate()
    try:
        asyncio.run(create())
    except AppError as exc:
        console.print(f"[red]{exc.message}[/red]")
        raise typer.Exit(1) from exc
    console.print(f"[green]Admin {email} created.[/green]")


@app.command()
def demo(
    conversations: Annotated[
        int, typer.Option(min=0, help="Add this many conversations of history (bulk).")
    ] = 0,
    messages: Annotated[
        int, typer.Option(min=1, max=100, help="Messages per bulk conversation.")
    ] = 10,
) -> None:
    """Seed a demo workspace (2 inboxes, 3 teams, 6 agents, 300 chats); print the logins."""
    from otklik import demo as demo_data

    migrate()

    async def seed() -> demo_data.DemoWorkspace:
        db = _database()
        try:
            workspace = await demo_data.ensure_workspace(db)
            if conversations:
                with Progress(
                    "[progress.description]{task.description}",
                    BarColumn(),
                    MofNCompleteColumn(),
                    TimeElapsedColumn(),
                    console=console,
                ) as bar:
                    task = bar.add_task("Conversations", total=conversations)
                    await demo_data.add_conversations(
                        db,
                        count=conversations,
                        messages_per_conversation=messages,
                        progress=lambda n: bar.advance(task, n),
                        seed=conversations,
                    )
            return workspace
        finally:
            await db.dispose()

    workspace = asyncio.run(seed())
    console.print(
        "[green]Demo workspace ready.[/green]" if workspace.created else "Demo workspace exists."
    )
    console.print(
        f"  Sign in at /app as [bold]{workspace.admin_email}[/bold]"
        f" / [bold]{workspace.admin_password}[/bold]"
    )
    console.print(
        "  Other agents (anna@, boris@, claire@, dmitry@, emma@example.com):"
        f" {demo_data.AGENT_PASSWORD}"
    )
    for name, key in workspace.inbox_keys.items():
        console.print(f'  Widget inbox {name!r}: data-inbox="{key}"')


@app.command()
def reindex() -> None:
    """Rebuild the search index of every searchable kind (after an upgrade or an import)."""
    from otklik import wiring
    from otklik.search import service as search

    wiring.install()
    migrate()

    async def rebuild() -> int:
        db = _database()
        done = 0
        try:
            with Progress(
                "[progress.description]{task.description}",
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                console=console,
            ) as bar:
                for kind in search.kinds():
                    if kind.reindex is None:
                        continue
                    task = bar.add_task(kind.name, total=None)

                    def advance(n: int, total: int, task: TaskID = task) -> None:
                        bar.update(task, completed=n, total=total)

                    # One transaction per kind: the others stay writable meanwhile.
                    async with db.session(write=True) as session:
                        done += await kind.reindex(session, advance)
                    bar.update(task, total=bar.tasks[task].total or 0)
        finally:
            await db.dispose()
        return done

    rows = asyncio.run(rebuild())
    console.print(f"[green]Search index rebuilt:[/green] {rows} rows.")


@app.command("backfill-reports")
def backfill_reports(
    batch: Annotated[
        int, typer.Option(min=1, max=10_000, help="Conversations per transaction.")
    ] = 500,
) -> None:
    """Write report facts for the conversations that existed before the reports (or were
    loaded in bulk); those that have facts already are skipped, so it may be run again."""
    from otklik import wiring
    from otklik.reports import service as reports

    wiring.install()
    migrate()

    async def fill() -> int:
        db = _database()
        done, after = 0, 0
        try:
            with Progress(
                "[progress.description]{task.description}",
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                console=console,
            ) as bar:
                task = bar.add_task("conversations", total=None)
                while True:
                    async with db.session(write=True) as session:
                        last = await reports.backfill_batch(session, after_id=after, size=batch)
                    if last is None:
                        break
                    done += 1
                    after = last
                    bar.update(task, completed=after)
        finally:
            await db.dispose()
        return done

    batches = asyncio.run(fill())
    console.print(f"[green]Report facts written[/green] in {batches} batches.")


@app.command()
def worker() -> None:
    """Run background jobs only (use with OTKLIK_RUN_JOBS_IN_APP=false on the web processes)."""
    from otklik import wiring
    from otklik.channels import base as channel_plugins
    from otklik.jobs.runner import JobRunner

    wiring.install()

    settings = get_settings()
    migrate()

    async def work() -> None:
        db = _database()
        runner = JobRunner(db, settings)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        await channel_plugins.start_plugins(db=db, settings=settings)
        runner.start()
        console.print("Worker running; Ctrl+C stops it.")
        await stop.wait()
        await channel_plugins.stop_plugins()
        await runner.stop()
        await db.dispose()

    logging.basicConfig(level=logging.INFO)
    asyncio.run(work())


def _database() -> Database:
    from otklik.core.db import Database

    return Database(get_settings())


def _safe_url(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


if __name__ == "__main__":
    app()
