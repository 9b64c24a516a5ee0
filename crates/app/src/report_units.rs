//! Reports across units: a template sent out to the reporting units of an administration, the
//! overview of the units' reports, and the units' texts that an administration's compiled
//! report prints.

use crate::audit_log::Change;
use crate::plan::invalid;
use crate::reports::{default_title, earliest_deadline, may_read, report_period};
use crate::{Actor, App, AppError};
use domain::audit::{AuditAction, ObjectType};
use domain::org::OrgUnit;
use domain::policy::{Action, Target};
use domain::report::{DecisionReference, Readability, Report, ReportState, Signing};
use domain::validate::ValidationCode;
use domain::period::PeriodKey;
use domain::{OrgUnitId, ReportId, TemplateId};
use std::collections::HashMap;
use store::Tx;

/// The most units one distribution reaches: a region's administrations with all their units.
pub const MAX_DISTRIBUTION_UNITS: usize = 2000;

/// A template sent out to reporting units for a period, due on a deadline.
#[derive(Clone, Debug)]
pub struct Distribution {
    pub template: String,
    pub year: i32,
    /// A follow-up report's period ("2020-T2"); plans and annual reports are for the year.
    pub period: Option<String>,
    pub deadline: time::Date,
    /// The units' keys.
    pub units: Vec<String>,
}

/// What a distribution did, by unit name.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Distributed {
    /// Made and activated.
    pub created: Vec<String>,
    /// A draft that was there, activated.
    pub activated: Vec<String>,
    /// Already under way (active or further): left as they were.
    pub untouched: Vec<String>,
    /// Not open during the period (started after it or closed before it): no report.
    pub not_open: Vec<String>,
}

/// A report of a unit in the subtree, with how far it has come.
#[derive(Clone, Debug)]
pub struct UnitReport {
    pub unit: OrgUnit,
    pub report: Report,
    /// Sections with text marked ready, of the template's sections with text.
    pub ready: usize,
    pub sections: usize,
}

/// What one unit below wrote, for the compiled report.
#[derive(Clone, Debug)]
pub struct UnitTexts {
    pub unit: OrgUnit,
    /// The unit's report of the template and period, if it has one the reader may read.
    pub state: Option<ReportState>,
    pub texts: HashMap<String, String>,
}

/// The units directly below `unit` that were open during `period`, with what they wrote in the
/// `sections` of their reports of `template` for it (texts only of reports the actor may read).
/// A few queries, however many units report.
pub(crate) async fn texts_of_units_below(
    tx: &mut Tx,
    actor: &Actor,
    unit: &OrgUnit,
    path: &[OrgUnitId],
    template: TemplateId,
    period: PeriodKey,
    sections: &[&str],
) -> Result<Vec<UnitTexts>, AppError> {
    let (first, last) = (period.start(), period.end());
    let mut children: Vec<OrgUnit> = store::org_units::children(tx, unit.id)
        .await?
        .into_iter()
        .filter(|c| c.valid_from <= last && c.valid_to.is_none_or(|to| to >= first))
        .collect();
    children.sort_by_cached_key(|c| c.name.to_lowercase());
    let reports: HashMap<OrgUnitId, Report> = store::reports::reports_of_children(tx, template, unit.id, &period.to_string())
        .await?
        .into_iter()
        .filter(|r| {
            let child_path: Vec<OrgUnitId> = path.iter().copied().chain(std::iter::once(r.unit)).collect();
            may_read(actor, r, &child_path)
        })
        .map(|r| (r.unit, r))
        .collect();
    let ids: Vec<ReportId> = reports.values().map(|r| r.id).collect();
    let mut texts: HashMap<ReportId, HashMap<String, String>> = HashMap::new();
    for section in sections {
        for (report, body) in store::reports::section_texts(tx, &ids, section).await? {
            texts.entry(report).or_default().insert((*section).to_owned(), body);
        }
    }
    Ok(children
        .into_iter()
        .map(|child| {
            let report = reports.get(&child.id);
            UnitTexts {
                state: report.map(|r| r.state),
                texts: report.and_then(|r| texts.remove(&r.id)).unwrap_or_default(),
                unit: child,
            }
        })
        .collect())
}

