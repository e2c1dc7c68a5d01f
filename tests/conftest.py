"""Shared fixtures: the real public data, one real report built per session, a small report."""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path

import pytest
from smallreport import TEMPLATE, build_small_report, write_inputs

SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
POLICE_UK = SHARED_DATA / "police-uk"


@pytest.fixture(scope="session")
def police_uk() -> Path:
    """The real data.police.uk files from ../shared/data (skips cleanly when absent)."""
    if not (POLICE_UK / "street" / "lancashire").is_dir():
        pytest.skip(f"real police.uk data not found at {POLICE_UK} (needs ../shared/data)")
    return POLICE_UK


@pytest.fixture(scope="session")
def lancashire_report(police_uk: Path, demo_returns: Path,
                      tmp_path_factory: pytest.TempPathFactory):
    """Lancashire 2022-23 Q2 built once from the real files (with demonstration returns)."""
    from pcc_report.build import RunRequest, run_report

    return run_report(
        RunRequest(force="lancashire", quarter="2022-23-Q2", police_uk=police_uk,
                   out=tmp_path_factory.mktemp("reports"), returns=demo_returns),
        progress=lambda message: None,
    )


@pytest.fixture(scope="session")
def demo_returns(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Demonstration force returns for Lancashire, mixed with its real police.uk data."""
    from pcc_report.demo import generate_returns

    folder = tmp_path_factory.mktemp("returns")
    generate_returns(folder, force="lancashire")  # its funding return funds its districts
    return folder


@pytest.fixture(scope="session")
def demo_data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The project's own demonstration data (police.uk files and returns), generated once."""
    from pcc_report import demo

    root = tmp_path_factory.mktemp("demo-data")
    demo.generate(root)
    return root


def build_demo(demo_data: Path, out: Path, **options):
    """Build the demonstration report for 2022-23 Q2 into ``out``; returns (result, seconds)."""
    from pcc_report.build import RunRequest, run_report

    start = time.perf_counter()
    result = run_report(
        RunRequest(force="demoshire", quarter="2022-23-Q2", police_uk=demo_data / "police-uk",
                   returns=demo_data / "returns", out=out, **options),
        progress=lambda message: None,
    )
    return result, time.perf_counter() - start


@pytest.fixture(scope="session")
def demo_report(demo_data: Path, tmp_path_factory: pytest.TempPathFactory) -> dict:
    """The demonstration report built once by build.run_report, which writes the manifest."""
    from pcc_report.manifest import MANIFEST_NAME

    result, seconds = build_demo(demo_data, tmp_path_factory.mktemp("demo-reports"))
    assert (result.report_dir / MANIFEST_NAME).is_file()
    return {
        "report": result.report_dir,
        "police_uk": demo_data / "police-uk",
        "build_seconds": seconds,
        "section_seconds": {n.removeprefix("notebook "): t for n, t in result.timings
                            if n.startswith("notebook ")},
    }


@pytest.fixture(scope="module")
def templates(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A templates folder holding the small report's one template, ``tiny.ipynb``."""
    folder = tmp_path_factory.mktemp("templates")
    (folder / "tiny.ipynb").write_text(json.dumps(TEMPLATE, indent=1) + "\n")
    return folder


@pytest.fixture(scope="module")
def pristine(tmp_path_factory: pytest.TempPathFactory, templates: Path) -> tuple[Path, Path]:
    """The small report (tests/smallreport.py) built once: (report folder, police.uk root)."""
    from pcc_report import execution

    root = tmp_path_factory.mktemp("small")
    police_uk = root / "police-uk"
    write_inputs(police_uk)
    with pytest.MonkeyPatch.context() as patch, execution.build_environment():
        patch.setattr(execution, "NOTEBOOKS_DIR", templates)
        build_small_report(root / "report", police_uk)
    return root / "report", police_uk


@pytest.fixture
def small(
    pristine: tuple[Path, Path], tmp_path: Path, templates: Path, monkeypatch: pytest.MonkeyPatch
) -> Path:
    """A copy of the small report for one test to alter; verify reads the tiny template."""
    from pcc_report import execution

    monkeypatch.setattr(execution, "NOTEBOOKS_DIR", templates)
    report = tmp_path / "report"
    shutil.copytree(pristine[0], report)
    return report
