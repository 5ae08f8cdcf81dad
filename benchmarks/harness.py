"""What every benchmark family shares: a pinned process, interleaved timing, the correctness
check against hand-written NumPy, the machine report and the Markdown tables.

Import it before NumPy: BLAS reads its thread count from the environment when it loads.
A family is a set of cases (problems) and columns (ways to compute them); ``main`` checks
every column of a case against the ``numpy`` column, then times them all in rounds.
"""

from __future__ import annotations

import argparse
import ctypes
import functools
import gc
import math
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

for _variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS",
                  "BLIS_NUM_THREADS", "VECLIB_MAXIMUM_THREADS"):
    os.environ.setdefault(_variable, "1")
os.environ.setdefault("JAX_PLATFORMS", "cpu")
os.environ.setdefault("XLA_FLAGS",
                      "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1")

HERE = os.path.dirname(os.path.abspath(__file__))
# profile.py here would shadow the standard library's ``profile``, which cProfile (and so
# torch.compile) imports: keep this folder behind the standard library on the path.
if sys.path and os.path.abspath(sys.path[0] or os.curdir) == HERE:
    sys.path.append(sys.path.pop(0))

import numpy as np  # noqa: E402  (after the thread settings above)

LIBRARIES = ("numpy", "funcad", "autograd", "jax", "torch")


class Mismatch(AssertionError):
    """A column's result differs from hand-written NumPy: nothing more is timed."""


@dataclass(frozen=True)
class Column:
    title: str
    library: str
    compiled: bool = False  # its first call traces and compiles; the report shows that time


@dataclass
class Case:
    """One problem. ``function(lib, **params)`` writes it with ``lib.np``; the column
    ``c`` calls ``transforms[c](lib, function)`` on the converted ``arguments()``, or, for
    hand-written columns, ``by_hand[c](*arguments(), **params)``."""

    title: str
    function: Callable[..., Callable[..., Any]]
    arguments: Callable[[], tuple]
    by_hand: dict[str, Callable[..., Any]]
    transforms: dict[str, Callable[[Any, Callable[..., Any]], Any]]
    params: dict[str, Any] = field(default_factory=dict)
    checks: tuple[dict[str, Any], ...] = ()  # more params, compared with NumPy but not timed


@dataclass
class Family:
    title: str
    columns: dict[str, Column]
    cases: dict[str, Case]
    extras: dict[str, Callable[[argparse.Namespace], None]] = field(default_factory=dict)
    note: str = ""  # printed under the table

    def names(self) -> list[str]:
        return [*self.cases, *self.extras]

    def calls(self, key: str, columns: list[str], params: dict | None = None
              ) -> dict[str, Callable[[], Any]]:
        """Zero-argument calls of ``columns`` on case ``key``; columns without a cell left out."""
        case = self.cases[key]
        params = {**case.params, **(params or {})}
        arguments = case.arguments()
        out = {}
        for name in columns:
            if name in case.by_hand:
                out[name] = _bind(case.by_hand[name], arguments, params)
            elif name in case.transforms:
                lib = library(self.columns[name].library)
                fn = case.transforms[name](lib, case.function(lib, **params))
                if fn is not None:
                    out[name] = _bind(fn, convert(lib, arguments), {}, lib.ready)
        return out


def _bind(fn: Callable, arguments: tuple, params: dict,
          ready: Callable[[Any], Any] | None = None) -> Callable[[], Any]:
    call = functools.partial(fn, *arguments, **params)
    if ready is not None:  # JAX dispatches asynchronously: wait for the result
        return lambda: ready(call())
    return call


# ----------------------------------------------------------------------------------------------
# The libraries, under common names.

_loaded: dict[str, SimpleNamespace] = {}


def library(name: str) -> SimpleNamespace:
    """``np`` (its NumPy), ``grad``, ``vmap(f, in_axes)``, ``hessian``, ``jit``, ``logsumexp``,
    ``asarray``, ``ready``, ``version`` of one library. Raises ImportError if missing."""
    if name not in _loaded:
        _loaded[name] = _load(name)
    return _loaded[name]


