"""The ``loraforge`` command: YAML + dotted overrides into the flow models, help text, and a
non-editable ``pip install .`` whose console script runs the whole pipeline."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from loraforge.cli import _parser, main, parser_for, run_config
from loraforge.config import RunConfig, apply_overrides, load_config

REPO = Path(__file__).resolve().parents[1]
COMMANDS = ("pipeline", "prep", "train", "eval", "promote", "serve")
FAST = [
    "fine_tune.training.max_steps=4",
    "fine_tune.evaluation.max_examples=2",
    "fine_tune.evaluation.max_new_tokens=4",
    "fine_tune.evaluation.max_loss_examples=4",
]


def test_yaml_and_dotted_overrides_validate_into_the_flow_models(tmp_path: Path) -> None:
    path = tmp_path / "run.yaml"
    path.write_text("target: {tenant: acme}\ndata_prep:\n  pii: {policy: redact, allow_list: [Acme]}\n")
    config = load_config(
        RunConfig,
        path,
        [
            "data_prep.pii.policy=drop",
            "target.project=advisory",
            "fine_tune.training.learning_rate=1e-4",
            "fine_tune.training.max_steps=8",
            "fine_tune.overrides.sft.neftune_noise_alpha=5",
            "fine_tune.overrides.sft.seed=7",
            "data_prep.dataset.scope=Acme Advisors",
        ],
    )
    assert (config.target.tenant, config.target.project) == ("acme", "advisory")
    assert (config.data_prep.pii.policy, config.data_prep.pii.allow_list) == ("drop", ["Acme"])
    assert config.data_prep.dataset.scope == "Acme Advisors"
    assert (config.fine_tune.training.learning_rate, config.fine_tune.training.max_steps) == (1e-4, 8)
    assert config.fine_tune.overrides == {"sft": {"neftune_noise_alpha": 5, "seed": 7}}  # the second one merged
    sft = config.fine_tune.train_config().sft
    assert (sft["learning_rate"], sft["max_steps"], sft["neftune_noise_alpha"], sft["seed"]) == (1e-4, 8, 5, 7)
    assert config.source == "examples/docs"  # every section is optional


def test_bad_overrides_are_refused() -> None:
    with pytest.raises(ValueError, match="key.path=value"):
        apply_overrides({}, ["no-equals-sign"])
    with pytest.raises(ValueError, match="extra_forbidden|Extra inputs"):
        load_config(RunConfig, None, ["data_prep.pii.polcy=drop"])


def test_run_takes_the_source_the_model_and_the_recipe_by_name() -> None:
    args = parser_for("pipeline").parse_args(
        ["--source", "docs", "--base-model", "/models/qwen", "--recipe", "qlora-default.yaml", "target.tenant=acme"]
    )
    config = run_config(args)
    assert (config.source, config.target.tenant) == ("docs", "acme")
    assert (config.fine_tune.base_model, config.fine_tune.recipe) == ("/models/qwen", "qlora-default.yaml")
    assert _parser().parse_args(["run", "--source", "docs"]).command is args.command  # "run" = "pipeline"


@pytest.mark.parametrize(
    "argv, message",
    [
        (["run", "--sorce", "docs"], "unrecognized arguments: --sorce"),
        (["run", "no-equals-sign"], "key.path=value"),
        (["prep", "data_prep.pii.polcy=drop"], "polcy"),
        (["train", "ds-1", "fine_tune.training.max_steps=0"], "greater than 0"),
    ],
)
def test_bad_arguments_exit_with_a_message_not_a_traceback(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as done:
        main(argv)
    assert done.value.code == 2
    assert message in capsys.readouterr().err


@pytest.mark.parametrize("module", ["flows.pipeline", "flows.data_prep", "flows.fine_tune"])
def test_the_flow_modules_take_the_cli_arguments(module: str) -> None:
    env = {**os.environ, "PREFECT_API_URL": "http://127.0.0.1:9/api"}  # must not be reached: argparse exits first
    done = subprocess.run([sys.executable, "-m", module, "--sorce", "x"], capture_output=True, text=True, env=env)
    assert done.returncode == 2 and "unrecognized arguments: --sorce" in done.stderr
    shown = subprocess.run([sys.executable, "-m", module, "--help"], capture_output=True, text=True, env=env).stdout
    assert "KEY.PATH=VALUE" in shown and "--verbose" in shown
    assert ("--runner" in shown) == (module != "flows.fine_tune")  # where data-prep's shard tasks run


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_useful_help(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as done:
        main([command, "--help"])
    assert done.value.code == 0
    shown = capsys.readouterr().out
    assert f"usage: loraforge {command}" in shown
    assert "KEY.PATH=VALUE" in shown and "data_prep.pii.policy=drop" in shown


def test_pip_install_then_the_console_script_runs_the_pipeline(tmp_path: Path) -> None:
    """A fresh venv gets a non-editable install of the project (its dependencies come from the project
    venv through a .pth file, so nothing is downloaded); ``loraforge pipeline`` then runs from another
    folder, so the recipes and the bundle template can only come from the installed package data."""
    src = tmp_path / "src"
    for rel in subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split():
        if (REPO / rel).is_file():
            (src / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(REPO / rel, src / rel)
    venv = tmp_path / "venv"
    subprocess.run([sys._base_executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120)
    site = Path(sysconfig.get_path("purelib", vars={"base": str(venv), "platbase": str(venv)}))
    (site / "project_deps.pth").write_text(sysconfig.get_path("purelib") + "\n")
    python = venv / "bin" / "python"
    pip = [sys.executable, "-m", "pip", "--python", str(python), "install", "-q", "--no-deps"]
    subprocess.run([*pip, "--no-build-isolation", "--no-index", str(src)], check=True, timeout=600)
    shutil.rmtree(src)

    work = tmp_path / "elsewhere"
    work.mkdir()
    env = {**os.environ, "LORAFORGE_HOME": str(tmp_path / "home"), "OMP_NUM_THREADS": "2"}
    env.pop("MLFLOW_TRACKING_URI", None)
    where = subprocess.run(
        [str(python), "-c", "import loraforge; print(loraforge.__file__)"],
        cwd=work,
        env=env,
        capture_output=True,
        text=True,
    )
    assert where.stdout.startswith(str(site)), where.stdout + where.stderr  # the installed copy, not the checkout
    done = subprocess.run(
        [str(venv / "bin" / "loraforge"), "pipeline", "--source", str(REPO / "examples" / "docs"), *FAST],
        cwd=work,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    lines = done.stdout.splitlines()
    assert any(line.startswith("dataset  ds-") for line in lines)
    assert [line for line in lines if line.startswith("step ")][-1].startswith("step 4/4")
    assert any(line.startswith("adapter  default-default-adapter v1 aliases=") for line in lines)
    bundle = next(line for line in lines if line.startswith("bundle   /"))  # a path, not a file:// link
    assert Path(bundle.split()[1]).is_file()


def test_the_pipeline_form_offers_the_shipped_recipes_and_typed_training_settings() -> None:
    from prefect.utilities.callables import parameter_schema

    from flows.pipeline import pipeline

    schema = parameter_schema(pipeline.fn).model_dump_for_openapi()
    assert all(field.get("description") for field in schema["properties"].values())  # every top-level field
    definitions = schema["definitions"]
    fine_tune = definitions["FineTuneConfig"]["properties"]
    choices = [option for option in fine_tune["recipe"]["anyOf"] if "enum" in option]
    assert choices[0]["enum"] == ["tiny-cpu.yaml", "qlora-default.yaml", "qlora-fsdp.yaml"]  # or any path
    training = definitions["TrainingOverrides"]["properties"]
    assert training["learning_rate"]["anyOf"][0] == {"type": "number", "exclusiveMinimum": 0}
    assert training["lora_r"]["title"] == "LoRA rank"
    assert all(field.get("description") for field in training.values())
    assert training["processes"]["anyOf"][:2] == [
        {"exclusiveMinimum": 0, "type": "integer"},
        {"const": "auto", "type": "string"},
    ]
