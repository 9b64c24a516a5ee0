//! `styrbord bench budget`: issue 4's benchmark. Generates, on an EMPTY database, an
//! organisation, one budget chapter per förvaltning (lines for every unit of its subtree and
//! every leaf category of the default tree) and a ledger file in memory, then times
//!
//! 1. the import of the file through `App::import_outcomes` (read, check, write: one
//!    transaction), against the raw insert rate of the same database engine on the same machine
//!    (`store::budget_outcomes::insert_actuals` of the same records, in a second, fresh
//!    database, one transaction);
//! 2. the budget-versus-actual view (`App::outcome_view`, year to date) of the unit whose subtree
//!    is closest to 1,000 units, and the HTML page that shows it.

use super::bench::{BUDGET, Progress, Series, Tree, WARMUP, XorShift, load_average, machine_facts, ms};
use anyhow::{Context, Result, bail};
use app::budget::{ChapterInput, LineInput};
use app::budget_outcomes::{ImportRequest, OutcomeScope};
use app::{Actor, App};
use clap::Args;
use domain::OrgUnitId;
use domain::budget::{
    ActualRecord, CategoryKind, ImportLine, LineAmounts, OutcomeKind, PhasingRule, YearAmount, YearMonth, check_actuals,
    default_categories,
};
use domain::money::{Money, Unit};
use domain::org::OrgUnit;
use std::collections::HashMap;
use std::time::{Duration, Instant};
use store::{Backend, Store};

#[derive(Args)]
pub struct BudgetArgs {
    /// Units in the organisation; every unit has actuals.
    #[arg(long, default_value_t = 5000)]
    units: usize,
    /// Levels of the tree, the root included.
    #[arg(long, default_value_t = 6)]
    depth: usize,
    /// Ledger accounts per unit and month. Each books to one of the 15 leaf categories of the
    /// default tree (4011, 4012 → 40 …), so accounts beyond 15 are summed into a category.
    #[arg(long, default_value_t = 20)]
    accounts: usize,
    /// Months of actuals in the file (January onwards).
    #[arg(long, default_value_t = 10)]
    months: u8,
    /// The budget year.
    #[arg(long, default_value_t = 2020)]
    year: i32,
    /// The month the view is asked for (year to date through it).
    #[arg(long, default_value_t = 10)]
    view_month: u8,
    /// The view is of the unit whose subtree is closest to this many units.
    #[arg(long, default_value_t = 1000)]
    subtree: usize,
    /// Timed samples per view (fewer if the view exhausts its time budget).
    #[arg(long, default_value_t = 200)]
    samples: usize,
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// A quick sanity run: 300 units on 4 levels, 3 months, a ~100-unit subtree, 20 samples
    /// (overrides those flags).
    #[arg(long)]
    small: bool,
    /// A second EMPTY database for the raw insert rate (default: the database URL with `_raw`
    /// appended to its path; for PostgreSQL create it first).
    #[arg(long)]
    raw_url: Option<String>,
    /// Skip the raw insert rate (no second database needed).
    #[arg(long)]
    no_raw: bool,
    /// Skip the HTML page.
    #[arg(long)]
    no_html: bool,
    /// Also time importing the same file again (it replaces every unit and month it holds).
    #[arg(long)]
    reimport: bool,
}

/// Rows per write transaction while generating units.
const BATCH: usize = 2000;
/// The leaf categories of the default tree (seed 004 §5.6); accounts are generated below them.
pub(crate) const LEAVES: &[&str] = &["34", "381", "382", "35", "39", "40", "47", "55", "61", "641", "642", "65", "66", "78", "69"];

/// Account `i`: a leaf code with a two-digit suffix (`3411`, `38111` …), the leaves in turn, so
/// 20 accounts book to all 15 leaves and five of them get a second account.
fn account(i: usize) -> (String, usize) {
    let leaf = i % LEAVES.len();
    (format!("{}{}", LEAVES[leaf], 11 + i / LEAVES.len()), leaf)
}

