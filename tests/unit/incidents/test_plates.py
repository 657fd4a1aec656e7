from __future__ import annotations

import pytest

from console.incidents.plates import PlateKind, check


@pytest.mark.parametrize(("text", "kind"), [
    ("FA123BC", PlateKind.ITALIAN),
    ("fa 123 bc", PlateKind.ITALIAN),
    ("FA-123-BC", PlateKind.ITALIAN),
    ("AB12345", PlateKind.ITALIAN_MOTO),
    ("MI 123456", PlateKind.ITALIAN_OLD),
    ("MI A12345", PlateKind.ITALIAN_OLD),
    ("ROMA 12345", PlateKind.ITALIAN_OLD),
    ("", PlateKind.EMPTY),
    ("AB12", PlateKind.PARTIAL),
    ("B-MW 1234", PlateKind.FOREIGN),
    ("OA123BC", PlateKind.FOREIGN),  # O is never issued: a misread or a foreign plate
    ("FA#123BC", PlateKind.INVALID),
    ("ABCDEFGHIJK1", PlateKind.INVALID),
])
def test_plate_kinds(text: str, kind: PlateKind) -> None:
    assert check(text).kind is kind


def test_only_impossible_characters_block_and_all_problems_explain_themselves() -> None:
    bad = check("FA#123BC")
    assert bad.blocks
    assert "#" in bad.message
    foreign = check("B-MW 1234")
    assert not foreign.blocks
    assert not foreign.ok
    assert foreign.message
    assert check("FA123BC").ok
    assert check("FA123BC").message == ""
    assert check(" fa.123 bc ").normalised == "FA123BC"
