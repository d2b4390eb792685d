//! The monorepo benchmark (#15 item 5a): one repository holding `cds` CDs of `objects` objects
//! each (`apps/<cd>/`), all automated; one signed push that changes every one of them; how long
//! until every object is applied, how many CDs were applied within the webhook's budget, and how
//! many archive requests the push cost. Built components on the given ferry-host, kube-emulator
//! and git-emulator (Gitea API). Writes `benchmarks/monorepo.md`.

use anyhow::{bail, ensure, Result};
use clap::Parser;
use ferry_e2e::world::{commit, World, WorldOptions};
use serde_json::json;
use std::path::PathBuf;
use std::time::{Duration, Instant};

#[derive(Parser)]
struct Args {
    #[command(flatten)]
    built: ferry_e2e::bench_args::Built,
    #[arg(long, default_value_t = 100)]
    cds: usize,
    #[arg(long, default_value_t = 10)]
    objects: usize,
    /// Pushes measured (each changes every CD).
    #[arg(long, default_value_t = 3)]
    pushes: usize,
    /// The webhook's `webhook_sync_budget`.
    #[arg(long, default_value = "8s")]
    budget: String,
    #[arg(long, default_value = "benchmarks/monorepo.md")]
    out: PathBuf,
}

fn cd_name(i: usize) -> String {
    format!("app-{i:03}")
}

fn files(cds: usize, objects: usize, round: usize) -> Vec<(String, String)> {
    (0..cds)
        .flat_map(|c| {
            (0..objects).map(move |o| {
                (
                    format!("apps/{}/cm-{o:02}.yaml", cd_name(c)),
                    format!(
                        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-{o:02}\ndata:\n  round: \"{round}\"\n"
                    ),
                )
            })
        })
        .collect()
}

/// Whether every object of CD `c` carries `round`.
fn cd_applied(w: &World, c: usize, objects: usize, round: usize) -> bool {
    let round = round.to_string();
    (0..objects).all(|o| {
        w.kube
            .get("", "v1", "configmaps", &cd_name(c), &format!("cm-{o:02}"))
            .is_some_and(|cm| cm["data"]["round"].as_str() == Some(round.as_str()))
    })
}

fn archive_requests(w: &World) -> usize {
    w.git
        .requests()
        .iter()
        .filter(|r| r.path_and_query.contains("/archive/"))
        .count()
}

struct Round {
    accepted: Duration,
    all_applied: Duration,
    within_budget: usize,
    archives: usize,
    paths_in_request: usize,
}

async fn push_round(w: &World, args: &Args, budget: Duration, round: usize) -> Result<Round> {
    let before = w.repo.head().map_err(anyhow::Error::msg)?;
    let after = commit(&w.repo, &files(args.cds, args.objects, round));
    w.git.clear_requests();
    let request = w.push_request(&before, &after);
    let started = Instant::now();
    let response = request.send().await?;
    let status = response.status().as_u16();
    let text = response.text().await?;
    let accepted = started.elapsed();
    ensure!(status == 202, "round {round}: answered {status}: {text}");
    let mut applied = vec![false; args.cds];
    let mut within_budget = None;
    let deadline = Duration::from_secs(120);
    let all_applied = loop {
        for (c, done) in applied.iter_mut().enumerate() {
            if !*done {
                *done = cd_applied(w, c, args.objects, round);
            }
        }
        let count = applied.iter().filter(|d| **d).count();
        if within_budget.is_none() && started.elapsed() >= budget {
            within_budget = Some(count);
        }
        if count == args.cds {
            break started.elapsed();
        }
        if started.elapsed() > deadline {
            bail!("round {round}: {count} of {} CDs applied after {deadline:?}", args.cds);
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    };
    let paths_in_request = w
        .git
        .requests()
        .iter()
        .find(|r| r.path_and_query.contains("/archive/"))
        .map_or(0, |r| r.path_and_query.matches("paths=").count());
    Ok(Round {
        accepted,
        all_applied,
        within_budget: within_budget.unwrap_or(args.cds),
        archives: archive_requests(w),
        paths_in_request,
    })
}

#[tokio::main]
async fn main() -> Result<()> {
    let args = Args::parse();
    if args.built.checked_only(&args.out) {
        return Ok(());
    }
    let budget = Duration::from_secs(ferry_core::schedule::parse_interval(&args.budget).map_err(anyhow::Error::msg)?);
    let w = World::start_with(WorldOptions {
        webhook_sync_budget: args.budget.clone(),
        host: args.built.host.clone(),
        wasm_dir: args.built.wasm_dir.clone(),
        ..WorldOptions::default()
    })
    .await;
    commit(&w.repo, &files(args.cds, args.objects, 0));
    for c in 0..args.cds {
        let mut doc = w.cd_document(&cd_name(c));
        doc["spec"]["source"]["path"] = json!(format!("apps/{}", cd_name(c)));
        doc["spec"]["syncPolicy"]["automated"] = json!({});
        w.create(&doc).await;
    }
    // The first syncs (each CD's creation asks for one) land before the pushes are measured.
    let warm = Instant::now();
    while !(0..args.cds).all(|c| cd_applied(&w, c, args.objects, 0)) {
        ensure!(
            warm.elapsed() < Duration::from_secs(300),
            "the first syncs never landed"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let mut rounds = Vec::new();
    for round in 1..=args.pushes {
        let r = push_round(&w, &args, budget, round).await?;
        println!(
            "push {round}: 202 in {:?}, all {} CDs applied in {:?}, {} within the {} budget, {} archive request(s) ({} paths)",
            r.accepted, args.cds, r.all_applied, r.within_budget, args.budget, r.archives, r.paths_in_request
        );
        rounds.push(r);
    }
    let mut md = format!(
        "# Monorepo push (#15 item 5a)\n\n\
         `cargo run --profile fast -p ferry-e2e --bin monorepo-bench -- --wasm-dir DIR --host target/fast/ferry-host`\n\n\
         {} automated CDs of {} ConfigMaps each in one Gitea repository (`apps/<cd>/`), one signed push changing \
         every CD; webhook budget {}; host `{}` (its build profile's directory).\n\n\
         | push | 202 | all applied | CDs applied within the budget | archive requests | paths in the request |\n\
         |---|---|---|---|---|---|\n",
        args.cds,
        args.objects,
        args.budget,
        args.built
            .host
            .parent()
            .and_then(|p| p.file_name())
            .map_or("unknown".into(), |p| p.to_string_lossy().into_owned())
    );
    for (i, r) in rounds.iter().enumerate() {
        md.push_str(&format!(
            "| {} | {:.0} ms | {:.2} s | {} of {} | {} | {} |\n",
            i + 1,
            r.accepted.as_secs_f64() * 1e3,
            r.all_applied.as_secs_f64(),
            r.within_budget,
            args.cds,
            r.archives,
            r.paths_in_request
        ));
    }
    std::fs::write(&args.out, md)?;
    println!("wrote {}", args.out.display());
    Ok(())
}
