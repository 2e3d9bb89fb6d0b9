"""Percentiles, JSON lines and the closing table."""

from __future__ import annotations

import json
import math
import sys
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any


def percentile(samples: Sequence[float], q: float) -> float:
    """Nearest-rank percentile of ``samples`` (``q`` in 0..100); NaN when empty."""
    if not samples:
        return math.nan
    ordered = sorted(samples)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[min(rank, len(ordered)) - 1]


def summary_ms(samples_s: Sequence[float]) -> dict[str, float]:
    """p50/p95/p99/max of durations given in seconds, returned in milliseconds."""
    ordered = sorted(samples_s)
    return {
        "n": float(len(ordered)),
        "p50_ms": round(percentile(ordered, 50) * 1000, 2),
        "p95_ms": round(percentile(ordered, 95) * 1000, 2),
        "p99_ms": round(percentile(ordered, 99) * 1000, 2),
        "max_ms": round((ordered[-1] if ordered else math.nan) * 1000, 2),
    }


@dataclass
class Result:
    """One measured figure of one benchmark on one target (otklik or its baseline)."""

    bench: str
    #: "otklik" | "echo" | "raw-sql" | "1-worker" (baseline of --workers 2), or a layer of the
    #: write-turn replay ("sa-core-sync", ...), shown in the otklik column with its name.
    target: str
    database: str  # "sqlite" | "postgres" | "-"
    metric: str
    value: float
    unit: str
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class Check:
    """A target of the issue, judged on this run's figures."""

    bench: str
    database: str
    name: str
    value: float
    unit: str
    limit: float
    higher_is_better: bool

    @property
    def passed(self) -> bool:
        if math.isnan(self.value):
            return False
        return self.value >= self.limit if self.higher_is_better else self.value <= self.limit

    @property
    def margin(self) -> str:
        """How far from the target: ``12% headroom``, ``at 5% of target``, ``3.2x the limit``."""
        if math.isnan(self.value) or self.limit == 0:
            return "n/a"
        if self.passed:
            headroom = abs(self.value - self.limit) / self.limit * 100
            return f"{headroom:.0f}% headroom"
        if self.higher_is_better:
            return f"at {self.value / self.limit * 100:.0f}% of target"
        return f"{self.value / self.limit:.2f}x the limit"


#: Targets shown in the baseline column, in order of preference.
BASELINES = ("echo", "raw-sql", "1-worker")


class Reporter:
    """Prints every figure as a JSON line the moment it is known and keeps it for the table."""

    def __init__(self, jsonl_path: Path | None) -> None:
        self.results: list[Result] = []
        self.checks: list[Check] = []
        #: Sentences printed under the tables (for example how far ingest is from its limit).
        self.summaries: list[str] = []
        self.path = jsonl_path
        if jsonl_path is not None:
            jsonl_path.parent.mkdir(parents=True, exist_ok=True)
            jsonl_path.write_text("")

    def _write(self, record: dict[str, Any]) -> None:
        line = json.dumps(_no_nan(record), ensure_ascii=False, default=_jsonable)
        print(line, flush=True)
        if self.path is not None:
            with self.path.open("a") as fh:
                fh.write(line + "\n")

    def meta(self, **fields: Any) -> None:
        self._write({"kind": "meta", **fields})

    def note(self, bench: str, text: str) -> None:
        print(f"# [{bench}] {text}", file=sys.stderr, flush=True)

    def add(self, result: Result) -> None:
        self.results.append(result)
        self._write({"kind": "result", **asdict(result)})

    def add_rows(
        self,
        bench: str,
        target: str,
        database: str,
        rows: list[tuple[str, float, str]],
        extra: dict[str, Any] | None = None,
    ) -> None:
        """Several figures of one target; ``extra`` (details) goes with the first."""
        for i, (metric, value, unit) in enumerate(rows):
            self.add(
                Result(
                    bench, target, database, metric, value, unit, (extra or {}) if i == 0 else {}
                )
            )

    def summary(self, bench: str, text: str) -> None:
        """A sentence for under the tables (and a JSON line now)."""
        self.summaries.append(f"[{bench}] {text}")
        self._write({"kind": "summary", "bench": bench, "text": text})

    def check(self, check: Check) -> None:
        self.checks.append(check)
        record = {"kind": "check", **asdict(check), "passed": check.passed, "margin": check.margin}
        self._write(record)

    def table(self) -> str:
        """Otklik next to its same-run baseline (echo app or raw SQL), then the targets."""
        rows: dict[tuple[str, str, str], dict[str, Result]] = {}
        for r in self.results:
            rows.setdefault((r.bench, r.database, r.metric), {})[r.target] = r
        grid = [("bench", "db", "metric", "otklik", "baseline", "otklik/baseline", "unit")]
        for (bench, db, metric), by_target in rows.items():
            mine = by_target.get("otklik") or next(
                (r for t, r in by_target.items() if t not in BASELINES), None
            )
            base = next((by_target[t] for t in BASELINES if t in by_target), None)
            ratio = "" if not (mine and base and base.value) else f"{mine.value / base.value:.2f}x"
            base_cell = f"{_fmt(base.value)} ({base.target})" if base else ""
            mine_cell = ""
            if mine is not None:
                mine_cell = _fmt(mine.value)
                if mine.target != "otklik":
                    mine_cell += f" ({mine.target})"
            either = mine or base
            unit = either.unit if either else ""
            grid.append((bench, db, metric, mine_cell, base_cell, ratio, unit))
        out = [_grid(grid), ""]
        checks = [("bench", "db", "target of the issue", "value", "limit", "verdict")]
        for c in self.checks:
            cmp = ">=" if c.higher_is_better else "<="
            verdict = "PASS" if c.passed else "MISS"
            checks.append(
                (
                    c.bench,
                    c.database,
                    c.name,
                    f"{_fmt(c.value)} {c.unit}",
                    f"{cmp} {_fmt(c.limit)} {c.unit}",
                    f"{verdict} ({c.margin})",
                )
            )
        if len(checks) > 1:
            out.append(_grid(checks))
        if self.summaries:
            out += ["", *self.summaries]
        return "\n".join(out)


def _fmt(value: float) -> str:
    if math.isnan(value):
        return "n/a"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    return f"{value:.2f}"


def _grid(rows: Iterable[tuple[str, ...]]) -> str:
    rows = list(rows)
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = []
    for n, row in enumerate(rows):
        lines.append(
            "| " + " | ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)) + " |"
        )
        if n == 0:
            lines.append("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    return "\n".join(lines)


def _jsonable(value: object) -> object:
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, Path):
        return str(value)
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def _no_nan(value: Any) -> Any:
    """NaN is not JSON: write null instead."""
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, dict):
        return {k: _no_nan(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_no_nan(v) for v in value]
    return value


def load(paths: Iterable[Path]) -> Reporter:
    """A reporter holding the results and checks of earlier runs' JSON lines."""
    reporter = Reporter(None)
    for path in paths:
        for line in path.read_text().splitlines():
            record = json.loads(line)
            kind = record.pop("kind")
            if kind == "result":
                value = record.pop("value")
                reporter.results.append(
                    Result(value=math.nan if value is None else value, **record)
                )
            elif kind == "summary":
                reporter.summaries.append(f"[{record['bench']}] {record['text']}")
            elif kind == "check":
                record.pop("passed")
                record.pop("margin")
                value = record.pop("value")
                reporter.checks.append(Check(value=math.nan if value is None else value, **record))
    return reporter


if __name__ == "__main__":
    # python -m bench.report bench/results/latest.jsonl [...]: the tables again
    print(load(Path(p) for p in sys.argv[1:]).table())
