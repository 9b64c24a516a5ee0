//! Report templates as module owners keep them: read, made (new or as a copy) and changed,
//! checked as a whole against the modules' models, and audited as `report-template`.
//!
//! Who may change a template: whoever may configure every module its parts read, before and
//! after the change; a template that reads no module needs a grant over every module. Reports
//! under way follow their template's changes; completed reports keep their frozen snapshot.

use domain::audit::{AuditAction, ObjectType};
use domain::report::ReportTemplate;
use domain::report_template_edit::check_parts;
use domain::TemplateId;
use store::Tx;
use store::reports::StoredTemplate;

use crate::audit_log::Change;
use crate::error::{AppError, ConflictKind};
use crate::{Actor, App};

/// A template and whether the actor may change it.
#[derive(Clone, Debug)]
pub struct TemplateView {
    pub stored: StoredTemplate,
    pub may_edit: bool,
}

impl App {
    /// Every template, each with whether the actor may change it.
    pub async fn report_template_views(&self, actor: &Actor) -> Result<Vec<TemplateView>, AppError> {
        let mut tx = self.store.begin_read().await?;
        let templates = store::reports::templates(&mut tx).await?;
        let mut out = Vec::with_capacity(templates.len());
        for stored in templates {
            let may_edit = self.may_edit_template(&mut tx, actor, &stored.template).await?;
            out.push(TemplateView { stored, may_edit });
        }
        Ok(out)
    }

    /// One template by key. Anyone signed in may read it.
    pub async fn report_template(&self, actor: &Actor, key: &str) -> Result<TemplateView, AppError> {
        let mut tx = self.store.begin_read().await?;
        let stored = store::reports::template_by_key(&mut tx, key.trim()).await?.ok_or(AppError::NotFound)?;
        let may_edit = self.may_edit_template(&mut tx, actor, &stored.template).await?;
        Ok(TemplateView { stored, may_edit })
    }

    /// Whether the actor may make a template (what the templates page offers): a module owner of
    /// at least one module, or one with a grant over every module.
    pub async fn may_create_templates(&self, actor: &Actor) -> Result<bool, AppError> {
        let mut tx = self.store.begin_read().await?;
        if self.may_configure_scope(&mut tx, actor, None).await? {
            return Ok(true);
        }
        for module in store::modules::list(&mut tx).await? {
            if self.may_configure(&mut tx, actor, &module.key).await? {
                return Ok(true);
            }
        }
        Ok(false)
    }

    async fn may_edit_template(&self, tx: &mut Tx, actor: &Actor, template: &ReportTemplate) -> Result<bool, AppError> {
        let mut modules: Vec<&str> = template.sections.iter().flat_map(|s| &s.parts).filter_map(|p| p.module()).collect();
        modules.sort_unstable();
        modules.dedup();
        if modules.is_empty() {
            return self.may_configure_scope(tx, actor, None).await;
        }
        for module in modules {
            if !self.may_configure(tx, actor, module).await? {
                return Ok(false);
            }
        }
        Ok(true)
    }

    /// Checks a template as a whole: its structure, and every part against the modules' models.
    async fn check_template(&self, tx: &mut Tx, template: &ReportTemplate) -> Result<(), AppError> {
        template.validate()?;
        let models = store::governance::list(tx).await?;
        check_parts(template, &models).map_err(|broken| {
            let number = template.numbers().get(broken.section).cloned().unwrap_or_default();
            let heading = &template.sections[broken.section].heading_sv;
            AppError::Conflict(ConflictKind::TemplatePartBroken { section: format!("{number} {heading}"), reference: broken.reference })
        })
    }