def _load(name: str) -> SimpleNamespace:
    lib = SimpleNamespace(name=name, asarray=np.asarray, ready=None)
    if name == "numpy":
        lib.np, lib.version = np, np.__version__
    elif name == "funcad":
        import funcad
        import funcad.numpy
        from funcad.scipy.special import logsumexp

        lib.np, lib.grad, lib.vmap, lib.hessian, lib.hvp, lib.jit = (
            funcad.numpy, funcad.grad, funcad.vmap, funcad.hessian, funcad.hvp, funcad.jit)
        lib.logsumexp, lib.version = logsumexp, f"{funcad.__version__} {_revision(funcad)}"
    elif name == "autograd":
        from importlib.metadata import version

        import autograd
        import autograd.numpy
        from autograd.scipy.special import logsumexp

        lib.np, lib.grad, lib.hessian = autograd.numpy, autograd.grad, autograd.hessian
        lib.logsumexp, lib.version = logsumexp, version("autograd")
    elif name == "jax":
        import jax
        import jax.numpy
        import jaxlib
        from jax.scipy.special import logsumexp

        jax.config.update("jax_enable_x64", True)
        lib.np, lib.grad, lib.vmap, lib.hessian, lib.jit = (
            jax.numpy, jax.grad, jax.vmap, jax.hessian, jax.jit)
        lib.logsumexp, lib.asarray, lib.ready = logsumexp, jax.numpy.asarray, jax.block_until_ready
        lib.version = f"{jax.__version__} (jaxlib {jaxlib.__version__}, x64, CPU, eager unless jit)"
    elif name == "torch":
        import torch
        import torch.func

        torch.set_num_threads(1)
        lib.np, lib.module, lib.jit, lib.logsumexp = torch, torch, torch.compile, torch.logsumexp
        lib.grad, lib.hessian = _torch_grad, torch.func.hessian
        lib.vmap = lambda f, in_axes: torch.func.vmap(f, in_dims=in_axes)
        lib.asarray = lambda value: torch.as_tensor(value, dtype=torch.float64)
        lib.version = f"{torch.__version__} (float64, 1 thread)"
    else:
        raise ValueError(f"unknown library {name!r}")
    return lib


def _torch_grad(f: Callable[..., Any]) -> Callable[..., Any]:
    """PyTorch's ordinary eager gradient, ``torch.autograd.grad``, called like funcad.grad:
    with respect to the first argument, a tensor or a tuple of them (fresh leaves per call)."""
    import torch

    def gradient(first: Any, *rest: Any) -> Any:
        many = isinstance(first, tuple)
        leaves = tuple(torch.as_tensor(v, dtype=torch.float64).detach().requires_grad_()
                       for v in (first if many else (first,)))
        out = torch.autograd.grad(f(leaves if many else leaves[0], *rest), leaves)
        return out if many else out[0]

    return gradient


def convert(lib: SimpleNamespace, value: Any) -> Any:
    """NumPy arrays (in tuples) to the library's arrays; Python scalars stay as they are."""
    if isinstance(value, tuple):
        return tuple(convert(lib, item) for item in value)
    return lib.asarray(value) if isinstance(value, np.ndarray) else value


def _revision(module: Any) -> str:
    """The git revision of the checkout a module was imported from, and whether it is edited."""
    folder = os.path.dirname(os.path.abspath(module.__file__))

    def git(*words: str) -> str:
        return subprocess.run(["git", "-C", folder, *words], capture_output=True, text=True,
                              check=True).stdout.strip()

    try:
        edited = " + uncommitted edits" if git("status", "--porcelain", "--", ".") else ""
        return f"(git {git('rev-parse', '--short', 'HEAD')}{edited}, {folder})"
    except (OSError, subprocess.CalledProcessError):
        return f"({folder})"


# ----------------------------------------------------------------------------------------------
# Checking and timing.


def leaves(value: Any) -> list[np.ndarray]:
    if isinstance(value, (tuple, list)):
        return [leaf for item in value for leaf in leaves(item)]
    if hasattr(value, "detach"):  # a torch tensor
        value = value.detach().numpy()
    return [np.asarray(value, dtype=np.float64)]


def compare(label: str, got: Any, want: Any) -> None:
    got, want = leaves(got), leaves(want)
    if len(got) != len(want):
        raise Mismatch(f"{label}: {len(got)} arrays, expected {len(want)}")
    for index, (a, b) in enumerate(zip(got, want)):
        if a.shape != b.shape:
            raise Mismatch(f"{label}: array {index} has shape {a.shape}, expected {b.shape}")
        scale = float(np.max(np.abs(b))) if b.size else 0.0
        # The floor of one smallest normal double: the long chains' gradients underflow,
        # and XLA flushes subnormals to zero where NumPy keeps them.
        if not np.allclose(a, b, rtol=1e-7, atol=1e-12 * scale + np.finfo(np.float64).tiny):
            raise Mismatch(f"{label}: array {index} differs from hand-written NumPy by up to "
                           f"{float(np.max(np.abs(a - b))):.3e} (largest value {scale:.3e})")


