"""A private PostgreSQL server that a test starts, stops and starts again: database outages.

The shared server of tests.postgres (127.0.0.1:5432) serves every helper and test run at
once and is never stopped. Outage tests get their own server instead: ``initdb`` in a
temporary folder, a free port on loopback, ``pg_ctl start`` / ``stop`` at the moment the
test chooses. ``initdb`` refuses to run as root (tests and CI run as root), so as root the
server runs as the ``postgres`` user through ``runuser`` (or ``su``), in a folder owned by it.
Without the binaries, or without a way to run them, the test skips, or fails when CI is set.

Use it as a fixture, ``from tests.private_postgres import private_postgres`` in a conftest,
or as a context manager, ``with PrivatePostgres.started() as server: ...``.
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import os
import pwd
import shlex
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import asyncpg
import pytest

from tests.postgres import unavailable

SERVER_USER = "postgres"
# initdb, pg_ctl start and stop are quick; a hung one must not hang the test run.
COMMAND_TIMEOUT = 60.0


class PrivatePostgresUnavailable(RuntimeError):
    """No PostgreSQL binaries, or no user that may run them."""


def find_bindir() -> Path | None:
    """The newest /usr/lib/postgresql/*/bin with initdb and pg_ctl, or the ones on PATH."""
    versions = sorted(
        Path("/usr/lib/postgresql").glob("*/bin"),
        key=lambda p: [int(part) for part in p.parent.name.split(".") if part.isdigit()],
    )
    for bindir in reversed(versions):
        if (bindir / "initdb").exists() and (bindir / "pg_ctl").exists():
            return bindir
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb and shutil.which("pg_ctl") else None


def _user_prefix() -> tuple[list[str], int | None, int | None]:
    """How to run the server's commands, and the owner its folder needs (None: ours)."""
    if os.geteuid() != 0:
        return [], None, None
    try:
        user = pwd.getpwnam(SERVER_USER)
    except KeyError as exc:
        raise PrivatePostgresUnavailable(f"running as root and no {SERVER_USER!r} user") from exc
    if runuser := shutil.which("runuser"):
        return [runuser, "-u", SERVER_USER, "--"], user.pw_uid, user.pw_gid
    if su := shutil.which("su"):
        # su takes one command line: each later argument is quoted into it (see _run).
        return [su, SERVER_USER, "-s", "/bin/sh", "-c"], user.pw_uid, user.pw_gid
    raise PrivatePostgresUnavailable("running as root without runuser or su")