impl App {
    /// Sends a template out to reporting units: each gets its report of the period, active with
    /// the deadline and its own people as reporters (a draft it already had is activated; a
    /// report already under way is left as it is). Needs the right to edit the plan of every
    /// unit; all units or none, in one transaction, each report audited.
    pub async fn distribute_report(&self, actor: &Actor, distribution: Distribution) -> Result<Distributed, AppError> {
        crate::budget::validate_year(distribution.year)?;
        if distribution.units.is_empty() {
            return Err(invalid("units", ValidationCode::Required));
        }
        if distribution.units.len() > MAX_DISTRIBUTION_UNITS {
            return Err(invalid("units", ValidationCode::TooLong));
        }
        let mut tx = self.store.begin_write().await?;
        let template = store::reports::template_by_key(&mut tx, distribution.template.trim())
            .await?
            .ok_or_else(|| invalid("template", ValidationCode::InvalidChoice))?;
        let period = report_period(template.template.kind, distribution.year, distribution.period.as_deref())?;
        if distribution.deadline < earliest_deadline(template.template.kind, period) {
            return Err(invalid("deadline", ValidationCode::DateOrder));
        }
        let mut units = Vec::with_capacity(distribution.units.len());
        for (index, key) in distribution.units.iter().enumerate() {
            let unit = crate::org::unit_by_key_or_id(&mut tx, key)
                .await?
                .ok_or_else(|| invalid(format!("units[{index}]"), ValidationCode::InvalidChoice))?;
            if units.iter().any(|u: &OrgUnit| u.id == unit.id) {
                return Err(invalid(format!("units[{index}]"), ValidationCode::Duplicate));
            }
            let path = store::org_units::path(&mut tx, unit.id).await?;
            actor.require(Action::EditPlan, &Target::unit(&path))?;
            units.push(unit);
        }
        let now = self.clock.now_ms();
        let mut outcome = Distributed::default();
        for unit in units {
            if unit.valid_from > period.end() || unit.valid_to.is_some_and(|to| to < period.start()) {
                outcome.not_open.push(unit.name);
                continue;
            }
            let existing = store::reports::report_for(&mut tx, template.id, unit.id, &period.to_string()).await?;
            let (before, after) = match existing {
                Some(report) if report.state != ReportState::Draft => {
                    outcome.untouched.push(unit.name);
                    continue;
                }
                Some(draft) => {
                    let active = Report { state: ReportState::Active, deadline: Some(distribution.deadline), ..draft.clone() };
                    store::reports::update_report(&mut tx, &active, draft.version, now).await?;
                    outcome.activated.push(unit.name.clone());
                    (Some(draft), Report { version: active.version + 1, ..active })
                }
                None => {
                    let report = Report {
                        id: ReportId::new(),
                        template: template.id,
                        unit: unit.id,
                        year: period.year(),
                        period: period.to_string(),
                        title: default_title(&template.template.name_sv, period),
                        state: ReportState::Active,
                        decision: DecisionReference::default(),
                        signing: Signing::default(),
                        deadline: Some(distribution.deadline),
                        returned_comment: None,
                        readability: Readability::Unit,
                        own_sections: Vec::new(),
                        version: 1,
                    };
                    store::reports::insert_report(&mut tx, &report, now).await?;
                    outcome.created.push(unit.name.clone());
                    (None, report)
                }
            };
            crate::reminders::name_default_reporters(&mut tx, &after).await?;
            let action = if before.is_some() { AuditAction::Updated } else { AuditAction::Created };
            let change = Change {
                action,
                object_type: ObjectType::Report,
                object_id: after.id.to_string(),
                label: &after.title,
                unit: Some(after.unit),
                before: before.as_ref().map(crate::reports::report_json),
                after: Some(crate::reports::report_json(&after)),
            };
            self.record(&mut tx, actor, change).await?;
        }
        tx.commit().await?;
        Ok(outcome)
    }

