"""Warm kernels: a fork server that has imported everything, forking one kernel per section.

A section's fresh kernel spends about 3.5 CPU-seconds importing pandas, matplotlib, seaborn,
IPython and ipykernel before it runs a line of the section; with 17 sections that is most of a
build's CPU time. So :func:`serving` (entered by ``execution.build_environment``) starts one
server process per build or verify, in the build environment, that imports those modules (the
libraries and the ``pcc_report`` modules the templates import) once, then forks a child per
request that becomes an ordinary ipykernel (``IPKernelApp`` with the given connection file,
folder, environment and arguments). A forked kernel executes a notebook exactly as a fresh one does:
the same code, modules and environment (tests/test_kernels.py compares the bytes).

jupyter_client starts no process for a section: :class:`ForkKernelManager`'s provisioner asks
the server for the kernel from the build's own process (:class:`ForkedKernel`), with the
kernelspec (``python3``, recorded in the notebook), command line, connection file, folder and
environment jupyter_client made for ``python -m ipykernel_launcher``, and the build's stdout
and stderr, so the kernel writes where a fresh kernel would. jupyter_client signals it as it
signals a fresh kernel (its own process group) and learns its exit status from the server. No
kernel outlives its build: when the build's connection for it closes (the build exited or was
killed) the server kills the kernel's process group; a kernel whose server dies exits itself
(ipykernel's parent poller), and the server itself exits when the build's pipe to it closes,
killing its kernels.

The same server, started as ``serve-book`` (run-all's book server,
:data:`SHARED_BOOK_SERVER`), imports what a book builder child imports
(``book_process.preload``: Sphinx, myst-nb, the extensions, about 1.6 CPU-seconds) and its
children run ``book_process.main`` with the arguments :func:`launch` (a small launcher process,
``python -m pcc_report.kernels launch``, that waits for its child and relays signals) passes:
each force's book is built as a new ``python -m pcc_report.book_process`` child would build
it, without the imports.

Forking is only safe from a single-threaded process, so the server refuses to serve if its
imports started threads (``execution.BUILD_ENV`` sets ``OPENBLAS_NUM_THREADS=1``). Where the
server cannot run (no ``fork``, an import failure) sections start fresh kernels, as before, and
the build says so once. This module imports only the standard library at the top: it is also
the book's launcher.
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
import select
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

#: Imported by the server before it forks: what every section's kernel needs (the sections'
#: libraries, then what ``IPKernelApp`` imports as it starts: its debugger, history, magics).
#: None of them changes global state when imported (seaborn sets no theme since 0.8), but for
#: Sphinx's escaping, whose import adds two warnings filters (see its entry below).
PRELOAD = (
    "numpy", "pandas", "matplotlib", "matplotlib.pyplot", "seaborn", "IPython", "IPython.display",
    "ipykernel.kernelapp", "ipykernel.ipkernel", "ipykernel.debugger", "IPython.core.debugger",
    "IPython.core.completerlib", "IPython.extensions.storemagic", "sqlite3",
    "tornado.platform.asyncio", "tornado.queues",
    # What pandas imports at a section's first call, not at its own import (read_parquet,
    # to_csv, to_dict): every section reads the run's parquet tables and writes CSVs.
    "pyarrow.parquet", "pyarrow.dataset", "pyarrow.pandas_compat",
    "pandas.core.arrays.arrow.extension_types", "pandas.io.formats.csvs",
    "pandas.core.methods.to_dict",
    # What a section's first table imports as it renders its LaTeX (typeset.latex_escape:
    # Sphinx's escaping, with sphinx.util and docutils), 0.035 CPU-s a section. Its import
    # adds two warnings filters, for Sphinx's and docutils' own deprecations only, which a
    # fresh kernel adds at its first table.
    "sphinx.util.texescape",
)

#: Seconds the build waits for the server's imports before it gives up on it.
READY_TIMEOUT = 180.0

#: The exit status of a child the server could not give or that lost its server (a launcher's
#: exit code, a forked kernel's status).
EX_SERVER = 70

_LENGTH = struct.Struct("!I")


# --------------------------------------------------------------------------------------------
# The build's side: starting, asking and stopping the server


class ForkServer:
    """One running server process, owned by the build (or verify) that started it."""

    def __init__(self, folder: Path, proc: subprocess.Popen, progress: Callable[[str], None]):
        self.folder = folder
        self.address = str(folder / "kernels.sock")
        self._proc = proc
        self._progress = progress
        self._lock = threading.Lock()
        self._ready: bool | None = None

    @classmethod
    def start(cls, progress: Callable[[str], None], notebooks_dir: Path | None = None,
              *, book_extensions: list[str] | None = None) -> ForkServer:
        """Start the server process; it imports in the background while the build goes on.

        With ``book_extensions`` it is a book server (:data:`SHARED_BOOK_SERVER`): it imports
        what a book builder child imports (``book_process.preload``) and its children run
        ``book_process.main``, not a kernel.
        """
        folder = Path(tempfile.mkdtemp(prefix="pcc-kernels-"))
        command = [sys.executable, "-m", "pcc_report.kernels", "serve",
                   str(folder / "kernels.sock")]
        if book_extensions is not None:
            command[-2] = BOOK_ROLE
            command.extend(book_extensions)
        elif notebooks_dir is not None:
            command.append(str(notebooks_dir))
        proc = subprocess.Popen(  # noqa: S603 - our own interpreter and module
            command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
            cwd=folder, start_new_session=True,
        )
        return cls(folder, proc, progress)

    def ready(self) -> bool:
        """Whether the server serves (waiting for its imports); says once if it does not."""
        with self._lock:
            if self._ready is None:
                line = self._read_line(READY_TIMEOUT)
                self._ready = line == "ready"
                if not self._ready:
                    reason = line.removeprefix("error ") if line else self._stopped()
                    self._progress(f"      kernel fork server unavailable ({reason}): "
                                   "sections start fresh kernels")
                    self._kill()
            return self._ready

    def failure(self) -> str | None:
        """Why a server that was serving no longer is, or None while it runs."""
        if self._ready and self._proc.poll() is not None:
            return self._stopped()
        return None

    def stop(self) -> None:
        """Close the pipe (the server kills its kernels and exits), wait, remove the socket."""
        if self._ready:
            with contextlib.suppress(OSError):
                self._proc.stdin.close()
            try:
                self._proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._kill()
        else:
            self._kill()
        with contextlib.suppress(OSError):
            self._proc.stdout.close()
        shutil.rmtree(self.folder, ignore_errors=True)

    def _read_line(self, timeout: float) -> str:
        readable, _, _ = select.select([self._proc.stdout], [], [], timeout)
        if not readable:
            return f"error no answer within {timeout:.0f} s"
        return self._proc.stdout.readline().decode("utf-8", "replace").strip()

    def _stopped(self) -> str:
        code = self._proc.poll()
        return "the kernel fork server stopped" + ("" if code is None else f" (exit code {code})")

    def _kill(self) -> None:
        with contextlib.suppress(OSError):
            self._proc.kill()
        with contextlib.suppress(subprocess.TimeoutExpired):
            self._proc.wait(timeout=10)


class SharedServer:
    """A server another process owns and stops: ``run-all``'s, one for all its forces.

    Each force's build runs in its own process; run-all starts one server (in the build
    environment, as a build would) and names it in :data:`SHARED_SERVER` for them, so the
    server's imports are paid once, not once a force. The kernels it forks get each
    requester's own environment and folder, as from a build's own server.
    """

    def __init__(self, address: str) -> None:
        self.address = address

    def ready(self) -> bool:
        return Path(self.address).exists()

    def failure(self) -> str | None:
        return None if self.ready() else f"the shared kernel fork server {self.address} stopped"


#: The environment variable naming a :class:`SharedServer`'s socket for a build.
SHARED_SERVER = "PCC_REPORT_KERNEL_SERVER"
#: The environment variable naming run-all's book server (``serve-book``), whose children
#: build a force's book as ``python -m pcc_report.book_process`` would, without its imports.
SHARED_BOOK_SERVER = "PCC_REPORT_BOOK_SERVER"
#: The ``serve`` command of a book server.
BOOK_ROLE = "serve-book"

_active: ForkServer | SharedServer | None = None


def supported() -> str | None:
    """Why this platform cannot fork warm kernels, or None when it can."""
    if not (hasattr(os, "fork") and hasattr(socket, "AF_UNIX") and hasattr(socket, "send_fds")):
        return "no fork() or Unix sockets on this platform"
    return None


@contextlib.contextmanager
def serving(progress: Callable[[str], None] | None = None,
            notebooks_dir: Path | None = None) -> Iterator[None]:
    """A fork server for the ``with`` block (the one already running, when nested).

    Started in the caller's current environment, which is why ``execution.build_environment``
    enters this after it has set the build environment: the server's imports see exactly
    what a fresh kernel's would. Stopped at the end of the block, also on error or Ctrl-C.
    """
    global _active
    if _active is not None:
        yield
        return
    say = progress or (lambda line: print(line, file=sys.stderr))
    shared = os.environ.get(SHARED_SERVER)
    if shared:
        _active = SharedServer(shared)
        try:
            yield
        finally:
            _active = None
        return
    reason = supported()
    if reason is not None:
        say(f"      kernel fork server unavailable ({reason}): sections start fresh kernels")
        yield
        return
    server = ForkServer.start(say, notebooks_dir)
    _active = server
    try:
        yield
    finally:
        _active = None
        server.stop()


def manager_class() -> type:
    """The kernel manager class for a section: forking from the active server when it serves,
    else starting a fresh kernel; either way over Unix sockets (:func:`_manager_for`)."""
    server = _active
    return _manager_for(server.address if server is not None and server.ready() else None)


def failure() -> str | None:
    """Why the active server stopped serving mid-build, or None."""
    server = _active
    return server.failure() if server is not None else None


@functools.cache
def _manager_for(address: str | None) -> type:
    """nbclient's default kernel manager on IPC transport, forking from the server at
    ``address`` (None: starting fresh kernels).

    Unix sockets, not TCP ports: jupyter_client picks a TCP kernel's five ports by binding
    port 0 and closing it, and another build (run-all runs several) or a client's outgoing
    connection can take one before the kernel binds it, killing the kernel at start. A
    socket file named after the kernel's own connection file cannot be taken.
    """
    from jupyter_client.manager import AsyncKernelManager
    from jupyter_client.provisioning import LocalProvisioner
    from traitlets import default

    class IpcKernelManager(AsyncKernelManager):
        fork_address = None

        @default("client_factory")
        def _client_factory_default(self) -> type:
            return _prompt_client()

        async def _async_wait(self, pollinterval: float = 0.1) -> None:
            # Once a section's kernel is killed, jupyter_client polls for its end every
            # 0.1 s, so each section ended about 0.1 s after its kernel did.
            await super()._async_wait(pollinterval=min(pollinterval, 0.005))

        @default("transport")
        def _transport_default(self) -> str:
            return "ipc"

        @default("ip")
        def _ip_default(self) -> str:  # the sockets' path prefix: short (Unix socket paths are)
            import uuid

            return os.path.join(tempfile.gettempdir(), f"pcc-kernel-{uuid.uuid4().hex}")

    if address is None:
        return IpcKernelManager

    class ForkProvisioner(LocalProvisioner):
        """jupyter_client's local provisioner, the kernel forked by the server, not started.

        Everything else (connection file, ports, environment, signals by process group,
        shutdown) is the local provisioner's own; only :meth:`launch_kernel` differs, and only
        for an ipykernel command (another kernelspec is started as jupyter_client would).
        """

        async def launch_kernel(self, cmd: list[str], **kwargs: object) -> dict:
            if cmd[1:3] != ["-m", "ipykernel_launcher"]:
                return await super().launch_kernel(cmd, **kwargs)
            cwd = kwargs.get("cwd") or os.getcwd()
            env = kwargs.get("env") or dict(os.environ)
            self.process = ForkedKernel(address, cmd[3:], str(cwd), dict(env))
            self.pid = self.pgid = self.process.pid  # its own group: setsid() in the child
            self.cwd = cwd
            return self.connection_info

    class ForkKernelManager(IpcKernelManager):
        """The kernel manager, its kernel forked by the server at ``address``.

        The kernelspec (``python3``, recorded in the notebook), the command line and the
        connection file are jupyter_client's own; :class:`ForkProvisioner` asks the server
        for the process instead of starting ``python -m ipykernel_launcher``.
        """

        fork_address = address

        async def _async_pre_start_kernel(self, **kw: object) -> tuple[list[str], dict]:
            if self.provisioner is None:
                import uuid

                self.kernel_id = self.kernel_id or str(kw.pop("kernel_id", uuid.uuid4()))
                self.provisioner = ForkProvisioner(kernel_id=self.kernel_id,
                                                   kernel_spec=self.kernel_spec, parent=self)
            return await super()._async_pre_start_kernel(**kw)

    return ForkKernelManager


@functools.cache
def _prompt_client() -> type:
    """jupyter_client's asynchronous kernel client, ready without 0.2 s of waiting at start."""
    from queue import Empty

    from jupyter_client.asynchronous import AsyncKernelClient

    class PromptKernelClient(AsyncKernelClient):
        """Ready once the kernel has answered ``kernel_info`` and IOPub is connected.

        jupyter_client's ``wait_for_ready`` then reads IOPub until it has been silent for
        0.2 s, so every section's kernel sat idle for 0.2 s before its first cell: 3.4 s of
        a quarter's 17 sections, an idle core for the edit loop and for run-all. Here the
        messages that have already arrived are dropped and none is waited for: nbclient
        keeps only the IOPub messages whose parent is the request it sent, so a start-up
        message arriving later is dropped there. The rest is jupyter_client's own loop
        (the client is always its manager's, so there are no heartbeats to wait for first),
        with its messages.
        """

        async def wait_for_ready(self, timeout: float | None = None) -> None:
            deadline = time.monotonic() + (float("inf") if timeout is None else timeout)
            while True:
                self.kernel_info()
                try:
                    reply = await self.shell_channel.get_msg(timeout=1)
                except Empty:
                    reply = None
                if reply is not None and reply["msg_type"] == "kernel_info_reply":
                    try:  # IOPub is connected once it delivers the kernel's status
                        await self.iopub_channel.get_msg(timeout=0.2)
                    except Empty:
                        pass
                    else:
                        self._handle_kernel_info_reply(reply)
                        break
                if not await self._async_is_alive():
                    raise RuntimeError("Kernel died before replying to kernel_info")
                if time.monotonic() > deadline:
                    raise RuntimeError(f"Kernel didn't respond in {timeout:.0f} seconds")
            while await self.iopub_channel.msg_ready():
                await self.iopub_channel.get_msg()

    return PromptKernelClient


