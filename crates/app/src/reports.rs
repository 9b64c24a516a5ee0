//! Report templates and reports: the defaults installed, a unit's report made from a template,
//! the texts written in it, and everything a document of it prints (gathered in one read).

use std::collections::HashMap;

use domain::audit::{AuditAction, ObjectType};
use domain::budget::EconomyChapter;
use domain::governance::GovernanceModel;
use domain::org::OrgUnit;
use domain::plan::{FollowUp, PlanObject};
use domain::policy::{Action, Target};
use domain::period::PeriodKey;
use domain::report::{DecisionReference, Part, Readability, Report, ReportState, ReportStep, ReportTemplate, SectionText, Signing, TemplateKind, MAX_SECTION_TEXT};
use domain::validate::{ValidationCode, ValidationError};
use domain::{OrgUnitId, ReportId, TemplateId};
use store::Tx;
use store::reports::StoredTemplate;

use crate::audit_log::Change;
use crate::error::{AppError, ConflictKind};
use crate::org::unit_by_key_or_id;
use crate::plan::invalid;
use crate::{Actor, App};

/// A report with its template and the texts written so far.
#[derive(Clone, Debug)]
pub struct ReportView {
    pub report: Report,
    pub template: StoredTemplate,
    pub unit: OrgUnit,
    /// Section numbers of the template, in section order ("5.1.1").
    pub numbers: Vec<String>,
    pub texts: HashMap<String, SectionText>,
    /// The actor may write the sections' texts.
    pub may_write: bool,
    /// The actor may change the report's details (title, decision, signatures).
    pub may_edit: bool,
    /// The actor may make the next period's report from this one (in any state).
    pub may_copy: bool,
    /// The steps of the report's life the actor may take now.
    pub steps: Vec<ReportStep>,
    /// Who writes the report (chosen when it is activated), by name.
    pub reporters: Vec<domain::user::User>,
}

/// A module's model and the unit's objects in it for the year, in plan order.
#[derive(Clone, Debug)]
pub struct ModuleData {
    pub model: GovernanceModel,
    pub objects: Vec<PlanObject>,
    /// Outcomes of the year before the document's year, per object (the "current value" a plan
    /// document prints beside the target).
    pub previous_year: HashMap<domain::ObjectId, FollowUp>,
}

/// Everything a document made from a template for a unit and year prints.
#[derive(Clone, Debug)]
pub struct DocumentData {
    pub template: ReportTemplate,
    pub numbers: Vec<String>,
    pub unit: OrgUnit,
    /// The name of the organisation (the root of the unit's tree): "Region Västmanland".
    pub organisation: String,
    pub year: i32,
    /// The period the document is about: the year for plans and annual reports, a tertial or
    /// half-year for interim reports.
    pub period: PeriodKey,
    /// The unit's report, if one was made: its title, texts, decision and signatures.
    pub report: Option<Report>,
    pub texts: HashMap<String, String>,
    /// Per module key the parts read.
    pub modules: HashMap<String, ModuleData>,
    /// The unit's economy chapter for the year (latest version), if it has one.
    pub chapter: Option<EconomyChapter>,
    /// Units of the unit's subtree, to name the units of the budget tables.
    pub units: HashMap<OrgUnitId, OrgUnit>,
    /// A completed report's documents as frozen (`{"sv": Document, "en": Document}`): printed
    /// instead of the data as it is now.
    pub snapshot: Option<serde_json::Value>,
    /// For a compiled report: the units directly below with what they wrote for the period.
    pub unit_texts: Vec<crate::report_units::UnitTexts>,
    /// Per module key the follow-up parts read: the unit's plan for the period as the plan page
    /// shows it (values, roll-ups, assessments, statuses, comments).
    pub follow_up: HashMap<String, crate::plan_view::PlanView>,
    /// The same for the period before, for the indicators' trend.
    pub follow_up_before: HashMap<String, crate::plan_view::PlanView>,
    /// Budget, actual and forecast at the end of the period, for the budget outcome part.
    pub outcome: Option<crate::budget_outcomes::OutcomeView>,
    /// Per `module/level`, the indicators the unit distributed to the units below, each with the
    /// units' values for the period (the follow-up window's), for the compiled report's values.
    pub unit_values: HashMap<String, Vec<crate::plan_view::FollowUpView>>,
    /// Per `module/level`, each indicator's values from January to the period's end, for the
    /// indicator charts.
    pub indicator_series: HashMap<String, HashMap<domain::ObjectId, Vec<crate::plan_view::SeriesPoint>>>,
}

