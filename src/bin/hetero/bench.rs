//! `hetero bench`: throughput figures, printed as tables or JSON lines.

use crate::checks::{at_least_one, Failure};
use std::path::{Path, PathBuf};

/// `hetero bench <name>`: dispatches to the benchmark named.
pub(crate) fn bench(
    name: &str,
    env: Option<String>,
    json: bool,
    generations: Option<u64>,
    threads: Option<usize>,
    run: Option<PathBuf>,
) -> Result<(), Failure> {
    // A flag the benchmark would ignore is refused.
    if let (Some(e), false) = (&env, name == "locomotion") {
        return Err(Failure(format!("--env {e}: only `bench locomotion` takes a task, not `bench {name}`")));
    }
    if let (Some(t), "bptt") = (threads, name) {
        return Err(Failure(format!(
            "--threads {t}: `bench bptt` runs on one thread (REINFORCE is one episode per update)"
        )));
    }
    let env = env.as_deref().unwrap_or("halfcheetah");
    let threads = threads.unwrap_or(0);
    if let Some(dir) = run {
        if name != "mnist" {
            return Err(Failure(format!("--run: only `bench mnist` takes a run directory, not `bench {name}`")));
        }
        return bench_mnist_run(&dir, json, generations.unwrap_or(12), threads);
    }
    if name == "locomotion" {
        return locomotion_bench(env, json, generations.unwrap_or(3), threads);
    }
    if let (Some(g), "bptt" | "reservoir") = (generations, name) {
        return Err(Failure(format!(
            "--generations {g}: `bench {name}` times a fixed workload, not generations (cartpole, memory, mnist and locomotion take it)"
        )));
    }
    bench_command(name, json, generations.unwrap_or(12), threads)
}

/// `hetero bench locomotion --env <task>`: env-steps/s of a 256 × 1000-step generation beside raw mj_step/s.
fn locomotion_bench(env: &str, json: bool, generations: u64, threads: usize) -> Result<(), Failure> {
    at_least_one("--generations", generations)?;
    #[cfg(feature = "mujoco")]
    {
        let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build()?;
        let r =
            pool.install(|| hetero::bench::locomotion(env, 256, generations)).map_err(|e| Failure(e.to_string()))?;
        if json {
            println!("{}", serde_json::to_string(&r)?);
        } else {
            println!("locomotion {}: pop {} × 1 episode (≤ 1000 steps), hidden 64, neuron mode, median of {generations} generations, {} threads", r.env, r.population, r.threads);
            println!("{:.3} s/generation, {:.0} env-steps/s = {:.0} mj_step/s; raw mj_step loop on the same threads {:.0}/s; ratio {:.2}", r.s_per_generation, r.env_steps_per_s, r.physics_steps_per_s, r.raw_mj_steps_per_s, r.ratio);
            println!(
                "inside mj_step {:.1} % of the threads' wall time (= the ratio against a bare mj_step loop over the same trajectories); {:.2} µs per mj_step on the policy's trajectories vs {:.2} µs on the raw loop's random controls",
                100.0 * r.physics_share,
                r.us_per_mj_step,
                r.raw_us_per_mj_step
            );
            println!(
                "bare mj_step loop replaying generation 0's {} episodes (same initial states and actions; {} end in the engine's final state bit for bit): {:.0} mj_step/s; ratio {:.2}",
                r.replayed, r.replay_matched, r.replay_mj_steps_per_s, r.replay_ratio
            );
        }
        Ok(())
    }
    #[cfg(not(feature = "mujoco"))]
    {
        let _ = (env, json, threads);
        Err(Failure(
            "bench locomotion needs MuJoCo: build with `--features mujoco` after scripts/install_mujoco.sh".into(),
        ))
    }
}

