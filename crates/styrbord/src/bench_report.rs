//! `styrbord bench report`: issue 5's benchmark. On an EMPTY database it loads the demo region,
//! adds an administration with `--units` units directly below it, a budget chapter with a line
//! for every unit and leaf category, an indicator distributed to every unit (nine in ten report
//! it, for the year and each month), sends the annual report out to the units (each writes its
//! summary) and prepares the administration's own annual report, which compiles the units'
//! summaries and values (a table and a chart of all the units) and charts the indicator month by
//! month, rolled up over the units. Then it times, with the process's peak memory for each:
//!
//! 1. exporting the administration's report as DOCX and as PDF while it is being written
//!    (gather the data, build the document, write the file);
//! 2. completing it (the snapshot: the document in Swedish and English, stored);
//! 3. exporting the completed report (printed from the snapshot).
//!
//! The database is analysed (`ANALYZE` / `PRAGMA optimize`) after the setup.

use super::bench::{Progress, load_average, machine_facts, ms};
// Every unit gets a budget line for each leaf category of the default tree, as in `bench budget`.
use super::bench_budget::{LEAVES, app_err};
use anyhow::{Context, Result, bail};
use app::budget::{ChapterInput, LineInput};
use app::report_units::Distribution;
use app::reports::{NewReport, StepInput};
use app::{Actor, App};
use clap::Args;
use domain::budget::{CategoryKind, LineAmounts, PhasingRule, YearAmount, default_categories};
use domain::money::Money;
use domain::org::OrgUnit;
use domain::report::ReportStep;
use domain::{OrgUnitId, UserId};
use std::time::{Duration, Instant};
use web::documents::Format;
use web::Lang;

#[derive(Args)]
pub struct ReportArgs {
    /// Reporting units directly below the administration.
    #[arg(long, default_value_t = 200)]
    units: usize,
    /// The report's year.
    #[arg(long, default_value_t = 2020)]
    year: i32,
    /// Timed runs of each export and of completing (completing is undone by reopening and
    /// approving again between runs).
    #[arg(long, default_value_t = 3)]
    samples: usize,
}


/// The process's peak resident memory (VmHWM) in MiB.
fn peak_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or(f64::NAN, |kb| kb / 1024.0)
}

/// Starts a new peak: Linux resets VmHWM to the current resident size on "5".
fn reset_peak() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

/// A unit's summary: some sixty words, different per unit.
fn summary(i: usize, name: &str) -> String {
    format!(
        "{name} har under året genomfört {} av {} planerade åtgärder. Sjukfrånvaron har minskat till {},{} procent \
         och personalomsättningen ligger på samma nivå som föregående år. Verksamheten håller sin budgetram med ett \
         överskott på {} tusen kronor, främst genom lägre kostnader för inhyrd personal. Inför nästa år prioriteras \
         kompetensförsörjning, digitala arbetssätt och uppföljningen av de förvaltningsövergripande målen.",
        3 + i % 5,
        8,
        3 + i % 4,
        i % 10,
        100 + (i * 37) % 900
    )
}

struct Timing {
    label: String,
    times: Vec<Duration>,
    peak: f64,
    bytes: usize,
}

impl Timing {
    fn print(&self) {
        let mut sorted = self.times.clone();
        sorted.sort();
        let median = sorted[sorted.len() / 2];
        let max = *sorted.last().expect("a sample");
        let size = if self.bytes > 0 { format!("{:>8.0} KB", self.bytes as f64 / 1024.0) } else { format!("{:>11}", "") };
        println!("| {:<44} | {:>3} | {:>9.0} | {:>9.0} | {} | {:>9.0} |", self.label, sorted.len(), ms(median), ms(max), size, self.peak);
    }
}

