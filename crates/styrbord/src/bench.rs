//! `styrbord bench …`: measurements that back design choices, run against the configured
//! database. Only ever on an empty (throwaway) database: the benchmark fills it with generated
//! data and does not clean up.
//!
//! `bench org-tree` measures the closure table behind the organisation tree (BENCHMARKS.md).

use anyhow::{Context, Result, bail};
use clap::{Args, Subcommand};
use domain::OrgUnitId;
use domain::org::OrgUnit;
use std::collections::HashMap;
use std::io::IsTerminal;
use std::time::{Duration, Instant};
use store::org_units;
use store::{Backend, Tx};

use crate::config::Config;

#[derive(Subcommand)]
pub enum BenchCommand {
    /// Generate an organisation tree in an EMPTY database and time the tree queries and moves.
    OrgTree(OrgTreeArgs),
    /// Generate a region-scale plan in an EMPTY database and time the plan page, the follow-up
    /// save and the to-do list.
    Plan(crate::bench_plan::PlanArgs),
    /// Generate an organisation, budgets and a ledger file in an EMPTY database and time the
    /// import of actuals (against the raw insert rate) and the budget-vs-actual view (issue 4).
    Budget(crate::bench_budget::BudgetArgs),
    /// Load the demo into an EMPTY database, add an administration with 200 reporting units,
    /// and time exporting, completing and exporting again its annual report (issue 5).
    Report(crate::bench_report::ReportArgs),
}

#[derive(Args)]
pub struct OrgTreeArgs {
    /// Number of units to generate.
    #[arg(long, default_value_t = 5000)]
    units: usize,
    /// Number of levels, the root included (6: region → förvaltning → … → grupp).
    #[arg(long, default_value_t = 6)]
    depth: usize,
    /// Timed samples per operation (fewer if an operation exhausts its time budget).
    #[arg(long, default_value_t = 200)]
    samples: usize,
    /// Seed of the generator (same seed, same tree, same sampled units).
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Measure again on the tree an earlier run generated (same --units, --depth, --seed), e.g.
    /// after the operator ran ANALYZE. Any other non-empty database is still refused.
    #[arg(long)]
    reuse: bool,
}

pub async fn run(config: &Config, command: BenchCommand) -> Result<()> {
    match command {
        BenchCommand::OrgTree(args) => org_tree(config, args).await,
        BenchCommand::Plan(args) => crate::bench_plan::plan(config, args).await,
        BenchCommand::Budget(args) => crate::bench_budget::budget(config, args).await,
        BenchCommand::Report(args) => crate::bench_report::report(config, args).await,
    }
}

/// Units inserted per write transaction while generating.
const BATCH: usize = 500;
/// Wall-clock budget of one measured operation; sampling stops early when it is used up.
pub(crate) const BUDGET: Duration = Duration::from_secs(10);
/// Untimed calls before each measured operation (statement preparation, caches).
pub(crate) const WARMUP: usize = 5;

