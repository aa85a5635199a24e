//! Parity of the MuJoCo locomotion tasks with Gymnasium v5 (feature `mujoco`): from the recorded
//! initial state, the recorded actions give the recorded observations, rewards, terminations
//! and qpos/qvel within 1e-6 (tests/fixtures/make_locomotion_fixtures.py made the fixtures).
#![cfg(feature = "mujoco")]

use hetero::env::mujoco::{Ant, HalfCheetah, Hopper, MujocoEnv, Task, Walker2d};
use hetero::env::{Action, Environment};
use serde_json::Value;

fn floats(v: &Value) -> Vec<f64> {
    v.as_array().expect("array").iter().map(|x| x.as_f64().expect("number")).collect()
}

fn close(what: &str, t: usize, ours: &[f64], theirs: &[f64], tol_rel_to: f64) {
    assert_eq!(ours.len(), theirs.len(), "{what} length at step {t}");
    for (i, (a, b)) in ours.iter().zip(theirs).enumerate() {
        let tol = 1e-6 * b.abs().max(tol_rel_to);
        assert!((a - b).abs() <= tol, "{what}[{i}] at step {t}: ours {a}, gymnasium {b}");
    }
}

fn parity<T: Task>(env: MujocoEnv<T>, file: &str) {
    let path = format!("{}/tests/fixtures/{file}", env!("CARGO_MANIFEST_DIR"));
    let data: Value = serde_json::from_str(&std::fs::read_to_string(&path).expect("fixture")).expect("json");
    let init = &data["initial"];
    let mut state = env.state_from(&floats(&init["qpos"]), &floats(&init["qvel"]));
    let mut obs = vec![0.0f32; env.observation_size()];
    env.observe(&state, &mut obs);
    // Observations are f32 here and f64 in Gymnasium: compared to 1e-6 relative above 1.
    let as64 = |o: &[f32]| o.iter().map(|&x| x as f64).collect::<Vec<_>>();
    close("obs", 0, &as64(&obs), &floats(&init["obs"]), 1.0);
    let steps = data["steps"].as_array().expect("steps");
    assert!(steps.len() >= 200);
    let mut terminations = 0;
    for (t, s) in steps.iter().enumerate() {
        let action: Vec<f32> = floats(&s["action"]).iter().map(|&a| a as f32).collect();
        let tr = env.step(&mut state, Action::Continuous(&action));
        env.observe(&state, &mut obs);
        close("qpos", t + 1, &state.qpos, &floats(&s["qpos"]), 1.0);
        close("qvel", t + 1, &state.qvel, &floats(&s["qvel"]), 1.0);
        close("obs", t + 1, &as64(&obs), &floats(&s["obs"]), 1.0);
        close("reward", t + 1, &[tr.reward], &[s["reward"].as_f64().unwrap()], 1.0);
        assert_eq!(tr.terminated, s["terminated"].as_bool().unwrap(), "terminated at step {}", t + 1);
        terminations += tr.terminated as usize;
    }
    eprintln!("{file}: {} steps match ({terminations} unhealthy)", steps.len());
}

#[test]
fn halfcheetah_matches_gymnasium() {
    parity(HalfCheetah::new(1000).expect("model"), "locomotion_halfcheetah_gymnasium.json");
}

#[test]
fn hopper_matches_gymnasium() {
    parity(Hopper::new(1000).expect("model"), "locomotion_hopper_gymnasium.json");
}

#[test]
fn walker2d_matches_gymnasium() {
    parity(Walker2d::new(1000).expect("model"), "locomotion_walker2d_gymnasium.json");
}

#[test]
fn ant_matches_gymnasium() {
    parity(Ant::new(1000).expect("model"), "locomotion_ant_gymnasium.json");
}

/// Restoring the saved state into another thread's MjData continues the episode bit for bit, so
/// population results do not depend on which worker steps which episode.
#[test]
fn episodes_are_identical_on_any_thread() {
    let env = Ant::new(1000).expect("model");
    let run = || {
        let mut s = env.reset(&mut hetero::rng::stream_rng(3, hetero::rng::Stream::EnvReset, [0, 0, 0]));
        let mut total = 0.0;
        for t in 0..100 {
            let a: Vec<f32> = (0..8).map(|j| ((t * 3 + j) as f32 * 0.37).sin()).collect();
            total += env.step(&mut s, Action::Continuous(&a)).reward;
        }
        (total, s)
    };
    let here = run();
    let there = std::thread::scope(|sc| sc.spawn(run).join().unwrap());
    assert_eq!(here, there);
}

/// A bare `mj_step` loop replaying an episode's initial state and actions ends in exactly the
/// state the environment reached (what `hetero bench locomotion` compares its throughput with),
/// with and without `mj_rnePostConstraint` in the environment's step (Ant, the others).
fn replay_matches<T: Task>(env: MujocoEnv<T>) {
    use hetero::env::mujoco::RecordedEpisode;
    let nu = match env.action_space() {
        hetero::env::ActionSpace::Continuous(n) => n,
        other => panic!("continuous actions expected, got {other:?}"),
    };
    let mut episodes = Vec::new();
    for e in 0..3u64 {
        let mut s = env.reset(&mut hetero::rng::stream_rng(5, hetero::rng::Stream::EnvReset, [e, 0, 0]));
        let (qpos, qvel) = env.initial_qpos_qvel(&s).expect("physics env");
        let mut actions = Vec::new();
        for t in 0..150 {
            let a: Vec<f32> = (0..nu).map(|j| ((t * 5 + j + e as usize) as f32 * 0.29).sin()).collect();
            actions.extend_from_slice(&a);
            let tr = env.step(&mut s, Action::Continuous(&a));
            if tr.terminated {
                break;
            }
        }
        episodes.push(RecordedEpisode { qpos, qvel, actions, final_state: env.state_values(&s) });
    }
    let (rate, matched) = env.replay_steps_per_s(&episodes);
    assert!(rate > 0.0);
    assert_eq!(matched, episodes.len(), "{}: replay diverged from the environment", T::NAME);
    // A changed action must change the end state (the check can fail).
    episodes[0].actions[0] += 0.5;
    assert_eq!(env.replay_steps_per_s(&episodes).1, episodes.len() - 1);
}