pub async fn report(config: &crate::config::Config, args: ReportArgs) -> Result<()> {
    if args.units == 0 || args.samples == 0 {
        bail!("--units and --samples must be at least 1");
    }
    let app = crate::open(config).await?;
    if !app.store().is_empty().await? {
        bail!("the database is not empty; run the benchmark only on a new, throwaway database");
    }
    let progress = Progress(std::io::IsTerminal::is_terminal(&std::io::stderr()));
    let system = Actor::system();
    let year = args.year;
    println!("Styrbord benchmark: the annual report of an administration with {} reporting units (issue 5)", args.units);
    println!("machine: {}", machine_facts());
    println!("database: {}", config.database_url_redacted());

    progress.say("loading the demo region");
    app.load_demo().await.map_err(app_err).context("loading the demo")?;
    let started = Instant::now();
    let units = add_administration(&app, args.units).await?;
    let admin = &units[0];
    progress.say("saving the administration's budget");
    save_chapter(&app, &units, year).await?;
    progress.say("distributing an indicator to the units, each reporting its value");
    distribute_indicator(&app, &units, year).await?;
    progress.say("sending the annual report out to the units");
    let keys: Vec<String> = units[1..].iter().map(|u| u.key.clone()).collect();
    let deadline = domain::validate::date("deadline", &format!("{}-02-15", year + 1)).expect("a date");
    let sent_at = Instant::now();
    let sent = app
        .distribute_report(&system, Distribution { template: "arsredovisning".into(), year, period: None, deadline, units: keys })
        .await
        .map_err(app_err)?;
    let distribute = sent_at.elapsed();
    for (i, unit) in units[1..].iter().enumerate() {
        progress.say(&format!("unit {} of {} writes its summary", i + 1, units.len() - 1));
        let reports = app.reports_of_unit(&system, &unit.key).await.map_err(app_err)?.1;
        let report = reports.iter().find(|r| r.period == year.to_string()).context("the unit's annual report")?;
        app.save_report_text(&system, &report.id.to_string(), "sammanfattning", &summary(i, &unit.name), true, 0).await.map_err(app_err)?;
    }
    // The administration's own report: every text section written and ready, then approved.
    let new = NewReport { template: "arsredovisning".into(), unit: admin.key.clone(), year, period: None, title: None };
    let view = app.create_report(&system, new).await.map_err(app_err)?;
    let id = view.report.id.to_string();
    for section in view.template.template.sections.iter().filter(|s| s.text) {
        let text = format!("{} för {}: förvaltningens egen text, skriven för mätningen.", section.heading_sv, admin.name);
        app.save_report_text(&system, &id, &section.key, &text, true, 0).await.map_err(app_err)?;
    }
    let mut version = view.report.version;
    for step in [ReportStep::Activate, ReportStep::Approve] {
        let input = StepInput { deadline: Some(deadline), comment: None, version };
        version = app.report_step(&system, &id, step, input, &web::documents::freeze).await.map_err(app_err)?.report.version;
    }
    // As a database that has been in use: statistics gathered (autovacuum is off on some
    // servers, and a plan made without statistics is no measure of the code).
    app.store().analyze().await?;
    progress.done();
    println!(
        "setup: {} units below the administration, {} reports sent out in {:.0} ms, budget of {} lines; {:.1} s in all",
        units.len() - 1,
        sent.created.len(),
        ms(distribute),
        (units.len() - 1) * LEAVES.len(),
        started.elapsed().as_secs_f64()
    );
    println!("load average before timing: {}", load_average());
    println!();
    println!("| operation                                    |   n | median ms |    max ms |        size |  peak MiB |");
    println!("|----------------------------------------------|----:|----------:|----------:|------------:|----------:|");

    let export = |format: Format| {
        let (app, system, admin) = (&app, &system, admin.key.clone());
        async move { web::documents::export(app, system, &admin, year, None, "arsredovisning", format, Lang::Sv).await.map_err(|e| anyhow::anyhow!("{e:?}")) }
    };
    // typst memoises layout: a document it has seen comes back from its cache. Each timed export
    // of the report being written therefore follows an edit of one unit's summary, as on a
    // server where people write; the first export of each format in the process is shown too.
    let first_unit = &units[1];
    let first_report = app.reports_of_unit(&system, &first_unit.key).await.map_err(app_err)?.1.into_iter().find(|r| r.period == year.to_string()).context("a unit's report")?;
    let mut text_version = 1;
    let mut edit = {
        let (app, system, id) = (&app, &system, first_report.id.to_string());
        move |n: usize| {
            let id = id.clone();
            text_version += 1;
            let version = text_version - 1;
            async move {
                let text = format!("{} Tillägg {n}: uppföljningen visar fortsatt god måluppfyllelse.", summary(0, "Enheten"));
                app.save_report_text(system, &id, "sammanfattning", &text, true, version).await.map(|_| ()).map_err(app_err)
            }
        }
    };
    // Where the time of an export goes: gathering the data, and within it the budget outcome,
    // the plan as the pages show them, and the indicators' months for the charts.
    let gather = |what: &'static str| {
        let (app, system, admin) = (&app, &system, admin.key.clone());
        async move {
            let at = Instant::now();
            match what {
                "data" => drop(app.document_data(system, &admin, year, None, "arsredovisning").await.map_err(app_err)?),
                "outcome" => {
                    let month = domain::budget::YearMonth::new(year, 12).context("a month")?;
                    drop(app.outcome_view(system, &admin, month, app::budget_outcomes::OutcomeScope::Subtree).await.map_err(app_err)?)
                }
                "series" => {
                    let view = app.plan_view(system, &admin, "vgpu", Some(&year.to_string())).await.map_err(app_err)?;
                    let at = Instant::now();
                    drop(app.indicator_series(&view, "indicator").await.map_err(app_err)?);
                    return Ok(at.elapsed());
                }
                _ => drop(app.plan_view(system, &admin, "vgpu", Some(&year.to_string())).await.map_err(app_err)?),
            }
            Ok::<Duration, anyhow::Error>(at.elapsed())
        }
    };
    for (what, label) in [("data", "of which: document_data (all reads)"), ("outcome", "  outcome_view of the subtree"), ("plan", "  plan_view of the administration"), ("series", "  indicator_series (the charts' months)")] {
        let mut timing = Timing { label: label.into(), times: Vec::new(), peak: 0.0, bytes: 0 };
        for _ in 0..args.samples {
            reset_peak();
            timing.times.push(gather(what).await?);
            timing.peak = timing.peak.max(peak_mib());
        }
        timing.print();
    }
    let mut edits = 0;
    for (format, label) in [(Format::Docx, "export DOCX, being written: first in process"), (Format::Pdf, "export PDF, being written: first in process")] {
        timed(label, 1, || async { Ok(()) }, || export(format)).await?.print();
    }
    for (format, label) in [(Format::Docx, "export DOCX, being written, after an edit"), (Format::Pdf, "export PDF, being written, after an edit")] {
        let timing = timed(label, args.samples, || { edits += 1; edit(edits) }, || export(format)).await?;
        timing.print();
    }
    let mut completes = Timing { label: "complete: snapshot in sv and en, stored".into(), times: Vec::new(), peak: 0.0, bytes: 0 };
    for sample in 0..args.samples {
        if sample > 0 {
            for step in [ReportStep::Reopen, ReportStep::Approve] {
                let input = StepInput { deadline: None, comment: None, version };
                version = app.report_step(&system, &id, step, input, &web::documents::freeze).await.map_err(app_err)?.report.version;
            }
        }
        reset_peak();
        let at = Instant::now();
        let input = StepInput { deadline: None, comment: None, version };
        version = app.report_step(&system, &id, ReportStep::Complete, input, &web::documents::freeze).await.map_err(app_err)?.report.version;
        completes.times.push(at.elapsed());
        completes.peak = completes.peak.max(peak_mib());
    }
    completes.print();
    for (format, label) in [(Format::Docx, "export DOCX, completed: first"), (Format::Pdf, "export PDF, completed: first")] {
        timed(label, 1, || async { Ok(()) }, || export(format)).await?.print();
    }
    for (format, label) in [(Format::Docx, "export DOCX, completed: again (typst cache)"), (Format::Pdf, "export PDF, completed: again (typst cache)")] {
        timed(label, args.samples, || async { Ok(()) }, || export(format)).await?.print();
    }
    println!();
    println!("load average after: {}", load_average());
    Ok(())
}

