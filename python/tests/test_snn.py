"""hetero.FeedForwardSNN and its Population simulator: hand-computed steps, a run's network and
rollouts reproduced bit for bit by a Python loop of ``sim.step``, and every error path."""

import json

import numpy as np
import pytest

import hetero
from hetero import _hetero

from conftest import run_cli


def tiny_net() -> tuple[hetero.FeedForwardSNN, np.ndarray]:
    """One input, one hidden neuron, one leaky output, both weights 1 (searched in mode both)."""
    net = hetero.FeedForwardSNN(1, 1, 1, mode="both")
    g = net.initial_genome()
    g[net.segments["w_in"]] = 1.0
    g[net.segments["w_out"]] = 1.0
    return net, g


def test_hand_computed_steps_with_the_default_neuron():
    # τ = 20 ms, Δt = 5 ms: k = 0.25; v_th = 0.5, v_rest = 0, R = 1; input 1 every step.
    # hidden: u1 = 0.25, u2 = 0.25 + 0.25·0.75 = 0.4375, u3 = 0.4375 + 0.25·0.5625 = 0.578125 ≥ 0.5
    # (spike, reset to 0), u4 = 0.25. Output (leaky, k = 0.25): 0, 0, 0.25·1 = 0.25, 0.75·0.25.
    net, g = tiny_net()
    sim = net.population(g[None])
    sim.reset(1)
    hidden, out, spikes = [], [], []
    for _ in range(4):
        out.append(sim.step(np.ones((1, 1, 1), np.float32))[0, 0, 0])
        hidden.append(sim.hidden_potentials[0, 0, 0])
        spikes.append(bool(sim.spikes[0, 0, 0]))
    np.testing.assert_allclose(hidden, [0.25, 0.4375, 0.0, 0.25], rtol=1e-6)
    np.testing.assert_allclose(out, [0.0, 0.0, 0.25, 0.1875], rtol=1e-6)
    assert spikes == [False, False, True, False]
    assert sim.spike_counts.tolist() == [[[1]]] and sim.steps == 4
    assert sim.spike_counts.dtype == np.int64 and sim.spikes.dtype == np.bool_
    # reset() goes back to rest.
    sim.reset(1)
    assert sim.steps == 0 and sim.hidden_potentials[0, 0, 0] == 0.0 and sim.spike_counts.sum() == 0


def test_decode_gives_physical_units_and_the_initial_genome_the_defaults():
    net = hetero.FeedForwardSNN(4, 8, 2, seed=3, tau_ms=40.0, v_th=0.7)
    assert net.num_params == 4 * 8 and (net.inputs, net.hidden, net.outputs) == (4, 8, 2)
    assert net.dt_ms == 5.0 and net.seed == 3
    assert list(net.segments) == ["hidden.tau", "hidden.v_th", "hidden.v_rest", "hidden.r"]
    g = net.initial_genome()
    assert g.dtype == np.float32 and g.shape == (32,)
    np.testing.assert_allclose(g[net.segments["hidden.tau"]], np.log(5.0 / 35.0), rtol=1e-6)  # logit of Δt/τ
    d = net.decode(g)
    np.testing.assert_allclose(d["hidden.tau_ms"], 40.0, rtol=1e-5)
    assert d["hidden.v_th"].tolist() == [np.float32(0.7)] * 8
    assert d["w_in"].shape == (4, 8) and d["w_out"].shape == (8, 2)
    # A logit of 0 is τ = 2Δt; the genome's v_th is the threshold itself.
    g[net.segments["hidden.tau"]] = 0.0
    g[net.segments["hidden.v_th"].start] = 1.25
    d = net.decode(g)
    assert d["hidden.tau_ms"][0] == 10.0 and d["hidden.v_th"][0] == 1.25
    # The fixed weights are the LeCun draw of the seed: N(0, 1/inputs), another seed another draw.
    other = hetero.FeedForwardSNN(4, 8, 2, seed=4).decode(hetero.FeedForwardSNN(4, 8, 2, seed=4).initial_genome())
    assert not np.array_equal(d["w_in"], other["w_in"])
    # Weight mode searches the weights, starting from that draw; scale divides the genome value.
    w = hetero.FeedForwardSNN(4, 8, 2, seed=3, mode="weight")
    assert w.num_params == 4 * 8 + 8 * 2 and np.array_equal(w.initial_genome()[:32], d["w_in"].reshape(-1))
    s = hetero.FeedForwardSNN(4, 8, 2, properties=("r",), scale={"r": 4.0})
    assert s.num_params == 8 and s.initial_genome().tolist() == [0.25] * 8
    assert "hetero.FeedForwardSNN(inputs=4" in repr(s)


