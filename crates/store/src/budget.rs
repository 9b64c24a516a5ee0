//! Budget versions and the economy chapter they hold (seed 004 §5): frames, their distribution,
//! frame changes, income-financed activities, compensations, result regulation, investments,
//! the category tree and the detailed budget lines. A chapter is saved whole: its rows are
//! replaced in the caller's transaction, so a reader sees the old chapter or the new one, never
//! a mix.

use crate::sql::{self, Arg, Filter};
use crate::{Result, StoreError, Tx};
use domain::OrgUnitId;
use domain::budget::{
    AccountCategory, AdministrationFrames, BoardCompensation, BudgetLine, BudgetVersion, CategoryKind, CategoryTree,
    DecisionRef, EconomyChapter, FrameChange, FrameDistribution, IncomeFinancedActivity, InvestmentFrame,
    MonthlyAmounts, PercentTenths, PhasingProfile, PhasingRule, ResultRegulationNote, Sign, StatedBudgetTotals,
    SummaryLabels, UnitFrame, VersionState, YearAmount,
};
use domain::money::Money;
use domain::validate::format_date;
use sqlx::any::AnyRow;
use std::collections::HashMap;

/// A version as stored: the domain version and its row version (raised on every save).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredVersion {
    pub version: BudgetVersion,
    pub row_version: i64,
    pub updated_at: i64,
}

const VERSION_COLUMNS: &str = "id, administration_id, year, number, based_on, state, decision_reference, decision_date, \
    version, updated_at";

fn corrupt(what: &str, detail: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(format!("{what}: {detail}"))
}

fn money(row: &AnyRow, col: &str) -> Result<Money> {
    let ore = sql::int(row, col)?;
    Money::try_from(ore).map_err(|_| corrupt(col, ore))
}

fn opt_money(row: &AnyRow, col: &str) -> Result<Option<Money>> {
    sql::opt_int(row, col)?.map(|ore| Money::try_from(ore).map_err(|_| corrupt(col, ore))).transpose()
}

fn year(row: &AnyRow, col: &str) -> Result<i32> {
    let raw = sql::int(row, col)?;
    i32::try_from(raw).map_err(|_| corrupt(col, raw))
}

fn version_from_row(row: &AnyRow) -> Result<(String, StoredVersion)> {
    let state = match sql::text(row, "state")?.as_str() {
        "draft" => VersionState::Draft,
        "decided" => VersionState::Decided {
            decision: DecisionRef {
                reference: sql::opt_text(row, "decision_reference")?.unwrap_or_default(),
                date: sql::date(row, "decision_date")?,
            },
        },
        other => return Err(corrupt("budget_versions.state", other)),
    };
    let number = |col: &str| -> Result<u32> {
        let raw = sql::int(row, col)?;
        u32::try_from(raw).map_err(|_| corrupt(col, raw))
    };
    let version = BudgetVersion {
        administration: sql::id(row, "administration_id")?,
        year: year(row, "year")?,
        number: number("number")?,
        based_on: sql::opt_int(row, "based_on")?.map(|n| u32::try_from(n).map_err(|_| corrupt("based_on", n))).transpose()?,
        state,
    };
    let stored = StoredVersion { version, row_version: sql::int(row, "version")?, updated_at: sql::int(row, "updated_at")? };
    Ok((sql::text(row, "id")?, stored))
}

/// Every version of an administration's budget for a year, oldest first.
pub async fn versions(tx: &mut Tx, administration: OrgUnitId, year: i32) -> Result<Vec<StoredVersion>> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {VERSION_COLUMNS} FROM budget_versions WHERE administration_id = $1 AND year = $2 ORDER BY number"
    )))
    .bind(administration.to_string())
    .bind(i64::from(year))
    .fetch_all(tx.conn())
    .await?;
    rows.iter().map(|r| version_from_row(r).map(|(_, v)| v)).collect()
}

/// The years an administration has a budget for, ascending.
pub async fn years(tx: &mut Tx, administration: OrgUnitId) -> Result<Vec<i32>> {
    let rows = sqlx::query("SELECT DISTINCT year FROM budget_versions WHERE administration_id = $1 ORDER BY year")
        .bind(administration.to_string())
        .fetch_all(tx.conn())
        .await?;
    rows.iter().map(|r| year(r, "year")).collect()
}