def check(label: str, calls: dict[str, Callable[[], Any]]) -> dict[str, float]:
    """Run every call once and compare it with ``calls['numpy']``; return each first call's
    seconds (for a compiled column, its trace and compile)."""
    first, results = {}, {}
    for name, call in calls.items():
        start = time.perf_counter()
        results[name] = call()
        first[name] = time.perf_counter() - start
    for name, result in results.items():
        compare(f"{label}, column {name}", result, results["numpy"])
    return first


@dataclass
class Cell:
    time: float  # median seconds per call over the rounds
    ratio: float | None  # median over the rounds of this column's time / NumPy's
    spread: float | None  # interquartile range / median of those ratios (or times)
    rounds: int
    number: int  # calls per block
    first: float = 0.0  # seconds of the first call
    faults: float = 0.0  # minor page faults per call


def _faults() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt


def measure(calls: dict[str, Callable[[], Any]], options: argparse.Namespace,
            first: dict[str, float] | None = None, compiled: tuple[str, ...] = (),
            base: str = "numpy") -> dict[str, Cell]:
    """Time the calls in interleaved rounds: one block of each per round, the order rotated
    every round, so that load from elsewhere on the machine falls on every column alike.
    A block repeats its call until it lasts ``options.block`` seconds (a first call over half
    a second, unless compiling made it long, is taken as the time of a call). Rounds go on
    until ``options.budget`` is spent, between ``min_rounds`` and ``max_rounds``."""
    first = first or {}
    numbers = {}
    for name, call in calls.items():
        seconds = first.get(name, 0.0)
        if seconds < 0.5 or name in compiled:
            start = options.clock()
            call()
            seconds = options.clock() - start
        numbers[name] = max(1, math.ceil(options.block / max(seconds, 1e-9)))
    fewest = most = options.rounds
    if not options.rounds:
        fewest, most = options.min_rounds, options.max_rounds
    order = list(calls)
    times: dict[str, list[float]] = {name: [] for name in order}
    faults = dict.fromkeys(order, 0)
    began, index = time.perf_counter(), 0
    while index < most and (index < fewest or time.perf_counter() - began < options.budget):
        gc.collect()  # the previous round's garbage, outside the timed blocks
        shift = index % len(order)
        for name in order[shift:] + order[:shift]:
            call, number = calls[name], numbers[name]
            before = _faults()
            start = options.clock()
            for _ in range(number):
                call()
            times[name].append((options.clock() - start) / number)
            faults[name] += _faults() - before
        index += 1
    cells = {}
    for name in order:
        ratios = [t / b for t, b in zip(times[name], times[base])] if base in times else None
        values = ratios or times[name]
        spread = None
        if len(values) >= 4:
            low, middle, high = statistics.quantiles(values, n=4)
            spread = (high - low) / middle
        cells[name] = Cell(statistics.median(times[name]),
                           statistics.median(ratios) if ratios else None, spread, index,
                           numbers[name], first.get(name, 0.0),
                           faults[name] / (index * numbers[name]))
    return cells


def without_gc(call: Callable[[], Any]) -> Callable[[], Any]:
    def paused() -> Any:
        gc.disable()
        try:
            return call()
        finally:
            gc.enable()

    return paused


def run_case(family: Family, key: str, options: argparse.Namespace) -> dict[str, Cell]:
    case = family.cases[key]
    columns = [name for name, column in family.columns.items()
               if column.library in options.libs]
    for params in case.checks:  # the variants that are only checked
        check(f"{case.title} at {params}", family.calls(key, columns, params))
    calls = family.calls(key, columns)
    first = check(case.title, calls)
    also = "".join(f", at {', '.join(f'{k}={v}' for k, v in p.items())}" for p in case.checks)
    print(f"  {case.title}: {len(calls)} columns agree with NumPy{also}; timing", end="",
          flush=True)
    start = time.perf_counter()
    compiled = tuple(name for name in calls if family.columns[name].compiled)
    cells = measure(calls, options, first, compiled)
    print(f", rounds: {next(iter(cells.values())).rounds} ({time.perf_counter() - start:.0f} s)",
          flush=True)
    return cells


# ----------------------------------------------------------------------------------------------
# The report.