def free_port() -> int:
    """A loopback port nobody listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class PrivatePostgres:
    """One throw-away server: its data folder, port and log; ``stop`` and ``start`` at will."""

    def __init__(self, bindir: Path) -> None:
        self.bindir = bindir
        self._prefix, uid, gid = _user_prefix()
        self.root = Path(tempfile.mkdtemp(prefix="wenzhai-pg-"))
        if uid is not None and gid is not None:
            os.chown(self.root, uid, gid)
        self.data = self.root / "data"
        self.log = self.root / "server.log"
        self.port = free_port()
        self.running = False

    @classmethod
    @contextlib.contextmanager
    def started(cls) -> Iterator[PrivatePostgres]:
        """A running server, removed afterwards; PrivatePostgresUnavailable when impossible."""
        bindir = find_bindir()
        if bindir is None:
            raise PrivatePostgresUnavailable("no initdb / pg_ctl found")
        server = cls(bindir)
        try:
            server.init(template_data(bindir))
            server.start()
            yield server
        finally:
            server.remove()

    def url(self, database: str = "postgres") -> str:
        """The postgresql:// URL of ``database`` on this server."""
        return f"postgresql://{SERVER_USER}@127.0.0.1:{self.port}/{database}"

    def _run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        return self._run_as(str(self.bindir / args[0]), *args[1:], check=check)

    def _run_as(self, *command: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        """Run ``command`` as the server's user; PrivatePostgresUnavailable when it fails."""
        if self._prefix and self._prefix[-1] == "-c":
            full = [*self._prefix, shlex.join(command)]  # su ... -c "one command line"
        else:
            full = [*self._prefix, *command]
        result = subprocess.run(
            full, capture_output=True, text=True, timeout=COMMAND_TIMEOUT, cwd=self.root
        )
        if check and result.returncode != 0:
            name = Path(command[0]).name
            output = (result.stderr or result.stdout)[-500:]
            raise PrivatePostgresUnavailable(f"{name} failed ({result.returncode}): {output}")
        return result

    def init(self, template: Path | None = None) -> None:
        """initdb: trust authentication for the postgres user, no fsync (a test's data); or,
        much faster, a copy of ``template``, the data folder of a server made earlier."""
        if template is not None:
            self._run_as("cp", "-a", str(template), str(self.data))
            return
        self._run(
            "initdb", "-D", str(self.data), "-U", SERVER_USER, "--auth=trust", "-E", "UTF8",
            "--no-sync", "--no-instructions",
        )  # fmt: skip

    def start(self) -> None:
        """pg_ctl start, waiting until it accepts connections on 127.0.0.1:port."""
        options = (
            f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.root}"
            " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        )
        self._run(
            "pg_ctl", "start", "-w", "-t", "30", "-D", str(self.data), "-l", str(self.log),
            "-o", options,
        )  # fmt: skip
        self.running = True

    def stop(self, mode: str = "fast") -> None:
        """pg_ctl stop: 'fast' ends every connection at once, 'immediate' is a crash."""
        self._run("pg_ctl", "stop", "-w", "-t", "30", "-m", mode, "-D", str(self.data))
        self.running = False

    async def stop_async(self, mode: str = "fast") -> None:
        """``stop`` off the event loop, so the code under test keeps running meanwhile."""
        await asyncio.to_thread(self.stop, mode)

    async def start_async(self) -> None:
        """``start`` off the event loop."""
        await asyncio.to_thread(self.start)

    async def create_database(self, name: str) -> str:
        """CREATE DATABASE ``name`` on this server; returns its URL."""
        conn = await asyncpg.connect(self.url(), timeout=10)
        try:
            await conn.execute(f'CREATE DATABASE "{name}"')
        finally:
            await conn.close()
        return self.url(name)

    def remove(self) -> None:
        """Stop the server if it runs and delete its folder."""
        if self.running or (self.data / "postmaster.pid").exists():
            with contextlib.suppress(PrivatePostgresUnavailable, subprocess.TimeoutExpired):
                self._run(
                    "pg_ctl", "stop", "-w", "-t", "30", "-m", "immediate", "-D", str(self.data),
                    check=False,
                )  # fmt: skip
            self.running = False
        shutil.rmtree(self.root, ignore_errors=True)


class _Template:
    """One initdb per test session; each private server starts from a copy of it."""

    server: PrivatePostgres | None = None

    @classmethod
    def data(cls, bindir: Path) -> Path:
        if cls.server is None:
            server = PrivatePostgres(bindir)
            server.init()
            cls.server = server
            atexit.register(server.remove)
        return cls.server.data


def template_data(bindir: Path) -> Path:
    """The data folder every private server of this session is copied from (made once)."""
    return _Template.data(bindir)


@pytest.fixture
def private_postgres() -> Iterator[PrivatePostgres]:
    """A private server for this test (skips, or fails in CI, when it cannot be started)."""
    bindir = find_bindir()
    if bindir is None:
        unavailable("private server: no initdb / pg_ctl found")
        return
    try:
        server = PrivatePostgres(bindir)
    except PrivatePostgresUnavailable as exc:
        unavailable(f"private server: {exc}")
        return
    try:
        try:
            server.init(template_data(bindir))
            server.start()
        except (PrivatePostgresUnavailable, subprocess.TimeoutExpired) as exc:
            unavailable(f"private server: {exc}")
        yield server
    finally:
        server.remove()
