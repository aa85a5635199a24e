"""make_env: Gymnasium's API over the built-in environments."""

import json

import numpy as np
import pytest

import hetero

from conftest import run_cli


def test_cartpole_reset_matches_the_cli_and_an_episode_ends(tmp_path, hetero_cli):
    env = hetero.make_env("cartpole")
    obs, info = env.reset(seed=4)
    assert obs.dtype == np.float32 and obs.shape == (4,) and info == {}
    line = run_cli(hetero_cli, "env", "cartpole", "--seed", "4", "--json", cwd=tmp_path).stdout.splitlines()[0]
    assert np.array_equal(obs, np.array(json.loads(line)["obs"], dtype=np.float32))
    total, done, steps = 0.0, False, 0
    while not done:
        obs, reward, terminated, truncated, _ = env.step(1)
        total += reward
        done = terminated or truncated
        steps += 1
    assert terminated and steps < 100 and total == steps
    with pytest.raises(RuntimeError, match="reset"):
        env.step(0)


def test_reset_without_a_seed_continues_the_stream():
    a, b = hetero.make_env("cartpole"), hetero.make_env("cartpole")
    a.reset(seed=1)
    first = a.reset()[0]
    b.reset(seed=1)
    assert np.array_equal(first, b.reset()[0])


def test_memory_chain_with_paper_a_observation():
    env = hetero.make_env("memory_chain", memory_length=3, observation="paper")
    obs, _ = env.reset(seed=0)
    assert obs.shape == (2,) and abs(obs[0]) == 1.0 and obs[1] == 0.0
    for t in range(1, 4):
        obs, reward, terminated, _, _ = env.step(0)
        assert obs[0] == 0.0 and obs[1] == np.float32(t / 4) and reward == 0.0 and not terminated
    obs, reward, terminated, _, _ = env.step(1)
    assert terminated and reward in (-1.0, 1.0)


def test_bad_input():
    with pytest.raises(ValueError, match="no-such-env"):
        hetero.make_env("no-such-env")
    with pytest.raises(ValueError, match="env.max_steps"):
        hetero.make_env("cartpole", max_steps=0)
    env = hetero.make_env("cartpole")
    env.reset(seed=0)
    with pytest.raises(TypeError, match="action"):
        env.step(0.5)
    with pytest.raises(ValueError, match="action = 2"):
        env.step(2)
    with pytest.raises(ValueError, match="seed"):
        env.reset(seed=-1)


def test_spaces():
    env = hetero.make_env("cartpole")
    space = env.action_space
    try:
        import gymnasium  # noqa: F401
    except ImportError:
        assert space == ("discrete", 2) and env.observation_space == ("box", (4,))
        return
    assert space.n == 2 and env.observation_space.shape == (4,)