/// `-1 234,56`: kr with a space between thousands and a decimal comma, as Swedish ledgers
/// export them.
fn swedish_kr(ore: i64) -> String {
    let sign = if ore < 0 { "-" } else { "" };
    let abs = ore.unsigned_abs();
    let (kr, frac) = (abs / 100, abs % 100);
    let digits = kr.to_string();
    let mut grouped = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            grouped.push(' ');
        }
        grouped.push(c);
    }
    format!("{sign}{grouped},{frac:02}")
}

pub(crate) fn app_err(e: app::AppError) -> anyhow::Error {
    anyhow::anyhow!("{e:?}")
}

fn backend_name(store: &Store) -> &'static str {
    match store.backend() {
        Backend::Sqlite => "SQLite",
        Backend::Postgres => "PostgreSQL",
    }
}

/// The URL without a password.
fn redact(url: &str) -> String {
    if let Some((scheme, rest)) = url.split_once("://")
        && let Some((credentials, host)) = rest.split_once('@')
        && let Some((user, _)) = credentials.split_once(':')
    {
        return format!("{scheme}://{user}:***@{host}");
    }
    url.to_owned()
}

/// `…/db` → `…/db_raw` (before any `?query`).
fn raw_url_of(url: &str) -> String {
    match url.split_once('?') {
        Some((base, query)) => format!("{base}_raw?{query}"),
        None => format!("{url}_raw"),
    }
}

/// The 1-minute load average: other work on the machine skews a single long measurement.
fn load_1min() -> String {
    load_average().split_whitespace().next().unwrap_or("?").to_owned()
}

fn per_second(count: usize, d: Duration) -> f64 {
    count as f64 / d.as_secs_f64().max(1e-9)
}

/// Inserts the generated units (unit row + closure rows), parents first.
async fn insert_units(store: &Store, units: &[OrgUnit], now_ms: i64) -> Result<()> {
    for batch in units.chunks(BATCH) {
        let mut tx = store.begin_write().await?;
        for unit in batch {
            store::org_units::insert(&mut tx, unit, now_ms).await.with_context(|| format!("inserting {}", unit.key))?;
        }
        tx.commit().await?;
    }
    Ok(())
}

/// The generated ledger: the file and what the import must make of it.
struct Ledger {
    csv: Vec<u8>,
    lines: usize,
    /// The parsed lines, as the app hands them to the domain's check (for the rough profile).
    import_lines: Vec<ImportLine>,
    /// The records the import stores, in the order it stores them: (unit, category, month)
    /// with the accounts of one category summed.
    records: Vec<ActualRecord>,
    total_ore: i128,
}

