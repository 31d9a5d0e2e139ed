"""Run it like a service: real PostgreSQL, Redis, one action server and two Rasa replicas on loopback.

The replicas use deploy/endpoints.production.yml unchanged, configured only by environment
variables, exactly as in deploy/. Everything is started once per session; a test that stops a part
starts it again before it ends, so later tests find the cluster whole.
"""

from __future__ import annotations

from typing import Iterator

import pytest

from tests.service.infra import (PRODUCTION_ENDPOINTS, Cluster, Postgres, Redis, credentials_file,  # noqa: F401
                                 get_json, require_servers)


def pytest_configure(config):
    config.addinivalue_line("markers", "service: starts PostgreSQL, Redis and several Rasa servers (slow)")


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/service/" in str(item.fspath):
            item.add_marker(pytest.mark.service)


@pytest.fixture(scope="session")
def postgres() -> Iterator[Postgres]:
    require_servers()
    server = Postgres()
    try:
        yield server
    finally:
        server.destroy()


@pytest.fixture(scope="session")
def redis() -> Iterator[Redis]:
    require_servers()
    server = Redis()
    try:
        yield server
    finally:
        server.destroy()


@pytest.fixture(scope="session")
def cluster(postgres, redis) -> Iterator[Cluster]:
    cluster = Cluster(postgres, redis)
    try:
        cluster.start()
        yield cluster
    finally:
        cluster.stop()


def answer(reply: list[dict]) -> dict:
    """The answer payload of a one-message reply."""
    assert len(reply) == 1, reply
    return reply[0]["custom"]["answer"]
