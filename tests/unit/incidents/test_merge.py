from __future__ import annotations

from typing import Any

from console.incidents.merge import three_way
from tests.unit.incidents.conftest import incident


def _three() -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    base = incident().model_dump(mode="json")
    return base, dict(base), dict(base)


def test_non_overlapping_changes_merge_without_asking() -> None:
    base, mine, theirs = _three()
    mine["narrative"] = "Due feriti, uno grave."
    mine["tags"] = ["scuola"]
    theirs["priority"] = 2
    theirs["tags"] = ["viabilità"]
    theirs["version"] = 2
    result = three_way(base, mine, theirs)
    assert result.conflicts == []
    assert result.merged["narrative"] == "Due feriti, uno grave."
    assert result.merged["priority"] == 2
    assert result.merged["tags"] == ["viabilità", "scuola"]
    assert "narrative" in result.from_mine
    assert "priority" in result.from_theirs
    assert result.resolve({})["version"] == 2


def test_overlapping_changes_are_conflicts_never_silently_overwritten() -> None:
    base, mine, theirs = _three()
    mine["narrative"] = "Mia versione"
    theirs["narrative"] = "Loro versione"
    mine["caller"] = {**base["caller"], "phone": "02 1111"}
    theirs["caller"] = {**base["caller"], "phone": "02 2222"}
    result = three_way(base, mine, theirs)
    assert {c.field for c in result.conflicts} == {"narrative", "caller.phone"}
    narrative = next(c for c in result.conflicts if c.field == "narrative")
    assert (narrative.base, narrative.mine, narrative.theirs) == (
        base["narrative"], "Mia versione", "Loro versione")
    chosen = result.resolve({"narrative": "mine", "caller.phone": "theirs"})
    assert chosen["narrative"] == "Mia versione"
    assert chosen["caller"]["phone"] == "02 2222"
    assert chosen["caller"]["name"] == base["caller"]["name"]


def test_units_merge_as_sets_and_location_moves_as_one() -> None:
    base, mine, theirs = _three()
    base["units"] = ["U1"]
    mine["units"] = ["U1", "U2"]
    theirs["units"] = []  # the other operator unassigned U1
    mine.update(lon=9.2, lat=45.47, nil="Brera")
    result = three_way(base, mine, theirs)
    assert result.conflicts == []
    assert result.merged["units"] == ["U2"]
    assert (result.merged["lon"], result.merged["lat"], result.merged["nil"]) == (
        9.2, 45.47, "Brera")
    theirs.update(lon=9.3, lat=45.5, nil="Lambrate")
    again = three_way(base, mine, theirs)
    assert [c.field for c in again.conflicts] == ["location"]