async fn org_tree(config: &Config, args: OrgTreeArgs) -> Result<()> {
    if args.depth == 0 || args.units < args.depth {
        bail!("--units must be at least --depth, and --depth at least 1");
    }
    if args.samples == 0 {
        bail!("--samples must be at least 1");
    }
    let app = crate::open(config).await?;
    let store = app.store().clone();
    if !args.reuse && !store.is_empty().await? {
        bail!("the database is not empty; run the benchmark only on a new, throwaway database");
    }
    let progress = Progress(std::io::stderr().is_terminal());
    let tree = Tree::generate(args.units, args.depth, args.seed);
    let units = tree.units(args.seed);
    let ids: Vec<OrgUnitId> = units.iter().map(|u| u.id).collect();
    if args.reuse {
        verify_reused(&store, &units).await?;
    }
    let backend = match store.backend() {
        Backend::Sqlite => "SQLite",
        Backend::Postgres => "PostgreSQL",
    };

    println!("Styrbord benchmark: organisation tree (closure table)");
    println!("machine:   {}", machine_facts());
    println!("load avg:  {} (1, 5, 15 min; other work on the machine skews the figures)", load_average());
    println!(
        "database:  {backend} ({}), build profile: {}",
        config.database_url_redacted(),
        if cfg!(debug_assertions) { "debug" } else { "release" }
    );
    println!(
        "tree:      {} units, {} levels, units per level {:?}, {} closure rows, seed {}",
        tree.len(),
        args.depth,
        tree.level_sizes(),
        tree.closure_rows(),
        args.seed
    );

    let now_ms = app.clock().now_ms();
    if args.reuse {
        println!("generate:  skipped (--reuse: the tree of an earlier run, checked unit by unit)");
    } else {
        // The real insert path (unit row + closure rows), in batched write transactions.
        let started = Instant::now();
        for (batch_no, batch) in units.chunks(BATCH).enumerate() {
            let mut tx = store.begin_write().await?;
            for unit in batch {
                org_units::insert(&mut tx, unit, now_ms).await.with_context(|| format!("inserting {}", unit.key))?;
            }
            tx.commit().await?;
            progress.say(&format!("generated {} / {} units", batch_no * BATCH + batch.len(), units.len()));
        }
        let generation = started.elapsed();
        progress.done();
        println!(
            "generate:  {} units in {:.2} s = {:.0} units/s ({} units per write transaction)",
            units.len(),
            generation.as_secs_f64(),
            units.len() as f64 / generation.as_secs_f64(),
            BATCH
        );
    }

    // The units the measurements aim at.
    let sizes = tree.subtree_sizes();
    let root = 0;
    let big = (0..tree.len())
        .filter(|&i| i != root)
        .min_by_key(|&i| (sizes[i].abs_diff(1000), i))
        .expect("more than one unit");
    let mid: Vec<usize> = (0..tree.len()).filter(|&i| (50..=200).contains(&sizes[i])).collect();
    let leaves: Vec<usize> = (0..tree.len()).filter(|&i| sizes[i] == 1 && i != root).collect();
    let parents: Vec<usize> = (0..tree.len()).filter(|&i| sizes[i] > 1).collect();
    let all: Vec<usize> = (0..tree.len()).collect();
    println!(
        "targets:   ~1,000 subtree = unit {big} (level {}, {} units); {} units with a 50–200 subtree; {} leaves",
        tree.level[big],
        sizes[big],
        mid.len(),
        leaves.len()
    );
    println!();

    let mut results = Vec::new();
    let n = args.samples;
    let reads: Vec<(String, ReadOp, Vec<usize>)> = vec![
        ("begin_read + commit (no query; baseline)".into(), ReadOp::Nothing, vec![root]),
        ("path(random unit)".into(), ReadOp::Path, all.clone()),
        ("children(random non-leaf unit)".into(), ReadOp::Children, parents.clone()),
        (format!("subtree_ids({}-unit subtree)", sizes[big]), ReadOp::Subtree, vec![big]),
        (format!("subtree_ids(root, {} units)", sizes[root]), ReadOp::Subtree, vec![root]),
        (format!("list_page(root={}-unit subtree, 100)", sizes[big]), ReadOp::ListPage, vec![big]),
        ("list_page(root=root, 100)".into(), ReadOp::ListPage, vec![root]),
        ("list_page(root=random unit, 100)".into(), ReadOp::ListPage, all.clone()),
        ("list_all".into(), ReadOp::ListAll, vec![root]),
    ];
    for (k, (label, op, pool)) in reads.into_iter().enumerate() {
        progress.say(&format!("measuring {label}"));
        let mut rng = XorShift::new(args.seed ^ (0x5157_0000 + k as u64));
        let mut series = Series::new(label);
        for i in 0..WARMUP + n {
            if i >= WARMUP && series.spent() > BUDGET {
                break;
            }
            let unit = ids[pool[rng.below(pool.len())]];
            let whole = Instant::now();
            let mut tx = store.begin_read().await?;
            let t = Instant::now();
            let rows = read(&mut tx, op, unit).await?;
            let call = t.elapsed();
            tx.commit().await?;
            let elapsed = if matches!(op, ReadOp::Nothing) { whole.elapsed() } else { call };
            if i >= WARMUP {
                series.add(elapsed, rows);
            }
        }
        results.push(series);
    }

    // Moves: re-hang a subtree under another parent and back, each in its own committed write
    // transaction. Timed: begin_write + move_unit + commit (what one request pays).
    let mut move_rows = Vec::new();
    // What any committed write costs (on PostgreSQL the WAL flush), as a baseline for the moves.
    progress.say("measuring the write baseline");
    let mut series = Series::new("begin_write + lock_tree + commit (baseline)".into());
    for i in 0..WARMUP + n {
        if i >= WARMUP && series.spent() > BUDGET {
            break;
        }
        let t = Instant::now();
        let mut tx = store.begin_write().await?;
        org_units::lock_tree(&mut tx).await?;
        tx.commit().await?;
        if i >= WARMUP {
            series.add(t.elapsed(), 0);
        }
    }
    results.push(series);
    let moves: Vec<(String, Vec<usize>)> = vec![
        ("move_unit(leaf), there + back".into(), leaves.clone()),
        ("move_unit(50–200-unit subtree), there + back".into(), mid.clone()),
        (format!("move_unit({}-unit subtree), there + back", sizes[big]), vec![big]),
    ];
    for (k, (label, pool)) in moves.into_iter().enumerate() {
        if pool.is_empty() {
            println!("(no units for {label}; skipped)");
            continue;
        }
        progress.say(&format!("measuring {label}"));
        let mut rng = XorShift::new(args.seed ^ (0x4d4f_0000 + k as u64));
        let mut series = Series::new(label);
        let mut closure_rows = Vec::new();
        for i in 0..WARMUP + n.div_ceil(2) {
            if i >= WARMUP && series.spent() > BUDGET {
                break;
            }
            let unit = pool[rng.below(pool.len())];
            let old_parent = tree.parent[unit].expect("the root is never moved");
            let new_parent = tree.other_parent(unit, &mut rng);
            for target in [new_parent, old_parent] {
                let version = current_version(&store, ids[unit]).await?;
                let t = Instant::now();
                let mut tx = store.begin_write().await?;
                org_units::move_unit(&mut tx, ids[unit], ids[target], version, now_ms).await?;
                tx.commit().await?;
                let elapsed = t.elapsed();
                if i >= WARMUP {
                    series.add(elapsed, sizes[unit]);
                }
            }
            if i >= WARMUP {
                // Rows deleted + inserted by one move: subtree × ancestors (old, then new).
                let new_depth = tree.level[new_parent] + 1;
                closure_rows.push(sizes[unit] * (tree.level[unit] + new_depth));
            }
        }
        let avg_rows = closure_rows.iter().sum::<usize>() / closure_rows.len().max(1);
        move_rows.push((series.label.clone(), avg_rows));
        results.push(series);
    }
    progress.done();

    // The tree must be back in its generated shape.
    let mut tx = store.begin_read().await?;
    let whole = org_units::subtree_ids(&mut tx, ids[root]).await?.len();
    let sub = org_units::subtree_ids(&mut tx, ids[big]).await?.len();
    let path = org_units::path(&mut tx, ids[big]).await?.len();
    tx.commit().await?;
    if whole != tree.len() || sub != sizes[big] || path != tree.level[big] + 1 {
        bail!("the tree did not come back to its generated shape after the moves ({whole}, {sub}, {path})");
    }

    println!(
        "{:<52} {:>7} {:>5} {:>9} {:>9} {:>9}",
        "operation (warm, one call per read transaction)", "rows", "n", "p50 ms", "p95 ms", "max ms"
    );
    println!("{}", "-".repeat(96));
    for s in &results {
        let (p50, p95, max) = s.percentiles();
        println!(
            "{:<52} {:>7} {:>5} {:>9.3} {:>9.3} {:>9.3}",
            s.label,
            s.rows_label(),
            s.times.len(),
            ms(p50),
            ms(p95),
            ms(max)
        );
    }
    println!();
    println!("Reads are timed around the store call only; the baseline row is begin + commit alone.");
    println!("Moves are timed around begin_write + move_unit + commit; n counts both directions.");
    for (label, rows) in move_rows {
        println!("  {label}: about {rows} closure rows deleted + inserted per move");
    }
    println!("The database now holds {} generated units: throw it away (it is not for real data).", tree.len());
    Ok(())
}