class ForkedKernel:
    """A kernel the server forked for this process, as much of ``Popen`` as jupyter_client uses.

    Asked for in this process (no launcher process in between): this process's connection to
    the server is the kernel's lifeline, so when this process exits or is killed the server
    kills the kernel. The kernel's stdout and stderr are this process's, as a fresh kernel
    started by jupyter_client inherits them; its stdin is /dev/null (jupyter_client gives a
    pipe nobody writes to). The exit status comes from the server, which reaps the kernel.
    """

    stdin = stdout = stderr = None  # what LocalProvisioner.wait closes, if set

    def __init__(self, address: str, argv: list[str], cwd: str, env: dict[str, str]) -> None:
        null = os.open(os.devnull, os.O_RDWR)
        try:
            fds = [null, *(fd if _is_open(fd) else null for fd in (1, 2))]
            self._conn, self.pid = request_fork(address, argv, cwd, env, fds)
        finally:
            os.close(null)
        self._answers = self._conn.makefile("rb")
        self.returncode: int | None = None

    def poll(self) -> int | None:
        if self.returncode is None and select.select([self._conn], [], [], 0)[0]:
            self._read_exit()
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        if self.returncode is None:
            if not select.select([self._conn], [], [], timeout)[0]:
                raise subprocess.TimeoutExpired(f"kernel {self.pid}", timeout or 0)
            self._read_exit()
        return self.returncode

    def send_signal(self, signum: int) -> None:
        if self.poll() is None:
            os.kill(self.pid, signum)

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)

    def terminate(self) -> None:
        self.send_signal(signal.SIGTERM)

    def _read_exit(self) -> None:
        try:
            code = int(json.loads(self._answers.readline())["exit"])
        except (OSError, ValueError, KeyError, TypeError):
            with contextlib.suppress(OSError):  # the server died: its kernel must not live on
                os.killpg(self.pid, signal.SIGKILL)
            code = EX_SERVER
        self.returncode = code
        self._answers.close()
        self._conn.close()


