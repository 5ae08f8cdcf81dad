"""Run every benchmark script in this folder (``bench_*.py``), one after the other, each in
its own Python process, passing the command-line arguments through (``--quick``, ...).

    python benchmarks/run_all.py            # full runs
    python benchmarks/run_all.py --quick    # smoke runs
"""

from __future__ import annotations

import glob
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))


def scripts() -> list[str]:
    return sorted(glob.glob(os.path.join(HERE, "bench_*.py")))


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if any(a in ("-h", "--help") for a in args):
        print(__doc__.strip())
        print("\nscripts: " + ", ".join(os.path.basename(s) for s in scripts()))
        return 0
    failed = []
    for script in scripts():
        name = os.path.basename(script)
        print(f"=== {name} {' '.join(args)}".rstrip(), flush=True)
        rc = subprocess.call([sys.executable, script, *args])
        if rc != 0:
            failed.append(f"{name} (exit {rc})")
        print(flush=True)
    if failed:
        print("failed: " + ", ".join(failed), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
