"""Reconnect and retry delays: exponential growth with full jitter.

Full jitter (a uniform draw up to the exponential ceiling) spreads the reconnects of many
consoles after a back-end restart, so 75 workstations do not hit the server in the same
millisecond. The floor keeps a flapping server from being hammered; the cap keeps an operator
from waiting minutes once the server is back.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field


@dataclass
class Backoff:
    floor: float = 0.5
    cap: float = 30.0
    factor: float = 2.0
    rng: random.Random = field(default_factory=random.Random)
    attempt: int = 0

    def ceiling(self) -> float:
        """Upper bound of the next delay, before jitter."""
        return min(self.cap, self.floor * self.factor**self.attempt)

    def next_delay(self) -> float:
        """Delay before the next attempt, in seconds; always within [floor, cap]."""
        high = self.ceiling()
        # Never raise the exponent past what the cap needs: avoids float overflow on long outages.
        if high < self.cap:
            self.attempt += 1
        return self.rng.uniform(self.floor, high) if high > self.floor else self.floor

    def reset(self) -> None:
        """Call after a healthy connection, so the next outage starts from short delays."""
        self.attempt = 0