    /// The reports of the units below `unit_key` (not its own), unarchived, that the actor may
    /// read, newest period first and then by unit: the administration's overview of who has
    /// written what.
    pub async fn reports_below(&self, actor: &Actor, unit_key: &str) -> Result<Vec<UnitReport>, AppError> {
        let mut tx = self.store.begin_read().await?;
        let unit = crate::org::unit_by_key_or_id(&mut tx, unit_key).await?.ok_or(AppError::NotFound)?;
        let path = store::org_units::path(&mut tx, unit.id).await?;
        if !actor.may(Action::Read, &Target::unit(&path)) {
            return Err(AppError::NotFound);
        }
        let reports: Vec<Report> = store::reports::reports_within(&mut tx, &[unit.id], 1000).await?.into_iter().filter(|r| r.unit != unit.id).collect();
        let unit_ids: Vec<OrgUnitId> = reports.iter().map(|r| r.unit).collect();
        let paths = store::org_units::paths(&mut tx, &unit_ids).await?;
        let units: HashMap<OrgUnitId, OrgUnit> = store::org_units::get_many(&mut tx, &unit_ids).await?.into_iter().map(|u| (u.id, u)).collect();
        let mut ready: HashMap<ReportId, Vec<String>> = HashMap::new();
        for (report, section) in store::reports::ready_sections_within(&mut tx, &[unit.id]).await? {
            ready.entry(report).or_default().push(section);
        }
        let mut templates = HashMap::new();
        let mut lines = Vec::new();
        for report in reports {
            let (Some(path), Some(owner)) = (paths.get(&report.unit), units.get(&report.unit)) else { continue };
            if !may_read(actor, &report, path) {
                continue;
            }
            if !templates.contains_key(&report.template) {
                let template = store::reports::template(&mut tx, report.template).await?.ok_or(AppError::NotFound)?;
                templates.insert(report.template, template.template);
            }
            let template = templates[&report.template].with_own_sections(&report.own_sections);
            let done = ready.get(&report.id).map_or(0, |keys| template.sections.iter().filter(|s| s.text && keys.contains(&s.key)).count());
            lines.push(UnitReport { unit: owner.clone(), ready: done, sections: template.text_sections(), report });
        }
        lines.sort_by(|a, b| {
            b.report.period.cmp(&a.report.period).then_with(|| a.unit.name.to_lowercase().cmp(&b.unit.name.to_lowercase())).then_with(|| a.report.title.cmp(&b.report.title))
        });
        Ok(lines)
    }
}

/// A unit below another, with how deep below it lies (1 = directly).
#[derive(Clone, Debug)]
pub struct UnitBelow {
    pub unit: OrgUnit,
    pub depth: usize,
}

impl App {
    /// The open units below `unit_key` (not itself), in tree order by name: whom a report can be
    /// sent out to. Empty unless the actor may make reports for the unit.
    pub async fn units_below(&self, actor: &Actor, unit_key: &str) -> Result<Vec<UnitBelow>, AppError> {
        let mut tx = self.store.begin_read().await?;
        let unit = crate::org::unit_by_key_or_id(&mut tx, unit_key).await?.ok_or(AppError::NotFound)?;
        let path = store::org_units::path(&mut tx, unit.id).await?;
        if !actor.may(Action::EditPlan, &Target::unit(&path)) {
            return Ok(Vec::new());
        }
        let ids: Vec<OrgUnitId> = store::org_units::subtree_ids(&mut tx, unit.id).await?.into_iter().filter(|id| *id != unit.id).collect();
        let paths = store::org_units::paths(&mut tx, &ids).await?;
        let today = self.clock.today();
        let units: HashMap<OrgUnitId, OrgUnit> = store::org_units::get_many(&mut tx, &ids).await?.into_iter().map(|u| (u.id, u)).collect();
        let name = |id: &OrgUnitId| units.get(id).map(|u| u.name.to_lowercase()).unwrap_or_default();
        let mut below: Vec<(Vec<String>, UnitBelow)> = units
            .values()
            .filter(|u| u.is_open_on(today))
            .filter_map(|u| {
                let p = paths.get(&u.id)?;
                let trail: Vec<String> = p[path.len()..].iter().map(name).collect();
                Some((trail, UnitBelow { unit: u.clone(), depth: p.len() - path.len() }))
            })
            .collect();
        below.sort_by(|a, b| a.0.cmp(&b.0));
        Ok(below.into_iter().map(|(_, u)| u).collect())
    }
}