/// What a step of a report's life takes besides the step itself.
#[derive(Clone, Debug, Default)]
pub struct StepInput {
    /// Activate: when the texts are due.
    pub deadline: Option<time::Date>,
    /// Send back: what to change.
    pub comment: Option<String>,
    /// The report's version as read.
    pub version: i64,
}

/// Renders the snapshot a completed report keeps: the documents in every language, as JSON.
pub type Freeze<'a> = &'a (dyn Fn(&DocumentData) -> serde_json::Value + Send + Sync);

/// Input to create a report.
#[derive(Clone, Debug, Default)]
pub struct NewReport {
    pub template: String,
    pub unit: String,
    pub year: i32,
    /// The period reported on: default the year (plans, annual reports); required for interim
    /// ("2020-T1") and monthly ("2020-05") reports.
    pub period: Option<String>,
    /// Defaults to the template's title and the year ("Förvaltningsplan 2020").
    pub title: Option<String>,
}

/// Input to change a report's details.
#[derive(Clone, Debug, Default)]
pub struct ReportDetails {
    pub title: String,
    pub decision: DecisionReference,
    pub signing: Signing,
    /// None: as it is.
    pub readability: Option<Readability>,
    pub version: i64,
}

impl App {
    /// Installs every default template that is missing (by key). Existing templates are left as
    /// their owners edited them. Like a migration, this ships with the system and is not an
    /// organisation's change, so it writes no audit event (an owner's later edits do). Returns
    /// how many were installed.
    pub async fn install_default_templates(&self) -> Result<usize, AppError> {
        let mut tx = self.store.begin_write().await?;
        let mut installed = 0;
        for template in domain::report_defaults::all() {
            if store::reports::template_by_key(&mut tx, &template.key).await?.is_some() {
                continue;
            }
            if store::reports::insert_template_if_missing(&mut tx, TemplateId::new(), &template, self.clock.now_ms()).await? {
                installed += 1;
            }
        }
        tx.commit().await?;
        Ok(installed)
    }

    /// Every template. Anyone signed in may read them (they hold no unit's data).
    pub async fn report_templates(&self, _actor: &Actor) -> Result<Vec<StoredTemplate>, AppError> {
        let mut tx = self.store.begin_read().await?;
        Ok(store::reports::templates(&mut tx).await?)
    }

    /// Makes the unit's report from a template for a year. Needs the right to edit the unit's
    /// plan; one report per template, unit and period.
    pub async fn create_report(&self, actor: &Actor, input: NewReport) -> Result<ReportView, AppError> {
        crate::budget::validate_year(input.year)?;
        let id = {
            let mut tx = self.store.begin_write().await?;
            let template = store::reports::template_by_key(&mut tx, input.template.trim())
                .await?
                .ok_or_else(|| invalid("template", ValidationCode::InvalidChoice))?;
            let unit = unit_by_key_or_id(&mut tx, &input.unit).await?.ok_or_else(|| invalid("unit", ValidationCode::InvalidChoice))?;
            let path = store::org_units::path(&mut tx, unit.id).await?;
            actor.require(Action::EditPlan, &Target::unit(&path))?;
            let period_key = report_period(template.template.kind, input.year, input.period.as_deref())?;
            let period = period_key.to_string();
            if store::reports::report_for(&mut tx, template.id, unit.id, &period).await?.is_some() {
                return Err(AppError::Conflict(ConflictKind::Duplicate { field: "template" }));
            }
            let title = match input.title.as_deref().map(str::trim) {
                Some(t) if !t.is_empty() => t.to_owned(),
                _ => default_title(&template.template.name_sv, period_key),
            };
            check_title(&title)?;
            if let Some(sent) = input.title.as_deref().filter(|t| !t.trim().is_empty()) {
                check_title(sent)?;
            }
            let report = Report {
                id: ReportId::new(),
                template: template.id,
                unit: unit.id,
                year: input.year,
                period,
                title,
                state: ReportState::Draft,
                decision: DecisionReference::default(),
                signing: Signing::default(),
                deadline: None,
                returned_comment: None,
                readability: Readability::Unit,
                own_sections: Vec::new(),
                version: 1,
            };
            store::reports::insert_report(&mut tx, &report, self.clock.now_ms()).await.map_err(|e| match e {
                store::StoreError::Constraint(_) => AppError::Conflict(ConflictKind::Duplicate { field: "template" }),
                other => other.into(),
            })?;
            self.record_report(&mut tx, actor, AuditAction::Created, &report, None).await?;
            tx.commit().await?;
            report.id
        };
        self.report(actor, &id.to_string()).await
    }

