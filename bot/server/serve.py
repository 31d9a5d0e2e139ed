"""Run the action server and the Rasa server together; Ctrl-C (or SIGTERM) stops both.

    python -m bot.server.serve [--rasa-port 5005] [--action-port 5055] [--credentials credentials.yml]
    python -m bot.server.serve --no-action-server [--action-url http://actions:5055/webhook]   # a replica

The action server starts first and loads the knowledge and index; Rasa starts once it answers, so
the first question never meets a missing action server. If either process dies, the other is
stopped too and the exit code says so.

Rasa's NLU asks the action server to start composing each question's answer early (bot.server.prefetch);
COACH_PREFETCH=off turns that off.

With --no-action-server only Rasa is started: several replicas can share one action server (and
PostgreSQL + Redis, deploy/endpoints.production.yml). --action-url points Rasa at that server;
without it the endpoints file's own action_endpoint is used unchanged.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Optional

import yaml

from bot.config import PROJECT_ROOT
from bot.server.prefetch import prefetch_url

VENV_BIN = Path(sys.executable).parent


def wait_for(url: str, timeout: float, process: subprocess.Popen) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            return False
        try:
            with urllib.request.urlopen(url, timeout=2) as reply:
                if reply.status < 500:
                    return True
        except OSError:
            pass
        time.sleep(0.5)
    return False


# Rasa's lock lifetime (seconds). The REST channel ends a turn after COACH_TURN_TIMEOUT (20 s), so a
# ticket never expires while its turn is still running; Rasa's own default is 60 s.
DEFAULT_TICKET_LOCK_LIFETIME = "30"
# The action server answers one request at a time on its event loop; letting torch spread one small
# MiniLM encode over every core only makes the threads fight (docs/benchmarks.md), so one thread.
ACTION_SERVER_THREADS = "1"


def endpoints_for(path: Path, action_url: str, workdir: Path) -> Path:
    """A copy of the endpoints file whose action endpoint points at `action_url`.

    ${VAR} placeholders stay plain YAML scalars, so Rasa still expands them.
    """
    config = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    config.setdefault("action_endpoint", {})["url"] = action_url
    out = workdir / "endpoints.yml"
    out.write_text(yaml.safe_dump(config), encoding="utf-8")
    return out


def configured_action_url(endpoints: Path) -> Optional[str]:
    """The endpoints file's action server URL, with ${VAR} placeholders filled from the environment."""
    config = yaml.safe_load(endpoints.read_text(encoding="utf-8")) or {}
    url = (config.get("action_endpoint") or {}).get("url")
    return os.path.expandvars(url) if isinstance(url, str) else None


def prefetch_env(action_url: Optional[str]) -> dict[str, str]:
    """Where Rasa's NLU sends questions to be answered ahead (bot.server.prefetch); COACH_PREFETCH=off stops it."""
    if not action_url or os.environ.get("COACH_PREFETCH", "on").strip().lower() in ("off", "0", "false", "no"):
        return {"COACH_PREFETCH_URL": ""}
    return {"COACH_PREFETCH_URL": prefetch_url(action_url)}


def stop(*processes: Optional[subprocess.Popen]) -> None:
    for p in processes:
        if p is not None and p.poll() is None:
            p.send_signal(signal.SIGINT)
    deadline = time.monotonic() + 15
    for p in processes:
        if p is not None:
            try:
                p.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                p.kill()


