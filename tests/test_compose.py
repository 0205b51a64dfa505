"""Static checks of docker-compose.yml, docker/ and their agreement with the code.

No Docker engine (nor compose plugin) is available to run the stack, so the file is parsed with yaml and
interpolated here the way `docker compose config` would with an empty environment (every
`${VAR:-default}` takes its default). Each check compares the compose file with another source of
truth: the init SQL, the MinIO init script (run here with a fake `mc`), the Dockerfile, prefect.yaml,
deployments/setup.py and the environment variables the code reads.
"""

from __future__ import annotations

import ast
import json
import os
import re
import shlex
import subprocess
import sys
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml

REPO = Path(__file__).resolve().parents[1]
COMPOSE_FILE = REPO / "docker-compose.yml"
DOCKERFILE = REPO / "docker" / "Dockerfile"
INIT_SQL = REPO / "docker" / "postgres-init.sql"
MINIO_INIT = REPO / "docker" / "minio-init.sh"
SETUP_MODULE = REPO / "deployments" / "setup.py"
# Packages whose code runs on the workers (the bundle template runs wherever the bundle is deployed).
CODE_DIRS = ("loraforge", "tasks", "flows", "blocks", "deployments")
CODE_EXCLUDED = ("loraforge/bundle_template",)
# Variables the code reads but a compose deployment does not need, with the reason.
OPTIONAL_ENV = {
    "MLFLOW_TRACKING_TOKEN": "only for an MLflow server behind authentication; the compose MLflow has none",
    "LORAFORGE_S3_REGION": "MinIO needs none; the store defaults to us-east-1 for non-AWS endpoints",
    "LORAFORGE_API_KEY": "read by `loraforge serve` (the adapter's HTTP API), which no worker runs",
    # set by `accelerate launch` in each training process it starts, never by the environment
    "RANK": "set by accelerate launch",
    "LOCAL_RANK": "set by accelerate launch",
    "WORLD_SIZE": "set by accelerate launch",
    "ACCELERATE_USE_FSDP": "set by accelerate launch",
    "LORAFORGE_LAUNCHER_PID": "set by loraforge for the processes it launches (loraforge/train/launch.py)",
}
EXPECTED_SERVICES = {
    "postgres",
    "prefect-server",
    "minio",
    "minio-init",
    "mlflow",
    "setup",
    "worker-cpu",
    "worker-gpu",
    "dask-scheduler",
    "dask-worker",
}
WORKERS = ("worker-cpu", "worker-gpu")

_VAR = re.compile(r"\$\$|\$\{(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?:(?P<op>:?[-?])(?P<default>[^}]*))?\}")


def interpolate(value: Any, env: dict[str, str] | None = None) -> Any:
    """Compose variable interpolation (`${VAR}`, `${VAR:-default}`, `${VAR-default}`, `$$`) of every string."""
    env = env or {}
    if isinstance(value, dict):
        return {key: interpolate(item, env) for key, item in value.items()}
    if isinstance(value, list):
        return [interpolate(item, env) for item in value]
    if not isinstance(value, str):
        return value

    def substitute(match: re.Match[str]) -> str:
        if match.group(0) == "$$":
            return "$"
        name, op, default = match.group("name"), match.group("op"), match.group("default") or ""
        if op == ":-":
            return env.get(name) or default
        if op == "-":
            return env.get(name, default)
        return env.get(name, "")

    return _VAR.sub(substitute, value)


RAW: dict[str, Any] = yaml.safe_load(COMPOSE_FILE.read_text())
COMPOSE: dict[str, Any] = interpolate(RAW)
SERVICES: dict[str, dict[str, Any]] = COMPOSE["services"]


def env_of(service: str) -> dict[str, str]:
    environment = SERVICES[service].get("environment") or {}
    if isinstance(environment, list):  # ["KEY=value", ...] form
        environment = dict(item.split("=", 1) for item in environment)
    return {key: str(value) for key, value in environment.items()}


def argv_of(service: str) -> list[str]:
    """The service's command as argv; a `sh -c SCRIPT` command becomes the words of SCRIPT."""
    command = SERVICES[service].get("command") or []
    argv = shlex.split(command) if isinstance(command, str) else [str(arg) for arg in command]
    if argv[:2] == ["sh", "-c"] or argv[:2] == ["/bin/sh", "-c"]:
        return shlex.split(argv[2])
    return argv