    /// Makes the report of the period after this one (the next tertial, or the next year) from
    /// the same template for the same unit: a draft with this report's texts and signing parties
    /// to start from, none of them marked ready, and no decision yet. Needs the right to edit
    /// the unit's plan; a next report that already exists is a conflict.
    pub async fn copy_report_to_next_period(&self, actor: &Actor, id: &str) -> Result<ReportView, AppError> {
        let id: ReportId = id.trim().parse().map_err(|_| AppError::NotFound)?;
        let copy = {
            let mut tx = self.store.begin_write().await?;
            let (source, path) = readable_report(&mut tx, actor, id).await?;
            actor.require(Action::EditPlan, &Target::unit(&path))?;
            let template = store::reports::template(&mut tx, source.template).await?.ok_or(AppError::NotFound)?;
            let next = PeriodKey::parse("period", &source.period)?.next().ok_or_else(|| invalid("period", ValidationCode::OutOfRange))?;
            crate::budget::validate_year(next.year())?;
            if store::reports::report_for(&mut tx, template.id, source.unit, &next.to_string()).await?.is_some() {
                return Err(AppError::Conflict(ConflictKind::Duplicate { field: "period" }));
            }
            let copy = Report {
                id: ReportId::new(),
                year: next.year(),
                period: next.to_string(),
                title: default_title(&template.template.name_sv, next),
                state: ReportState::Draft,
                decision: DecisionReference::default(),
                signing: Signing { date: None, ..source.signing.clone() },
                deadline: None,
                returned_comment: None,
                version: 1,
                ..source
            };
            let now = self.clock.now_ms();
            store::reports::insert_report(&mut tx, &copy, now).await?;
            for text in store::reports::texts(&mut tx, id).await? {
                let draft = SectionText { ready: false, updated_by: actor.user.as_ref().map(|u| u.id), updated_at_ms: now, version: 0, ..text };
                store::reports::save_text(&mut tx, copy.id, &draft, 0).await?;
            }
            self.record_report(&mut tx, actor, AuditAction::Created, &copy, None).await?;
            tx.commit().await?;
            copy.id
        };
        self.report(actor, &copy.to_string()).await
    }

    /// Whether the actor may make reports for the unit (what the reports page offers).
    pub async fn may_create_report(&self, actor: &Actor, unit_key: &str) -> bool {
        let Ok(mut tx) = self.store.begin_read().await else { return false };
        let Ok(Some(unit)) = unit_by_key_or_id(&mut tx, unit_key).await else { return false };
        let Ok(path) = store::org_units::path(&mut tx, unit.id).await else { return false };
        actor.may(Action::EditPlan, &Target::unit(&path))
    }

    /// A report with its texts. Anyone who reads the unit reads its reports.
    pub async fn report(&self, actor: &Actor, id: &str) -> Result<ReportView, AppError> {
        let id: ReportId = id.trim().parse().map_err(|_| AppError::NotFound)?;
        let mut tx = self.store.begin_read().await?;
        let (report, path) = readable_report(&mut tx, actor, id).await?;
        self.report_view(&mut tx, actor, report, &path).await
    }

    /// The reports of a unit, newest first.
    pub async fn reports_of_unit(&self, actor: &Actor, unit_key: &str) -> Result<(OrgUnit, Vec<Report>), AppError> {
        let mut tx = self.store.begin_read().await?;
        let unit = unit_by_key_or_id(&mut tx, unit_key).await?.ok_or(AppError::NotFound)?;
        let path = store::org_units::path(&mut tx, unit.id).await?;
        if !actor.may(Action::Read, &Target::unit(&path)) {
            return Err(AppError::NotFound);
        }
        let reports = store::reports::reports_of_unit(&mut tx, unit.id).await?.into_iter().filter(|r| may_read(actor, r, &path)).collect();
        Ok((unit, reports))
    }

