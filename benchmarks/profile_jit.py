"""Where does a ``funcad.jit`` call spend its time? The cases of bench_jit.py, profiled.

For each case:

* the jitted call against its generated function called directly (the jit wrapper's share);
* cProfile of many calls: the top functions by own time (the wrapper's signature and pytree
  work, ``functools.partial`` dispatch into ``prim.impl``, NumPy's Python-level helpers);
* every statement of the generated source timed on its own, with the real intermediate
  values (``timeit``; an ``out=`` buffer is swapped for a scratch array so that repeating a
  statement does not change its inputs), next to a direct NumPy writing of the same
  operation where one exists (``x.reshape(...)``, ``a @ b.T``, ``np.add.reduce``...): the
  difference is what a more direct emitter in ``funcad/codegen.py`` would save;
* the statement times summed by primitive, and by how the statement is emitted.

``--compile`` profiles the first call instead (trace, ``funcad.passes.optimize``, codegen),
on the scalar chain (``--steps``, default 20,000).

    python benchmarks/profile_jit.py                     # cases ja, jb, jc, je
    taskset -c 0 python benchmarks/profile_jit.py --case ja,je --top 30
    python benchmarks/profile_jit.py --source            # also print the generated source
    python benchmarks/profile_jit.py --pyinstrument      # also a pyinstrument call tree
    python benchmarks/profile_jit.py --compile --steps 5000

cProfile's own overhead inflates functions that are called often and do little; read its
shares as relative weights. The statement times are measured without any profiler; their
sum differs from the function's time by the interpreter's own work (local stores, ``del``)
and cache effects between statements.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import re
import statistics
import sys
import time
import timeit
from collections import defaultdict
from typing import Any

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import bench_grad
import bench_jit
from bench_grad import fmt_time

if bench_grad.REPO_ROOT not in sys.path:
    sys.path.insert(0, bench_grad.REPO_ROOT)


def _best(stmt: str, ns: dict, repeat: int = 7, floor: float = 0.005) -> float:
    """Median over ``repeat`` runs of the per-execution time of ``stmt`` in ``ns``; each run
    loops over the statement for at least ``floor`` seconds."""
    timer = timeit.Timer(stmt, globals=ns)
    one = max(timer.timeit(1), 1e-8)
    number = max(1, int(floor / one))
    return statistics.median(t / number for t in timer.repeat(repeat, number))


def _jit_parts(case: str) -> tuple[Any, tuple, Any, list]:
    """The jitted function, its arguments, its Compiled object and the flat arguments."""
    import funcad.tree_util as tu

    col = bench_jit.make_col(case, "funcad_jit")
    stages = bench_jit.JitStages()
    with stages.recording():
        col.call()
    flat, _ = tu.tree_flatten(tuple(col.args))
    return col, stages.compiled, flat


# ----------------------------------------------------------------------------------------------
# Direct NumPy writings of the primitives that the generated code calls through prim.impl.


def _direct(eqn: Any, args: list[str]) -> str | None:
    """A direct NumPy expression for ``eqn`` (same result), or None."""
    name, p = eqn.primitive.name, eqn.params
    if name == "reshape":
        return f"{args[0]}.reshape({tuple(p['new_sizes'])})"
    if name == "broadcast_to":
        return f"np.broadcast_to({args[0]}, {tuple(p['shape'])})"
    if name == "transpose":
        return f"{args[0]}.transpose({tuple(p['permutation'])})"
    if name == "stop_gradient":
        return args[0]
    if name in ("reduce_sum", "reduce_max", "reduce_min"):
        ufunc = {"reduce_sum": "add", "reduce_max": "maximum", "reduce_min": "minimum"}[name]
        return f"np.{ufunc}.reduce({args[0]}, axis={tuple(p['axes'])})"
    if name == "select":
        return f"np.where({args[0]}, {args[1]}, {args[2]})"
    if name == "convert_element_type":
        return f"{args[0]}.astype(np.{np.dtype(p['new_dtype']).name})"
    if name == "dot_general":
        (lc, rc), (lb, rb) = p["dimension_numbers"]
        lnd, rnd = eqn.invars[0].aval.ndim, eqn.invars[1].aval.ndim
        lc, rc, lb, rb = tuple(lc), tuple(rc), tuple(lb), tuple(rb)
        if not lb and not rb and lnd <= 2 and rnd <= 2 and len(lc) == 1:
            a = args[0] if lc[0] == lnd - 1 else f"{args[0]}.T"
            b = args[1] if rc[0] == 0 or rnd == 1 else f"{args[1]}.T"
            return f"{a} @ {b}"
        if not lc and not rc and lb == (0,) and rb == (0,) and lnd == 1 and rnd == 2:
            return f"{args[0]}[:, None] * {args[1]}"
        if not lc and not rc and lb == (0,) and rb == (0,) and lnd == 2 and rnd == 1:
            return f"{args[0]} * {args[1]}[:, None]"
    return None


_ASSIGN = re.compile(r"^\s+(?P<target>[\w, ]+?),? = (?P<expr>.+)$")


def statement_times(compiled: Any, flat: list) -> list[dict]:
    """Time every statement of the generated function on its own (see the module doc)."""
    lines = compiled.source.splitlines()
    params = re.match(r"def \w+\((.*)\):", lines[0]).group(1)
    names = [s.strip() for s in params.split(",") if s.strip()]
    ns = dict(compiled.fn.__globals__)
    ns.update(zip(names, list(compiled.closed.consts) + list(flat)))
    eqns = iter(compiled.closed.jaxpr.eqns)
    rows = []
    # Long functions (the chains): fewer, shorter repeats per statement.
    repeat, floor = (7, 0.005) if len(lines) < 500 else (3, 0.001)
    for line in lines[1:]:
        stmt = line.strip()
        if stmt.startswith("return"):
            break
        if stmt.startswith("del "):
            exec(stmt, ns)  # noqa: S102  (the generated code, one statement at a time)
            continue
        m = _ASSIGN.match(line)
        eqn = next(eqns)
        expr = m.group("expr")
        timed = expr
        out = re.search(r"out=(\w+)\)$", expr)
        if out:  # time into a scratch buffer: the statement's inputs stay as they are
            ns["_scratch"] = np.empty_like(ns[out.group(1)])
            timed = expr[: out.start(1)] + "_scratch)"
        t = _best(timed, ns, repeat, floor)
        arg_names = [a.strip() for a in
                     re.match(r"^[\w.]+\((.*?)(, out=\w+)?\)$", expr).group(1).split(",")] \
            if re.match(r"^[\w.]+\(", expr) else []
        direct = _direct(eqn, arg_names) if arg_names else None
        t_direct = _best(direct, ns, repeat, floor) if direct and direct != arg_names[0] else (
            0.0 if direct else None)
        exec(stmt, ns)  # noqa: S102  (the generated code, one statement at a time)
        if expr.startswith("p") and "_" in expr.split("(")[0]:
            how = "prim.impl (partial)" if eqn.params else "prim.impl"
        elif out:
            how = "ufunc, out="
        elif expr.startswith("u_"):
            how = "ufunc"
        else:
            how = "operator"
        rows.append({"stmt": stmt, "prim": eqn.primitive.name, "time": t, "how": how,
                     "direct": direct, "t_direct": t_direct,
                     "shape": tuple(eqn.outvars[0].aval.shape)})
    return rows


def report_statements(case: str, rows: list[dict], total: float, show: int) -> None:
    summed = sum(r["time"] for r in rows)
    print(f"\n### statements of the generated code, one by one ({len(rows)} statements; their "
          f"times sum to {fmt_time(summed)}, the whole function takes {fmt_time(total)})")
    by_prim: dict[str, list[float]] = defaultdict(lambda: [0, 0.0, 0.0])
    by_how: dict[str, list[float]] = defaultdict(lambda: [0, 0.0])
    saving = 0.0
    for r in rows:
        entry = by_prim[r["prim"]]
        entry[0] += 1
        entry[1] += r["time"]
        if r["t_direct"] is not None:
            entry[2] += r["time"] - r["t_direct"]
            saving += max(0.0, r["time"] - r["t_direct"])
        by_how[r["how"]][0] += 1
        by_how[r["how"]][1] += r["time"]
    print("\nby primitive (time per call, share of the summed statement times; 'direct' is the "
          "saving of a direct NumPy writing where one exists):")
    print(f"| {'primitive':<22} | {'count':>5} | {'time':>10} | {'share':>6} | {'direct saves':>12} |")
    print(f"|{'-' * 24}|{'-' * 7}|{'-' * 12}|{'-' * 8}|{'-' * 14}|")
    for prim, (n, t, d) in sorted(by_prim.items(), key=lambda kv: -kv[1][1]):
        print(f"| {prim:<22} | {n:>5} | {fmt_time(t):>10} | {100 * t / summed:>5.1f}% | "
              f"{fmt_time(d) if d > 0 else '-':>12} |")
    print("\nby emitter:")
    for how, (n, t) in sorted(by_how.items(), key=lambda kv: -kv[1][1]):
        print(f"  {how:<20} {n:>5} statements, {fmt_time(t):>10} ({100 * t / summed:.1f}%)")
    print(f"\nall direct writings together would save about {fmt_time(saving)} per call "
          f"({100 * saving / total:.1f}% of the function)")
    print(f"\nslowest statements (of {len(rows)}):")
    for r in sorted(rows, key=lambda r: -r["time"])[:show]:
        extra = ""
        if r["t_direct"] is not None:
            extra = f"   | direct `{r['direct']}` {fmt_time(r['t_direct'])}"
        print(f"  {fmt_time(r['time']):>10}  {r['stmt']:<48} {r['shape']!s:<12}{extra}")


# ----------------------------------------------------------------------------------------------
# cProfile of the replay and of the first call.


def _short(func: tuple[str, int, str]) -> str:
    filename, line, name = func
    if filename == "~":
        return name
    root = bench_grad.REPO_ROOT + os.sep
    if filename.startswith(root):
        filename = filename[len(root):]
    elif not filename.startswith("<"):
        filename = os.sep.join(filename.split(os.sep)[-2:])
    return f"{filename}:{line}({name})"


def cprofile(fn: Any, calls: int, top: int, title: str) -> None:
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(calls):
        fn()
    profiler.disable()
    stats = pstats.Stats(profiler, stream=io.StringIO())
    total = stats.total_tt
    print(f"\n### cProfile, {title}: {calls} call(s), {fmt_time(total / calls)} per call under "
          f"the profiler")
    rows = sorted(stats.stats.items(), key=lambda kv: kv[1][2], reverse=True)[:top]
    print(f"| {'tottime %':>9} | {'cum %':>6} | {'calls/call':>10} | function")
    print(f"|{'-' * 11}|{'-' * 8}|{'-' * 12}|{'-' * 60}")
    for func, (_cc, nc, tt, ct, _callers) in rows:
        print(f"| {100 * tt / total:>8.1f}% | {100 * ct / total:>5.1f}% | {nc / calls:>10.1f} | "
              f"{_short(func)}")


def profile_case(case: str, top: int, show: int, source: bool, pyinstrument: bool) -> None:
    col, compiled, flat = _jit_parts(case)
    print(f"\n## {bench_jit.CASES[case]}")
    if compiled is None:
        print("(funcad.jit internals changed: the generated function is not reachable)")
        return
    t = bench_grad.measure_interleaved({
        "call": (col.call, bench_grad.Budget(1.0, 11, 100, sample_floor=5e-3), None),
        "code": (lambda: compiled(*flat), bench_grad.Budget(1.0, 11, 100, sample_floor=5e-3),
                 None),
    })
    call, code = t["call"].median, t["code"].median
    print(f"jit call {fmt_time(call)}; generated function alone {fmt_time(code)}; the wrapper "
          f"{fmt_time(call - code)} ({100 * (call - code) / call:.0f}%)")
    if source:
        print("\n" + compiled.source)
    calls = max(1, int(0.5 / call))
    cprofile(col.call, calls, top, "the jit call")
    rows = statement_times(compiled, flat)
    report_statements(case, rows, code, show)
    if pyinstrument:
        try:
            from pyinstrument import Profiler
        except ImportError:
            print("\n(pyinstrument is not installed)")
            return
        profiler = Profiler(interval=0.0001)
        profiler.start()
        t0 = time.perf_counter()
        while time.perf_counter() - t0 < 1.0:
            col.call()
        profiler.stop()
        print(f"\n### pyinstrument, case ({case})")
        print(profiler.output_text(unicode=False, color=False, show_all=False))


def profile_compile(steps: int, top: int) -> None:
    import funcad
    import funcad.numpy as fnp

    fn = funcad.jit(funcad.grad(bench_grad.make_chain(fnp, steps)))
    stages = bench_jit.JitStages()
    profiler = cProfile.Profile()
    with stages.recording():
        t0 = time.perf_counter()
        profiler.enable()
        fn(bench_grad.CHAIN_SCALAR_X0)
        profiler.disable()
        total = time.perf_counter() - t0
    print(f"\n## first call of jit(grad) on the {steps:,}-step scalar chain: {fmt_time(total)} "
          f"under cProfile (optimise {fmt_time(stages.optimize)}, codegen + compile "
          f"{fmt_time(stages.codegen)}; {stages.eqns_traced} -> {stages.eqns_optimized} "
          f"equations)")
    stats = pstats.Stats(profiler, stream=io.StringIO())
    tt_total = stats.total_tt
    rows = sorted(stats.stats.items(), key=lambda kv: kv[1][3], reverse=True)[:top]
    print(f"| {'cum %':>6} | {'tottime %':>9} | {'calls':>9} | function (by cumulative time)")
    print(f"|{'-' * 8}|{'-' * 11}|{'-' * 11}|{'-' * 60}")
    for func, (_cc, nc, tt, ct, _callers) in rows:
        print(f"| {100 * ct / tt_total:>5.1f}% | {100 * tt / tt_total:>8.1f}% | {nc:>9} | "
              f"{_short(func)}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--case", default="ja,jb,jc,je",
                        help="comma-separated subset of ja,jb,jc,je")
    parser.add_argument("--top", type=int, default=20, help="rows of the cProfile tables")
    parser.add_argument("--show", type=int, default=12, help="slowest statements to list")
    parser.add_argument("--source", action="store_true", help="print the generated source")
    parser.add_argument("--pyinstrument", action="store_true")
    parser.add_argument("--compile", action="store_true",
                        help="profile the first call (trace, optimise, codegen) instead")
    parser.add_argument("--steps", type=int, default=bench_grad.CHAIN_SCALAR_STEPS)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args(argv)
    limiter = bench_grad._limit_threads(args.threads) if args.threads else None  # noqa: F841
    import funcad.numpy
    import funcad.scipy.special

    try:
        import funcad.passes  # noqa: F401
    except ImportError:
        pass
    print(f"funcad:     {bench_grad._git_revision()}")
    print(f"funcad.jit: {bench_jit.funcad_jit_info()}")
    if args.compile:
        profile_compile(args.steps, args.top)
        return 0
    for case in [c.strip() for c in args.case.split(",") if c.strip()]:
        if case not in ("ja", "jb", "jc", "je"):
            parser.error(f"--case: {case} is not one of ja, jb, jc, je")
        profile_case(case, args.top, args.show, args.source, args.pyinstrument)
    return 0


if __name__ == "__main__":
    sys.exit(main())
