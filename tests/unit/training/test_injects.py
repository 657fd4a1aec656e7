"""Exercise timelines are validated before the drill starts."""

from __future__ import annotations

from pathlib import Path

import pytest

from console.paths import RESOURCES
from console.training.injects import InjectError, load


def test_the_shipped_drill_loads_in_time_order() -> None:
    timeline = load(RESOURCES / "training" / "drill_seveso_niguarda.toml")
    assert timeline.title == "Esondazione del Seveso a Niguarda"
    times = [i.at for i in timeline.injects]
    assert times == sorted(times)
    assert {i.type for i in timeline.injects} >= {"sensor.reading", "cap", "chat.message",
                                                  "incident.created", "alert.created"}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("title = 'x'", "no \\[\\[inject\\]\\]"),
        ("[[inject]]\nat = -1\ntype = 'chat.message'", "inject 1: 'at'"),
        ("[[inject]]\nat = 1\ntype = 'fireworks'", "inject 1: type 'fireworks'"),
        ("[[inject]]\nat = 1\ntype = 'chat.message'\nchannel = 'coc'", "missing text"),
        ("[[inject]]\nat = 1\ntype = 'cap'\nxml = '<alert/>'", "inject 1: CAP"),
        ("[[inject]]\nat = 1\ntype = 'incident.created'\nkind = 'x'\npriority = 9",
         "inject 1: "),
        ("not toml = = =", "cannot read"),
    ],
)
def test_bad_timelines_name_the_inject_and_the_reason(
    tmp_path: Path, text: str, message: str
) -> None:
    path = tmp_path / "drill.toml"
    path.write_text(text)
    with pytest.raises(InjectError, match=message):
        load(path)