/// A ledger export sorted by unit key, then month, then account: `enhet;konto;månad;belopp`.
fn generate_ledger(units: &[OrgUnit], accounts: usize, months: u8, year: i32, seed: u64) -> Ledger {
    let tree = default_categories();
    let accounts: Vec<(String, usize)> = (0..accounts).map(account).collect();
    let signs: Vec<i64> =
        LEAVES.iter().map(|c| if tree.kind_of(c) == Some(CategoryKind::Income) { 1 } else { -1 }).collect();
    let mut by_key: Vec<&OrgUnit> = units.iter().collect();
    by_key.sort_by(|a, b| a.key.cmp(&b.key));
    let mut rng = XorShift::new(seed ^ 0x4c45_4447);
    let lines = units.len() * accounts.len() * usize::from(months);
    let mut csv = Vec::with_capacity(lines * 40 + 32);
    csv.extend_from_slice("enhet;konto;månad;belopp\n".as_bytes());
    let mut import_lines = Vec::with_capacity(lines);
    let mut records = Vec::with_capacity(units.len() * usize::from(months) * LEAVES.len());
    let mut total_ore: i128 = 0;
    let mut line_no = 1usize;
    for unit in by_key {
        for m in 1..=months {
            let month = YearMonth::new(year, m).expect("a valid month");
            let mut sums: Vec<Option<i64>> = vec![None; LEAVES.len()];
            let mut first_seen: Vec<usize> = Vec::with_capacity(LEAVES.len());
            for (code, leaf) in &accounts {
                // Up to 100,000 kr per account and month, signed as the category (income +).
                let ore = signs[*leaf] * (1 + rng.below(10_000_000) as i64);
                line_no += 1;
                csv.extend_from_slice(format!("{};{code};{year}-{m:02};{}\n", unit.key, swedish_kr(ore)).as_bytes());
                import_lines.push(ImportLine {
                    line: line_no,
                    unit: unit.key.clone(),
                    category: code.clone(),
                    month,
                    amount: Money::from_ore(ore),
                });
                let slot = &mut sums[*leaf];
                if slot.is_none() {
                    first_seen.push(*leaf);
                }
                *slot = Some(slot.unwrap_or(0) + ore);
                total_ore += i128::from(ore);
            }
            for leaf in first_seen {
                let amount = Money::from_ore(sums[leaf].expect("seen"));
                records.push(ActualRecord { unit: unit.id, category: LEAVES[leaf].to_owned(), month, amount });
            }
        }
    }
    Ledger { csv, lines, import_lines, records, total_ore }
}

/// One chapter per förvaltning (the root's children): every unit of its subtree gets a budget
/// line for every leaf category, an annual amount phased evenly.
async fn save_chapters(app: &App, units: &[OrgUnit], year: i32, rng: &mut XorShift) -> Result<(usize, usize)> {
    let tree = default_categories();
    let root = units[0].id;
    let mut children_of: HashMap<OrgUnitId, Vec<usize>> = HashMap::new();
    for (i, u) in units.iter().enumerate() {
        if let Some(p) = u.parent_id {
            children_of.entry(p).or_default().push(i);
        }
    }
    let system = Actor::system();
    let (mut chapters, mut lines) = (0, 0);
    for &admin in children_of.get(&root).map(Vec::as_slice).unwrap_or_default() {
        let mut stack = vec![admin];
        let mut budget_lines = Vec::new();
        while let Some(i) = stack.pop() {
            for leaf in LEAVES {
                let sign = if tree.kind_of(leaf) == Some(CategoryKind::Income) { 1 } else { -1 };
                // 60,000–1,260,000 kr a year: of the order of the generated actuals.
                let kronor = 60_000 + 1_000 * rng.below(1_200) as i64;
                budget_lines.push(LineInput {
                    unit: units[i].key.clone(),
                    category: (*leaf).to_owned(),
                    year: None,
                    amounts: LineAmounts::Annual {
                        amount: Money::from_kronor(sign * kronor).expect("in range"),
                        phasing: PhasingRule::Even,
                    },
                });
            }
            stack.extend(children_of.get(&units[i].id).into_iter().flatten().copied());
        }
        lines += budget_lines.len();
        let input = ChapterInput {
            frames: vec![YearAmount::new(year, Money::from_kronor(1_000_000_000).expect("in range"))],
            budget_lines,
            ..ChapterInput::default()
        };
        app.save_budget(&system, &units[admin].key, year, input)
            .await
            .map_err(app_err)
            .with_context(|| format!("saving the budget of {}", units[admin].key))?;
        chapters += 1;
    }
    Ok((chapters, lines))
}

