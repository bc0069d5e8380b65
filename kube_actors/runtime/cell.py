"""Why: the machinery around one actor: its task, mailbox, children and supervision.

A cell outlives the actor instances it runs: when an instance fails handling a ``tell``, the
cell keeps the mailbox, asks ``RestartBudget`` what to do, waits out the backoff on the
system's clock and starts a fresh instance from the factory. When the budget runs out the
failure escalates to the parent cell (or the system) and the cell stops.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, Protocol

from kube_actors.runtime.actor import Actor, Deferred
from kube_actors.runtime.clock import settle
from kube_actors.runtime.codec import roundtrip
from kube_actors.runtime.eager import Carried, start_eagerly
from kube_actors.runtime.errors import ActorDeadError, BadRequestError, CodecError, EscalatedFailure
from kube_actors.runtime.mailbox import Mailbox
from kube_actors.runtime.ref import ActorRef
from kube_actors.runtime.supervision import Escalate, RestartBudget, SupervisorStrategy

if TYPE_CHECKING:
    from structlog.typing import FilteringBoundLogger

    from kube_actors.runtime.system import ActorSystem


class Reply(Protocol):
    """Where an ask's answer goes: a local future, or an envelope back over a link."""

    def done(self) -> bool: ...

    def set_result(self, result: Any, /) -> None: ...

    def set_exception(self, exception: BaseException, /) -> None: ...


class _Stop:
    """Queued behind the messages already in the mailbox, so they are handled first."""


class _ChildEscalated:
    __slots__ = ("child", "error")

    def __init__(self, child: ActorRef, error: EscalatedFailure) -> None:
        self.child = child
        self.error = error


class _DeferredFailed:
    """Deferred work for a tell failed: the actor fails, in its own task."""

    __slots__ = ("error",)

    def __init__(self, error: BaseException) -> None:
        self.error = error


_STOP = _Stop()


