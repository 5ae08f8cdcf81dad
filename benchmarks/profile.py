"""Where does one column of one case spend its time? cProfile's top functions by own time
(tottime), the cyclic GC's share, and with --pyinstrument a call tree; the cases are those of
the bench_*.py files, checked against NumPy first.

    python benchmarks/profile.py d                      # funcad's eager grad, 20,000-step chain
    python benchmarks/profile.py jb --column funcad_jit --top 30
    python benchmarks/profile.py e --pyinstrument

cProfile's own cost inflates small functions called often: read its shares as weights; the
time per call at the top is measured without it.
"""

from __future__ import annotations

import harness  # first: it pins BLAS to one thread and moves this folder behind the stdlib

# isort: split
import argparse
import cProfile
import gc
import os
import pstats
import sys
import time
from typing import Any

import bench_grad
import bench_jit
import bench_vmap_hessian

FAMILIES = (bench_grad.FAMILY, bench_vmap_hessian.FAMILY, bench_jit.FAMILY)


def short(function: tuple[str, int, str]) -> str:
    """``funcad/ad.py:120(backward_pass)``: paths from the package's folder, or the last two."""
    filename, line, name = function
    if filename == "~":
        return name  # a builtin
    parts = filename.split(os.sep)
    start = max(len(parts) - 2, 0)
    if "funcad" in parts:
        start = len(parts) - 1 - parts[::-1].index("funcad")
    return f"{os.sep.join(parts[start:])}:{line}({name})"


def per_call(count: float) -> str:
    return f"{count:,.0f}" if count >= 100 else f"{count:.3g}"


def time_per_call(call: Any, seconds: float) -> float:
    """The median of five blocks, each about a fifth of ``seconds``, without any profiler."""
    start = time.perf_counter()
    call()
    number = max(1, int(seconds / 5 / max(time.perf_counter() - start, 1e-9)))
    blocks = []
    for _ in range(5):
        start = time.perf_counter()
        for _ in range(number):
            call()
        blocks.append((time.perf_counter() - start) / number)
    return sorted(blocks)[2]


def gc_share(call: Any) -> tuple[float, float, int]:
    """(seconds of one call, seconds of it inside cyclic collections, collections)."""
    spent, began = [0.0, 0], [0.0]

    def watch(phase: str, info: dict) -> None:
        if phase == "start":
            began[0] = time.perf_counter()
        else:
            spent[0] += time.perf_counter() - began[0]
            spent[1] += 1

    gc.callbacks.append(watch)
    try:
        start = time.perf_counter()
        call()
        total = time.perf_counter() - start
    finally:
        gc.callbacks.remove(watch)
    return total, spent[0], spent[1]


def main(argv: list[str] | None = None) -> int:
    keys = [key for family in FAMILIES for key in family.cases]
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("case", choices=keys)
    parser.add_argument("--column", help="default: funcad_jit in bench_jit's cases, else funcad")
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--seconds", type=float, default=2.0, help="time under the profiler")
    parser.add_argument("--pyinstrument", action="store_true", help="also a pyinstrument tree")
    args = parser.parse_args(argv)
    family = next(family for family in FAMILIES if args.case in family.cases)
    column = args.column or ("funcad_jit" if "funcad_jit" in family.columns else "funcad")
    if column not in family.columns:
        parser.error(f"--column: choose from {', '.join(family.columns)}")
    options = harness.parse_args(family, ["--libs", family.columns[column].library])
    harness.load_libraries(options)
    print("\n".join([*harness.machine(), *harness.pin_process(options)]))
    calls = family.calls(args.case, ["numpy", column])
    if column not in calls:
        parser.error(f"case {args.case} has no column {column}")
    harness.check(family.cases[args.case].title, calls)
    call = calls[column]
    plain = time_per_call(call, args.seconds / 2)
    total, in_gc, collections = gc_share(call)
    print(f"\n## {family.cases[args.case].title}, column {family.columns[column].title}\n"
          f"without a profiler: {harness.fmt_time(plain)} per call; the cyclic GC took "
          f"{harness.fmt_time(in_gc)} of one call's {harness.fmt_time(total)} "
          f"({in_gc / total:.0%}, {collections} collections)")
    number = max(1, int(args.seconds / plain / 3))  # cProfile slows small calls about 3x
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(number):
        call()
    profiler.disable()
    stats = pstats.Stats(profiler)
    everything = stats.total_tt
    print(f"under cProfile: {harness.fmt_time(everything / number)} per call, {number} calls\n")
    rows = sorted(stats.stats.items(), key=lambda item: item[1][2], reverse=True)[:args.top]
    harness.markdown(["tottime", "cumulative", "calls per call", "function"],
                     [[f"{tottime / everything:.1%}", f"{cumulative / everything:.1%}",
                       per_call(count / number), short(function)]
                      for function, (_, count, tottime, cumulative, _) in rows])
    if args.pyinstrument:
        from pyinstrument import Profiler

        tree = Profiler(interval=0.0001)
        tree.start()
        for _ in range(number):
            call()
        tree.stop()
        print(tree.output_text(unicode=False, color=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
