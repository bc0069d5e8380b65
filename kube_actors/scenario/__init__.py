"""Why: scenario files are how most users meet kube-actors: one YAML file describes a cluster,
its workloads (plain Kubernetes manifests), a timeline of actions and faults, and expectations;
``kube-actors run FILE`` boots the cluster in this process, plays the timeline on the virtual
clock and says whether every expectation held.

``schema`` holds the file's models (pydantic, strict) and ``loader`` reads a file into them with
errors that name the line and the field. The sans-IO cores are ``view`` (the cluster as its
watch stream shows it), ``recording`` (metrics over time), ``expectations`` (the checks) and
``timeline`` (which action is due); ``runner`` is the shell that boots the cluster
(``kube_actors.cluster``), applies, acts and watches, and ``report`` writes what happened.
"""

from kube_actors.scenario.errors import Problem, ScenarioError
from kube_actors.scenario.loader import LoadedScenario, load_scenario

__all__ = ["LoadedScenario", "Problem", "ScenarioError", "load_scenario"]
