"""Run every benchmark family, each in a fresh process, with the same options; the keys of
``--only`` go to the families that have them (``nox -s bench`` runs this).

    python benchmarks/run_all.py --quick
    python benchmarks/run_all.py --only a,e,ja --libs numpy,funcad,jax
"""

from __future__ import annotations

import harness  # first: it pins BLAS to one thread before NumPy loads

# isort: split
import argparse
import os
import subprocess
import sys

import bench_array_type
import bench_cnn
import bench_control_flow
import bench_grad
import bench_jit
import bench_linalg
import bench_random
import bench_vmap_hessian

FAMILIES = {"bench_grad.py": bench_grad.FAMILY, "bench_vmap_hessian.py": bench_vmap_hessian.FAMILY,
            "bench_jit.py": bench_jit.FAMILY, "bench_control_flow.py": bench_control_flow.FAMILY,
            "bench_linalg.py": bench_linalg.FAMILY, "bench_cnn.py": bench_cnn.FAMILY,
            "bench_random.py": bench_random.FAMILY, "bench_array_type.py": bench_array_type.FAMILY}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", help="comma-separated cases of any family")
    args, rest = parser.parse_known_args(argv)
    only = args.only.split(",") if args.only else None
    known = {key for family in FAMILIES.values() for key in family.names()}
    if only and set(only) - known:
        parser.error(f"unknown case(s) {sorted(set(only) - known)}")
    failed = []
    for script, family in FAMILIES.items():
        keys = [key for key in family.names() if only is None or key in only]
        if not keys:
            continue
        print(f"=== {script}", flush=True)
        command = [sys.executable, os.path.join(harness.HERE, script), *rest]
        code = subprocess.call(command + (["--only", ",".join(keys)] if only else []))
        if code:
            failed.append(f"{script} (exit {code})")
        print(flush=True)
    if failed:
        print("failed: " + ", ".join(failed), file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