    async fn report_view(&self, tx: &mut Tx, actor: &Actor, report: Report, path: &[OrgUnitId]) -> Result<ReportView, AppError> {
        let template = template_of(tx, &report).await?;
        let unit = store::org_units::get(tx, report.unit).await?.ok_or(AppError::NotFound)?;
        let texts = store::reports::texts(tx, report.id).await?.into_iter().map(|t| (t.section_key.clone(), t)).collect();
        let open = report.state.is_open();
        let reporter_ids = store::reports::reporters(tx, report.id).await?;
        let mut reporters = store::users::get_many(tx, &reporter_ids).await?;
        reporters.sort_by(|a, b| a.name.cmp(&b.name));
        let steps = ReportStep::ALL.into_iter().filter(|step| step.from(report.state).is_some() && actor.may(step_right(*step), &Target::unit(path))).collect();
        Ok(ReportView {
            steps,
            numbers: template.template.numbers(),
            may_write: open && actor.may(Action::Report, &Target::unit(path)),
            may_edit: open && actor.may(Action::EditPlan, &Target::unit(path)),
            may_copy: actor.may(Action::EditPlan, &Target::unit(path)),
            report,
            template,
            unit,
            texts,
            reporters,
        })
    }

    /// Saves the text of one section. `version` is the text's version the writer saw (0 when
    /// the section was empty); a text saved meanwhile by someone else is a conflict, so no
    /// one's words are overwritten unseen.
    pub async fn save_report_text(&self, actor: &Actor, id: &str, section: &str, body: &str, ready: bool, version: i64) -> Result<ReportView, AppError> {
        let id: ReportId = id.trim().parse().map_err(|_| AppError::NotFound)?;
        {
            let mut tx = self.store.begin_write().await?;
            let (report, path) = readable_report(&mut tx, actor, id).await?;
            actor.require(Action::Report, &Target::unit(&path))?;
            if !report.state.is_open() {
                return Err(AppError::Conflict(ConflictKind::ReportClosed));
            }
            let template = template_of(&mut tx, &report).await?;
            let takes_text = template.template.sections.iter().any(|s| s.key == section && s.text);
            if !takes_text {
                return Err(invalid("section", ValidationCode::InvalidChoice));
            }
            if body.chars().count() > MAX_SECTION_TEXT {
                return Err(invalid("text", ValidationCode::TooLong));
            }
            if has_control_characters(body) {
                return Err(invalid("text", ValidationCode::InvalidCharacters));
            }
            let body = normalise_text(body);
            let before = store::reports::texts(&mut tx, id).await?.into_iter().find(|t| t.section_key == section);
            let text = SectionText {
                section_key: section.to_owned(),
                body,
                ready,
                updated_by: actor.user_id(),
                updated_at_ms: self.clock.now_ms(),
                version: version + 1,
            };
            store::reports::save_text(&mut tx, id, &text, version).await?;
            let change = Change {
                action: if before.is_some() { AuditAction::Updated } else { AuditAction::Created },
                object_type: ObjectType::Report,
                object_id: id.to_string(),
                label: &report.title,
                unit: Some(report.unit),
                before: before.map(|t| serde_json::json!({ "section": section, "text": t.body, "ready": t.ready })),
                after: Some(serde_json::json!({ "section": section, "text": text.body, "ready": text.ready })),
            };
            self.record(&mut tx, actor, change).await?;
            tx.commit().await?;
        }
        self.report(actor, &id.to_string()).await
    }

    /// Changes a report's title, decision reference and signing parties.
    pub async fn save_report_details(&self, actor: &Actor, id: &str, details: ReportDetails) -> Result<ReportView, AppError> {
        let id: ReportId = id.trim().parse().map_err(|_| AppError::NotFound)?;
        {
            let mut tx = self.store.begin_write().await?;
            let (before, path) = readable_report(&mut tx, actor, id).await?;
            actor.require(Action::EditPlan, &Target::unit(&path))?;
            if !before.state.is_open() {
                return Err(AppError::Conflict(ConflictKind::ReportClosed));
            }
            let title = details.title.trim().to_owned();
            check_title(&title)?;
            // The limit holds for the title as sent, as the API's schema says.
            check_title(&details.title)?;
            check_details(&details.decision, &details.signing)?;
            let readability = details.readability.unwrap_or(before.readability);
            let after = Report { title, decision: details.decision, signing: details.signing, readability, ..before.clone() };
            store::reports::update_report(&mut tx, &after, details.version, self.clock.now_ms()).await?;
            self.record_report(&mut tx, actor, AuditAction::Updated, &after, Some(&before)).await?;
            tx.commit().await?;
        }
        self.report(actor, &id.to_string()).await
    }

