//! Report templates, reports and the texts written in them.

use crate::sql;
use crate::{Result, StoreError, Tx};
use domain::report::{Readability, Report, ReportState, ReportTemplate, SectionText, TemplateKind};
use domain::role::Role;
use domain::{OrgUnitId, ReportId, TemplateId, UserId};
use sqlx::any::AnyRow;

/// A template as stored: its id and version beside the template itself.
#[derive(Clone, Debug, PartialEq)]
pub struct StoredTemplate {
    pub id: TemplateId,
    pub version: i64,
    pub template: ReportTemplate,
}

const TEMPLATE_COLUMNS: &str = "id, key, name_sv, name_en, kind, sections, version";

fn template_from_row(r: &AnyRow) -> Result<StoredTemplate> {
    let kind = sql::text(r, "kind")?;
    let sections = sql::text(r, "sections")?;
    Ok(StoredTemplate {
        id: sql::id(r, "id")?,
        version: sql::int(r, "version")?,
        template: ReportTemplate {
            key: sql::text(r, "key")?,
            name_sv: sql::text(r, "name_sv")?,
            name_en: sql::text(r, "name_en")?,
            kind: TemplateKind::parse(&kind).ok_or_else(|| StoreError::Corrupt(format!("kind: {kind}")))?,
            sections: serde_json::from_str(&sections).map_err(|e| StoreError::Corrupt(format!("sections: {e}")))?,
        },
    })
}

fn sections_json(template: &ReportTemplate) -> Result<String> {
    serde_json::to_string(&template.sections).map_err(|e| StoreError::Corrupt(format!("sections: {e}")))
}

pub async fn insert_template(tx: &mut Tx, id: TemplateId, template: &ReportTemplate, now_ms: i64) -> Result<()> {
    insert_template_sql(tx, id, template, now_ms, "").await.map(|_| ())
}

/// Inserts the template unless one with its key exists (another server may be installing the
/// same default at the same moment). Answers whether it was inserted.
pub async fn insert_template_if_missing(tx: &mut Tx, id: TemplateId, template: &ReportTemplate, now_ms: i64) -> Result<bool> {
    Ok(insert_template_sql(tx, id, template, now_ms, " ON CONFLICT (key) DO NOTHING").await? == 1)
}

async fn insert_template_sql(tx: &mut Tx, id: TemplateId, template: &ReportTemplate, now_ms: i64, on_conflict: &str) -> Result<u64> {
    let done = sqlx::query(sqlx::AssertSqlSafe(format!(
        "INSERT INTO report_templates (id, key, name_sv, name_en, kind, sections, version, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, 1, $7, $7){on_conflict}"
    )))
    .bind(id.to_string())
    .bind(&template.key)
    .bind(&template.name_sv)
    .bind(&template.name_en)
    .bind(template.kind.as_str())
    .bind(sections_json(template)?)
    .bind(now_ms)
    .execute(tx.conn())
    .await?;
    Ok(done.rows_affected())
}

/// Replaces a template's content if it is still at `expected_version`.
pub async fn update_template(tx: &mut Tx, id: TemplateId, template: &ReportTemplate, expected_version: i64, now_ms: i64) -> Result<()> {
    let done = sqlx::query(
        "UPDATE report_templates SET key = $1, name_sv = $2, name_en = $3, kind = $4, sections = $5, \
         version = version + 1, updated_at = $6 WHERE id = $7 AND version = $8",
    )
    .bind(&template.key)
    .bind(&template.name_sv)
    .bind(&template.name_en)
    .bind(template.kind.as_str())
    .bind(sections_json(template)?)
    .bind(now_ms)
    .bind(id.to_string())
    .bind(expected_version)
    .execute(tx.conn())
    .await?;
    if done.rows_affected() == 0 {
        return Err(StoreError::Stale);
    }
    Ok(())
}

pub async fn template_by_key(tx: &mut Tx, key: &str) -> Result<Option<StoredTemplate>> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!("SELECT {TEMPLATE_COLUMNS} FROM report_templates WHERE key = $1")))
        .bind(key.to_owned())
        .fetch_optional(tx.conn())
        .await?;
    row.as_ref().map(template_from_row).transpose()
}

pub async fn template(tx: &mut Tx, id: TemplateId) -> Result<Option<StoredTemplate>> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!("SELECT {TEMPLATE_COLUMNS} FROM report_templates WHERE id = $1")))
        .bind(id.to_string())
        .fetch_optional(tx.conn())
        .await?;
    row.as_ref().map(template_from_row).transpose()
}