# --------------------------------------------------------------------------------------------
# Asking the server for a child: in process (kernels) or by a launcher process (books)


def request_fork(address: str, argv: list[str], cwd: str, env: dict[str, str],
                 fds: list[int]) -> tuple[socket.socket, int]:
    """Ask the server at ``address`` for a child with ``argv``, folder, environment and
    standard fds: the open connection (its lifeline; the exit status comes on it) and the pid.
    Raises OSError or ValueError when the server cannot be reached or gives no child."""
    conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        conn.connect(address)
        payload = json.dumps({"argv": argv, "cwd": cwd, "env": env})
        _send_request(conn, payload.encode("utf-8"), fds)
        answer = b""
        while not answer.endswith(b"\n"):
            chunk = conn.recv(1)
            if not chunk:
                raise ValueError("the server closed the connection")
            answer += chunk
        return conn, int(json.loads(answer)["pid"])
    except (OSError, ValueError, KeyError, TypeError):
        conn.close()
        raise


def launch(address: str, argv: list[str]) -> int:
    """A child of the server at ``address`` with ``argv`` run as this process: wait for it,
    relay SIGINT and SIGTERM to it, exit with its exit code (a book server's builder)."""
    child: list[int] = []
    pending: list[int] = []

    def relay(signum: int, _frame: object) -> None:
        if child:
            with contextlib.suppress(OSError):
                os.kill(child[0], signum)
        else:
            pending.append(signum)

    signal.signal(signal.SIGINT, relay)
    signal.signal(signal.SIGTERM, relay)
    try:
        conn, pid = request_fork(address, argv, os.getcwd(), dict(os.environ), _standard_fds())
    except (OSError, ValueError, KeyError, TypeError) as exc:
        print(f"pcc-report: the fork server at {address} gave no process ({exc})",
              file=sys.stderr)
        return EX_SERVER
    child.append(pid)
    for signum in pending:
        relay(signum, None)
    try:
        line = conn.makefile("rb").readline()
        code = int(json.loads(line)["exit"])
    except (OSError, ValueError, KeyError):
        with contextlib.suppress(OSError):  # the server died: its child must not live on
            os.killpg(pid, signal.SIGKILL)
        print("pcc-report: the fork server stopped while its child ran", file=sys.stderr)
        return EX_SERVER
    return code if code >= 0 else 128 - code