/// Checks that the database holds exactly the tree this run would generate, and nothing else.
async fn verify_reused(store: &store::Store, units: &[OrgUnit]) -> Result<()> {
    let mut tx = store.begin_read().await?;
    let users = store::users::count(&mut tx).await?;
    let stored = org_units::list_all(&mut tx).await?;
    tx.commit().await?;
    let expected: HashMap<OrgUnitId, &OrgUnit> = units.iter().map(|u| (u.id, u)).collect();
    let same = users == 0
        && stored.len() == units.len()
        && stored.iter().all(|s| {
            expected.get(&s.id).is_some_and(|e| e.key == s.key && e.name == s.name && e.parent_id == s.parent_id)
        });
    if !same {
        bail!(
            "--reuse: the database does not hold exactly the tree of `bench org-tree` with these --units, --depth and --seed"
        );
    }
    Ok(())
}

async fn current_version(store: &store::Store, id: OrgUnitId) -> Result<i64> {
    let mut tx = store.begin_read().await?;
    let unit = org_units::get(&mut tx, id).await?.context("a generated unit is gone")?;
    tx.commit().await?;
    Ok(unit.version)
}

#[derive(Clone, Copy)]
enum ReadOp {
    Nothing,
    Path,
    Children,
    Subtree,
    ListPage,
    ListAll,
}

