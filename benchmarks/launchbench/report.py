"""Figures of the launch benchmark: one `Sample` per (target, phase, concurrency, tool, repetition), and
the text tables printed from them."""

from __future__ import annotations

import statistics
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Sample:
    target: str
    phase: str
    concurrency: int
    tool: str
    rep: int
    launches: int
    failures: int
    first_error: str
    wall_s: float
    tool_ms: list[float]  # per launch: time in the tool's HTTP exchanges
    calls: dict[str, int]  # adm/raw jobs seen by the proxy during the sample
    wims_ms: float  # summed WIMS answer time (proxy: end of request -> first byte of reply)
    cpu_s: dict[str, float]  # tool, redis, proxy, wims (emulator only), client
    load_before: tuple[float, float, float]
    load_after: tuple[float, float, float]
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def rate(self) -> float:
        ok = self.launches - self.failures
        return ok / self.wall_s if self.wall_s > 0 else 0.0

    def per_launch(self, seconds: float) -> float:
        return seconds * 1000 / self.launches if self.launches else 0.0


def percentile(values: Iterable[float], pct: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    rank = pct / 100 * (len(ordered) - 1)
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def min_med_max(values: list[float]) -> tuple[float, float, float]:
    return min(values), statistics.median(values), max(values)


def calls_text(calls: dict[str, float]) -> str:
    total = sum(calls.values())
    if not total:
        return "0"
    inner = ", ".join(f"{job} {n:.2f}" for job, n in sorted(calls.items()))
    return f"{total:.2f} ({inner})"


@dataclass(frozen=True)
class Row:
    """All repetitions of one (target, phase, concurrency, tool)."""

    samples: list[Sample]

    @property
    def first(self) -> Sample:
        return self.samples[0]

    def rates(self) -> list[float]:
        return [s.rate for s in self.samples]

    def latencies(self) -> list[float]:
        return [ms for s in self.samples for ms in s.tool_ms]

    def launches(self) -> int:
        return sum(s.launches for s in self.samples)

    def failures(self) -> int:
        return sum(s.failures for s in self.samples)

    def calls_per_launch(self) -> dict[str, float]:
        total: dict[str, float] = {}
        for s in self.samples:
            for job, n in s.calls.items():
                total[job] = total.get(job, 0) + n
        return {job: n / self.launches() for job, n in total.items()} if self.launches() else {}

    def cpu_ms_per_launch(self, what: str) -> float:
        return sum(s.cpu_s.get(what, 0.0) for s in self.samples) * 1000 / max(1, self.launches())

    def client_cores(self) -> float:
        wall = sum(s.wall_s for s in self.samples)
        return sum(s.cpu_s.get("client", 0.0) for s in self.samples) / wall if wall else 0.0

    def wims_ms_per_call(self) -> float:
        calls = sum(sum(s.calls.values()) for s in self.samples)
        return sum(s.wims_ms for s in self.samples) / calls if calls else 0.0


def group(samples: list[Sample]) -> dict[tuple[str, str, int, str], Row]:
    rows: dict[tuple[str, str, int, str], list[Sample]] = {}
    for s in samples:
        rows.setdefault((s.target, s.phase, s.concurrency, s.tool), []).append(s)
    return {key: Row(sorted(v, key=lambda s: s.rep)) for key, v in rows.items()}


def results_table(
    samples: list[Sample], target: str, phases: list[str], concurrencies: list[int], tools: list[str]
) -> list[str]:
    """One line per (phase, concurrency, tool): rates over the repetitions, latencies over all launches."""
    rows = group(samples)
    lines = [
        f"{'':<10} {'':>4} {'':<16} {'launches/s':^24} {'latency':^17}  {'':<30}"
        f" {'CPU ms per launch':^34} {'client':>6} {'WIMS':>7}",
        f"{'phase':<10} {'conc':>4} {'tool':<16} {'min / median / max':^24} {'p50 ms':>8} {'p99 ms':>8}"
        f"  {'adm/raw calls per launch':<30} {'tool':>6} {'redis':>6} {'proxy':>6} {'wims':>6} {'client':>6}"
        f" {'cores':>6} {'ms/call':>7} {'failed':>7}",
    ]
    for phase in phases:
        for conc in concurrencies:
            for tool in tools:
                row = rows.get((target, phase, conc, tool))
                if row is None:
                    continue
                low, med, high = min_med_max(row.rates())
                lat = row.latencies()
                has_wims = any("wims" in s.cpu_s for s in row.samples)
                cpu = [row.cpu_ms_per_launch(k) for k in ("tool", "redis", "proxy")]
                wims = f"{row.cpu_ms_per_launch('wims'):.1f}" if has_wims else "-"
                lines.append(
                    f"{phase:<10} {conc:>4} {tool:<16} {f'{low:.1f} / {med:.1f} / {high:.1f}':^24}"
                    f" {percentile(lat, 50):>8.1f} {percentile(lat, 99):>8.1f}"
                    f"  {calls_text(row.calls_per_launch()):<30}"
                    + "".join(f" {c:>6.1f}" for c in cpu)
                    + f" {wims:>6} {row.cpu_ms_per_launch('client'):>6.1f} {row.client_cores():>6.2f}"
                    f" {row.wims_ms_per_call():>7.1f} {f'{row.failures()}/{row.launches()}':>7}"
                )
    return lines


def ratio_table(
    samples: list[Sample],
    target: str,
    phases: list[str],
    concurrencies: list[int],
    bridges: list[str],
    null: str,
) -> list[str]:
    """bridge / null per phase: of the median rates, of each repetition's pair (min-max), of the p50s."""
    rows = group(samples)
    lines = [
        f"{'phase':<10} {'conc':>4} {'bridge':<16} {'launches/s ratio':>16} {'per repetition min-max':>23}"
        f" {'p50 ratio':>10} {'p99 ratio':>10}"
    ]
    for phase in phases:
        for conc in concurrencies:
            base = rows.get((target, phase, conc, null))
            for bridge in bridges:
                row = rows.get((target, phase, conc, bridge))
                if base is None or row is None:
                    continue
                null_rates = {s.rep: s.rate for s in base.samples}
                paired = [s.rate / null_rates[s.rep] for s in row.samples if null_rates.get(s.rep)]
                median_ratio = statistics.median(row.rates()) / statistics.median(base.rates())
                p50 = percentile(row.latencies(), 50) / percentile(base.latencies(), 50)
                p99 = percentile(row.latencies(), 99) / percentile(base.latencies(), 99)
                spread = f"{min(paired):.2f} - {max(paired):.2f}" if paired else "-"
                lines.append(
                    f"{phase:<10} {conc:>4} {bridge:<16} {median_ratio:>15.2f}x {spread:>23}"
                    f" {p50:>9.2f}x {p99:>9.2f}x"
                )
    return lines


def _short(path: str) -> str:
    """A path with its long segments (registration uuid, teacher token) elided."""
    return "/".join(part if len(part) < 24 else part[:6] + "…" for part in path.split("/"))


def breakdown_lines(entry: dict[str, Any], *, verbose: bool = False) -> list[str]:
    if not entry["ok"]:
        return [f"{entry['label']}: FAILED {entry['error']}"]
    sql, redis, cache, http, logs = entry["sql"], entry["redis"], entry["cache"], entry["http"], entry["logs"]
    db = entry["db_connect"]["ms"] + entry["db_close"]["ms"] + entry["commit"]["ms"]
    waiting = sql["ms"] + db + redis["ms"] + http["ms"]
    runs = entry.get("runs", 1)
    low, high = entry.get("wall_ms_range", [0, 0])
    over = f" (median of {runs} launches, wall {low:.1f} - {high:.1f} ms)" if runs > 1 else ""
    if entry.get("mode") == "profile":
        over = " (under cProfile: times inflated)"
    lines = [
        f"{entry['label']}{over}: wall {entry['wall_ms']:.1f} ms, CPU {entry['cpu_ms']:.1f} ms"
        f" (outside SQL, Redis and HTTP calls: {entry['wall_ms'] - waiting:.1f} ms)",
        ("  requests (the median launch): " if runs > 1 else "  requests: ")
        + " | ".join(
            f"{r['method']} {_short(r['path'])} {r['status']} {r['wall_ms']:.1f} ms (CPU {r['cpu_ms']:.1f})"
            for r in entry["requests"]
        ),
        f"  SQL: {sql['count']} statements, {sql['ms']:.1f} ms ("
        + ", ".join(f"{k} {v}" for k, v in sorted(sql["by_kind"].items()))
        + f"); connections opened {entry['db_connect']['count']} ({entry['db_connect']['ms']:.1f} ms),"
        f" closed {entry['db_close']['count']} ({entry['db_close']['ms']:.1f} ms),"
        f" commits {entry['commit']['count']} ({entry['commit']['ms']:.1f} ms)",
        f"  Redis: {redis['commands']} commands in {redis['round_trips']} round trips, {redis['ms']:.1f} ms ("
        + ", ".join(f"{k} {v}" for k, v in sorted(redis["by_area"].items()))
        + "): "
        + ", ".join(f"{k} {v}" for k, v in sorted(redis["by_command"].items())),
        f"  Django cache: {cache['ops']} operations, {cache['ms']:.1f} ms,"
        f" {cache['clients_built']} redis clients built ("
        + ", ".join(f"{k} {v}" for k, v in sorted(cache["by_op"].items()))
        + ")",
        f"  HTTP out: {http['count']} calls, {http['ms']:.1f} ms (on the wire {http['wire_ms']:.1f} ms)"
        + (" — in the median launch" if runs > 1 and http["calls"] else "")
        + "".join(
            f"; {'adm/raw ' + c['job'] if c['job'] else c['url']} {c['ms']:.1f} ms (wire {c['wire_ms']:.1f})"
            for c in http["calls"]
        ),
        f"  logs: {logs['records']} records, {logs['ms']:.1f} ms in handlers",
    ]
    if verbose:
        lines += ["  SQL statements ([request number] time):"]
        lines += [f"    [{n}] {ms:7.3f} ms  {text}" for ms, n, text in sql["statements"]]
    if entry.get("profile"):
        lines += [
            "  profile (cProfile, by own time):",
            *("    " + line for line in entry["profile"].splitlines() if line.strip()),
        ]
    return lines