async fn version_row(tx: &mut Tx, administration: OrgUnitId, year: i32, number: Option<u32>) -> Result<Option<(String, StoredVersion)>> {
    let mut q = Filter::new(&format!("SELECT {VERSION_COLUMNS} FROM budget_versions WHERE administration_id = "));
    let p = q.bind(Arg::Text(administration.to_string()));
    q.push(&p);
    q.push(" AND year = ");
    let p = q.bind(Arg::Int(i64::from(year)));
    q.push(&p);
    if let Some(number) = number {
        q.push(" AND number = ");
        let p = q.bind(Arg::Int(i64::from(number)));
        q.push(&p);
    }
    q.push(" ORDER BY number DESC LIMIT 1");
    q.fetch_all(tx.conn()).await?.first().map(version_from_row).transpose()
}

/// The current (highest-numbered) version of the budget and its chapter, if there is one.
pub async fn load_latest(tx: &mut Tx, administration: OrgUnitId, year: i32) -> Result<Option<(StoredVersion, EconomyChapter)>> {
    load_version(tx, administration, year, None).await
}

/// Version `number` (the latest when None) and its chapter.
pub async fn load_version(
    tx: &mut Tx,
    administration: OrgUnitId,
    year: i32,
    number: Option<u32>,
) -> Result<Option<(StoredVersion, EconomyChapter)>> {
    let Some((id, stored)) = version_row(tx, administration, year, number).await? else { return Ok(None) };
    let chapter = load_chapter(tx, &id, administration).await?;
    Ok(Some((stored, chapter)))
}

async fn rows(tx: &mut Tx, sql_text: &str, id: &str) -> Result<Vec<AnyRow>> {
    sqlx::query(sqlx::AssertSqlSafe(sql_text.to_owned())).bind(id.to_owned()).fetch_all(tx.conn()).await.map_err(Into::into)
}

/// Year amounts grouped by their parent's position.
async fn year_amounts(tx: &mut Tx, table: &str, position: &str, id: &str) -> Result<HashMap<i64, Vec<YearAmount>>> {
    let sql_text = format!("SELECT {position} AS position, year, amount FROM {table} WHERE version_id = $1 ORDER BY {position}, year");
    let mut out: HashMap<i64, Vec<YearAmount>> = HashMap::new();
    for r in rows(tx, &sql_text, id).await? {
        out.entry(sql::int(&r, "position")?).or_default().push(YearAmount::new(year(&r, "year")?, money(&r, "amount")?));
    }
    Ok(out)
}

