"""GPU base job templates for Docker and Kubernetes work pools (deployments/job_templates/).

Each template is rendered the way the worker renders it for a flow run
(``<Worker>JobConfiguration.from_template_and_values``), and the GPU request is followed to what reaches
Docker (docker-py's create arguments) or Kubernetes (the job manifest's container).
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from docker.models.containers import _create_container_args
from prefect.server.schemas.actions import validate_base_job_template
from prefect.utilities.schema_tools import ValidationError, validate
from prefect.utilities.templating import find_placeholders
from prefect_docker.worker import DockerWorker, DockerWorkerJobConfiguration
from prefect_kubernetes.worker import KubernetesWorker, KubernetesWorkerJobConfiguration

REPO = Path(__file__).resolve().parents[1]
TEMPLATES = REPO / "deployments" / "job_templates"
DOCKER = json.loads((TEMPLATES / "docker-gpu.json").read_text())
KUBERNETES = json.loads((TEMPLATES / "kubernetes-gpu.json").read_text())
DEFAULTS = {
    "docker": DockerWorker.get_default_base_job_template(),
    "kubernetes": KubernetesWorker.get_default_base_job_template(),
}
OURS = {"docker": DOCKER, "kubernetes": KUBERNETES}
# Default variables a GPU template replaces on purpose (the replacement is checked below).
REPLACED = {"docker": {"container_create_kwargs"}, "kubernetes": set()}
TOLERATE_GPU_TAINT = {"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"}


class NoClient:
    """Stands in for the Prefect client: rendering these templates must not need the API."""

    def __getattr__(self, name: str) -> Any:
        raise AssertionError(f"the template needed the Prefect API ({name})")


def render(config_class: Any, template: dict[str, Any], values: dict[str, Any]) -> Any:
    return asyncio.run(config_class.from_template_and_values(template, values, client=NoClient()))


def leaves(node: Any, path: tuple[str | int, ...] = ()) -> dict[tuple[str | int, ...], Any]:
    """Every non-container value of a JSON document by its path."""
    if isinstance(node, dict):
        return {k: v for key, value in node.items() for k, v in leaves(value, (*path, key)).items()}
    if isinstance(node, list) and node:
        return {k: v for i, value in enumerate(node) for k, v in leaves(value, (*path, i)).items()}
    return {path: node}


def placeholders(job_configuration: dict[str, Any]) -> set[str]:
    return {p.name for p in find_placeholders(json.dumps(job_configuration))}


def docker_create_args(config: DockerWorkerJobConfiguration) -> dict[str, Any]:
    """What the Docker worker hands to docker-py, converted the way `containers.create` converts it."""

    class Engine:
        def version(self) -> dict[str, str]:
            return {"Version": "27.3.1"}

    settings = DockerWorker(work_pool_name="gpu-pool")._build_container_settings(Engine(), config)
    return _create_container_args({**settings, "version": "1.44"})


def kubernetes_pod(config: KubernetesWorkerJobConfiguration) -> dict[str, Any]:
    return config.job_manifest["spec"]["template"]["spec"]


# -- shape ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["docker", "kubernetes"])
def test_template_passes_the_servers_validation(kind: str) -> None:
    validate_base_job_template(OURS[kind])  # what the API runs when a pool is created or updated


@pytest.mark.parametrize("kind", ["docker", "kubernetes"])
def test_template_keeps_every_default_variable_and_its_wiring(kind: str) -> None:
    ours, default = OURS[kind], DEFAULTS[kind]
    kept = set(default["variables"]["properties"]) - REPLACED[kind]
    assert kept <= set(ours["variables"]["properties"])
    # Every default placeholder still sits where the worker's default template put it.
    ours_leaves = leaves(ours["job_configuration"])
    for path, value in leaves(default["job_configuration"]).items():
        if path[0] in REPLACED[kind]:
            continue
        assert ours_leaves.get(path) == value, f"{kind}: job_configuration{list(path)} changed"


@pytest.mark.parametrize("kind", ["docker", "kubernetes"])
def test_every_variable_is_used_by_the_job_configuration(kind: str) -> None:
    """No variable shown in the UI that silently does nothing (e.g. a replaced one left behind)."""
    template = OURS[kind]
    assert placeholders(template["job_configuration"]) == set(template["variables"]["properties"])


@pytest.mark.parametrize("kind", ["docker", "kubernetes"])
def test_gpu_count_is_a_validated_job_variable(kind: str) -> None:
    schema = OURS[kind]["variables"]
    assert schema["properties"]["gpu_count"]["default"] == 1
    validate({"gpu_count": 2}, schema, raise_on_error=True, ignore_required=True)
    with pytest.raises(ValidationError):
        validate({"gpu_count": "two"}, schema, raise_on_error=True, ignore_required=True)


@pytest.mark.parametrize("kind", ["docker", "kubernetes"])
def test_default_image_is_the_cuda_worker_image_compose_builds(kind: str) -> None:
    compose = yaml.safe_load((REPO / "docker-compose.yml").read_text())
    gpu_worker = compose["services"]["worker-gpu"]
    assert "/cu" in gpu_worker["build"]["args"]["TORCH_INDEX"]
    assert OURS[kind]["variables"]["properties"]["image"]["default"] == gpu_worker["image"]


def test_setup_installs_these_templates_for_docker_and_kubernetes_gpu_pools() -> None:
    setup = pytest.importorskip("deployments.setup", reason="deployments/setup.py is not written yet")
    assert setup.base_job_template("docker") == DOCKER
    assert setup.base_job_template("kubernetes") == KUBERNETES


# -- Docker -----------------------------------------------------------------------------------------------


def test_docker_default_requests_one_nvidia_gpu() -> None:
    config = render(DockerWorkerJobConfiguration, DOCKER, {})
    assert config.image == "loraforge-worker:0.1.0-cuda"
    requests = docker_create_args(config)["host_config"]["DeviceRequests"]
    assert requests == [{"Driver": "nvidia", "Count": 1, "DeviceIDs": [], "Capabilities": [["gpu"]], "Options": {}}]


def test_docker_gpu_count_reaches_the_device_request() -> None:
    config = render(DockerWorkerJobConfiguration, DOCKER, {"gpu_count": 2, "image": "registry.example/lf:1"})
    assert config.container_create_kwargs == {
        "device_requests": [{"driver": "nvidia", "count": 2, "capabilities": [["gpu"]]}],
        "shm_size": "16g",
    }
    args = docker_create_args(config)
    assert args["image"] == "registry.example/lf:1"
    assert [r["Count"] for r in args["host_config"]["DeviceRequests"]] == [2]


def test_docker_shared_memory_for_nccl_reaches_the_host_config() -> None:
    """A DDP/FSDP launch (NCCL, data loaders) needs more /dev/shm than Docker's default 64 MB."""
    assert docker_create_args(render(DockerWorkerJobConfiguration, DOCKER, {}))["host_config"]["ShmSize"] == 16 * 2**30
    config = render(DockerWorkerJobConfiguration, DOCKER, {"gpu_count": 4, "shm_size": "64g"})
    host = docker_create_args(config)["host_config"]
    assert (host["ShmSize"], [r["Count"] for r in host["DeviceRequests"]]) == (64 * 2**30, [4])
    with pytest.raises(ValidationError):
        validate({"shm_size": "lots"}, DOCKER["variables"], raise_on_error=True, ignore_required=True)