pub async fn templates(tx: &mut Tx) -> Result<Vec<StoredTemplate>> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!("SELECT {TEMPLATE_COLUMNS} FROM report_templates ORDER BY key")))
        .fetch_all(tx.conn())
        .await?;
    rows.iter().map(template_from_row).collect()
}

const REPORT_COLUMNS: &str =
    "id, template_id, unit_id, year, period, title, state, decision, signing, deadline, returned_comment, readable_by, own_sections, version";

/// [`REPORT_COLUMNS`] qualified by a table alias, for queries that join reports.
fn report_columns_of(alias: &str) -> String {
    REPORT_COLUMNS.split(", ").map(|c| format!("{alias}.{c}")).collect::<Vec<_>>().join(", ")
}

fn report_from_row(r: &AnyRow) -> Result<Report> {
    let state = sql::text(r, "state")?;
    let decision = sql::text(r, "decision")?;
    let signing = sql::text(r, "signing")?;
    Ok(Report {
        id: sql::id(r, "id")?,
        template: sql::id(r, "template_id")?,
        unit: sql::id(r, "unit_id")?,
        year: i32::try_from(sql::int(r, "year")?).map_err(|_| StoreError::Corrupt("year".into()))?,
        period: sql::text(r, "period")?,
        title: sql::text(r, "title")?,
        state: ReportState::parse(&state).ok_or_else(|| StoreError::Corrupt(format!("state: {state}")))?,
        decision: serde_json::from_str(&decision).map_err(|e| StoreError::Corrupt(format!("decision: {e}")))?,
        signing: serde_json::from_str(&signing).map_err(|e| StoreError::Corrupt(format!("signing: {e}")))?,
        deadline: sql::opt_date(r, "deadline")?,
        returned_comment: sql::opt_text(r, "returned_comment")?,
        readability: {
            let value = sql::text(r, "readable_by")?;
            Readability::parse(&value).ok_or_else(|| StoreError::Corrupt(format!("readable_by: {value}")))?
        },
        own_sections: {
            let own = sql::text(r, "own_sections")?;
            serde_json::from_str(&own).map_err(|e| StoreError::Corrupt(format!("own_sections: {e}")))?
        },
        version: sql::int(r, "version")?,
    })
}

fn to_json<T: serde::Serialize>(value: &T, what: &str) -> Result<String> {
    serde_json::to_string(value).map_err(|e| StoreError::Corrupt(format!("{what}: {e}")))
}

pub async fn insert_report(tx: &mut Tx, report: &Report, now_ms: i64) -> Result<()> {
    sqlx::query(
        "INSERT INTO reports (id, template_id, unit_id, year, period, title, state, decision, signing, deadline, returned_comment, \
         version, created_at, updated_at, readable_by, own_sections) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $13, $14, $15)",
    )
    .bind(report.id.to_string())
    .bind(report.template.to_string())
    .bind(report.unit.to_string())
    .bind(i64::from(report.year))
    .bind(&report.period)
    .bind(&report.title)
    .bind(report.state.as_str())
    .bind(to_json(&report.decision, "decision")?)
    .bind(to_json(&report.signing, "signing")?)
    .bind(report.deadline.map(domain::validate::format_date))
    .bind(report.returned_comment.clone())
    .bind(report.version)
    .bind(now_ms)
    .bind(report.readability.as_str())
    .bind(to_json(&report.own_sections, "own_sections")?)
    .execute(tx.conn())
    .await?;
    Ok(())
}

/// Saves title, state, decision, signing, deadline, the send-back comment, readability and the
/// unit's own sections if the report is still at `expected_version`.
pub async fn update_report(tx: &mut Tx, report: &Report, expected_version: i64, now_ms: i64) -> Result<()> {
    let done = sqlx::query(
        "UPDATE reports SET title = $1, state = $2, decision = $3, signing = $4, deadline = $5, returned_comment = $6, \
         version = version + 1, updated_at = $7, readable_by = $10, own_sections = $11 WHERE id = $8 AND version = $9",
    )
    .bind(&report.title)
    .bind(report.state.as_str())
    .bind(to_json(&report.decision, "decision")?)
    .bind(to_json(&report.signing, "signing")?)
    .bind(report.deadline.map(domain::validate::format_date))
    .bind(report.returned_comment.clone())
    .bind(now_ms)
    .bind(report.id.to_string())
    .bind(expected_version)
    .bind(report.readability.as_str())
    .bind(to_json(&report.own_sections, "own_sections")?)
    .execute(tx.conn())
    .await?;
    if done.rows_affected() == 0 {
        return Err(StoreError::Stale);
    }
    Ok(())
}