class ActorCell:
    def __init__(
        self,
        system: ActorSystem,
        path: str,
        factory: Callable[[], Actor],
        strategy: SupervisorStrategy | None,
        parent: ActorCell | None,
    ) -> None:
        self.system = system
        self.path = path
        self.ref = system.ref_for_path(path)
        self.log: FilteringBoundLogger = system.log.bind(actor=path)
        self.parent = parent
        self.children: dict[str, ActorCell] = {}
        self.mailbox = Mailbox()
        self.accepting = True
        self.actor: Actor | None = None
        self._factory = factory
        self._strategy = strategy
        self._budget: RestartBudget | None = None
        self._backoff: asyncio.Future[None] | None = None
        self._deferred: set[asyncio.Future[Any]] = set()
        loop = asyncio.get_running_loop()
        self.finished: asyncio.Future[None] = loop.create_future()
        self.task = loop.create_task(self._run(), name=f"actor {path}")

    # Called by senders.

    def enqueue(self, message: Any, reply: Reply | None) -> None:
        if self.accepting:
            self.mailbox.put((message, reply))
        else:
            self.system.reject(self.ref.address, message, reply)

    def request_stop(self) -> asyncio.Future[None]:
        """Stop after the messages already queued; the future completes when fully stopped."""
        if self.accepting:
            self.accepting = False
            self.mailbox.put(_STOP)
            if self._backoff is not None and not self._backoff.done():
                self._backoff.set_result(None)
        return self.finished

    def spawn_child(
        self, factory: Callable[[], Actor], name: str, strategy: SupervisorStrategy | None
    ) -> ActorRef:
        if not self.accepting:
            raise ActorDeadError(f"actor {self.path} is stopping and cannot spawn children")
        return self.system.spawn(factory, f"{self.path}/{name}", strategy=strategy, parent=self)

    # The actor's task.

    async def _run(self) -> None:
        try:
            if await self._start_instance() and await self._process():
                await self._settle_deferred(cancel=False)
                await self._stop_children()
                await self._call_hook("on_stop")
        finally:
            self._close()

    async def _process(self) -> bool:
        """Handle messages until stopped (True) or escalated (False)."""
        items = self.mailbox.items
        while True:
            if not items:
                await self.mailbox.wait()
            item = items.popleft()
            if item is _STOP:
                return True
            message, reply = item
            actor = self.actor
            assert actor is not None
            try:
                if type(message) is _ChildEscalated:
                    self.children.pop(_name_of(message.child.address.path), None)
                    await actor.on_child_escalated(message.child, message.error)
                    continue
                if type(message) is _DeferredFailed:
                    raise message.error
                result = await actor.receive(message)
            except Exception as exc:
                if not self._refuse(message, reply, exc) and not await self._recover(exc):
                    return False
                continue
            if type(result) is Deferred:
                self._defer(result, message, reply)
            elif reply is not None:
                self._answer(reply, result)

    def _answer(self, reply: Reply, result: Any) -> None:
        if reply.done():
            return
        if self.system.strict:
            try:
                result = roundtrip(result)
            except CodecError as exc:
                reply.set_exception(exc)
                return
        reply.set_result(result)

    def _refuse(self, message: Any, reply: Reply | None, error: Exception) -> bool:
        """Send a handler's error back to its asker, or log a bad tell; False if the actor
        itself failed (a tell whose handling raised) and must be supervised."""
        if reply is not None:
            if not reply.done():
                reply.set_exception(error)
            return True
        if isinstance(error, BadRequestError):
            self.log.warning("bad_request_ignored", message=type(message).__name__, error=str(error))
            return True
        return False

    def _defer(self, deferred: Deferred, message: Any, reply: Reply | None) -> None:
        work = start_eagerly(deferred.work)
        if work.done():
            self._deferred_done(work, message, reply)
            return
        assert isinstance(work, Carried)  # what start_eagerly gives for work still waiting
        self._deferred.add(work)
        work.then(lambda done: self._deferred_done(done, message, reply))

    def _deferred_done(self, task: asyncio.Future[Any], message: Any, reply: Reply | None) -> None:
        self._deferred.discard(task)
        if task.cancelled():
            if reply is not None and not reply.done():
                reply.set_exception(ActorDeadError(f"actor {self.path} stopped before answering"))
            return
        error = task.exception()
        if error is None:
            if reply is not None:
                self._answer(reply, task.result())
        elif not isinstance(error, Exception) or not self._refuse(message, reply, error):
            # A failed tell fails the actor, in its own task, like any other.
            self.mailbox.put((_DeferredFailed(error), None))

    async def _settle_deferred(self, *, cancel: bool) -> None:
        """Let in-flight deferred work finish (on stop) or cancel it (on failure)."""
        if self._deferred:
            tasks = list(self._deferred)
            if cancel:
                for task in tasks:
                    task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

    async def _start_instance(self) -> bool:
        """Make a fresh instance and run ``on_start``; on failure, supervise. True if running."""
        actor = self._factory()
        actor._cell = self
        self.actor = actor
        try:
            await actor.on_start()
        except Exception as exc:
            return await self._recover(exc)
        return True

    async def _recover(self, error: Exception) -> bool:
        """Supervise a failure: restart after backoff (True) or escalate (False)."""
        self.log.error("actor_failed", error=repr(error), exc_info=error)
        await self._settle_deferred(cancel=True)
        await self._call_hook("on_failure", error)
        if self._budget is None:
            assert self.actor is not None  # set by _start_instance before anything can fail
            strategy = self._strategy or type(self.actor).supervisor_strategy
            self._budget = RestartBudget(strategy)
        decision = self._budget.record_failure(self.system.clock.now())
        if isinstance(decision, Escalate):
            self._escalate(error, decision.failures)
            return False
        self.log.warning(
            "actor_restarting", cause=repr(error), attempt=decision.attempt, delay=decision.delay
        )
        await self._stop_children()
        self._backoff = asyncio.get_running_loop().create_future()
        timer = self.system.clock.call_later(decision.delay, settle, self._backoff)
        try:
            await self._backoff
        finally:
            timer.cancel()
            self._backoff = None
        if not self.accepting:
            return False
        return await self._start_instance()

    def _escalate(self, error: Exception, failures: int) -> None:
        escalated = EscalatedFailure(self.path, error)
        self.log.error("actor_escalated", cause=repr(error), failures=failures)
        self.accepting = False
        if self.parent is not None and self.parent.accepting:
            self.parent.mailbox.put((_ChildEscalated(self.ref, escalated), None))
        elif self.parent is None:
            self.system.escalated(escalated)

    async def _call_hook(self, name: str, *args: Any) -> None:
        """Run a lifecycle hook; its own failure is logged, never fatal to the cell."""
        hook: Callable[..., Awaitable[None]] = getattr(self.actor, name)
        try:
            await hook(*args)
        except Exception as exc:
            self.log.error("actor_hook_failed", hook=name, error=repr(exc), exc_info=exc)

    async def _stop_children(self) -> None:
        if self.children:
            await asyncio.gather(*(c.request_stop() for c in list(self.children.values())))

    def _close(self) -> None:
        """Final bookkeeping, also on cancellation: nothing here awaits."""
        self.accepting = False
        for task in self._deferred:
            task.cancel()
        for child in list(self.children.values()):
            child.task.cancel()
        while self.mailbox.items:
            item = self.mailbox.items.popleft()
            if item is not _STOP:
                self.system.reject(self.ref.address, *item)
        self.system.forget(self)
        if self.parent is not None:
            self.parent.children.pop(_name_of(self.path), None)
        if not self.finished.done():
            self.finished.set_result(None)


def _name_of(path: str) -> str:
    return path.rsplit("/", 1)[-1]