def _is_open(fd: int) -> bool:
    try:
        os.fstat(fd)
    except OSError:
        return False
    return True


def _standard_fds() -> list[int]:
    """fds 0, 1, 2 to hand to the launcher's child; /dev/null in place of any that is closed."""
    return [fd if _is_open(fd) else os.open(os.devnull, os.O_RDWR) for fd in (0, 1, 2)]


def _send_request(conn: socket.socket, payload: bytes, fds: list[int]) -> None:
    message = _LENGTH.pack(len(payload)) + payload
    sent = socket.send_fds(conn, [message], fds)
    conn.sendall(message[sent:])


# --------------------------------------------------------------------------------------------
# The server


def template_modules(notebooks_dir: Path) -> list[str]:
    """The modules the templates' code cells import (``from a import b`` gives a and a.b)."""
    import ast

    names: set[str] = set()
    for path in sorted(Path(notebooks_dir).glob("*.ipynb")):
        try:
            cells = json.loads(path.read_text(encoding="utf-8")).get("cells", [])
        except (OSError, ValueError):
            continue
        for cell in cells:
            if cell.get("cell_type") != "code":
                continue
            try:
                tree = ast.parse("".join(cell.get("source", "")))
            except SyntaxError:
                continue
            for node in ast.walk(tree):
                if isinstance(node, ast.Import):
                    names.update(alias.name for alias in node.names)
                elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                    names.add(node.module)
                    names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return sorted(names)