impl App {
    /// Chooses who writes a report, by e-mail address. Each must be an active user who may
    /// report for the unit (a reporter who cannot write would only get reminders); problems name
    /// `reporters[i]`. Needs the right to edit the unit's plan; not once the report is approved.
    /// `version` is the report's as read; audited with the addresses before and after.
    pub async fn set_report_reporters(&self, actor: &Actor, id: &str, emails: &[String], version: i64) -> Result<crate::reports::ReportView, AppError> {
        let id: ReportId = id.trim().parse().map_err(|_| AppError::NotFound)?;
        if emails.len() > 100 {
            return Err(invalid("reporters", ValidationCode::TooLong));
        }
        {
            let mut tx = self.store.begin_write().await?;
            let (report, path) = crate::reports::readable_report(&mut tx, actor, id).await?;
            actor.require(Action::EditPlan, &Target::unit(&path))?;
            if !report.state.is_open() {
                return Err(AppError::Conflict(crate::ConflictKind::ReportClosed));
            }
            let mut chosen: Vec<domain::user::User> = Vec::new();
            let mut problems = Vec::new();
            for (index, email) in emails.iter().enumerate() {
                let field = format!("reporters[{index}]");
                if email.trim() != email {
                    problems.push(domain::ValidationError::new(field, ValidationCode::InvalidEmail));
                    continue;
                }
                let user = match domain::user::parse_email(&field, email) {
                    Ok(email) => store::users::get_by_email(&mut tx, &email).await?,
                    Err(e) => {
                        problems.push(e);
                        continue;
                    }
                };
                let Some(user) = user.filter(|u| u.active) else {
                    problems.push(domain::ValidationError::new(field, ValidationCode::InvalidChoice));
                    continue;
                };
                let grants = store::role_assignments::grants_of(&mut tx, user.id).await?;
                let as_them = Actor { user: Some(user.clone()), grants, request_id: None };
                if !as_them.may(Action::Report, &Target::unit(&path)) {
                    problems.push(domain::ValidationError::new(field, ValidationCode::InvalidChoice));
                } else if chosen.iter().any(|c| c.id == user.id) {
                    problems.push(domain::ValidationError::new(field, ValidationCode::Duplicate));
                } else {
                    chosen.push(user);
                }
            }
            if !problems.is_empty() {
                return Err(AppError::Validation(problems));
            }
            let before_ids = store::reports::reporters(&mut tx, id).await?;
            let before: Vec<String> = store::users::get_many(&mut tx, &before_ids).await?.into_iter().map(|u| u.email).collect();
            let ids: Vec<domain::UserId> = chosen.iter().map(|u| u.id).collect();
            store::reports::set_reporters(&mut tx, id, &ids).await?;
            // The report's version moves too, so two people choosing at once do not both win.
            store::reports::update_report(&mut tx, &report, version, self.clock.now_ms()).await?;
            let change = Change {
                action: AuditAction::Updated,
                object_type: ObjectType::Report,
                object_id: id.to_string(),
                label: &report.title,
                unit: Some(report.unit),
                before: Some(serde_json::json!({ "reporters": before })),
                after: Some(serde_json::json!({ "reporters": chosen.iter().map(|u| u.email.clone()).collect::<Vec<_>>() })),
            };
            self.record(&mut tx, actor, change).await?;
            tx.commit().await?;
        }
        self.report(actor, &id.to_string()).await
    }
}