async fn load_chapter(tx: &mut Tx, id: &str, administration: OrgUnitId) -> Result<EconomyChapter> {
    let head = rows(
        tx,
        "SELECT year, phasing_rule, phasing_weights, distribution_year, stated_total, stated_previous_total, budget_heading, \
         stated_income, stated_costs, stated_result, income_total_sv, income_total_en, cost_total_sv, cost_total_en, \
         result_sv, result_en FROM budget_versions WHERE id = $1",
        id,
    )
    .await?;
    let head = head.first().ok_or_else(|| corrupt("budget_versions", "version vanished"))?;
    let phasing = match sql::text(head, "phasing_rule")?.as_str() {
        "even" => PhasingRule::Even,
        "day_count" => PhasingRule::DayCount,
        "profile" => {
            let raw = sql::opt_text(head, "phasing_weights")?.unwrap_or_default();
            let weights: Vec<u32> = raw.split(',').map(|w| w.trim().parse().map_err(|_| corrupt("phasing_weights", &raw))).collect::<Result<_>>()?;
            let weights: [u32; 12] = weights.try_into().map_err(|_| corrupt("phasing_weights", &raw))?;
            PhasingRule::Profile { weights: PhasingProfile::new("phasing_weights", weights).map_err(|_| corrupt("phasing_weights", &raw))? }
        }
        other => return Err(corrupt("phasing_rule", other)),
    };
    let frames_rows = rows(tx, "SELECT year, amount FROM budget_frames WHERE version_id = $1 ORDER BY year", id).await?;
    let frames = AdministrationFrames {
        administration,
        budget_year: year(head, "year")?,
        frames: frames_rows.iter().map(|r| Ok(YearAmount::new(year(r, "year")?, money(r, "amount")?))).collect::<Result<_>>()?,
        phasing,
    };
    let units = rows(
        tx,
        "SELECT unit_id, frame, previous_frame FROM budget_frame_distribution WHERE version_id = $1 ORDER BY position",
        id,
    )
    .await?
    .iter()
    .map(|r| Ok(UnitFrame { unit: sql::id(r, "unit_id")?, frame: money(r, "frame")?, previous_frame: opt_money(r, "previous_frame")? }))
    .collect::<Result<_>>()?;
    let distribution = FrameDistribution {
        administration,
        year: year(head, "distribution_year")?,
        units,
        stated_total: opt_money(head, "stated_total")?,
        stated_previous_total: opt_money(head, "stated_previous_total")?,
    };

    let mut change_amounts = year_amounts(tx, "budget_frame_change_amounts", "change_position", id).await?;
    let frame_changes = rows(tx, "SELECT position, reason FROM budget_frame_changes WHERE version_id = $1 ORDER BY position", id)
        .await?
        .iter()
        .map(|r| {
            let amounts = change_amounts.remove(&sql::int(r, "position")?).unwrap_or_default();
            Ok(FrameChange { reason: sql::text(r, "reason")?, amounts })
        })
        .collect::<Result<_>>()?;
    let stated_change_totals = rows(tx, "SELECT year, amount FROM budget_frame_change_totals WHERE version_id = $1 ORDER BY year", id)
        .await?
        .iter()
        .map(|r| Ok(YearAmount::new(year(r, "year")?, money(r, "amount")?)))
        .collect::<Result<_>>()?;

    let income_financed = rows(
        tx,
        "SELECT name, price_change_pct_tenths, price_change, volume_change, total_income FROM budget_income_financed \
         WHERE version_id = $1 ORDER BY position",
        id,
    )
    .await?
    .iter()
    .map(|r| {
        let tenths = sql::int(r, "price_change_pct_tenths")?;
        let pct = i32::try_from(tenths).ok().and_then(PercentTenths::from_tenths).ok_or_else(|| corrupt("price_change_pct_tenths", tenths))?;
        Ok(IncomeFinancedActivity {
            name: sql::text(r, "name")?,
            price_change_pct: pct,
            price_change: money(r, "price_change")?,
            volume_change: money(r, "volume_change")?,
            total_income: money(r, "total_income")?,
        })
    })
    .collect::<Result<_>>()?;
    let board_compensations = rows(tx, "SELECT text, amount FROM budget_board_compensations WHERE version_id = $1 ORDER BY position", id)
        .await?
        .iter()
        .map(|r| Ok(BoardCompensation { text: sql::text(r, "text")?, amount: money(r, "amount")? }))
        .collect::<Result<_>>()?;
    let result_regulation = rows(tx, "SELECT text FROM budget_result_regulation_notes WHERE version_id = $1 ORDER BY position", id)
        .await?
        .iter()
        .map(|r| Ok(ResultRegulationNote { text: sql::text(r, "text")? }))
        .collect::<Result<_>>()?;
    let mut investment_amounts = year_amounts(tx, "budget_investment_amounts", "frame_position", id).await?;
    let investments = rows(tx, "SELECT position, text FROM budget_investment_frames WHERE version_id = $1 ORDER BY position", id)
        .await?
        .iter()
        .map(|r| {
            let amounts = investment_amounts.remove(&sql::int(r, "position")?).unwrap_or_default();
            Ok(InvestmentFrame { text: sql::text(r, "text")?, amounts })
        })
        .collect::<Result<_>>()?;

    let categories = load_categories(tx, id).await?;

    let budget_lines = rows(
        tx,
        "SELECT unit_id, category_code, year, m01, m02, m03, m04, m05, m06, m07, m08, m09, m10, m11, m12 \
         FROM budget_lines WHERE version_id = $1 ORDER BY position",
        id,
    )
    .await?
    .iter()
    .map(|r| {
        let mut months = [Money::ZERO; 12];
        for (i, slot) in months.iter_mut().enumerate() {
            *slot = money(r, &format!("m{:02}", i + 1))?;
        }
        let months = MonthlyAmounts::new("months", months, Sign::Any).map_err(|e| corrupt("budget_lines", format!("{e:?}")))?;
        Ok(BudgetLine { unit: sql::id(r, "unit_id")?, category: sql::text(r, "category_code")?, year: year(r, "year")?, months })
    })
    .collect::<Result<_>>()?;

    let stated_budget_totals = match (opt_money(head, "stated_income")?, opt_money(head, "stated_costs")?, opt_money(head, "stated_result")?) {
        (Some(income), Some(costs), Some(result)) => Some(StatedBudgetTotals { income, costs, result }),
        _ => None,
    };
    Ok(EconomyChapter {
        frames,
        distribution,
        frame_changes,
        stated_change_totals,
        income_financed,
        board_compensations,
        result_regulation,
        investments,
        categories,
        labels: SummaryLabels {
            income_total_sv: sql::text(head, "income_total_sv")?,
            income_total_en: sql::text(head, "income_total_en")?,
            cost_total_sv: sql::text(head, "cost_total_sv")?,
            cost_total_en: sql::text(head, "cost_total_en")?,
            result_sv: sql::text(head, "result_sv")?,
            result_en: sql::text(head, "result_en")?,
        },
        budget_heading: sql::opt_text(head, "budget_heading")?,
        budget_lines,
        stated_budget_totals,
    })
}

