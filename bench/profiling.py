"""py-spy around the server under test, and a plain-text summary of where its time went."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path


def py_spy() -> str | None:
    beside = Path(sys.executable).parent / "py-spy"
    return str(beside) if beside.exists() else shutil.which("py-spy")


def start(pid: int, seconds: float, out: Path, rate: int = 200) -> subprocess.Popen[bytes] | None:
    """Sample ``pid`` (and its worker processes) for ``seconds`` into collapsed stacks."""
    exe = py_spy()
    if exe is None:
        return None
    argv = [
        exe,
        "record",
        "--pid",
        str(pid),
        "--duration",
        str(max(1, round(seconds))),
        "--rate",
        str(rate),
        "--format",
        "raw",
        "--subprocesses",
        "--threads",
        "--nonblocking",
        "--output",
        str(out),
    ]
    return subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


_FRAME = re.compile(r"^(?P<func>.+?) \((?P<file>[^:()]+)(?::\d+)?\)$")


def _short(path: str) -> str:
    for marker in ("site-packages/", "src/", "lib/python3.11/"):
        if marker in path:
            return path.split(marker, 1)[1]
    return path


def _label(frame: str) -> str:
    match = _FRAME.match(frame.strip())
    if not match:
        return frame.strip()
    return f"{match['func']} ({_short(match['file'])})"


# Leaf frames of a thread that waits for work: not CPU, left out of the summary.
IDLE_LEAVES = (
    "Condition.wait (threading.py)",
    "Event.wait (threading.py)",
    "select (selectors.py)",
)


def summarize(raw: Path, top: int = 25) -> str:
    """Per-thread share, then top functions by own and by inclusive samples (% of busy samples).

    A sample whose leaf is the event loop itself (``Runner.run``: uvloop waiting in epoll or
    running C code) counts as "loop/native"; idle worker threads are left out.
    """
    own: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    threads: Counter[str] = Counter()
    total = 0
    for line in raw.read_text(errors="replace").splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        n = int(count)
        parts = [f for f in stack.split(";") if f]
        thread = next((f.split(": ", 1)[-1] for f in parts if f.startswith("thread ")), "?")
        frames = [_label(f) for f in parts if not f.startswith(("process ", "thread "))]
        if not frames or frames[-1] in IDLE_LEAVES:
            continue
        kind = (
            "aiosqlite threads"
            if "_connection_worker_thread" in thread
            else ("anyio worker threads" if "AnyIO" in thread else thread)
        )
        threads[kind] += n
        total += n
        own[frames[-1]] += n
        for label in set(frames):
            inclusive[label] += n
    if total == 0:
        return "no samples"
    lines = [f"{total} busy samples", "", "by thread:"]
    lines += [f"  {n / total * 100:5.1f}%  {name}" for name, n in threads.most_common(8)]
    lines += ["", "own time (the function itself):"]
    lines += [f"  {n / total * 100:5.1f}%  {label}" for label, n in own.most_common(top)]
    lines += ["", "inclusive time (the function and what it calls):"]
    lines += [f"  {n / total * 100:5.1f}%  {label}" for label, n in inclusive.most_common(top)]
    return "\n".join(lines)


if __name__ == "__main__":
    print(summarize(Path(sys.argv[1]), top=int(sys.argv[2]) if len(sys.argv) > 2 else 25))


# Sync functions called exactly once per event of interest (coroutines are counted once per
# resumption by cProfile, so they cannot be used to count).
COUNTERS = (
    ("HTTP requests", "uvicorn/protocols/http/httptools_impl.py", "on_message_complete"),
    ("SQL statements", "sqlalchemy/engine/default.py", "do_execute"),
    ("SQL statements (no params)", "sqlalchemy/engine/default.py", "do_execute_no_params"),
    ("SQL executemany", "sqlalchemy/engine/default.py", "do_executemany"),
    ("commits", "sqlalchemy/engine/default.py", "do_commit"),
    ("aiosqlite thread round trips", "aiosqlite/core.py", "set_result"),
    (
        "threadpool hops (sync deps / run_in_threadpool)",
        "anyio/_backends/_asyncio.py",
        "acquire_on_behalf_of",
    ),
    ("WebSocket text frames sent", "websockets/protocol.py", "send_text"),
    ("json.dumps", "json/__init__.py", "dumps"),
)


def summarize_cprofile(path: Path, top: int = 30) -> str:
    """Counts per HTTP request and the functions with the most own time (main thread only)."""
    import pstats

    stats = pstats.Stats(str(path))
    raw: dict[tuple[str, int, str], tuple[int, int, float, float, object]] = stats.stats  # type: ignore[attr-defined]
    counts: dict[str, int] = {}
    for label, file_part, func in COUNTERS:
        counts[label] = sum(
            v[1] for (f, _, name), v in raw.items() if name == func and file_part in f
        )
    requests = max(1, counts["HTTP requests"])
    lines = [f"cProfile of the server: {requests} HTTP requests", "", "per HTTP request:"]
    lines += [f"  {n / requests:8.2f}  {label}  ({n} in all)" for label, n in counts.items()]
    total = sum(v[2] for v in raw.values())
    lines += ["", f"own time, main thread ({total:.1f} s in all, under cProfile):"]
    ranked = sorted(raw.items(), key=lambda kv: kv[1][2], reverse=True)[:top]
    for (file, line, func), v in ranked:
        lines.append(f"  {v[2] / total * 100:5.1f}%  {func} ({_short(file)}:{line})")
    return "\n".join(lines)
