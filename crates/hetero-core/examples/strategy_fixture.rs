//! Writes python/tests/fixtures/strategies.json: for each strategy, the populations of 4
//! generations and the final state on f(x) = −Σ (x − 1)², 6 dims, population 8, seed 3, started
//! at x = 0.5. The Python tests replay the same ask/tell and compare every float exactly.
//! `cargo run --release -p hetero-core --example strategy_fixture > python/tests/fixtures/strategies.json`

use hetero_core::config::ConfigTree;

fn main() {
    let mut out = serde_json::Map::new();
    for name in ["pgpe", "open_es", "snes"] {
        let mut tree = ConfigTree::parse("", "fixture").expect("defaults parse");
        tree.set(&format!("strategy.name={name}")).expect("name");
        tree.set("strategy.population=8").expect("population");
        let config = tree.finish().expect("valid");
        let mut es = config.strategy.build(&[0.5; 6], 3);
        let mut populations = Vec::new();
        let mut population = vec![0.0f32; 8 * 6];
        for g in 0..4 {
            es.ask(g, &mut population);
            let fitness: Vec<f64> = population
                .chunks(6)
                .map(|x| -x.iter().map(|&v| (v as f64 - 1.0) * (v as f64 - 1.0)).sum::<f64>())
                .collect();
            es.tell(&fitness);
            populations.push(population.iter().map(|&v| serde_json::json!(v)).collect::<Vec<_>>());
        }
        let state: serde_json::Map<String, serde_json::Value> =
            es.state().into_iter().map(|(k, v)| (k, serde_json::json!(v))).collect();
        out.insert(name.into(), serde_json::json!({"populations": populations, "state": state}));
    }
    println!("{}", serde_json::to_string_pretty(&serde_json::Value::Object(out)).expect("json"));
}