fn bench_command(name: &str, json: bool, generations: u64, threads: usize) -> Result<(), Failure> {
    if name == "mnist" {
        return bench_mnist(json, generations, threads);
    }
    if name == "reservoir" {
        let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build()?;
        for line in pool.install(|| hetero::bench::reservoir(json)) {
            println!("{line}");
        }
        return Ok(());
    }
    if name == "bptt" {
        let (eps, steps) = hetero::bench::bptt(64, 500, 20, 5);
        if json {
            println!(
                "{}",
                serde_json::json!({"bench": "bptt", "hidden": 64, "steps": 500, "episodes_per_s": eps, "steps_per_s": steps, "threads": 1})
            );
        } else {
            println!("bptt: 4-64-2 LIF network, 500-step episodes, forward + backward (reset-path Jacobian, ATan α=2), f64, 1 thread");
            println!("{eps:.1} episodes/s ({steps:.3e} steps/s); REINFORCE runs one episode per update, so parallelism is across seeds");
        }
        return Ok(());
    }
    let names: Vec<&str> = match name {
        "all" => vec!["cartpole", "memory"],
        "cartpole" | "memory" => vec![name],
        _ => {
            return Err(Failure(format!(
                "bench `{name}`: unknown (known: all, cartpole, memory, bptt, mnist, reservoir)"
            )))
        }
    };
    at_least_one("--generations", generations)?;
    let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build()?;
    let machine = hetero::machine::Machine::detect();
    let used = pool.current_num_threads();
    let peak = machine.peak_gflops(used.min(machine.cores));
    if json {
        println!("{}", serde_json::json!({"machine": machine, "threads": used, "peak_gflops": peak}));
    } else {
        println!("machine: {}", machine.describe());
        println!("build: portable x86-64 (SSE2 vectors; rustc may not use wider ones), so {:.0}% of the listed peak is the most this build can reach", 100.0 * 4.0 / machine.f32_lanes as f64);
    }
    for bench in names {
        let memory = bench == "memory";
        let rows = pool.install(|| {
            if memory {
                hetero::bench::memory(&[5, 10, 20, 30], generations, 256, 64)
            } else {
                hetero::bench::cartpole(&[100, 200, 500, 1000], generations, 256, 64)
            }
        });
        if !json {
            let episodes = if memory { 16 } else { 1 };
            println!();
            println!("{bench}: pop 256, hidden 64, {episodes} episode(s)/member, median of {generations} generations from the initial centre, {used} threads");
            println!(
                "{:<7} {:>9} {:>13} {:>9} {:>15} {:>16} {:>8} {:>8} {:>12}",
                "mode",
                if memory { "L" } else { "max_steps" },
                "s/generation",
                "gen/s",
                "member-steps/s",
                "neuron-updates/s",
                "GFLOP/s",
                "% peak",
                "mean return"
            );
        }
        for r in rows {
            if json {
                let mut v = serde_json::to_value(&r)?;
                v["bench"] = serde_json::json!(bench);
                v["fraction_of_peak"] = serde_json::json!(peak.map(|p| r.gflops / p));
                if memory {
                    let l = v["max_steps"].take();
                    v.as_object_mut().expect("object").remove("max_steps");
                    v["memory_length"] = l;
                }
                println!("{v}");
            } else {
                let pct = peak.map_or("-".to_string(), |p| format!("{:.2}", 100.0 * r.gflops / p));
                println!(
                    "{:<7} {:>9} {:>13.5} {:>9.1} {:>15.3e} {:>16.3e} {:>8.2} {:>8} {:>12.3}",
                    r.mode,
                    r.max_steps,
                    r.s_per_generation,
                    r.generations_per_s,
                    r.member_steps_per_s,
                    r.neuron_updates / r.s_per_generation,
                    r.gflops,
                    pct,
                    r.mean_return
                );
            }
        }
    }
    if !json {
        println!();
        println!("MNIST: `hetero bench mnist` (needs the dataset for real spike rates); reservoirs: `hetero bench reservoir`; locomotion: `hetero bench locomotion --env halfcheetah` (feature mujoco). These rows are latency-bound (small layers, per-step environment logic), not compute-bound: % peak is given for scale only.");
    }
    Ok(())
}