pub async fn budget(config: &crate::config::Config, mut args: BudgetArgs) -> Result<()> {
    if args.small {
        (args.units, args.depth, args.months, args.subtree, args.samples) = (300, 4, 3, 100, 20);
        args.view_month = args.view_month.min(args.months);
    }
    if args.depth < 2 || args.units < args.depth || args.accounts == 0 || args.samples == 0 {
        bail!("--depth ≥ 2, --units ≥ --depth, --accounts and --samples ≥ 1");
    }
    if !(1..=12).contains(&args.months) || !(1..=12).contains(&args.view_month) {
        bail!("--months and --view-month must be 1–12");
    }
    let view_month = YearMonth::new(args.year, args.view_month).context("--year out of range")?;
    let app = crate::open(config).await?;
    let store = app.store().clone();
    if !store.is_empty().await? {
        bail!("the database is not empty; run the benchmark only on a new, throwaway database");
    }
    let raw_store = if args.no_raw {
        None
    } else {
        let url = args.raw_url.clone().unwrap_or_else(|| raw_url_of(&config.database_url().unwrap_or_default()));
        let raw = Store::connect(&url)
            .await
            .with_context(|| format!("connecting to the raw-insert database {} (create it, or pass --raw-url or --no-raw)", redact(&url)))?;
        raw.migrate().await.context("migrating the raw-insert database")?;
        if !raw.is_empty().await? {
            bail!("the raw-insert database {} is not empty; give a new, throwaway one", redact(&url));
        }
        Some((raw, url))
    };
    let progress = Progress(std::io::IsTerminal::is_terminal(&std::io::stderr()));
    let now_ms = app.clock().now_ms();
    let system = Actor::system();

    println!("Styrbord benchmark: budget, import of actuals and the budget-vs-actual view (issue 4)");
    println!("machine:   {}", machine_facts());
    println!("load avg:  {} (1, 5, 15 min)", load_average());
    println!(
        "database:  {} ({}), build profile: {}",
        backend_name(&store),
        config.database_url_redacted(),
        if cfg!(debug_assertions) { "debug" } else { "release" }
    );
    if let Some((raw, url)) = &raw_store {
        println!("raw:       {} ({}), fresh, for the raw insert rate", backend_name(raw), redact(url));
    }

    // --- generate: units, budgets, the ledger file ------------------------------------------
    let started = Instant::now();
    progress.say("generating units");
    let tree = Tree::generate(args.units, args.depth, args.seed);
    let units = tree.units(args.seed);
    insert_units(&store, &units, now_ms).await?;
    progress.say("saving the budget chapters");
    let mut rng = XorShift::new(args.seed ^ 0x4255_4447);
    let (chapters, budget_lines) = save_chapters(&app, &units, args.year, &mut rng).await?;
    store.analyze().await?;
    let generation = started.elapsed();
    progress.say("generating the ledger file");
    let t = Instant::now();
    let ledger = generate_ledger(&units, args.accounts, args.months, args.year, args.seed);
    let file_time = t.elapsed();
    progress.done();
    println!(
        "data:      {} units ({} levels), {chapters} budget chapters (one per förvaltning) with {budget_lines} budget lines \
         ({} leaf categories per unit), generated and saved in {:.1} s",
        units.len(),
        args.depth,
        LEAVES.len(),
        generation.as_secs_f64()
    );
    println!(
        "file:      {} lines ({} units × {} accounts × {} months), {:.1} MB CSV, made in memory in {:.1} s; \
         {} (unit, category, month) records after summing accounts",
        ledger.lines,
        units.len(),
        args.accounts,
        args.months,
        ledger.csv.len() as f64 / 1e6,
        file_time.as_secs_f64(),
        ledger.records.len()
    );
    println!();

    // --- 1. the import, end to end -----------------------------------------------------------
    progress.say(&format!("importing {} lines", ledger.lines));
    let request = ImportRequest {
        kind: OutcomeKind::Actuals,
        year: args.year,
        amount_unit: Unit::Kr,
        file_name: "huvudbok-bench.csv".into(),
        bytes: ledger.csv.clone(),
        sheet: None,
    };
    let import_load = load_1min();
    let t = Instant::now();
    let report = app.import_outcomes(&system, request.clone()).await.map_err(app_err)?;
    let import_time = t.elapsed();
    progress.done();
    if report.is_rejected() {
        let first: Vec<String> = report.findings.issues.iter().take(5).map(|i| format!("{i:?}")).collect();
        bail!("the import was rejected: {} issues, first {first:?}; forbidden {:?}", report.findings.issues.len(), report.findings.forbidden_units);
    }
    let stored = usize::try_from(report.import.record_count).unwrap_or(0);
    if stored != ledger.records.len() || i128::from(report.import.total.as_ore()) != ledger.total_ore {
        bail!(
            "the import stored {stored} records totalling {} öre; expected {} totalling {}",
            report.import.total.as_ore(),
            ledger.records.len(),
            ledger.total_ore
        );
    }

    // Rough profile of the import's parts that can be timed from here: the domain's check of the
    // parsed lines, and the store reads the check makes (all units, the paths of the named ones).
    progress.say("profiling the check");
    let by_key: HashMap<String, OrgUnitId> = units.iter().map(|u| (u.key.clone(), u.id)).collect();
    let trees = [default_categories(), default_categories()];
    let tree_of_unit: HashMap<OrgUnitId, usize> = units.iter().map(|u| (u.id, usize::from(u.parent_id.is_some()))).collect();
    let t = Instant::now();
    let checked = check_actuals(
        &ledger.import_lines,
        &by_key,
        |unit, account| trees[tree_of_unit.get(&unit).copied().unwrap_or(0)].resolve_account(account),
        args.year,
    )
    .map_err(|p| anyhow::anyhow!("the domain check found {} problems", p.len()))?;
    let check_time = t.elapsed();
    if checked != ledger.records {
        bail!("the domain check does not give the records the bench expects");
    }
    let t = Instant::now();
    {
        let mut tx = store.begin_read().await?;
        let all = store::org_units::list_all(&mut tx).await?;
        let mut named: Vec<OrgUnitId> = all.iter().map(|u| u.id).collect();
        named.sort();
        store::org_units::paths(&mut tx, &named).await?;
        store::org_units::paths(&mut tx, &named).await?;
        tx.commit().await?;
    }
    let lookup_time = t.elapsed();
    progress.done();

    // --- 1b. the raw insert rate of the same records, into a fresh database ------------------
    let mut raw_load = "-".to_owned();
    let raw_time = match &raw_store {
        None => None,
        Some((raw, _)) => {
            progress.say("raw insert: generating the units");
            insert_units(raw, &units, now_ms).await?;
            raw.analyze().await?;
            progress.say(&format!("raw insert of {} rows", ledger.records.len()));
            raw_load = load_1min();
            let t = Instant::now();
            let mut tx = raw.begin_write().await?;
            store::budget_outcomes::insert_raw_rows(&mut tx, &ledger.records).await?;
            tx.commit().await?;
            let rows_time = t.elapsed();
            let t = Instant::now();
            let mut tx = raw.begin_write().await?;
            store::budget_outcomes::insert_actuals(&mut tx, &ledger.records).await?;
            tx.commit().await?;
            let write_time = t.elapsed();
            progress.done();
            Some((rows_time, write_time))
        }
    };

    // --- 2. the budget-vs-actual view of a ~1,000-unit subtree ------------------------------
    let sizes = tree.subtree_sizes();
    let (big, big_size) = sizes
        .iter()
        .enumerate()
        .skip(1)
        .min_by_key(|(i, s)| (s.abs_diff(args.subtree), *i))
        .map(|(i, s)| (i, *s))
        .context("more than one unit")?;
    let big_key = units[big].key.clone();
    let label = |when: &str| format!("outcome_view, {big_size}-unit subtree, YTD {view_month}, {when}");
    let samples = args.samples;
    let sample_view = |label: String| {
        let (app, system, key) = (app.clone(), system.clone(), big_key.clone());
        async move {
            let mut series = Series::new(label);
            let mut shape = (0, 0, Money::ZERO, Money::ZERO);
            for i in 0..(WARMUP + samples) {
                let t = Instant::now();
                let view = app.outcome_view(&system, &key, view_month, OutcomeScope::Subtree).await.map_err(app_err)?;
                let elapsed = t.elapsed();
                shape = (view.comparison.rows.len(), view.children.len(), view.comparison.result.budget_ytd, view.comparison.result.actual_ytd);
                if view.chapter.is_none() {
                    bail!("the view found no budget to compare with");
                }
                if i >= WARMUP {
                    series.add(elapsed, view.comparison.rows.len() + view.children.len());
                    if series.spent() > BUDGET {
                        break;
                    }
                }
            }
            Ok::<_, anyhow::Error>((series, shape))
        }
    };
    progress.say("measuring the view (no ANALYZE after the import)");
    let (view_cold, shape) = sample_view(label("as imported (no ANALYZE since)")).await?;
    store.analyze().await?;
    progress.say("measuring the view (after ANALYZE)");
    let (view_warm, _) = sample_view(label("after ANALYZE")).await?;
    progress.done();

    // --- 2b. the HTML page ------------------------------------------------------------------
    let page = if args.no_html {
        None
    } else {
        progress.say("measuring the HTML page");
        let series = html_page(&app, &units[0], &big_key, big_size, view_month, args.samples).await?;
        progress.done();
        Some(series)
    };

    // --- 1c. the same file again (replaces every unit and month) ----------------------------
    let reimport_time = if args.reimport {
        progress.say("importing the same file again");
        let t = Instant::now();
        let again = app.import_outcomes(&system, request).await.map_err(app_err)?;
        let elapsed = t.elapsed();
        progress.done();
        if again.is_rejected() || again.import.record_count != report.import.record_count {
            bail!("the second import did not store the same records");
        }
        Some(elapsed)
    } else {
        None
    };

    // --- report -----------------------------------------------------------------------------
    let rows = ledger.records.len();
    println!("1. Import of actuals ({})", backend_name(&store));
    println!(
        "   import_outcomes, end to end (read + check + write, one transaction): {} lines in {:.2} s = {:.0} lines/s; \
         {rows} rows stored ({:.0} rows/s)",
        ledger.lines,
        import_time.as_secs_f64(),
        per_second(ledger.lines, import_time),
        per_second(rows, import_time)
    );
    if let Some((raw, write)) = raw_time {
        println!(
            "   raw insert of the same {rows} records as plain rows (insert_raw_rows: a table without keys, fresh database, one transaction, commit included): {:.2} s = {:.0} rows/s",
            raw.as_secs_f64(),
            per_second(rows, raw)
        );
        println!(
            "   import / raw = {:.0} % (records/s of the import over rows/s of the raw insert; target ≥ 50 %)",
            100.0 * raw.as_secs_f64() / import_time.as_secs_f64()
        );
        println!(
            "   for comparison, the import's write alone (insert_actuals of the same records into the real tables, fresh): {:.2} s = {:.0} % of the import's time",
            write.as_secs_f64(),
            100.0 * write.as_secs_f64() / import_time.as_secs_f64()
        );
    }
    let raw_time = raw_time.map(|(_, write)| write);
    let rest = import_time.as_secs_f64() - (check_time + lookup_time + raw_time.unwrap_or_default()).as_secs_f64();
    println!(
        "   rough profile: domain check of the parsed lines {:.2} s, store reads of the check (units, paths) {:.2} s{}, \
         the rest (reading the CSV, building the lines, deletes, audit, glue) {}",
        check_time.as_secs_f64(),
        lookup_time.as_secs_f64(),
        raw_time.map(|r| format!(", the write (as the raw insert) {:.2} s", r.as_secs_f64())).unwrap_or_default(),
        if rest > 0.0 { format!("{rest:.2} s") } else { format!("≈ 0 s (the parts add up to {:.2} s more than the whole: noise)", -rest) }
    );
    println!("   1-minute load average: {import_load} before the import, {raw_load} before the raw insert");
    if let Some(again) = reimport_time {
        println!(
            "   the same file again (every unit and month replaced): {:.2} s = {:.0} lines/s",
            again.as_secs_f64(),
            per_second(ledger.lines, again)
        );
    }
    println!();
    println!(
        "2. Budget-vs-actual view: unit {big_key} ({big_size} units in its subtree), {view_month}: {} category rows, {} sub-units; \
         result YTD budget {} kr, actual {} kr",
        shape.0,
        shape.1,
        domain::money::format_sv(shape.2, Unit::Kr, 0),
        domain::money::format_sv(shape.3, Unit::Kr, 0)
    );
    println!("| operation | target p95 | n | p50 ms | p95 ms | max ms |");
    println!("|---|---:|---:|---:|---:|---:|");
    for s in [&view_cold, &view_warm].into_iter().chain(page.iter().flatten()) {
        let (p50, p95, max) = s.percentiles();
        println!("| {} | 100 ms | {} | {:.1} | {:.1} | {:.1} |", s.label, s.times.len(), ms(p50), ms(p95), ms(max));
    }
    println!();
    println!("The databases now hold generated data: throw them away.");
    Ok(())
}

