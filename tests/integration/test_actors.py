"""Actors in one system: ask/tell semantics, supervision, stopping and shutdown."""

from __future__ import annotations

import asyncio
import tracemalloc
from typing import Any

import pytest

from kube_actors.runtime import (
    Actor,
    ActorDeadError,
    ActorRef,
    ActorSystem,
    AskTimeoutError,
    BadRequestError,
    CodecError,
    EscalatedFailure,
    SupervisorStrategy,
    VirtualClock,
    defer,
    message,
)
from tests.waiting import eventually


@message("test.actors.Add")
class Add:
    amount: int


@message("test.actors.Total")
class Total:
    pass


@message("test.actors.Fail")
class Fail:
    reason: str


@message("test.actors.Slow")
class Slow:
    seconds: float


class Counter(Actor):
    """Adds numbers; fails on request; remembers its lifecycle in a shared journal."""

    def __init__(self, journal: list[str] | None = None) -> None:
        self.total = 0
        self.journal = journal if journal is not None else []

    async def on_start(self) -> None:
        self.journal.append("start")

    async def on_stop(self) -> None:
        self.journal.append(f"stop at {self.total}")

    async def on_failure(self, error: BaseException) -> None:
        self.journal.append(f"failure {error}")

    async def receive(self, message: Any) -> Any:
        if isinstance(message, Add):
            self.total += message.amount
            return self.total
        if isinstance(message, Total):
            return self.total
        if isinstance(message, Fail):
            raise RuntimeError(message.reason)
        if isinstance(message, Slow):
            await asyncio.sleep(message.seconds)
            return None
        raise TypeError(f"unexpected {message!r}")


async def test_tells_are_handled_in_order_and_asks_answered() -> None:
    async with ActorSystem("h1") as system:
        counter = system.spawn(Counter, "counter")
        for i in range(1, 101):
            counter.tell(Add(i))
        assert await counter.ask(Total()) == 5050
        assert await counter.ask(Add(1)) == 5051


async def test_an_ask_failure_goes_to_the_asker_and_the_actor_lives_on() -> None:
    journal: list[str] = []
    async with ActorSystem("h1") as system:
        counter = system.spawn(lambda: Counter(journal), "counter")
        await counter.ask(Add(5))
        with pytest.raises(RuntimeError, match="bad request"):
            await counter.ask(Fail("bad request"))
        assert await counter.ask(Total()) == 5
    assert journal == ["start", "stop at 5"]


async def test_a_failed_tell_runs_on_failure_and_restarts_after_backoff(
    virtual_clock: VirtualClock, logs: list[dict[str, Any]]
) -> None:
    journal: list[str] = []
    strategy = SupervisorStrategy(max_restarts=5, window=60, min_backoff=2, max_backoff=60)
    async with ActorSystem("h1", clock=virtual_clock) as system:
        counter = system.spawn(lambda: Counter(journal), "counter", strategy=strategy)
        await counter.ask(Add(5))
        started = virtual_clock.now()
        counter.tell(Fail("disk on fire"))
        counter.tell(Add(1))  # queued behind the failure; handled by the fresh instance
        assert await counter.ask(Total()) == 1
        assert virtual_clock.now() - started == 2  # the backoff, on the injected clock
    assert journal == ["start", "failure disk on fire", "start", "stop at 1"]
    restarts = [e for e in logs if e["event"] == "actor_restarting"]
    assert restarts == [
        {
            "event": "actor_restarting",
            "log_level": "warning",
            "host": "h1",
            "actor": "counter",
            "cause": "RuntimeError('disk on fire')",
            "attempt": 1,
            "delay": 2,
        }
    ]


async def test_backoff_grows_exponentially(virtual_clock: VirtualClock) -> None:
    strategy = SupervisorStrategy(max_restarts=10, window=1000, min_backoff=1, max_backoff=100)
    async with ActorSystem("h1", clock=virtual_clock) as system:
        counter = system.spawn(Counter, "counter", strategy=strategy)
        await counter.ask(Total())
        started = virtual_clock.now()
        for _ in range(4):
            counter.tell(Fail("again"))
        await counter.ask(Total())
        assert virtual_clock.now() - started == 1 + 2 + 4 + 8


async def test_too_many_failures_escalate_to_the_system(virtual_clock: VirtualClock) -> None:
    escalated: list[EscalatedFailure] = []
    strategy = SupervisorStrategy(max_restarts=2, window=60, min_backoff=1)
    async with ActorSystem("h1", clock=virtual_clock, on_escalation=escalated.append) as system:
        counter = system.spawn(Counter, "counter", strategy=strategy)
        for _ in range(3):
            counter.tell(Fail("always"))
        pending = asyncio.ensure_future(counter.ask(Total()))
        with pytest.raises(ActorDeadError):
            await pending
        assert not system.is_alive(counter)
        assert [e.path for e in escalated] == ["counter"]
        assert system.escalations == escalated
        assert "always" in str(escalated[0].cause)