    /// Takes a report one step in its life (see [`ReportStep`]), in one transaction with its
    /// audit event:
    /// - activate (EditPlan): a deadline is required, not before the period starts (a plan's
    ///   year may be written in the year before);
    /// - approve (Approve, the unit's manager): every section with text must be marked ready,
    ///   else 409 naming the sections;
    /// - send back (Approve): a comment saying what to change is required;
    /// - complete (EditPlan): the documents are frozen as they read now (`freeze`);
    /// - archive (EditPlan); reopen (ManageUnits: an administrator) clears the snapshot.
    pub async fn report_step(&self, actor: &Actor, id: &str, step: ReportStep, input: StepInput, freeze: Freeze<'_>) -> Result<ReportView, AppError> {
        let id: ReportId = id.trim().parse().map_err(|_| AppError::NotFound)?;
        // A comment is checked whatever the step, so nothing is taken that could not be stored.
        if let Some(comment) = &input.comment {
            if comment.chars().count() > 2000 {
                return Err(invalid("comment", ValidationCode::TooLong));
            }
            if has_control_characters(comment) {
                return Err(invalid("comment", ValidationCode::InvalidCharacters));
            }
        }
        // The document to freeze is read first, as the reader would see it now (texts are locked
        // from approval on, so only the plan's live data could move in between).
        let frozen = if step == ReportStep::Complete {
            let view = self.report(actor, &id.to_string()).await?;
            let data = self
                .document_data(actor, &view.unit.key, view.report.year, Some(&view.report.period), &view.template.template.key)
                .await?;
            Some(freeze(&data).to_string())
        } else {
            None
        };
        {
            let mut tx = self.store.begin_write().await?;
            let (before, path) = readable_report(&mut tx, actor, id).await?;
            actor.require(step_right(step), &Target::unit(&path))?;
            let state = step.from(before.state).ok_or(AppError::Conflict(ConflictKind::ReportStepNotAllowed))?;
            let template = template_of(&mut tx, &before).await?;
            let mut after = Report { state, ..before.clone() };
            match step {
                ReportStep::Activate => {
                    let deadline = input.deadline.ok_or_else(|| invalid("deadline", ValidationCode::Required))?;
                    let period = PeriodKey::parse("period", &before.period)?;
                    let earliest = earliest_deadline(template.template.kind, period);
                    if deadline < earliest {
                        return Err(invalid("deadline", ValidationCode::DateOrder));
                    }
                    after.deadline = Some(deadline);
                    crate::reminders::name_default_reporters(&mut tx, &before).await?;
                }
                ReportStep::Approve => {
                    let texts = store::reports::texts(&mut tx, id).await?;
                    let missing = template.template.sections_not_ready(&texts);
                    if !missing.is_empty() {
                        return Err(AppError::Conflict(ConflictKind::SectionsNotReady { sections: missing }));
                    }
                    after.returned_comment = None;
                }
                ReportStep::SendBack => {
                    let comment = input.comment.as_deref().map(str::trim).unwrap_or_default();
                    if comment.is_empty() {
                        return Err(invalid("comment", ValidationCode::Required));
                    }
                    after.returned_comment = Some(comment.to_owned());
                }
                ReportStep::Complete => {
                    store::reports::set_snapshot(&mut tx, id, frozen.as_deref(), Some(self.clock.now_ms())).await?;
                }
                ReportStep::Reopen => store::reports::set_snapshot(&mut tx, id, None, None).await?,
                ReportStep::Archive => {}
            }
            store::reports::update_report(&mut tx, &after, input.version, self.clock.now_ms()).await?;
            let action = if step == ReportStep::Reopen { AuditAction::Reopened } else { AuditAction::Updated };
            self.record_report(&mut tx, actor, action, &after, Some(&before)).await?;
            tx.commit().await?;
        }
        self.report(actor, &id.to_string()).await
    }

    pub(crate) async fn record_report(&self, tx: &mut Tx, actor: &Actor, action: AuditAction, after: &Report, before: Option<&Report>) -> Result<(), AppError> {
        let change = Change {
            action,
            object_type: ObjectType::Report,
            object_id: after.id.to_string(),
            label: &after.title,
            unit: Some(after.unit),
            before: before.map(report_json),
            after: Some(report_json(after)),
        };
        Ok(self.record(tx, actor, change).await?)
    }

