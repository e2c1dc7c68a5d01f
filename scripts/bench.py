"""Benchmark: build Lancashire 2022-23 Q2 from the real files and print timings per stage.

Targets on the 2-core reference machine: the whole build under 60 s; ingest of all 36
Lancashire files (about 0.7 million rows) under 3 s; hashing 40 MB of inputs for the manifest
under 2 s; `verify` (with re-execution of every section) no slower than 1.2 x the build. Run
with `make bench`.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

import bench_fast

from pcc_report import ingest, manifest
from pcc_report.build import RunRequest, run_report
from pcc_report.verify import verify

POLICE_UK = Path(__file__).resolve().parents[2] / "shared" / "data" / "police-uk"


def _bench_zip_against_folder(files: list[ingest.StreetFile]) -> None:
    """File checks + read of the same months from a folder and from a police.uk-style zip.

    The download zip holds plain CSVs (DEFLATE), so both sides get the same plain files.
    Target: the zip within 1.5 x the folder (it inflates each member twice: check and read).
    """
    import gzip
    import zipfile

    from pcc_report.validation import check_street_file

    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder) / "police-uk"
        archive = Path(folder) / "download.zip"
        with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as out:
            for f in files:
                name = f"{f.month}/{f.month}-lancashire-street.csv"
                data = gzip.decompress(f.path.read_bytes())
                (root / f.month).mkdir(parents=True, exist_ok=True)
                (root / name).write_bytes(data)
                out.writestr(name, data)
        seconds = {}
        for label, source in (("folder", root), ("zip", archive)):
            start = time.perf_counter()
            found = ingest.discover_street_files(source, "lancashire")
            assert not [p for f in found for p in check_street_file(f.path, f.relative, f.member)]
            rows = ingest.read_street_files(found).num_rows
            seconds[label] = time.perf_counter() - start
        print(f"file checks + read of {len(files)} plain CSVs ({rows:,} rows): folder "
              f"{seconds['folder']:.2f} s, zip {seconds['zip']:.2f} s "
              f"({seconds['zip'] / seconds['folder']:.2f} x; target < 1.5 x)")


def main() -> int:
    if not POLICE_UK.is_dir():
        print(f"bench: real data not found at {POLICE_UK}", file=sys.stderr)
        return 2
    start = time.perf_counter()
    files = ingest.discover_street_files(POLICE_UK, "lancashire")
    table = ingest.read_street_files(files)
    ingest.tidy_monthly(table)
    ingest_all = time.perf_counter() - start
    print(f"ingest of all {len(files)} Lancashire files ({table.num_rows:,} rows), "
          f"read + tidy: {ingest_all:.2f} s (target < 3 s)")
    del table
    _bench_zip_against_folder(files)

    with tempfile.TemporaryDirectory() as folder:
        paths = []
        for number in range(36):  # 36 files of about the size of Lancashire's gzipped months
            path = Path(folder) / f"2020-{number:02d}-lancashire-street.csv.gz"
            path.write_bytes(os.urandom(1_150_000))
            paths.append(path)
        start = time.perf_counter()
        manifest.input_entries(paths, Path(folder))
        print(f"hashing 36 input files (40 MB) for the manifest: "
              f"{time.perf_counter() - start:.2f} s (target < 2 s)")

    with tempfile.TemporaryDirectory() as out:
        start = time.perf_counter()
        result = run_report(
            RunRequest(force="lancashire", quarter="2022-23-Q2", police_uk=POLICE_UK,
                       out=Path(out)),
            progress=lambda message: None,
        )
        total = time.perf_counter() - start
        print("\nbuild of lancashire 2022-23-Q2 (period end 2022-09):")
        for name, seconds in result.timings:
            print(f"  {name:<55} {seconds:6.2f} s")
        print(f"  {'TOTAL (wall clock)':<55} {total:6.2f} s (target < 60 s)")

        start = time.perf_counter()
        verified = verify(result.report_dir, progress=lambda message: None)
        seconds = time.perf_counter() - start
        print(f"\nverify (hashes, inputs, re-execution of every section): {seconds:.2f} s, "
              f"{seconds / total:.2f} x the build (target <= 1.2 x); "
              f"{'PASSED' if verified.ok else 'FAILED'}")
    bench_fast.main()
    return 0 if verified.ok else 1


if __name__ == "__main__":
    sys.exit(main())
