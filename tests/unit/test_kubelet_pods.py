"""The kubelet's pod lifecycle core, fed events: phases, conditions, restarts and their
backoff, image pulls, init containers, graceful termination."""

from __future__ import annotations

import itertools

import pytest

from tests.unit.kubelet_driver import (
    DeletePod,
    KillSandbox,
    Node,
    PullImage,
    RemoveContainer,
    RunSandbox,
    StartContainer,
    StopContainer,
    WriteStatus,
    make_pod,
)


def test_a_pod_gets_a_sandbox_then_its_containers_and_reports_running() -> None:
    node, pod = Node(), make_pod(containers=("app", "sidecar"))
    actions = node.add(pod)
    kinds = [type(a).__name__ for a in actions if not isinstance(a, WriteStatus)]
    assert kinds == ["RunSandbox", "StartContainer", "StartContainer"]
    assert not any(isinstance(a, PullImage) for a in actions)  # the image is present
    status = node.status(pod)
    assert status["phase"] == "Running" and status["podIP"] == "10.244.0.2"
    assert status["hostIP"] == "192.168.0.2" and status["qosClass"] == "BestEffort"
    for kind in ("PodReadyToStartContainers", "Initialized", "ContainersReady", "Ready", "PodScheduled"):
        assert node.condition(pod, kind) == "True", kind
    app = node.container_status(pod, "app")
    assert app["ready"] and app["started"] and app["restartCount"] == 0
    assert app["containerID"].startswith("sim://") and app["imageID"] == "sha-nginx"


def test_status_is_written_only_when_it_changes_and_one_write_at_a_time() -> None:
    node, pod = Node(), make_pod()
    node.add(pod)
    writes = len(node.of_type(WriteStatus))
    node.advance(600)
    node.update(pod)
    assert len(node.of_type(WriteStatus)) == writes


def test_a_missing_image_is_pulled_before_the_container_starts() -> None:
    node, pod = Node(pulls_answer=False), make_pod(image="redis:7")
    node.add(pod)
    assert [type(a) for _, a in node.actions if not isinstance(a, WriteStatus)] == [RunSandbox, PullImage]
    assert node.state(pod, "app") == ("waiting", "ContainerCreating")
    assert not node.of_type(StartContainer)
    node.pulled(pod, "redis:7")
    assert node.state(pod, "app")[0] == "running"
    assert node.container_status(pod, "app")["imageID"] == "sha-redis:7"


def test_failed_pulls_back_off_10_20_40_seconds() -> None:
    node, pod = Node(missing_images={"nope:1"}), make_pod(image="nope:1")
    node.add(pod)
    assert node.state(pod, "app") == ("waiting", "ErrImagePull")
    node.advance(1)
    assert node.state(pod, "app") == ("waiting", "ImagePullBackOff")
    node.advance(200)
    pulls = [t for t, _ in node.of_type(PullImage)]
    assert pulls == [0, 10, 30, 70, 150]
    assert node.status(pod)["phase"] == "Pending"


@pytest.mark.parametrize(
    ("policy", "exit_code", "restarted", "phase"),
    [
        ("Always", 0, True, "Running"),
        ("Always", 1, True, "Running"),
        ("OnFailure", 0, False, "Succeeded"),
        ("OnFailure", 1, True, "Running"),
        ("Never", 0, False, "Succeeded"),
        ("Never", 1, False, "Failed"),
    ],
)
def test_restart_policy_decides_what_an_exit_leads_to(
    policy: str, exit_code: int, restarted: bool, phase: str
) -> None:
    node, pod = Node(), make_pod(policy=policy)
    node.add(pod)
    node.advance(5)
    node.exit(pod, "app", exit_code)
    assert len(node.of_type(StartContainer)) == (2 if restarted else 1)
    assert node.status(pod)["phase"] == phase
    last = node.container_status(pod, "app")["lastState" if restarted else "state"]["terminated"]
    assert last["exitCode"] == exit_code and last["reason"] == ("Completed" if exit_code == 0 else "Error")
    if not restarted:
        assert node.of_type(KillSandbox), "a finished pod gives its IP back"
        assert node.condition(pod, "Ready") == "False"


def test_crash_loop_restarts_wait_0_10_20_40_80_160_300_300_seconds() -> None:
    node, pod = Node(), make_pod()
    node.add(pod)
    for _ in range(8):
        node.exit(pod, "app", 1)
        node.advance(600 if len(node.of_type(StartContainer)) > 7 else 0)
        while len(node.running) == 0:
            node.advance(1)
    starts = [t for t, _ in node.of_type(StartContainer)]
    gaps = [round(b - a) for a, b in itertools.pairwise(starts)]
    assert gaps == [0, 10, 20, 40, 80, 160, 300, 300]
    assert node.container_status(pod, "app")["restartCount"] == 8


def test_crash_loop_back_off_is_reported_while_waiting() -> None:
    node, pod = Node(), make_pod()
    node.add(pod)
    node.exit(pod, "app", 2)  # restarted at once
    node.exit(pod, "app", 2)  # now it waits 10 s
    assert node.state(pod, "app") == ("waiting", "CrashLoopBackOff")
    message = node.container_status(pod, "app")["state"]["waiting"]["message"]
    assert message == "back-off 10s restarting failed container=app pod=web_default(uid-web)"
    assert node.status(pod)["phase"] == "Running"
    assert node.condition(pod, "Ready") == "False"
    node.advance(10)
    assert node.state(pod, "app")[0] == "running"