def main(argv: Optional[list[str]] = None) -> int:
    parser = argparse.ArgumentParser(description="Start the Collaboration Coach servers")
    parser.add_argument("--rasa-port", type=int, default=5005)
    parser.add_argument("--action-port", type=int, default=5055)
    parser.add_argument("--host", default=os.environ.get("COACH_HOST", "127.0.0.1"))
    parser.add_argument("--model", default=str(PROJECT_ROOT / "models"))
    parser.add_argument("--credentials", default=str(PROJECT_ROOT / "credentials.yml"))
    parser.add_argument("--endpoints", default=str(PROJECT_ROOT / "endpoints.yml"))
    parser.add_argument("--cors", default=os.environ.get("COACH_CORS", ""), help="allowed origins for the REST API")
    parser.add_argument("--startup-timeout", type=float, default=300)
    parser.add_argument("--no-action-server", action="store_true",
                        help="start only Rasa, using an action server that is already running")
    parser.add_argument("--action-url", help="the action server's webhook URL (implies --no-action-server)")
    args = parser.parse_args(argv)
    external_actions = args.no_action_server or bool(args.action_url)

    env = dict(os.environ, RASA_TELEMETRY_ENABLED="false", HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1")
    env.setdefault("TICKET_LOCK_LIFETIME", DEFAULT_TICKET_LOCK_LIFETIME)
    if not env.get("COACH_PUBLIC_ORIGIN") and args.host in ("127.0.0.1", "localhost", "::1"):
        # The widget's own origin comes from configuration, never a request's Host header (DNS rebinding).
        env["COACH_PUBLIC_ORIGIN"] = f"http://localhost:{args.rasa_port},http://127.0.0.1:{args.rasa_port}"
    workdir = Path(tempfile.mkdtemp(prefix="coach-"))
    actions = rasa = None
    stopping = False

    def on_signal(signum, _frame):
        nonlocal stopping
        stopping = True
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, on_signal)
    try:
        if external_actions:
            endpoints = Path(args.endpoints)
            if args.action_url:
                endpoints = endpoints_for(endpoints, args.action_url, workdir)
        else:
            actions = subprocess.Popen([sys.executable, "-m", "bot.server.action_server", "--port", str(args.action_port)],
                                       cwd=PROJECT_ROOT, env={"OMP_NUM_THREADS": ACTION_SERVER_THREADS, **env})
            if not wait_for(f"http://127.0.0.1:{args.action_port}/health", args.startup_timeout, actions):
                print("serve: the action server did not start (see its log above)", file=sys.stderr)
                return 1
            endpoints = endpoints_for(Path(args.endpoints), f"http://127.0.0.1:{args.action_port}/webhook", workdir)
        env.update(prefetch_env(configured_action_url(endpoints)))
        # bot.server.rasa.run is `rasa` with the guarded Rasa patches installed first (bot.server.rasa.speedups).
        command = [sys.executable, "-m", "bot.server.rasa.run", "run", "--model", args.model, "--port", str(args.rasa_port),
                   "--interface", args.host, "--credentials", args.credentials, "--endpoints", str(endpoints)]
        if args.cors:
            command += ["--cors", *args.cors.split(",")]
        rasa = subprocess.Popen(command, cwd=PROJECT_ROOT, env=env)
        if not wait_for(f"http://127.0.0.1:{args.rasa_port}/", args.startup_timeout, rasa):
            print("serve: the Rasa server did not start (see its log above)", file=sys.stderr)
            return 1
        where = "an external action server" if external_actions else f"action server on {args.action_port}"
        print(f"\nCollaboration Coach is running: REST at http://localhost:{args.rasa_port}/webhooks/rest/webhook"
              f" ({where}). Web chat demo: http://localhost:{args.rasa_port}/webhooks/socketio/demo ."
              f" Health: http://localhost:{args.rasa_port}/health . Ctrl-C stops"
              f" {'it' if external_actions else 'both'}.\n", flush=True)
        while True:
            for name, p in (("action server", actions), ("Rasa server", rasa)):
                if p is not None and p.poll() is not None:
                    print(f"serve: the {name} stopped (exit {p.returncode}); stopping", file=sys.stderr)
                    return 1
            time.sleep(1)
    except KeyboardInterrupt:
        return 0
    finally:
        stop(rasa, actions)


if __name__ == "__main__":
    sys.exit(main())
