"""A throwaway PostgreSQL server for the library's tests: Debian's binaries
(/usr/lib/postgresql/<version>/bin), a cluster made with initdb in a temporary folder, listening
on a Unix socket in that folder and on 127.0.0.1 at a free port (password logins only there),
stopped and deleted at the end. initdb refuses to run as root, so as root the cluster belongs
to the `postgres` system user. Each test gets its own database."""

from __future__ import annotations

import itertools
import os
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path
from urllib.parse import quote

REQUIRE_ENV = "CHOKEPOINT_REQUIRE_POSTGRES"  # "1": missing binaries fail the tests, not skip
SUPERUSER = "chokepoint_test"
PASSWORD_USER, PASSWORD = "chokepoint_pw", "s3cret-pw-never-shown"


def binaries() -> Path | None:
    """The newest Debian PostgreSQL bin folder with initdb and pg_ctl, or None."""
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"),
                   key=lambda p: int(p.parent.parent.name) if p.parent.parent.name.isdigit()
                   else 0)
    for pg_ctl in reversed(found):
        if (pg_ctl.parent / "initdb").is_file():
            return pg_ctl.parent
    return None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PostgresServer:
    def __init__(self, bin_dir: Path):
        self.bin = bin_dir
        self.as_root = os.geteuid() == 0
        self.root = Path(tempfile.mkdtemp(prefix="chokepoint-pg-"))
        self.data, self.socket_dir = self.root / "data", self.root / "run"
        self.port = free_port()
        self._names = itertools.count(1)
        self.started = False

    def _run(self, *args: str, timeout: float = 120) -> None:
        command = [str(self.bin / args[0]), *args[1:]]
        if self.as_root:  # the cluster belongs to `postgres`, who may not read root's folders
            command = ["runuser", "-u", "postgres", "--", *command]
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout)
        if done.returncode:
            log = self.root / "server.log"
            tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
            raise RuntimeError(f"{args[0]} failed ({done.returncode}): {done.stderr}\n{tail}")

    def start(self) -> PostgresServer:
        self.socket_dir.mkdir()
        if self.as_root:
            shutil.chown(self.root, "postgres", "postgres")
            shutil.chown(self.socket_dir, "postgres", "postgres")
        self._run("initdb", "-D", str(self.data), "-U", SUPERUSER, "--auth-local=trust",
                  "--auth-host=scram-sha-256", "--encoding=UTF8", "--locale=C.UTF-8")
        options = (f"-p {self.port} -k {self.socket_dir} -c listen_addresses=127.0.0.1 "
                   "-c fsync=off -c synchronous_commit=off -c full_page_writes=off "
                   "-c max_connections=60")
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.root / "server.log"),
                  "-o", options, "-w", "-t", "60", "start")
        self.started = True
        self.sql("postgres", f"CREATE ROLE {PASSWORD_USER} LOGIN PASSWORD '{PASSWORD}'")
        return self

    def stop(self) -> None:
        try:
            if self.started:
                self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)

    def url(self, database: str, user: str = SUPERUSER) -> str:
        """A socket URL (trusted: no password)."""
        return (f"postgresql://{user}@/{database}?host={quote(str(self.socket_dir), safe='/')}"
                f"&port={self.port}")

    def tcp_url(self, database: str, user: str = PASSWORD_USER,
                password: str = PASSWORD) -> str:
        return f"postgresql://{user}:{quote(password)}@127.0.0.1:{self.port}/{database}"

    def sql(self, database: str, *statements: str, user: str = SUPERUSER) -> list:
        """Run statements (autocommit) as `user`; the last one's rows, if it returns any."""
        import psycopg

        rows: list = []
        with psycopg.connect(self.url(database, user), autocommit=True) as db:
            for statement in statements:
                cursor = db.execute(statement)
                rows = cursor.fetchall() if cursor.description else []
        return rows

    def create_database(self) -> str:
        name = f"library_{next(self._names)}"
        self.sql("postgres", f"CREATE DATABASE {name}",
                 f"GRANT ALL ON DATABASE {name} TO {PASSWORD_USER}")
        self.sql(name, f"GRANT ALL ON SCHEMA public TO {PASSWORD_USER}")
        return name

    def drop_database(self, name: str) -> None:
        self.sql("postgres", f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
