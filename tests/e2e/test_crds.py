"""Custom resources through the real kubectl against ``kube-actors up`` in another process:
define a kind, and kubectl discovers, applies, validates, patches, scales and deletes it as it
would against Kubernetes."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from kubernetes import client, config, watch
from kubernetes.client.rest import ApiException

from tests.e2e.cluster_process import ClusterProcess, ok

pytestmark = pytest.mark.e2e

CRD = """
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets.example.com
spec:
  group: example.com
  scope: Namespaced
  names: {plural: widgets, singular: widget, kind: Widget, shortNames: [wd], categories: [all]}
  versions:
  - name: v1
    served: true
    storage: true
    subresources:
      status: {}
      scale: {specReplicasPath: .spec.replicas, statusReplicasPath: .status.replicas}
    additionalPrinterColumns:
    - {name: Size, type: string, jsonPath: .spec.size}
    - {name: Replicas, type: integer, jsonPath: .spec.replicas}
    - {name: Age, type: date, jsonPath: .metadata.creationTimestamp}
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec:
            type: object
            required: [size]
            properties:
              size: {type: string, enum: [S, M, L]}
              replicas: {type: integer, minimum: 0}
              color: {type: string}
          status:
            type: object
            properties:
              replicas: {type: integer}
  - name: v1beta1
    served: true
    storage: false
    schema:
      openAPIV3Schema: {type: object, x-kubernetes-preserve-unknown-fields: true}
"""
GADGETS = """
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: gadgets.example.org}
spec:
  group: example.org
  scope: Cluster
  names: {plural: gadgets, kind: Gadget, shortNames: [gd]}
  versions:
  - name: v1
    served: true
    storage: true
    schema:
      openAPIV3Schema: {type: object, x-kubernetes-preserve-unknown-fields: true}
"""


def widget(name: str, *, size: str = "M", replicas: object = 2, color: str = "blue") -> str:
    return f"""