class Parent(Actor):
    supervisor_strategy = SupervisorStrategy(max_restarts=1, window=60, min_backoff=1)

    def __init__(self, events: list[str]) -> None:
        self.events = events
        self.child: ActorRef | None = None

    async def on_start(self) -> None:
        self.events.append("parent start")
        self.child = self.spawn(Counter, "child", strategy=SupervisorStrategy(max_restarts=0, window=60))

    async def on_child_escalated(self, child: ActorRef, error: EscalatedFailure) -> None:
        self.events.append(f"child {child.address.path} escalated")
        await super().on_child_escalated(child, error)

    async def receive(self, message: Any) -> Any:
        assert self.child is not None
        return await self.child.ask(message)


async def test_a_child_escalation_fails_the_parent_which_restarts_its_children(
    virtual_clock: VirtualClock,
) -> None:
    events: list[str] = []
    async with ActorSystem("h1", clock=virtual_clock) as system:
        parent = system.spawn(lambda: Parent(events), "parent")
        assert await parent.ask(Add(3)) == 3
        child = system.ref("ka://h1/parent/child")
        child.tell(Fail("child broke"))
        await asyncio.sleep(0)
        # The parent restarts (after its 1 s backoff) and spawns a fresh child.
        await eventually(lambda: events.count("parent start") == 2)
        assert await parent.ask(Add(4)) == 4
    assert events == ["parent start", "child parent/child escalated", "parent start"]


async def test_an_ask_times_out_on_the_systems_clock(virtual_clock: VirtualClock) -> None:
    async with ActorSystem("h1", clock=virtual_clock) as system:
        blocked = system.spawn(Counter, "blocked")
        gate = asyncio.Event()

        class Waiter(Actor):
            async def receive(self, message: Any) -> Any:
                await gate.wait()

        waiter = system.spawn(Waiter, "waiter")
        started = virtual_clock.now()
        with pytest.raises(AskTimeoutError, match="no reply from ka://h1/waiter within 90"):
            await waiter.ask(Total(), timeout=90)
        assert virtual_clock.now() - started == 90
        gate.set()
        assert await blocked.ask(Total()) == 0


async def test_stop_drains_the_mailbox_first() -> None:
    journal: list[str] = []
    async with ActorSystem("h1") as system:
        counter = system.spawn(lambda: Counter(journal), "counter")
        for _ in range(10):
            counter.tell(Add(1))
        await system.stop(counter)
        assert journal == ["start", "stop at 10"]
        with pytest.raises(ActorDeadError, match="no running actor at ka://h1/counter"):
            await counter.ask(Total())
        # The path is free again.
        again = system.spawn(Counter, "counter")
        assert await again.ask(Total()) == 0


async def test_shutdown_stops_children_first_then_fails_what_is_left() -> None:
    order: list[str] = []

    class Node(Actor):
        def __init__(self, name: str, children: int) -> None:
            self.name, self.children = name, children

        async def on_start(self) -> None:
            for i in range(self.children):
                self.spawn(lambda i=i: Node(f"{self.name}/{i}", 0), str(i))

        async def on_stop(self) -> None:
            order.append(self.name)

        async def receive(self, message: Any) -> Any:
            await asyncio.sleep(3600)  # a handler that never finishes

    system = ActorSystem("h1")
    system.spawn(lambda: Node("root", 2), "root")
    stuck = system.spawn(lambda: Node("stuck", 0), "stuck")
    stuck.tell(Total())
    pending = asyncio.ensure_future(stuck.ask(Total(), timeout=60))
    await asyncio.sleep(0.01)
    await system.shutdown(timeout=0.2)
    assert sorted(order[:2]) == ["root/0", "root/1"] and order[2] == "root"
    assert "stuck" not in order  # cancelled, not stopped cleanly
    with pytest.raises(ActorDeadError):
        await pending
    with pytest.raises(ActorDeadError, match="shut down"):
        system.spawn(Counter, "late")


async def test_strict_mode_refuses_messages_that_could_not_cross_hosts() -> None:
    async with ActorSystem("h1", strict=True) as system:
        counter = system.spawn(Counter, "counter")
        with pytest.raises(CodecError, match="not a registered message"):
            counter.tell(object())

        class Leaky(Actor):
            async def receive(self, message: Any) -> Any:
                return object()

        leaky = system.spawn(Leaky, "leaky")
        with pytest.raises(CodecError):
            await leaky.ask(Total())


async def test_strict_mode_gives_the_receiver_a_copy() -> None:
    @message("test.actors.Box")
    class Box:
        items: list[int]

    seen: list[Box] = []

    class Keeper(Actor):
        async def receive(self, message: Any) -> Any:
            seen.append(message)

    async with ActorSystem("h1", strict=True) as system:
        box = Box([1])
        keeper = system.spawn(Keeper, "keeper")
        await keeper.ask(box)
        box.items.append(2)
        assert seen[0].items == [1]


