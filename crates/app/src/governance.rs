//! Modules and their governance models: read by everyone signed in, configured by module owners
//! (and super users / system administrators) whose grant covers the whole organisation.

use crate::audit_log::Change;
use crate::error::{AppError, ConflictKind};
use crate::{Actor, App};
use domain::ModelId;
use domain::audit::{AuditAction, ObjectType};
use domain::evaluation::{self, Scale};
use domain::governance::{self, Deadlines, GovernanceModel, LevelInput};
use domain::policy::{Action, Target};
use store::Tx;
use store::modules::Module;

/// A module and its model, for the modules page and the API.
#[derive(Clone, Debug)]
pub struct ModuleView {
    pub module: Module,
    pub model: Option<GovernanceModel>,
    pub can_configure: bool,
}

/// A change to a model: new names and the complete list of levels, in order.
#[derive(Clone, Debug, Default)]
pub struct ModelInput {
    pub name_sv: String,
    pub name_en: String,
    pub levels: Vec<LevelInput>,
    /// The assessment scale's levels; None keeps the current scale (the default for a new model).
    pub scale: Option<Vec<evaluation::Level>>,
    /// Days after a period's end and per level above the deepest units, as typed; None keeps
    /// the current rule (the default for a new model).
    pub deadlines: Option<(String, String)>,
    pub version: Option<i64>,
}

/// The model as the event log shows it: every name and every level setting, so any change is
/// visible as before → after.
fn snapshot(model: &GovernanceModel) -> serde_json::Value {
    let levels: Vec<String> = model
        .levels
        .iter()
        .map(|l| {
            let under = if l.parents.is_empty() { String::new() } else { format!(", under {}", l.parents.join("/")) };
            format!("{} \"{}\" / \"{}\" ({}, {}{under})", l.key, l.name_sv, l.name_en, l.kind.as_str(), l.periodicity.as_str())
        })
        .collect();
    let scale: Vec<String> =
        model.scale.levels().iter().map(|l| format!("{} \"{}\" / \"{}\" ({}, {})", l.id, l.label_sv, l.label_en, l.colour, l.rank)).collect();
    serde_json::json!({
        "name_sv": model.name_sv,
        "name_en": model.name_en,
        "levels": levels.join("; "),
        "scale": scale.join("; "),
        "deadlines": format!("+{} days, +{} per level", model.deadlines.days_after_period_end, model.deadlines.days_per_level),
    })
}

impl App {
    /// May the actor configure this module? A module is configured for the whole organisation,
    /// so the grant must cover every top unit.
    pub(crate) async fn may_configure(&self, tx: &mut Tx, actor: &Actor, module: &str) -> Result<bool, AppError> {
        self.may_configure_scope(tx, actor, Some(module)).await
    }

    /// Like `may_configure`; `None` asks for a grant that covers every module.
    pub(crate) async fn may_configure_scope(&self, tx: &mut Tx, actor: &Actor, module: Option<&str>) -> Result<bool, AppError> {
        let roots = store::org_units::roots(tx).await?;
        if roots.is_empty() {
            return Ok(actor.is_system_admin());
        }
        for root in roots {
            let path = [root.id];
            if !actor.may(Action::ConfigureModule, &Target { unit_path: &path, module }) {
                return Ok(false);
            }
        }
        Ok(true)
    }

    pub async fn modules(&self, actor: &Actor) -> Result<Vec<ModuleView>, AppError> {
        let mut tx = self.store.begin_read().await?;
        let modules = store::modules::list(&mut tx).await?;
        let models = store::governance::list(&mut tx).await?;
        let mut out = Vec::with_capacity(modules.len());
        for module in modules {
            let can_configure = self.may_configure(&mut tx, actor, &module.key).await?;
            let model = models.iter().find(|m| m.module == module.key).cloned();
            out.push(ModuleView { module, model, can_configure });
        }
        Ok(out)
    }

    pub async fn governance_models(&self, _actor: &Actor) -> Result<Vec<GovernanceModel>, AppError> {
        let mut tx = self.store.begin_read().await?;
        Ok(store::governance::list(&mut tx).await?)
    }

    pub async fn governance_model(&self, _actor: &Actor, id: ModelId) -> Result<GovernanceModel, AppError> {
        let mut tx = self.store.begin_read().await?;
        store::governance::get(&mut tx, id).await?.ok_or(AppError::NotFound)
    }

    /// True if the actor may configure the module of this model (for showing the edit form).
    pub async fn may_configure_model(&self, actor: &Actor, model: &GovernanceModel) -> Result<bool, AppError> {
        let mut tx = self.store.begin_read().await?;
        self.may_configure(&mut tx, actor, &model.module).await
    }