/// Runs `run` `samples` times, each after an untimed `before`, with the peak memory of the runs.
async fn timed<B, BFut, F, Fut>(label: &str, samples: usize, mut before: B, mut run: F) -> Result<Timing>
where
    B: FnMut() -> BFut,
    BFut: std::future::Future<Output = Result<()>>,
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<web::documents::ExportedFile>>,
{
    let mut timing = Timing { label: label.to_owned(), times: Vec::new(), peak: 0.0, bytes: 0 };
    for _ in 0..samples {
        before().await?;
        reset_peak();
        let at = Instant::now();
        let file = run().await?;
        timing.times.push(at.elapsed());
        timing.peak = timing.peak.max(peak_mib());
        timing.bytes = file.bytes.len();
    }
    Ok(timing)
}

/// Sick leave on the administration, distributed to every unit and averaged; every unit but
/// every tenth reports its value for the year and for each month. The annual report's compiled
/// values print it as a table and a chart of all the units; its indicator charts roll the twelve
/// months up over the units.
async fn distribute_indicator(app: &App, units: &[OrgUnit], year: i32) -> Result<()> {
    let system = Actor::system();
    let fields = domain::plan::ObjectInput {
        title: "Sjukfrånvaro".into(),
        measure_unit: Some("%".into()),
        decimals: Some("1".into()),
        higher_is_better: Some(false),
        reported: vec!["M".into(), "Å".into()],
        formula: Some("average".into()),
        targets: vec![domain::plan::PeriodValueInput { period: year.to_string(), value: "4.0".into() }],
        ..Default::default()
    };
    let new = app::plan::NewObject {
        key: Some("matf-sjukfranvaro".into()),
        module: "vgpu".into(),
        level: "indicator".into(),
        unit: units[0].key.clone(),
        year: i64::from(year),
        fields,
        ..Default::default()
    };
    app.create_object(&system, new).await.map_err(app_err)?;
    let keys: Vec<String> = units[1..].iter().map(|u| u.key.clone()).collect();
    app.distribute_object(&system, "matf-sjukfranvaro", &keys, false).await.map_err(app_err)?;
    // The year and its twelve months, so the annual report's chart rolls up 200 units per month.
    let periods: Vec<String> = std::iter::once(year.to_string()).chain((1..=12).map(|m| format!("{year}-{m:02}"))).collect();
    for (i, unit) in units[1..].iter().enumerate().filter(|(i, _)| i % 10 != 9) {
        let copy = format!("matf-sjukfranvaro.{}", unit.key);
        for (m, period) in periods.iter().enumerate() {
            let value = format!("{},{}", 3 + (i + m) % 3, (i + m) % 10);
            let input = domain::plan::FollowUpInput { outcome: Some(value), ..Default::default() };
            app.save_follow_up(&system, &copy, None, period, input, None).await.map_err(app_err)?;
        }
    }
    Ok(())
}