pub async fn report(tx: &mut Tx, id: ReportId) -> Result<Option<Report>> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!("SELECT {REPORT_COLUMNS} FROM reports WHERE id = $1")))
        .bind(id.to_string())
        .fetch_optional(tx.conn())
        .await?;
    row.as_ref().map(report_from_row).transpose()
}

/// The unit's report from `template` for `period`, if one was made.
pub async fn report_for(tx: &mut Tx, template: TemplateId, unit: OrgUnitId, period: &str) -> Result<Option<Report>> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {REPORT_COLUMNS} FROM reports WHERE template_id = $1 AND unit_id = $2 AND period = $3"
    )))
    .bind(template.to_string())
    .bind(unit.to_string())
    .bind(period.to_owned())
    .fetch_optional(tx.conn())
    .await?;
    row.as_ref().map(report_from_row).transpose()
}

/// The reports of a unit, newest period first.
pub async fn reports_of_unit(tx: &mut Tx, unit: OrgUnitId) -> Result<Vec<Report>> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {REPORT_COLUMNS} FROM reports WHERE unit_id = $1 ORDER BY year DESC, period DESC, title"
    )))
    .bind(unit.to_string())
    .fetch_all(tx.conn())
    .await?;
    rows.iter().map(report_from_row).collect()
}

/// Stores (or, on reopening, clears) the completed report's documents as JSON, with the time
/// it was completed.
pub async fn set_snapshot(tx: &mut Tx, id: ReportId, snapshot: Option<&str>, completed_at_ms: Option<i64>) -> Result<()> {
    sqlx::query("UPDATE reports SET snapshot = $1, completed_at = $2 WHERE id = $3")
        .bind(snapshot.map(str::to_owned))
        .bind(completed_at_ms)
        .bind(id.to_string())
        .execute(tx.conn())
        .await?;
    Ok(())
}

/// The completed report's document (JSON), if it was frozen.
pub async fn snapshot(tx: &mut Tx, id: ReportId) -> Result<Option<String>> {
    let row = sqlx::query("SELECT snapshot FROM reports WHERE id = $1").bind(id.to_string()).fetch_optional(tx.conn()).await?;
    Ok(match row {
        Some(row) => sql::opt_text(&row, "snapshot")?,
        None => None,
    })
}

/// How many reports not yet completed have text written in each of `sections` of the template
/// (sections with no text are left out): what removing those sections would hide.
pub async fn open_texts_in_sections(tx: &mut Tx, template: TemplateId, sections: &[String]) -> Result<Vec<(String, i64)>> {
    let mut out = Vec::new();
    for section in sections {
        let row = sqlx::query(
            "SELECT COUNT(*) AS n FROM report_texts t JOIN reports r ON r.id = t.report_id \
             WHERE r.template_id = $1 AND t.section_key = $2 AND t.body <> '' AND r.state IN ('draft', 'active', 'approved')",
        )
        .bind(template.to_string())
        .bind(section.clone())
        .fetch_one(tx.conn())
        .await?;
        let n = sql::int(&row, "n")?;
        if n > 0 {
            out.push((section.clone(), n));
        }
    }
    Ok(out)
}

/// Whether any report is made from the template.
pub async fn template_in_use(tx: &mut Tx, template: TemplateId) -> Result<bool> {
    let row = sqlx::query("SELECT COUNT(*) AS n FROM reports WHERE template_id = $1").bind(template.to_string()).fetch_one(tx.conn()).await?;
    Ok(sql::int(&row, "n")? > 0)
}

pub async fn texts(tx: &mut Tx, report: ReportId) -> Result<Vec<SectionText>> {
    let rows = sqlx::query(
        "SELECT section_key, body, ready, updated_by, updated_at, version FROM report_texts WHERE report_id = $1 ORDER BY section_key",
    )
    .bind(report.to_string())
    .fetch_all(tx.conn())
    .await?;
    rows.iter()
        .map(|r| {
            Ok(SectionText {
                section_key: sql::text(r, "section_key")?,
                body: sql::text(r, "body")?,
                ready: sql::int(r, "ready")? != 0,
                updated_by: sql::opt_id(r, "updated_by")?,
                updated_at_ms: sql::int(r, "updated_at")?,
                version: sql::int(r, "version")?,
            })
        })
        .collect()
}

/// Writes a section's text. `expected_version` is the version the writer saw (0 = none yet);
/// a text changed meanwhile is [`StoreError::Stale`].
/// Removes what was written in one section of a report (when the unit removes a section of its own).
pub async fn delete_text(tx: &mut Tx, report: ReportId, section_key: &str) -> Result<()> {
    sqlx::query("DELETE FROM report_texts WHERE report_id = $1 AND section_key = $2")
        .bind(report.to_string())
        .bind(section_key.to_owned())
        .execute(tx.conn())
        .await?;
    Ok(())
}

