"""Synthetic usage events for `make bench` (the time of `bot insights` over 100,000 turns) and for the
README's screenshot of the report. Never mixed with real data: it writes to a database of its own.

    python scripts/insights_data.py --events 100000 --db /tmp/insights-bench.db [--days 90] [--seed 7]

Then: `COACH_CONVERSATIONS_DB=/tmp/insights-bench.db bot insights --since all --out report.html`.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path
from typing import Iterator, Optional

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.insights.events import FUNNEL, HELPFUL, NOT_HELPFUL, CORRECTED, UsageEvent  # noqa: E402

CHANNELS = (("rest", 2), ("socketio", 6), ("teams", 3), ("slack", 1))


def _knowledge() -> tuple[list[tuple[str, str, str]], list[str]]:
    """(challenge, enabler, theme) pairs as the knowledge links them, and every answerable item id."""
    from bot.config import load_settings
    from bot.knowledge import load_knowledge
    from bot.knowledge.model import Kind

    knowledge = load_knowledge(load_settings().knowledge_dir)
    pairs = [(c.id, e, c.theme or "") for c in knowledge.of_kind(Kind.CHALLENGE) for e in c.enablers]
    items = [i.id for i in knowledge.of_kind(Kind.CHALLENGE, Kind.ENABLER, Kind.FACT)]
    return pairs, items


def synthetic_events(n: int, days: float = 90, seed: int = 7, now: Optional[float] = None) -> Iterator[UsageEvent]:
    """`n` turns spread over `days`, in a plausible mix: mostly answers, some declines and clarifications,
    feedback on a fifth of answers, coaching runs that thin out step by step, health checks."""
    rng = random.Random(seed)
    pairs, items = _knowledge()
    weights = [1 / (1 + i) for i in range(len(pairs))]  # a few challenges dominate, as real traffic would
    channels, channel_weights = zip(*CHANNELS)
    end = int((now or time.time()) // 3600 * 3600)
    for i in range(n):
        hour = end - 3600 * int(rng.random() ** 1.3 * days * 24)
        conversation = f"{rng.randrange(max(1, n // 6)):016x}"
        channel = rng.choices(channels, channel_weights)[0]
        roll = rng.random()
        base = dict(hour=hour, channel=channel, conversation=conversation)
        challenge, enabler, theme = rng.choices(pairs, weights)[0]
        if roll < 0.55:
            yield UsageEvent(status="answered", status_detail="answered", challenge=challenge, enabler=enabler,
                             theme=theme, **base)
        elif roll < 0.63:
            yield UsageEvent(status="declined", status_detail="unanswerable_out_of_scope", **base)
        elif roll < 0.68:
            yield UsageEvent(status="clarification", status_detail="clarification", **base)
        elif roll < 0.71:
            yield UsageEvent(status="answered", status_detail="answered", choice=rng.choice(items), **base)
        elif roll < 0.82:
            feedback = rng.choices((HELPFUL, NOT_HELPFUL, CORRECTED), (7, 2, 1))[0]
            yield UsageEvent(status="other", status_detail=None, feedback=feedback, rated_enabler=enabler, **base)
        elif roll < 0.92:
            reached = min(3, int(rng.expovariate(0.9)))
            yield UsageEvent(status="coaching", status_detail="coaching_recommendation",
                             coaching_step=FUNNEL[reached], challenge=challenge if reached else None, **base)
        elif roll < 0.95:
            scores = {f"health_{t}": rng.choice((1, 1.5, 2, 2.5, 3, 3.5, 4, 4.5, 5))
                      for t in ("motivations", "structures", "relationships")}
            yield UsageEvent(status="coaching", status_detail="health_check_result", **base, **scores)
        else:
            yield UsageEvent(status="other", status_detail=None, **base)


def write_db(path: Path, n: int, days: float = 90, seed: int = 7) -> float:
    """Write `n` synthetic events into a fresh SQLite file; the seconds it took."""
    import sqlalchemy as sa

    from bot.insights import store

    path.unlink(missing_ok=True)
    started = time.perf_counter()
    engine = sa.create_engine(f"sqlite:///{path}")
    store.ensure_tables(engine)
    batch: list[UsageEvent] = []
    with engine.begin() as connection:
        for event in synthetic_events(n, days, seed):
            batch.append(event)
            if len(batch) == 10000:
                store.write(connection, batch, [])
                batch = []
        store.write(connection, batch, [])
    engine.dispose()
    return time.perf_counter() - started


def main(argv: Optional[list[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--db", required=True)
    parser.add_argument("--days", type=float, default=90)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    seconds = write_db(Path(args.db), args.events, args.days, args.seed)
    print(f"{args.events} synthetic usage events written to {args.db} in {seconds:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
