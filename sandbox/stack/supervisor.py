"""The embedded stack's supervisor: one background process that owns every component.

Started by `cadabra up` (`python -m sandbox.stack.supervisor`), it runs localcloud (moto and the
data-plane extensions) in its own process, osmem-server and PostgreSQL as children, and the console
on a thread, and the stream jobs (pipeline 3's Spark job) as supervised children started last, in
the background (`sandbox/stack/stream_job.py`). SIGTERM or SIGINT stops everything it started, in reverse order, by PID.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
import os
import signal
import sys
import threading
from typing import Any, Callable

from sandbox.settings import Settings, get_settings

log = logging.getLogger("cadabra.supervisor")


class Supervisor:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.stop_requested = threading.Event()
        self._stoppers: list[tuple[str, Callable[[], None]]] = []
        self.localcloud: Any = None

    def _started(self, name: str, stop: Callable[[], None]) -> None:
        self._stoppers.append((name, stop))
        log.info("%s started", name)

    def start(self) -> None:
        from sandbox.localcloud.server import LocalCloud
        from sandbox.stack.postgres import Postgres
        from sandbox.stack.search import SearchServer

        search = SearchServer(self.settings)
        search.start()
        self._started("opensearch", search.stop)

        self.localcloud = LocalCloud(self.settings).start()
        self._started("localcloud", self.localcloud.stop)

        postgres = Postgres(self.settings)
        postgres.start()
        self._started("postgres", postgres.stop)

        self._start_console()
        self._start_stream_jobs()

    def _start_stream_jobs(self) -> None:
        """Pipeline 3's Spark job; it waits for its stream itself, so `up` never waits for Spark."""
        from sandbox.stack.stream_job import StreamJob, order_rate_alarm_argv

        if not self.settings.stream_jobs:
            log.info("stream jobs are off (CADABRA_STREAM_JOBS=off)")
            return
        job = StreamJob(self.settings, self.settings.names.alarms_job, order_rate_alarm_argv(self.settings))
        job.start()
        self._started(f"stream job {job.name}", job.stop)

    def _start_console(self) -> None:
        import uvicorn

        from sandbox.console.app import create_app

        app = create_app(self.settings, runtime=self.localcloud.runtime)
        config = uvicorn.Config(
            app,
            host=self.settings.console_bind,
            port=self.settings.ports.console,
            log_level="warning",
            access_log=False,
            lifespan="off",
        )
        server = uvicorn.Server(config)
        server.install_signal_handlers = lambda: None  # type: ignore[method-assign]  # the supervisor owns signals
        thread = threading.Thread(target=server.run, name="console", daemon=True)
        thread.start()

        def stop() -> None:
            server.should_exit = True
            thread.join(timeout=10)

        self._started("console", stop)

    def stop(self) -> None:
        while self._stoppers:
            name, stop = self._stoppers.pop()
            try:
                stop()
                log.info("%s stopped", name)
            except Exception:
                log.exception("stopping %s failed", name)


# glibc's malloc raises its mmap threshold each time a large block is freed, so the server's large
# request bodies (a 500-record PutRecords is ~200 KB) end up in the heap, which fragments and is not
# given back: measured in a 2-minute soak at 500 orders/s, the supervisor grew 36 MiB without these
# two settings and 17 MiB with them (docs/BENCHMARKS.md). Fixed thresholds: blocks of 128 KiB and
# more are mapped and unmapped, and the heap's free top is returned past 128 KiB.
M_TRIM_THRESHOLD, M_MMAP_THRESHOLD = -1, -3
LARGE_BLOCK = 128 * 1024


def keep_large_blocks_out_of_the_heap() -> bool:
    """Set glibc's malloc thresholds for this process (False where the C library is not glibc)."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return False
    return bool(mallopt(M_MMAP_THRESHOLD, LARGE_BLOCK)) and bool(mallopt(M_TRIM_THRESHOLD, LARGE_BLOCK))


def main() -> int:
    keep_large_blocks_out_of_the_heap()
    settings = get_settings()
    settings.log_dir.mkdir(parents=True, exist_ok=True)
    logging.basicConfig(
        level=logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        handlers=[logging.FileHandler(settings.log_dir / "supervisor.log")],
    )
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    supervisor = Supervisor(settings)

    def on_signal(signum: int, _frame: object) -> None:
        log.info("signal %s: stopping", signum)
        supervisor.stop_requested.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    settings.pid_file.write_text(str(os.getpid()))
    try:
        supervisor.start()
        log.info("all components started")
        while not supervisor.stop_requested.wait(1.0):
            pass
        return 0
    except Exception as exc:
        log.exception("start failed: %s", exc)
        print(f"supervisor: start failed: {exc}", file=sys.stderr)
        return 1
    finally:
        supervisor.stop()
        try:
            if settings.pid_file.read_text().strip() == str(os.getpid()):
                settings.pid_file.unlink()
        except OSError:
            pass
        log.info("supervisor exited")


if __name__ == "__main__":
    sys.exit(main())