fn phasing_columns(rule: &PhasingRule) -> (&'static str, Option<String>) {
    match rule {
        PhasingRule::Even => ("even", None),
        PhasingRule::DayCount => ("day_count", None),
        PhasingRule::Profile { weights } => {
            ("profile", Some(weights.weights().iter().map(u32::to_string).collect::<Vec<_>>().join(",")))
        }
    }
}

fn state_columns(state: &VersionState) -> (&'static str, Option<String>, Option<String>) {
    match state {
        VersionState::Draft => ("draft", None, None),
        VersionState::Decided { decision } => ("decided", Some(decision.reference.clone()), Some(format_date(decision.date))),
    }
}

/// Saves `chapter` as the content of `version` (administration, year, number), replacing what
/// the version held. Only a draft is written: a version stored as decided, or one whose row
/// version is not `expected_version` (when given), is [`StoreError::Stale`] and nothing changes.
/// The chapter's administration and year must be the version's (the caller checks).
pub async fn save(
    tx: &mut Tx,
    version: &BudgetVersion,
    chapter: &EconomyChapter,
    expected_version: Option<i64>,
    now_ms: i64,
) -> Result<StoredVersion> {
    let existing = version_row(tx, version.administration, version.year, Some(version.number)).await?;
    let (state, reference, date) = state_columns(&version.state);
    let (rule, weights) = phasing_columns(&chapter.frames.phasing);
    let labels = &chapter.labels;
    let stated = chapter.stated_budget_totals;
    let ore = |m: Option<Money>| m.map(i64::from);
    // A new version gets its row first, with placeholders, so that one UPDATE writes the
    // header in both cases; nothing outside this transaction sees the placeholders.
    let (id, current_row_version) = match existing {
        Some((id, stored)) => {
            if stored.version.is_decided() || expected_version.is_some_and(|v| v != stored.row_version) {
                return Err(StoreError::Stale);
            }
            delete_content(tx, &id).await?;
            (id, stored.row_version)
        }
        None => {
            let id = uuid::Uuid::now_v7().to_string();
            sqlx::query(
                "INSERT INTO budget_versions (id, administration_id, year, number, state, phasing_rule, distribution_year, \
                 income_total_sv, income_total_en, cost_total_sv, cost_total_en, result_sv, result_en, version, created_at, \
                 updated_at) VALUES ($1, $2, $3, $4, 'draft', '', 0, '', '', '', '', '', '', 0, $5, $5)",
            )
            .bind(id.clone())
            .bind(version.administration.to_string())
            .bind(i64::from(version.year))
            .bind(i64::from(version.number))
            .bind(now_ms)
            .execute(tx.conn())
            .await?;
            (id, 0)
        }
    };
    let done = sqlx::query(
        "UPDATE budget_versions SET based_on = $2, state = $3, decision_reference = $4, decision_date = $5, \
         phasing_rule = $6, phasing_weights = $7, distribution_year = $8, stated_total = $9, stated_previous_total = $10, \
         budget_heading = $11, stated_income = $12, stated_costs = $13, stated_result = $14, income_total_sv = $15, \
         income_total_en = $16, cost_total_sv = $17, cost_total_en = $18, result_sv = $19, result_en = $20, \
         version = version + 1, updated_at = $21 WHERE id = $1 AND state = 'draft' AND version = $22",
    )
    .bind(id.clone())
    .bind(version.based_on.map(i64::from))
    .bind(state)
    .bind(reference)
    .bind(date)
    .bind(rule)
    .bind(weights)
    .bind(i64::from(chapter.distribution.year))
    .bind(ore(chapter.distribution.stated_total))
    .bind(ore(chapter.distribution.stated_previous_total))
    .bind(chapter.budget_heading.clone())
    .bind(ore(stated.map(|s| s.income)))
    .bind(ore(stated.map(|s| s.costs)))
    .bind(ore(stated.map(|s| s.result)))
    .bind(labels.income_total_sv.clone())
    .bind(labels.income_total_en.clone())
    .bind(labels.cost_total_sv.clone())
    .bind(labels.cost_total_en.clone())
    .bind(labels.result_sv.clone())
    .bind(labels.result_en.clone())
    .bind(now_ms)
    .bind(current_row_version)
    .execute(tx.conn())
    .await?;
    if done.rows_affected() != 1 {
        return Err(StoreError::Stale);
    }
    let row_version = current_row_version + 1;
    insert_content(tx, &id, chapter).await?;
    Ok(StoredVersion { version: version.clone(), row_version, updated_at: now_ms })
}

