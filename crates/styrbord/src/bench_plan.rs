//! `styrbord bench plan`: a region-scale plan (issue 3's benchmark). Generates, on an EMPTY
//! database, an organisation tree, indicators distributed from the top and rolled up by sum and
//! average, their values, goals and activities; then times (a) a unit's plan page with roll-ups
//! over its subtree, (b) the follow-up save, (c) a to-do list at 8 concurrent clients.

use super::bench::{BUDGET, Progress, Series, Tree, WARMUP, XorShift, load_average, machine_facts, ms};
use anyhow::{Context, Result, bail};
use app::{Actor, App};
use clap::Args;
use domain::consolidation::{Decimal, Formula, MissingPolicy};
use domain::evaluation::ManualStatus;
use domain::governance::{GovernanceModel, Level, ObjectKind};
use domain::period::{PeriodKey, Periodicity};
use domain::plan::{Activity, FollowUp, FollowUpInput, Measure, PeriodValue, PlanObject, Reach};
use domain::policy::Grant;
use domain::role::{GrantSource, ModuleScope, Role};
use domain::user::{Licence, User};
use domain::{AssignmentId, FollowUpId, ModelId, ObjectId, OrgUnitId, UserId};
use std::sync::Arc;
use std::time::Instant;
use store::Backend;

#[derive(Args)]
pub struct PlanArgs {
    #[arg(long, default_value_t = 5000)]
    units: usize,
    #[arg(long, default_value_t = 6)]
    depth: usize,
    /// Indicators distributed from the top unit to every unit (half summed, half averaged).
    #[arg(long, default_value_t = 10)]
    indicators_per_unit: usize,
    #[arg(long, default_value_t = 4)]
    activities_per_unit: usize,
    /// Units the to-do list's person holds a role on.
    #[arg(long, default_value_t = 200)]
    todo_units: usize,
    #[arg(long, default_value_t = 8)]
    clients: usize,
    #[arg(long, default_value_t = 200)]
    samples: usize,
    #[arg(long, default_value_t = 1)]
    seed: u64,
}

const MODULE: &str = "bench";
/// Rows per write transaction while generating.
const BATCH: usize = 2000;

/// The periods each indicator has a value for: 20 in all, so 50,000 indicators hold 1,000,000
/// values. Months to September, three quarters and two tertials of the plan year (the rest of
/// the year is what the to-do lists ask for), and six earlier years as history.
fn value_periods(year: i32) -> Vec<PeriodKey> {
    let mut p: Vec<PeriodKey> = (1..=9).filter_map(|m| PeriodKey::new(year, Periodicity::Month, m)).collect();
    p.extend((1..=3).filter_map(|q| PeriodKey::new(year, Periodicity::Quarter, q)));
    p.extend((1..=2).filter_map(|t| PeriodKey::new(year, Periodicity::Tertial, t)));
    p.extend((1..=6).filter_map(|y| PeriodKey::new(year - y, Periodicity::Year, 1)));
    p
}

fn model() -> GovernanceModel {
    let level = |key: &str, kind, periodicity, parents: &[&str]| Level {
        key: key.into(),
        name_sv: key.into(),
        name_en: key.into(),
        kind,
        periodicity,
        parents: parents.iter().map(|p| (*p).to_owned()).collect(),
    };
    GovernanceModel {
        id: ModelId::new(),
        module: MODULE.into(),
        name_sv: "Benchmark".into(),
        name_en: "Benchmark".into(),
        levels: vec![
            level("goal", ObjectKind::Text, Periodicity::Year, &[]),
            level("indicator", ObjectKind::Measure, Periodicity::Month, &["goal"]),
            level("activity", ObjectKind::Activity, Periodicity::Tertial, &["goal"]),
        ],
        scale: domain::evaluation::Scale::default(),
        deadlines: domain::governance::Deadlines::default(),
        version: 1,
    }
}

fn blank(kind: ObjectKind, key: String, level: &str, unit: OrgUnitId, year: i32, title: String) -> PlanObject {
    let mut o = PlanObject::new(ObjectId::new(), key, MODULE.into(), level.into(), kind, unit, year);
    o.title = title;
    o
}