/// The administration under the demo region's root, and its units, administration first.
async fn add_administration(app: &App, count: usize) -> Result<Vec<OrgUnit>> {
    let store = app.store();
    let mut tx = store.begin_read().await?;
    let root = store::org_units::roots(&mut tx).await?.into_iter().next().context("the demo's region")?;
    drop(tx);
    let now = app.clock().now_ms();
    let from = domain::validate::date("valid_from", "2019-01-01").expect("a date");
    let unit = |key: String, name: String, parent: OrgUnitId| OrgUnit {
        id: OrgUnitId::new(),
        key,
        name,
        short_name: None,
        parent_id: Some(parent),
        manager_id: None::<UserId>,
        valid_from: from,
        valid_to: None,
        version: 1,
    };
    let admin = unit("MATF".into(), "Mätförvaltningen".into(), root.id);
    let mut units = vec![admin.clone()];
    units.extend((1..=count).map(|i| unit(format!("MATF-{i:03}"), format!("Enhet {i:03} i Mätförvaltningen"), admin.id)));
    let mut tx = store.begin_write().await?;
    for u in &units {
        store::org_units::insert(&mut tx, u, now).await.with_context(|| format!("inserting {}", u.key))?;
    }
    tx.commit().await?;
    Ok(units)
}

/// The administration's budget: a line for every unit and leaf category, phased evenly.
async fn save_chapter(app: &App, units: &[OrgUnit], year: i32) -> Result<()> {
    let tree = default_categories();
    let mut budget_lines = Vec::new();
    for (i, unit) in units.iter().enumerate() {
        for (j, leaf) in LEAVES.iter().enumerate() {
            let sign = if tree.kind_of(leaf) == Some(CategoryKind::Income) { 1 } else { -1 };
            let kronor = 60_000 + 1_000 * ((i * 31 + j * 17) % 1200) as i64;
            budget_lines.push(LineInput {
                unit: unit.key.clone(),
                category: (*leaf).to_owned(),
                year: None,
                amounts: LineAmounts::Annual { amount: Money::from_kronor(sign * kronor).expect("in range"), phasing: PhasingRule::Even },
            });
        }
    }
    let input = ChapterInput {
        frames: vec![YearAmount::new(year, Money::from_kronor(2_000_000_000).expect("in range"))],
        budget_lines,
        ..ChapterInput::default()
    };
    app.save_budget(&Actor::system(), &units[0].key, year, input).await.map_err(app_err).context("saving the administration's budget")?;
    Ok(())
}