apiVersion: example.com/v1
kind: Widget
metadata: {{name: {name}}}
spec: {{size: {size}, replicas: {json.dumps(replicas)}, color: {color}}}
"""


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ClusterProcess]:
    running = ClusterProcess(tmp_path_factory.mktemp("cluster"))
    ok(running.kubectl("apply", "-f", "-", stdin=CRD))
    yield running
    assert running.stop() == 0


def test_the_defined_kind_is_discovered(cluster: ClusterProcess) -> None:
    rows = [
        line.split() for line in ok(cluster.kubectl("api-resources", "--api-group=example.com")).splitlines()
    ]
    assert rows[1:] == [["widgets", "wd", "example.com/v1", "true", "Widget"]]
    crd = json.loads(ok(cluster.kubectl("get", "crd", "widgets.example.com", "-o", "json")))
    conditions = {c["type"]: c["status"] for c in crd["status"]["conditions"]}
    assert conditions["Established"] == conditions["NamesAccepted"] == "True"


def test_apply_twice_then_read_by_every_name(cluster: ClusterProcess) -> None:
    assert "widget.example.com/applied created" in ok(
        cluster.kubectl("apply", "-f", "-", stdin=widget("applied"))
    )
    changed = widget("applied", color="red")
    assert "widget.example.com/applied configured" in ok(cluster.kubectl("apply", "-f", "-", stdin=changed))
    for name in ("widgets", "widget", "wd", "widgets.example.com", "widgets.v1.example.com"):
        assert (
            ok(cluster.kubectl("get", name, "applied", "-o", "name")).strip() == "widget.example.com/applied"
        )
    found = yaml.safe_load(ok(cluster.kubectl("get", "wd", "applied", "-o", "yaml")))
    assert found["spec"] == {"size": "M", "replicas": 2, "color": "red"}
    assert found["metadata"]["generation"] == 2
    # The same stored object at the other served version.
    beta = json.loads(ok(cluster.kubectl("get", "widgets.v1beta1.example.com", "applied", "-o", "json")))
    assert beta["apiVersion"] == "example.com/v1beta1" and beta["spec"] == found["spec"]
    assert "widget.example.com/applied" in ok(cluster.kubectl("get", "all", "-o", "name"))
    # kubectl shows the definition's printer columns.
    header, row = ok(cluster.kubectl("get", "wd", "applied")).splitlines()
    assert header.split() == ["NAME", "SIZE", "REPLICAS", "AGE"] and row.split()[:3] == ["applied", "M", "2"]


def test_merge_patch_scale_and_status(cluster: ClusterProcess) -> None:
    ok(cluster.kubectl("apply", "-f", "-", stdin=widget("patched")))
    ok(cluster.kubectl("patch", "wd", "patched", "--type=merge", "-p", '{"spec":{"color":"green"}}'))
    assert ok(cluster.kubectl("get", "wd", "patched", "-o", "jsonpath={.spec.color}")) == "green"
    strategic = cluster.kubectl("patch", "wd", "patched", "-p", '{"spec":{"color":"pink"}}')
    assert strategic.returncode != 0 and "application/merge-patch+json" in strategic.stderr
    assert "widget.example.com/patched scaled" in ok(
        cluster.kubectl("scale", "wd", "patched", "--replicas=5")
    )
    assert ok(cluster.kubectl("get", "wd", "patched", "-o", "jsonpath={.spec.replicas}")) == "5"
    status = '{"status":{"replicas":5}}'
    ok(cluster.kubectl("patch", "wd", "patched", "--subresource=status", "--type=merge", "-p", status))
    ok(
        cluster.kubectl("patch", "wd", "patched", "--type=merge", "-p", '{"status":{"replicas":9}}')
    )  # ignored
    assert ok(cluster.kubectl("get", "wd", "patched", "-o", "jsonpath={.status.replicas}")) == "5"
    json_patch = '[{"op":"replace","path":"/spec/size","value":"L"}]'
    ok(cluster.kubectl("patch", "wd", "patched", "--type=json", "-p", json_patch))
    assert ok(cluster.kubectl("get", "wd", "patched", "-o", "jsonpath={.spec.size}")) == "L"


@pytest.mark.parametrize(
    ("manifest", "expected"),
    [
        (
            widget("bad-type", replicas="two"),
            'spec.replicas: Invalid value: "string": spec.replicas in body must be of type integer',
        ),
        (widget("bad-enum", size="XL"), 'spec.size: Unsupported value: "XL"'),
        (widget("bad-min", replicas=-1), "spec.replicas: Invalid value: -1"),
        (
            widget("bad-extra").replace("color: blue", "color: blue, shade: dark"),
            'unknown field "spec.shade"',
        ),
    ],
)
def test_an_invalid_custom_object_is_refused_naming_the_field(
    cluster: ClusterProcess, manifest: str, expected: str
) -> None:
    refused = cluster.kubectl("apply", "-f", "-", stdin=manifest)
    assert refused.returncode != 0 and expected in refused.stderr
    assert "bad-" not in ok(cluster.kubectl("get", "wd", "-o", "name"))


def test_unknown_fields_are_pruned_when_not_validated_strictly(cluster: ClusterProcess) -> None:
    manifest = widget("lenient").replace("color: blue", "color: blue, shade: dark")
    applied = cluster.kubectl("apply", "--validate=warn", "-f", "-", stdin=manifest)
    assert applied.returncode == 0 and 'unknown field "spec.shade"' in applied.stderr
    spec = json.loads(ok(cluster.kubectl("get", "wd", "lenient", "-o", "jsonpath={.spec}")))
    assert spec == {"size": "M", "replicas": 2, "color": "blue"}


def test_delete_one_custom_object_then_a_collection(cluster: ClusterProcess) -> None:
    ok(cluster.kubectl("apply", "-f", "-", stdin=widget("doomed")))
    assert 'widget.example.com "doomed" deleted' in ok(cluster.kubectl("delete", "wd", "doomed", timeout=15))
    missing = cluster.kubectl("get", "wd", "doomed")
    assert missing.returncode != 0 and "NotFound" in missing.stderr
    for name in ("batch-1", "batch-2"):
        ok(cluster.kubectl("apply", "-f", "-", stdin=widget(name)))
        ok(cluster.kubectl("label", "wd", name, "batch=x"))
    ok(cluster.kubectl("delete", "wd", "-l", "batch=x", timeout=15))
    assert ok(cluster.kubectl("get", "wd", "-l", "batch=x", "-o", "name")) == ""


def test_written_at_one_version_read_at_another(cluster: ClusterProcess) -> None:
    beta = widget("from-beta").replace("example.com/v1", "example.com/v1beta1")
    ok(cluster.kubectl("apply", "-f", "-", stdin=beta))
    found = json.loads(ok(cluster.kubectl("get", "widgets.v1.example.com", "from-beta", "-o", "json")))
    assert found["apiVersion"] == "example.com/v1" and found["spec"]["size"] == "M"


def test_deleting_the_definition_removes_the_kind_and_its_objects(cluster: ClusterProcess) -> None:
    ok(cluster.kubectl("apply", "-f", "-", stdin=GADGETS))
    gadget = "apiVersion: example.org/v1\nkind: Gadget\nmetadata: {name: g1}\nspec: {anything: [1, 2]}\n"
    ok(cluster.kubectl("apply", "-f", "-", stdin=gadget))
    assert ok(cluster.kubectl("get", "gd", "-o", "name")).split() == ["gadget.example.org/g1"]
    # A version added to the definition is served at once, from the same objects.
    v2 = "  - name: v2\n    served: true\n    storage: false\n    schema: {openAPIV3Schema: {type: object}}\n"
    ok(cluster.kubectl("apply", "-f", "-", stdin=GADGETS + v2))
    g1 = json.loads(ok(cluster.kubectl("get", "gadgets.v2.example.org", "g1", "-o", "json")))
    assert g1["apiVersion"] == "example.org/v2"
    ok(cluster.kubectl("delete", "crd", "gadgets.example.org", timeout=20))
    assert "gadgets" not in ok(cluster.kubectl("api-resources", "-o", "name"))
    gone = cluster.kubectl("get", "--raw", "/apis/example.org/v1")
    assert gone.returncode != 0 and "NotFound" in gone.stderr
    ok(cluster.kubectl("apply", "-f", "-", stdin=GADGETS))  # defined again: the old objects are gone
    assert ok(cluster.kubectl("get", "gd", "-o", "name")) == ""
    ok(cluster.kubectl("delete", "crd", "gadgets.example.org", timeout=20))


def test_custom_resources_are_served_after_a_restart(tmp_path: Path) -> None:
    first = ClusterProcess(tmp_path)
    try:
        ok(first.kubectl("apply", "-f", "-", stdin=CRD))
        ok(first.kubectl("apply", "-f", "-", stdin=widget("kept")))
    finally:
        assert first.stop() == 0
    second = ClusterProcess(tmp_path)
    try:
        assert ok(second.kubectl("get", "wd", "kept", "-o", "jsonpath={.spec.size}")) == "M"
        refused = second.kubectl("apply", "-f", "-", stdin=widget("still-checked", size="XL"))
        assert refused.returncode != 0 and "spec.size" in refused.stderr
    finally:
        second.stop()


def test_python_client_custom_objects(cluster: ClusterProcess) -> None:
    api = client.CustomObjectsApi(config.new_client_from_config(str(cluster.kubeconfig)))
    group, version, plural = "example.com", "v1", "widgets"
    body = yaml.safe_load(widget("pythonic"))
    created = api.create_namespaced_custom_object(group, version, "default", plural, body)
    assert created["metadata"]["uid"] and "status" not in created
    listed = api.list_namespaced_custom_object(group, version, "default", plural)
    assert "pythonic" in [item["metadata"]["name"] for item in listed["items"]]
    stream = watch.Watch().stream(
        api.list_namespaced_custom_object,
        group,
        version,
        "default",
        plural,
        resource_version=listed["metadata"]["resourceVersion"],
        timeout_seconds=5,
    )
    status = {"status": {"replicas": 2}}
    patched = api.patch_namespaced_custom_object_status(group, version, "default", plural, "pythonic", status)
    assert patched["status"] == {"replicas": 2}
    for event in stream:
        assert event["type"] == "MODIFIED"
        assert event["object"]["metadata"]["name"] == "pythonic"
        assert event["object"]["status"] == {"replicas": 2}
        break
    with pytest.raises(ApiException) as invalid:
        api.patch_namespaced_custom_object(
            group, version, "default", plural, "pythonic", {"spec": {"replicas": "many"}}
        )
    assert invalid.value.status == 422 and "spec.replicas" in json.loads(invalid.value.body)["message"]
    api.delete_namespaced_custom_object(group, version, "default", plural, "pythonic")
    with pytest.raises(ApiException) as missing:
        api.get_namespaced_custom_object(group, version, "default", plural, "pythonic")
    assert missing.value.status == 404