    /// Makes a new template. Its key must be free.
    pub async fn create_report_template(&self, actor: &Actor, mut template: ReportTemplate) -> Result<StoredTemplate, AppError> {
        let mut tx = self.store.begin_write().await?;
        if !self.may_edit_template(&mut tx, actor, &template).await? {
            return Err(AppError::Forbidden);
        }
        self.check_template(&mut tx, &template).await?;
        template.drop_blank_instructions();
        if store::reports::template_by_key(&mut tx, &template.key).await?.is_some() {
            return Err(AppError::Conflict(ConflictKind::Duplicate { field: "key" }));
        }
        let id = TemplateId::new();
        store::reports::insert_template(&mut tx, id, &template, self.clock.now_ms()).await.map_err(|e| match e {
            store::StoreError::Constraint(_) => AppError::Conflict(ConflictKind::Duplicate { field: "key" }),
            other => other.into(),
        })?;
        self.record_template(&mut tx, actor, AuditAction::Created, id, None, &template).await?;
        let stored = store::reports::template(&mut tx, id).await?.ok_or(AppError::NotFound)?;
        tx.commit().await?;
        Ok(stored)
    }

    /// Makes a template as a copy of another, under a new key and name (checked as given).
    pub async fn copy_report_template(&self, actor: &Actor, from: &str, key: &str, name_sv: &str, name_en: &str) -> Result<StoredTemplate, AppError> {
        let source = self.report_template(actor, from).await?.stored.template;
        let copy = ReportTemplate { key: key.to_owned(), name_sv: name_sv.to_owned(), name_en: name_en.to_owned(), ..source };
        self.create_report_template(actor, copy).await
    }

    /// Replaces a template's names and sections if it is still at `expected_version`. Its key and
    /// kind stay (reports are made for periods of its kind). A section removed while reports not
    /// yet completed hold text in it is refused, so no written text drops out of sight.
    pub async fn save_report_template(&self, actor: &Actor, key: &str, mut template: ReportTemplate, expected_version: i64) -> Result<StoredTemplate, AppError> {
        let mut tx = self.store.begin_write().await?;
        let stored = store::reports::template_by_key(&mut tx, key.trim()).await?.ok_or(AppError::NotFound)?;
        if !self.may_edit_template(&mut tx, actor, &stored.template).await? || !self.may_edit_template(&mut tx, actor, &template).await? {
            return Err(AppError::Forbidden);
        }
        if stored.version != expected_version {
            return Err(AppError::Conflict(ConflictKind::Stale));
        }
        template.key = stored.template.key.clone();
        template.kind = stored.template.kind;
        self.check_template(&mut tx, &template).await?;
        template.drop_blank_instructions();
        let removed: Vec<String> = stored
            .template
            .sections
            .iter()
            .filter(|old| !template.sections.iter().any(|new| new.key == old.key))
            .map(|old| old.key.clone())
            .collect();
        if let Some((section, reports)) = store::reports::open_texts_in_sections(&mut tx, stored.id, &removed).await?.into_iter().next() {
            let numbers = stored.template.numbers();
            let index = stored.template.section_index(&section).unwrap_or_default();
            let heading = format!("{} {}", numbers.get(index).cloned().unwrap_or_default(), stored.template.sections[index].heading_sv);
            return Err(AppError::Conflict(ConflictKind::TemplateSectionWritten { section: heading, reports }));
        }
        store::reports::update_template(&mut tx, stored.id, &template, expected_version, self.clock.now_ms()).await?;
        self.record_template(&mut tx, actor, AuditAction::Updated, stored.id, Some(&stored.template), &template).await?;
        let saved = store::reports::template(&mut tx, stored.id).await?.ok_or(AppError::NotFound)?;
        tx.commit().await?;
        Ok(saved)
    }

    async fn record_template(
        &self,
        tx: &mut Tx,
        actor: &Actor,
        action: AuditAction,
        id: TemplateId,
        before: Option<&ReportTemplate>,
        after: &ReportTemplate,
    ) -> Result<(), AppError> {
        let json = |t: &ReportTemplate| serde_json::to_value(t).unwrap_or_default();
        let change = Change {
            action,
            object_type: ObjectType::ReportTemplate,
            object_id: id.to_string(),
            label: &after.name_sv,
            unit: None,
            before: before.map(json),
            after: Some(json(after)),
        };
        Ok(self.record(tx, actor, change).await?)
    }
}
