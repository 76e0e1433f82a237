"""The CPU cost of one check in a full scan, measured as the behaviour and licence checks'
benchmarks do (`infra/bench/behaviour.py --overhead`, `infra/bench/licence.py --overhead`)."""
from __future__ import annotations

import pathlib
import resource
import statistics
import subprocess


def timed(validator: str, folder: pathlib.Path, checks: str, extra: tuple[str, ...] = ()) -> float:
    """CPU seconds (user + system) of one scan: steadier than wall time on a shared machine,
    and what a Lambda is billed for."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run([validator, "scan", str(folder), "--checks", checks, "--format", "json",
                    *extra], capture_output=True, check=False)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def overhead(validator: str, folders: list[pathlib.Path], repeat: int, base: str, check: str,
             target: float, extra: tuple[str, ...] = ()) -> None:
    """The runs with and without `check` (added to the `base` checks) alternate (which goes
    first alternates too), so that load from other processes hits both. Three estimates are
    printed: the median and the minimum of each configuration's totals, and the median of the
    paired ratios, where each round scans every folder both ways within seconds and gives one
    ratio of its totals. On a shared machine noise only adds time and drifts over minutes; the
    paired ratio cancels the drift, so it is the estimate of record."""
    times = {folder: ([], []) for folder in folders}
    rounds = []
    for round_index in range(repeat):
        round_totals = [0.0, 0.0]
        for folder in folders:
            order = (0, 1) if round_index % 2 == 0 else (1, 0)
            for which in order:
                checks = base if which == 0 else f"{base},{check}"
                seconds = timed(validator, folder, checks, extra)
                times[folder][which].append(seconds)
                round_totals[which] += seconds
        rounds.append(round_totals[1] / max(round_totals[0], 1e-9))
    totals = {"median": [0.0, 0.0], "minimum": [0.0, 0.0]}
    for folder in folders:
        without, with_ = times[folder]
        a, b = statistics.median(without), statistics.median(with_)
        low_a, low_b = min(without), min(with_)
        for name, (x, y) in (("median", (a, b)), ("minimum", (low_a, low_b))):
            totals[name][0] += x
            totals[name][1] += y
        print(f"{folder.name:30s} CPU without {a:8.3f} s  with {b:8.3f} s  ratio {b / a:.3f}"
              f"  (minimum {low_a:.3f} / {low_b:.3f} s, ratio {low_b / max(low_a, 1e-9):.3f})")
    for name, (x, y) in totals.items():
        print(f"{'total (' + name + ')':30s} CPU without {x:8.3f} s  with {y:8.3f} s  "
              f"ratio {y / max(x, 1e-9):.3f} (target <= {target})")
    print(f"{'paired rounds':30s} ratio {statistics.median(rounds):.3f} median of {len(rounds)} "
          f"(lowest {min(rounds):.3f}, highest {max(rounds):.3f}) (target <= {target})")