/// Marks a stored draft as decided (or records any other state change of the header only),
/// raising its row version. [`StoreError::Stale`] if the stored row is decided already or not at
/// `expected_version`.
pub async fn set_state(tx: &mut Tx, version: &BudgetVersion, expected_version: i64, now_ms: i64) -> Result<StoredVersion> {
    let (state, reference, date) = state_columns(&version.state);
    let done = sqlx::query(
        "UPDATE budget_versions SET state = $1, decision_reference = $2, decision_date = $3, version = version + 1, \
         updated_at = $4 WHERE administration_id = $5 AND year = $6 AND number = $7 AND state = 'draft' AND version = $8",
    )
    .bind(state)
    .bind(reference)
    .bind(date)
    .bind(now_ms)
    .bind(version.administration.to_string())
    .bind(i64::from(version.year))
    .bind(i64::from(version.number))
    .bind(expected_version)
    .execute(tx.conn())
    .await?;
    if done.rows_affected() != 1 {
        return Err(StoreError::Stale);
    }
    Ok(StoredVersion { version: version.clone(), row_version: expected_version + 1, updated_at: now_ms })
}

/// Children first, so no foreign key is ever left dangling inside the transaction.
async fn delete_content(tx: &mut Tx, id: &str) -> Result<()> {
    for table in [
        "budget_lines",
        "budget_categories",
        "budget_investment_amounts",
        "budget_investment_frames",
        "budget_result_regulation_notes",
        "budget_board_compensations",
        "budget_income_financed",
        "budget_frame_change_totals",
        "budget_frame_change_amounts",
        "budget_frame_changes",
        "budget_frame_distribution",
        "budget_frames",
    ] {
        sqlx::query(sqlx::AssertSqlSafe(format!("DELETE FROM {table} WHERE version_id = $1")))
            .bind(id.to_owned())
            .execute(tx.conn())
            .await?;
    }
    Ok(())
}

async fn insert_year_amounts(tx: &mut Tx, table: &str, position_col: &str, id: &str, position: i64, amounts: &[YearAmount]) -> Result<()> {
    for a in amounts {
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "INSERT INTO {table} (version_id, {position_col}, year, amount) VALUES ($1, $2, $3, $4)"
        )))
        .bind(id.to_owned())
        .bind(position)
        .bind(i64::from(a.year))
        .bind(i64::from(a.amount))
        .execute(tx.conn())
        .await?;
    }
    Ok(())
}

