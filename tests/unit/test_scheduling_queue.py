"""The scheduler's queue: who is tried next, and when a pod that did not fit comes back."""

from kube_actors.components.scheduler.queue import MAX_UNSCHEDULABLE_WAIT, SchedulingQueue


def test_higher_priority_first_then_oldest_and_each_pod_once() -> None:
    queue = SchedulingQueue()
    queue.add("default/late", created=30.0)
    queue.add("default/early", created=10.0)
    queue.add("default/urgent", priority=1000, created=50.0)
    queue.add("default/early", created=10.0)  # an update of a queued pod
    assert queue.pop(now=0.0, limit=10) == ["default/urgent", "default/early", "default/late"]
    assert queue.pop(now=0.0, limit=10) == []


def test_removed_pods_are_not_tried() -> None:
    queue = SchedulingQueue()
    for name in ["a", "b", "c"]:
        queue.add(name)
    queue.remove("b")
    assert queue.pop(now=0.0, limit=2) == ["a", "c"] and len(queue) == 0


def test_errors_back_off_exponentially_up_to_ten_seconds() -> None:
    queue = SchedulingQueue()
    queue.add("p")
    delays = []
    now = 0.0
    for _ in range(6):
        assert queue.pop(now, 1) == ["p"]
        delays.append(queue.failed("p", now, unschedulable=False))
        assert queue.pop(now + delays[-1] - 0.01, 1) == []
        assert queue.next_due() == now + delays[-1]
        now += delays[-1]
    assert delays == [1.0, 2.0, 4.0, 8.0, 10.0, 10.0]


def test_unschedulable_pods_wait_for_a_cluster_change_or_five_minutes() -> None:
    queue = SchedulingQueue()
    queue.add("stuck")
    queue.add("also-stuck")
    assert queue.pop(0.0, 10) == ["stuck", "also-stuck"]
    queue.failed("stuck", 0.0, unschedulable=True)
    queue.failed("also-stuck", 0.0, unschedulable=True)
    assert queue.pop(100.0, 10) == [] and queue.next_due() == MAX_UNSCHEDULABLE_WAIT
    queue.cluster_changed(now=100.0)  # a node joined: try again after the backoff
    assert queue.pop(100.5, 10) == [] and sorted(queue.pop(101.0, 10)) == ["also-stuck", "stuck"]
    queue.failed("stuck", 101.0, unschedulable=True)
    assert queue.pop(101.0 + MAX_UNSCHEDULABLE_WAIT, 10) == ["stuck"]