pub async fn save_text(tx: &mut Tx, report: ReportId, text: &SectionText, expected_version: i64) -> Result<()> {
    let updated_by = text.updated_by.map(|u| u.to_string());
    let done = if expected_version == 0 {
        sqlx::query(
            "INSERT INTO report_texts (report_id, section_key, body, ready, updated_by, updated_at, version) \
             VALUES ($1, $2, $3, $4, $5, $6, 1) ON CONFLICT (report_id, section_key) DO NOTHING",
        )
        .bind(report.to_string())
        .bind(&text.section_key)
        .bind(&text.body)
        .bind(i64::from(text.ready))
        .bind(updated_by)
        .bind(text.updated_at_ms)
        .execute(tx.conn())
        .await?
    } else {
        sqlx::query(
            "UPDATE report_texts SET body = $1, ready = $2, updated_by = $3, updated_at = $4, version = version + 1 \
             WHERE report_id = $5 AND section_key = $6 AND version = $7",
        )
        .bind(&text.body)
        .bind(i64::from(text.ready))
        .bind(updated_by)
        .bind(text.updated_at_ms)
        .bind(report.to_string())
        .bind(&text.section_key)
        .bind(expected_version)
        .execute(tx.conn())
        .await?
    };
    if done.rows_affected() == 0 {
        return Err(StoreError::Stale);
    }
    Ok(())
}

/// The people who write a report, in no particular order.
pub async fn reporters(tx: &mut Tx, report: ReportId) -> Result<Vec<UserId>> {
    let rows = sqlx::query("SELECT user_id FROM report_reporters WHERE report_id = $1 ORDER BY user_id")
        .bind(report.to_string())
        .fetch_all(tx.conn())
        .await?;
    rows.iter().map(|r| sql::id(r, "user_id")).collect()
}

/// Replaces the report's reporters.
pub async fn set_reporters(tx: &mut Tx, report: ReportId, users: &[UserId]) -> Result<()> {
    sqlx::query("DELETE FROM report_reporters WHERE report_id = $1").bind(report.to_string()).execute(tx.conn()).await?;
    for user in users {
        sqlx::query("INSERT INTO report_reporters (report_id, user_id) VALUES ($1, $2) ON CONFLICT DO NOTHING")
            .bind(report.to_string())
            .bind(user.to_string())
            .execute(tx.conn())
            .await?;
    }
    Ok(())
}

/// The people of a unit itself (not of the units above it): its manager, and every active user
/// with a role assigned on exactly this unit, with that role. The manager without a role
/// assignment is answered with the role `manager`.
pub async fn people_of_unit(tx: &mut Tx, unit: OrgUnitId) -> Result<Vec<(UserId, Role)>> {
    let rows = sqlx::query(
        "SELECT a.user_id, a.role FROM role_assignments a JOIN users u ON u.id = a.user_id \
         WHERE a.unit_id = $1 AND u.active \
         UNION SELECT o.manager_id AS user_id, 'manager' AS role FROM org_units o JOIN users u ON u.id = o.manager_id \
         WHERE o.id = $1 AND u.active ORDER BY user_id, role",
    )
    .bind(unit.to_string())
    .fetch_all(tx.conn())
    .await?;
    rows.iter()
        .map(|r| {
            let role = sql::text(r, "role")?;
            Ok((sql::id(r, "user_id")?, role.parse().map_err(|_| StoreError::Corrupt(format!("role {role}")))?))
        })
        .collect()
}

/// An active report with a deadline and what one person does with it.
#[derive(Clone, Debug, PartialEq)]
pub struct PersonsReport {
    pub report: Report,
    /// The person is one of its reporters.
    pub writes: bool,
    /// The person is the unit's manager, or has the manager role on the unit itself.
    pub approves: bool,
}

const PERSON_SCOPE: &str = "FROM reports r JOIN org_units o ON o.id = r.unit_id \
    WHERE r.state = 'active' AND r.deadline IS NOT NULL";
const WRITES: &str = "EXISTS (SELECT 1 FROM report_reporters p WHERE p.report_id = r.id AND p.user_id = $1)";
const APPROVES: &str = "(o.manager_id = $1 OR EXISTS (SELECT 1 FROM role_assignments a \
    WHERE a.unit_id = r.unit_id AND a.user_id = $1 AND a.role = 'manager'))";