#[test]
fn bare_replay_reproduces_episodes() {
    replay_matches(HalfCheetah::new(1000).expect("model"));
    replay_matches(Hopper::new(1000).expect("model"));
    replay_matches(Walker2d::new(1000).expect("model"));
    replay_matches(Ant::new(1000).expect("model"));
}

fn hetero() -> std::process::Command {
    std::process::Command::new(env!("CARGO_BIN_EXE_hetero"))
}

/// `hetero env` takes `;`-separated action vectors and prints qpos/qvel at reset.
#[test]
fn env_command_prints_qpos_and_qvel_at_reset() {
    let out =
        hetero().args(["env", "hopper", "--seed", "1", "--actions", "0.1,0,-0.1;1,1,1", "--json"]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let lines: Vec<Value> =
        String::from_utf8_lossy(&out.stdout).lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(lines.len(), 3);
    assert_eq!(lines[0]["qpos"].as_array().unwrap().len(), 6);
    assert_eq!(lines[0]["qvel"].as_array().unwrap().len(), 6);
    assert!(lines[1].get("qpos").is_none());
    assert_eq!(lines[1]["obs"].as_array().unwrap().len(), 11);
    let bad = hetero().args(["env", "hopper", "--actions", "0.1,0"]).output().unwrap();
    assert_eq!(bad.status.code(), Some(2));
}

/// The ablation runs end to end (tiny budget) and writes its tables and figures; a training run
/// with observation normalisation saves the normaliser and is bit-identical at 1 and 2 threads.
#[test]
fn ablation_quick_and_normalised_training_are_deterministic() {
    let dir = std::env::temp_dir().join(format!("hetero-loco-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let out = hetero()
        .current_dir(&dir)
        .args(["reproduce", "ablation", "--env", "halfcheetah", "--quick", "--out", "abl"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    for f in [
        "results.csv",
        "results.md",
        "shapley.csv",
        "shapley.md",
        "shapley.png",
        "shapley.svg",
        "tau/halfcheetah/tau_fit.md",
        "tau/halfcheetah/tau_hist.png",
    ] {
        assert!(dir.join("abl").join(f).exists(), "{f} missing");
    }
    let csv = std::fs::read_to_string(dir.join("abl/results.csv")).unwrap();
    assert_eq!(csv.lines().count(), 1 + 16);
    let md = std::fs::read_to_string(dir.join("abl/results.md")).unwrap();
    assert!(md.contains("4221 ± 413") && md.contains("not 1:1"), "{md}");
    let train = |threads: &str, out: &str| {
        let o = hetero()
            .current_dir(&dir)
            .args([
                "train",
                "halfcheetah",
                "--generations",
                "3",
                "--population",
                "8",
                "--threads",
                threads,
                "--out",
                out,
            ])
            .args(["--set", "env.max_steps=60", "--set", "network.hidden=24"])
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        hetero::io::load_arrays(&dir.join(out).join("params.safetensors")).unwrap().0
    };
    let (a, b) = (train("1", "one"), train("2", "two"));
    let steps = a.get("obs_norm.steps").expect("normaliser saved").to_f64()[0];
    assert_eq!(steps, (3 * 8 * 60) as f64, "every population observation counted");
    for (name, x) in &a {
        assert_eq!(x.to_f64(), b[name].to_f64(), "{name}");
    }
    let eval = hetero().current_dir(&dir).args(["eval", "one", "--episodes", "2"]).output().unwrap();
    assert!(eval.status.success(), "{}", String::from_utf8_lossy(&eval.stderr));
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Resuming a normalised run from its checkpoint continues the normaliser exactly.
#[test]
fn resume_with_the_normaliser_is_bit_identical() {
    let dir = std::env::temp_dir().join(format!("hetero-loco-resume-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let run = |generations: &str, out: &str, resume: bool| {
        let mut cmd = hetero();
        cmd.current_dir(&dir).args(["train", "halfcheetah", "--generations", generations, "--out", out]);
        if resume {
            cmd.arg("--resume");
        } else {
            cmd.args([
                "--population",
                "8",
                "--set",
                "env.max_steps=40",
                "--set",
                "network.hidden=16",
                "--set",
                "run.checkpoint_every=2",
            ]);
        }
        let o = cmd.output().unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    };
    run("4", "full", false);
    run("2", "part", false);
    run("4", "part", true);
    let (a, _) = hetero::io::load_arrays(&dir.join("full/params.safetensors")).unwrap();
    let (b, _) = hetero::io::load_arrays(&dir.join("part/params.safetensors")).unwrap();
    assert!(a.contains_key("obs_norm.mean"));
    for (name, x) in &a {
        assert_eq!(x.to_f64(), b[name].to_f64(), "{name}");
    }
    std::fs::remove_dir_all(&dir).unwrap();
}
