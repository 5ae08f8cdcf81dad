"""The documentation site builds without warnings, and every Python example in it runs.

Each page's ```python blocks run in order in one namespace (a page is one test), so a page
reads as one session. A block preceded by ``<!-- skip -->`` is left out. A ```text block right
after a ```python block is the output it prints: the two must agree up to whitespace, with
``...`` in the text standing for any run of output.
"""

from __future__ import annotations

import contextlib
import io
import pathlib
import re
import subprocess
import sys

import pytest

DOCS = pathlib.Path(__file__).resolve().parent.parent / "docs"
PAGES = sorted(p for p in DOCS.rglob("*.md") if "_build" not in p.parts)
# Pages whose blocks are sketches of the design (names defined elsewhere): compiled, not run.
SKETCHES = {"architecture.md"}
BLOCK = re.compile(
    r"(?P<skip><!--\s*skip\s*-->\s*\n)?^```python[^\n]*\n(?P<source>.*?)^```[ \t]*\n"
    r"(?:\s*^```text[^\n]*\n(?P<output>.*?)^```[ \t]*$)?",
    re.MULTILINE | re.DOTALL,
)


def python_blocks(text: str) -> list[tuple[int, str, str | None]]:
    """The (line number, source, expected output or None) of each ```python block not marked
    ``<!-- skip -->``."""
    blocks = []
    for match in BLOCK.finditer(text):
        if match.group("skip"):
            continue
        line = text.count("\n", 0, match.start("source")) + 1
        blocks.append((line, match.group("source"), match.group("output")))
    return blocks


def output_matches(printed: str, expected: str) -> bool:
    """Whether ``printed`` is ``expected`` up to whitespace, ``...`` matching anything."""
    parts = [re.escape(" ".join(part.split())) for part in expected.split("...")]
    return re.fullmatch(r"\s*" + r".*?".join(parts) + r"\s*", " ".join(printed.split()),
                        re.DOTALL) is not None


def test_block_extraction():
    text = ("a\n```python\nx = 1\n```\n\n```text\n1\n```\n<!-- skip -->\n```python\nraise\n```\n"
            "```python\ny = 2\n```\n")
    assert python_blocks(text) == [(3, "x = 1\n", "1\n"), (14, "y = 2\n", None)]
    assert output_matches("a  b\nc d e", "a b ... e")
    assert not output_matches("a b", "a c")


@pytest.mark.parametrize("page", PAGES, ids=[str(p.relative_to(DOCS)) for p in PAGES])
def test_examples_run(page):
    namespace: dict = {"__name__": f"docs_{page.stem}"}
    for line, source, expected in python_blocks(page.read_text()):
        code = compile("\n" * (line - 1) + source, str(page), "exec")
        if page.name in SKETCHES:
            continue
        printed = io.StringIO()
        with contextlib.redirect_stdout(printed):
            exec(code, namespace)
        if expected is not None:
            assert output_matches(printed.getvalue(), expected), (
                f"{page.name}:{line}: printed\n{printed.getvalue()}\nbut the page shows\n"
                f"{expected}")


def test_sphinx_build(tmp_path):
    pytest.importorskip("sphinx")
    pytest.importorskip("myst_parser")
    pytest.importorskip("furo")
    result = subprocess.run(
        [sys.executable, "-m", "sphinx", "-W", "--keep-going", "-q", "-b", "dummy",
         str(DOCS), str(tmp_path / "build")],
        capture_output=True, text=True,
    )
    assert result.returncode == 0, result.stderr[-4000:]