/// The active reports with a deadline that the person writes or approves, by deadline.
pub async fn active_reports_of_person(tx: &mut Tx, user: UserId) -> Result<Vec<PersonsReport>> {
    let columns = report_columns_of("r");
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {columns}, CASE WHEN {WRITES} THEN 1 ELSE 0 END AS writes, CASE WHEN {APPROVES} THEN 1 ELSE 0 END AS approves \
         {PERSON_SCOPE} AND ({WRITES} OR {APPROVES}) ORDER BY r.deadline, r.id"
    )))
    .bind(user.to_string())
    .fetch_all(tx.conn())
    .await?;
    rows.iter()
        .map(|r| Ok(PersonsReport { report: report_from_row(r)?, writes: sql::int(r, "writes")? != 0, approves: sql::int(r, "approves")? != 0 }))
        .collect()
}

/// Everyone who writes or approves an active report with a deadline: whom the
/// reminder scheduler looks at.
pub async fn people_with_report_tasks(tx: &mut Tx) -> Result<Vec<UserId>> {
    let rows = sqlx::query(
        "SELECT p.user_id FROM report_reporters p JOIN reports r ON r.id = p.report_id \
         WHERE r.state = 'active' AND r.deadline IS NOT NULL \
         UNION SELECT o.manager_id AS user_id FROM reports r JOIN org_units o ON o.id = r.unit_id \
         WHERE r.state = 'active' AND r.deadline IS NOT NULL AND o.manager_id IS NOT NULL \
         UNION SELECT a.user_id FROM reports r JOIN role_assignments a ON a.unit_id = r.unit_id \
         WHERE r.state = 'active' AND r.deadline IS NOT NULL AND a.role = 'manager' \
         ORDER BY user_id",
    )
    .fetch_all(tx.conn())
    .await?;
    rows.iter().map(|r| sql::id(r, "user_id")).collect()
}

/// The reports of the units in the subtrees of `roots` (the roots' own included), unarchived,
/// newest period first; at most `limit`.
pub async fn reports_within(tx: &mut Tx, roots: &[OrgUnitId], limit: i64) -> Result<Vec<Report>> {
    let mut q = sql::Filter::new(&format!("SELECT {REPORT_COLUMNS} FROM reports WHERE state <> 'archived' AND"));
    q.push_within("unit_id", roots);
    let p = q.bind(sql::Arg::Int(limit));
    q.push(&format!(" ORDER BY year DESC, period DESC, title, id LIMIT {p}"));
    let rows = q.fetch_all(tx.conn()).await?;
    rows.iter().map(report_from_row).collect()
}

/// The sections marked ready in each of the subtrees' reports: (report, section key).
pub async fn ready_sections_within(tx: &mut Tx, roots: &[OrgUnitId]) -> Result<Vec<(ReportId, String)>> {
    let mut q = sql::Filter::new("SELECT t.report_id, t.section_key FROM report_texts t JOIN reports r ON r.id = t.report_id WHERE t.ready = 1 AND");
    q.push_within("r.unit_id", roots);
    let rows = q.fetch_all(tx.conn()).await?;
    rows.iter().map(|r| Ok((sql::id(r, "report_id")?, sql::text(r, "section_key")?))).collect()
}

/// The reports of `template` for `period` of the units directly below `parent`: one query for
/// a compiled report, however many units report.
pub async fn reports_of_children(tx: &mut Tx, template: TemplateId, parent: OrgUnitId, period: &str) -> Result<Vec<Report>> {
    let columns = report_columns_of("r");
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {columns} FROM reports r JOIN org_units o ON o.id = r.unit_id \
         WHERE r.template_id = $1 AND o.parent_id = $2 AND r.period = $3"
    )))
    .bind(template.to_string())
    .bind(parent.to_string())
    .bind(period.to_owned())
    .fetch_all(tx.conn())
    .await?;
    rows.iter().map(report_from_row).collect()
}

/// The texts of a section in each of `reports`: (report, body).
pub async fn section_texts(tx: &mut Tx, reports: &[ReportId], section: &str) -> Result<Vec<(ReportId, String)>> {
    if reports.is_empty() {
        return Ok(Vec::new());
    }
    let mut q = sql::Filter::new("SELECT report_id, body FROM report_texts WHERE section_key = ");
    let p = q.bind(sql::Arg::Text(section.to_owned()));
    q.push(&format!("{p} AND report_id IN "));
    q.push_list(reports);
    let rows = q.fetch_all(tx.conn()).await?;
    rows.iter().map(|r| Ok((sql::id(r, "report_id")?, sql::text(r, "body")?))).collect()
}
