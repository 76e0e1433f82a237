"""Runs one process and measures it: wall time, CPU time (user + sys) and peak RSS.

os.wait4 returns the child's rusage, which includes its waited-for descendants (flake8's
worker processes): CPU time is their sum. Its ru_maxrss is not usable as is: a child forked (or
vforked) from this Python process keeps Python's RSS as its high-water mark across exec. So the
command runs under GNU time (`/usr/bin/time`, a small C program) when present, which reports
the peak RSS of the command itself (the largest single process); without it ru_maxrss is used
and includes the driver's own RSS (`rss_source` says which).
"""
from __future__ import annotations

import os
import pathlib
import shutil
import signal
import subprocess
import tempfile
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
    rss_source: str = "gnu-time"

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
    gnu_time = GNU_TIME
    report = None
    if gnu_time:
        fd, report = tempfile.mkstemp(prefix="bench-time-")
        os.close(fd)
        # Wall and CPU times come from here (microseconds); only peak RSS and the exit code
        # from GNU time, whose times have a 10 ms resolution.
        argv = [gnu_time, "-f", "%M %x", "-o", report, *argv]
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
    peak_kb, exit_code, source = usage.ru_maxrss, proc.returncode, "wait4 (includes the driver)"
    if report:
        lines = pathlib.Path(report).read_text().split()
        os.unlink(report)
        # "Command exited with non-zero status N" / "terminated by signal" lines come first.
        if len(lines) >= 2 and lines[-2].isdigit() and lines[-1].lstrip("-").isdigit():
            peak_kb, exit_code, source = int(lines[-2]), int(lines[-1]), "gnu-time"
    return Measurement(
        wall_s=wall,
        user_s=usage.ru_utime,
        sys_s=usage.ru_stime,
        peak_rss_mb=peak_kb / 1024.0,
        exit_code=exit_code,
        timed_out=timed_out.is_set(),
        rss_source=source,
    )


def _gnu_time() -> str | None:
    path = shutil.which("time", path="/usr/bin:/bin") or None
    if not path:
        return None
    try:
        out = subprocess.run([path, "--version"], capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return path if "GNU" in out.stdout + out.stderr else None


GNU_TIME = _gnu_time()