def option(argv: list[str], name: str) -> str | None:
    """Value of `--name value` or `--name=value` in argv."""
    for i, arg in enumerate(argv):
        if arg == name and i + 1 < len(argv):
            return argv[i + 1]
        if arg.startswith(name + "="):
            return arg.split("=", 1)[1]
    return None


def published_ports(service: str) -> set[int]:
    ports = set()
    for entry in SERVICES[service].get("ports", []):
        if isinstance(entry, dict):
            ports.add(int(entry["published"]))
        else:  # "[ip:]host:container[/proto]"
            ports.add(int(str(entry).split("/")[0].split(":")[-2]))
    return ports


def init_sql_databases() -> set[str]:
    return {m.lower() for m in re.findall(r"CREATE\s+DATABASE\s+\"?(\w+)", INIT_SQL.read_text(), flags=re.I)}


def postgres_databases() -> set[str]:
    return {env_of("postgres")["POSTGRES_DB"], *init_sql_databases()}


def dockerfile_instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) of docker/Dockerfile with line continuations joined."""
    text = re.sub(r"\\\n", " ", DOCKERFILE.read_text())
    lines = [line.strip() for line in text.splitlines() if line.strip() and not line.strip().startswith("#")]
    return [(line.split(None, 1)[0].upper(), line.split(None, 1)[1] if " " in line else "") for line in lines]


def dockerfile_env() -> dict[str, str]:
    env: dict[str, str] = {}
    for instruction, args in dockerfile_instructions():
        if instruction == "ENV":
            for word in shlex.split(args):
                key, _, value = word.partition("=")
                env[key] = value
    return env


def run_minio_init(tmp_path: Path, **overrides: str) -> tuple[subprocess.CompletedProcess[str], list[list[str]]]:
    """Run docker/minio-init.sh with the minio-init service's environment and a fake `mc` that records calls.

    The fake copies any policy file it is given, so its content can be checked after the script removed it.
    """
    bin_dir, log = tmp_path / "bin", tmp_path / "mc.log"
    bin_dir.mkdir(exist_ok=True)
    fake_mc = bin_dir / "mc"
    fake_mc.write_text(
        '#!/bin/sh\nfor a in "$@"; do printf "%s\\t" "$a"; done >> "$MC_LOG"; echo >> "$MC_LOG"\n'
        'for a in "$@"; do case "$a" in *.json) cp "$a" "$MC_LOG.$(basename "$a")";; esac; done\n'
    )
    fake_mc.chmod(0o755)
    env = {**env_of("minio-init"), **overrides, "PATH": f"{bin_dir}:{os.environ['PATH']}", "MC_LOG": str(log)}
    env["TMPDIR"] = str(tmp_path)  # where the script writes policy files
    done = subprocess.run(["sh", str(MINIO_INIT)], env=env, capture_output=True, text=True, timeout=30)
    calls = [line.rstrip("\t").split("\t") for line in log.read_text().splitlines()] if log.exists() else []
    return done, calls


def created_buckets(calls: list[list[str]]) -> set[str]:
    return {call[-1].split("/", 1)[1] for call in calls if call[0] == "mb"}


# -- reading the code ---------------------------------------------------------------------------------


def _is_environ(node: ast.AST) -> bool:
    """`os.environ`, or a mapping named env/environ (functions taking the environment as a parameter)."""
    if isinstance(node, ast.Attribute):
        return node.attr == "environ" and isinstance(node.value, ast.Name) and node.value.id == "os"
    return isinstance(node, ast.Name) and node.id in ("env", "environ")


def _env_key(node: ast.AST) -> ast.AST | None:
    """The key expression of an environment read, or None when ``node`` is not one."""
    if isinstance(node, ast.Subscript) and isinstance(node.ctx, ast.Load) and _is_environ(node.value):
        return node.slice
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.args:
        func = node.func
        if func.attr == "get" and _is_environ(func.value):
            return node.args[0]
        if func.attr == "getenv" and isinstance(func.value, ast.Name) and func.value.id == "os":
            return node.args[0]
    return None


def _upper_constants(node: ast.AST) -> set[str]:
    return {
        n.value
        for n in ast.walk(node)
        if isinstance(n, ast.Constant) and re.fullmatch(r"[A-Z][A-Z0-9_]*", str(n.value))
    }


def env_reads(source: str) -> set[str]:
    """Environment variable names a module reads: os.environ[...]/.get(...), os.getenv(...), env[...].

    Keys built as ``PREFIX + "NAME"`` are folded with the module's string constants; ``PREFIX + name``
    (a variable suffix, as in ``need("ENDPOINT")``) expands to PREFIX + every upper-case string
    constant of the enclosing top-level function or method.
    """
    tree = ast.parse(source)
    constants = {
        target.id: node.value.value
        for node in tree.body
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str)
        for target in node.targets
        if isinstance(target, ast.Name)
    }

    def fold(key: ast.AST) -> str | None:
        if isinstance(key, ast.Constant) and isinstance(key.value, str):
            return key.value
        if isinstance(key, ast.Name):
            return constants.get(key.id)
        if isinstance(key, ast.BinOp) and isinstance(key.op, ast.Add):
            left, right = fold(key.left), fold(key.right)
            return left + right if left is not None and right is not None else None
        return None

    names: set[str] = set()
    functions = ast.FunctionDef | ast.AsyncFunctionDef
    methods = [m for node in tree.body if isinstance(node, ast.ClassDef) for m in node.body if isinstance(m, functions)]
    scopes = [node for node in tree.body if isinstance(node, functions)] + methods
    for scope in [tree, *scopes]:
        for node in ast.walk(scope):
            key = _env_key(node)
            if key is None:
                continue
            if (name := fold(key)) is not None:
                names.add(name)
            elif isinstance(key, ast.BinOp) and (prefix := fold(key.left)) and scope is not tree:
                names |= {prefix + suffix for suffix in _upper_constants(scope)}
    # A LORAFORGE_* name spelled anywhere is a setting of ours, however it is read.
    names |= {name for name in _upper_constants(tree) if re.fullmatch(r"LORAFORGE_[A-Z0-9_]*[A-Z0-9]", name)}
    return {name for name in names if re.fullmatch(r"[A-Z][A-Z0-9_]*[A-Z0-9]", name)}


def settings_env(*prefixes: str) -> set[str]:
    """Variables ``loraforge.settings.Settings`` declares (pydantic-settings reads them without a call the
    scan above could see), optionally only those starting with one of ``prefixes``."""
    from loraforge.settings import Settings

    names = set()
    for name, field in Settings.model_fields.items():
        alias = field.validation_alias
        names |= set(alias.choices) if alias is not None else {Settings.model_config["env_prefix"] + name.upper()}
    return {n for n in names if not prefixes or n.startswith(prefixes)}


def code_files() -> Iterator[Path]:
    for folder in CODE_DIRS:
        for path in sorted((REPO / folder).rglob("*.py")):
            if not any(path.relative_to(REPO).as_posix().startswith(excluded) for excluded in CODE_EXCLUDED):
                yield path


def prefect_yaml() -> dict[str, Any]:
    return yaml.safe_load((REPO / "prefect.yaml").read_text())


def prefect_yaml_env_placeholders() -> set[str]:
    """`{{ $NAME }}` placeholders of prefect.yaml: resolved from the environment of the flow-run process."""
    return set(re.findall(r"\{\{\s*\$([A-Za-z_][A-Za-z0-9_]*)\s*\}\}", (REPO / "prefect.yaml").read_text()))


def setup_module() -> Any:
    if not SETUP_MODULE.exists():
        pytest.skip("deployments/setup.py (pools, blocks, GPU limit) is not written yet")
    from deployments import setup

    return setup


# -- services, ports, health --------------------------------------------------------------------------


def test_compose_has_the_production_services() -> None:
    assert set(SERVICES) == EXPECTED_SERVICES


def test_uis_and_apis_are_published_on_their_usual_ports() -> None:
    assert 4200 in published_ports("prefect-server")
    assert {9000, 9001} <= published_ports("minio")
    assert 5000 in published_ports("mlflow")
    assert option(argv_of("prefect-server"), "--port") == "4200"
    assert option(argv_of("minio"), "--console-address") == ":9001"
    assert option(argv_of("mlflow"), "--port") == "5000"


def test_dependencies_wait_for_health_or_completion() -> None:
    """A dependency is either a long-running service with a health check or a one-shot that must succeed."""
    for name, service in SERVICES.items():
        depends_on = service.get("depends_on", {})
        assert isinstance(depends_on, dict), f"{name}: depends_on must name a condition per service"
        for target, spec in depends_on.items():
            assert target in SERVICES, f"{name} depends on unknown service {target}"
            condition = spec.get("condition")
            if condition == "service_healthy":
                assert SERVICES[target].get("healthcheck", {}).get("test"), f"{target} has no health check"
            else:
                assert condition == "service_completed_successfully", f"{name} -> {target}: {condition}"
                assert SERVICES[target].get("restart") == "no", f"{target} is waited on as a one-shot"


def test_health_checks_hit_the_real_endpoints() -> None:
    assert "http://localhost:4200/api/health" in json.dumps(SERVICES["prefect-server"]["healthcheck"]["test"])
    assert "http://localhost:5000/health" in json.dumps(SERVICES["mlflow"]["healthcheck"]["test"])
    # The postgres check opens MLflow's database, so it cannot pass before the init SQL ran.
    pg_check = SERVICES["postgres"]["healthcheck"]["test"]
    assert option(pg_check, "-d") in init_sql_databases()


def test_images_are_pinned_and_prefect_server_matches_the_client() -> None:
    pinned = {}
    for name, service in SERVICES.items():
        image = service["image"]
        repo, _, tag = image.rpartition(":")
        assert repo and tag and "/" not in tag and tag != "latest", f"{name}: unpinned image {image}"
        pinned[name] = image
    deps = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["dependencies"]
    prefect_version = next(d.split("==")[1] for d in deps if d.startswith("prefect=="))
    assert pinned["prefect-server"].startswith(f"prefecthq/prefect:{prefect_version}-python")
    assert pinned["postgres"] == "postgres:15"


def test_cpu_and_gpu_images_have_distinct_tags_and_torch_builds() -> None:
    """All built from docker/Dockerfile: one tag per torch build, or one build would overwrite the other."""
    torch_index_by_image: dict[str, set[str | None]] = {}
    for name, service in SERVICES.items():
        if "build" in service:
            assert (REPO / service["build"]["context"] / service["build"]["dockerfile"]) == DOCKERFILE, name
            index = service["build"].get("args", {}).get("TORCH_INDEX")
            torch_index_by_image.setdefault(service["image"], set()).add(index)
    assert all(len(indexes) == 1 for indexes in torch_index_by_image.values()), torch_index_by_image
    (gpu_index,) = torch_index_by_image[SERVICES["worker-gpu"]["image"]]
    assert gpu_index and "/cu" in gpu_index
    assert torch_index_by_image[SERVICES["worker-cpu"]["image"]] == {None}  # the Dockerfile's CPU default


def test_gpu_worker_reserves_an_nvidia_gpu() -> None:
    devices = SERVICES["worker-gpu"]["deploy"]["resources"]["reservations"]["devices"]
    gpu = [d for d in devices if d.get("driver") == "nvidia" and "gpu" in d.get("capabilities", [])]
    assert gpu and int(gpu[0]["count"]) >= 1
    assert "deploy" not in SERVICES["worker-cpu"]
    # setup's GPU concurrency (pool limit and `gpu` tag limit) is one training per reserved GPU.
    assert option(argv_of("setup"), "--gpus") == str(gpu[0]["count"])


def test_named_volumes_are_declared_and_bind_mounts_exist() -> None:
    declared = set(COMPOSE.get("volumes") or {})
    for name, service in SERVICES.items():
        for volume in service.get("volumes", []):
            source = volume.split(":")[0]
            if source.startswith((".", "/")):
                assert (REPO / source).exists(), f"{name}: bind mount {source} does not exist"
            else:
                assert source in declared, f"{name}: volume {source} is not declared"
    assert {"postgres-data", "minio-data"} <= declared


def test_secrets_come_from_variables_with_dev_defaults() -> None:
    secret_key = re.compile(r"PASSWORD|SECRET|ACCESS_KEY")
    interpolated = re.compile(r"\$\{[A-Z_][A-Z0-9_]*(:-[^}]*)?\}")
    for name, service in RAW["services"].items():
        for key, value in (service.get("environment") or {}).items():
            if secret_key.search(key):
                assert interpolated.fullmatch(str(value)), f"{name}: {key} is hard-coded"
    # Passwords inside URLs too.
    for url in re.findall(r"postgresql\+?\w*://[^\s\"']+", COMPOSE_FILE.read_text()):
        assert urlsplit(url).password and urlsplit(url).password.startswith("${"), url


# -- PostgreSQL, Prefect server, MLflow, MinIO --------------------------------------------------------


def test_init_sql_creates_the_mlflow_database_for_the_compose_user() -> None:
    sql = INIT_SQL.read_text()
    assert "mlflow" in init_sql_databases()
    owner = re.search(r"CREATE\s+DATABASE\s+mlflow\s+OWNER\s+(\w+)", sql, flags=re.I)
    assert owner and owner.group(1) == env_of("postgres")["POSTGRES_USER"]
    mount = next(v for v in SERVICES["postgres"]["volumes"] if v.startswith("./docker/postgres-init.sql:"))
    assert mount.split(":")[1].startswith("/docker-entrypoint-initdb.d/")


def _check_postgres_url(url: str, driver: str) -> str:
    parts = urlsplit(url)
    postgres = env_of("postgres")
    assert parts.scheme == f"postgresql+{driver}", url
    assert (parts.hostname, parts.port or 5432) == ("postgres", 5432), url
    assert (parts.username, parts.password) == (postgres["POSTGRES_USER"], postgres["POSTGRES_PASSWORD"])
    return parts.path.lstrip("/")


def test_prefect_server_uses_asyncpg_on_a_created_database() -> None:
    env = env_of("prefect-server")
    url = env.get("PREFECT_SERVER_DATABASE_CONNECTION_URL") or env["PREFECT_API_DATABASE_CONNECTION_URL"]
    assert _check_postgres_url(url, "asyncpg") in postgres_databases()


def test_mlflow_backend_uses_an_installed_driver_on_the_mlflow_database() -> None:
    url = option(argv_of("mlflow"), "--backend-store-uri")
    assert url, "mlflow server needs --backend-store-uri (the registry needs a database)"
    driver = urlsplit(url).scheme.partition("+")[2] or "psycopg2"  # SQLAlchemy's default PostgreSQL driver
    assert _check_postgres_url(url, driver) == "mlflow" and "mlflow" in init_sql_databases()
    # The driver must be a dependency of the image (pyproject), not just importable here.
    deps = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["dependencies"]
    names = {re.split(r"[\[=<>!~ ;]", d, maxsplit=1)[0].lower().replace("_", "-") for d in deps}
    distribution = {"psycopg2": {"psycopg2", "psycopg2-binary"}, "psycopg": {"psycopg"}}[driver]
    assert distribution & names, f"{driver} driver is not among the dependencies: {sorted(names)}"


def test_mlflow_proxies_artifacts_to_a_bucket_minio_init_creates(tmp_path: Path) -> None:
    argv = argv_of("mlflow")
    assert "--serve-artifacts" in argv
    destination = urlsplit(option(argv, "--artifacts-destination") or "")
    assert destination.scheme == "s3"
    done, calls = run_minio_init(tmp_path)
    assert done.returncode == 0, done.stderr
    assert destination.hostname in created_buckets(calls)
    env, minio = env_of("mlflow"), env_of("minio")
    endpoint = urlsplit(env["MLFLOW_S3_ENDPOINT_URL"])
    assert (endpoint.hostname, endpoint.port) == ("minio", 9000)
    assert (env["AWS_ACCESS_KEY_ID"], env["AWS_SECRET_ACCESS_KEY"]) == (
        minio["MINIO_ROOT_USER"],
        minio["MINIO_ROOT_PASSWORD"],
    )


def test_mlflow_accepts_the_host_names_it_is_reached_by() -> None:
    allowed = set((option(argv_of("mlflow"), "--allowed-hosts") or "").split(","))
    assert {"mlflow", "mlflow:5000", "localhost:5000"} <= allowed
    for worker in WORKERS:
        assert urlsplit(env_of(worker)["MLFLOW_TRACKING_URI"]).netloc in allowed


def test_minio_init_creates_both_buckets_with_the_root_credentials(tmp_path: Path) -> None:
    done, calls = run_minio_init(tmp_path)
    assert done.returncode == 0, done.stderr
    root = (env_of("minio")["MINIO_ROOT_USER"], env_of("minio")["MINIO_ROOT_PASSWORD"])
    assert ["alias", "set", "local", "http://minio:9000", *root] in calls
    assert created_buckets(calls) == {env_of("worker-cpu")["LORAFORGE_S3_BUCKET"], "mlflow"}
    assert not [call for call in calls if call[0] == "admin"], "no tenants configured, no users expected"


def test_minio_init_gives_each_tenant_a_user_limited_to_its_prefix(tmp_path: Path) -> None:
    done, calls = run_minio_init(
        tmp_path, LORAFORGE_BUCKET="corp", LORAFORGE_TENANTS="acme:acme-pass-1 globex:glob-pass-2"
    )
    assert done.returncode == 0, done.stderr
    assert ["admin", "user", "add", "local", "acme", "acme-pass-1"] in calls
    assert ["admin", "policy", "attach", "local", "loraforge-globex", "--user", "globex"] in calls
    policy = json.loads((tmp_path / "mc.log.loraforge-acme.json").read_text())
    resources = {r for statement in policy["Statement"] for r in statement["Resource"]}
    assert resources == {"arn:aws:s3:::corp", "arn:aws:s3:::corp/acme/*"}
    listing = next(s for s in policy["Statement"] if s["Action"] == ["s3:ListBucket"])
    assert listing["Condition"]["StringLike"]["s3:prefix"] == ["acme/*"]


@pytest.mark.parametrize("tenants", ["Acme:long-enough-1", "acme:short", "acme"])
def test_minio_init_rejects_bad_tenant_entries(tmp_path: Path, tenants: str) -> None:
    done, calls = run_minio_init(tmp_path, LORAFORGE_TENANTS=tenants)
    assert done.returncode != 0
    assert not [call for call in calls if call[:2] == ["admin", "user"]]


# -- workers, setup and the code ----------------------------------------------------------------------


def test_workers_poll_the_pools_setup_creates_and_prefect_yaml_uses() -> None:
    setup = setup_module()
    cpu, gpu = argv_of("worker-cpu"), argv_of("worker-gpu")
    assert cpu[:3] == gpu[:3] == ["prefect", "worker", "start"]
    assert (option(cpu, "--pool"), option(gpu, "--pool")) == (setup.CPU_POOL, setup.GPU_POOL)
    # The pool types setup creates: cpu-pool is a process pool; gpu-pool's type is a setup option.
    gpu_pool_type = option(argv_of("setup"), "--gpu-pool-type") or "process"
    assert (option(cpu, "--type"), option(gpu, "--type")) == ("process", gpu_pool_type)
    used = {d["work_pool"]["name"] for d in prefect_yaml()["deployments"]}
    assert used == {setup.CPU_POOL, setup.GPU_POOL}, f"prefect.yaml pools {used}"


def test_workers_define_every_variable_the_code_reads() -> None:
    read = set().union(*(env_reads(path.read_text()) for path in code_files())) | prefect_yaml_env_placeholders()
    read |= settings_env()
    assert {"MLFLOW_TRACKING_URI", "LORAFORGE_S3_ENDPOINT", "LORAFORGE_REPO"} <= read  # the scan works
    required = read - set(OPTIONAL_ENV)
    for worker in WORKERS:
        missing = required - set(env_of(worker)) - set(dockerfile_env())
        assert not missing, f"{worker} does not define {sorted(missing)}"
        assert env_of(worker)["PREFECT_API_URL"] == "http://prefect-server:4200/api"
        assert env_of(worker)["LORAFORGE_S3_ENDPOINT"] == "minio:9000"


def _dask_cli_options(command: str) -> set[str]:
    """The options ``dask <command> --help`` of this venv lists (the CLI the image installs)."""
    dask = Path(sys.executable).parent / "dask"
    out = subprocess.run([str(dask), command, "--help"], capture_output=True, text=True, check=True).stdout
    return set(re.findall(r"(--[a-z][a-z-]*)", out))


def test_dask_workers_reach_the_scheduler_the_prefect_workers_send_shard_tasks_to() -> None:
    scheduler, worker = argv_of("dask-scheduler"), argv_of("dask-worker")
    assert scheduler[:2] == ["dask", "scheduler"] and worker[:2] == ["dask", "worker"]
    address = f"tcp://dask-scheduler:{option(scheduler, '--port')}"
    assert worker[2] == address
    assert env_of("worker-cpu")["LORAFORGE_DASK_ADDRESS"] == address
    assert SERVICES["worker-cpu"]["depends_on"]["dask-scheduler"] == {"condition": "service_healthy"}
    assert "8786" in json.dumps(SERVICES["dask-scheduler"]["healthcheck"]["test"])
    # every option given is one the installed CLI has
    for command, argv in (("scheduler", scheduler), ("worker", worker)):
        given = {arg.split("=")[0] for arg in argv if arg.startswith("--")}
        assert given <= _dask_cli_options(command), command
    # one single-threaded process per CPU: the shard work is CPU-bound Python
    assert (option(worker, "--nworkers"), option(worker, "--nthreads")) == ("-1", "1")


def test_dask_workers_run_the_worker_image_with_its_environment_and_store_volume() -> None:
    for service in ("dask-scheduler", "dask-worker"):
        assert SERVICES[service]["image"] == SERVICES["worker-cpu"]["image"]
    assert env_of("dask-worker") == env_of("worker-cpu")
    assert SERVICES["dask-worker"]["volumes"] == SERVICES["worker-cpu"]["volumes"]


def test_setup_service_has_what_the_setup_script_reads() -> None:
    setup_module()
    reads = env_reads(SETUP_MODULE.read_text()) | settings_env("LORAFORGE_S3_", "MLFLOW_")  # blocks from Settings
    missing = reads - set(OPTIONAL_ENV) - set(env_of("setup"))
    assert not missing, f"setup service does not define {sorted(missing)}"
    assert env_of("setup")["PREFECT_API_URL"] == env_of("worker-cpu")["PREFECT_API_URL"]


def test_compose_commands_run_code_that_exists() -> None:
    setup_module()
    argv = argv_of("setup")
    modules = [argv[i + 1] for i, arg in enumerate(argv) if arg == "-m"]
    assert modules == ["deployments.setup"]
    for module in modules:
        assert (REPO / (module.replace(".", "/") + ".py")).exists(), module
    assert "deploy" in argv and "--all" in argv and "--no-prompt" in argv
    for deployment in prefect_yaml()["deployments"]:
        assert (REPO / deployment["entrypoint"].split(":")[0]).exists(), deployment["entrypoint"]
    script = SERVICES["minio-init"]["entrypoint"][-1]
    mount = next(v for v in SERVICES["minio-init"]["volumes"] if v.split(":")[1] == script)
    assert (REPO / mount.split(":")[0]).resolve() == MINIO_INIT


# -- Dockerfile -------------------------------------------------------------------------------------


def test_dockerfile_workdir_is_the_repo_path_workers_and_prefect_yaml_use() -> None:
    workdirs = [args for instruction, args in dockerfile_instructions() if instruction == "WORKDIR"]
    assert workdirs and workdirs[-1] == dockerfile_env()["LORAFORGE_REPO"]
    for service in (*WORKERS, "setup"):
        assert env_of(service)["LORAFORGE_REPO"] == workdirs[-1]
    assert "LORAFORGE_REPO" in prefect_yaml_env_placeholders()
    assert f"{workdirs[-1]}/.venv/bin" in dockerfile_env()["PATH"].split(":")


def test_dockerfile_installs_with_setup_script_and_passes_the_torch_index() -> None:
    instructions = dockerfile_instructions()
    assert instructions[0] == ("FROM", "python:3.11-slim")
    torch_index = next(args for i, args in instructions if i == "ARG" and args.startswith("TORCH_INDEX="))
    assert torch_index.endswith("/whl/cpu"), "the default build must not pull the multi-GB CUDA torch"
    runs = [args for i, args in instructions if i == "RUN"]
    assert any('TORCH_INDEX="$TORCH_INDEX" bash scripts/setup.sh' in args for args in runs)


def test_dockerfile_sets_the_offline_defaults_of_the_code() -> None:
    from loraforge.offline import _DEFAULTS

    env = dockerfile_env()
    assert {key: env.get(key) for key in _DEFAULTS} == _DEFAULTS


def test_dockerignore_keeps_local_state_out_of_the_image() -> None:
    ignored = set((REPO / ".dockerignore").read_text().split())
    assert {".git", ".venv", ".loraforge"} <= ignored