def fmt_time(seconds: float) -> str:
    unit, scale = next(((unit, scale) for unit, scale in (("s", 1.0), ("ms", 1e-3), ("us", 1e-6))
                        if seconds >= scale), ("ns", 1e-9))
    value = seconds / scale
    return f"{value:.3g} {unit}" if value < 100 else f"{value:.0f} {unit}"


def fmt_ratio(ratio: float) -> str:
    return f"{ratio:.0f}x" if ratio >= 100 else f"{ratio:.1f}x" if ratio >= 10 else f"{ratio:.2f}x"


def fmt_cell(cell: Cell | None) -> str:
    if cell is None:
        return "-"
    ratio = f" ({fmt_ratio(cell.ratio)})" if cell.ratio is not None else ""
    return fmt_time(cell.time) + ratio


def markdown(headers: list[str], rows: list[list[str]]) -> None:
    widths = [max(len(row[i]) for row in [headers, *rows]) for i in range(len(headers))]
    for row in [headers, ["-" * w for w in widths], *rows]:
        print("| " + " | ".join(text.ljust(w) for text, w in zip(row, widths)) + " |")


def print_table(family: Family, results: dict[str, dict[str, Cell]]) -> None:
    shown = [name for name in family.columns if any(name in cells for cells in results.values())]
    markdown(["case"] + [family.columns[name].title for name in shown],
             [[family.cases[key].title] + [fmt_cell(cells.get(name)) for name in shown]
              for key, cells in results.items()])
    print(f"Each cell: median time per call (median over the rounds of the ratio to "
          f"{family.columns['numpy'].title}). Spread of those ratios (interquartile range / "
          f"median):")
    for key, cells in results.items():
        spreads = ", ".join(f"{name} {cell.spread:.0%}" for name, cell in cells.items()
                            if cell.spread is not None and name != "numpy")
        faults = ", ".join(f"{name} {cell.faults:.0f}" for name, cell in cells.items()
                           if cell.faults >= 1)
        print(f"  {key}: {spreads or '(too few rounds)'}"
              + (f"; minor page faults per call: {faults}" if faults else ""))
    compiled = []
    for key, cells in results.items():
        parts = [f"{family.columns[name].title} {fmt_time(cell.first)}"
                 for name, cell in cells.items() if family.columns[name].compiled]
        if parts:
            compiled.append(f"{key} " + ", ".join(parts))
    if compiled:
        print("First call (trace, compile and one run): " + "; ".join(compiled))
    if family.note:
        print(family.note)


