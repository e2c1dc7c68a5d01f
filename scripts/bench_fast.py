"""Benchmark of re-runs and fan-out (issue 13): drafts with the section cache, and run-all.

Targets on the 2-core reference machine: unchanged draft rebuild <= 3 s; narrative-only edit
<= 6 s for HTML and PDF (narrative files do not exist yet, so a book-only rebuild, every
section reused, stands in for it); ``run-all`` of every force's 2023-24 Q4 in ../shared/data
in <= 6 minutes. Each draft line says how many sections were executed and reused.
Called by scripts/bench.py (``make bench``); ``BENCH_SKIP_RUN_ALL=1`` skips the fan-out.
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from pathlib import Path

from pcc_report import demo, fanout
from pcc_report.build import RunRequest
from pcc_report.drafts import draft_report
from pcc_report.manifest import MANIFEST_NAME

STREET = Path(__file__).resolve().parents[2] / "shared" / "data" / "police-uk" / "street"


def _draft(data: Path, out: Path, html_only: bool = False) -> tuple[float, str, dict]:
    request = RunRequest(force="demoshire", quarter="2022-23-Q2", police_uk=data / "police-uk",
                         returns=data / "returns", out=out)
    start = time.perf_counter()
    result = draft_report(request, progress=lambda message: None, html_only=html_only)
    seconds = time.perf_counter() - start
    notebooks = json.loads((result.report_dir / MANIFEST_NAME).read_text())["notebooks"]
    outcomes = [nb["cache"]["outcome"] for nb in notebooks]
    counts = f"{outcomes.count('executed')} executed, {outcomes.count('reused')} reused"
    return seconds, counts, dict(result.timings)


def drafts_bench() -> None:
    with tempfile.TemporaryDirectory() as folder:
        data, out = Path(folder) / "data", Path(folder) / "reports"
        demo.generate(data)
        os.environ.pop("PCC_REPORT_CACHE", None)
        seconds, counts, _ = _draft(data, out)
        print(f"\nfirst draft (cold cache), HTML and PDF: {seconds:.2f} s ({counts})")
        seconds, counts, stages = _draft(data, out)
        print(f"unchanged draft rebuild, HTML and PDF: {seconds:.2f} s ({counts}) (target <= 3 s)")
        for name, stage_seconds in stages.items():
            print(f"  {name:<55} {stage_seconds:6.2f} s")
        seconds, counts, _ = _draft(data, out, html_only=True)
        print(f"unchanged draft rebuild, --html-only: {seconds:.2f} s ({counts})")
        book = sum(t for name, t in stages.items() if name.startswith("Building the draft book"))
        print(f"book-only rebuild (stands in for a narrative-only edit; narrative files are "
              f"issue 11): book stage {book:.2f} s of the {seconds:.2f} s draft (target <= 6 s)")
        calls = data / "returns" / "calls.csv"
        lines = calls.read_text().splitlines()
        header, last = lines[0].split(","), lines[-1].split(",")
        column = header.index("offered")
        last[column] = str(int(last[column]) + 1)
        calls.write_text("\n".join([*lines[:-1], ",".join(last)]) + "\n")
        seconds, counts, _ = _draft(data, out)
        print(f"one-return change (calls.csv), HTML and PDF: {seconds:.2f} s ({counts})")


def run_all_bench() -> None:
    """Every force folder's 2023-24 Q4 (--allow-missing: the files start in 2024-01)."""
    if os.environ.get("BENCH_SKIP_RUN_ALL") or not STREET.is_dir():
        print("\nrun-all: skipped")
        return
    with tempfile.TemporaryDirectory() as out:
        forces = fanout.force_folders(STREET)
        jobs = {f: fanout.run_arguments(f, STREET, ["--quarter", "2023-24-Q4", "--allow-missing",
                                                    "--out", out]) for f in forces}
        workers = os.cpu_count() or 1
        start = time.perf_counter()
        results = fanout.run_local(jobs, workers)
        wall = time.perf_counter() - start
        rows = 0
        for r in results:
            if r.report:
                manifest = json.loads((Path(r.report) / MANIFEST_NAME).read_text())
                rows += sum(entry["rows"] or 0 for entry in manifest["inputs"])
        built = sum(r.exit_code == 0 for r in results)
        print(f"\nrun-all of {len(forces)} forces, 2023-24 Q4, {workers} workers: "
              f"{wall:.1f} s (target <= 360 s); {built} built")
        print(f"  forces per minute: {len(forces) / wall * 60:.2f}")
        print(f"  rows per second:   {rows / wall:,.0f} ({rows:,} police.uk rows)")
        print(f"  peak memory per worker (largest process of a force's build): "
              f"max {max(r.peak_rss_mb for r in results):.0f} MB")
        print(f"  speed-up over one after another (sum of per-force times / wall time): "
              f"{sum(r.seconds for r in results) / wall:.2f} x")
        print(fanout.summary_table(results))


def main() -> None:
    drafts_bench()
    run_all_bench()


if __name__ == "__main__":
    main()