def _preload(notebooks_dir: Path | None, package: str = "pcc_report") -> None:
    """Import :data:`PRELOAD`, the libraries the templates' own modules import, then those
    ``pcc_report`` modules themselves; then freeze what is loaded out of the garbage collector.

    The libraries are found in a forked probe and imported here in the order they were; then
    the templates' package modules. None of these may change matplotlib, pandas, numpy or warnings
    settings, the environment or ``sys.path`` (``charts`` sets its theme at the first chart,
    not on import): a section's kernel must start as a fresh kernel would, with only the
    modules already loaded. One that does stops the server (sections get fresh kernels).
    ``gc.freeze`` moves every object loaded so far out of the collector's reach: the kernels
    never free them, and each collection (IPython runs one at exit) no longer walks them.
    """
    import gc
    import importlib

    for name in PRELOAD:
        importlib.import_module(name)
    if notebooks_dir is not None:
        baseline = _global_state()
        modules = template_modules(notebooks_dir)
        for name in _libraries_of(modules, package):
            with contextlib.suppress(Exception):  # left to fail, if it does, in the section
                importlib.import_module(name)
            if _global_state() != baseline:
                raise RuntimeError(f"importing {name} changed global library settings")
        for name in modules:
            if name.split(".")[0] != package:
                continue
            with contextlib.suppress(Exception):  # ``from a import B`` (a.B is no module), or left
                # to fail in the section
                importlib.import_module(name)
            if _global_state() != baseline:
                raise RuntimeError(f"importing {name} changed global library settings")
    gc.collect()
    gc.freeze()