async fn read(tx: &mut Tx, op: ReadOp, unit: OrgUnitId) -> store::Result<usize> {
    Ok(match op {
        ReadOp::Nothing => 0,
        ReadOp::Path => org_units::path(tx, unit).await?.len(),
        ReadOp::Children => org_units::children(tx, unit).await?.len(),
        ReadOp::Subtree => org_units::subtree_ids(tx, unit).await?.len(),
        ReadOp::ListPage => org_units::list_page(tx, Some(unit), None, 100).await?.items.len(),
        ReadOp::ListAll => org_units::list_all(tx).await?.len(),
    })
}

const LEVEL_NAMES: &[&str] = &["Region", "Förvaltning", "Verksamhetsområde", "Avdelning", "Enhet", "Sektion", "Grupp"];

/// 0..n in a seeded random order (Fisher–Yates).
fn shuffled(n: usize, seed: u64) -> Vec<usize> {
    let mut rng = XorShift::new(seed ^ 0x4b45_5953);
    let mut v: Vec<usize> = (0..n).collect();
    for i in (1..n).rev() {
        v.swap(i, rng.below(i + 1));
    }
    v
}

/// A deterministic id per generated unit: time-ordered like the UUIDv7 ids the app makes.
fn unit_id(i: usize) -> OrgUnitId {
    format!("01900000-{:04x}-7000-8000-{:012x}", (i >> 32) & 0xffff, i & 0xffff_ffff)
        .parse()
        .expect("a well-formed uuid")
}

pub(crate) struct Series {
    pub(crate) label: String,
    pub(crate) times: Vec<Duration>,
    rows: Vec<usize>,
    spent: Duration,
}

impl Series {
    pub(crate) fn new(label: String) -> Self {
        Self { label, times: Vec::new(), rows: Vec::new(), spent: Duration::ZERO }
    }

    pub(crate) fn add(&mut self, elapsed: Duration, rows: usize) {
        self.times.push(elapsed);
        self.rows.push(rows);
        self.spent += elapsed;
    }

