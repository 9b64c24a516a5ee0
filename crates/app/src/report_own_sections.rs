//! Sections a unit adds to its own report, where the template allows (Stratsys: the unit adapts
//! its copy). Whoever may write the report adds them while it is open; they are written, marked
//! ready, numbered and printed as the template's sections are, and copied to the next period.

use domain::audit::AuditAction;
use domain::policy::{Action, Target};
use domain::report::{MAX_OWN_SECTIONS, OwnSection, Report, check_line};
use domain::validate::ValidationCode;
use domain::ReportId;

use crate::error::{AppError, ConflictKind};
use crate::plan::invalid;
use crate::reports::{ReportView, readable_report, template_of};
use crate::{Actor, App};

impl App {
    /// Reads the report for a change by one who may write it, while it is open and still at
    /// `version`.
    async fn open_report_for_writing(&self, tx: &mut store::Tx, actor: &Actor, id: &str, version: i64) -> Result<Report, AppError> {
        let id: ReportId = id.trim().parse().map_err(|_| AppError::NotFound)?;
        let (report, path) = readable_report(tx, actor, id).await?;
        actor.require(Action::Report, &Target::unit(&path))?;
        if !report.state.is_open() {
            return Err(AppError::Conflict(ConflictKind::ReportClosed));
        }
        if report.version != version {
            return Err(AppError::Conflict(ConflictKind::Stale));
        }
        Ok(report)
    }

    /// Adds a section of the unit's own as the last subsection of the template section `under`,
    /// which must allow it. Returns the report with its new section.
    pub async fn add_own_section(&self, actor: &Actor, id: &str, under: &str, heading_sv: &str, heading_en: &str, version: i64) -> Result<ReportView, AppError> {
        let id = {
            let mut tx = self.store.begin_write().await?;
            let before = self.open_report_for_writing(&mut tx, actor, id, version).await?;
            check_line("heading_sv", heading_sv, true)?;
            check_line("heading_en", heading_en, false)?;
            let base = store::reports::template(&mut tx, before.template).await?.ok_or(AppError::NotFound)?.template;
            if !base.sections.iter().any(|s| s.key == under && s.units_may_add) {
                return Err(invalid("under", ValidationCode::InvalidChoice));
            }
            if before.own_sections.len() >= MAX_OWN_SECTIONS {
                return Err(invalid("own_sections", ValidationCode::TooLong));
            }
            let merged = template_of(&mut tx, &before).await?.template;
            let section = OwnSection {
                key: merged.new_section_key(&format!("egen {}", heading_sv.trim())),
                under: under.to_owned(),
                heading_sv: heading_sv.trim().to_owned(),
                heading_en: heading_en.trim().to_owned(),
            };
            let mut after = before.clone();
            after.own_sections.push(section);
            store::reports::update_report(&mut tx, &after, version, self.clock.now_ms()).await?;
            self.record_report(&mut tx, actor, AuditAction::Updated, &after, Some(&before)).await?;
            tx.commit().await?;
            after.id
        };
        self.report(actor, &id.to_string()).await
    }

    /// Removes a section the unit added. One with text in it is refused: the text would be lost.
    pub async fn remove_own_section(&self, actor: &Actor, id: &str, key: &str, version: i64) -> Result<ReportView, AppError> {
        let id = {
            let mut tx = self.store.begin_write().await?;
            let before = self.open_report_for_writing(&mut tx, actor, id, version).await?;
            let Some(section) = before.own_sections.iter().find(|s| s.key == key).cloned() else {
                return Err(invalid("section", ValidationCode::InvalidChoice));
            };
            let written = store::reports::texts(&mut tx, before.id).await?.into_iter().any(|t| t.section_key == key && !t.body.trim().is_empty());
            if written {
                return Err(AppError::Conflict(ConflictKind::SectionHasText { section: section.heading_sv }));
            }
            let mut after = before.clone();
            after.own_sections.retain(|s| s.key != key);
            store::reports::delete_text(&mut tx, before.id, key).await?;
            store::reports::update_report(&mut tx, &after, version, self.clock.now_ms()).await?;
            self.record_report(&mut tx, actor, AuditAction::Updated, &after, Some(&before)).await?;
            tx.commit().await?;
            after.id
        };
        self.report(actor, &id.to_string()).await
    }
}