    /// Everything a document from `template_key` for `unit_key` and `year` prints: the unit's
    /// report for that year if one was made (texts, decision, signatures), the modules' objects
    /// the parts read, and the economy chapter. A part that names a module or level that does
    /// not exist is refused, naming the section.
    ///
    /// `period` names the period of a follow-up report ("2020-T1"); plans and annual reports
    /// are for the year.
    pub async fn document_data(&self, actor: &Actor, unit_key: &str, year: i32, period: Option<&str>, template_key: &str) -> Result<DocumentData, AppError> {
        crate::budget::validate_year(year)?;
        let mut data = {
            let mut tx = self.store.begin_read().await?;
            let unit = unit_by_key_or_id(&mut tx, unit_key).await?.ok_or(AppError::NotFound)?;
            let path = store::org_units::path(&mut tx, unit.id).await?;
            if !actor.may(Action::Read, &Target::unit(&path)) {
                return Err(AppError::NotFound);
            }
            let template = store::reports::template_by_key(&mut tx, template_key.trim())
                .await?
                .ok_or_else(|| invalid("template", ValidationCode::InvalidChoice))?;
            let period = report_period(template.template.kind, year, period)?;
            gather(&mut tx, actor, unit, &path, period, template).await?
        };
        if data.snapshot.is_some() {
            return Ok(data);
        }
        // Follow-up as the plan page and the budget view show it, so the document agrees with them.
        let parts: Vec<&Part> = data.template.sections.iter().flat_map(|s| &s.parts).collect();
        let modules: std::collections::BTreeSet<&str> = parts.iter().filter(|p| p.is_follow_up()).filter_map(|p| p.module()).collect();
        for module in modules {
            let view = self.plan_view(actor, &data.unit.key, module, Some(&data.period.to_string())).await?;
            data.follow_up.insert(module.to_owned(), view);
            if let Some(before) = data.period.previous() {
                let view = self.plan_view(actor, &data.unit.key, module, Some(&before.to_string())).await?;
                data.follow_up_before.insert(module.to_owned(), view);
            }
        }
        // The compiled values: each distributed indicator's window, which lists the units below.
        let wanted: Vec<(String, String)> =
            parts.iter().filter_map(|p| if let Part::UnitValues { module, level } = p { Some((module.clone(), level.clone())) } else { None }).collect();
        for (module, level) in wanted {
            let key = format!("{module}/{level}");
            let Some(view) = data.follow_up.get(&module).filter(|_| !data.unit_values.contains_key(&key)) else { continue };
            let distributed: Vec<String> = view
                .rows
                .iter()
                .filter(|r| r.owned && r.record.object.level == level && r.consolidated.is_some())
                .map(|r| r.record.object.id.to_string())
                .collect();
            let mut windows = Vec::with_capacity(distributed.len());
            for id in distributed {
                windows.push(self.follow_up_view(actor, &id, Some(&data.unit.key), Some(&data.period.to_string())).await?);
            }
            data.unit_values.insert(key, windows);
        }
        for part in &parts {
            let Part::IndicatorCharts { module, level, .. } = part else { continue };
            let key = format!("{module}/{level}");
            let Some(view) = data.follow_up.get(module).filter(|_| !data.indicator_series.contains_key(&key)) else { continue };
            let series = self.indicator_series(view, level).await?;
            data.indicator_series.insert(key, series);
        }
        if parts.iter().any(|p| matches!(p, Part::BudgetOutcome)) {
            let end = data.period.end();
            let month = domain::budget::YearMonth::new(end.year(), u8::from(end.month())).ok_or(AppError::NotFound)?;
            data.outcome = Some(self.outcome_view(actor, &data.unit.key, month, crate::budget_outcomes::OutcomeScope::Subtree).await?);
        }
        Ok(data)
    }
}

/// The report and its unit's path, if the actor may read it (else not found, so a report the
/// actor cannot see does not show that it exists).
pub(crate) async fn readable_report(tx: &mut Tx, actor: &Actor, id: ReportId) -> Result<(Report, Vec<OrgUnitId>), AppError> {
    let report = store::reports::report(tx, id).await?.ok_or(AppError::NotFound)?;
    let path = store::org_units::path(tx, report.unit).await?;
    if !may_read(actor, &report, &path) {
        return Err(AppError::NotFound);
    }
    Ok((report, path))
}

/// Whether the actor may read the report on the unit at `path`: everyone who reads the unit,
/// unless the report is read by its writers only until it is completed: then who may write,
/// edit or approve it.
pub(crate) fn may_read(actor: &Actor, report: &Report, path: &[OrgUnitId]) -> bool {
    let target = Target::unit(path);
    if !actor.may(Action::Read, &target) {
        return false;
    }
    report.readability == Readability::Unit
        || report.state.is_frozen()
        || [Action::Report, Action::EditPlan, Action::Approve].into_iter().any(|a| actor.may(a, &target))
}

