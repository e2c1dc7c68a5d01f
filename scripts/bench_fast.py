"""Benchmark of re-runs and fan-out (issue 13): drafts without repeats, and run-all.

Targets on the 2-core reference machine: unchanged draft rebuild <= 3 s; narrative-only edit
<= 6 s for HTML and PDF; ``run-all`` of every force's 2023-24 Q4 in ../shared/data in
<= 6 minutes. Each draft line says what was executed and what reused: the sections (the
section cache), validation (pcc_report.checked_inputs) and each book builder
(pcc_report.book_reuse). The narrative-only edit adds a sentence to the demonstration's
Part 1 narrative of one priority (placed at the book stage: no section re-runs).
Called by scripts/bench.py (``make bench``); ``BENCH_SKIP_RUN_ALL=1`` skips the fan-out.
"""

from __future__ import annotations

import json
import os
import resource
import tempfile
import time
from pathlib import Path

from pcc_report import cli, demo, fanout
from pcc_report.build import RunRequest
from pcc_report.drafts import draft_report
from pcc_report.manifest import MANIFEST_NAME

STREET = Path(__file__).resolve().parents[2] / "shared" / "data" / "police-uk" / "street"
SEQUENTIAL_SUBSET = 4


def _draft(data: Path, out: Path, html_only: bool = False) -> tuple[float, str, dict]:
    request = RunRequest(force="demoshire", quarter="2022-23-Q2", police_uk=data / "police-uk",
                         returns=data / "returns", out=out, narrative=data / "narrative")
    said: list[str] = []
    start = time.perf_counter()
    result = draft_report(request, progress=said.append, html_only=html_only)
    seconds = time.perf_counter() - start
    notebooks = json.loads((result.report_dir / MANIFEST_NAME).read_text())["notebooks"]
    outcomes = [nb["cache"]["outcome"] for nb in notebooks]
    stages = dict(result.timings)
    validated = "reused" if stages.get("Validating inputs", 0) < 0.5 else "validated"
    books = [line.strip().removeprefix("book: ") for line in said if "book:" in line]
    counts = (f"sections {outcomes.count('executed')} executed, {outcomes.count('reused')} "
              f"reused; validation {validated}; book {'; '.join(books)}")
    return seconds, counts, stages


def _edit_narrative(narrative: Path, number: int) -> None:
    page = narrative / "part1" / "tackle-crime.md"
    page.write_text(page.read_text() + f"\n\nAn analyst's added sentence, edit {number}.\n")


def drafts_bench() -> None:
    with tempfile.TemporaryDirectory() as folder:
        data, out = Path(folder) / "data", Path(folder) / "reports"
        demo.generate(data)
        os.environ.pop("PCC_REPORT_CACHE", None)
        runs = [("first draft (cold caches), HTML and PDF", None, False),
                ("unchanged draft rebuild, HTML and PDF (target <= 3 s)", None, False),
                ("unchanged draft rebuild, --html-only", None, True),
                ("narrative-only edit, HTML and PDF (target <= 6 s)", 1, False),
                ("narrative-only edit, --html-only", 2, True)]
        for label, edit, html_only in runs:
            if edit is not None:
                _edit_narrative(data / "narrative", edit)
            seconds, counts, stages = _draft(data, out, html_only)
            print(f"\n{label}: {seconds:.2f} s\n  ({counts})")
            for name, stage_seconds in stages.items():
                if not name.startswith("notebook "):
                    print(f"    {name:<55} {stage_seconds:6.2f} s")
        calls = data / "returns" / "calls.csv"
        lines = calls.read_text().splitlines()
        header, last = lines[0].split(","), lines[-1].split(",")
        column = header.index("offered")
        last[column] = str(int(last[column]) + 1)
        calls.write_text("\n".join([*lines[:-1], ",".join(last)]) + "\n")
        seconds, counts, _ = _draft(data, out)
        print(f"\none-return change (calls.csv), HTML and PDF: {seconds:.2f} s\n  ({counts})")


def _tree_cpu() -> float:
    """CPU-seconds of this process and every descendant that has ended and been waited for."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(
        resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def _run_all(forces: list[str], out: str, workers: int) -> tuple[float, float, list]:
    """Wall seconds, CPU-seconds of the whole process tree, and the results.

    The force processes are children of run-all's multiprocessing fork server, so their CPU
    reaches this process's account only once that server has exited: it is stopped here
    (a private call of multiprocessing, for the measurement only; the command line exits).
    """
    from multiprocessing import forkserver

    jobs = {f: fanout.run_arguments(f, STREET, ["--quarter", "2023-24-Q4", "--allow-missing",
                                                "--out", out]) for f in forces}
    cpu, start = _tree_cpu(), time.perf_counter()
    results = fanout.run_local(jobs, workers, cli.main)
    wall = time.perf_counter() - start
    forkserver._forkserver._stop()
    fanout._warm_context.cache_clear()
    return wall, _tree_cpu() - cpu, results


def run_all_bench() -> None:
    """Every force folder's 2023-24 Q4 (--allow-missing: the files start in 2024-01)."""
    if os.environ.get("BENCH_SKIP_RUN_ALL") or not STREET.is_dir():
        print("\nrun-all: skipped")
        return
    forces = fanout.force_folders(STREET)
    workers = os.cpu_count() or 1
    with tempfile.TemporaryDirectory() as out:
        wall, cpu, results = _run_all(forces, out, workers)
        rows = 0
        for r in results:
            if r.report:  # the revision folder; each edition's manifest lists the inputs
                edition_manifest = sorted(Path(r.report).glob(f"*/{MANIFEST_NAME}"))[0]
                manifest = json.loads(edition_manifest.read_text())
                rows += sum(entry.get("rows") or 0 for entry in manifest["inputs"])
        built = sum(r.exit_code == 0 for r in results)
        print(f"\nrun-all of {len(forces)} forces, 2023-24 Q4, {workers} workers: "
              f"{wall:.1f} s (target <= 360 s); {built} built")
        print(f"  forces per minute: {len(forces) / wall * 60:.2f}")
        print(f"  CPU: {cpu:.0f} CPU-s in all, {cpu / len(forces):.1f} CPU-s a force "
              f"(every process: run-all, its servers, the forces, kernels, Sphinx, pdflatex)")
        print(f"  rows per second:   {rows / wall:,.0f} ({rows:,} police.uk rows)")
        print(f"  peak memory per worker (largest process of a force's build): "
              f"max {max(r.peak_rss_mb for r in results):.0f} MB, "
              f"median {sorted(r.peak_rss_mb for r in results)[len(results) // 2]:.0f} MB")
        print(fanout.summary_table(results))
    subset = forces[:SEQUENTIAL_SUBSET]
    with tempfile.TemporaryDirectory() as out:
        sequential, sequential_cpu, _ = _run_all(subset, out, 1)
    estimate = sequential / len(subset) * len(forces)
    print(f"\nsequential (one force at a time) on {len(subset)} forces ({', '.join(subset)}): "
          f"{sequential:.1f} s; extrapolated to {len(forces)} forces: {estimate:.0f} s "
          f"(an estimate from the subset, not a measurement); "
          f"{sequential_cpu / len(subset):.1f} CPU-s a force")
    print(f"  speed-up of run-all over one after another: {estimate / wall:.2f} x")


def main() -> None:
    drafts_bench()
    run_all_bench()


if __name__ == "__main__":
    main()