/// `hetero bench mnist --run DIR`: generations of a (trained) classification run.
fn bench_mnist_run(dir: &Path, json: bool, generations: u64, threads: usize) -> Result<(), Failure> {
    at_least_one("--generations", generations)?;
    let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build()?;
    let used = pool.current_num_threads();
    let r = pool.install(|| hetero::bench::mnist_from_run(dir, generations))?;
    if json {
        let mut v = serde_json::to_value(&r)?;
        v["bench"] = serde_json::json!("mnist");
        v["run"] = serde_json::json!(dir.display().to_string());
        v["threads"] = serde_json::json!(used);
        println!("{v}");
    } else {
        println!("mnist: {} from its checkpoint, median of {generations} generations, {used} threads", dir.display());
        println!(
            "{:<7} {:>6} {:>7} {:>13} {:>11} {:>11} {:>13} {:>18} {:>16} {:>12}",
            "mode",
            "hidden",
            "params",
            "projection s",
            "proj GFLOP/s",
            "dynamics s",
            "generation s",
            "images·members/s",
            "neuron-updates/s",
            "spikes/n/step"
        );
        println!(
            "{:<7} {:>6} {:>7} {:>13.4} {:>11.1} {:>11.4} {:>13.4} {:>18.3e} {:>16.3e} {:>12.4}",
            r.mode,
            r.hidden,
            r.params,
            r.projection_s,
            r.projection_gflops,
            r.dynamics_s,
            r.generation_s,
            r.images_members_per_s,
            r.neuron_updates_per_s,
            r.spikes_per_neuron_step
        );
    }
    Ok(())
}

/// `hetero bench mnist`: both arms at the paper's four sizes; real MNIST if found, else random
/// pixels (said in the output).
fn bench_mnist(json: bool, generations: u64, threads: usize) -> Result<(), Failure> {
    use hetero::network::GenomeMode::{Neuron, Weight};
    at_least_one("--generations", generations)?;
    hetero::classify::Kernel::from_env()?;
    let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build()?;
    let machine = hetero::machine::Machine::detect();
    let used = pool.current_num_threads();
    let peak = machine.peak_gflops(used.min(machine.cores));
    let dataset = hetero::data::load(hetero::data::DatasetName::Mnist, None).ok();
    let cases = [
        (Neuron, 1024),
        (Neuron, 2048),
        (Neuron, 4096),
        (Neuron, 8192),
        (Weight, 5),
        (Weight, 10),
        (Weight, 21),
        (Weight, 42),
    ];
    let rows = pool.install(|| hetero::bench::mnist(&cases, generations, 256, dataset.as_ref()));
    let source =
        if dataset.is_some() { "MNIST training images" } else { "random pixels (MNIST not found: set HETERO_DATA)" };
    if !json {
        println!("machine: {}", machine.describe());
        println!("mnist: pop 256, batch 1024, 4 steps, {source}, median of {generations} generations from the initial centre, {used} threads");
        println!(
            "{:<7} {:>6} {:>7} {:>13} {:>11} {:>7} {:>11} {:>13} {:>18} {:>16} {:>12}",
            "mode",
            "hidden",
            "params",
            "projection s",
            "proj GFLOP/s",
            "% peak",
            "dynamics s",
            "generation s",
            "images·members/s",
            "neuron-updates/s",
            "spikes/n/step"
        );
    }
    for r in rows {
        if json {
            let mut v = serde_json::to_value(&r)?;
            v["bench"] = serde_json::json!("mnist");
            v["threads"] = serde_json::json!(used);
            v["peak_gflops"] = serde_json::json!(peak);
            v["data"] = serde_json::json!(source);
            println!("{v}");
        } else {
            let pct = peak.map_or("-".to_string(), |p| format!("{:.1}", 100.0 * r.projection_gflops / p));
            println!(
                "{:<7} {:>6} {:>7} {:>13.4} {:>11.1} {:>7} {:>11.4} {:>13.4} {:>18.3e} {:>16.3e} {:>12.4}",
                r.mode,
                r.hidden,
                r.params,
                r.projection_s,
                r.projection_gflops,
                pct,
                r.dynamics_s,
                r.generation_s,
                r.images_members_per_s,
                r.neuron_updates_per_s,
                r.spikes_per_neuron_step
            );
        }
    }
    Ok(())
}