/// The report's template as the report reads it: with the unit's own sections.
pub(crate) async fn template_of(tx: &mut Tx, report: &Report) -> Result<StoredTemplate, AppError> {
    let stored = store::reports::template(tx, report.template).await?.ok_or(AppError::NotFound)?;
    Ok(as_read_by(stored, report))
}

/// The stored template with the report's own sections merged in.
fn as_read_by(stored: StoredTemplate, report: &Report) -> StoredTemplate {
    StoredTemplate { template: stored.template.with_own_sections(&report.own_sections), ..stored }
}

/// Everything a document of `template` for `unit` and `year` prints, read in the caller's
/// transaction. A frozen report brings its snapshot, which the document is printed from.
async fn gather(tx: &mut Tx, actor: &Actor, unit: OrgUnit, path: &[OrgUnitId], period: PeriodKey, template: StoredTemplate) -> Result<DocumentData, AppError> {
    let year = period.year();
    // A report the actor may not read yet prints as if it were not written.
    let report = store::reports::report_for(tx, template.id, unit.id, &period.to_string()).await?.filter(|r| may_read(actor, r, path));
    let texts = match &report {
        Some(r) => store::reports::texts(tx, r.id).await?.into_iter().map(|t| (t.section_key, t.body)).collect(),
        None => HashMap::new(),
    };
    let template = match &report {
        Some(r) => as_read_by(template, r),
        None => template,
    };
    let snapshot = match &report {
        Some(r) if r.state.is_frozen() => store::reports::snapshot(tx, r.id)
            .await?
            .map(|json| serde_json::from_str(&json).map_err(|e| AppError::Internal(store::StoreError::Corrupt(format!("snapshot: {e}")))))
            .transpose()?,
        _ => None,
    };
    let numbers = template.template.numbers();
    let models = store::governance::list(tx).await?;
    let ancestors: Vec<OrgUnitId> = path.iter().copied().filter(|id| *id != unit.id).collect();
    domain::report_template_edit::check_parts(&template.template, &models).map_err(|broken| {
        let section = format!("{} {}", numbers[broken.section], template.template.sections[broken.section].heading_sv);
        AppError::Conflict(ConflictKind::TemplatePartBroken { section, reference: broken.reference })
    })?;
    let mut modules = HashMap::new();
    for section in &template.template.sections {
        for part in &section.parts {
            let Some(module) = part.module() else { continue };
            let Some(model) = models.iter().find(|m| m.module == module) else { continue };
            if modules.contains_key(module) {
                continue;
            }
            let objects = store::objects::plan_of(tx, &[unit.id], &ancestors, module, year).await?;
            let ids: Vec<_> = objects.iter().map(|o| o.id).collect();
            let previous = domain::period::PeriodKey::parse("year", &(year - 1).to_string())?;
            let previous_year = store::follow_ups::for_objects(tx, &ids, &[previous])
                .await?
                .into_iter()
                .filter(|f| f.unit == unit.id)
                .map(|f| (f.object, f))
                .collect();
            modules.insert(module.to_owned(), ModuleData { model: model.clone(), objects, previous_year });
        }
    }
    let compiled: Vec<&str> = template
        .template
        .sections
        .iter()
        .flat_map(|s| &s.parts)
        .filter_map(|p| match p {
            Part::UnitTexts { section } => Some(section.as_str()),
            _ => None,
        })
        .collect();
    let unit_texts = if compiled.is_empty() {
        Vec::new()
    } else {
        crate::report_units::texts_of_units_below(tx, actor, &unit, path, template.id, period, &compiled).await?
    };
    let chapter = store::budget::load_latest(tx, unit.id, year).await?.map(|(_, chapter)| chapter);
    let (_, units) = crate::budget::administration_scope(tx, &unit).await?;
    let organisation = match path.first() {
        Some(root) if *root != unit.id => store::org_units::get(tx, *root).await?.map(|u| u.name).unwrap_or_default(),
        _ => unit.name.clone(),
    };
    Ok(DocumentData {
        template: template.template,
        numbers,
        unit,
        organisation,
        year,
        period,
        report,
        texts,
        modules,
        chapter,
        units,
        snapshot,
        unit_texts,
        follow_up: HashMap::new(),
        follow_up_before: HashMap::new(),
        outcome: None,
        unit_values: HashMap::new(),
        indicator_series: HashMap::new(),
    })
}