def test_docker_default_template_requests_no_gpu() -> None:
    """The control: without our template the container gets no device request at all."""
    config = render(DockerWorkerJobConfiguration, DEFAULTS["docker"], {"image": "x:1"})
    assert "DeviceRequests" not in docker_create_args(config)["host_config"]


# -- Kubernetes -------------------------------------------------------------------------------------------


def test_kubernetes_default_limits_one_gpu_and_tolerates_gpu_nodes() -> None:
    pod = kubernetes_pod(render(KubernetesWorkerJobConfiguration, KUBERNETES, {}))
    container = pod["containers"][0]
    assert container["image"] == "loraforge-worker:0.1.0-cuda"
    assert container["resources"]["limits"] == {"nvidia.com/gpu": 1}  # unset cpu/memory limits drop out
    assert pod["tolerations"] == [TOLERATE_GPU_TAINT]
    assert "nodeSelector" not in pod


def test_kubernetes_gpu_count_and_node_selector_reach_the_pod() -> None:
    values = {"gpu_count": 2, "node_selector": {"nvidia.com/gpu.product": "NVIDIA-A10G"}, "memory_limit": "32Gi"}
    pod = kubernetes_pod(render(KubernetesWorkerJobConfiguration, KUBERNETES, values))
    assert pod["containers"][0]["resources"]["limits"] == {"memory": "32Gi", "nvidia.com/gpu": 2}
    assert pod["nodeSelector"] == {"nvidia.com/gpu.product": "NVIDIA-A10G"}


def test_kubernetes_mounts_memory_backed_shared_memory_for_nccl() -> None:
    pod = kubernetes_pod(render(KubernetesWorkerJobConfiguration, KUBERNETES, {"gpu_count": 2, "shm_size": "32Gi"}))
    assert pod["containers"][0]["volumeMounts"] == [{"name": "dshm", "mountPath": "/dev/shm"}]
    assert pod["volumes"] == [{"name": "dshm", "emptyDir": {"medium": "Memory", "sizeLimit": "32Gi"}}]
    assert pod["containers"][0]["resources"]["limits"] == {"nvidia.com/gpu": 2}
    default = kubernetes_pod(render(KubernetesWorkerJobConfiguration, KUBERNETES, {}))
    assert default["volumes"][0]["emptyDir"]["sizeLimit"] == "16Gi"


def test_kubernetes_default_template_requests_no_gpu() -> None:
    """The control: the stock template's container has no GPU limit."""
    pod = kubernetes_pod(render(KubernetesWorkerJobConfiguration, DEFAULTS["kubernetes"], {"image": "x:1"}))
    assert "nvidia.com/gpu" not in pod["containers"][0]["resources"].get("limits", {})
