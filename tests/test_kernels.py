"""The kernel fork server: forked kernels give a fresh kernel's bytes, and never outlive a build.

Sections here are small real templates run by papermill through ``execution.execute_section``,
once in kernels forked from the server and once in fresh kernels (``os.fork`` taken away: the
fallback path); the e2e test does the same for a real report template with figures.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

import psutil
import pytest

from pcc_report import execution, kernels
from pcc_report.errors import ReportError
from pcc_report.execution import Section, build_environment, execute_section

FIGURE_CODE = """\
import json
from pathlib import Path
import matplotlib.pyplot as plt
import pandas as pd
import seaborn as sns
from IPython.display import Image, display

table = pd.DataFrame({"month": ["2022-07", "2022-08", "2022-09"], "crimes": [1200, 1315, 990]})
table["share"] = table["crimes"] / table["crimes"].sum()
display(table)
fig, ax = plt.subplots(figsize=(4, 3))
sns.barplot(data=table, x="month", y="crimes", ax=ax)
ax.set_title(f"Recorded crime in {force}")
Path("figures").mkdir(exist_ok=True)
fig.savefig(Path("figures") / "crimes.png", dpi=80, metadata={"Software": None})
plt.close(fig)
display(Image(filename="figures/crimes.png"))
print(sorted({"b", "a", "c"}), hash("pcc") % 1000)
"""


def _template(folder: Path, name: str, code: str) -> Section:
    """A template (title, parameters, ``code``) in ``folder``, and the section that runs it."""
    cells = [
        {"cell_type": "markdown", "id": "c0", "metadata": {}, "source": "# {title}"},
        {"cell_type": "code", "id": "c1", "metadata": {"tags": ["parameters"]},
         "execution_count": None, "outputs": [], "source": 'force = "demoshire"\n'},
        {"cell_type": "code", "id": "c2", "metadata": {}, "execution_count": None,
         "outputs": [], "source": code},
    ]
    nb = {"cells": cells, "nbformat": 4, "nbformat_minor": 5,
          "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3",
                                      "language": "python"}}}
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{name}.ipynb").write_text(json.dumps(nb, indent=1), encoding="utf-8")
    return Section(name=name, template=f"{name}.ipynb", title=f"Section {name}",
                   parameters={"force": "kent"}, part="main")


def _run(section: Section, templates: Path, root: Path) -> Path:
    """Execute ``section`` with ``root/book`` as its folder; the executed notebook's path."""
    (root / "book").mkdir(parents=True)
    (root / "t").mkdir()
    execute_section(section, root / "book", root / "t", notebooks_dir=templates)
    return root / "book" / f"{section.name}.ipynb"


def _fresh_kernels(monkeypatch: pytest.MonkeyPatch) -> None:
    """A platform without fork(): the server is not started, sections start fresh kernels."""
    monkeypatch.delattr(os, "fork")


def _gone(pid: int, seconds: float = 30.0) -> bool:
    """Whether process ``pid`` has ended (and been reaped: no zombie left) within ``seconds``."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.1)
    return False


def _in_thread(work: Callable[[], object]) -> tuple[threading.Thread, list[BaseException]]:
    caught: list[BaseException] = []

    def run() -> None:
        try:
            work()
        except BaseException as exc:  # noqa: BLE001 - handed to the test
            caught.append(exc)

    thread = threading.Thread(target=run)
    thread.start()
    return thread, caught


def _wait_for(path: Path, thread: threading.Thread) -> int:
    """The pid a sleeping cell wrote to ``path`` (waiting for the kernel to get there)."""
    while not path.exists() or not path.read_text():
        assert thread.is_alive(), "the section ended before its cell started"
        time.sleep(0.1)
    return int(path.read_text())


def test_a_forked_kernel_writes_the_bytes_a_fresh_kernel_writes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A table, a seaborn figure (file and displayed image), set order and str hashing."""
    section = _template(tmp_path / "templates", "figures", FIGURE_CODE)
    with build_environment(progress=lambda line: None):
        assert kernels.manager_class().fork_address is not None  # this block's sections fork
        forked = _run(section, tmp_path / "templates", tmp_path / "forked")
    lines: list[str] = []
    _fresh_kernels(monkeypatch)
    with build_environment(progress=lines.append):
        assert kernels.manager_class().fork_address is None
        fresh = _run(section, tmp_path / "templates", tmp_path / "fresh")
    assert forked.read_bytes() == fresh.read_bytes()
    figure = "book/figures/crimes.png"
    assert (tmp_path / "forked" / figure).read_bytes() == (tmp_path / "fresh" / figure).read_bytes()
    outputs = json.loads(forked.read_text())["cells"][-1]["outputs"]
    assert {"text/html", "image/png"} <= {kind for o in outputs for kind in o.get("data", {})}
    assert json.loads(forked.read_text())["metadata"]["kernelspec"]["name"] == "python3"
    assert lines == ["      kernel fork server unavailable (no fork() or Unix sockets on this "
                     "platform): sections start fresh kernels"]


