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