pub async fn plan(config: &crate::config::Config, args: PlanArgs) -> Result<()> {
    if args.depth == 0 || args.units < args.depth || args.todo_units == 0 || args.clients == 0 || args.samples == 0 {
        bail!("--units ≥ --depth ≥ 1, and --todo-units, --clients, --samples ≥ 1");
    }
    let app = crate::open(config).await?;
    let store = app.store().clone();
    if !store.is_empty().await? {
        bail!("the database is not empty; run the benchmark only on a new, throwaway database");
    }
    let progress = Progress(std::io::IsTerminal::is_terminal(&std::io::stderr()));
    let tree = Tree::generate(args.units, args.depth, args.seed);
    let units = tree.units(args.seed);
    let now_ms = app.clock().now_ms();
    let today = app.clock().today();
    let year = today.year();
    let backend = match store.backend() {
        Backend::Sqlite => "SQLite",
        Backend::Postgres => "PostgreSQL",
    };
    println!("Styrbord benchmark: region-scale plan and follow-up");
    println!("machine:   {}", machine_facts());
    println!("load avg:  {} (1, 5, 15 min)", load_average());
    println!(
        "database:  {backend} ({}), build profile: {}",
        config.database_url_redacted(),
        if cfg!(debug_assertions) { "debug" } else { "release" }
    );

    // --- generate -------------------------------------------------------------------------
    let started = Instant::now();
    for batch in units.chunks(BATCH) {
        let mut tx = store.begin_write().await?;
        for unit in batch {
            store::org_units::insert(&mut tx, unit, now_ms).await?;
        }
        tx.commit().await?;
    }
    {
        let mut tx = store.begin_write().await?;
        let module = store::modules::Module { key: MODULE.into(), name_sv: "Benchmark".into(), name_en: "Benchmark".into() };
        store::modules::insert(&mut tx, &module, now_ms).await?;
        store::governance::insert(&mut tx, &model(), now_ms).await?;
        tx.commit().await?;
    }
    let root = units[0].id;
    let mut rng = XorShift::new(args.seed);
    // Indicators: origins on the top unit, one copy per other unit.
    let origins: Vec<PlanObject> = (0..args.indicators_per_unit)
        .map(|i| {
            let mut o = blank(ObjectKind::Measure, format!("ind-{i}"), "indicator", root, year, format!("Indikator {i}"));
            o.reach = Reach::Distributed;
            o.position = i as i64;
            o.measure = Some(Measure {
                unit: Some("%".into()),
                decimals: 1,
                higher_is_better: i % 3 != 0,
                reported: vec![Periodicity::Year, Periodicity::Tertial, Periodicity::Quarter, Periodicity::Month],
                formula: if i % 2 == 0 { Formula::Sum } else { Formula::Average },
                missing: MissingPolicy::Skip,
                baseline: None,
                targets: vec![PeriodValue { period: PeriodKey::new(year, Periodicity::Year, 1).unwrap(), value: Decimal::from(50) }],
                budget_source: None,
            });
            o
        })
        .collect();
    let mut indicators: Vec<PlanObject> = Vec::with_capacity(units.len() * origins.len());
    for (u, unit) in units.iter().enumerate() {
        for origin in &origins {
            if u == 0 {
                indicators.push(origin.clone());
            } else {
                indicators.push(PlanObject {
                    id: ObjectId::new(),
                    key: domain::plan::copy_key(&origin.key, &unit.key),
                    unit: unit.id,
                    reach: Reach::Own,
                    distributed_from: Some(origin.id),
                    ..origin.clone()
                });
            }
        }
    }
    let mut others: Vec<PlanObject> = Vec::with_capacity(units.len() * (1 + args.activities_per_unit));
    for unit in &units {
        let goal = blank(ObjectKind::Text, format!("goal-{}", unit.key), "goal", unit.id, year, format!("Mål för {}", unit.name));
        let goal_id = goal.id;
        others.push(goal);
        for a in 0..args.activities_per_unit {
            let mut act = blank(ObjectKind::Activity, format!("act-{}-{a}", unit.key), "activity", unit.id, year, format!("Åtgärd {a}"));
            act.parent = Some(goal_id);
            act.position = 100 + a as i64;
            let start = time::Date::from_ordinal_date(year, 1 + rng.below(200) as u16).unwrap();
            act.activity = Some(Activity {
                start: Some(start),
                end: Some(start.saturating_add(time::Duration::days(30 + rng.below(300) as i64))),
                manual_status: (rng.below(5) == 0).then_some(ManualStatus::Completed),
                progress: Some(rng.below(101) as u8),
                ..Activity::default()
            });
            others.push(act);
        }
    }
    let objects_total = indicators.len() + others.len();
    for (n, batch) in indicators.chunks(BATCH).chain(others.chunks(BATCH)).enumerate() {
        let mut tx = store.begin_write().await?;
        for o in batch {
            store::objects::insert(&mut tx, o, now_ms).await.with_context(|| format!("inserting {}", o.key))?;
        }
        tx.commit().await?;
        progress.say(&format!("objects {} / {objects_total}", ((n + 1) * BATCH).min(objects_total)));
    }
    let periods = value_periods(year);
    let values_total = indicators.len() * periods.len();
    let mut written = 0usize;
    for batch in indicators.chunks(BATCH / periods.len().max(1)) {
        let mut tx = store.begin_write().await?;
        for o in batch {
            for p in &periods {
                let value = Decimal::new(rng.below(1000) as i128, 1).expect("in range");
                let f = FollowUp {
                    id: FollowUpId::new(),
                    object: o.id,
                    unit: o.unit,
                    period: *p,
                    outcome: Some(value),
                    assessment: None,
                    reason: None,
                    comment: None,
                    version: 1,
                    updated_by: None,
                    updated_at: now_ms,
                };
                store::follow_ups::save(&mut tx, &f, None).await?;
            }
        }
        tx.commit().await?;
        written += batch.len() * periods.len();
        progress.say(&format!("values {written} / {values_total}"));
    }
    progress.done();
    store.analyze().await?;
    let generation = started.elapsed();
    println!(
        "data:      {} units ({} levels), {} indicators ({} origins × {} units, sum and average), {} values, {} goals, {} activities",
        units.len(),
        args.depth,
        indicators.len(),
        origins.len(),
        units.len(),
        values_total,
        units.len(),
        units.len() * args.activities_per_unit
    );
    println!(
        "generate:  {:.1} s ({:.0} rows/s through the store's insert functions, {BATCH} rows per transaction)",
        generation.as_secs_f64(),
        (objects_total + values_total + units.len()) as f64 / generation.as_secs_f64()
    );

    // --- (a) plan page of the unit whose subtree is closest to 1,000 units --------------------
    let sizes = tree.subtree_sizes();
    let (big, big_size) = sizes.iter().enumerate().min_by_key(|(_, s)| s.abs_diff(1000)).map(|(i, s)| (i, *s)).unwrap();
    let system = Actor::system();
    let period = PeriodKey::new(year, Periodicity::Tertial, 1).unwrap().to_string();
    let mut a = Series::new(format!("(a) plan page, unit with a {big_size}-unit subtree, {period} (roll-ups cached after the first view)"));
    for i in 0..(WARMUP + args.samples) {
        let t = Instant::now();
        let view = app.plan_view(&system, &units[big].key, MODULE, Some(&period)).await.map_err(|e| anyhow::anyhow!("{e:?}"))?;
        if i >= WARMUP {
            a.add(t.elapsed(), view.rows.len());
            if a.spent() > BUDGET {
                break;
            }
        }
    }

    // --- (a') the same page right after a report in its subtree (the roll-up cache is stale) ----
    let in_big: Vec<&PlanObject> = {
        let below: std::collections::HashSet<OrgUnitId> =
            store::org_units::subtree_ids(&mut store.begin_read().await?, units[big].id).await?.into_iter().collect();
        indicators.iter().filter(|o| o.unit != units[big].id && below.contains(&o.unit)).collect()
    };
    let mut a_cold = Series::new("(a') the same page after a report in the subtree (roll-ups recomputed)".to_owned());
    for i in 0..(WARMUP + args.samples) {
        let o = in_big[rng.below(in_big.len())];
        let current = app.follow_up_view(&system, &o.id.to_string(), None, Some(&period)).await.map_err(|e| anyhow::anyhow!("{e:?}"))?;
        let version = current.follow_up.map(|f| f.version);
        let value = format!("{},{}", rng.below(100), rng.below(10));
        app.save_follow_up(&system, &o.id.to_string(), None, &period, FollowUpInput { outcome: Some(value), ..Default::default() }, version)
            .await
            .map_err(|e| anyhow::anyhow!("{e:?}"))?;
        let t = Instant::now();
        let view = app.plan_view(&system, &units[big].key, MODULE, Some(&period)).await.map_err(|e| anyhow::anyhow!("{e:?}"))?;
        if i >= WARMUP {
            a_cold.add(t.elapsed(), view.rows.len());
            if a_cold.spent() > BUDGET {
                break;
            }
        }
    }

    // --- (b) follow-up save --------------------------------------------------------------------
    let month = PeriodKey::new(year, Periodicity::Month, 10).unwrap().to_string();
    let mut b = Series::new(format!("(b) follow-up save (new value, {month}, audited)"));
    let mut order: Vec<usize> = (0..indicators.len()).collect();
    for i in (1..order.len()).rev() {
        order.swap(i, rng.below(i + 1));
    }
    for (i, &k) in order.iter().take(WARMUP + args.samples).enumerate() {
        let o = &indicators[k];
        let t = Instant::now();
        app.save_follow_up(&system, &o.id.to_string(), None, &month, FollowUpInput { outcome: Some("12,3".into()), ..Default::default() }, None)
            .await
            .map_err(|e| anyhow::anyhow!("{e:?}"))?;
        if i >= WARMUP {
            b.add(t.elapsed(), 1);
            if b.spent() > BUDGET {
                break;
            }
        }
    }

    // --- (c) to-do list of a person with roles on N units, at C concurrent clients --------------
    let user = User {
        id: UserId::new(),
        email: "bench@region.example".into(),
        name: "Bench".into(),
        home_unit_id: Some(root),
        active: true,
        licence: Licence::Full,
        locale: None,
        version: 1,
    };
    let leaves: Vec<usize> = (0..units.len()).filter(|&i| sizes[i] == 1).collect();
    let chosen: Vec<OrgUnitId> = (0..args.todo_units.min(leaves.len())).map(|i| units[leaves[i * leaves.len() / args.todo_units.min(leaves.len())]].id).collect();
    let mut grants = Vec::new();
    {
        let mut tx = store.begin_write().await?;
        store::users::insert(&mut tx, &user, None, now_ms).await?;
        for unit in &chosen {
            let scope = ModuleScope::All;
            let new = store::role_assignments::NewAssignment {
                id: AssignmentId::new(),
                user_id: user.id,
                role: Role::User,
                unit_id: *unit,
                module: &scope,
                source: GrantSource::Manual,
                created_by: None,
            };
            store::role_assignments::insert(&mut tx, &new, now_ms).await?;
            grants.push(Grant { role: Role::User, unit: *unit, module: ModuleScope::All });
        }
        tx.commit().await?;
    }
    let actor = Arc::new(Actor { user: Some(user), grants, request_id: None });
    let items = app.todo(&actor).await.map_err(|e| anyhow::anyhow!("{e:?}"))?.len();
    let per_client = (args.samples / args.clients).max(1);
    let mut tasks = Vec::new();
    for _ in 0..args.clients {
        let (app, actor): (App, Arc<Actor>) = (app.clone(), actor.clone());
        tasks.push(tokio::spawn(async move {
            let mut times = Vec::new();
            let deadline = Instant::now() + BUDGET;
            for _ in 0..per_client {
                let t = Instant::now();
                let n = app.todo(&actor).await.map(|v| v.len()).unwrap_or(0);
                times.push((t.elapsed(), n));
                if Instant::now() > deadline {
                    break;
                }
            }
            times
        }));
    }
    let mut c = Series::new(format!("(c) to-do list, roles on {} units, {} concurrent clients", chosen.len(), args.clients));
    for task in tasks {
        for (t, n) in task.await? {
            c.add(t, n);
        }
    }

    // --- (c') the same list right after the person reported in one of their units -------------
    // (their units' plan stamp changed, so the list is computed anew)
    let chosen_set: std::collections::HashSet<OrgUnitId> = chosen.iter().copied().collect();
    let theirs: Vec<&PlanObject> = indicators.iter().filter(|o| chosen_set.contains(&o.unit)).collect();
    let november = PeriodKey::new(year, Periodicity::Month, 11).unwrap().to_string();
    let mut c_cold = Series::new("(c') the same list right after a report in one of the units (computed anew)".to_owned());
    for i in 0..(WARMUP + args.samples) {
        let o = theirs[rng.below(theirs.len())];
        let current = app.follow_up_view(&system, &o.id.to_string(), None, Some(&november)).await.map_err(|e| anyhow::anyhow!("{e:?}"))?;
        let version = current.follow_up.map(|f| f.version);
        let value = format!("{},{}", rng.below(100), rng.below(10));
        app.save_follow_up(&system, &o.id.to_string(), None, &november, FollowUpInput { outcome: Some(value), ..Default::default() }, version)
            .await
            .map_err(|e| anyhow::anyhow!("{e:?}"))?;
        let t = Instant::now();
        let n = app.todo(&actor).await.map_err(|e| anyhow::anyhow!("{e:?}"))?.len();
        if i >= WARMUP {
            c_cold.add(t.elapsed(), n);
            if c_cold.spent() > BUDGET {
                break;
            }
        }
    }

    println!();
    println!("| operation | n | rows | p50 ms | p95 ms | max ms |");
    println!("|---|---:|---:|---:|---:|---:|");
    for s in [&a, &a_cold, &b, &c, &c_cold] {
        let (p50, p95, max) = s.percentiles();
        println!("| {} | {} | {} | {:.1} | {:.1} | {:.1} |", s.label, s.times.len(), s.rows_label(), ms(p50), ms(p95), ms(max));
    }
    println!("(to-do items for the person: {items}, capped at {})", app::todo::MAX_ITEMS);
    Ok(())
}
