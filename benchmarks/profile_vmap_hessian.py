"""Where do funcad's eager ``vmap(grad(loss))`` and ``hessian`` spend their time? Cases (e)
and (f) of bench_vmap_hessian.py.

For each case:
  1. the time per call without any profiler;
  2. the operations one evaluation performs: every ``Primitive.bind`` (by the trace that
     handled it and by primitive), every NumPy implementation actually run (``impl``, by
     primitive, with the operations that do no useful work flagged: identity reshapes /
     broadcasts / transposes / full slices, operations on constants only, multiplications
     by one, and exact repeats of an earlier operation on the same operands), and the calls
     into each trace's ``process``;
  3. cProfile, timed with this thread's CPU time (time.thread_time_ns: descheduled time on a
     shared core is not charged to a function; each timer read costs ~1 us, which inflates
     functions called often): the number of Python function calls per evaluation, NumPy's
     Python-level helpers, the top functions by own time (tottime) and by cumulative time;
  4. with --pyinstrument, a pyinstrument call tree (wall-clock sampling); with --lines,
     line_profiler output of the per-operation paths (BatchTrace.process, JVPTrace.process,
     VJPTrace.process, the elementwise batching and JVP rules, move_batch_axis, _fit);
  5. the cost of one primitive under each stack of interpreters (Eval, vmap, jvp, grad,
     vmap of jvp, vmap of grad), from the slope of a chain of 10 vs 110 steps.

    python benchmarks/profile_vmap_hessian.py                   # cases e and f
    python benchmarks/profile_vmap_hessian.py --case e --top 40
    taskset -c 0 python benchmarks/profile_vmap_hessian.py --pyinstrument --lines

Counting binds: ``funcad.core.Primitive.bind`` is reached through the class *and* through
bound methods taken at import time (``sin = sin_p.bind`` in funcad/primitives), so replacing
the class attribute would miss most calls. The script swaps the function's code object
instead (every bound method shares it) and restores it afterwards. Nothing under funcad/
is edited. cProfile's overhead inflates small, frequently called functions: read its shares
as relative weights; the times at the top are measured without it.
"""

from __future__ import annotations

import argparse
import collections
import cProfile
import io
import os
import pstats
import sys
import time
from typing import Any

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
if HERE not in sys.path:
    sys.path.insert(0, HERE)

import bench_grad
import bench_vmap_hessian as bench

if bench.REPO_ROOT not in sys.path:
    sys.path.insert(0, bench.REPO_ROOT)

CALLS = {"e": 200, "f": 100}


def _target(case: str, column: str = "funcad"):
    return bench.IMPL_FACTORIES[column](case).call


def _short(func: tuple[str, int, str]) -> str:
    filename, line, name = func
    if filename == "~":
        return name
    root = bench.REPO_ROOT + os.sep
    if filename.startswith(root):
        filename = filename[len(root):]
    else:
        filename = os.sep.join(filename.split(os.sep)[-2:])
    return f"{filename}:{line}({name})"


# ----------------------------------------------------------------------------------------------
# Counting what one evaluation does.


def _modules() -> tuple[Any, Any, Any, Any]:
    """funcad.core, funcad.ad, funcad.batching, funcad.jvp (the module: ``funcad.jvp`` the
    attribute is the function)."""
    import funcad  # noqa: F401

    m = sys.modules
    return m["funcad.core"], m["funcad.ad"], m["funcad.batching"], m["funcad.jvp"]


def _all_primitives() -> list[Any]:
    _, ad, batching, jvp = _modules()

    prims = set(batching.batching_rules) | set(jvp.jvp_rules) | set(ad.vjp_rules)
    prims |= set(ad.nondifferentiable)
    return sorted(prims, key=lambda p: p.name)


def _shape(x: Any) -> tuple[int, ...]:
    return tuple(np.shape(x))


def _is_constant(x: Any) -> bool:
    return isinstance(x, (int, float, complex, bool, np.generic)) or (
        isinstance(x, np.ndarray) and x.ndim == 0)


def _is_full_slice_indexer(indexer: tuple, shape: tuple[int, ...]) -> bool:
    """An indexer made of slices that select everything (``0:n`` on an axis of size n,
    ``:``, Ellipsis)."""
    from funcad.primitives.structural import Slice

    for axis, item in enumerate(indexer):
        if item is Ellipsis:
            return all(type(i) is Slice or i is Ellipsis for i in indexer)
        if type(item) is not Slice:
            return False
        start, stop, step = item
        if step not in (None, 1) or (start or 0) != 0 or (
                stop is not None and stop < shape[axis]):
            return False
    return True


