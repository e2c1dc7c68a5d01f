"""The HTML book in a real browser: accessible (axe-core, WCAG 2.x A/AA) in light and dark, offline.

tests/browser/check_book.mjs drives Debian's chromium over every page and reports what it saw;
these tests judge it. They skip, saying what is missing, where chromium, Node.js or the pinned
npm packages are absent (scripts/setup.sh installs all three).
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

BROWSER_DIR = Path(__file__).resolve().parent / "browser"
SCRIPT = BROWSER_DIR / "check_book.mjs"
NPM_PACKAGES = ("playwright-core", "axe-core")
SCHEMES = ("light", "dark")
BLOCKING_IMPACTS = {"serious", "critical"}


def _tools() -> tuple[str, str]:
    """(node, chromium) paths, or skip saying what is missing and how to install it."""
    node, chromium = shutil.which("node"), shutil.which("chromium")
    missing = [name for name, path in (("node", node), ("chromium", chromium)) if path is None]
    missing += [f"npm package {name}" for name in NPM_PACKAGES
                if not (BROWSER_DIR / "node_modules" / name / "package.json").is_file()]
    if missing:
        pytest.skip(f"browser test needs {', '.join(missing)}: run scripts/setup.sh")
    version = subprocess.run([node, "--version"], capture_output=True, text=True).stdout
    major = re.match(r"v(\d+)", version)
    if major is None or int(major.group(1)) < 20:
        pytest.skip(f"browser test needs Node.js 20 or newer (playwright-core), found {version}")
    return node, chromium


def check_book(html: Path) -> dict:
    """Run the browser check over one html folder and return its JSON report."""
    node, chromium = _tools()
    done = subprocess.run([node, str(SCRIPT), str(html), chromium], capture_output=True,
                          text=True, timeout=900, cwd=BROWSER_DIR)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def _pages(html: Path) -> list[str]:
    """The pages a reader can open: every .html file outside Sphinx's _static/_sources."""
    return sorted(p.relative_to(html).as_posix() for p in html.rglob("*.html")
                  if not p.relative_to(html).parts[0].startswith("_"))


def _blocking(report: dict) -> list[dict]:
    return [{"page": r["page"], "scheme": r["scheme"], **v}
            for r in report["results"] for v in r["violations"] if v["impact"] in BLOCKING_IMPACTS]


def test_checker_sees_a_violation_and_an_outside_request(tmp_path) -> None:
    # A control on a page made to fail: without it, "no violation" could mean "not looking".
    (tmp_path / "index.html").write_text(
        '<!doctype html><html lang="en"><head><title>Control</title></head><body><main>'
        '<h1>Control</h1><img src="https://example.org/logo.png"></main></body></html>',
        encoding="utf-8")
    report = check_book(tmp_path)
    assert [(r["page"], r["scheme"]) for r in report["results"]] == [("index.html", "light"),
                                                                       ("index.html", "dark")]
    for result in report["results"]:
        assert result["outside"] == ["https://example.org/logo.png"]
        assert {v["id"]: v["impact"] for v in result["violations"]}["image-alt"] == "critical"
    assert [r["prefersDark"] for r in report["results"]] == [False, True]


@pytest.fixture(scope="module")
def book(demo_report) -> dict:
    """The demonstration report's html folder and the browser's report on it."""
    html = demo_report["report"] / "html"
    report = check_book(html)
    print(f"browser check: {len(report['results'])} page views in {report['seconds']:.0f} s "
          f"({report['browser']}, axe-core {report['axe']}, playwright-core "
          f"{report['playwright']})")
    return {"html": html, "report": report}


@pytest.mark.e2e
def test_every_page_is_visited_in_both_schemes(book) -> None:
    pages = _pages(book["html"])
    assert "index.html" in pages and "recorded-crime.html" in pages
    assert book["report"]["pages"] == pages
    visited = sorted((r["page"], r["scheme"]) for r in book["report"]["results"])
    assert visited == sorted((page, scheme) for page in pages for scheme in SCHEMES)


@pytest.mark.e2e
def test_no_serious_or_critical_accessibility_violations(book) -> None:
    report = book["report"]
    assert report["tags"] == ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
    for r in report["results"]:
        for v in r["violations"]:
            if v["impact"] not in BLOCKING_IMPACTS:
                print(f"{r['page']} ({r['scheme']}): {v['impact']} {v['id']}: {v['help']} "
                      f"x{v['nodes']} {v['targets'][:3]}")
    blocking = _blocking(report)
    assert not blocking, json.dumps(blocking, indent=1)


@pytest.mark.e2e
def test_no_page_requests_anything_outside_the_book(book) -> None:
    outside = {f"{r['page']} ({r['scheme']})": r["outside"] for r in book["report"]["results"]
               if r["outside"]}
    assert outside == {}
    assert book["report"]["missing"] == []  # every local file a page asks for is in the book


@pytest.mark.e2e
def test_dark_scheme_really_darkens_every_page(book) -> None:
    looks = {(r["page"], r["scheme"]): r for r in book["report"]["results"]}
    for page in book["report"]["pages"]:
        light, dark = looks[(page, "light")], looks[(page, "dark")]
        assert (light["theme"], dark["theme"]) == ("light", "dark"), page
        assert light["background"] != dark["background"], page
        assert _luminance(dark["background"]) < _luminance(light["background"]), page


def _luminance(css_colour: str) -> float:
    """Relative luminance (WCAG) of a computed ``rgb(r, g, b)`` or ``rgba(...)`` colour."""
    channels = [int(c) / 255 for c in re.findall(r"\d+", css_colour)[:3]]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]
