"""The controllers' work queue: collapse repeats, delay, back off failures."""

from kube_actors.components.workqueue import MAX_DELAY, WorkQueue


def test_a_key_added_twice_is_reconciled_once_in_arrival_order() -> None:
    queue = WorkQueue()
    for key in ["a", "b", "a", "c"]:
        queue.add(key)
    assert [queue.pop(0.0) for _ in range(4)] == ["a", "b", "c", None]


def test_delayed_keys_become_due_in_time_order() -> None:
    queue = WorkQueue()
    queue.add_after("late", 5.0, now=100.0)
    queue.add_after("soon", 1.0, now=100.0)
    assert queue.pop(100.5) is None and queue.next_due() == 101.0
    assert queue.pop(101.0) == "soon"
    assert queue.pop(104.0) is None
    assert queue.pop(105.0) == "late" and queue.next_due() is None


def test_failures_back_off_exponentially_until_forgotten() -> None:
    queue = WorkQueue()
    delays = [queue.retry("k", now=0.0) for _ in range(4)]
    assert delays == [0.005, 0.01, 0.02, 0.04]
    assert [queue.retry("k", now=0.0) for _ in range(30)][-1] == MAX_DELAY
    queue.forget("k")
    assert queue.retry("k", now=0.0) == 0.005


def test_a_key_waiting_twice_comes_once_at_the_earlier_time() -> None:
    queue = WorkQueue()
    queue.add_after("k", 10.0, now=0.0)
    queue.add_after("k", 2.0, now=0.0)
    queue.add_after("k", 30.0, now=0.0)
    assert queue.next_due() == 2.0
    assert queue.pop(2.0) == "k" and queue.pop(100.0) is None and queue.next_due() is None
