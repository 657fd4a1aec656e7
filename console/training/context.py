"""The objects one server process shares between its routes, scenario and ingest."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Annotated, Any

from fastapi import Depends, Request

from console.training.auth import Auth
from console.training.config import TrainingConfig
from console.training.db import Database
from console.training.events import EventHub
from console.training.state import State


@dataclass
class ServerContext:
    config: TrainingConfig
    db: Database
    auth: Auth
    hub: EventHub
    state: State
    started_at: datetime
    layers: dict[str, Any] = field(default_factory=dict)  # layer id -> LayerSource
    streams: Any = None  # console.training.streams.StreamServer when video runs
    video_status: str = "off"  # off | starting | ok | <reason it does not run>


def get_ctx(request: Request) -> ServerContext:
    ctx: ServerContext = request.app.state.ctx
    return ctx


Ctx = Annotated[ServerContext, Depends(get_ctx)]
