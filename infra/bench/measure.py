"""Runs one process and measures it: wall time, CPU time (user + sys) and peak RSS.

os.wait4 returns the child's own rusage, which includes its waited-for descendants (flake8's
worker processes): CPU time is their sum, ru_maxrss the largest single process (Linux: KiB).
"""
from __future__ import annotations

import os
import signal
import subprocess
import threading
import time
from dataclasses import asdict, dataclass


@dataclass
class Measurement:
    wall_s: float
    user_s: float
    sys_s: float
    peak_rss_mb: float
    exit_code: int
    timed_out: bool = False

    @property
    def cpu_s(self) -> float:
        return self.user_s + self.sys_s

    def as_dict(self) -> dict:
        d = asdict(self)
        d["cpu_s"] = self.cpu_s
        return d


def run_measured(argv: list[str], cwd: str | None = None, stdout_path: str | None = None,
                 env: dict | None = None, timeout_s: float | None = None) -> Measurement:
    """Runs argv to completion (or kills its process group after timeout_s); stdout goes to
    stdout_path (or is discarded), stderr to stdout_path + '.stderr'."""
    out = open(stdout_path, "wb") if stdout_path else subprocess.DEVNULL
    err = open(stdout_path + ".stderr", "wb") if stdout_path else subprocess.DEVNULL
    timed_out = threading.Event()
    try:
        start = time.perf_counter()
        proc = subprocess.Popen(argv, cwd=cwd, stdout=out, stderr=err, env=env,
                                start_new_session=timeout_s is not None)

        def kill() -> None:
            timed_out.set()
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass

        timer = threading.Timer(timeout_s, kill) if timeout_s else None
        if timer:
            timer.start()
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        if timer:
            timer.cancel()
        # Popen must not wait on the pid again.
        proc.returncode = os.waitstatus_to_exitcode(status)
    finally:
        if stdout_path:
            out.close()
            err.close()
    return Measurement(
        wall_s=wall,
        user_s=usage.ru_utime,
        sys_s=usage.ru_stime,
        peak_rss_mb=usage.ru_maxrss / 1024.0,
        exit_code=proc.returncode,
        timed_out=timed_out.is_set(),
    )
