"""Gate transits on the training back-end go through the console's matcher (console.anpr): hits
come from real matching, near-misses included, and operators' watchlist plates are matched too."""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from console.anpr.watchlist import WatchlistError
from console.training import anpr
from console.training.app import build_context
from console.training.config import TrainingConfig
from console.training.context import ServerContext
from console.training.geodata import Place
from console.training.scenario import Scenario
from console.training.state import now

GATE = Place("G1", "Varco di prova", 9.19, 45.46)


@pytest.fixture
def ctx(tmp_path: Path) -> Iterator[ServerContext]:
    context = build_context(TrainingConfig(db=tmp_path / "a.sqlite", rate_scale=50, video=False))
    yield context
    context.db.close()


def hits(ctx: ServerContext) -> list[dict[str, Any]]:
    out = []
    for _, kind, data in ctx.db.events_after(0, 1_000_000):
        body = json.loads(data)
        if kind == "alert.created" and body["type"] == "anpr.hotlist":
            out.append(body)
    return out


def run(ctx: ServerContext, reads: list[str]) -> None:
    keeper = anpr.for_ctx(ctx)
    with ctx.db.tx() as tx:
        keeper.process(tx, [anpr.Transit(r, GATE, "in", 0.9) for r in reads])


def test_listed_plate_read_exactly_or_misread_is_a_hit(ctx: ServerContext) -> None:
    keeper = anpr.for_ctx(ctx)
    stolen = next(e for e in keeper.national.entries if e.list_id == "A1")
    near = anpr.misread(stolen.plate, random.Random(1))
    assert near != stolen.plate
    run(ctx, [stolen.plate, near, "ZZ999ZZ"])
    found = hits(ctx)
    assert [(h["payload"]["read"], h["payload"]["plate"]) for h in found] == [
        (stolen.plate, stolen.plate),
        (near, stolen.plate),
    ]
    assert found[0]["payload"]["match"] == "exact"
    assert found[1]["payload"]["match"] in ("ocr", "edit1")
    assert found[1]["title"].startswith(f"Targa {stolen.plate} (letta {near})")
    assert found[0]["payload"]["list_source"] == "SCNTT"
    assert keeper.counters["transits"] == 3


def test_unlisted_traffic_raises_nothing(ctx: ServerContext) -> None:
    keeper = anpr.for_ctx(ctx)
    listed = {e.plate for e in keeper.national.entries}
    rng = random.Random(3)
    reads = [p for p in (anpr.random_plate(rng) for _ in range(3000)) if p not in listed]
    run(ctx, reads)
    # Real matching: a random plate one look-alike away from a listed one would hit, and that is
    # right; with ~8,000 listed plates out of 10^8 it is rare.
    assert len(hits(ctx)) <= 2


def test_watchlist_plate_is_matched_counted_and_removed(ctx: ServerContext) -> None:
    keeper = anpr.for_ctx(ctx)
    with ctx.db.tx() as tx:
        created, entry = keeper.put_watch(
            tx, "xy 123 zk", "Auto segnalata dal 112", now() + timedelta(hours=8), "radio"
        )
    assert created
    assert entry.plate == "XY123ZK"
    run(ctx, ["XY123ZK", "XYI23ZK", "XY12ZK"])  # exact, OCR 1/I, one character lost
    found = [h for h in hits(ctx) if h["payload"]["list"] == "watch"]
    assert [h["payload"]["match"] for h in found] == ["exact", "ocr", "edit1"]
    assert found[0]["payload"]["reason"] == "Auto segnalata dal 112"
    assert found[0]["priority"] == anpr.WATCH_PRIORITY
    assert keeper.watched["XY123ZK"].hits == 3
    assert keeper.watched["XY123ZK"].last_gate == "Varco di prova"
    with ctx.db.tx() as tx:
        assert keeper.remove_watch(tx, "XY123ZK", "radio") is not None
    run(ctx, ["XY123ZK"])
    assert len([h for h in hits(ctx) if h["payload"]["list"] == "watch"]) == 3
    kinds = [k for _, k, _ in ctx.db.events_after(0, 1_000_000) if k.startswith("watchlist.")]
    assert kinds == ["watchlist.updated", "watchlist.updated", "watchlist.removed"]


@pytest.mark.parametrize(
    ("plate", "reason", "hours", "says"),
    [
        ("", "motivo valido", 8, "Targa vuota"),
        ("XY123ZK", "", 8, "Motivo obbligatorio"),
        ("XY123ZK", "motivo valido", -1, "già passata"),
        ("XY123ZK", "motivo valido", 24 * 400, "oltre 365 giorni"),
        ("XY-12€-ZK", "motivo valido", 8, "non valida"),
    ],
)
def test_watchlist_refuses_with_a_reason(
    ctx: ServerContext, plate: str, reason: str, hours: int, says: str
) -> None:
    keeper = anpr.for_ctx(ctx)
    with pytest.raises(WatchlistError, match=says), ctx.db.tx() as tx:
        keeper.put_watch(tx, plate, reason, now() + timedelta(hours=hours), "radio")
    assert keeper.watched == {}


def test_scenario_drives_watched_plates_past_the_gates(tmp_path: Path) -> None:
    ctx = build_context(TrainingConfig(db=tmp_path / "s.sqlite", rate_scale=50, video=False))
    try:
        sc = Scenario(ctx)
        with ctx.db.tx() as tx:
            anpr.for_ctx(ctx).put_watch(
                tx, "GH404JK", "Veicolo d'interesse", now() + timedelta(days=1), "radio"
            )
        for _ in range(40):  # 10 s at rate 50: the first sighting comes within 45 s / 50
            sc.tick()
        watch = [h for h in hits(ctx) if h["payload"]["list"] == "watch"]
        assert watch, "the watched plate never passed a gate"
        assert {h["payload"]["plate"] for h in watch} == {"GH404JK"}
        national = [h for h in hits(ctx) if h["payload"]["list"] != "watch"]
        assert national, "listed vehicles pass the gates too"
        assert all(h["payload"]["match"] in ("exact", "ocr", "edit1") for h in national)
    finally:
        ctx.db.close()


def test_watchlist_survives_a_restart(tmp_path: Path) -> None:
    cfg = TrainingConfig(db=tmp_path / "r.sqlite", video=False)
    ctx = build_context(cfg)
    with ctx.db.tx() as tx:
        anpr.for_ctx(ctx).put_watch(
            tx, "AB123CD", "Indagine 42/2026", now() + timedelta(days=1), "video"
        )
    ctx.db.close()
    again = build_context(cfg)
    try:
        keeper = anpr.for_ctx(again)
        assert keeper.watched["AB123CD"].added_by == "video"
        assert keeper.live_watches() == ["AB123CD"]
        run(again, ["AB123CD"])
        assert [h["payload"]["list"] for h in hits(again)] == ["watch"]
    finally:
        again.db.close()
