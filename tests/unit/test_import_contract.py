"""The folders show the layers (ADR 0004): the core under `bot/` knows no Rasa, Sanic or socket.io.

Everything that imports `rasa`, `rasa_sdk`, `sanic` or `socketio` lives in `bot/server/`, and nothing
outside `bot/server/` imports it. Every import counts, including ones inside functions, so a lazy
`import rasa` in the core fails here too.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

BOT = Path(__file__).resolve().parents[2] / "bot"
FORBIDDEN = ("rasa", "rasa_sdk", "sanic", "socketio", "bot.server")


def core_modules() -> list:
    return sorted(p for p in BOT.rglob("*.py") if "server" not in p.relative_to(BOT).parts)


def imported_names(path: Path) -> list:
    names = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            names += [(a.name, node.lineno) for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.append((node.module, node.lineno))
            # `from bot import server` names the server package too
            names += [(f"{node.module}.{a.name}", node.lineno) for a in node.names]
    return names


def breaks_contract(name: str) -> bool:
    return any(name == f or name.startswith(f + ".") for f in FORBIDDEN)


def test_the_core_is_most_of_the_package():
    # guards the test itself: if the walk found nothing it would pass vacuously
    assert len(core_modules()) > 40
    assert (BOT / "server" / "channels" / "rest.py").is_file()


@pytest.mark.parametrize("path", core_modules(), ids=lambda p: str(p.relative_to(BOT)))
def test_core_module_imports_no_server_side(path):
    bad = [f"line {line}: {name}" for name, line in imported_names(path) if breaks_contract(name)]
    assert not bad, f"{path.relative_to(BOT.parent)} imports the server side: {bad}"


def test_the_check_catches_a_lazy_rasa_import(tmp_path):
    module = tmp_path / "m.py"
    module.write_text("def f():\n    from rasa.core import agent\n    from bot import server\n", encoding="utf-8")
    flagged = {n for n, _ in imported_names(module) if breaks_contract(n)}
    assert {"rasa.core", "bot.server"} <= flagged