def test_a_runs_network_is_the_one_the_constructor_builds(tmp_path):
    run = hetero.train(
        "cartpole",
        out=tmp_path / "r",
        seed=4,
        generations=2,
        population=16,
        overrides={"network.hidden": 16},
        progress=False,
    )
    net = run.network()
    assert net.obs_norm is None and (net.inputs, net.hidden, net.outputs) == (4, 16, 2)
    same = hetero.FeedForwardSNN(4, 16, 2, seed=4)
    genome = run.params["genome"]
    assert net.num_params == same.num_params == genome.size
    for name, values in same.decode(genome).items():
        assert np.array_equal(values, run.params[name]), name
        assert np.array_equal(net.decode(genome)[name], values), name


def play(sim, envs, first_obs, discrete=True):
    """Drives every lane of `sim` on its environment (envs[m][e]) until each episode ends, the
    way the rollout does: observe, step the network, decode, step the environment. Finished lanes
    keep being stepped (their results are ignored); returns, steps and hidden spikes per lane."""
    p, e = len(envs), len(envs[0])
    obs = np.stack([np.stack(row) for row in first_obs])
    done = np.zeros((p, e), bool)
    returns = np.zeros((p, e))
    steps = np.zeros((p, e), np.int64)
    spikes = np.zeros((p, e), np.int64)
    while not done.all():
        actions = hetero.decode_actions(sim.step(obs), discrete=discrete)
        counts = sim.spike_counts.sum(axis=2)
        for m in range(p):
            for k in range(e):
                if done[m, k]:
                    continue
                o, r, terminated, truncated, _ = envs[m][k].step(actions[m, k])
                returns[m, k] += r
                steps[m, k] += 1
                obs[m, k] = o
                if terminated or truncated:
                    done[m, k] = True
                    spikes[m, k] = counts[m, k]
    return returns, steps, spikes


@pytest.mark.parametrize("normalize", [False, True])
def test_a_python_loop_of_step_equals_the_runs_evaluation(tmp_path, normalize):
    run = hetero.train(
        "cartpole",
        out=tmp_path / "r",
        seed=2,
        generations=3,
        population=16,
        overrides={"network.hidden": 16, "env.max_steps": 200, "env.normalize_obs": normalize},
        progress=False,
    )
    net, genome = run.network(), run.params["genome"]
    # With env.normalize_obs the run's statistics come with its network.
    assert (net.obs_norm is not None) == normalize
    if normalize:
        assert net.obs_norm["steps"] > 0 and net.obs_norm["mean"].shape == (4,)
    rust = run.evaluate(5, seed=9)  # what `hetero eval --episodes 5 --seed 9` runs
    assert rust.dtype == np.float64 and rust.shape == (5,)
    envs = [[run.make_env() for _ in range(5)]]
    first = [[env.reset(seed=9, options={"stream": "evaluation", "episode": k})[0] for k, env in enumerate(envs[0])]]
    sim = net.population(genome[None])
    sim.reset(5)
    returns, _, _ = play(sim, envs, first)
    assert returns[0].tolist() == rust.tolist()
    assert envs[0][0].max_steps == 200


def test_the_python_loop_equals_hetero_eval_on_the_cli(tmp_path, hetero_cli):
    run = hetero.train(
        "cartpole",
        out=tmp_path / "r",
        seed=1,
        generations=2,
        population=16,
        overrides={"network.hidden": 16},
        progress=False,
    )
    cli = json.loads(
        run_cli(hetero_cli, "eval", str(run.path), "--episodes", "4", "--seed", "3", "--json", cwd=tmp_path).stdout
    )
    envs = [[run.make_env() for _ in range(4)]]
    first = [[env.reset(seed=3, options={"stream": "evaluation", "episode": k})[0] for k, env in enumerate(envs[0])]]
    sim = run.network().population(run.params["genome"][None])
    sim.reset(4)
    returns, _, _ = play(sim, envs, first)
    total = 0.0
    for r in returns[0]:
        total += r
    assert total / 4 == cli["mean"] and returns.max() == cli["max"]