    pub(crate) fn spent(&self) -> Duration {
        self.spent
    }

    pub(crate) fn percentiles(&self) -> (Duration, Duration, Duration) {
        let mut sorted = self.times.clone();
        sorted.sort();
        (percentile(&sorted, 50.0), percentile(&sorted, 95.0), sorted.last().copied().unwrap_or_default())
    }

    /// The rows returned (or units moved): one number, or the mean when they vary.
    pub(crate) fn rows_label(&self) -> String {
        let (min, max) = (self.rows.iter().min(), self.rows.iter().max());
        match (min, max) {
            (Some(a), Some(b)) if a == b => a.to_string(),
            (Some(_), Some(_)) => {
                format!("~{:.0}", self.rows.iter().sum::<usize>() as f64 / self.rows.len() as f64)
            }
            _ => "-".into(),
        }
    }
}

/// Nearest-rank percentile of sorted samples.
fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

pub(crate) fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// Progress lines on stderr, only when a person is watching.
pub(crate) struct Progress(pub(crate) bool);

impl Progress {
    pub(crate) fn say(&self, message: &str) {
        if self.0 {
            eprint!("\r\x1b[K{message}");
        }
    }

    pub(crate) fn done(&self) {
        if self.0 {
            eprint!("\r\x1b[K");
        }
    }
}