def _waste_kind(name: str, args: tuple, params: dict, out: Any) -> str | None:
    """Why this executed operation does no useful work, or None."""
    shapes = [_shape(a) for a in args]
    if name == "reshape" and shapes[0] == tuple(params["new_sizes"]):
        return "identity reshape"
    if name == "broadcast_to" and shapes[0] == tuple(params["shape"]):
        return "identity broadcast_to"
    if name == "transpose" and tuple(params["permutation"]) == tuple(range(len(shapes[0]))):
        return "identity transpose"
    if name == "getitem" and len(args) == 1 and _shape(out) == shapes[0] and \
            _is_full_slice_indexer(params["indexer"], shapes[0]):
        return "identity getitem (full slices)"
    if name == "convert_element_type" and np.result_type(args[0]) == params["new_dtype"]:
        return "identity convert_element_type"
    if args and all(_is_constant(a) for a in args):
        return "on scalar constants only"
    if name == "mul" and any(_is_constant(a) and np.all(np.asarray(a) == 1) for a in args):
        return "multiplication by 1"
    if name == "mul" and any(isinstance(a, np.ndarray) and a.size and 0 in a.strides
                             and np.all(a == 1) for a in args):
        return "multiplication by broadcast ones"
    if name == "mul" and any(_is_constant(a) and np.all(np.asarray(a) == 0) for a in args):
        return "multiplication by 0"
    if name in ("add", "sub") and any(
            isinstance(a, np.ndarray) and a.size and 0 in a.strides and np.all(a == 0)
            for a in args):
        return "addition of broadcast zeros"
    return None


def _value_key(x: Any) -> Any:
    if isinstance(x, (np.ndarray, np.generic)):
        a = np.ascontiguousarray(x)
        return (a.shape, a.dtype.str, hash(a.tobytes()))
    return ("py", repr(x))


def _param_key(params: dict) -> tuple:
    return tuple(sorted((k, repr(v)) for k, v in params.items()))


class OpCounter:
    """Counts binds (by current trace and primitive), process calls (by trace class) and
    executed implementations (by primitive), and flags wasted implementations."""

    def __init__(self) -> None:
        self.binds: collections.Counter = collections.Counter()
        self.binds_by_trace_stack: collections.Counter = collections.Counter()
        self.impls: collections.Counter = collections.Counter()
        self.impl_shapes: collections.Counter = collections.Counter()
        self.waste: collections.Counter = collections.Counter()
        self.repeats: collections.Counter = collections.Counter()
        self.process: collections.Counter = collections.Counter()
        self._seen: dict[tuple, Any] = {}
        self._keep: list[Any] = []  # keep operands alive so that their ids stay unique
        self.calls: list[tuple[str, Any, tuple, dict]] = []  # (name, impl, args, params)
        self.call_shapes: list[tuple] = []
        self.dead: collections.Counter = collections.Counter()
        self.dead_shapes: list[tuple] = []
        self._outputs: list[list[Any]] = []

    # The three hooks.

    def on_bind(self, primitive: Any) -> None:
        trace = sys.modules["funcad.core"]._current_trace.get()
        self.binds[(type(trace).__name__, primitive.name)] += 1
        stack = []
        while trace is not None:
            stack.append(type(trace).__name__.replace("Trace", ""))
            trace = trace.parent
        self.binds_by_trace_stack[" > ".join(stack)] += 1

    def on_impl(self, name: str, impl: Any, args: tuple, params: dict, out: Any) -> None:
        index = len(self.calls)
        self.calls.append((name, impl, args, params))
        self.impls[name] += 1
        shapes_key = (name, tuple(_shape(a) for a in args), _shape(out))
        self.impl_shapes[shapes_key] += 1
        self.call_shapes.append(shapes_key)
        kind = _waste_kind(name, args, params, out)
        if kind:
            self.waste[(kind, name)] += 1
        # A repeat: the same primitive and params on operands equal by value.
        key = (name, tuple(_value_key(a) for a in args), _param_key(params))
        if key in self._seen:
            self.repeats[name] += 1
        else:
            self._seen[key] = index
        self._outputs.append(list(out) if isinstance(out, (list, tuple)) else [out])
        self._keep.append((args, out))

    def finish(self, result: Any, liveness: bool = True) -> None:
        """Find the dead results: computed, but neither returned nor used (transitively) by
        an operation whose result is. Walks the calls backwards from the returned arrays."""
        if liveness:
            results = result if isinstance(result, (list, tuple)) else [result]
            live = {id(r) for r in results}
            for index in range(len(self.calls) - 1, -1, -1):
                _name, _impl, args, _params = self.calls[index]
                outs = self._outputs[index]
                if any(id(o) in live for o in outs):
                    live.update(id(a) for a in args)
                else:
                    self.dead[self.calls[index][0]] += 1
                    self.dead_shapes.append(self.call_shapes[index])
        self._keep.clear()
        self._seen.clear()
        self._outputs.clear()

    def on_process(self, trace_class: str, primitive: Any) -> None:
        self.process[(trace_class, primitive.name)] += 1


