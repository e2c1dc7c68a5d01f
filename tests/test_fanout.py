"""run-all: force folders, one process per force, failures isolated, local and on Dask."""

from __future__ import annotations

import io
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from pcc_report import fanout, kernels
from pcc_report.cli import main
from pcc_report.errors import InputError


def _root(tmp_path: Path, forces: list[str]) -> Path:
    root = tmp_path / "street"
    for force in forces:
        (root / force).mkdir(parents=True)
    return root


def test_force_folders_lists_every_force_or_checks_the_chosen(tmp_path: Path) -> None:
    root = _root(tmp_path, ["kent", "btp", "dorset"])
    (root / ".hidden").mkdir()
    (root / "notes.txt").write_text("not a force")
    assert fanout.force_folders(root) == ["btp", "dorset", "kent"]
    assert fanout.force_folders(root, ["kent", "btp"]) == ["kent", "btp"]
    with pytest.raises(InputError, match="surrey"):
        fanout.force_folders(root, ["kent", "surrey"])


def test_each_force_gets_its_own_folder_and_the_shared_options(tmp_path: Path) -> None:
    args = fanout.run_arguments("kent", tmp_path, ["--quarter", "2023-24-Q4"])
    assert args == ["run", "--force", "kent", "--police-uk", str(tmp_path.absolute() / "kent"),
                    "--quarter", "2023-24-Q4"]


