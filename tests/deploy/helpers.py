"""The deployment files, read for the tests of this folder."""

from __future__ import annotations

from typing import Any

import yaml

from tests.helpers import ROOT

K8S = ROOT / "deploy" / "k8s"


def load_k8s() -> dict[str, list[dict[str, Any]]]:
    """Every document of every manifest, by file name."""
    return {
        path.name: [doc for doc in yaml.safe_load_all(path.read_text()) if doc is not None]
        for path in sorted(K8S.glob("*.yaml"))
    }


def k8s_resource(kind: str, name: str) -> dict[str, Any]:
    for docs in load_k8s().values():
        for doc in docs:
            if doc.get("kind") == kind and doc["metadata"]["name"] == name:
                return doc
    raise AssertionError(f"no {kind} {name} in deploy/k8s")


def pod_spec(resource: dict[str, Any]) -> dict[str, Any]:
    if resource["kind"] == "CronJob":
        return resource["spec"]["jobTemplate"]["spec"]["template"]["spec"]
    return resource["spec"]["template"]["spec"]
