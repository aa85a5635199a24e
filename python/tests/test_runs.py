"""hetero.train / load_run / presets: the CLI's runs, bit for bit, and every error path."""

import os
import signal
import threading

import numpy as np
import pytest

import hetero
from hetero import _hetero

from conftest import run_cli


def assert_same_params(a: dict, b: dict) -> None:
    assert sorted(a) == sorted(b)
    for name in a:
        assert a[name].dtype == b[name].dtype and a[name].shape == b[name].shape, name
        assert np.array_equal(a[name].view(np.uint8), b[name].view(np.uint8)), f"{name} differs"


def test_presets_lists_every_preset_with_a_description():
    p = hetero.presets()
    assert "cartpole" in p and "memory-neuron" in p
    assert all(isinstance(d, str) and d for d in p.values())


@pytest.mark.parametrize("preset", ["cartpole", "memory-neuron"])
@pytest.mark.parametrize("seed", [0, 7])
def test_train_equals_the_cli_bit_for_bit(tmp_path, hetero_cli, preset, seed):
    args = ["--generations", "3", "--population", "32", "--seed", str(seed), "--set", "network.hidden=16"]
    run_cli(hetero_cli, "train", preset, *args, "--out", "cli", "--threads", "1", cwd=tmp_path)
    run = hetero.train(
        preset,
        out=tmp_path / "py",
        seed=seed,
        generations=3,
        population=32,
        threads=2,
        overrides={"network.hidden": 16},
        progress=False,
    )
    cli = hetero.load_run(tmp_path / "cli")
    assert_same_params(run.params, cli.params)
    assert_same_params(run.checkpoint, cli.checkpoint)
    assert (run.path / "config.toml").read_text().replace("threads = 2", "threads = 1") == (
        cli.path / "config.toml"
    ).read_text()
    m, c = run.metrics, cli.metrics
    for col in ("generation", "fitness_mean", "centre_fitness", "sigma_mean"):
        assert np.array_equal(m[col], c[col]), col


def test_run_exposes_config_metrics_params_summary(tmp_path):
    run = hetero.train("cartpole", out=tmp_path / "r", generations=2, population=16, progress=False)
    assert isinstance(run, hetero.Run) and "hetero.Run" in repr(run)
    assert run.config["strategy"]["population"] == 16
    assert run.config["run"]["stop_fitness"] == float("inf")
    assert run.metrics["generation"].tolist() == [1, 2]
    assert run.metrics["generation"].dtype == np.int64
    assert run.params["hidden.tau_ms"].dtype == np.float32
    assert run.summary["generations"] == 2
    again = hetero.load_run(run.path)
    assert_same_params(again.params, run.params)
    try:
        import pandas  # noqa: F401
    except ImportError:
        return
    assert list(run.metrics_frame()["generation"]) == [1, 2]


def test_a_dict_config_is_the_same_as_its_preset_keys(tmp_path):
    a = hetero.train("cartpole", out=tmp_path / "a", generations=2, population=16, progress=False)
    config = a.config
    config["run"]["threads"] = 0
    b = hetero.train(config, out=tmp_path / "b", progress=False)
    assert_same_params(a.params, b.params)


def test_resume_continues_exactly(tmp_path):
    straight = hetero.train("cartpole", out=tmp_path / "s", generations=6, population=16, progress=False)
    overrides = {"run.checkpoint_every": 3}
    split = hetero.train(
        "cartpole", out=tmp_path / "p", generations=3, population=16, overrides=overrides, progress=False
    )
    split = hetero.train("cartpole", out=split.path, generations=6, resume=True, progress=False)
    straight_params = straight.params
    assert_same_params(split.params, straight_params)
    with pytest.raises(ValueError, match="resume"):
        hetero.train("cartpole", out=split.path, seed=3, resume=True, progress=False)
    with pytest.raises(FileNotFoundError, match="checkpoint"):
        hetero.train("cartpole", out=tmp_path / "nothing", resume=True, progress=False)


def test_bad_input_raises_the_right_exception(tmp_path):
    with pytest.raises(ValueError, match="no-such-preset"):
        hetero.train("no-such-preset", out=tmp_path / "a", progress=False)
    with pytest.raises(ValueError, match="no_such.key"):
        hetero.train("cartpole", out=tmp_path / "b", overrides={"no_such.key": 1}, progress=False)
    with pytest.raises(ValueError, match="strategy.population"):
        hetero.train("cartpole", out=tmp_path / "c", population=7, progress=False)
    with pytest.raises(ValueError, match="network.hidden"):
        hetero.train("cartpole", out=tmp_path / "d", overrides={"network.hidden": "abc"}, progress=False)
    with pytest.raises(TypeError, match="generations"):
        hetero.train("cartpole", generations="3", progress=False)
    with pytest.raises(ValueError, match="seed"):
        hetero.train("cartpole", seed=-1, progress=False)
    with pytest.raises(TypeError, match="config"):
        hetero.train(3.5, progress=False)
    with pytest.raises(TypeError, match="network.hidden"):
        hetero.train({"network": {"hidden": object()}}, progress=False)
    with pytest.raises(FileNotFoundError, match="not a run directory"):
        hetero.load_run(tmp_path)
    hetero.train("cartpole", out=tmp_path / "e", generations=1, population=16, progress=False)
    with pytest.raises(FileExistsError, match="already holds a run"):
        hetero.train("cartpole", out=tmp_path / "e", generations=1, population=16, progress=False)
    assert not (tmp_path / "a").exists() and not (tmp_path / "b").exists()


def test_a_rust_panic_is_a_python_exception_not_an_abort():
    with pytest.raises(RuntimeError, match="internal error in hetero: a test panic"):
        _hetero._panic_for_test()


def test_ctrl_c_stops_at_a_generation_with_the_checkpoint_written(tmp_path):
    timer = threading.Timer(1.0, os.kill, (os.getpid(), signal.SIGINT))
    timer.start()
    try:
        with pytest.raises(KeyboardInterrupt):
            hetero.train("cartpole", out=tmp_path / "r", generations=100000, population=64, progress=False)
    finally:
        timer.cancel()
    run = hetero.load_run(tmp_path / "r")
    done = int(run.metrics["generation"][-1])
    assert done >= 1 and (run.path / "checkpoint.safetensors").is_file()
    # The checkpoint is of the last generation in metrics.csv: resuming continues from there.
    resumed = hetero.train("cartpole", out=run.path, generations=done + 2, resume=True, progress=False)
    assert resumed.metrics["generation"].tolist() == list(range(1, done + 3))


def test_progress_bar_does_not_change_results(tmp_path, capsys):
    a = hetero.train("cartpole", out=tmp_path / "a", generations=2, population=16, progress=True)
    b = hetero.train("cartpole", out=tmp_path / "b", generations=2, population=16, progress=False)
    assert_same_params(a.params, b.params)
