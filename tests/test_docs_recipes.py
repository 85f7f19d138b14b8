"""Every code block of README.md and docs/ that a reader is told to run works as written.

Blocks are found by file glob, so a new page under docs/ is covered without a change here. A block
fenced as ``sh`` or ``python`` is a command: it is run, in the order of its file, against a real server
(pass 2), unless its first line is a comment starting with ``# not run by the tests:`` and a reason.
A block fenced as anything else (``text``, ``json``, ``yaml``, ...) is an example, never run; a block
with no language fails, so that nothing is left out by accident.

What a reader has at hand is set up first: the demo user of ``dev.py run`` (``demo`` /
``demo-password``) with ``worksheet.pdf`` stored, ``lecture.mp4`` and ``worksheet.pdf`` in the working
folder, ``$TOKEN`` holding the demo user's token, ``python`` being the project's. Each block's
``http://127.0.0.1:8000`` (where ``dev.py run`` listens) becomes the test server's address. Every curl
call fails on an answer of 400 or more (``fail-with-body`` in the reader's ``.curlrc``), so a refused
request turns the block red as it would alarm a reader.
"""

from __future__ import annotations

import io
import os
import re
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.helpers import ROOT, database_url

DOCUMENTS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("**/*.md"))]
COMMANDS = {"sh", "python"}
# Other spellings of a command language: refused, so that "run unless marked" cannot be dodged.
COMMAND_SPELLINGS = {"bash", "shell", "console", "zsh", "py", "python3", "pycon"}
NOT_RUN = "# not run by the tests:"
DEV_ADDRESS = "http://127.0.0.1:8000"
FENCE = re.compile(r"^```(.*)$")


@dataclass(frozen=True)
class Block:
    path: Path
    line: int
    language: str
    text: str

    @property
    def where(self) -> str:
        return f"{self.path.relative_to(ROOT)}:{self.line}"

    @property
    def marked_not_run(self) -> bool:
        first = self.text.lstrip().splitlines()[0] if self.text.strip() else ""
        return first.startswith(NOT_RUN) and len(first) > len(NOT_RUN) + 1


def blocks(path: Path) -> list[Block]:
    """The fenced code blocks of one Markdown file, with the line of their opening fence."""
    found: list[Block] = []
    opening: tuple[int, str] | None = None
    lines: list[str] = []
    for number, line in enumerate(path.read_text().splitlines(), start=1):
        fence = FENCE.match(line)
        if opening is None and fence:
            opening, lines = (number, fence.group(1).strip()), []
        elif opening is not None and line.rstrip() == "```":
            found.append(Block(path, opening[0], opening[1], "\n".join(lines) + "\n"))
            opening = None
        elif opening is not None:
            lines.append(line)
    assert opening is None, f"{path.relative_to(ROOT)}:{opening[0]}: a code block is never closed"
    return found


def all_blocks() -> list[Block]:
    return [block for path in DOCUMENTS for block in blocks(path)]


def to_run() -> list[Block]:
    return [block for block in all_blocks() if block.language in COMMANDS and not block.marked_not_run]


def test_every_block_is_run_or_marked_as_not_run() -> None:
    unclear = [
        f"{block.where}: fence it as sh, python or text (an example, never run)"
        for block in all_blocks()
        if not block.language
    ] + [
        f"{block.where}: write ```sh or ```python (blocks in those are run), not ```{block.language}"
        for block in all_blocks()
        if block.language in COMMAND_SPELLINGS
    ]
    assert not unclear, "\n".join(unclear)


def test_the_block_parser_finds_the_recipes_it_should() -> None:
    # One of each kind, so that a change of the parser or of the docs' layout cannot empty the list.
    run = {block.where.split(":")[0] for block in to_run()}
    assert {"docs/user-guide.md", "docs/operations.md"} <= run
    assert any("TusClient" in block.text for block in to_run())
    assert any(block.marked_not_run for block in all_blocks() if block.path.name == "README.md")


def test_a_block_without_a_reason_is_not_marked(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_text(f"```sh\n{NOT_RUN}\nfalse\n```\n\n```sh\n{NOT_RUN} needs Docker\nfalse\n```\n")
    assert [block.marked_not_run for block in blocks(page)] == [False, True]


def reader_folder(tmp_path: Path, *, upload_root: Path, token: str) -> tuple[Path, dict[str, str]]:
    """A working folder with the files the recipes name, and the environment of a reader there."""
    folder = tmp_path / "reader"
    folder.mkdir()
    (folder / "lecture.mp4").write_bytes(os.urandom(300_000))
    (folder / "worksheet.pdf").write_bytes(b"%PDF-1.4\n% a worksheet\n")
    # The maintenance commands are run from a checkout: Python follows the link to the project.
    (folder / "manage.py").symlink_to(ROOT / "manage.py")
    (folder / ".curlrc").write_text("fail-with-body\nshow-error\n")
    env = {
        **os.environ,
        "HOME": str(folder),
        "PATH": f"{ROOT / '.venv' / 'bin'}{os.pathsep}{os.environ['PATH']}",
        "TOKEN": token,
        "DATABASE_URL": database_url(),
        "UPLOAD_ROOT": str(upload_root),
    }
    return folder, env


def block_run(block: Block, *, folder: Path, env: dict[str, str], url: str) -> str | None:
    """Run one block as a reader would; the failure's report, or None."""
    text = block.text.replace(DEV_ADDRESS, url)
    if block.language == "sh":
        command = ["bash", "-euo", "pipefail", "-c", text]
    else:
        script = folder / "recipe.py"
        script.write_text(text)
        command = ["python", str(script)]
    try:
        done = subprocess.run(command, cwd=folder, env=env, capture_output=True, text=True, timeout=120)
    except subprocess.TimeoutExpired:
        return f"{block.where}: still running after 120 s"
    if done.returncode == 0:
        return None
    return f"{block.where}: exit {done.returncode}\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_every_recipe_of_the_docs_works_as_written(
    start_server: Callable[..., Any], upload_root: Path, tmp_path: Path
) -> None:
    from django.core.management import call_command
    from rest_framework.authtoken.models import Token

    from account.models import Account, User

    # The tier dev.py's demo user gets; a transactional test may have flushed the migration's rows.
    Account.objects.get_or_create(title="Pro", defaults={"storage": 10**9, "max_file_transfer": 10**8})
    call_command("ensure_demo_user", stdout=io.StringIO())
    token = Token.objects.get_or_create(user=User.objects.get(username="demo"))[0].key
    server = start_server()
    folder, env = reader_folder(tmp_path, upload_root=upload_root, token=token)
    answer = requests.put(
        f"{server.url}/fm/upload/",
        headers={"Authorization": f"Token {token}"},
        files={"file_field": ("worksheet.pdf", (folder / "worksheet.pdf").read_bytes())},
        timeout=30,
    )
    assert answer.json() == {"worksheet.pdf": "/fm/download/demo/worksheet.pdf"}

    failures = [
        failure
        for block in to_run()
        if (failure := block_run(block, folder=folder, env=env, url=server.url)) is not None
    ]

    assert not failures, "\n\n".join(failures)