def _libraries_of(modules: list[str], package: str) -> list[str]:
    """The modules outside ``package`` that importing ``modules`` adds, in import order.

    Found in a forked child, so that each library's own import can be checked for changed
    settings before any ``pcc_report`` module runs; the child's output goes to /dev/null
    (the server's stdout is the build's pipe).
    """
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the probe
        try:
            os.close(read)
            null = os.open(os.devnull, os.O_RDWR)
            for fd in (0, 1, 2):
                os.dup2(null, fd)
            import importlib

            before = set(sys.modules)
            for name in modules:
                with contextlib.suppress(Exception):
                    importlib.import_module(name)
            added = [name for name in list(sys.modules)
                     if name not in before and name.split(".")[0] != package]
            with os.fdopen(write, "w", encoding="utf-8") as out:
                json.dump(added, out)
        finally:
            os._exit(0)
    os.close(write)
    with os.fdopen(read, encoding="utf-8") as answer:
        data = answer.read()
    os.waitpid(pid, 0)
    return list(json.loads(data)) if data else []


def _global_state() -> str:
    """What a library's import could change for every later cell, as one comparable string."""
    import locale
    import warnings

    import matplotlib
    import matplotlib.colors
    import numpy
    import pandas
    from pandas._config import config as pandas_config

    filters = repr(warnings.filters)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # reading a deprecated option warns
        options = [(key, repr(pandas.get_option(key)))
                   for key in sorted(pandas_config._registered_options)]
    return repr([
        sorted((key, repr(value)) for key, value in dict.items(matplotlib.rcParams)),
        sorted(matplotlib.colors.ColorConverter.colors.items()),
        options, numpy.get_printoptions(), numpy.geterr(), filters,
        locale.setlocale(locale.LC_ALL, None), sorted(os.environ.items()), list(sys.path),
    ])


