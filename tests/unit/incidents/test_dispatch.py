from __future__ import annotations

from console.incidents import taxonomy
from console.incidents.dispatch import distance_m, recommend
from tests.unit.incidents.conftest import unit

DUOMO = (9.1900, 45.4642)


def test_distance_is_right_for_a_known_pair() -> None:
    # Duomo to Stazione Centrale is about 2.2 km in a straight line.
    assert 2000 < distance_m(*DUOMO, 9.2040, 45.4862) < 2800


def test_nearest_matching_available_units_come_first() -> None:
    kind = taxonomy.get("road_accident_injured")
    units = [
        unit("far", 9.25, 45.50),
        unit("near", 9.192, 45.465),
        unit("busy", 9.1901, 45.4643, status="on_scene"),
        unit("assigned", 9.1901, 45.4643, incident_id="INC-9"),
        unit("foot", 9.1905, 45.4645, kind="foot", skills=[]),
        unit("mid", 9.20, 45.47),
    ]
    order = [r.unit.id for r in recommend(units, *DUOMO, kind)]
    assert order[:3] == ["near", "mid", "foot"]  # the foot patrol is closer but unsuited
    assert "busy" not in order
    assert "assigned" not in order
    assert order[-1] == "far"
    foot = next(r for r in recommend(units, *DUOMO, kind) if r.unit.id == "foot")
    assert not foot.kind_ok
    assert foot.score > foot.eta_s


def test_a_mismatched_unit_next_door_beats_a_matching_one_across_town() -> None:
    kind = taxonomy.get("fire")
    units = [unit("car", 9.1902, 45.4643), unit("vvf", 9.30, 45.55, kind="fire_engine",
                                               agency="VVF", skills=["antincendio"])]
    assert [r.unit.id for r in recommend(units, *DUOMO, kind)] == ["car", "vvf"]


def test_live_positions_override_the_units_own() -> None:
    kind = taxonomy.get("theft")
    units = [unit("a", 9.30, 45.55), unit("b", 9.1905, 45.4645)]
    assert [r.unit.id for r in recommend(units, *DUOMO, kind)] == ["b", "a"]
    moved = {"a": (9.1901, 45.4643), "b": (9.30, 45.55)}  # a drove here meanwhile
    best = recommend(units, *DUOMO, kind, positions=moved)
    assert [r.unit.id for r in best] == ["a", "b"]
    assert best[0].distance_m < 50