@pytest.mark.parametrize("preset", ["cartpole", "memory-neuron"])
def test_the_python_loop_replays_generation_zero_of_a_run(tmp_path, preset):
    """The run's first generation, member by member: the population PGPE asks for (the same
    seed and settings), each member on the generation's episodes; the metrics row of
    generation 1 (mean, max, member steps, spike rate) comes out bit for bit. memory-neuron
    plays 16 episodes per member, of which the engine simulates only the distinct ones."""
    run = hetero.train(
        preset,
        out=tmp_path / "r",
        seed=5,
        generations=1,
        population=16,
        overrides={"network.hidden": 16},
        progress=False,
    )
    config = run.config
    net = run.network()
    settings = [(k, str(v).lower() if isinstance(v, bool) else str(v)) for k, v in config["strategy"]["pgpe"].items()]
    es = _hetero.Strategy("pgpe", net.num_params, 16, settings, 5, net.initial_genome())
    population = es.ask()
    episodes = config["env"]["episodes"]
    envs = [[run.make_env() for _ in range(episodes)] for _ in range(16)]
    first = [
        [
            env.reset(seed=5, options={"stream": "population", "generation": 0, "episode": k})[0]
            for k, env in enumerate(row)
        ]
        for row in envs
    ]
    sim = net.population(population)
    sim.reset(episodes)
    returns, steps, spikes = play(sim, envs, first)
    fitness = []
    for row in returns:  # the engine's mean: a sum in episode order over the count
        acc = 0.0
        for r in row:
            acc += r
        fitness.append(acc / episodes)
    fitness = np.array(fitness)
    m = run.metrics
    total = 0.0
    for f in fitness:
        total += f
    assert total / 16 == m["fitness_mean"][0] and fitness.max() == m["fitness_max"][0]
    assert steps.sum() == m["member_steps"][0]
    assert spikes.sum() / (steps.sum() * 16.0) == m["spikes_per_neuron_step"][0]
    # The Rust rollout engine from Python gives the same returns and steps.
    rust_returns, rust_steps = net.rollout(population, run.make_env(), episodes, seed=5, stream="population")
    assert np.array_equal(rust_returns, returns) and np.array_equal(rust_steps, steps)


@pytest.mark.parametrize("mode", ["neuron", "weight", "both"])
@pytest.mark.parametrize("output", ["leaky", "spiking"])
def test_population_loop_equals_the_rollout_engine(mode, output):
    net = hetero.FeedForwardSNN(4, 24, 2, mode=mode, output=output, seed=11, output_neurons=mode != "weight")
    es = hetero.PGPE(net.num_params, popsize=8, sigma_init=0.3, seed=1, init=net.initial_genome())
    genomes = es.ask()
    env = hetero.make_env("cartpole", max_steps=150)
    rust_returns, rust_steps = net.rollout(genomes, env, 3, seed=7, stream="population", generation=2)
    assert rust_returns.shape == (8, 3) and rust_steps.dtype == np.int64
    envs = [[hetero.make_env("cartpole", max_steps=150) for _ in range(3)] for _ in range(8)]
    first = [
        [env.reset(seed=7, options={"generation": 2, "episode": k})[0] for k, env in enumerate(row)] for row in envs
    ]
    sim = net.population(genomes)
    sim.reset(3)
    returns, steps, _ = play(sim, envs, first)
    assert np.array_equal(returns, rust_returns) and np.array_equal(steps, rust_steps)
    assert len(set(rust_returns.ravel().tolist())) > 1  # the members differ: the test can fail


def test_observation_normalisation_matches_the_rollout():
    net = hetero.FeedForwardSNN(3, 16, 2, seed=2)
    norm = {"steps": 40.0, "mean": np.array([0.5, -0.2, 0.1]), "var": np.array([4.0, 0.5, 1e-9])}
    genomes = hetero.PGPE(net.num_params, popsize=4, sigma_init=0.3, seed=3, init=net.initial_genome()).ask()
    env = hetero.make_env("memory_chain", memory_length=6)
    rust, _ = net.rollout(genomes, env, 4, seed=1, obs_norm=norm)
    plain, _ = net.rollout(genomes, env, 4, seed=1)
    envs = [[hetero.make_env("memory_chain", memory_length=6) for _ in range(4)] for _ in range(4)]
    first = [[env.reset(seed=1, options={"episode": k})[0] for k, env in enumerate(row)] for row in envs]
    sim = net.population(genomes, obs_norm=norm)
    sim.reset(4)
    returns, _, _ = play(sim, envs, first)
    assert np.array_equal(returns, rust)
    # Normalising by hand gives the same steps as the simulator's own normalisation.
    x = np.array([[[1.0, 0.0, 0.3]]], np.float32)
    z = np.clip((x - norm["mean"]) / np.sqrt(np.clip(norm["var"] / 41.0, 1e-6, 1e6)), -5, 5).astype(np.float32)
    a, b = net.population(genomes[:1], obs_norm=norm), net.population(genomes[:1], obs_norm=None)
    a.reset(1)
    b.reset(1)
    assert np.array_equal(a.step(x), b.step(z)) and np.array_equal(a.hidden_potentials, b.hidden_potentials)
    assert plain.shape == rust.shape