def test_the_server_stops_with_the_block_and_leaves_nothing(tmp_path: Path) -> None:
    section = _template(tmp_path / "templates", "tiny", "print(force)\n")
    with pytest.raises(KeyboardInterrupt), build_environment(progress=lambda line: None):
        server = kernels._active
        assert server is not None
        _run(section, tmp_path / "templates", tmp_path / "run")
        pid = server._proc.pid
        assert Path(server.address).exists()
        raise KeyboardInterrupt  # Ctrl-C: the server must still go
    assert kernels._active is None
    assert not server.folder.exists()
    assert _gone(pid)


def test_a_build_given_a_shared_server_starts_none_and_forks_from_it(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """run-all's forces: the build's kernels come from the one server run-all started."""
    section = _template(tmp_path / "templates", "parent", "import os\nprint(os.getppid())\n")
    with build_environment(progress=lambda line: None):  # a server of our own, to share
        shared = kernels._active
        assert shared.ready()
        kernels._active = None
        monkeypatch.setenv(kernels.SHARED_SERVER, shared.address)
        monkeypatch.setattr(kernels.ForkServer, "start", None)  # starting one would fail
        try:
            with kernels.serving(lambda line: None):
                assert kernels.manager_class().fork_address == shared.address
                executed = json.loads(_run(section, tmp_path / "templates",
                                           tmp_path / "run").read_text())
                assert kernels.failure() is None
            assert kernels.manager_class().fork_address is None
        finally:
            kernels._active = shared
        printed = ["".join(o["text"]) for c in executed["cells"] for o in c.get("outputs", [])
                   if o.get("name") == "stdout"]
        assert printed == [f"{shared._proc.pid}\n"]  # forked by the shared server
    assert "stopped" in kernels.SharedServer(shared.address).failure()


def _sleeper_code(marker: Path) -> str:
    return (f"import os, time\nopen({str(marker)!r}, 'w').write(str(os.getpid()))\n"
            "time.sleep(120)\n")


def _start_sleeper(tmp_path: Path) -> tuple[Section, threading.Thread, list[BaseException], int]:
    """A section whose cell sleeps, run in a thread: (section, thread, its exception, kernel pid).

    Returns once the kernel is in the cell. Call it inside :func:`build_environment`.
    """
    marker = tmp_path / "pid"
    section = _template(tmp_path / "templates", "sleeper", _sleeper_code(marker))
    thread, caught = _in_thread(lambda: _run(section, tmp_path / "templates", tmp_path / "r"))
    return section, thread, caught, _wait_for(marker, thread)


#: A build in a process of its own: one section, with the kernel server run-all would share.
BUILD_PROCESS = """
import sys
from pathlib import Path
from pcc_report.execution import Section, build_environment, execute_section
templates, root = Path(sys.argv[1]), Path(sys.argv[2])
section = Section(name="sleeper", template="sleeper.ipynb", title="Sleeper",
                  parameters={"force": "kent"}, part="main")
(root / "book").mkdir(parents=True)
(root / "t").mkdir()
with build_environment(progress=lambda line: None):
    execute_section(section, root / "book", root / "t", notebooks_dir=templates)
"""


def test_a_build_killed_mid_section_leaves_no_kernel(tmp_path: Path) -> None:
    """No launcher process: the build's connection to the server is the kernel's lifeline.

    run-all's shared server outlives every force, so when a force's build is killed (out of
    memory, kill -9) the server must kill that build's kernel, and go on serving the others.
    """
    marker = tmp_path / "pid"
    _template(tmp_path / "templates", "sleeper", _sleeper_code(marker))
    with build_environment(progress=lambda line: None):
        shared = kernels._active
        assert shared.ready()  # serving (its socket bound) before the build is given it
        build = subprocess.Popen(  # noqa: S603 - our interpreter, our script
            [sys.executable, "-c", BUILD_PROCESS, str(tmp_path / "templates"),
             str(tmp_path / "r")],
            env={**os.environ, kernels.SHARED_SERVER: shared.address})
        deadline = time.monotonic() + 60
        while not (marker.exists() and marker.read_text()):
            assert build.poll() is None and time.monotonic() < deadline, "no kernel started"
            time.sleep(0.1)
        kernel = int(marker.read_text())
        assert psutil.Process(kernel).ppid() == shared._proc.pid  # forked by the server
        assert not [p for p in psutil.Process(build.pid).children()]  # no launcher process
        build.kill()
        build.wait()
        assert _gone(kernel)
        assert shared.ready() and shared.failure() is None  # and the server serves on
        section = _template(tmp_path / "templates", "tiny", "print(force)\n")
        executed = json.loads(_run(section, tmp_path / "templates", tmp_path / "next")
                              .read_text())
    assert executed["cells"][-1]["outputs"][0]["text"] == ["kent\n"]


def test_jupyter_clients_interrupt_and_kill_reach_a_forked_kernel(tmp_path: Path) -> None:
    """What jupyter_client does to a kernel (SIGINT to its process group on interrupt, SIGKILL
    on an immediate shutdown) reaches the forked kernel, and its exit is seen."""
    import asyncio

    marker = tmp_path / "pid"
    sockets: list[Path] = []  # the kernel's channels: Unix sockets, not TCP ports

    async def scenario() -> tuple[dict, int, int | None]:
        manager = kernels.manager_class()(kernel_name="python3")
        await manager.start_kernel(cwd=str(tmp_path))
        client = manager.client()
        client.start_channels()
        await client.wait_for_ready(timeout=60)
        sockets.extend(Path(f"{manager.ip}-{port}") for port in manager.ports)
        client.execute(_sleeper_code(marker))
        while not (marker.exists() and marker.read_text()):
            await asyncio.sleep(0.1)
        await manager.interrupt_kernel()
        while True:
            reply = await client.get_shell_msg(timeout=30)
            if reply["msg_type"] == "execute_reply":
                break
        alive_after_interrupt = await manager.is_alive()
        client.stop_channels()
        await manager.shutdown_kernel(now=True)
        return reply, int(marker.read_text()), alive_after_interrupt

    with build_environment(progress=lambda line: None):
        reply, kernel, alive = asyncio.run(scenario())
        assert _gone(kernel)
    assert reply["content"]["status"] == "error"
    assert reply["content"]["ename"] == "KeyboardInterrupt"
    assert alive  # an interrupt stops the cell, not the kernel
    assert len(sockets) == 5 and all(str(p).startswith(tempfile.gettempdir()) for p in sockets)
    assert not [p for p in sockets if p.exists()]  # removed with the kernel


def test_fresh_kernels_also_listen_on_unix_sockets(monkeypatch: pytest.MonkeyPatch) -> None:
    """TCP ports picked by binding port 0 can be taken by another build before the kernel
    binds them (the kernel dies at start); without a server, kernels still use sockets."""
    _fresh_kernels(monkeypatch)
    with build_environment(progress=lambda line: None):
        manager = kernels.manager_class()()
    assert manager.fork_address is None
    assert manager.transport == "ipc" and manager.ip.startswith(tempfile.gettempdir())


def test_a_server_that_dies_mid_section_fails_it_with_a_report_error(tmp_path: Path) -> None:
    with build_environment(progress=lambda line: None):
        server = kernels._active
        section, thread, caught, kernel = _start_sleeper(tmp_path)
        os.kill(server._proc.pid, signal.SIGKILL)
        thread.join()
        assert _gone(kernel)  # no orphan kernel
        with pytest.raises(ReportError) as later:  # and the next section fails at once
            _run(section, tmp_path / "templates", tmp_path / "again")
    assert len(caught) == 1 and isinstance(caught[0], ReportError)
    assert str(caught[0]) == ("section sleeper: the kernel fork server stopped (exit code -9) "
                              "while the section ran")
    assert str(later.value) == "section sleeper: the kernel fork server stopped (exit code -9)"


def test_a_server_whose_imports_fail_leaves_fresh_kernels_saying_so_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    broken = tmp_path / "broken" / "seaborn"
    broken.mkdir(parents=True)
    (broken / "__init__.py").write_text('raise ImportError("seaborn broken for the test")\n')
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(
        [str(broken.parent), *filter(None, [os.environ.get("PYTHONPATH")])]))
    section = _template(tmp_path / "templates", "tiny", "print(force)\n")
    lines: list[str] = []
    with build_environment(progress=lines.append):
        first = _run(section, tmp_path / "templates", tmp_path / "one")
        second = _run(section, tmp_path / "templates", tmp_path / "two")
    assert lines == ["      kernel fork server unavailable (ImportError: seaborn broken for the "
                     "test): sections start fresh kernels"]
    for executed in (first, second):
        assert json.loads(executed.read_text())["cells"][-1]["outputs"][0]["text"] == ["kent\n"]


