"""The tile state machine with a fake clock and a fake receiver with one-shot failure flags."""

from __future__ import annotations

import random

import pytest

from console.cameras.tile_state import Command, Policy, TileMachine, TileState


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


class FakeReceiver:
    """Carries out the machine's commands like a player would; failure flags fire once."""

    def __init__(self, machine: TileMachine) -> None:
        self.machine = machine
        self.open = False
        self.opens = 0
        self.fail_next_open = False
        self.never_deliver = False

    def run(self, commands: list[Command]) -> None:
        for command in commands:
            if command is Command.OPEN:
                self.opens += 1
                self.open = True
                if self.fail_next_open:
                    self.fail_next_open = False
                    self.open = False
                    self.run(self.machine.error("connessione rifiutata"))
            else:
                self.open = False

    def deliver(self) -> None:
        if self.open and not self.never_deliver:
            self.run(self.machine.frame())


POLICY = Policy(
    start_timeout_s=5,
    stall_timeout_s=2,
    stall_giveup_s=4,
    backoff_base_s=1,
    backoff_max_s=8,
    jitter=0,
    max_failures=4,
)


@pytest.fixture
def rig() -> tuple[TileMachine, FakeReceiver, FakeClock]:
    clock = FakeClock()
    machine = TileMachine(POLICY, clock, random.Random(1))
    return machine, FakeReceiver(machine), clock


def test_play_connects_then_plays_on_first_frame(rig: tuple) -> None:
    machine, rx, clock = rig
    rx.run(machine.play())
    assert machine.state is TileState.CONNECTING
    assert machine.status_text() == "Connessione…"
    clock.advance(0.5)
    rx.deliver()
    assert machine.state is TileState.PLAYING
    assert machine.status_text() == ""


def test_one_shot_open_failure_backs_off_then_recovers(rig: tuple) -> None:
    machine, rx, clock = rig
    rx.fail_next_open = True
    rx.run(machine.play())
    assert machine.state is TileState.RECONNECTING
    assert machine.reason == "connessione rifiutata"
    assert machine.status_text() == "Segnale perso — nuovo tentativo fra 1 s"
    clock.advance(0.5)
    rx.run(machine.tick())
    assert machine.state is TileState.RECONNECTING  # back-off not over yet
    clock.advance(0.6)
    rx.run(machine.tick())
    assert machine.state is TileState.CONNECTING
    assert machine.status_text() == "Connessione… (tentativo 2)"
    rx.deliver()
    assert machine.state is TileState.PLAYING
    assert machine.failures == 0


def test_start_timeout_counts_as_failure(rig: tuple) -> None:
    machine, rx, clock = rig
    rx.never_deliver = True
    rx.run(machine.play())
    clock.advance(4.9)
    rx.run(machine.tick())
    assert machine.state is TileState.CONNECTING
    clock.advance(0.2)
    rx.run(machine.tick())
    assert machine.state is TileState.RECONNECTING
    assert not rx.open  # the player was told to close
    assert "5 s" in machine.reason


def test_stall_then_resume_without_reconnect(rig: tuple) -> None:
    machine, rx, clock = rig
    rx.run(machine.play())
    rx.deliver()
    clock.advance(2.1)
    rx.run(machine.tick())
    assert machine.state is TileState.STALLED
    assert rx.open  # a short stall keeps the player
    rx.deliver()
    assert machine.state is TileState.PLAYING
    assert rx.opens == 1


def test_stream_stopping_mid_play_reconnects_with_growing_backoff(rig: tuple) -> None:
    machine, rx, clock = rig
    rx.run(machine.play())
    rx.deliver()
    rx.never_deliver = True  # the camera dies
    delays = []
    for _ in range(3):
        while machine.state is not TileState.RECONNECTING:
            clock.advance(0.25)
            rx.run(machine.tick())
        delays.append(machine.seconds_to_retry())
        while machine.state is TileState.RECONNECTING:
            clock.advance(0.25)
            rx.run(machine.tick())
    assert delays == [1, 2, 4]
    rx.never_deliver = False  # the camera comes back
    rx.deliver()
    assert machine.state is TileState.PLAYING


def test_circuit_breaker_opens_and_manual_retry_closes_it(rig: tuple) -> None:
    machine, rx, clock = rig
    rx.never_deliver = True
    rx.run(machine.play())
    for _ in range(200):
        clock.advance(0.5)
        rx.run(machine.tick())
        if machine.state is TileState.FAILED:
            break
    assert machine.state is TileState.FAILED
    assert machine.failures == POLICY.max_failures
    assert machine.status_text() == "Telecamera non raggiungibile: riprova"
    opens = rx.opens
    clock.advance(600)
    rx.run(machine.tick())
    assert rx.opens == opens  # failed stays failed until someone asks
    rx.never_deliver = False
    rx.run(machine.retry())
    rx.deliver()
    assert machine.state is TileState.PLAYING


def test_errors_after_stop_are_ignored(rig: tuple) -> None:
    machine, rx, _ = rig
    rx.run(machine.play())
    assert machine.stop() == [Command.CLOSE]
    assert machine.error("late error from the old player") == []
    assert machine.state is TileState.IDLE
    assert machine.stop() == []


def test_backoff_is_capped_and_jittered() -> None:
    policy = Policy(backoff_base_s=1, backoff_max_s=10, jitter=0.2)
    rng = random.Random(7)
    samples = [policy.backoff(n, rng) for n in range(1, 12)]
    assert all(0.8 <= s <= 12.0 for s in samples)
    assert max(samples) > 8  # reached the cap region
    jittered = {round(policy.backoff(3, rng), 3) for _ in range(20)}
    assert len(jittered) > 1


def test_adopting_a_playing_player_skips_connecting_and_still_detects_a_stall(
    rig: tuple,
) -> None:
    machine, rx, clock = rig
    rx.run(machine.play())
    rx.run(machine.error("connessione rifiutata"))  # a failure before the hand-over
    rx.open = True  # the standby player, already decoding, taken over by the tile
    assert machine.adopt() == []  # nothing to open
    assert machine.state is TileState.PLAYING
    assert machine.failures == 0
    assert machine.status_text() == ""
    clock.advance(1.9)
    rx.deliver()
    assert machine.state is TileState.PLAYING
    clock.advance(2.1)
    rx.run(machine.tick())
    assert machine.state is TileState.STALLED  # the adopted stream is watched like any other
    clock.advance(4.1)
    rx.run(machine.tick())
    assert machine.state is TileState.RECONNECTING
    assert not rx.open


def test_adopting_a_player_still_connecting_keeps_the_start_timeout(rig: tuple) -> None:
    machine, rx, clock = rig
    rx.open = True  # a standby player whose RTSP set-up is under way
    assert machine.adopt(has_frame=False) == []
    assert machine.state is TileState.CONNECTING
    assert machine.status_text() == "Connessione…"
    clock.advance(4.9)
    rx.run(machine.tick())
    assert machine.state is TileState.CONNECTING
    rx.deliver()
    assert machine.state is TileState.PLAYING
    machine.stop()
    rx.open = True
    machine.adopt(has_frame=False)
    clock.advance(5.1)
    rx.run(machine.tick())
    assert machine.state is TileState.RECONNECTING, "no frame in start_timeout_s: as ever"
