"""PostgreSQL as the Redshift stand-in: the machine's own binaries, data under the state dir.

When run as root, initdb and the server run as the `postgres` system user (initdb refuses root).
"""

from __future__ import annotations

import glob
import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from sandbox.settings import Settings
from sandbox.stack.errors import StackError

INSTALL_HINT = (
    "PostgreSQL server binaries not found (pg_ctl, initdb): install them "
    "(Debian/Ubuntu: `apt-get install postgresql`) or use `STACK=docker make up`"
)


@dataclass(frozen=True)
class PostgresBinaries:
    bin_dir: Path

    @property
    def pg_ctl(self) -> Path:
        return self.bin_dir / "pg_ctl"

    @property
    def initdb(self) -> Path:
        return self.bin_dir / "initdb"


def _version_key(path: str) -> tuple[int, ...]:
    return tuple(int(n) for n in re.findall(r"\d+", path)) or (0,)


def find_binaries() -> PostgresBinaries:
    """pg_ctl/initdb from PATH, else the newest Debian per-version folder (/usr/lib/postgresql/N/bin)."""
    on_path = shutil.which("pg_ctl")
    if on_path and shutil.which("initdb"):
        return PostgresBinaries(Path(os.path.realpath(on_path)).parent)
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"), key=_version_key, reverse=True)
    candidates += sorted(glob.glob("/usr/pgsql-*/bin/pg_ctl"), key=_version_key, reverse=True)
    for candidate in candidates:
        bin_dir = Path(candidate).parent
        if (bin_dir / "initdb").exists():
            return PostgresBinaries(bin_dir)
    raise StackError(INSTALL_HINT)


def _as_postgres_user() -> list[str]:
    """Command prefix that drops root to the `postgres` user (empty for a normal user)."""
    if os.geteuid() != 0:
        return []
    runuser = shutil.which("runuser")
    if runuser:
        return [runuser, "-u", "postgres", "--"]
    return ["su", "postgres", "-s", "/bin/sh", "-c"]  # pragma: no cover - every Debian has runuser


def _run(cmd: list[str], log: Path) -> None:
    with open(log, "ab") as out:
        done = subprocess.run(cmd, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    if done.returncode != 0:
        tail = log.read_text(errors="replace")[-2000:]
        raise StackError(f"`{' '.join(cmd)}` failed (exit {done.returncode}); see {log}:\n{tail}")


class Postgres:
    """Start/stop one PostgreSQL cluster on settings.ports.postgres, database `dev`."""

    def __init__(self, settings: Settings, binaries: PostgresBinaries | None = None) -> None:
        self.settings = settings
        self.binaries = binaries or find_binaries()
        self.data_dir = settings.postgres_data_dir
        self.socket_dir = settings.state_dir / "run"
        self.log = settings.log_dir / "postgres.log"

    def _prepare_dirs(self) -> None:
        for path in (self.settings.state_dir, self.settings.log_dir, self.socket_dir):
            path.mkdir(parents=True, exist_ok=True)
        self.log.touch(exist_ok=True)
        if os.geteuid() == 0:
            import pwd

            pg = pwd.getpwnam("postgres")
            for path in (self.socket_dir, self.log):
                os.chown(path, pg.pw_uid, pg.pw_gid)
            if self.data_dir.exists():
                os.chown(self.data_dir, pg.pw_uid, pg.pw_gid)
            # the postgres user must be able to reach the state dir
            self.settings.state_dir.chmod(0o755)

    def check_reachable(self) -> None:
        """As root the server runs as `postgres`, who must be able to enter the state dir."""
        if os.geteuid() != 0:
            return
        self.settings.state_dir.mkdir(parents=True, exist_ok=True)
        probe = subprocess.run(_as_postgres_user() + ["test", "-x", str(self.settings.state_dir)])
        if probe.returncode != 0:
            raise StackError(
                f"the `postgres` system user cannot enter {self.settings.state_dir} (a parent folder is private): "
                "make its parents world-traversable (chmod o+x) or set CADABRA_STATE_DIR to such a folder"
            )

    def initialised(self) -> bool:
        return (self.data_dir / "PG_VERSION").exists()

    def init(self) -> None:
        self._prepare_dirs()
        if self.initialised():
            return
        self.data_dir.mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:
            import pwd

            pg = pwd.getpwnam("postgres")
            os.chown(self.data_dir, pg.pw_uid, pg.pw_gid)
        self.data_dir.chmod(0o700)
        pwfile = self.settings.state_dir / "run" / "pwfile"
        pwfile.write_text(self.settings.postgres_password + "\n")
        if os.geteuid() == 0:
            import pwd

            pg = pwd.getpwnam("postgres")
            os.chown(pwfile, pg.pw_uid, pg.pw_gid)
        try:
            _run(
                _as_postgres_user()
                + [
                    str(self.binaries.initdb),
                    "-D", str(self.data_dir),
                    "-U", self.settings.postgres_user,
                    "--pwfile", str(pwfile),
                    "--auth-host", "scram-sha-256",
                    "--auth-local", "trust",
                    "-E", "UTF8",
                    "--locale", "C",
                ],
                self.log,
            )
        finally:
            pwfile.unlink(missing_ok=True)

    def start(self) -> None:
        self.init()
        options = (
            f"-p {self.settings.ports.postgres} -c listen_addresses={self.settings.hosts.postgres} "
            f"-k {self.socket_dir} -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        )
        _run(
            _as_postgres_user()
            + [str(self.binaries.pg_ctl), "-D", str(self.data_dir), "-l", str(self.log), "-o", options, "-w", "-t", "30", "start"],
            self.log,
        )
        self._ensure_database()

    def _ensure_database(self) -> None:
        import psycopg2

        dsn = self.settings.postgres_dsn.rsplit("/", 1)[0] + "/postgres"
        conn = psycopg2.connect(dsn)
        try:
            conn.autocommit = True
            with conn.cursor() as cur:
                cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", (self.settings.postgres_db,))
                if cur.fetchone() is None:
                    cur.execute(f'CREATE DATABASE "{self.settings.postgres_db}"')
        finally:
            conn.close()

    def pid(self) -> int | None:
        try:
            return int((self.data_dir / "postmaster.pid").read_text().splitlines()[0])
        except (OSError, ValueError, IndexError):
            return None

    def stop(self) -> None:
        if not (self.data_dir / "postmaster.pid").exists():
            return
        _run(
            _as_postgres_user() + [str(self.binaries.pg_ctl), "-D", str(self.data_dir), "-m", "fast", "-w", "-t", "30", "stop"],
            self.log,
        )
