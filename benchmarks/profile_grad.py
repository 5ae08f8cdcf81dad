"""Where does funcad's eager ``grad`` spend its time? cProfile of cases (c) and (d) of
bench_grad.py: the top functions by own time (tottime), with their share of the total.

    python benchmarks/profile_grad.py                 # cases c and d, top 25 each
    python benchmarks/profile_grad.py --case d --top 40
    python benchmarks/profile_grad.py --pyinstrument  # also a pyinstrument call tree

cProfile's own overhead inflates functions that are called often and do little (the
per-operation Python path), so read the shares as relative weights; the absolute
times printed at the top are measured without the profiler.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import bench_grad


def _target(case: str, steps: int | None):
    if bench_grad.REPO_ROOT not in sys.path:
        sys.path.insert(0, bench_grad.REPO_ROOT)
    return bench_grad.funcad_impls(case, steps).call


def _short(func: tuple[str, int, str]) -> str:
    filename, line, name = func
    if filename == "~":
        return name  # a builtin such as {built-in method numpy...}
    root = bench_grad.REPO_ROOT + os.sep
    if filename.startswith(root):
        filename = filename[len(root):]
    else:
        parts = filename.split(os.sep)
        filename = os.sep.join(parts[-2:])
    return f"{filename}:{line}({name})"


def _count_primitives(case: str, steps: int | None) -> int:
    """The number of operations funcad records for one gradient call (its tape length)."""
    import funcad
    from funcad import ad

    counted = []
    original = ad.backward_pass

    def counting(tape, *args, **kwargs):
        counted.append(len(tape))
        return original(tape, *args, **kwargs)

    ad.backward_pass = counting
    try:
        _target(case, steps)()
    finally:
        ad.backward_pass = original
    del funcad
    return counted[0]


def _gc_time(fn) -> tuple[float, float, int]:
    """(wall time of fn(), time inside cyclic-GC collections, number of collections)."""
    import gc

    spent = [0.0, 0]
    start = [0.0]

    def callback(phase, info):
        if phase == "start":
            start[0] = time.perf_counter()
        else:
            spent[0] += time.perf_counter() - start[0]
            spent[1] += 1

    gc.callbacks.append(callback)
    try:
        t0 = time.perf_counter()
        fn()
        wall = time.perf_counter() - t0
    finally:
        gc.callbacks.remove(callback)
    return wall, spent[0], spent[1]


def profile_case(case: str, steps: int | None, calls: int, top: int) -> None:
    fn = _target(case, steps)
    fn()
    t0 = time.perf_counter()
    for _ in range(calls):
        fn()
    plain = (time.perf_counter() - t0) / calls

    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(calls):
        fn()
    profiler.disable()
    stats = pstats.Stats(profiler, stream=io.StringIO())
    total = stats.total_tt
    prims = _count_primitives(case, steps)
    print(f"\n## case {bench_grad.CASES[case]}, {calls} call(s)")
    print(f"without profiler: {bench_grad.fmt_time(plain)} per call "
          f"({plain / prims * 1e6:.2f} us per recorded primitive, {prims} recorded, "
          f"trace + backward)")
    wall, in_gc, collections = _gc_time(fn)
    print(f"cyclic GC:        {bench_grad.fmt_time(in_gc)} of {bench_grad.fmt_time(wall)} "
          f"({100 * in_gc / wall:.0f}%) in {collections} collections during one call")
    print(f"under cProfile:   {bench_grad.fmt_time(total / calls)} per call\n")
    rows = sorted(stats.stats.items(), key=lambda kv: kv[1][2], reverse=True)[:top]
    print(f"| {'tottime %':>9} | {'cum %':>6} | {'calls/prim':>10} | function")
    print(f"|{'-' * 11}|{'-' * 8}|{'-' * 12}|{'-' * 60}")
    for func, (cc, nc, tt, ct, _callers) in rows:
        print(f"| {100 * tt / total:>8.1f}% | {100 * ct / total:>5.1f}% | "
              f"{nc / calls / prims:>10.2f} | {_short(func)}")


def pyinstrument_case(case: str, steps: int | None) -> None:
    try:
        from pyinstrument import Profiler
    except ImportError:
        print("\n(pyinstrument is not installed)")
        return
    fn = _target(case, steps)
    fn()
    profiler = Profiler(interval=0.0002)
    profiler.start()
    for _ in range(3):
        fn()
    profiler.stop()
    print(f"\n## pyinstrument, case ({case})")
    print(profiler.output_text(unicode=False, color=False, show_all=False))


def line_profile_case(case: str, steps: int | None) -> None:
    """Per-line times of the three hot functions: the forward recording
    (VJPTrace.process), the no-transformation evaluation used by the backward pass's rules
    (EvalTrace.process), and the backward loop. cProfile cannot show how much of them is
    the NumPy ufunc itself (a ufunc call is not a profiled function); this can."""
    try:
        from line_profiler import LineProfiler
    except ImportError:
        print("\n(line_profiler is not installed)")
        return
    fn = _target(case, steps)
    from funcad import ad, core

    fn()
    profiler = LineProfiler(ad.VJPTrace.process, core.EvalTrace.process, ad.backward_pass)
    profiler.runcall(fn)
    profiler.runcall(fn)
    out = io.StringIO()
    profiler.print_stats(stream=out, output_unit=1e-3, stripzeros=True)
    print(f"\n## line_profiler, case ({case}), 2 calls (times in ms)")
    print(out.getvalue())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--case", default="c,d", help="comma-separated subset of a,b,c,d")
    parser.add_argument("--steps", type=int, default=None,
                        help="chain length (default: the benchmark's)")
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--pyinstrument", action="store_true")
    parser.add_argument("--lines", action="store_true",
                        help="also line_profiler output of the hot functions")
    args = parser.parse_args(argv)
    limiter = bench_grad._limit_threads(1)  # one BLAS thread, as in bench_grad  # noqa: F841
    for case in [c.strip() for c in args.case.split(",") if c.strip()]:
        if case not in bench_grad.CASES:
            parser.error(f"--case: {case!r} (choose from a, b, c, d)")
        calls = {"a": 2000, "b": 20, "c": 5, "d": 2}[case]
        profile_case(case, args.steps, calls, args.top)
        if args.pyinstrument:
            pyinstrument_case(case, args.steps)
        if args.lines:
            line_profile_case(case, args.steps)
    return 0


if __name__ == "__main__":
    sys.exit(main())