def test_run_equals_repeated_steps_and_records_traces():
    net = hetero.FeedForwardSNN(3, 12, 2, seed=1)
    genomes = hetero.PGPE(net.num_params, popsize=4, sigma_init=0.2, seed=0, init=net.initial_genome()).ask()[:3]
    rng = np.random.default_rng(0)
    obs = rng.normal(size=(20, 3, 2, 3)).astype(np.float32) * 2
    a, b = net.population(genomes), net.population(genomes)
    a.reset(2)
    b.reset(2)
    trace = a.run(obs, record=True)
    outs, hidden, spikes = [], [], []
    for t in range(20):
        outs.append(b.step(obs[t]))
        hidden.append(b.hidden_potentials)
        spikes.append(b.spikes)
    assert np.array_equal(trace["output"], np.stack(outs))
    assert np.array_equal(trace["hidden_v"], np.stack(hidden)) and np.array_equal(trace["spikes"], np.stack(spikes))
    assert trace["spikes"].sum() > 0
    assert np.array_equal(a.spike_counts, trace["spikes"].sum(axis=0))
    assert np.array_equal(a.output_potentials, outs[-1])
    c = net.population(genomes)
    c.reset(2)
    assert np.array_equal(c.run(obs), np.stack(outs)) and c.steps == 20
    # Lanes are independent: resetting one lane leaves the others alone.
    mask = np.zeros((3, 2), bool)
    mask[1, 0] = True
    before = c.hidden_potentials
    c.reset_where(mask)
    after = c.hidden_potentials
    assert np.array_equal(after[0], before[0]) and np.array_equal(after[1, 1], before[1, 1])
    assert np.array_equal(after[1, 0], net.decode(genomes[1])["hidden.v_rest"])
    assert c.spike_counts[1, 0].sum() == 0


def test_decode_actions_argmax_first_on_ties_and_tanh():
    v = np.array([[[0.1, 0.3, 0.3], [-1.0, -2.0, -3.0]]], np.float32)
    a = hetero.decode_actions(v)
    assert a.tolist() == [[1, 0]] and a.dtype == np.int64
    c = hetero.decode_actions(np.array([0.0, 0.5, -20.0], np.float32), discrete=False)
    assert c.dtype == np.float32 and c[0] == 0.0 and c[2] == -1.0
    np.testing.assert_allclose(c[1], np.tanh(0.5), rtol=1e-6)
    with pytest.raises(TypeError, match="potentials"):
        hetero.decode_actions(np.array([1, 2]))
    with pytest.raises(ValueError, match="potentials"):
        hetero.decode_actions(np.zeros((2, 0), np.float32))


def test_nan_and_inf_observations_raise_and_leave_the_state_unchanged():
    net = hetero.FeedForwardSNN(4, 8, 2)
    sim = net.population(np.stack([net.initial_genome()] * 2))
    sim.reset(3)
    sim.step(np.ones((2, 3, 4), np.float32))
    before = (sim.hidden_potentials, sim.output_potentials, sim.steps)
    obs = np.ones((2, 3, 4), np.float32)
    obs[1, 2, 0] = np.nan
    with pytest.raises(ValueError, match=r"obs\[1, 2, 0\] = NaN: observations must be finite"):
        sim.step(obs)
    obs[1, 2, 0] = np.inf
    with pytest.raises(ValueError, match=r"obs\[1, 2, 0\] = inf"):
        sim.step(obs)
    seq = np.ones((5, 2, 3, 4), np.float32)
    seq[3, 0, 1, 2] = -np.inf
    with pytest.raises(ValueError, match=r"obs\[3, 0, 1, 2\] = -inf"):
        sim.run(seq)
    after = (sim.hidden_potentials, sim.output_potentials, sim.steps)
    assert all(np.array_equal(x, y) for x, y in zip(before, after))


