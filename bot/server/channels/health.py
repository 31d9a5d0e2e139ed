"""GET /health: is every part a turn needs working? 200 when all are, 503 naming the ones that are not.

Rasa's own `GET /` only says the web server is up. A turn also needs the model, the action server
(whose /ready runs a retrieval against the index), the tracker store and the lock store; a load
balancer or Kubernetes probe should take a replica out when any of them fails.

Registered as an input channel (credentials.yml: `bot.server.channels.health.HealthInput:`) because that is
the one extension point Rasa 3.6 offers for adding routes to its server. Its url prefix is "/health",
which `rasa run` joins onto "/webhooks/" as an absolute path, so the route is top-level.
Anyone may ask whether each part is up (`{"status", "failed", "components": {name: {"ok"}}}`), which
is all a load balancer or probe needs. The details (the action server's URL, error texts, store
types) help an attacker as much as an operator, so they are shown only to loopback clients and to
requests carrying `Authorization: Bearer $COACH_HEALTH_TOKEN`. Behind a reverse proxy on the same
host, set COACH_TRUSTED_PROXY_HEADER so "loopback" means the real client, not the proxy.

The guarded patches to Rasa internals are reported too: `rasa_patches` says whether the two hot-path
fixes (bot.server.rasa.speedups) are in place (publicly only `ok`; the details name each patch and why one
was skipped), and the tracker store is down when Rasa's fail-safe could not be made to fail loudly
(bot.server.stores.fail_loudly), since then a storage failure would silently lose a conversation.
Both are installed at Rasa's start (bot.server.rasa.run) and again by this channel's start-up hook, for a
Rasa started some other way; neither depends on this channel being listed (docs/adr/0011).
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any, Awaitable, Callable, Dict, Optional

import os

import aiohttp
from rasa.core.channels.channel import UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.server import stores
from bot.server.channels.access import bearer_matches
from bot.server.channels.limits import is_loopback, request_address
from bot.server.channels.routes import TopLevelRoute
from bot.server.prefetch import action_server_base
from bot.server.rasa import speedups

log = logging.getLogger(__name__)

CHECK_TIMEOUT = 3.0  # seconds per component; a probe must answer well inside its own timeout
RECENT_ERROR_SECONDS = 60  # a store error this recent is reported even if the store answers now
TOKEN_ENV = "COACH_HEALTH_TOKEN"
PROXY_HEADER_ENV = "COACH_TRUSTED_PROXY_HEADER"


async def _blocking(check: Callable[[], Any]) -> None:
    loop = asyncio.get_running_loop()
    await asyncio.wait_for(loop.run_in_executor(None, check), CHECK_TIMEOUT)


async def check_action_server(agent: Any) -> Dict[str, Any]:
    endpoint = getattr(agent, "action_endpoint", None)
    if endpoint is None or not endpoint.url:
        return {"ok": False, "error": "no action endpoint configured"}
    base = action_server_base(endpoint.url)
    timeout = aiohttp.ClientTimeout(total=CHECK_TIMEOUT)
    async with aiohttp.ClientSession(timeout=timeout) as session:
        async with session.get(f"{base}/ready") as reply:
            if reply.status != 200:
                return {"ok": False, "url": base, "error": f"/ready answered HTTP {reply.status}"}
            ready = await reply.json()
    return {"ok": True, "url": base, "knowledge_items": ready.get("items")}


async def check_tracker_store(agent: Any) -> Dict[str, Any]:
    store = stores.primary_store(agent)
    kind = type(store).__name__
    if store is None:
        return {"ok": False, "error": "no tracker store"}
    if hasattr(store, "ping"):
        await _blocking(store.ping)
    elif hasattr(store, "engine"):
        await _blocking(lambda: store.engine.connect().close())
    if not stores.fail_loudly(agent):  # a Rasa whose fail-safe cannot be disarmed loses conversations silently
        return {"ok": False, "type": kind, "error": "storage failures would continue with a blank conversation "
                                                    "(this Rasa's FailSafeTrackerStore has no error hook)"}
    status: Dict[str, Any] = {"ok": True, "type": kind, "fails_loudly": True}
    recent = getattr(store, "last_error_at", None)
    if recent and time.time() - recent < RECENT_ERROR_SECONDS and store.last_error:
        status["recent_error"] = store.last_error
    if kind == "InMemoryTrackerStore":
        status["warning"] = "conversations are kept in memory and lost on restart"
    return status


async def check_lock_store(agent: Any) -> Dict[str, Any]:
    store = getattr(agent, "lock_store", None)
    if store is None:
        return {"ok": False, "error": "no lock store"}
    redis = getattr(store, "red", None)
    if redis is not None:
        await _blocking(redis.ping)
    return {"ok": True, "type": type(store).__name__}


async def _run(name: str, check: Callable[[Any], Awaitable[Dict[str, Any]]], agent: Any) -> Dict[str, Any]:
    try:
        return await check(agent)
    except asyncio.TimeoutError:
        return {"ok": False, "error": f"no answer within {CHECK_TIMEOUT:g}s"}
    except Exception as exc:  # noqa: BLE001 - any failure is this component's status, not a 500
        return {"ok": False, "error": f"{type(exc).__name__}: {exc}"}


async def health_report(agent: Optional[Any]) -> tuple[int, Dict[str, Any]]:
    """(HTTP status, body). The Rasa patches are reported beside the components: without them every turn
    still works, only slower, so they make the status "degraded" (200), never take a replica out."""
    patches = speedups.state()
    if agent is None or not agent.is_ready():
        return 503, {"status": "unavailable", "failed": ["model"], "rasa_patches": patches,
                     "components": {"model": {"ok": False, "error": "the model is not loaded yet"}}}
    checks = {"action_server": check_action_server, "tracker_store": check_tracker_store,
              "lock_store": check_lock_store}
    results = await asyncio.gather(*(_run(n, c, agent) for n, c in checks.items()))
    components = {"model": {"ok": True}, **dict(zip(checks, results))}
    failed = [name for name, status in components.items() if not status["ok"]]
    for name in failed:
        log.error("health: %s is failing: %s", name, components[name].get("error"))
    status = "unavailable" if failed else "ok" if patches["ok"] else "degraded"
    body = {"status": status, "failed": failed, "components": components, "rasa_patches": patches}
    return (503 if failed else 200), body


def public_view(body: Dict[str, Any]) -> Dict[str, Any]:
    """Up or down per part, nothing more."""
    return {"status": body["status"], "failed": body["failed"],
            "components": {name: {"ok": bool(part.get("ok"))} for name, part in body["components"].items()},
            "rasa_patches": {"ok": bool(body["rasa_patches"]["ok"])}}


def may_see_details(request: Request) -> bool:
    token = os.environ.get(TOKEN_ENV, "").strip()
    if token and bearer_matches(request.headers.get("authorization"), token):
        return True
    proxy_header = os.environ.get(PROXY_HEADER_ENV, "").strip() or None
    return is_loopback(request_address(request, proxy_header))


class HealthInput(TopLevelRoute):
    route = "health"

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        health = Blueprint("coach_health", __name__)

        @health.listener("after_server_start")
        async def make_store_failures_loud(app, _loop) -> None:
            # bot.server.rasa.run has installed the patches already; this covers a Rasa started another way.
            # Every channel's turn also calls fail_loudly (bot.server.channels.turn), so neither depends on this.
            stores.fail_loudly(getattr(app.ctx, "agent", None))
            speedups.install(by="health channel start-up")

        @health.route("/", methods=["GET"], strict_slashes=False)
        async def report(request: Request) -> HTTPResponse:
            status, body = await health_report(getattr(request.app.ctx, "agent", None))
            return response.json(body if may_see_details(request) else public_view(body), status=status,
                                 headers={"Cache-Control": "no-store"})

        return health
