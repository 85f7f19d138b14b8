"""The compose file and the Kubernetes manifests parse, validate offline and fit together."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml
from kubernetes_validate.utils import ValidationError, validate

from tests.deploy.helpers import K8S, k8s_resource, load_k8s, pod_spec

KUBERNETES_VERSION = "1.37.0"

RESOURCES = [(name, doc) for name, docs in load_k8s().items() if name != "kustomization.yaml" for doc in docs]


def test_every_manifest_parses_and_kustomization_lists_all_of_them() -> None:
    kustomization = yaml.safe_load((K8S / "kustomization.yaml").read_text())
    manifests = {path.name for path in K8S.glob("*.yaml")} - {"kustomization.yaml"}
    assert sorted(kustomization["resources"]) == sorted(manifests)
    assert {doc["kind"] for _, doc in RESOURCES} >= {
        "ConfigMap",
        "Secret",
        "Deployment",
        "Service",
        "Ingress",
        "Job",
        "HorizontalPodAutoscaler",
        "PodDisruptionBudget",
    }


@pytest.mark.parametrize(("file", "resource"), RESOURCES, ids=[f"{n}:{d['kind']}" for n, d in RESOURCES])
def test_each_resource_passes_strict_schema_validation(file: str, resource: dict[str, Any]) -> None:
    validate(resource, KUBERNETES_VERSION, strict=True)


def test_the_validator_rejects_a_misspelt_field() -> None:
    deployment = k8s_resource("Deployment", "upload-center-worker")
    broken = {**deployment, "spec": {**deployment["spec"], "replica": 2}}
    with pytest.raises(ValidationError):
        validate(broken, KUBERNETES_VERSION, strict=True)


def test_the_secret_template_holds_placeholders_only() -> None:
    secret = k8s_resource("Secret", "upload-center-secrets")
    assert "data" not in secret
    assert all("REPLACE_ME" in value for value in secret["stringData"].values())


@pytest.mark.parametrize("name", ["upload-center-web", "upload-center-worker"])
def test_deployments_have_probes_resources_and_several_replicas(name: str) -> None:
    deployment = k8s_resource("Deployment", name)
    for container in pod_spec(deployment)["containers"]:
        assert "readinessProbe" in container
        assert "livenessProbe" in container
        assert set(container["resources"]) == {"requests", "limits"}
        assert {"cpu", "memory"} <= set(container["resources"]["limits"])
        assert [ref for source in container["envFrom"] for ref in source.values()] == [
            {"name": "upload-center-config"},
            {"name": "upload-center-secrets"},
        ]
    if name == "upload-center-worker":
        assert deployment["spec"]["replicas"] > 1
    else:
        # The autoscaler owns the count; a fixed one would be reset on every apply.
        assert "replicas" not in deployment["spec"]
        assert k8s_resource("HorizontalPodAutoscaler", name)["spec"]["minReplicas"] > 1
    pdb = k8s_resource("PodDisruptionBudget", name)
    assert pdb["spec"]["selector"]["matchLabels"] == deployment["spec"]["selector"]["matchLabels"]


def test_web_probes_ask_readyz_and_healthz() -> None:
    web = pod_spec(k8s_resource("Deployment", "upload-center-web"))["containers"][0]
    assert web["readinessProbe"]["httpGet"]["path"] == "/readyz"
    assert web["livenessProbe"]["httpGet"]["path"] == "/healthz"
    assert web["readinessProbe"]["httpGet"]["port"] == web["ports"][0]["name"]


def test_the_service_and_autoscaler_point_at_the_web_deployment() -> None:
    deployment = k8s_resource("Deployment", "upload-center-web")
    service = k8s_resource("Service", "upload-center-web")
    assert service["spec"]["selector"] == deployment["spec"]["selector"]["matchLabels"]
    port_names = {port["name"] for c in pod_spec(deployment)["containers"] for port in c["ports"]}
    assert {port["targetPort"] for port in service["spec"]["ports"]} <= port_names
    target = k8s_resource("HorizontalPodAutoscaler", "upload-center-web")["spec"]["scaleTargetRef"]
    assert (target["kind"], target["name"]) == ("Deployment", "upload-center-web")


def test_the_ingress_allows_large_streamed_bodies_and_the_websocket_path() -> None:
    ingress = k8s_resource("Ingress", "upload-center")
    annotations = ingress["metadata"]["annotations"]
    assert annotations["nginx.ingress.kubernetes.io/proxy-body-size"] == "0"
    assert annotations["nginx.ingress.kubernetes.io/proxy-request-buffering"] == "off"
    assert int(annotations["nginx.ingress.kubernetes.io/proxy-read-timeout"]) >= 3600
    assert int(annotations["nginx.ingress.kubernetes.io/proxy-send-timeout"]) >= 3600
    paths = {
        p["path"]: p["backend"]["service"] for rule in ingress["spec"]["rules"] for p in rule["http"]["paths"]
    }
    service = k8s_resource("Service", "upload-center-web")
    # HTTP to gunicorn, the WebSocket to the pod's ASGI container.
    assert paths["/"] == {"name": "upload-center-web", "port": {"name": "http"}}
    assert paths["/core.ws_connect"] == {"name": "upload-center-web", "port": {"name": "ws"}}
    assert [port["name"] for port in service["spec"]["ports"]] == ["http", "ws"]


def test_compose_runs_every_role_after_the_migration(compose: dict[str, Any]) -> None:
    services = compose["services"]
    roles = {"web", "ws", "nginx", "worker", "migrate"}
    assert set(services) == roles | {"postgres", "redis", "rabbitmq", "minio"}
    for role in ("web", "ws", "worker"):
        assert services[role]["depends_on"]["migrate"] == {"condition": "service_completed_successfully"}
    assert services["migrate"]["restart"] == "no"
    assert services["web"]["image"] == services["ws"]["image"] == services["worker"]["image"]
    assert services["web"]["image"] == services["migrate"]["image"]


def test_compose_wires_the_roles_to_its_own_services(compose: dict[str, Any]) -> None:
    services = compose["services"]
    env = services["web"]["environment"]
    assert services["worker"]["environment"] == env == services["migrate"]["environment"]
    assert services["ws"]["environment"] == env
    hosts = {
        name: urlsplit(env[name]).hostname
        for name in ("DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL", "S3_ENDPOINT_URL")
    }
    assert hosts == {
        "DATABASE_URL": "postgres",
        "REDIS_URL": "redis",
        "CELERY_BROKER_URL": "rabbitmq",
        "S3_ENDPOINT_URL": "minio",
    }
    database = urlsplit(env["DATABASE_URL"])
    postgres = services["postgres"]["environment"]
    assert (database.username, database.password, database.path) == (
        postgres["POSTGRES_USER"],
        postgres["POSTGRES_PASSWORD"],
        "/" + postgres["POSTGRES_DB"],
    )
    broker = urlsplit(env["CELERY_BROKER_URL"])
    rabbitmq = services["rabbitmq"]["environment"]
    assert (broker.username, broker.password) == (
        rabbitmq["RABBITMQ_DEFAULT_USER"],
        rabbitmq["RABBITMQ_DEFAULT_PASS"],
    )
    minio = services["minio"]["environment"]
    assert (env["S3_ACCESS_KEY_ID"], env["S3_SECRET_ACCESS_KEY"]) == (
        minio["MINIO_ROOT_USER"],
        minio["MINIO_ROOT_PASSWORD"],
    )
    assert env["S3_BUCKET"]