def _counting_bind(self: Any, *args: Any, **params: Any) -> Any:
    """Its code replaces Primitive.bind's while counting; it then runs with funcad.core's
    globals (where count_operations puts the hook), not this module's."""
    _PROFILE_BIND_HOOK(self)  # noqa: F821
    return _current_trace.get().process(self, args, params)  # noqa: F821


def count_operations(fn, liveness: bool = True) -> OpCounter:
    """Run ``fn`` once with the hooks installed, then remove them. ``liveness``: find the
    dead results (only when ``fn`` returns the output of a primitive, not a NumPy stack)."""
    core, ad, batching, jvp = _modules()
    from funcad.tracing import JaxprTrace

    counter = OpCounter()
    # 1. bind: swap the code of Primitive.bind (bound methods made at import share it).
    bind_function = core.Primitive.bind
    original_code = bind_function.__code__
    core._PROFILE_BIND_HOOK = counter.on_bind
    bind_function.__code__ = _counting_bind.__code__
    # 2. impl: wrap every primitive's implementation.
    originals = {}
    for p in _all_primitives():
        impl = p.impl
        originals[p] = impl

        def wrapped(*args, __impl=impl, __name=p.name, **params):
            out = __impl(*args, **params)
            counter.on_impl(__name, __impl, args, params, out)
            return out

        p.impl = wrapped
    # 3. process: wrap each trace class's method.
    classes = [core.EvalTrace, batching.BatchTrace, jvp.JVPTrace, ad.VJPTrace, JaxprTrace]
    process_originals = {cls: cls.__dict__["process"] for cls in classes}
    for cls, method in process_originals.items():
        def process(self, primitive, args, params, __method=method, __name=cls.__name__):
            counter.on_process(__name, primitive)
            return __method(self, primitive, args, params)

        cls.process = process
    try:
        result = fn()
    finally:
        bind_function.__code__ = original_code
        del core._PROFILE_BIND_HOOK
        for p, impl in originals.items():
            p.impl = impl
        for cls, method in process_originals.items():
            cls.process = method
    counter.finish(result, liveness)
    return counter


