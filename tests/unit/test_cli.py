from __future__ import annotations

from pathlib import Path

import pytest

from console.cli import parse_args


def test_defaults_start_the_embedded_training_backend() -> None:
    opts = parse_args([])
    assert opts.server is None
    assert not opts.serve_training
    assert opts.layers == []


def test_layers_repeat_and_screenshot_needs_quit_after() -> None:
    opts = parse_args(
        ["--layers", "a", "--layers", "b", "--screenshot", "out", "--quit-after", "5"]
    )
    assert opts.layers == [Path("a"), Path("b")]
    assert opts.screenshot == Path("out")
    assert opts.quit_after == 5
    with pytest.raises(SystemExit):
        parse_args(["--screenshot", "out"])


def test_bad_port_is_refused() -> None:
    with pytest.raises(SystemExit):
        parse_args(["--serve-training", "--port", "70000"])