def test_the_forces_with_the_most_data_start_first(tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """Longest builds first, so that the run does not end on one long build; ties in force
    order; the results still come in force order."""
    root = _root(tmp_path, ["avon", "btp", "kent", "wilts"])
    for force, size in {"avon": 10, "btp": 3000, "kent": 500, "wilts": 500}.items():
        (root / force / "2024-01").mkdir()
        (root / force / "2024-01" / f"2024-01-{force}-street.csv").write_bytes(b"x" * size)
    (root / "kent" / "2024-02").mkdir()
    (root / "kent" / "2024-02" / "2024-02-kent-street.csv").write_bytes(b"x" * 600)
    (root / "avon" / "2024-01" / "2024-01-avon-outcomes.csv").write_bytes(b"x" * 9000)
    jobs = {f: fanout.run_arguments(f, root, ["--quarter", "2023-24-Q4"])
            for f in fanout.force_folders(root)}
    assert fanout.input_bytes("kent", jobs["kent"]) == 1100
    assert fanout.largest_first(jobs) == ["btp", "kent", "wilts", "avon"]
    started: list[str] = []

    def pretend(force: str, arguments: list[str], *_: object) -> fanout.ForceResult:
        started.append(force)
        return fanout._result(force, 0, "", "", time.perf_counter(), 0)

    monkeypatch.setattr(fanout, "build_force_warm", pretend)
    results = fanout.run_local(jobs, 1, main)
    assert started == ["btp", "kent", "wilts", "avon"]
    assert [r.force for r in results] == ["avon", "btp", "kent", "wilts"]


def test_a_zips_forces_are_sized_by_their_own_street_files(tmp_path: Path) -> None:
    import zipfile

    archive = tmp_path / "download.zip"
    with zipfile.ZipFile(archive, "w") as out:
        out.writestr("2024-01/2024-01-dorset-street.csv", "x" * 50)
        out.writestr("2024-01/2024-01-kent-street.csv", "x" * 70)
        out.writestr("2024-02/2024-02-kent-street.csv", "x" * 5)
        out.writestr("2024-01/2024-01-dorset-outcomes.csv", "x" * 900)  # not a street file
    jobs = {f: fanout.run_arguments(f, archive, []) for f in fanout.force_folders(archive)}
    assert {f: fanout.input_bytes(f, jobs[f]) for f in jobs} == {"dorset": 50, "kent": 75}
    assert fanout.largest_first(jobs) == ["kent", "dorset"]


def _failing_jobs(root: Path) -> dict[str, list[str]]:
    """Forces whose folders hold no police.uk files: each run stops at once (exit 2)."""
    return {force: fanout.run_arguments(force, root, ["--quarter", "2023-24-Q4",
                                                      "--out", str(root.parent / "out")])
            for force in fanout.force_folders(root)}


def test_a_failing_force_reports_its_outcome_and_others_still_run(tmp_path: Path) -> None:
    root = _root(tmp_path, ["alpha", "beta"])
    jobs = _failing_jobs(root)
    jobs["beta"][jobs["beta"].index("--quarter") + 1] = "not-a-quarter"
    seen: list[tuple[str, str]] = []
    results = fanout.run_local(jobs, 2, main, lambda force, line: seen.append((force, line)))
    assert [r.force for r in results] == ["alpha", "beta"]
    assert [r.exit_code for r in results] == [2, 2]
    assert {r.outcome for r in results} == {"unusable inputs"}
    assert "not-a-quarter" in results[1].last_line and "alpha" in results[0].last_line
    assert {force for force, _ in seen} == {"alpha", "beta"}
    table = fanout.summary_table(results)
    assert "0 of 2 forces built" in table and "unusable inputs" in table


def test_a_warm_forked_force_process_is_what_a_new_run_process_is(tmp_path: Path) -> None:
    """The fork-server process (run-all locally) and a new ``pcc-report run`` process (Dask
    workers) give the same outcome, message and exit code; both measure their memory."""
    root = _root(tmp_path, ["alpha"])
    args = _failing_jobs(root)["alpha"]
    warm, new = fanout.build_force_warm("alpha", args, main), fanout.build_force("alpha", args)
    assert (warm.exit_code, warm.last_line, warm.report) == (new.exit_code, new.last_line, None)
    assert warm.exit_code == 2 and str(root / "alpha") in warm.last_line
    assert warm.peak_rss_mb > 50 and new.peak_rss_mb > 50  # a Python process with pandas


def _report_loaded(arguments: list[str]) -> int:
    """A command that says (on stderr, as a build says its last line) which of ``arguments``
    (module names) its process has not loaded."""
    print("not loaded:", [name for name in arguments if name not in sys.modules],
          file=sys.stderr)
    return 0


def test_a_warm_force_process_starts_with_what_a_build_imports_loaded() -> None:
    """What a build imports as it goes (the sections' papermill and its clients, the book's
    LaTeX escaping, Great Expectations) is loaded once by the warm server, not by each force."""
    wanted = ["pcc_report.build", "great_expectations", "papermill", "nbclient",
              "jupyter_client.manager", "sphinx.util.texescape"]
    outcome = fanout.build_force_warm("alpha", wanted, _report_loaded)
    assert outcome.exit_code == 0 and outcome.last_line == "not loaded: []"


def test_run_all_shares_one_kernel_server_and_one_book_server_and_stops_them() -> None:
    with fanout.shared_servers() as servers:
        assert set(servers) == {kernels.SHARED_SERVER, kernels.SHARED_BOOK_SERVER}
        assert all(Path(address).exists() for address in servers.values())
    assert not any(Path(address).exists() for address in servers.values())


def test_run_all_exit_code_says_whether_every_force_was_built(tmp_path: Path, capsys) -> None:
    root = _root(tmp_path, ["alpha"])
    code = main(["run-all", "--quarter", "2023-24-Q4", "--police-uk", str(root),
                 "--out", str(tmp_path / "out"), "--jobs", "1"])
    assert code == 1
    assert "0 of 1 forces built" in capsys.readouterr().out


def test_board_prints_one_line_per_update_when_not_a_terminal() -> None:
    stream = io.StringIO()
    board = fanout.Board(["kent", "btp"], stream)
    board.update("btp", "[1/8] Reading")
    board.update("kent", "built in 3 s")
    assert stream.getvalue().splitlines() == ["btp   [1/8] Reading", "kent  built in 3 s"]


def test_forces_run_as_tasks_on_a_dask_local_cluster(tmp_path: Path) -> None:
    distributed = pytest.importorskip("distributed")
    root = _root(tmp_path, ["alpha", "beta"])
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster:
        results = fanout.run_dask(_failing_jobs(root), cluster.scheduler_address)
    assert [(r.force, r.exit_code) for r in results] == [("alpha", 2), ("beta", 2)]
    assert all("alpha" in r.last_line or "beta" in r.last_line for r in results)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_forces_run_on_dask_scheduler_and_worker_processes(tmp_path: Path) -> None:
    pytest.importorskip("distributed")
    dask = shutil.which("dask", path=str(Path(sys.executable).parent)) or shutil.which("dask")
    if dask is None:
        pytest.skip("the dask command is not installed")
    port = _free_port()
    address = f"tcp://127.0.0.1:{port}"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    scheduler = subprocess.Popen([dask, "scheduler", "--host", "127.0.0.1", "--port", str(port),
                                  "--no-dashboard"], env=env, stdout=subprocess.DEVNULL,
                                 stderr=subprocess.DEVNULL)
    worker = subprocess.Popen([dask, "worker", address, "--nthreads", "1", "--no-dashboard"],
                              env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        root = _root(tmp_path, ["alpha", "beta"])
        deadline = time.monotonic() + 60
        while True:
            try:
                results = fanout.run_dask(_failing_jobs(root), address)
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(1)
        assert [(r.force, r.outcome) for r in results] == [("alpha", "unusable inputs"),
                                                            ("beta", "unusable inputs")]
    finally:
        for process in (worker, scheduler):
            process.terminate()
            process.wait(timeout=30)


@pytest.mark.e2e
def test_run_all_builds_what_run_builds_alone(police_uk: Path, tmp_path: Path) -> None:
    """Two small real forces through run-all, one again with run: identical reports."""
    street = police_uk / "street"
    options = ["--quarter", "2023-24-Q4", "--allow-missing"]
    assert main(["run-all", "--police-uk", str(street), "--forces", "dyfed-powys,city-of-london",
                 "--out", str(tmp_path / "all"), "--jobs", "2", *options]) == 0
    assert main(["run", "--force", "dyfed-powys", "--police-uk", str(street / "dyfed-powys"),
                 "--out", str(tmp_path / "alone"), "--no-cache", *options]) == 0
    together = tmp_path / "all" / "dyfed-powys" / "2023-24-Q4" / "r1" / "public"
    alone = tmp_path / "alone" / "dyfed-powys" / "2023-24-Q4" / "r1" / "public"
    files = sorted(p.relative_to(alone) for p in alone.rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(together) for p in together.rglob("*") if p.is_file())
    for rel in files:
        if rel.as_posix() != "manifest.json":  # its run record (who, when) differs
            assert (alone / rel).read_bytes() == (together / rel).read_bytes(), rel
    assert (tmp_path / "all" / "city-of-london" / "2023-24-Q4" / "r1" / "public"
            / "manifest.json").is_file()


def _zip(tmp_path: Path) -> Path:
    import zipfile

    archive = tmp_path / "download.zip"
    with zipfile.ZipFile(archive, "w") as out:
        for month in ("2024-01", "2024-02"):
            for force in ("kent", "dorset"):
                out.writestr(f"{month}/{month}-{force}-street.csv", "Crime ID\n")
            out.writestr(f"{month}/{month}-kent-outcomes.csv", "Crime ID\n")
        out.writestr("README.txt", "not data")
    return archive


def test_a_zip_of_several_forces_lists_each_force_with_street_files(tmp_path: Path) -> None:
    archive = _zip(tmp_path)
    assert fanout.force_folders(archive) == ["dorset", "kent"]
    assert fanout.force_folders(archive, ["kent"]) == ["kent"]
    with pytest.raises(InputError, match="surrey"):
        fanout.force_folders(archive, ["surrey"])


def test_each_force_of_a_zip_reads_the_archive_in_place_and_only_its_files(tmp_path: Path
                                                                          ) -> None:
    from pcc_report import ingest

    archive = _zip(tmp_path)
    args = fanout.run_arguments("kent", archive, ["--quarter", "2023-24-Q4"])
    assert args == ["run", "--force", "kent", "--police-uk", str(archive.absolute()),
                    "--quarter", "2023-24-Q4"]
    found = ingest.discover_street_files(Path(args[4]), "kent")
    assert [f.relative for f in found] == ["2024-01/2024-01-kent-street.csv",
                                           "2024-02/2024-02-kent-street.csv"]


def test_a_damaged_zip_is_one_clear_error(tmp_path: Path) -> None:
    archive = tmp_path / "bad.zip"
    archive.write_bytes(_zip(tmp_path).read_bytes()[:-30])
    with pytest.raises(InputError):
        fanout.force_folders(archive)
