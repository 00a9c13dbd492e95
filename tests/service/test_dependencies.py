"""Route dependencies must be coroutines: FastAPI runs a plain ``def`` dependency in a worker
thread, and those thread hops were a measurable share of every request (bench/README.md)."""

from __future__ import annotations

import inspect

from fastapi.routing import APIRoute

from cds.routes import router


def _calls(dependant: object) -> list[object]:
    found: list[object] = []
    for sub in getattr(dependant, "dependencies", []):
        found.append(sub.call)
        found.extend(_calls(sub))
    return found


def test_every_route_dependency_is_a_coroutine() -> None:
    routes = [r for r in router.routes if isinstance(r, APIRoute)]
    assert len(routes) >= 6, "discovery, three services, feedback, summaries, health"
    calls = [c for r in routes for c in _calls(r.dependant)]
    assert calls, "the routes declare dependencies"
    sync = sorted(
        {getattr(c, "__name__", repr(c)) for c in calls if not inspect.iscoroutinefunction(c)}
    )
    assert sync == []