    /// Replaces a model's names and levels, checked as a whole (every problem named by position).
    pub async fn update_governance_model(
        &self,
        actor: &Actor,
        id: ModelId,
        input: ModelInput,
    ) -> Result<GovernanceModel, AppError> {
        let mut tx = self.store.begin_write().await?;
        let current = store::governance::get(&mut tx, id).await?.ok_or(AppError::NotFound)?;
        // Who may change it is settled before what they sent is looked at.
        if !self.may_configure(&mut tx, actor, &current.module).await? {
            return Err(AppError::Forbidden);
        }
        let mut problems = Vec::new();
        let name_sv = domain::validate::required_text("name_sv", &input.name_sv, 200).map_err(|e| problems.push(e)).ok();
        let name_en = domain::validate::required_text("name_en", &input.name_en, 200).map_err(|e| problems.push(e)).ok();
        let levels = governance::check_levels(&input.levels).map_err(|e| problems.extend(e)).ok();
        let scale = match input.scale {
            Some(levels) => Scale::for_module("scale", levels).map_err(|e| problems.push(e)).ok(),
            None => Some(current.scale.clone()),
        };
        let deadlines = match &input.deadlines {
            Some((after, per_level)) => Deadlines::parse(after, per_level).map_err(|e| problems.extend(e)).ok(),
            None => Some(current.deadlines),
        };
        if !problems.is_empty() {
            return Err(AppError::Validation(problems));
        }
        if input.version.is_some_and(|v| v != current.version) {
            return Err(AppError::Conflict(ConflictKind::Stale));
        }
        let changed = GovernanceModel {
            name_sv: name_sv.unwrap_or_default(),
            name_en: name_en.unwrap_or_default(),
            levels: levels.unwrap_or_default(),
            scale: scale.unwrap_or_default(),
            deadlines: deadlines.unwrap_or_default(),
            version: current.version + 1,
            ..current.clone()
        };
        if (&changed.name_sv, &changed.name_en, &changed.levels, &changed.scale, changed.deadlines)
            == (&current.name_sv, &current.name_en, &current.levels, &current.scale, current.deadlines)
        {
            return Ok(current);
        }
        // What was reported stays readable: a level in use may be renamed, not removed.
        let in_use = store::follow_ups::assessments_in_use(&mut tx, &current.module).await?;
        if in_use.iter().any(|id| current.scale.level(id).is_some() && changed.scale.level(id).is_none()) {
            return Err(AppError::Conflict(ConflictKind::LevelInUse));
        }
        store::governance::update(&mut tx, &changed, current.version, self.clock.now_ms()).await?;
        // Organisation-wide: filed under the top unit, so everyone who reads it sees it.
        let top = store::org_units::roots(&mut tx).await?.first().map(|r| r.id);
        self.record(
            &mut tx,
            actor,
            Change {
                action: AuditAction::Updated,
                object_type: ObjectType::GovernanceModel,
                object_id: changed.id.to_string(),
                label: &changed.name_sv,
                unit: top,
                before: Some(snapshot(&current)),
                after: Some(snapshot(&changed)),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(changed)
    }

    /// Creates a module's model (operator and demo use; the UI edits existing models).
    pub(crate) async fn create_governance_model(
        &self,
        actor: &Actor,
        module: &str,
        input: ModelInput,
    ) -> Result<GovernanceModel, AppError> {
        let levels = governance::check_levels(&input.levels).map_err(AppError::Validation)?;
        let model = GovernanceModel {
            id: ModelId::new(),
            module: module.to_owned(),
            name_sv: input.name_sv,
            name_en: input.name_en,
            levels,
            scale: match input.scale {
                Some(levels) => Scale::for_module("scale", levels).map_err(|e| AppError::Validation(vec![e]))?,
                None => Scale::default(),
            },
            deadlines: match &input.deadlines {
                Some((after, per_level)) => Deadlines::parse(after, per_level).map_err(AppError::Validation)?,
                None => Deadlines::default(),
            },
            version: 1,
        };
        let mut tx = self.store.begin_write().await?;
        store::governance::insert(&mut tx, &model, self.clock.now_ms()).await?;
        let top = store::org_units::roots(&mut tx).await?.first().map(|r| r.id);
        self.record(
            &mut tx,
            actor,
            Change {
                action: AuditAction::Created,
                object_type: ObjectType::GovernanceModel,
                object_id: model.id.to_string(),
                label: &model.name_sv,
                unit: top,
                before: None,
                after: Some(snapshot(&model)),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(model)
    }
}
