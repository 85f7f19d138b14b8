"""The shared test helpers hold what the tests rely on."""

from __future__ import annotations

import pytest

from tests.helpers import wait_for


def test_wait_for_answers_what_the_condition_answered() -> None:
    answers = iter([0, None, "row"])
    assert wait_for(lambda: next(answers), what="a row", seconds=5) == "row"


def test_wait_for_fails_the_test_rather_than_answer_false() -> None:
    with pytest.raises(pytest.fail.Exception, match="timed out after 0.1 s waiting for nothing:\nthe log"):
        wait_for(lambda: False, what="nothing", seconds=0.1, explain=lambda: "the log")