async fn insert_content(tx: &mut Tx, id: &str, c: &EconomyChapter) -> Result<()> {
    for f in &c.frames.frames {
        sqlx::query("INSERT INTO budget_frames (version_id, year, amount) VALUES ($1, $2, $3)")
            .bind(id.to_owned())
            .bind(i64::from(f.year))
            .bind(i64::from(f.amount))
            .execute(tx.conn())
            .await?;
    }
    for (i, u) in c.distribution.units.iter().enumerate() {
        sqlx::query("INSERT INTO budget_frame_distribution (version_id, position, unit_id, frame, previous_frame) VALUES ($1, $2, $3, $4, $5)")
            .bind(id.to_owned())
            .bind(i as i64)
            .bind(u.unit.to_string())
            .bind(i64::from(u.frame))
            .bind(u.previous_frame.map(i64::from))
            .execute(tx.conn())
            .await?;
    }
    for (i, change) in c.frame_changes.iter().enumerate() {
        sqlx::query("INSERT INTO budget_frame_changes (version_id, position, reason) VALUES ($1, $2, $3)")
            .bind(id.to_owned())
            .bind(i as i64)
            .bind(change.reason.clone())
            .execute(tx.conn())
            .await?;
        insert_year_amounts(tx, "budget_frame_change_amounts", "change_position", id, i as i64, &change.amounts).await?;
    }
    for total in &c.stated_change_totals {
        sqlx::query("INSERT INTO budget_frame_change_totals (version_id, year, amount) VALUES ($1, $2, $3)")
            .bind(id.to_owned())
            .bind(i64::from(total.year))
            .bind(i64::from(total.amount))
            .execute(tx.conn())
            .await?;
    }
    for (i, a) in c.income_financed.iter().enumerate() {
        sqlx::query(
            "INSERT INTO budget_income_financed (version_id, position, name, price_change_pct_tenths, price_change, volume_change, \
             total_income) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(id.to_owned())
        .bind(i as i64)
        .bind(a.name.clone())
        .bind(i64::from(a.price_change_pct.tenths()))
        .bind(i64::from(a.price_change))
        .bind(i64::from(a.volume_change))
        .bind(i64::from(a.total_income))
        .execute(tx.conn())
        .await?;
    }
    for (i, b) in c.board_compensations.iter().enumerate() {
        sqlx::query("INSERT INTO budget_board_compensations (version_id, position, text, amount) VALUES ($1, $2, $3, $4)")
            .bind(id.to_owned())
            .bind(i as i64)
            .bind(b.text.clone())
            .bind(i64::from(b.amount))
            .execute(tx.conn())
            .await?;
    }
    for (i, n) in c.result_regulation.iter().enumerate() {
        sqlx::query("INSERT INTO budget_result_regulation_notes (version_id, position, text) VALUES ($1, $2, $3)")
            .bind(id.to_owned())
            .bind(i as i64)
            .bind(n.text.clone())
            .execute(tx.conn())
            .await?;
    }
    for (i, inv) in c.investments.iter().enumerate() {
        sqlx::query("INSERT INTO budget_investment_frames (version_id, position, text) VALUES ($1, $2, $3)")
            .bind(id.to_owned())
            .bind(i as i64)
            .bind(inv.text.clone())
            .execute(tx.conn())
            .await?;
        insert_year_amounts(tx, "budget_investment_amounts", "frame_position", id, i as i64, &inv.amounts).await?;
    }
    for (i, cat) in c.categories.categories().iter().enumerate() {
        sqlx::query(
            "INSERT INTO budget_categories (version_id, position, code, name_sv, name_en, parent_code, kind) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(id.to_owned())
        .bind(i as i64)
        .bind(cat.code.clone())
        .bind(cat.name_sv.clone())
        .bind(cat.name_en.clone())
        .bind(cat.parent.clone())
        .bind(cat.kind.as_str())
        .execute(tx.conn())
        .await?;
    }
    for (i, line) in c.budget_lines.iter().enumerate() {
        let mut q = sqlx::query(
            "INSERT INTO budget_lines (version_id, position, unit_id, category_code, year, m01, m02, m03, m04, m05, m06, m07, \
             m08, m09, m10, m11, m12) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)",
        )
        .bind(id.to_owned())
        .bind(i as i64)
        .bind(line.unit.to_string())
        .bind(line.category.clone())
        .bind(i64::from(line.year));
        for m in line.months.months() {
            q = q.bind(i64::from(*m));
        }
        q.execute(tx.conn()).await?;
    }
    Ok(())
}

/// The category tree of a stored version (by its row id).
pub(crate) async fn load_categories(tx: &mut Tx, id: &str) -> Result<CategoryTree> {
    let categories = rows(
        tx,
        "SELECT code, name_sv, name_en, parent_code, kind FROM budget_categories WHERE version_id = $1 ORDER BY position",
        id,
    )
    .await?
    .iter()
    .map(|r| {
        let kind_raw = sql::text(r, "kind")?;
        let kind = CategoryKind::parse("kind", &kind_raw).map_err(|_| corrupt("kind", &kind_raw))?;
        Ok(AccountCategory {
            code: sql::text(r, "code")?,
            name_sv: sql::text(r, "name_sv")?,
            name_en: sql::text(r, "name_en")?,
            parent: sql::opt_text(r, "parent_code")?,
            kind,
        })
    })
    .collect::<Result<Vec<_>>>()?;
    CategoryTree::new(categories).map_err(|e| corrupt("budget_categories", format!("{e:?}")))
}
