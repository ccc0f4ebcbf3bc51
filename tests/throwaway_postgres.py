"""A PostgreSQL server of its own for a test session: initdb + pg_ctl in a temporary folder.

Debian's `postgresql` package (scripts/test installs it) puts initdb and pg_ctl under
/usr/lib/postgresql/VERSION/bin. The server listens only on a Unix socket in that folder
(no TCP port), trusts local connections, and is stopped (`pg_ctl stop -m immediate`) at the end.
PostgreSQL refuses to run as root: as root the commands run as the `postgres` user.
"""
from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
from pathlib import Path

START_TIMEOUT_S = 60


def postgres_bin(program: str) -> str | None:
    found = shutil.which(program)
    if found:
        return found
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{program}"))
    return candidates[-1] if candidates else None


class ThrowawayPostgres:
    def __init__(self, folder: Path):
        self.folder = Path(folder)
        self.data = self.folder / "data"
        self.port = 5432  # only names the socket file (.s.PGSQL.5432) inside `folder`
        self._as_user: list[str] = []
        if os.geteuid() == 0:
            owner = pwd.getpwnam("postgres")
            self.folder.mkdir(parents=True, exist_ok=True)
            os.chown(self.folder, owner.pw_uid, owner.pw_gid)
            self._as_user = ["runuser", "-u", "postgres", "--"]

    @property
    def url(self) -> str:
        return f"postgresql:///postgres?host={self.folder}&port={self.port}&user=postgres"

    def _run(self, *command: str) -> None:
        subprocess.run([*self._as_user, *command], check=True, capture_output=True, timeout=START_TIMEOUT_S)

    def start(self) -> ThrowawayPostgres:
        """A new cluster in the folder, started."""
        initdb = postgres_bin("initdb")
        if initdb is None or postgres_bin("pg_ctl") is None:
            raise RuntimeError("PostgreSQL is not installed: scripts/test installs Debian's postgresql package")
        self._run(initdb, "-D", str(self.data), "-U", "postgres", "--auth=trust", "--no-sync", "-E", "UTF8")
        return self.start_again()

    def start_again(self) -> ThrowawayPostgres:
        """The cluster started (again, after `stop`), with what it held."""
        options = f"-c listen_addresses='' -k {self.folder} -p {self.port} -c fsync=off"
        self._run(postgres_bin("pg_ctl"), "-D", str(self.data), "-o", options, "-l", str(self.folder / "server.log"),
                  "-w", "start")
        return self

    def stop(self) -> None:
        pg_ctl = postgres_bin("pg_ctl")
        if pg_ctl and (self.data / "postmaster.pid").exists():
            self._run(pg_ctl, "-D", str(self.data), "-m", "immediate", "-w", "stop")