def test_wrong_shapes_and_dtypes_name_the_argument():
    net = hetero.FeedForwardSNN(4, 8, 2)
    g = net.initial_genome()
    p = net.population(np.stack([g, g, g]))
    assert (p.popsize, p.envs, p.steps) == (3, 0, 0) and p.network is net
    p.reset(5)
    assert (p.popsize, p.envs) == (3, 5) and p.output_potentials.shape == (3, 5, 2)
    with pytest.raises(ValueError, match=r"genomes: expected shape \(popsize, 32\), got \(32,\)"):
        net.population(g)
    with pytest.raises(ValueError, match=r"genomes: expected shape \(popsize, 32\), got \(1, 31\)"):
        net.population(g[None, :31])
    with pytest.raises(TypeError, match="genomes: expected real numbers"):
        net.population(np.array([["a"] * 32]))
    bad = g.copy()
    bad[5] = np.nan
    with pytest.raises(ValueError, match=r"genomes\[1, 5\] = NaN"):
        net.population(np.stack([g, bad]))
    with pytest.raises(ValueError, match=r"genome: expected shape \(32,\), got \(2, 32\)"):
        net.decode(np.stack([g, g]))
    sim = net.population(np.stack([g, g]))
    with pytest.raises(RuntimeError, match="reset"):
        sim.step(np.zeros((2, 1, 4), np.float32))
    sim.reset(3)
    with pytest.raises(ValueError, match=r"obs: expected shape \(2, 3, 4\), got \(2, 3, 5\)"):
        sim.step(np.zeros((2, 3, 5), np.float32))
    with pytest.raises(ValueError, match=r"obs: expected shape \(2, 3, 4\), got \(3, 4\)"):
        sim.step(np.zeros((3, 4), np.float32))
    with pytest.raises(TypeError, match="obs: expected real numbers"):
        sim.step(np.zeros((2, 3, 4), np.complex64))
    with pytest.raises(TypeError, match="obs: expected real numbers"):
        sim.step(np.zeros((2, 3, 4), bool))
    with pytest.raises(ValueError, match=r"obs: expected shape \(T, 2, 3, 4\), got \(2, 3, 4\)"):
        sim.run(np.zeros((2, 3, 4), np.float32))
    with pytest.raises(ValueError, match=r"mask: expected shape \(2, 3\)"):
        sim.reset_where(np.zeros((3, 2), bool))
    with pytest.raises(TypeError, match="mask"):
        sim.reset_where(np.zeros((2, 3)))
    with pytest.raises(ValueError, match="envs_per_member = 0"):
        sim.reset(0)
    # float64 and integer observations are accepted (rounded to float32).
    assert np.array_equal(sim.step(np.zeros((2, 3, 4))), sim.output_potentials)
    sim.step(np.zeros((2, 3, 4), np.int32))
    assert "hetero.Population(popsize=2, envs=3" in repr(sim)


def test_bad_settings_raise_naming_the_key():
    with pytest.raises(ValueError, match="genome.mode"):
        hetero.FeedForwardSNN(4, 8, 2, mode="neurons")
    with pytest.raises(ValueError, match="network.output"):
        hetero.FeedForwardSNN(4, 8, 2, output="sigmoid")
    with pytest.raises(ValueError, match="network.tau_ms"):
        hetero.FeedForwardSNN(4, 8, 2, tau_ms=4.0)
    with pytest.raises(ValueError, match="properties: unknown property 'tau_ms'"):
        hetero.FeedForwardSNN(4, 8, 2, properties=("tau_ms",))
    with pytest.raises(ValueError, match="genome.properties"):
        hetero.FeedForwardSNN(4, 8, 2, properties=())
    with pytest.raises(ValueError, match="genome.scale.r"):
        hetero.FeedForwardSNN(4, 8, 2, scale={"r": -1.0})
    with pytest.raises(TypeError, match="unexpected keyword argument 'tau'"):
        hetero.FeedForwardSNN(4, 8, 2, tau=20.0)
    with pytest.raises(TypeError, match="v_th: expected a number"):
        hetero.FeedForwardSNN(4, 8, 2, v_th="high")
    with pytest.raises(ValueError, match="hidden = 0"):
        hetero.FeedForwardSNN(4, 0, 2)
    with pytest.raises(TypeError, match="inputs: expected an int"):
        hetero.FeedForwardSNN(4.0, 8, 2)
    net = hetero.FeedForwardSNN(4, 8, 2)
    g = net.initial_genome()[None]
    with pytest.raises(ValueError, match="3 observations"):
        net.rollout(g, hetero.make_env("memory_chain"), 1)
    with pytest.raises(ValueError, match="stream = 'test'"):
        net.rollout(g, hetero.make_env("cartpole"), 1, stream="test")
    with pytest.raises(ValueError, match="episodes = 0"):
        net.rollout(g, hetero.make_env("cartpole"), 0)
    with pytest.raises(ValueError, match="obs_norm: expected mean and var of shape"):
        net.population(g, obs_norm={"steps": 1.0, "mean": [0.0], "var": [1.0]})
    with pytest.raises(TypeError, match="obs_norm"):
        net.population(g, obs_norm={"mean": [0.0] * 4})
    with pytest.raises(ValueError, match="obs_norm = 'none'"):
        net.population(g, obs_norm="none")


