//! `hetero env`: replays actions from the seeded initial state and prints every step.

use crate::checks::Failure;
use hetero::env::{visit_env, EnvConfig, EnvVisitor, Environment};
use hetero::rng::{stream_rng, Stream};

/// `hetero env <name>`: the environment's own action space parses `--actions`.
pub(crate) fn env_command(name: &str, seed: u64, actions: &str, max_steps: usize, json: bool) -> Result<(), Failure> {
    let config = EnvConfig { name: name.into(), max_steps, ..Default::default() };
    struct Replay<'a> {
        seed: u64,
        actions: &'a str,
        json: bool,
    }
    impl EnvVisitor for Replay<'_> {
        type Output = Result<(), Failure>;
        fn visit<E: Environment>(self, env: E) -> Self::Output {
            let mut state = env.reset(&mut stream_rng(self.seed, Stream::EnvReset, [0, 0, 0]));
            let mut obs = vec![0.0f32; env.observation_size()];
            env.observe(&state, &mut obs);
            let initial = env.initial_qpos_qvel(&state);
            let actions = env
                .action_space()
                .parse_actions(self.actions)
                .map_err(|e| Failure(format!("--actions: {e} of {}", env.name())))?;
            let print = |t: usize,
                         action: Option<&str>,
                         state: &[f64],
                         obs: &[f32],
                         reward: Option<f64>,
                         term: bool,
                         trunc: bool| {
                if self.json {
                    let mut record = serde_json::json!({"t": t, "action": action, "state": state, "obs": obs, "reward": reward, "terminated": term, "truncated": trunc});
                    if let (0, Some((qpos, qvel))) = (t, &initial) {
                        record["qpos"] = serde_json::json!(qpos);
                        record["qvel"] = serde_json::json!(qvel);
                    }
                    println!("{record}");
                } else {
                    let a = action.map_or("reset".to_string(), |a| format!("action {a}"));
                    let r = reward.map_or(String::new(), |r| format!(" reward {r}"));
                    println!(
                        "t {t:>4} {a:<10} state {state:?} obs {obs:?}{r}{}{}",
                        if term { " terminated" } else { "" },
                        if trunc { " truncated" } else { "" }
                    );
                }
            };
            print(0, None, &env.state_values(&state), &obs, None, false, false);
            for (t, (a, value)) in actions.iter().enumerate() {
                let action = value.as_action();
                let tr = env.step(&mut state, action);
                env.observe(&state, &mut obs);
                print(
                    t + 1,
                    Some(a.as_str()),
                    &env.state_values(&state),
                    &obs,
                    Some(tr.reward),
                    tr.terminated,
                    tr.truncated,
                );
                if tr.done() {
                    if t + 1 < actions.len() {
                        eprintln!("episode ended after {} actions; {} not applied", t + 1, actions.len() - t - 1);
                    }
                    break;
                }
            }
            Ok(())
        }
    }
    visit_env(&config, Replay { seed, actions, json })?
}