def serve(address: str, notebooks_dir: Path | None = None,
          book_extensions: list[str] | None = None) -> int:
    """Import, say ``ready`` on stdout, then fork a kernel per request until stdin closes
    (a book builder per request, given ``book_extensions``)."""
    if sys.path and (sys.path[0] == "" or Path(sys.path[0]) == Path.cwd()):
        del sys.path[0]  # as ipykernel_launcher does: the server's folder is no kernel's
    try:
        if book_extensions is None:
            _preload(notebooks_dir)
        else:  # what a book child does first (book_process.__main__), then its imports
            from pcc_report import book_process

            book_process.preload(book_extensions)
        tasks = Path("/proc/self/task")  # native threads too (threading sees only its own)
        threads = len(list(tasks.iterdir())) if tasks.is_dir() else threading.active_count()
        if threads > 1:
            raise RuntimeError(f"{threads} threads after the imports; forking would be unsafe")
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        listener.bind(address)
        listener.listen(64)
    except BaseException as exc:  # noqa: BLE001 - any failure means: no server, fresh kernels
        message = " ".join(f"{type(exc).__name__}: {exc}".split())
        sys.stdout.write(f"error {message}\n")
        sys.stdout.flush()
        return 1
    sys.stdout.write("ready\n")
    sys.stdout.flush()
    return _Server(listener, book=book_extensions is not None).run()