def test_run_evaluate_checks_its_arguments(tmp_path):
    run = hetero.train("cartpole", out=tmp_path / "r", generations=1, population=16, progress=False)
    assert run.evaluate(2).shape == (2,)
    assert np.array_equal(run.evaluate(3, seed=4), run.evaluate(3, seed=4))
    with pytest.raises(ValueError, match="episodes = 0"):
        run.evaluate(0)
    with pytest.raises(TypeError, match="seed"):
        run.evaluate(2, seed="1")


def test_env_reset_options_pick_a_runs_episode():
    env = hetero.make_env("cartpole")
    a, _ = env.reset(seed=3)
    b, _ = env.reset(seed=3, options={"stream": "population", "generation": 0, "episode": 0})
    assert np.array_equal(a, b)
    c, _ = env.reset(options={"episode": 1})  # the last seed given (3), another episode
    d, _ = hetero.make_env("cartpole").reset(seed=3, options={"episode": 1})
    assert np.array_equal(c, d) and not np.array_equal(a, c)
    e, _ = env.reset(seed=3, options={"stream": "evaluation"})
    assert not np.array_equal(a, e)
    with pytest.raises(ValueError, match="options: unknown key 'epsiode'"):
        env.reset(options={"epsiode": 1})
    with pytest.raises(ValueError, match="options\\['stream'\\]"):
        env.reset(options={"stream": "train"})
    with pytest.raises(ValueError, match="options\\['generation'\\]"):
        env.reset(options={"generation": -1})
    assert env.discrete and hetero.make_env("memory_chain").discrete


def test_ctrl_c_during_a_long_run_raises_keyboard_interrupt_quickly():
    import os
    import signal
    import threading

    net = hetero.FeedForwardSNN(4, 2048, 2)
    sim = net.population(np.stack([net.initial_genome()] * 16))
    sim.reset(1)
    obs = np.ones((50_000, 16, 1, 4), np.float32)  # seconds of steps (5·10⁹ multiply-adds)
    timer = threading.Timer(0.3, os.kill, (os.getpid(), signal.SIGINT))
    timer.start()
    try:
        with pytest.raises(KeyboardInterrupt):
            sim.run(obs)
    finally:
        timer.cancel()
    assert 0 < sim.steps < 50_000  # stopped early, the state after the last whole step


def test_a_large_population_steps_in_parallel_and_still_equals_the_rollout():
    # 64 members × 8 environments × hidden 512: about 1.8·10⁶ multiply-adds a step, above the
    # size from which lanes are stepped on the thread pool (smaller steps run on one thread).
    net = hetero.FeedForwardSNN(4, 512, 2, seed=6)
    genomes = hetero.PGPE(net.num_params, popsize=64, sigma_init=0.3, seed=2, init=net.initial_genome()).ask()
    rust_returns, rust_steps = net.rollout(genomes, hetero.make_env("cartpole", max_steps=40), 8, seed=3)
    envs = [[hetero.make_env("cartpole", max_steps=40) for _ in range(8)] for _ in range(64)]
    first = [[env.reset(seed=3, options={"episode": k})[0] for k, env in enumerate(row)] for row in envs]
    sim = net.population(genomes)
    sim.reset(8)
    returns, steps, _ = play(sim, envs, first)
    assert np.array_equal(returns, rust_returns) and np.array_equal(steps, rust_steps)
