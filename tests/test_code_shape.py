"""The size limits of STYLE.md, checked on the app code: no function over 40 lines,
no module over 300 lines (migrations, tests, benches and dev.py are not app code).

Each test fails listing every offender, so one run shows the whole work left."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from tests.helpers import ROOT, app_modules

MAX_FUNCTION_LINES = 40
MAX_MODULE_LINES = 300


def function_lengths(source: str) -> Iterator[tuple[str, int, int]]:
    """(qualified name, first line, body lines) of every function, methods and nested ones
    too. The body counts from the line after the signature through its last line,
    docstring and blank lines included: what a reader scrolls through."""

    def walk(node: ast.AST, prefix: str) -> Iterator[tuple[str, int, int]]:
        for child in ast.iter_child_nodes(node):
            if not isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                yield from walk(child, prefix)
                continue
            name = prefix + child.name
            if not isinstance(child, ast.ClassDef):
                first = child.body[0].lineno
                yield name, child.lineno, (child.end_lineno or first) - first + 1
            yield from walk(child, name + ".")

    yield from walk(ast.parse(source), "")


def test_the_size_check_covers_every_app() -> None:
    apps = {path.relative_to(ROOT).parts[0] for path in app_modules()}
    assert apps >= {"account", "cloud_export", "config", "drive", "sharing", "tus", "upload_center"}
    assert not apps & {"tests", "bench", "deploy"}


def test_function_lengths_are_checked_from_the_body_through_its_last_line() -> None:
    source = "\n".join(
        [
            "def short(*, a: int) -> int:",
            '    """Doc."""',
            "",
            "    return a",
            "",
            "",
            "class C:",
            "    def m(self) -> None:",
            "        pass",
        ]
    )
    assert list(function_lengths(source)) == [("short", 1, 3), ("C.m", 8, 1)]


def test_no_function_of_app_code_is_over_40_lines() -> None:
    offenders = [
        f"{path.relative_to(ROOT)}:{line} {name} ({length} lines)"
        for path in app_modules()
        for name, line, length in function_lengths(path.read_text())
        if length > MAX_FUNCTION_LINES
    ]
    assert not offenders, "\n".join(offenders)


def test_no_module_of_app_code_is_over_300_lines() -> None:
    offenders = [
        f"{path.relative_to(ROOT)} ({length} lines)"
        for path in app_modules()
        if (length := len(path.read_text().splitlines())) > MAX_MODULE_LINES
    ]
    assert not offenders, "\n".join(offenders)