def machine() -> list[str]:
    """What the numbers depend on: the CPU, the interpreter, NumPy's BLAS."""
    model = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            model = next(line.split(":", 1)[1].strip() for line in cpuinfo
                         if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    lines = [(f"CPU:       {model} ({platform.machine()}), {os.cpu_count()} cores online, "
              f"{usable} usable by this process"),
             (f"Python:    {platform.python_version()} ({platform.python_implementation()}, "
              f"{platform.system()} {platform.release()})")]
    try:
        import threadpoolctl

        pools = [f"{p['internal_api']} {p['version']} ({p['num_threads']} thread)"
                 for p in threadpoolctl.threadpool_info() if "numpy" in p["filepath"]]
    except ImportError:
        try:
            blas = np.show_config(mode="dicts")["Build Dependencies"]["blas"]
            pools = [f"{blas['name']} {blas.get('version', '')} (threads from the environment)"]
        except Exception:  # noqa: BLE001  (older NumPy: no dict form)
            pools = ["(unknown BLAS)"]
    lines.append(f"NumPy:     {np.__version__}; " + ", ".join(pools))
    return lines


def load_average() -> str:
    try:
        return " ".join(f"{value:.2f}" for value in os.getloadavg())
    except OSError:
        return "unknown"


# ----------------------------------------------------------------------------------------------
# The process and the command line.

_keep: list[Any] = []  # the threadpoolctl limiter lives as long as the process


def pin_process(options: argparse.Namespace) -> list[str]:
    """One thread everywhere, an allocator that keeps freed memory, the GC policy; returns
    the report's lines about them."""
    try:
        import threadpoolctl

        _keep.append(threadpoolctl.threadpool_limits(limits=1))
        threads = "BLAS limited to 1 thread (threadpoolctl and "
    except ImportError:
        threads = "BLAS limited by "
    threads += "OPENBLAS_NUM_THREADS etc.), torch.set_num_threads(1), XLA_FLAGS one thread"
    # glibc serves large blocks with fresh mmap pages and trims the heap on free, so every
    # multi-MB temporary costs page faults (about 1,100 per MLP gradient): keep them.
    try:
        mallopt = ctypes.CDLL(None).mallopt
        pinned = mallopt(-3, 32 << 20) and mallopt(-1, 1 << 30)  # M_MMAP_/M_TRIM_THRESHOLD
    except (OSError, AttributeError):
        pinned = False
    allocator = ("glibc mallopt M_MMAP_THRESHOLD 32 MiB, M_TRIM_THRESHOLD 1 GiB: freed "
                 "multi-MB temporaries stay in the heap, not returned to the OS" if pinned
                 else "not pinned (no glibc mallopt)")
    gc.collect()
    if options.gc == "freeze":  # the peers' imported heaps (~240k objects) left unscanned
        gc.freeze()
        policy = f"gc.freeze() after the imports ({gc.get_freeze_count():,} objects)"
    elif options.gc == "off":
        gc.disable()
        policy = "collector off"
    else:
        policy = "collector on, nothing frozen"
    if options.gc != "off":
        policy += "; collector on while timing, gc.collect() between rounds"
    return [f"Threads:   {threads}", f"Allocator: {allocator}", f"GC:        {policy}"]


def load_libraries(options: argparse.Namespace) -> list[str]:
    """Import the libraries asked for; drop the missing ones from ``options.libs``."""
    lines = []
    for name in list(options.libs):
        try:
            lines.append(f"{name} {library(name).version}")
        except ImportError as error:
            options.libs.remove(name)
            lines.append(f"{name} not installed, left out ({error})")
    return lines


def parse_args(family: Family, argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=family.title)
    parser.add_argument("--quick", action="store_true", help="smoke run: short and few rounds")
    parser.add_argument("--only", help=f"comma-separated subset of {','.join(family.names())}")
    parser.add_argument("--libs", default=",".join(LIBRARIES),
                        help="comma-separated libraries (numpy and funcad always run)")
    parser.add_argument("--rounds", type=int, help="rounds per case (default: as the budget "
                        "allows, 3 to 100; --quick 1 to 5)")
    parser.add_argument("--budget", type=float, help="seconds of timing per case (default 4, "
                        "--quick 0.5)")
    parser.add_argument("--clock", choices=("wall", "cpu"), default="wall",
                        help="wall time, or the process's CPU time (not inflated when "
                        "another process shares the core)")
    parser.add_argument("--gc", choices=("freeze", "on", "off"), default="freeze")
    options = parser.parse_args(argv)
    names = family.names()
    options.only = [key.strip() for key in options.only.split(",")] if options.only else names
    unknown = sorted(set(options.only) - set(names))
    if unknown:
        parser.error(f"unknown case(s) {unknown}; choose from {', '.join(names)}")
    libs = set(options.libs.split(",")) | {"numpy", "funcad"}
    if libs - set(LIBRARIES):
        parser.error(f"--libs: choose from {', '.join(LIBRARIES)}")
    options.libs = [name for name in LIBRARIES if name in libs]
    options.budget = options.budget or (0.5 if options.quick else 4.0)
    options.block = 1e-3 if options.quick else 5e-3
    options.min_rounds, options.max_rounds = (1, 5) if options.quick else (3, 100)
    options.clock = time.process_time if options.clock == "cpu" else time.perf_counter
    return options


def run(family: Family, options: argparse.Namespace) -> dict[str, dict[str, Cell]]:
    """Check and time the chosen cases, print their table, then the chosen extra sections."""
    results = {key: run_case(family, key, options) for key in family.cases if key in options.only}
    if results:
        print()
        print_table(family, results)
    for key, extra in family.extras.items():
        if key in options.only:
            print()
            extra(options)
    return results


def main(family: Family, argv: list[str] | None = None) -> int:
    options = parse_args(family, argv)
    versions = load_libraries(options)
    process = pin_process(options)
    clock = "CPU time of the process" if options.clock is time.process_time else "wall time"
    print(f"# {family.title} (float64{', --quick' if options.quick else ''})\n")
    print("\n".join([*machine(), "Libraries: " + "; ".join(versions), *process]))
    print(f"Timing:    {clock}; interleaved rounds (one block of >= {options.block * 1e3:.0f} ms "
          f"per column, order rotated), {options.budget:g} s per case")
    print(f"Load avg:  {load_average()} (start)\n")
    try:
        run(family, options)
    except Mismatch as error:
        print(f"\nMISMATCH, nothing more timed: {error}", file=sys.stderr)
        return 1
    print(f"\nLoad avg:  {load_average()} (end)")
    return 0
