"""run-all's book server: a force's book forked from it is the book a new child builds."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest
from tinybook import tiny_book

from pcc_report import book, kernels
from pcc_report.errors import ReportError
from pcc_report.execution import BUILD_ENV


def _tiny_book(folder: Path) -> Path:
    return tiny_book(folder, "Some *text* & more.")


def _built(book_dir: Path) -> dict[str, bytes]:
    html = book_dir / "_build" / "html"
    return {p.relative_to(html).as_posix(): p.read_bytes()
            for p in sorted(html.rglob("*")) if p.is_file()}


@pytest.fixture
def book_server(monkeypatch: pytest.MonkeyPatch) -> Iterator[kernels.ForkServer]:
    """A started book server, named for the builds of the test as run-all names it."""
    for key, value in BUILD_ENV.items():
        monkeypatch.setenv(key, value)
    server = kernels.ForkServer.start(lambda _line: None, book_extensions=book.book_extensions())
    assert server.ready()
    monkeypatch.setenv(kernels.SHARED_BOOK_SERVER, server.address)
    try:
        yield server
    finally:
        server.stop()


def _commands(monkeypatch: pytest.MonkeyPatch) -> list[list[str]]:
    """The child commands the build runs (run for real, and recorded)."""
    ran: list[list[str]] = []
    real = subprocess.run

    def run(command: list[str], **kwargs: object) -> subprocess.CompletedProcess:
        ran.append(command)
        return real(command, **kwargs)

    monkeypatch.setattr(book.subprocess, "run", run)
    return ran


def test_a_book_forked_from_the_server_is_the_book_a_new_child_builds(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, book_server: kernels.ForkServer
) -> None:
    ran = _commands(monkeypatch)
    forked = _tiny_book(tmp_path / "forked")
    book.run_jupyter_book(forked, "html")
    assert ran == [[ran[0][0], "-m", "pcc_report.kernels", "launch", book_server.address,
                    str(forked), "html"]]
    monkeypatch.delenv(kernels.SHARED_BOOK_SERVER)
    fresh = _tiny_book(tmp_path / "fresh")
    book.run_jupyter_book(fresh, "html")
    assert ran[1][1:3] == ["-m", "pcc_report.book_process"]
    assert _built(forked) == _built(fresh)
    assert "Some <em>text</em> &amp; more." in _built(forked)["intro.html"].decode()


def test_a_failed_builder_in_a_forked_child_is_reported_as_in_a_new_child(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, book_server: kernels.ForkServer
) -> None:
    said = {}
    for how in ("forked", "fresh"):
        if how == "fresh":
            monkeypatch.delenv(kernels.SHARED_BOOK_SERVER)
        folder = _tiny_book(tmp_path / how)
        with pytest.raises(ReportError, match="jupyter-book no-such-builder") as failure:
            book.run_jupyter_book(folder, "html", "no-such-builder")
        said[how] = str(failure.value).replace(str(folder), "BOOK")
    assert said["forked"] == said["fresh"]


def test_a_server_that_is_gone_leaves_the_book_to_a_new_child(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, book_server: kernels.ForkServer
) -> None:
    ran = _commands(monkeypatch)
    book_server._proc.kill()  # dies: its socket is left behind, the launcher finds no server
    book_server._proc.wait()
    folder = _tiny_book(tmp_path / "b")
    book.run_jupyter_book(folder, "html")
    assert [command[2] for command in ran] == ["pcc_report.kernels", "pcc_report.book_process"]
    assert "Some <em>text</em>" in _built(folder)["intro.html"].decode()


def test_the_servers_child_is_gone_when_its_build_is(
    tmp_path: Path, book_server: kernels.ForkServer
) -> None:
    """No book child outlives run-all's build: stopping the server leaves no process."""
    folder = _tiny_book(tmp_path / "b")
    book.run_jupyter_book(folder, "html")
    server = psutil.Process(book_server._proc.pid)
    assert server.children() == []  # the child was reaped when it exited
    book_server.stop()
    assert not Path(book_server.address).exists()
    assert not psutil.pid_exists(server.pid) or server.status() == psutil.STATUS_ZOMBIE
    shutil.rmtree(folder)
