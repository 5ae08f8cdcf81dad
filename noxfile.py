"""Developer sessions: ``nox -s tests``, ``nox -s lint``, ``nox -s examples``, ``nox -s docs``,
``nox -s bench``."""

from __future__ import annotations

import glob
import os

import nox

nox.options.sessions = ["tests", "lint"]


@nox.session
def tests(session: nox.Session) -> None:
    """Install funcad with its test extras and run the test suite."""
    session.install(".[test]")
    session.run("pytest", *session.posargs)


@nox.session
def lint(session: nox.Session) -> None:
    """Static checks with ruff."""
    session.install("ruff")
    session.run("ruff", "check", "funcad", "tests", *session.posargs)


@nox.session
def examples(session: nox.Session) -> None:
    """Run every script in examples/ against an installed funcad."""
    scripts = sorted(glob.glob("examples/*.py"))
    if not scripts:
        session.skip("no examples/*.py found")
    session.install(".")
    for script in scripts:
        session.run("python", script)


@nox.session
def docs(session: nox.Session) -> None:
    """Build the documentation site (Sphinx, MyST, furo) into docs/_build/html, warnings as
    errors."""
    session.install(".[docs]")
    session.run("sphinx-build", "-W", "--keep-going", "-b", "html", "docs", "docs/_build/html",
                *session.posargs)


@nox.session
def bench(session: nox.Session) -> None:
    """Run the benchmarks (installs autograd and jax for comparison)."""
    if os.path.exists("benchmarks/run_all.py"):
        scripts = ["benchmarks/run_all.py"]
    else:
        scripts = sorted(glob.glob("benchmarks/*.py"))
    if not scripts:
        session.skip("no benchmarks/*.py found")
    session.install(".[bench]")
    for script in scripts:
        session.run("python", script, *session.posargs)