def replay_time(counter: OpCounter, repeats: int = 300) -> tuple[float, list[float]]:
    """The NumPy work alone: every implementation the evaluation ran, called again directly
    on the same operands (no tracing, no rules). Returns the median CPU seconds of the whole
    replay, and the median wall seconds of each call (in order)."""
    calls = counter.calls
    totals = []
    for _ in range(repeats):
        c0 = time.thread_time()
        for _name, impl, args, params in calls:
            impl(*args, **params)
        totals.append(time.thread_time() - c0)
    per_call: list[list[float]] = [[] for _ in calls]
    for _ in range(repeats):
        for i, (_name, impl, args, params) in enumerate(calls):
            t0 = time.perf_counter()
            impl(*args, **params)
            per_call[i].append(time.perf_counter() - t0)
    totals.sort()
    return totals[len(totals) // 2], [sorted(v)[len(v) // 2] for v in per_call]


def print_replay(counter: OpCounter, total: float, per_call: list[float], plain: float) -> None:
    by_prim: dict[str, float] = collections.Counter()
    by_shape: dict[tuple, float] = collections.Counter()
    for (name, *_), key, dt in zip(counter.calls, counter.call_shapes, per_call):
        by_prim[name] += dt
        by_shape[key] += dt
    print(f"NumPy work alone (the {len(counter.calls)} implementations replayed directly on "
          f"the same operands): {bench_grad.fmt_time(total)} of {bench_grad.fmt_time(plain)} "
          f"({100 * total / plain:.0f}%); by primitive: " + ", ".join(
              f"{k} {v * 1e6:.1f} us" for k, v in sorted(by_prim.items(), key=lambda kv: -kv[1])))
    print("implementations by shapes (count, replay time of all of them, primitive, input "
          "shapes -> output shape):")
    for key, dt in sorted(by_shape.items(), key=lambda kv: -kv[1]):
        prim, ins, out = key
        print(f"  {counter.impl_shapes[key]:>3}  {dt * 1e6:6.1f} us  {prim:<22} "
              f"{', '.join(map(str, ins))} -> {out}")


def print_counts(case: str, label: str, counter: OpCounter, per: int = 1) -> None:
    def n(x: float) -> str:
        return f"{x / per:.3g}" if per != 1 else str(x)

    unit = f", per {'example' if case == 'e' else 'basis vector'} (total / {per})" \
        if per != 1 else ""
    total_binds = sum(counter.binds.values())
    total_impls = sum(counter.impls.values())
    wasted = sum(counter.waste.values())
    print(f"\n### ({case}) {label}: operations of one evaluation{unit}")
    print(f"binds: {n(total_binds)}; NumPy implementations run: {n(total_impls)} "
          f"({n(wasted)} do no useful work, {n(sum(counter.repeats.values()))} repeat an "
          f"earlier one, {n(sum(counter.dead.values()))} produce a result nobody uses"
          f"{'' if per == 1 else ' (not analysed for the loop)'}); "
          f"trace.process calls: {n(sum(counter.process.values()))}")
    print("binds by trace stack (the current trace first, then its parents):")
    for stack, c in counter.binds_by_trace_stack.most_common():
        print(f"  {n(c):>6}  {stack}")
    print("binds by current trace and primitive:")
    by_trace = collections.defaultdict(list)
    for (trace, prim), c in counter.binds.items():
        by_trace[trace].append((c, prim))
    for trace, items in sorted(by_trace.items(), key=lambda kv: -sum(c for c, _ in kv[1])):
        items.sort(reverse=True)
        print(f"  {trace} ({n(sum(c for c, _ in items))}): "
              + ", ".join(f"{p} {n(c)}" for c, p in items))
    print("process calls by trace class: " + ", ".join(
        f"{cls} {n(c)}" for cls, c in _sum_by_first(counter.process).most_common()))
    print("NumPy implementations run, by primitive: " + ", ".join(
        f"{p} {n(c)}" for p, c in counter.impls.most_common()))
    if counter.waste:
        print("implementations that do no useful work:")
        for (kind, prim), c in counter.waste.most_common():
            print(f"  {n(c):>6}  {prim}: {kind}")
    if counter.repeats:
        print("repeats (same primitive and params on operands equal by value): " + ", ".join(
            f"{p} {n(c)}" for p, c in counter.repeats.most_common()))
    if counter.dead:
        print("dead results (computed, but neither returned nor used, transitively, by what is): "
              + ", ".join(f"{p} {n(c)}" for p, c in counter.dead.most_common()))
        if per == 1:
            for prim, ins, out in counter.dead_shapes:
                print(f"    {prim} {', '.join(map(str, ins))} -> {out}")


def _sum_by_first(counter: collections.Counter) -> collections.Counter:
    out: collections.Counter = collections.Counter()
    for (first, _), c in counter.items():
        out[first] += c
    return out


# ----------------------------------------------------------------------------------------------
# Profilers.


def time_plain(fn, calls: int) -> tuple[float, float]:
    """(wall, CPU) seconds per call, medians of 5 rounds. The CPU time (this thread's) is
    not inflated when another process shares the core; the wall time is."""
    fn()
    n = calls // 5 or 1
    walls, cpus = [], []
    for _ in range(5):
        t0, c0 = time.perf_counter(), time.thread_time()
        for _ in range(n):
            fn()
        walls.append((time.perf_counter() - t0) / n)
        cpus.append((time.thread_time() - c0) / n)
    return sorted(walls)[2], sorted(cpus)[2]


def cprofile_case(case: str, fn, calls: int, top: int) -> None:
    fn()
    # CPU time of this thread (not wall time): descheduled time on a shared core is not
    # charged to whatever function happened to be running.
    profiler = cProfile.Profile(time.thread_time_ns, 1e-9)
    profiler.enable()
    for _ in range(calls):
        fn()
    profiler.disable()
    stats = pstats.Stats(profiler, stream=io.StringIO())
    total = stats.total_tt
    print(f"\n### ({case}) cProfile (CPU time), {calls} calls: "
          f"{bench_grad.fmt_time(total / calls)} per call under the profiler")
    n_calls = sum(nc for (cc, nc, tt, ct, _c) in stats.stats.values())
    print(f"Python-level function calls per evaluation (cProfile's count, builtins included): "
          f"{n_calls / calls:.0f}")
    helpers = [(func, v) for func, v in stats.stats.items()
               if f"numpy{os.sep}" in func[0] and "funcad" not in func[0]]
    helpers.sort(key=lambda kv: kv[1][3], reverse=True)
    print("NumPy's Python-level helpers (not ufunc loops) by cumulative time: " + ", ".join(
        f"{_short(func)} {v[1] / calls:.0f}/eval {100 * v[3] / total:.1f}%"
        for func, v in helpers[:6]))
    for key, title in ((2, "own time (tottime)"), (3, "cumulative time")):
        rows = sorted(stats.stats.items(), key=lambda kv: kv[1][key], reverse=True)[:top]
        print(f"\ntop {top} by {title}:")
        print(f"| {'tottime %':>9} | {'cum %':>6} | {'calls/eval':>10} | function")
        print(f"|{'-' * 11}|{'-' * 8}|{'-' * 12}|{'-' * 60}")
        for func, (cc, nc, tt, ct, _callers) in rows:
            print(f"| {100 * tt / total:>8.1f}% | {100 * ct / total:>5.1f}% | "
                  f"{nc / calls:>10.1f} | {_short(func)}")


def pyinstrument_case(case: str, fn, calls: int) -> None:
    try:
        from pyinstrument import Profiler
    except ImportError:
        print("\n(pyinstrument is not installed)")
        return
    fn()
    profiler = Profiler(interval=0.0001)
    profiler.start()
    for _ in range(calls):
        fn()
    profiler.stop()
    print(f"\n### ({case}) pyinstrument, {calls} calls (wall-clock sampling: if 'CPU time' "
          f"is well below 'Duration', the core was shared and the tree is skewed)")
    print(profiler.output_text(unicode=False, color=False, show_all=False))


def line_profile_case(case: str, fn) -> None:
    try:
        from line_profiler import LineProfiler
    except ImportError:
        print("\n(line_profiler is not installed)")
        return
    core, ad, batching, jvp = _modules()
    from funcad.primitives import elementwise

    funcs = [batching.BatchTrace.process, jvp.JVPTrace.process, ad.VJPTrace.process,
             core.EvalTrace.process, batching.move_batch_axis, jvp._fit,
             batching.batching_rules[elementwise.mul_p],  # every elementwise batching rule
             jvp.jvp_rules[elementwise.mul_p][0]]  # every elementwise JVP rule (_jvp_from_vjp)
    fn()
    profiler = LineProfiler(*funcs)
    for _ in range(20):
        profiler.runcall(fn)
    out = io.StringIO()
    profiler.print_stats(stream=out, output_unit=1e-3, stripzeros=True)
    print(f"\n### ({case}) line_profiler, 20 calls (times in ms)")
    print(out.getvalue())


def layer_costs(steps: tuple[int, int] = (10, 110), repeats: int = 15) -> None:
    """Cost of one primitive under each stack of interpreters: the slope of the CPU time of a
    chain ``x = sin(x) * 1.01`` (2 primitives a step) between two lengths, on a batch of 128
    float64 values; the plain NumPy chain for reference. Forward and backward (or tangent)
    work together, per primitive of the user's function."""
    import funcad
    import funcad.numpy as fnp

    x = np.linspace(-1.0, 1.0, 128)
    t = np.ones(128)

    def chain(xp, n):
        def f(v):
            for _ in range(n):
                v = xp.sin(v) * 1.01
            return v
        return f

    def variants(n):
        f = chain(fnp, n)
        f_np = chain(np, n)
        scalar_loss = (lambda v: fnp.sum(f(v)))
        return {
            "NumPy (no funcad)": lambda: f_np(x),
            "funcad, no transformation (Eval)": lambda: f(x),
            "vmap (Batch > Eval)": lambda: funcad.vmap(f)(x),
            "jvp (JVP > Eval)": lambda: funcad.jvp(f, (x,), (t,)),
            "grad (VJP > Eval; forward + backward)": lambda: funcad.grad(scalar_loss)(x),
            "vmap(jvp) (JVP > Batch > Eval)":
                lambda: funcad.vmap(lambda tt: funcad.jvp(f, (x,), (tt,))[1])(
                    np.stack([t, t])),
            "vmap(grad) (VJP > Batch > Eval; + backward under Batch)":
                lambda: funcad.vmap(funcad.grad(lambda v: fnp.sum(f(v))))(
                    np.stack([x, x])),
        }

    def cpu(fn) -> float:
        fn()
        times = []
        for _ in range(repeats):
            c0 = time.thread_time()
            fn()
            times.append(time.thread_time() - c0)
        return min(times)  # the least disturbed run (cache interference only adds time)

    short, long = variants(steps[0]), variants(steps[1])
    prims = 2 * (steps[1] - steps[0])
    print(f"\n## Cost per primitive under each stack of interpreters (CPU time, minimum of "
          f"{repeats} runs, chain "
          f"x = sin(x) * 1.01 on 128 float64 values, slope between {steps[0]} and {steps[1]} "
          f"steps)")
    print("| interpreters | us per primitive of the user's function |")
    print("|---|---|")
    for name in short:
        slope = (cpu(long[name]) - cpu(short[name])) / prims
        print(f"| {name} | {slope * 1e6:.1f} |")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--case", default="e,f", help="comma-separated subset of e,f")
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--pyinstrument", action="store_true")
    parser.add_argument("--lines", action="store_true", help="also line_profiler output")
    parser.add_argument("--no-layers", action="store_true",
                        help="skip the cost-per-primitive table of the interpreter stacks")
    args = parser.parse_args(argv)
    limiter = bench_grad._limit_threads(1)  # noqa: F841  (one BLAS thread, as in the bench)
    import funcad  # noqa: F401

    cases = [c.strip() for c in args.case.split(",") if c.strip()]
    for case in cases:
        if case not in bench.CASES:
            parser.error(f"--case: {case!r} (choose from e, f)")
    print(f"funcad: {bench_grad._git_revision()}")
    for case in cases:
        bench.verify(case, ["numpy", "funcad"])
        fn = _target(case)
        loop = _target(case, "funcad_loop")
        plain_wall, plain = time_plain(fn, CALLS[case])
        loop_wall, plain_loop = time_plain(loop, 10)
        print(f"\n## case {bench.CASES[case]}")
        print(f"without profiler (CPU time; wall time in brackets): funcad "
              f"{bench_grad.fmt_time(plain)} ({bench_grad.fmt_time(plain_wall)}) per call; "
              f"funcad loop {bench_grad.fmt_time(plain_loop)} "
              f"({bench_grad.fmt_time(loop_wall)}) per call; ratio {plain_loop / plain:.1f}x")
        counter = count_operations(fn)
        print_counts(case, "funcad (" + bench.CELL_NOTES[(case, "funcad")] + ")", counter)
        total, per_call = replay_time(counter)
        print_replay(counter, total, per_call, plain)
        closed = bench.numpy_impl(case).call
        print(f"the closed form: {bench_grad.fmt_time(time_plain(closed, 2000)[1])} per call "
              f"(CPU time)")
        n_loop = bench.BATCH if case == "e" else bench.A_SHAPE[1]
        loop_counter = count_operations(loop, liveness=False)
        print_counts(case, "funcad loop (" + bench.CELL_NOTES[(case, "funcad_loop")] + ")",
                     loop_counter, per=n_loop)
        print(f"\nper bind: funcad {plain / sum(counter.binds.values()) * 1e6:.2f} us; loop "
              f"{plain_loop / sum(loop_counter.binds.values()) * 1e6:.2f} us "
              f"(CPU time / binds, everything included)")
        cprofile_case(case, fn, CALLS[case], args.top)
        if args.pyinstrument:
            pyinstrument_case(case, fn, CALLS[case])
        if args.lines:
            line_profile_case(case, fn)
    if not args.no_layers:
        layer_costs()
    return 0


if __name__ == "__main__":
    sys.exit(main())
