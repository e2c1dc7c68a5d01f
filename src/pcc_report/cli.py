"""``pcc-report``: the analyst's and auditor's command line.

Exit codes: 0 success; 1 build failed; 2 unusable inputs or arguments; 3 validation
failed (nothing published); 4 a report already exists and was left untouched; 5 another
build of the same force and quarter is running; 6 verification failed; 7 the reports folder
cannot be written; 8 the manifest's signature does not match (or is missing when required);
9 the narrative was refused.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

EPILOG = """exit codes: 0 success; 1 the build failed; 2 unusable inputs or arguments;
3 input validation failed (nothing published); 4 a report already exists (left untouched);
5 another build of the same force and quarter is running; 6 verification failed;
7 the reports folder cannot be written (--out is a file, no permission, read-only, disk full);
8 verify: the manifest's signature does not match, or is missing under --require-signature
9 the narrative was refused (placeholder, markup or front sheet; --final and unfinished)

example:
  pcc-report run --force lancashire --quarter 2022-23-Q2 --police-uk ../shared/data/police-uk
"""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="pcc-report",
        description="Build reproducible Police and Crime Panel performance reports.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = commands.add_parser(
        "run",
        help="build a force's report for a quarter (HTML and PDF)",
        description="Validate the inputs, run every report section and publish the book "
        "into OUT/<force>/<quarter>/. Nothing is published unless every stage succeeds.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    run.add_argument("--force", required=True,
                     help="police.uk force slug, e.g. lancashire (as in the file names)")
    run.add_argument("--quarter", required=True,
                     help="financial-year quarter, e.g. 2022-23-Q2 (July to September 2022)")
    run.add_argument("--police-uk", required=True, type=Path, metavar="DIR|ZIP",
                     help="folder of police.uk street files (month folders or flat; .csv or .gz) "
                     "or the zip archive from data.police.uk, read in place")
    run.add_argument("--period-end", metavar="YYYY-MM",
                     help="last month to report (default: the quarter's last month)")
    run.add_argument("--out", type=Path, default=Path("reports"), metavar="DIR",
                     help="reports folder (default: reports)")
    run.add_argument("--allow-missing", action="store_true",
                     help="build even if months are missing; affected figures are marked "
                     "'incomplete data'")
    run.add_argument("--returns", type=Path, metavar="DIR",
                     help="folder of force returns (calls.csv, victim_satisfaction.csv, ...; "
                     "see returns/README.md); measures without a return show 'not available'")
    run.add_argument("--edition", choices=("public", "restricted", "both"), default="public",
                     help="public (default: restricted measures and returns left out, small "
                     "counts suppressed), restricted (everything, marked RESTRICTED), or both, "
                     "side by side in OUT/<force>/<quarter>/rN/")
    run.add_argument("--reissue", metavar="REASON",
                     help="publish a new revision (r2, r3, ...) beside the existing report, "
                     "stating why; the original is never changed")
    run.add_argument("--meeting", metavar="TEXT",
                     help="panel meeting date for the front sheet, e.g. '12 December 2022'")
    run.add_argument("--narrative", type=Path, metavar="DIR",
                     help="the analyst's narrative folder (summary.md, part1/<priority>.md, "
                     "part3.md, front-sheet.yml; default: narrative/<force>/<quarter> when it "
                     "exists); see pcc-report narrative-template")
    run.add_argument("--final", action="store_true",
                     help="refuse to build while a narrative file is missing or still holds the "
                     "template text (exit code 9)")
    run.add_argument("--home-office", type=Path, metavar="FILE",
                     help="Home Office recorded crime by force area (year ending September, "
                     "with population), for the dashboard's Most Similar Group comparison; "
                     "without it the comparison shows 'not available'")
    run.add_argument("--no-cache", action="store_true",
                     help="execute every section instead of reusing unchanged ones from the "
                     "section cache (OUT/.cache/sections, or $PCC_REPORT_CACHE)")

    draft = commands.add_parser(
        "draft",
        help="build a draft of a force's quarter into OUT/drafts/<force>/<quarter>/ (replaced "
        "at every draft, never published)",
        description="The same options and stages as run, but the result replaces the previous "
        "draft atomically instead of publishing a revision; unchanged sections are reused "
        "from the section cache.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    for action in run._actions:
        if action.dest not in ("help", "final"):
            draft._add_action(action)
    draft.add_argument("--html-only", action="store_true",
                       help="build the HTML only (no PDF): the fast edit loop")

    run_all = commands.add_parser(
        "run-all",
        help="build a quarter for every force folder under ROOT, in parallel",
        description="Run 'pcc-report run' for each force folder ROOT/<force>/ (as data.police.uk "
        "lays them out), JOBS at a time or on a Dask cluster, with one progress line per force "
        "and a summary table. One force failing does not stop the others; the exit code is 0 "
        "only if every force was built.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    shared = [a for a in run._actions
              if a.dest not in ("help", "force", "police_uk", "returns", "narrative")]
    for action in shared:
        run_all._add_action(action)
    run_all.set_defaults(shared_options=shared)  # passed on to each force's run
    run_all.add_argument("--police-uk", required=True, type=Path, metavar="ROOT|ZIP",
                         help="folder of force folders, e.g. ../shared/data/police-uk/street, "
                         "or a zip archive of several forces' files (read in place)")
    run_all.add_argument("--returns", type=Path, metavar="DIR",
                         help="folder of per-force returns folders DIR/<force>/ (optional)")
    run_all.add_argument("--forces", metavar="A,B,...", help="only these forces")
    run_all.add_argument("--jobs", type=int, metavar="N",
                         help="forces built at once (default: one per core)")
    run_all.add_argument("--dask-scheduler", metavar="ADDRESS",
                         help="send each force to this Dask distributed scheduler as a task, "
                         "e.g. tcp://10.0.0.5:8786 (workers need the same paths)")
    run_all.add_argument("--summary-json", type=Path, metavar="FILE",
                         help="also write the summary as JSON")

    verify = commands.add_parser(
        "verify",
        help="prove a published report: hashes, inputs, and re-execution of every section",
        description="Check the manifest digest and every file's hash, check the inputs still "
        "match, re-execute every notebook with its recorded parameters in a temporary folder "
        "and compare outputs, tables and figures. Never modifies the report folder.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    verify.add_argument("report", type=Path, metavar="REPORT_DIR",
                        help="an edition folder, e.g. reports/lancashire/2022-23-Q2/r1/public, "
                        "or a revision folder (r1: every edition in it is verified)")
    verify.add_argument("--data-root", action="append", default=[], metavar="DIR|OLD=NEW",
                        help="where the inputs are now, if they moved: one folder for all, or "
                        "RECORDED_ROOT=NEW_ROOT (repeat for police.uk and returns folders)")
    verify.add_argument("--no-reexecute", action="store_true",
                        help="check hashes and inputs only (fast)")
    verify.add_argument("--require-signature", action="store_true",
                        help="fail (exit 8) if the manifest is not signed")
    verify.add_argument("--fingerprint", metavar="FP",
                        help="the signing key's fingerprint printed on the front sheet; fail "
                        "(exit 8) if the report was signed by another key")

    explain = commands.add_parser(
        "explain", help="where one table or chart comes from, recounted from the input files",
        description="Print the lineage of a table or chart (notebook and cell, measures, "
        "windows and months, filter, input files with hashes) and recount each police.uk "
        "figure of it from the street files. Exit 0 if every figure matches, 6 if not.")
    explain.add_argument("report", type=Path, metavar="REPORT_DIR", help="an edition folder")
    explain.add_argument("id", metavar="ID", help="the table or chart id, e.g. part2-performance")
    explain.add_argument("--data-root", type=Path, metavar="DIR",
                         help="where the police.uk files are now, if they moved")

    diff = commands.add_parser(
        "diff", help="what changed between two reports (inputs, figures, cells, ratings, text)",
        description="Compare two edition folders (r1 and r2 of a quarter, or two quarters): "
        "inputs added, removed or changed (rows per month), every figure and table cell whose "
        "value changed (old -> new), ratings and sentences that changed.")
    diff.add_argument("old", type=Path, metavar="A", help="the earlier edition folder")
    diff.add_argument("new", type=Path, metavar="B", help="the later edition folder")
    diff.add_argument("--html", type=Path, metavar="FILE", help="also write an HTML page")

    keys = commands.add_parser(
        "keys", help="the office's signing key (Ed25519): keys init",
        description="Create the key pair that signs every published manifest. Set "
        "PCC_REPORT_SIGNING_KEY to the private key's path for run and draft to sign.")
    keys_commands = keys.add_subparsers(dest="keys_command", required=True, metavar="ACTION")
    init = keys_commands.add_parser("init", help="create a new key pair (never replaces one)")
    init.add_argument("--key", type=Path, metavar="PATH",
                      help="private key file (default: $PCC_REPORT_SIGNING_KEY or "
                      "~/.config/pcc-report/signing-key.pem); PATH.pub gets the public key")
    init.add_argument("--out", type=Path, default=Path("reports"), metavar="DIR",
                      help="the reports folder, which the key must not be in (default: reports)")

    template = commands.add_parser(
        "narrative-template",
        help="write the skeleton of a quarter's narrative folder (one file per plan priority, "
        "part3.md, summary.md, front-sheet.yml, and a README of the placeholders)",
    )
    template.add_argument("--force", required=True, help="police.uk force slug")
    template.add_argument("--quarter", required=True,
                          help="financial-year quarter, e.g. 2022-23-Q2")
    template.add_argument("--out", type=Path, metavar="DIR",
                          help="folder to write (default: narrative/<force>/<quarter>)")

    demo = commands.add_parser(
        "demo-data",
        help="write the deterministic demonstration data (fictional force 'demoshire')",
    )
    demo.add_argument("--out", type=Path, default=Path("data/demo"), metavar="DIR")
    return parser


def _run(args: argparse.Namespace) -> int:
    from pcc_report.build import RunRequest, run_report
    from pcc_report.errors import ReportError

    request = RunRequest(
        force=args.force,
        quarter=args.quarter,
        police_uk=args.police_uk,
        out=args.out,
        period_end=args.period_end,
        allow_missing=args.allow_missing,
        meeting=args.meeting,
        returns=args.returns,
        edition=args.edition,
        reissue=args.reissue,
        use_cache=not args.no_cache,
        narrative=args.narrative,
        final=args.final,
        home_office=args.home_office,
    )
    start = time.perf_counter()
    try:
        result = run_report(request)
    except ReportError as exc:
        print(f"\npcc-report: {exc}", file=sys.stderr)
        return exc.exit_code
    except OSError as exc:  # last resort: one line, never a traceback
        from pcc_report.publish import output_error

        error = output_error(exc, "building the report") or ReportError(
            f"{exc}; nothing was published"
        )
        print(f"\npcc-report: {error}", file=sys.stderr)
        return error.exit_code
    print(
        f"\nReport built in {time.perf_counter() - start:.1f} s"
        f"{f' with {result.warnings} validation warning(s)' if result.warnings else ''}.\n"
        f"  revision: {result.revision_dir}"
    )
    for name, folder in result.editions.items():
        pdf = next(folder.glob("*.pdf"), None)
        print(f"  {name} edition: {folder}\n    HTML: {folder / 'html' / 'index.html'}\n"
              f"    PDF:  {pdf}")
    return 0


def request_from(args: argparse.Namespace):  # noqa: ANN201 - build.RunRequest, imported late
    """The RunRequest of parsed ``run`` options (draft and run-all take the same options)."""
    from dataclasses import fields

    from pcc_report.build import RunRequest

    given = {f.name: getattr(args, f.name) for f in fields(RunRequest) if hasattr(args, f.name)}
    return RunRequest(**given, use_cache=not args.no_cache)


def _draft(args: argparse.Namespace) -> int:
    from pcc_report.drafts import draft_report
    from pcc_report.errors import ReportError

    start = time.perf_counter()
    try:
        result = draft_report(request_from(args), html_only=args.html_only)
    except ReportError as exc:
        print(f"\npcc-report: {exc}", file=sys.stderr)
        return exc.exit_code
    print(
        f"\nDraft built in {time.perf_counter() - start:.1f} s (not published).\n"
        f"  folder: {result.report_dir}\n"
        f"  HTML:   {result.html_index}"
        + ("" if args.html_only else f"\n  PDF:    {result.pdf}")
    )
    return 0


def _run_all(args: argparse.Namespace) -> int:
    import json
    import os

    from pcc_report import fanout
    from pcc_report.errors import ReportError

    shared = []
    for action in args.shared_options:
        value = getattr(args, action.dest)
        if value is None or value is False or value == action.default and action.dest != "out":
            continue
        if isinstance(value, Path):
            value = value.absolute()
        shared += [action.option_strings[-1]] + ([] if value is True else [str(value)])
    try:
        forces = fanout.force_folders(args.police_uk, args.forces.split(",") if args.forces
                                      else None)
    except ReportError as exc:
        print(f"pcc-report: {exc}", file=sys.stderr)
        return exc.exit_code
    jobs = {}
    for force in forces:
        extra = []
        if args.returns is not None and (args.returns / force).is_dir():
            extra = ["--returns", str((args.returns / force).absolute())]
        jobs[force] = fanout.run_arguments(force, args.police_uk, shared + extra)
    board = fanout.Board(forces)
    start = time.perf_counter()
    if args.dask_scheduler:
        results = fanout.run_dask(jobs, args.dask_scheduler, board.update)
    else:
        results = fanout.run_local(jobs, args.jobs or os.cpu_count() or 1, main,
                                    board.update)
    print(fanout.summary_table(results))
    print(f"{len(forces)} forces in {time.perf_counter() - start:.1f} s")
    if args.summary_json:
        args.summary_json.write_text(json.dumps(fanout.as_records(results), indent=2) + "\n")
    return 0 if all(r.exit_code == 0 for r in results) else 1


def _verify(args: argparse.Namespace) -> int:
    from pcc_report.editions import edition_folders
    from pcc_report.errors import SignatureMismatch, VerificationFailed
    from pcc_report.manifest import MANIFEST_NAME
    from pcc_report.verify import verify

    roots: Path | dict[str, Path] | None = None
    if len(args.data_root) == 1 and "=" not in args.data_root[0]:
        roots = Path(args.data_root[0])
    elif args.data_root:
        pairs = [item.split("=", 1) for item in args.data_root]
        if any(len(pair) != 2 for pair in pairs):
            print("pcc-report: give --data-root once as DIR, or as OLD=NEW", file=sys.stderr)
            return 2
        roots = {old: Path(new) for old, new in pairs}
    folders = [args.report] if (args.report / MANIFEST_NAME).is_file() else [
        f for f in edition_folders(args.report) if (f / MANIFEST_NAME).is_file()]
    if not folders:
        print(f"pcc-report: no {MANIFEST_NAME} in {args.report} nor in an edition folder "
              "inside it", file=sys.stderr)
        return 2
    verdicts = []
    forged = False
    for folder in folders:
        result = verify(folder, data_root=roots, reexecute=not args.no_reexecute,
                        progress=lambda message: print(message, file=sys.stderr, flush=True),
                        require_signature=args.require_signature, fingerprint=args.fingerprint)
        print(result.format())
        verdicts.append((folder, result.ok))
        forged = forged or result.signature_failed
    if len(folders) > 1:
        print("Editions:")
        for folder, ok in verdicts:
            print(f"  {folder.name}: {'PASSED' if ok else 'FAILED'}")
    if forged:
        return SignatureMismatch.exit_code
    return 0 if all(ok for _, ok in verdicts) else VerificationFailed.exit_code


def _explain(args: argparse.Namespace) -> int:
    from pcc_report.errors import VerificationFailed
    from pcc_report.explain import ExplainError, explain

    try:
        result = explain(args.report, args.id, args.data_root)
    except (ExplainError, OSError, ValueError) as exc:
        print(f"pcc-report: {exc}", file=sys.stderr)
        return 2
    print(result.format())
    return 0 if result.ok else VerificationFailed.exit_code


def _diff(args: argparse.Namespace) -> int:
    from pcc_report.diff import Side, compare
    from pcc_report.manifest import MANIFEST_NAME

    for folder in (args.old, args.new):
        if not (folder / MANIFEST_NAME).is_file():
            print(f"pcc-report: no {MANIFEST_NAME} in {folder}: give edition folders "
                  "(e.g. .../r1/public)", file=sys.stderr)
            return 2
    found = compare(Side.of(args.old), Side.of(args.new))
    print(f"Changes from {args.old} to {args.new}:\n{found.format()}")
    if args.html:
        args.html.write_text(found.to_html(f"What changed: {args.old} -> {args.new}"),
                             encoding="utf-8")
        print(f"HTML: {args.html}")
    return 0


def _keys(args: argparse.Namespace) -> int:
    import os

    from pcc_report import signing
    from pcc_report.config import PROJECT_ROOT
    from pcc_report.errors import ReportError

    path = args.key or Path(os.environ.get(signing.KEY_ENV) or signing.DEFAULT_KEY)
    try:
        key, fingerprint = signing.init_key(path, [PROJECT_ROOT, args.out])
    except ReportError as exc:
        print(f"pcc-report: {exc}", file=sys.stderr)
        return exc.exit_code
    print(f"Signing key created: {key} (mode 0600; keep it safe, never in a report)\n"
          f"  public key:  {key}.pub\n  fingerprint: {fingerprint}\n"
          f"Sign reports with: export {signing.KEY_ENV}={key}")
    return 0


def _narrative_template(args: argparse.Namespace) -> int:
    from pcc_report import catalogue, narrative_files, narrative_template
    from pcc_report.config import load_force_config
    from pcc_report.errors import ReportError
    from pcc_report.periods import Quarter

    try:
        quarter = Quarter.parse(args.quarter)
    except ValueError as exc:
        print(f"pcc-report: {exc}", file=sys.stderr)
        return 2
    force = load_force_config(args.force)
    out = args.out or narrative_files.default_dir(args.force, str(quarter))
    measured = catalogue.load_catalogue(priorities=[p.id for p in force.priorities])
    try:
        written = narrative_template.write(out, force, quarter, measured)
    except ReportError as exc:
        print(f"pcc-report: {exc}", file=sys.stderr)
        return exc.exit_code
    print(f"Narrative template for {force.name}, {quarter.title}: {len(written)} files in {out}")
    return 0


def _demo(args: argparse.Namespace) -> int:
    from pcc_report import demo

    summary = demo.generate(args.out)
    rows = sum(summary["rows"].values())
    print(
        f"Demonstration data (fictional) written to {args.out}: "
        f"{len(summary['files'])} files, {rows:,} rows, "
        f"{summary['first_month']} to {summary['last_month']}"
    )
    return 0


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    handlers = {"run": _run, "draft": _draft, "run-all": _run_all, "verify": _verify,
                "narrative-template": _narrative_template, "demo-data": _demo, "keys": _keys,
                "explain": _explain, "diff": _diff}
    return handlers[args.command](args)


if __name__ == "__main__":
    sys.exit(main())