def test_backoff_starts_again_after_ten_quiet_minutes() -> None:
    node, pod = Node(), make_pod()
    node.add(pod)
    node.exit(pod, "app", 1)
    node.exit(pod, "app", 1)
    node.advance(10)  # restarted after 10 s; it now runs for 11 minutes
    node.advance(660)
    node.exit(pod, "app", 1)
    assert node.state(pod, "app")[0] == "running", "restarted at once, as the first time"


def test_dead_containers_are_collected_keeping_the_last_one_for_logs() -> None:
    node, pod = Node(), make_pod()
    node.add(pod)
    first = node.container_id(pod, "app")
    node.exit(pod, "app", 1)
    second = node.container_id(pod, "app")
    node.exit(pod, "app", 1)
    assert [a.container_id for _, a in node.of_type(RemoveContainer)] == [first]
    assert node.core.log_source("default", "web", "app", previous=True) == (second, False)


def test_init_containers_run_one_at_a_time_before_the_app() -> None:
    node, pod = Node(), make_pod(init=("migrate", "seed"))
    node.add(pod)
    assert [a.container.name for _, a in node.of_type(StartContainer)] == ["migrate"]
    assert node.state(pod, "app") == ("waiting", "PodInitializing")
    assert node.condition(pod, "Initialized") == "False"
    assert node.status(pod)["phase"] == "Pending"
    node.exit(pod, "migrate", 0)
    node.exit(pod, "seed", 0)
    assert [a.container.name for _, a in node.of_type(StartContainer)] == ["migrate", "seed", "app"]
    assert node.condition(pod, "Initialized") == "True"
    assert node.state(pod, "migrate") == ("terminated", "Completed")


@pytest.mark.parametrize(
    ("policy", "phase", "retried"), [("Never", "Failed", False), ("Always", "Pending", True)]
)
def test_a_failed_init_container(policy: str, phase: str, retried: bool) -> None:
    node, pod = Node(), make_pod(init=("migrate",), policy=policy)
    node.add(pod)
    node.exit(pod, "migrate", 3)
    node.advance(30)
    assert node.status(pod)["phase"] == phase
    assert (len(node.of_type(StartContainer)) > 1) == retried
    assert all(a.container.name == "migrate" for _, a in node.of_type(StartContainer))


def test_graceful_deletion_stops_containers_then_deletes_the_pod() -> None:
    node, pod = Node(stops_answer=False), make_pod(grace=45)
    node.add(pod)
    cid = node.container_id(pod, "app")
    deleting = {**pod, "metadata": {**pod["metadata"], "deletionTimestamp": "2026-01-01T00:00:00Z"}}
    deleting["metadata"]["deletionGracePeriodSeconds"] = 45
    node.update(deleting)
    assert [(a.container_id, a.grace_seconds) for _, a in node.of_type(StopContainer)] == [(cid, 45.0)]
    assert not node.of_type(DeletePod), "not while a container still runs"
    node.exit(deleting, "app", 0)
    assert node.status(pod)["phase"] == "Succeeded"
    assert node.of_type(KillSandbox) and node.of_type(DeletePod)
    node.remove(deleting)
    assert pod["metadata"]["uid"] not in node.core.workers


def test_a_forced_deletion_cuts_a_graceful_one_short() -> None:
    node, pod = Node(stops_answer=False), make_pod()
    node.add(pod)
    marked = {
        **pod,
        "metadata": {**pod["metadata"], "deletionTimestamp": "x", "deletionGracePeriodSeconds": 30},
    }
    node.update(marked)
    forced = {**marked, "metadata": {**marked["metadata"], "deletionGracePeriodSeconds": 0}}
    node.update(forced)
    assert [a.grace_seconds for _, a in node.of_type(StopContainer)] == [30.0, 0.0]


def test_a_pod_removed_from_the_api_is_killed_and_forgotten() -> None:
    node, pod = Node(), make_pod()
    node.add(pod)
    node.exit(pod, "app", 1)
    node.remove(pod)
    assert [a.grace_seconds for _, a in node.of_type(StopContainer)] == [0.0]
    assert node.of_type(RemoveContainer) and node.of_type(KillSandbox)
    assert not node.core.workers


def test_a_changed_image_restarts_the_container() -> None:
    node, pod = Node(), make_pod()
    node.add(pod)
    changed = {**pod, "spec": {**pod["spec"], "containers": [{"name": "app", "image": "nginx:1.27"}]}}
    node.update(changed)
    assert node.of_type(StopContainer)
    assert node.container_status(changed, "app")["image"] == "nginx:1.27"
    assert node.container_status(changed, "app")["restartCount"] == 1


def test_a_terminal_pod_from_before_a_restart_is_only_deleted() -> None:
    node, pod = Node(), make_pod()
    pod["status"]["phase"] = "Succeeded"
    assert node.add(pod) == []
    pod["metadata"]["deletionTimestamp"] = "x"
    assert [type(a) for a in node.update(pod)] == [DeletePod]