def test_a_cell_over_the_execution_timeout_fails_its_section_by_name(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(execution, "EXECUTION_TIMEOUT", 2)
    section = _template(tmp_path / "templates", "hangs", "import time\ntime.sleep(120)\n")
    with build_environment(progress=lambda line: None), pytest.raises(ReportError) as caught:
        _run(section, tmp_path / "templates", tmp_path / "r")
    assert str(caught.value) == ("section hangs: a cell ran longer than 2 s (the execution "
                                 "timeout) and was stopped")


def test_template_modules_lists_what_the_code_cells_import(tmp_path: Path) -> None:
    """A cell that is not Python is skipped whole; relative imports name no module."""
    _template(tmp_path, "a", "from pcc_report import charts, tables\nimport numpy as np\n")
    _template(tmp_path, "b", "import json\ndef broken(:\n")
    _template(tmp_path, "c", "from .relative import x\nfrom os import path\n")
    assert kernels.template_modules(tmp_path) == [
        "numpy", "os", "os.path", "pcc_report", "pcc_report.charts", "pcc_report.tables",
    ]


@pytest.mark.e2e
def test_a_real_template_forked_gives_the_fresh_kernels_bytes(
    demo_report: dict, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The demonstration's recorded-crime section (figures) re-executed forked and fresh."""
    report = demo_report["report"]
    entry = next(e for e in json.loads((report / "manifest.json").read_text())["notebooks"]
                 if e["name"] == "recorded-crime")
    section = Section(name=entry["name"], template=entry["template"], title=entry["title"],
                      parameters=entry["parameters"], part="main")
    runs = {}
    for mode in ("forked", "fresh"):
        if mode == "fresh":
            _fresh_kernels(monkeypatch)
        root = tmp_path / mode
        shutil.copytree(report / "data", root / "data")
        with build_environment(progress=lambda line: None):
            runs[mode] = _run(section, execution.NOTEBOOKS_DIR, root)
    assert runs["forked"].read_bytes() == runs["fresh"].read_bytes()
    figures = sorted(p.name for p in (tmp_path / "fresh" / "book" / "figures").glob("*.png"))
    assert figures
    for name in figures:
        assert ((tmp_path / "forked" / "book" / "figures" / name).read_bytes()
                == (tmp_path / "fresh" / "book" / "figures" / name).read_bytes())


PACKAGE_CODE = """\
import sys
import matplotlib
loaded = "pcc_report.charts" in sys.modules
print(loaded, matplotlib.rcParams["axes.facecolor"], matplotlib.rcParams["backend_fallback"])
from pcc_report import charts
"""


def test_the_server_has_imported_the_templates_package_modules_and_changed_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A forked kernel finds ``pcc_report.charts`` loaded, with matplotlib's settings as a
    fresh kernel has them before the template imports it (charts sets its theme at its first
    chart, not on import)."""
    section = _template(tmp_path / "templates", "package", PACKAGE_CODE)
    printed = {}
    for mode in ("forked", "fresh"):
        if mode == "fresh":
            _fresh_kernels(monkeypatch)
        with build_environment(progress=lambda line: None):
            executed = _run(section, tmp_path / "templates", tmp_path / mode)
        outputs = json.loads(executed.read_text())["cells"][-1]["outputs"]
        printed[mode] = "".join(outputs[0]["text"]).split()
    assert printed["forked"][0] == "True" and printed["fresh"][0] == "False"
    assert printed["forked"][1:] == printed["fresh"][1:]


LAZY_CODE = """\
import sys
import pandas as pd
before = set(sys.modules)
pd.DataFrame({"month": ["2024-01"], "crimes": [3]}).to_parquet("t.parquet")
table = pd.read_parquet("t.parquet")
table.to_csv("t.csv", index=False)
table.to_dict("records")
print(sorted(set(sys.modules) - before))
"""


def test_what_pandas_imports_at_a_sections_first_calls_is_already_loaded(
    tmp_path: Path,
) -> None:
    """Every section reads parquet tables and writes CSVs; pandas imports pyarrow.parquet, its
    datasets and its CSV writer only then. Loaded by the server, a forked kernel does not
    import them again (about 0.08 CPU-s a section)."""
    section = _template(tmp_path / "templates", "lazy", LAZY_CODE)
    with build_environment(progress=lambda line: None):
        assert kernels.manager_class().fork_address is not None
        executed = _run(section, tmp_path / "templates", tmp_path / "run")
    outputs = json.loads(executed.read_text())["cells"][-1]["outputs"]
    assert "".join(outputs[0]["text"]) == "[]\n"


TABLE_CODE = """\
import sys
from pcc_report.typeset import DisplayTable
before = set(sys.modules)
table = DisplayTable("t", "Crimes & rates", ("Area", "Crimes"), (("Kent_North", "1,024"),),
                     (False, True))
latex = table._repr_latex_()
print(sorted(set(sys.modules) - before), "Kent\\\\_North" in latex)
"""


def test_what_a_sections_first_table_imports_is_already_loaded(tmp_path: Path) -> None:
    """A table's LaTeX is escaped by Sphinx's own rules (``typeset.latex_escape``), and
    importing them loads sphinx.util and docutils: 0.035 CPU-s in every section with a
    table, unless the server has loaded them."""
    section = _template(tmp_path / "templates", "table", TABLE_CODE)
    with build_environment(progress=lambda line: None):
        assert kernels.manager_class().fork_address is not None
        executed = _run(section, tmp_path / "templates", tmp_path / "run")
    outputs = json.loads(executed.read_text())["cells"][-1]["outputs"]
    assert "".join(outputs[0]["text"]) == "[] True\n"


def test_a_package_module_that_changes_settings_on_import_stops_the_server(
    tmp_path: Path,
) -> None:
    """The check the server makes after each of the templates' package modules it imports."""
    package = tmp_path / "lib" / "fakepkg"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "themed.py").write_text('import matplotlib\nmatplotlib.rcParams["axes.grid"] = '
                                       "not matplotlib.rcParams['axes.grid']\n")
    (package / "plain.py").write_text("VALUE = 1\n")
    _template(tmp_path / "templates", "a", "from fakepkg import plain, themed\n")
    script = ("import sys; from pathlib import Path; from pcc_report import kernels\n"
              "try:\n"
              f"    kernels._preload(Path({str(tmp_path / 'templates')!r}), package='fakepkg')\n"
              "except RuntimeError as exc:\n"
              "    print(exc, 'fakepkg.plain' in sys.modules)\n")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        [str(tmp_path / "lib"), *filter(None, [os.environ.get("PYTHONPATH")])])}
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          env=env, timeout=120, check=True)
    assert done.stdout.strip() == "importing fakepkg.themed changed global library settings True"


