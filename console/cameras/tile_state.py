"""The life of one video tile as an explicit state machine, free of Qt and of any player.

A wall of sixteen tiles over flaky city links needs every tile to behave the same way when a
camera drops: say so in words, wait a little longer each time, give up after a while and let the
operator retry. Keeping that logic here (driven by events and a clock that tests can fake) means
it is tested without a screen or a stream, and both video back-ends get it for free.

The machine never touches a player. Every event returns the `Command`s the tile must carry out
(open the stream, close it); the tile owns the player and reports back what the player did.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from console.i18n import tr


class TileState(StrEnum):
    IDLE = "idle"
    CONNECTING = "connecting"
    PLAYING = "playing"
    STALLED = "stalled"
    RECONNECTING = "reconnecting"
    FAILED = "failed"


class Command(StrEnum):
    OPEN = "open"  # (re)open the current URL in the player
    CLOSE = "close"  # stop the player and release the decoder


@dataclass(frozen=True)
class Policy:
    """Timeouts and retry behaviour, one object so a wall can be tuned in one place."""

    start_timeout_s: float = 8.0  # play requested -> first frame
    stall_timeout_s: float = 2.0  # no frame for this long while playing -> stalled
    stall_giveup_s: float = 6.0  # stalled this long (or an error) -> reconnect
    backoff_base_s: float = 1.0
    backoff_max_s: float = 30.0
    jitter: float = 0.2  # +- fraction of the delay, so a wall does not retry in lock-step
    max_failures: int = 6  # consecutive failures before the circuit opens (failed)

    def backoff(self, failures: int, rng: random.Random) -> float:
        """Delay before attempt number `failures + 1`: exponential, capped, jittered."""
        delay = min(self.backoff_max_s, self.backoff_base_s * (2 ** max(0, failures - 1)))
        if self.jitter > 0:
            delay *= 1.0 + rng.uniform(-self.jitter, self.jitter)
        return max(0.0, delay)


Clock = Callable[[], float]


class TileMachine:
    """One tile's state; feed it events and `tick()` it periodically (e.g. every 250 ms)."""

    def __init__(
        self,
        policy: Policy | None = None,
        clock: Clock | None = None,
        rng: random.Random | None = None,
    ) -> None:
        import time

        self.policy = policy or Policy()
        self._clock: Clock = clock or time.monotonic
        self._rng = rng or random.Random()
        self.state = TileState.IDLE
        self.failures = 0  # consecutive, reset by a first frame
        self.attempts = 0  # opens since play was requested
        self.reason = ""  # last failure, human words
        self._since = self._clock()  # when the current state began
        self._last_frame = 0.0
        self._retry_at = 0.0

    # --- events -------------------------------------------------------------------------------

    def play(self) -> list[Command]:
        """Operator or wall asked for this tile's camera (also used for a camera switch)."""
        self.failures = 0
        self.attempts = 0
        self.reason = ""
        return self._connect()

    def stop(self) -> list[Command]:
        """Tile emptied or hidden: release the decoder, forget failures."""
        was = self.state
        self._enter(TileState.IDLE)
        self.failures = 0
        self.reason = ""
        return [] if was is TileState.IDLE else [Command.CLOSE]

    def retry(self) -> list[Command]:
        """Manual retry after the circuit opened (or any time the operator insists)."""
        return self.play()

    def first_frame(self) -> list[Command]:
        return self.frame()

    def frame(self) -> list[Command]:
        now = self._clock()
        self._last_frame = now
        if self.state in (TileState.CONNECTING, TileState.STALLED):
            self.failures = 0
            self.reason = ""
            self._enter(TileState.PLAYING)
        return []

    def adopt(self, has_frame: bool = True) -> list[Command]:
        """A player already opened on this tile's stream was handed over (a tour's standby
        player, opened before the page turn). Nothing to open.

        With a frame: playing at once, as if its first frame had just come. Still without one
        (the RTSP set-up under way): connecting, the start timeout counted from now. Stall
        detection, timeouts and retries then run as for any other player.
        """
        self.failures = 0
        self.attempts = 1
        self.reason = ""
        if has_frame:
            self._last_frame = self._clock()
            self._enter(TileState.PLAYING)
        else:
            self._enter(TileState.CONNECTING)
        return []

    def error(self, reason: str) -> list[Command]:
        """The player reported a failure; `reason` is already human (never holds a password)."""
        if self.state in (TileState.IDLE, TileState.FAILED, TileState.RECONNECTING):
            return []
        return self._fail(reason)

    def tick(self) -> list[Command]:
        """Check the clock: start timeout, stall, end of back-off."""
        now = self._clock()
        p = self.policy
        if self.state is TileState.CONNECTING and now - self._since >= p.start_timeout_s:
            return self._fail(tr("nessuna immagine entro {s} s", s=_fmt(p.start_timeout_s)))
        if self.state is TileState.PLAYING and now - self._last_frame >= p.stall_timeout_s:
            self._enter(TileState.STALLED)
            return []
        if self.state is TileState.STALLED and now - self._since >= p.stall_giveup_s:
            return self._fail(tr("il flusso si è interrotto"))
        if self.state is TileState.RECONNECTING and now >= self._retry_at:
            return self._connect()
        return []

    # --- queries ------------------------------------------------------------------------------

    def seconds_to_retry(self) -> float:
        if self.state is not TileState.RECONNECTING:
            return 0.0
        return max(0.0, self._retry_at - self._clock())

    def status_text(self) -> str:
        """What the tile says, in Italian; empty while the picture speaks for itself."""
        s = self.state
        if s is TileState.IDLE or s is TileState.PLAYING:
            return ""
        if s is TileState.CONNECTING:
            if self.attempts > 1:
                return tr("Connessione… (tentativo {n})", n=self.attempts)
            return tr("Connessione…")
        if s is TileState.STALLED:
            return tr("Immagine ferma — in attesa del segnale")
        if s is TileState.RECONNECTING:
            secs = max(1, round(self.seconds_to_retry()))
            return tr("Segnale perso — nuovo tentativo fra {s} s", s=secs)
        return tr("Telecamera non raggiungibile: riprova")

    # --- internals ----------------------------------------------------------------------------

    def _connect(self) -> list[Command]:
        self.attempts += 1
        self._enter(TileState.CONNECTING)
        return [Command.OPEN]

    def _fail(self, reason: str) -> list[Command]:
        self.failures += 1
        self.reason = reason
        if self.failures >= self.policy.max_failures:
            self._enter(TileState.FAILED)
            return [Command.CLOSE]
        self._retry_at = self._clock() + self.policy.backoff(self.failures, self._rng)
        self._enter(TileState.RECONNECTING)
        return [Command.CLOSE]

    def _enter(self, state: TileState) -> None:
        self.state = state
        self._since = self._clock()


def _fmt(seconds: float) -> str:
    return f"{seconds:g}"