pub(crate) fn machine_facts() -> String {
    let cpus = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(0);
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = cpuinfo
        .lines()
        .find_map(|l| l.strip_prefix("model name").and_then(|r| r.split_once(':')).map(|(_, v)| v.trim().to_owned()))
        .unwrap_or_else(|| "unknown CPU".into());
    let mhz = cpuinfo
        .lines()
        .find_map(|l| l.strip_prefix("cpu MHz").and_then(|r| r.split_once(':')).map(|(_, v)| v.trim().to_owned()))
        .and_then(|v| v.parse::<f64>().ok())
        .map(|v| format!(" @ {v:.0} MHz"))
        .unwrap_or_default();
    let meminfo = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
    let memory = meminfo
        .lines()
        .find_map(|l| l.strip_prefix("MemTotal:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .map(|kb| format!("{:.1} GiB RAM", kb as f64 / 1024.0 / 1024.0))
        .unwrap_or_else(|| "unknown RAM".into());
    let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease").unwrap_or_default();
    format!("{model}{mhz}, {cpus} CPUs (nproc), {memory}, {} {}", std::env::consts::OS, kernel.trim())
}

pub(crate) fn load_average() -> String {
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    let fields: Vec<&str> = load.split_whitespace().take(3).collect();
    if fields.is_empty() { "unknown".into() } else { fields.join(" ") }
}

/// xorshift64*: tiny, seeded, good enough to pick units.
pub(crate) struct XorShift(u64);

impl XorShift {
    pub(crate) fn new(seed: u64) -> Self {
        // splitmix64 of the seed, so that small seeds still give well-mixed states (never 0).
        let mut z = seed.wrapping_add(0x9E37_79B9_7F4A_7C15);
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        Self((z ^ (z >> 31)) | 1)
    }

    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// Uniform in [0, 1).
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Uniform in [0, n); n > 0.
    pub(crate) fn below(&mut self, n: usize) -> usize {
        (self.unit() * n as f64) as usize % n
    }
}

/// A generated tree: units in level order (every parent comes before its children), unit 0 is
/// the root.
pub(crate) struct Tree {
    parent: Vec<Option<usize>>,
    level: Vec<usize>,
}

impl Tree {
    /// `units` units on exactly `depth` levels. The root has up to 10 children (the
    /// förvaltningar); below that every level is a constant factor larger than the one above,
    /// so the last level holds most units, as in a real organisation. Parents are drawn with
    /// uneven weights (up to 13× apart), so fan-out varies and some units have no sub-units.
    pub(crate) fn generate(units: usize, depth: usize, seed: u64) -> Tree {
        assert!(depth >= 1 && units >= depth);
        let sizes = level_sizes(units, depth);
        let mut rng = XorShift::new(seed);
        let mut parent = vec![None];
        let mut level = vec![0];
        let mut previous: Vec<usize> = vec![0];
        for (l, &size) in sizes.iter().enumerate().skip(1) {
            // Cumulative weights of the units one level up.
            let mut cumulative = Vec::with_capacity(previous.len());
            let mut total = 0.0;
            for _ in &previous {
                let u = rng.unit();
                total += 0.25 + 3.0 * u * u;
                cumulative.push(total);
            }
            let first = parent.len();
            let mut mine: Vec<usize> = Vec::with_capacity(size);
            for _ in 0..size {
                let x = rng.unit() * total;
                let k = cumulative.partition_point(|&c| c <= x).min(previous.len() - 1);
                mine.push(previous[k]);
            }
            // Children of one parent are inserted together, parents in their own order.
            mine.sort_unstable();
            for p in mine {
                parent.push(Some(p));
                level.push(l);
            }
            previous = (first..parent.len()).collect();
        }
        Tree { parent, level }
    }

    fn len(&self) -> usize {
        self.parent.len()
    }

    /// The units to insert, parents first. Ids are fixed (and time-ordered, like the UUIDv7 ids
    /// the app makes); keys, what pages sort by, are shuffled, since external keys do not
    /// follow the tree.
    pub(crate) fn units(&self, seed: u64) -> Vec<OrgUnit> {
        let valid_from = domain::validate::date("valid_from", "2020-01-01").expect("a valid date");
        let keys = shuffled(self.len(), seed);
        (0..self.len())
            .map(|i| OrgUnit {
                id: unit_id(i),
                key: format!("BENCH-{:06}", keys[i]),
                name: format!("{} {i}", LEVEL_NAMES[self.level[i].min(LEVEL_NAMES.len() - 1)]),
                short_name: None,
                parent_id: self.parent[i].map(unit_id),
                manager_id: None,
                valid_from,
                valid_to: None,
                version: 1,
            })
            .collect()
    }

    fn level_sizes(&self) -> Vec<usize> {
        let mut sizes = vec![0; self.level.iter().max().map_or(0, |m| m + 1)];
        for &l in &self.level {
            sizes[l] += 1;
        }
        sizes
    }

    /// Rows of the closure table: every unit pairs with itself and each ancestor.
    fn closure_rows(&self) -> usize {
        self.level.iter().map(|l| l + 1).sum()
    }

    /// Units in each unit's subtree, itself included.
    pub(crate) fn subtree_sizes(&self) -> Vec<usize> {
        let mut sizes = vec![1; self.len()];
        for i in (1..self.len()).rev() {
            if let Some(p) = self.parent[i] {
                sizes[p] += sizes[i];
            }
        }
        sizes
    }

    /// A new parent for `unit` outside its subtree and other than its parent: a unit on its
    /// parent's level if there is another, else one of its siblings.
    fn other_parent(&self, unit: usize, rng: &mut XorShift) -> usize {
        let parent = self.parent[unit].expect("not the root");
        let same_level: Vec<usize> =
            (0..self.len()).filter(|&i| self.level[i] == self.level[parent] && i != parent).collect();
        if !same_level.is_empty() {
            return same_level[rng.below(same_level.len())];
        }
        let siblings: Vec<usize> = (0..self.len()).filter(|&i| self.parent[i] == Some(parent) && i != unit).collect();
        if !siblings.is_empty() {
            return siblings[rng.below(siblings.len())];
        }
        // An only child of an only parent: any unit outside its subtree but its parent.
        let inside = |mut i: usize| loop {
            if i == unit {
                return true;
            }
            match self.parent[i] {
                Some(p) => i = p,
                None => return false,
            }
        };
        let others: Vec<usize> = (0..self.len()).filter(|&i| i != parent && !inside(i)).collect();
        others.get(rng.below(others.len().max(1))).copied().unwrap_or(parent)
    }
}

/// Units per level: 1 root, then up to 10, then geometric growth to the total. Every level gets
/// at least one unit, so the tree has exactly `depth` levels.
fn level_sizes(units: usize, depth: usize) -> Vec<usize> {
    let mut sizes = vec![1];
    if depth == 1 {
        return sizes;
    }
    let below = depth - 1; // levels under the root
    let rest = units - 1;
    if below == 1 {
        sizes.push(rest);
        return sizes;
    }
    let first = 10.min(rest - (below - 1));
    sizes.push(first);
    let remaining = rest - first;
    let levels = below - 1;
    // Find r with first·(r + r² + … + r^levels) = remaining.
    let sum = |r: f64| (1..=levels).map(|k| first as f64 * r.powi(k as i32)).sum::<f64>();
    let (mut lo, mut hi) = (0.0_f64, 1.0_f64);
    while sum(hi) < remaining as f64 {
        hi *= 2.0;
    }
    for _ in 0..100 {
        let mid = (lo + hi) / 2.0;
        if sum(mid) < remaining as f64 { lo = mid } else { hi = mid }
    }
    let r = (lo + hi) / 2.0;
    // Round the cumulative targets so the levels add up exactly, each keeping at least one.
    let mut done = 0usize;
    let mut target = 0.0;
    for k in 1..=levels {
        target += first as f64 * r.powi(k as i32);
        let left_after = levels - k;
        let cum = (target.round() as usize).clamp(done + 1, remaining - left_after);
        let cum = if k == levels { remaining } else { cum };
        sizes.push(cum - done);
        done = cum;
    }
    sizes
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(units: usize, depth: usize, seed: u64) -> Tree {
        let tree = Tree::generate(units, depth, seed);
        assert_eq!(tree.len(), units);
        assert_eq!(tree.parent[0], None);
        assert_eq!(tree.level_sizes().len(), depth, "exactly {depth} levels");
        for i in 1..units {
            let p = tree.parent[i].expect("only the root has no parent");
            assert!(p < i, "parent {p} of {i} is inserted first");
            assert_eq!(tree.level[i], tree.level[p] + 1);
        }
        assert_eq!(tree.subtree_sizes()[0], units);
        tree
    }

    #[test]
    fn generates_exactly_n_units_on_d_levels_with_parents_first() {
        let tree = check(5000, 6, 1);
        assert_eq!(tree.level_sizes()[1], 10, "ten förvaltningar under the region");
        check(50_000, 6, 7);
        check(20, 6, 3);
        check(6, 6, 3);
        check(1, 1, 3);
        check(2, 2, 3);
        check(100, 3, 3);
    }

    #[test]
    fn the_same_seed_gives_the_same_tree() {
        let a = Tree::generate(3000, 6, 42);
        let b = Tree::generate(3000, 6, 42);
        let c = Tree::generate(3000, 6, 43);
        assert_eq!(a.parent, b.parent);
        assert_ne!(a.parent, c.parent);
    }

    #[test]
    fn a_moved_unit_goes_outside_its_subtree() {
        let tree = Tree::generate(2000, 6, 5);
        let mut rng = XorShift::new(9);
        for unit in 1..tree.len() {
            let target = tree.other_parent(unit, &mut rng);
            assert_ne!(Some(target), tree.parent[unit]);
            let mut i = target;
            while let Some(p) = tree.parent[i] {
                assert_ne!(i, unit, "{target} lies in the subtree of {unit}");
                i = p;
            }
        }
    }

    #[test]
    fn percentiles_are_nearest_rank() {
        let sorted: Vec<Duration> = (1..=100).map(Duration::from_millis).collect();
        assert_eq!(percentile(&sorted, 50.0), Duration::from_millis(50));
        assert_eq!(percentile(&sorted, 95.0), Duration::from_millis(95));
        assert_eq!(percentile(&[Duration::from_millis(3)], 95.0), Duration::from_millis(3));
    }
}