async def test_five_thousand_actors_each_answer_and_cost_little_memory() -> None:
    # Their start-up rate is measured by the messaging benchmark (actor_start).
    tracemalloc.start()
    try:
        async with ActorSystem("h1", strict=False) as system:
            before = tracemalloc.get_traced_memory()[0]
            refs = [system.spawn(Counter, f"kubelet/node-{i:04d}") for i in range(5000)]
            totals = await asyncio.gather(*(ref.ask(Add(i)) for i, ref in enumerate(refs)))
            per_actor = (tracemalloc.get_traced_memory()[0] - before) / 5000
    finally:
        tracemalloc.stop()
    assert totals == list(range(5000))
    assert per_actor < 8 * 1024, f"{per_actor:.0f} bytes per actor"


async def test_spawn_checks_its_path() -> None:
    async with ActorSystem("h1") as system:
        system.spawn(Counter, "a")
        with pytest.raises(ValueError, match="already runs at ka://h1/a"):
            system.spawn(Counter, "a")
        with pytest.raises(ValueError, match="invalid actor path"):
            system.spawn(Counter, "a//b")


async def test_bad_input_from_a_sender_never_kills_the_receiver(logs: list[dict[str, Any]]) -> None:
    class Strict(Actor):
        def __init__(self) -> None:
            self.handled = 0

        async def on_start(self) -> None:
            logs.append({"event": "strict_started"})

        async def receive(self, message: Any) -> Any:
            if not isinstance(message, Add):
                raise BadRequestError(f"cannot handle {type(message).__name__}")
            self.handled += message.amount
            return self.handled

    async with ActorSystem("h1") as system:
        strict = system.spawn(Strict, "strict")
        strict.tell(Total())  # a bad tell: logged, ignored
        with pytest.raises(BadRequestError, match="cannot handle Total"):
            await strict.ask(Total())
        assert await strict.ask(Add(2)) == 2  # same instance: nothing was restarted
    assert [e["event"] for e in logs].count("strict_started") == 1
    ignored = [e for e in logs if e["event"] == "bad_request_ignored"]
    assert len(ignored) == 1 and ignored[0]["error"] == "cannot handle Total"


class Committer(Actor):
    """Answers through deferred work that waits for a shared gate, like a group commit."""

    def __init__(self, gate: asyncio.Event, journal: list[str]) -> None:
        self.gate = gate
        self.journal = journal

    async def on_start(self) -> None:
        self.journal.append("start")

    async def on_stop(self) -> None:
        self.journal.append("stop")

    async def receive(self, message: Any) -> Any:
        if isinstance(message, Total):
            return "inline"
        return defer(self._commit(message))

    async def _commit(self, message: Any) -> Any:
        await self.gate.wait()
        if isinstance(message, Fail):
            raise RuntimeError(message.reason)
        self.journal.append(f"committed {message.amount}")
        return message.amount


async def test_deferred_answers_let_the_actor_take_its_next_message() -> None:
    gate, journal = asyncio.Event(), []
    async with ActorSystem("h1") as system:
        committer = system.spawn(lambda: Committer(gate, journal), "committer")
        pending = [asyncio.ensure_future(committer.ask(Add(n))) for n in range(3)]
        assert await committer.ask(Total()) == "inline"  # answered while three are in flight
        assert not any(p.done() for p in pending)
        gate.set()
        assert await asyncio.gather(*pending) == [0, 1, 2]
        with pytest.raises(RuntimeError, match="nope"):
            await committer.ask(Fail("nope"))  # a deferred failure goes to the asker
        assert await committer.ask(Total()) == "inline"
    assert journal == ["start", "committed 0", "committed 1", "committed 2", "stop"]


async def test_a_failed_deferred_tell_fails_the_actor(virtual_clock: VirtualClock) -> None:
    gate, journal = asyncio.Event(), []
    gate.set()
    async with ActorSystem("h1", clock=virtual_clock) as system:
        committer = system.spawn(lambda: Committer(gate, journal), "committer")
        committer.tell(Fail("disk full"))
        await eventually(lambda: journal.count("start") == 2)
    assert journal == ["start", "start", "stop"]


async def test_stopping_waits_for_deferred_work_in_flight() -> None:
    gate, journal = asyncio.Event(), []
    system = ActorSystem("h1")
    committer = system.spawn(lambda: Committer(gate, journal), "committer")
    answer = asyncio.ensure_future(committer.ask(Add(7)))
    await asyncio.sleep(0.01)
    stopping = asyncio.ensure_future(system.stop(committer))
    await asyncio.sleep(0.01)
    assert not stopping.done()
    gate.set()
    await stopping
    assert await answer == 7
    assert journal == ["start", "committed 7", "stop"]
    await system.shutdown()
