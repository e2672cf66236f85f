"""``python -m bench`` runs nothing it was not asked for: help and mistakes are answered before any part starts."""

from __future__ import annotations

import pytest

from bench.run import PARTS, chosen_parts, main


def test_no_arguments_run_every_part() -> None:
    assert chosen_parts([]) == PARTS


def test_only_runs_the_parts_named_in_the_order_given() -> None:
    assert chosen_parts(["--only", "memory,ack"]) == ("memory", "ack")


@pytest.mark.parametrize("argv", [["--help"], ["-h"]])
def test_help_prints_the_usage_and_runs_nothing(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert out.startswith("usage: python -m bench [--only ack,paths,burst,memory,exec]")
    assert "load generator" not in out  # printed only when parts start


@pytest.mark.parametrize("argv", [["--only", "ack,pathz"], ["--only"], ["--fast"], ["--only", ","]])
def test_a_mistake_is_refused_with_exit_2_and_runs_nothing(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(argv) == 2
    out = capsys.readouterr().out
    assert "usage: python -m bench" in out
    assert "load generator" not in out