/// The page `/units/{key}/budget/outcome?month=…` through the real router over local TCP, as a
/// logged-in user with the role *user* at the top unit: one request per connection, timed from
/// connect to the last byte.
async fn html_page(app: &App, top: &OrgUnit, key: &str, size: usize, month: YearMonth, samples: usize) -> Result<[Series; 2]> {
    use domain::role::{GrantSource, ModuleScope, Role};
    use domain::user::{Licence, User};
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    // web::auth::SESSION_COOKIE (the module is private to the web crate).
    const SESSION_COOKIE: &str = "sb_session";
    let store = app.store();
    let password = "bench-budget-password-1";
    let user = User {
        id: domain::UserId::new(),
        email: "bench-budget@region.example".into(),
        name: "Bench".into(),
        home_unit_id: Some(top.id),
        active: true,
        licence: Licence::Full,
        locale: None,
        version: 1,
    };
    let hash = app::auth::hash_password(password.to_owned()).await;
    {
        let now = app.clock().now_ms();
        let mut tx = store.begin_write().await?;
        store::users::insert(&mut tx, &user, Some(&hash), now).await?;
        let scope = ModuleScope::All;
        let grant = store::role_assignments::NewAssignment {
            id: domain::AssignmentId::new(),
            user_id: user.id,
            role: Role::User,
            unit_id: top.id,
            module: &scope,
            source: GrantSource::Manual,
            created_by: None,
        };
        store::role_assignments::insert(&mut tx, &grant, now).await?;
        tx.commit().await?;
    }
    let session = app.login(&user.email, password, "127.0.0.1").await.map_err(app_err)?;
    let router = web::router(app.clone(), web::WebConfig { secure_cookies: false, public_url: None });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let address = listener.local_addr()?;
    let server = tokio::spawn(async move {
        let _ = axum::serve(listener, router.into_make_service_with_connect_info::<std::net::SocketAddr>()).await;
    });
    let request = format!(
        "GET /units/{key}/budget/outcome?month={month} HTTP/1.1\r\nHost: {address}\r\nCookie: {SESSION_COOKIE}={}\r\n\
         Accept-Language: sv\r\nConnection: close\r\n\r\n",
        session.id
    );
    let mut series = Series::new(format!("HTML page /units/{{key}}/budget/outcome, {size}-unit subtree (over local TCP)"));
    // The app call alone as the page's user, alternating with the page: what HTTP, the session
    // and rendering add.
    let actor = Actor {
        user: Some(user.clone()),
        grants: vec![domain::policy::Grant { role: Role::User, unit: top.id, module: ModuleScope::All }],
        request_id: None,
    };
    let mut direct = Series::new(format!("outcome_view as the page's user, alternating with the page, {size}-unit subtree"));
    let result = async {
        for i in 0..(WARMUP + samples) {
            let t = Instant::now();
            let view = app.outcome_view(&actor, key, month, OutcomeScope::Subtree).await.map_err(app_err)?;
            if i >= WARMUP {
                direct.add(t.elapsed(), view.comparison.rows.len() + view.children.len());
            }
            let t = Instant::now();
            let mut stream = tokio::net::TcpStream::connect(address).await?;
            stream.write_all(request.as_bytes()).await?;
            let mut response = Vec::with_capacity(64 * 1024);
            stream.read_to_end(&mut response).await?;
            let elapsed = t.elapsed();
            if !response.starts_with(b"HTTP/1.1 200") {
                let head = String::from_utf8_lossy(&response[..response.len().min(300)]).into_owned();
                bail!("the page answered {head:?}");
            }
            if i >= WARMUP {
                series.add(elapsed, response.len());
                if series.spent() + direct.spent() > BUDGET {
                    break;
                }
            }
        }
        Ok(())
    }
    .await;
    server.abort();
    result.map(|()| [direct, series])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_are_written_as_swedish_ledgers_do() {
        assert_eq!(swedish_kr(-123_450), "-1 234,50");
        assert_eq!(swedish_kr(5), "0,05");
        assert_eq!(swedish_kr(100_000_000), "1 000 000,00");
        assert_eq!(swedish_kr(99_999), "999,99");
        for ore in [-123_450, 5, 100_000_000, -9_999_999, 1] {
            assert_eq!(domain::money::parse_sek("", &swedish_kr(ore), Unit::Kr).unwrap(), Money::from_ore(ore));
        }
    }

    #[test]
    fn accounts_resolve_to_distinct_leaves_and_stay_unique() {
        let tree = default_categories();
        let accounts: Vec<(String, usize)> = (0..40).map(account).collect();
        for (code, leaf) in &accounts {
            assert_eq!(tree.resolve_account(code), Some(LEAVES[*leaf]), "{code}");
            assert_eq!(tree.is_leaf(LEAVES[*leaf]), Some(true));
        }
        let mut codes: Vec<&str> = accounts.iter().map(|(c, _)| c.as_str()).collect();
        codes.sort();
        codes.dedup();
        assert_eq!(codes.len(), 40);
        assert_eq!(LEAVES.len(), tree.categories().iter().filter(|c| tree.is_leaf(&c.code) == Some(true)).count());
    }

    #[test]
    fn the_ledger_sums_accounts_per_category() {
        let tree = Tree::generate(20, 3, 1);
        let units = tree.units(1);
        let ledger = generate_ledger(&units, 20, 2, 2020, 1);
        assert_eq!(ledger.lines, 20 * 20 * 2);
        assert_eq!(ledger.records.len(), 20 * 15 * 2);
        let by_key: HashMap<String, OrgUnitId> = units.iter().map(|u| (u.key.clone(), u.id)).collect();
        let categories = default_categories();
        let checked = check_actuals(&ledger.import_lines, &by_key, domain::budget::by_tree(&categories), 2020).unwrap();
        assert_eq!(checked, ledger.records);
        let text = std::str::from_utf8(&ledger.csv).unwrap();
        assert!(text.starts_with("enhet;konto;månad;belopp\n"));
        assert_eq!(text.lines().count(), 1 + ledger.lines);
    }

    #[test]
    fn the_raw_database_is_named_after_the_main_one() {
        assert_eq!(raw_url_of("postgres://postgres@127.0.0.1/bench_budget"), "postgres://postgres@127.0.0.1/bench_budget_raw");
        assert_eq!(raw_url_of("sqlite:///tmp/b.db?mode=rwc"), "sqlite:///tmp/b.db_raw?mode=rwc");
    }
}