class _Channel:
    """A fake zmq channel: hands out ``messages`` in turn, then is empty (queue.Empty) after
    recording how long it was asked to wait."""

    def __init__(self, messages: list[dict]) -> None:
        self.messages, self.waits = list(messages), []

    async def get_msg(self, timeout: float | None = None) -> dict:
        from queue import Empty

        self.waits.append(timeout)
        if not self.messages:
            raise Empty
        return self.messages.pop(0)

    async def msg_ready(self) -> bool:
        return bool(self.messages)


def _client(shell: list[dict], iopub: list[dict], alive: bool = True):  # noqa: ANN202
    client = kernels._manager_for(None)().client()
    client._shell_channel, client._iopub_channel = _Channel(shell), _Channel(iopub)
    client.kernel_info = lambda: None
    replies: list[dict] = []
    client._handle_kernel_info_reply = replies.append

    async def is_alive() -> bool:
        return alive

    client._async_is_alive = is_alive
    return client, replies


def test_a_section_client_is_ready_at_the_kernels_reply_without_waiting_for_silence() -> None:
    """jupyter_client's client reads IOPub until it has been silent for 0.2 s before a
    section's first cell; this one drops what has arrived and waits for nothing more."""
    import asyncio

    reply = {"msg_type": "kernel_info_reply", "content": {}}
    status = [{"msg_type": "status", "content": {"execution_state": s}} for s in ("busy", "idle")]
    client, replies = _client([reply], status + [{"msg_type": "stream"}])
    asyncio.run(client.wait_for_ready(timeout=5))
    assert replies == [reply]
    assert client.iopub_channel.messages == []  # what had arrived is dropped
    assert client.iopub_channel.waits == [0.2, None, None]  # one wait: that IOPub is connected


def test_a_section_client_says_how_its_kernel_failed_to_start() -> None:
    """The messages execution._kernel_failure reports as "its kernel did not start"."""
    import asyncio

    client, _ = _client([], [], alive=False)
    with pytest.raises(RuntimeError, match="^Kernel died before replying to kernel_info$"):
        asyncio.run(client.wait_for_ready(timeout=5))
    client, _ = _client([], [], alive=True)
    with pytest.raises(RuntimeError, match="^Kernel didn't respond in 0 seconds$"):
        asyncio.run(client.wait_for_ready(timeout=0))
