"""Builds the FastAPI application of the training back-end (the contract's reference server).

`create_app(config)` wires database, auth, event hub and state, mounts the routers under
/api/v1 and, in the lifespan, starts what runs on its own: the scenario, exercise injects and the
camera stream server. Those are optional (`--no-scenario`, `--no-video`) so tests get a quiet,
fast server.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable, Coroutine
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI

from console.api.contract import API_PREFIX
from console.training import problems
from console.training.auth import Auth
from console.training.config import TrainingConfig
from console.training.context import ServerContext
from console.training.db import Database
from console.training.events import EventHub
from console.training.state import State, now

log = logging.getLogger(__name__)

# Background jobs started by the lifespan: each takes the context and runs until cancelled.
Job = Callable[[ServerContext], Coroutine[Any, Any, None]]


def _routers() -> list[Any]:
    from console.training import routes_alerts, routes_core

    routers = [routes_core.router, routes_alerts.router]
    for name in ("routes_world", "routes_incidents", "routes_chat", "routes_ingest",
                 "routes_audit"):
        module = _optional(name)
        if module is not None:
            routers.append(module.router)
    return routers


def _optional(name: str) -> Any:
    import importlib

    try:
        return importlib.import_module(f"console.training.{name}")
    except ModuleNotFoundError as exc:
        if exc.name != f"console.training.{name}":
            raise
        return None


def build_context(config: TrainingConfig) -> ServerContext:
    db = Database(config.db_path(), backlog=config.backlog)
    auth = Auth(db, access_ttl=config.access_ttl, refresh_ttl=config.refresh_ttl)
    auth.seed()
    hub = EventHub(db, heartbeat=config.heartbeat)
    db.on_commit = hub.publish
    ctx = ServerContext(config=config, db=db, auth=auth, hub=hub, state=State(db),
                        started_at=now())
    world = _optional("world")
    if world is not None:
        world.seed(ctx)
    return ctx


def _jobs(config: TrainingConfig) -> list[Job]:
    jobs: list[Job] = []
    if config.scenario:
        scenario = _optional("scenario")
        if scenario is not None:
            jobs.append(scenario.run)
    if config.injects is not None:
        injects = _optional("injects")
        if injects is not None:
            jobs.append(injects.run)
    return jobs


def create_app(config: TrainingConfig) -> FastAPI:
    """Raises InjectError (a clear message naming file, inject and reason) for a bad drill."""
    if config.injects is not None:
        from console.training.injects import load

        load(config.injects)  # fail before serving, not minutes into the drill
    ctx = build_context(config)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        world = _optional("world")
        tasks = [asyncio.create_task(job(ctx), name=job.__module__) for job in _jobs(config)]
        if world is not None and config.video:
            tasks.append(asyncio.create_task(world.start_streams(ctx), name="streams"))
        try:
            yield
        finally:
            for task in tasks:
                task.cancel()
            for task in tasks:
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task
            if world is not None:
                world.stop_streams(ctx)
            ctx.db.close()

    app = FastAPI(
        title="Centrale back-end contract",
        version="1.0.0",
        description="Contract v1 between the Centrale console and a back-end; served by the "
        "training back-end, its reference implementation. Errors are application/problem+json.",
        openapi_url=f"{API_PREFIX}/openapi.json",
        docs_url=f"{API_PREFIX}/docs",
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.ctx = ctx
    app.state.auth = ctx.auth
    problems.install(app)
    app.add_middleware(problems.BodyLimit)
    for router in _routers():
        app.include_router(router, prefix=API_PREFIX)
    return app