class _Server:
    """The single-threaded loop: accept requests, fork children, reap them, report exits."""

    def __init__(self, listener: socket.socket, book: bool = False):
        import selectors

        self.listener = listener
        self.book = book
        self.kernels: dict[int, socket.socket | None] = {}  # pid -> its requester's connection
        self.by_conn: dict[socket.socket, int] = {}
        self.wake_r, self.wake_w = os.pipe()
        os.set_blocking(self.wake_w, False)
        self.selector = selectors.DefaultSelector()

    def run(self) -> int:
        import selectors

        signal.signal(signal.SIGCHLD, lambda *_: None)  # a handler, so the wakeup fd is written
        signal.signal(signal.SIGTERM, self._terminate)
        signal.set_wakeup_fd(self.wake_w)
        self.selector.register(self.listener, selectors.EVENT_READ)
        self.selector.register(sys.stdin.fileno(), selectors.EVENT_READ)
        self.selector.register(self.wake_r, selectors.EVENT_READ)
        try:
            while True:
                for key, _ in self.selector.select(timeout=5.0):
                    if key.fileobj is self.listener:
                        self._accept()
                    elif key.fileobj == sys.stdin.fileno():
                        if not os.read(sys.stdin.fileno(), 4096):
                            return 0  # the build closed its pipe, or died
                    elif key.fileobj == self.wake_r:
                        with contextlib.suppress(BlockingIOError):
                            os.read(self.wake_r, 4096)
                    else:
                        self._requester_closed(key.fileobj)
                self._reap()
        finally:
            self._kill_all()
            with contextlib.suppress(OSError):
                os.unlink(self.listener.getsockname())

    def _terminate(self, _signum: int, _frame: object) -> None:
        raise SystemExit(0)

    def _accept(self) -> None:
        import selectors

        try:
            conn, _ = self.listener.accept()
        except OSError:
            return
        conn.settimeout(10)
        fds: list[int] = []
        try:
            request, fds = self._read_request(conn)
            pid = os.fork()
            if pid == 0:
                self._become_child(request, fds)  # never returns
            conn.sendall(json.dumps({"pid": pid}).encode() + b"\n")
        except (OSError, ValueError, KeyError):
            conn.close()
            return
        finally:
            for fd in fds:
                os.close(fd)
        self.kernels[pid] = conn
        self.by_conn[conn] = pid
        self.selector.register(conn, selectors.EVENT_READ)

    @staticmethod
    def _read_request(conn: socket.socket) -> tuple[dict, list[int]]:
        data, fds, _, _ = socket.recv_fds(conn, 1 << 16, 3)
        if len(fds) != 3:
            for fd in fds:
                os.close(fd)
            raise ValueError("a request without its three file descriptors")
        while len(data) < _LENGTH.size:
            data += conn.recv(1 << 16) or b"!"  # a closed connection ends in a bad length
        (length,) = _LENGTH.unpack_from(data)
        while len(data) < _LENGTH.size + length:
            chunk = conn.recv(1 << 16)
            if not chunk:
                raise ValueError("a request cut short")
            data += chunk
        request = json.loads(data[_LENGTH.size: _LENGTH.size + length])
        return {"argv": list(request["argv"]), "cwd": str(request["cwd"]),
                "env": dict(request["env"])}, list(fds)

    def _requester_closed(self, conn: socket.socket) -> None:
        """The requester exited or was killed (or sent what it never should): kill its child."""
        pid = self.by_conn.pop(conn)
        self.selector.unregister(conn)
        conn.close()
        self.kernels[pid] = None
        with contextlib.suppress(OSError):
            os.killpg(pid, signal.SIGKILL)

    def _reap(self) -> None:
        while self.kernels:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return
            conn = self.kernels.pop(pid, None)
            if conn is not None:
                self.by_conn.pop(conn, None)
                self.selector.unregister(conn)
                with contextlib.suppress(OSError):
                    conn.sendall(json.dumps({"exit": os.waitstatus_to_exitcode(status)})
                                 .encode() + b"\n")
                conn.close()

    def _kill_all(self) -> None:
        for pid in list(self.kernels):
            with contextlib.suppress(OSError):
                os.killpg(pid, signal.SIGKILL)
        for pid in list(self.kernels):
            with contextlib.suppress(ChildProcessError):
                os.waitpid(pid, 0)
        for conn in self.by_conn:
            conn.close()

    def _become_child(self, request: dict, fds: list[int]) -> None:
        """In the forked child: become the fresh kernel ``python -m ipykernel_launcher`` is,
        or in a book server the ``python -m pcc_report.book_process BOOK BUILDER...`` child."""
        code = 1
        try:
            os.setsid()  # its own process group, as jupyter_client gives a fresh kernel
            for target, fd in enumerate(fds):
                os.dup2(fd, target)
            for fd in set(fds) - {0, 1, 2}:
                os.close(fd)
            signal.set_wakeup_fd(-1)
            for closing in (self.listener, *self.by_conn):
                closing.close()
            self.selector.close()
            os.close(self.wake_r)
            os.close(self.wake_w)
            signal.signal(signal.SIGCHLD, signal.SIG_DFL)
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            signal.signal(signal.SIGINT, signal.default_int_handler)
            os.chdir(request["cwd"])
            os.environ.clear()
            os.environ.update(request["env"])
            import importlib.util

            spec = importlib.util.find_spec("ipykernel_launcher")
            sys.argv = [spec.origin if spec and spec.origin else "ipykernel_launcher",
                        *request["argv"]]
            if "numpy" in sys.modules:  # forked children would share one random state
                sys.modules["numpy"].random.seed()
            if self.book:
                from pcc_report import book_process

                code = book_process.main(request["argv"])
            else:
                from ipykernel.kernelapp import IPKernelApp

                # parent_handle: ipykernel's poller ends the kernel if this server dies.
                IPKernelApp.launch_instance(argv=request["argv"], parent_handle=os.getppid())
                code = 0
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        except BaseException:  # noqa: BLE001 - reported on the kernel's stderr, as a crash
            import traceback

            traceback.print_exc()
        finally:
            import atexit

            with contextlib.suppress(BaseException):
                atexit._run_exitfuncs()  # what a fresh kernel's interpreter runs at exit
            for stream in (sys.stdout, sys.stderr):
                with contextlib.suppress(BaseException):
                    stream.flush()
            os._exit(code)


def main(argv: list[str]) -> int:
    """``serve SOCKET [NOTEBOOKS_DIR]`` or ``launch SOCKET KERNEL-ARGS...``."""
    if len(argv) >= 2 and argv[0] == "serve":
        return serve(argv[1], Path(argv[2]) if len(argv) > 2 else None)
    if len(argv) >= 2 and argv[0] == BOOK_ROLE:
        return serve(argv[1], book_extensions=argv[2:])
    if len(argv) >= 2 and argv[0] == "launch":
        return launch(argv[1], argv[2:])
    print(f"usage: python -m pcc_report.kernels serve|{BOOK_ROLE}|launch SOCKET ...",
          file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
