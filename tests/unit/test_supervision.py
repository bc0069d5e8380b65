import pytest

from kube_actors.runtime.supervision import Escalate, Restart, RestartBudget, SupervisorStrategy


@pytest.mark.parametrize(
    ("strategy", "failure_times", "decisions"),
    [
        # Backoff doubles with each failure in the window and is capped.
        (
            SupervisorStrategy(max_restarts=5, window=100, min_backoff=0.5, max_backoff=2),
            [0, 1, 2, 3],
            [Restart(0.5, 1), Restart(1.0, 2), Restart(2, 3), Restart(2, 4)],
        ),
        # One failure past the limit within the window escalates.
        (
            SupervisorStrategy(max_restarts=1, window=10, min_backoff=1),
            [0, 5],
            [Restart(1, 1), Escalate(2)],
        ),
        # Failures spread wider than the window never escalate.
        (
            SupervisorStrategy(max_restarts=1, window=10, min_backoff=1),
            [0, 11, 22, 33],
            [Restart(1, 1)] * 4,
        ),
        # max_restarts=0: the first failure escalates.
        (SupervisorStrategy(max_restarts=0), [0], [Escalate(1)]),
    ],
)
def test_restart_budget_decisions(
    strategy: SupervisorStrategy, failure_times: list[float], decisions: list[object]
) -> None:
    budget = RestartBudget(strategy)
    assert [budget.record_failure(t) for t in failure_times] == decisions


def test_budget_starts_afresh_after_escalating() -> None:
    budget = RestartBudget(SupervisorStrategy(max_restarts=1, window=10, min_backoff=1))
    budget.record_failure(0)
    assert budget.record_failure(1) == Escalate(2)
    assert budget.record_failure(2) == Restart(1, 1)


@pytest.mark.parametrize(
    "kwargs", [{"max_restarts": -1}, {"window": 0}, {"min_backoff": 2, "max_backoff": 1}]
)
def test_nonsense_strategies_are_refused(kwargs: dict[str, float]) -> None:
    with pytest.raises(ValueError, match=r"must|need"):
        SupervisorStrategy(**kwargs)  # type: ignore[arg-type]