/// "Förvaltningsplan 2020", "Delårsrapport 2 2020" (the second tertial), "Månadsrapport 2020-05".
pub(crate) fn default_title(name: &str, period: PeriodKey) -> String {
    match period.periodicity() {
        domain::period::Periodicity::Year => format!("{name} {}", period.year()),
        domain::period::Periodicity::Tertial | domain::period::Periodicity::HalfYear => format!("{name} {} {}", period.index(), period.year()),
        _ => format!("{name} {period}"),
    }
}

/// The right a step needs on the report's unit.
fn step_right(step: ReportStep) -> Action {
    match step {
        ReportStep::Approve | ReportStep::SendBack => Action::Approve,
        ReportStep::Reopen => Action::ManageUnits,
        ReportStep::Activate | ReportStep::Complete | ReportStep::Archive => Action::EditPlan,
    }
}

/// The earliest deadline a report may have: a follow-up report's period must have started; a
/// plan is written in the year before its year.
pub(crate) fn earliest_deadline(kind: TemplateKind, period: PeriodKey) -> time::Date {
    if kind == TemplateKind::Plan {
        time::Date::from_calendar_date(period.year() - 1, time::Month::January, 1).unwrap_or(time::Date::MIN)
    } else {
        period.start()
    }
}

/// The period a report of `kind` for `year` is about: the year for plans and annual reports
/// unless told; a follow-up report must name its period, within the year.
pub(crate) fn report_period(kind: TemplateKind, year: i32, period: Option<&str>) -> Result<PeriodKey, AppError> {
    let period = match period.map(str::trim).filter(|p| !p.is_empty()) {
        Some(text) => PeriodKey::parse("period", text)?,
        None if matches!(kind, TemplateKind::Plan | TemplateKind::Annual) => PeriodKey::parse("period", &year.to_string())?,
        None => return Err(invalid("period", ValidationCode::Required)),
    };
    if !kind.takes_period(period, year) {
        return Err(invalid("period", ValidationCode::InvalidPeriod));
    }
    Ok(period)
}

pub(crate) fn report_json(report: &Report) -> serde_json::Value {
    serde_json::json!({
        "title": report.title,
        "state": report.state.as_str(),
        "deadline": report.deadline.map(domain::validate::format_date),
        "returned_comment": report.returned_comment,
        "period": report.period,
        "decision": report.decision,
        "signing": report.signing,
        "own_sections": report.own_sections,
    })
}

fn check_title(title: &str) -> Result<(), AppError> {
    if title.is_empty() {
        return Err(invalid("title", ValidationCode::Required));
    }
    if title.chars().count() > 200 {
        return Err(invalid("title", ValidationCode::TooLong));
    }
    if title.chars().any(char::is_control) {
        return Err(invalid("title", ValidationCode::InvalidCharacters));
    }
    Ok(())
}

/// Control characters other than line breaks and tabs, which running text may hold.
fn has_control_characters(text: &str) -> bool {
    text.chars().any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
}

/// Details are short lines; every problem is reported at once, by field.
fn check_details(decision: &DecisionReference, signing: &Signing) -> Result<(), AppError> {
    let mut problems = Vec::new();
    let mut lines: Vec<(String, &str)> = vec![
        ("decision.decided_by".into(), decision.decided_by.as_deref().unwrap_or_default()),
        ("decision.paragraph".into(), decision.paragraph.as_deref().unwrap_or_default()),
        ("decision.case_number".into(), decision.case_number.as_deref().unwrap_or_default()),
        ("signing.place".into(), signing.place.as_deref().unwrap_or_default()),
    ];
    for (i, party) in signing.parties.iter().enumerate() {
        if party.party.trim().is_empty() {
            problems.push(ValidationError::new(format!("signing.parties[{i}].party"), ValidationCode::Required));
        }
        lines.push((format!("signing.parties[{i}].party"), &party.party));
        lines.push((format!("signing.parties[{i}].name"), &party.name));
    }
    for (field, text) in lines {
        if text.chars().count() > 200 {
            problems.push(ValidationError::new(field, ValidationCode::TooLong));
        } else if text.chars().any(char::is_control) {
            problems.push(ValidationError::new(field, ValidationCode::InvalidCharacters));
        }
    }
    if signing.parties.len() > 6 {
        problems.push(ValidationError::new("signing.parties", ValidationCode::OutOfRange));
    }
    if problems.is_empty() { Ok(()) } else { Err(AppError::Validation(problems)) }
}

/// Line endings as `\n`, no trailing blank space: what is stored is what was meant.
fn normalise_text(body: &str) -> String {
    body.replace("\r\n", "\n").replace('\r', "\n").trim_end().to_owned()
}
