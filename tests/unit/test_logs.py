"""Log output is chosen by the CLI: console lines for people, JSON lines for machines."""

from __future__ import annotations

import io
import json

import pytest
import structlog

from kube_actors.runtime.logs import configure_logging


@pytest.fixture(autouse=True)
def restore_structlog() -> object:
    saved = structlog.get_config()
    yield
    structlog.configure(**saved)


def test_json_lines_carry_the_bound_identity() -> None:
    out = io.StringIO()
    configure_logging("json", "info", stream=out)
    log = structlog.get_logger("x").bind(host="cp-1", actor="apiserver/0")
    log.info("link_up", peer="workers-a")
    log.debug("too_chatty")
    (line,) = out.getvalue().splitlines()
    record = json.loads(line)
    assert record["event"] == "link_up" and record["level"] == "info"
    assert (record["host"], record["actor"], record["peer"]) == ("cp-1", "apiserver/0", "workers-a")
    assert "timestamp" in record


def test_console_lines_are_for_people() -> None:
    out = io.StringIO()
    configure_logging("console", "warning", stream=out)
    structlog.get_logger("x").bind(host="cp-1").warning("actor_restarting", attempt=2)
    structlog.get_logger("x").info("hidden")
    text = out.getvalue()
    assert "actor_restarting" in text and "attempt=2" in text and "hidden" not in text


def test_an_unknown_level_is_named() -> None:
    with pytest.raises(ValueError, match="unknown log level 'loud'"):
        configure_logging("json", "loud")
