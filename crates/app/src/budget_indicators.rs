//! Indicators that take their values from the budget (issue 4, item 8): the outcomes of an
//! indicator with a [`BudgetSource`] are written as follow-ups by the budget's own writes, so
//! the economy goal ("Prognos/ekonomiskt resultat", target 0 mkr) is followed up without
//! retyping. The rules of the value itself (figure, row, unit, rounding, sign) are in
//! [`domain::budget_source`].
//!
//! **When.** In the transaction of every write that can move a figure, after its own write and
//! audit event: a committed actuals or forecast import ([`App::import_outcomes`],
//! [`App::commit_outcome_import`]), a saved forecast ([`App::save_forecast`]), a saved economy
//! chapter (form, API or plan file: `write_chapter`), and a created, changed or distributed
//! sourced indicator. A failure rolls the triggering write back with it: an import never
//! commits with its indicators half followed.
//!
//! **Which.** The sourced indicators of the year at or above a unit whose actuals or forecasts
//! changed (their subtree holds it) and whose figure is made of what changed (actuals move
//! `actual_*` and `variance_ytd`, forecasts `forecast_year` and `variance_year`); for a budget
//! chapter every sourced indicator of the year
//! (the chapter's lines and tree reach every unit that is followed up against it, and the units
//! above read them too); for an object, the object (and its copies).
//!
//! **What.** For each period the indicator is followed up in (its `reported` periodicities, or
//! its level's) of its plan year, the figure of its unit's subtree at the period's last month,
//! as [`App::outcome_view`] computes it, from January up to the last month the figure exists for
//! ([`domain::budget_source::BudgetFigure::last_month`]). A period past that month has no value:
//! an outcome left there (a forecast cleared, an import replaced, a value typed before the
//! indicator took its values from the budget) is cleared, so an indicator never shows a figure
//! the budget does not. Only the outcome is written: a manager's assessment, reason and comment
//! stay. Unchanged values are not written. Each write raises the version, the unit's report
//! counter and the chain's roll-up version exactly as a typed report does, and leaves one audit
//! event by the person whose action triggered it, whose `after` names the `budget_source`.
//!
//! **Checked where.** A category code must be in the tree of the indicator's unit (its nearest
//! administration's chapter for the year, else the default tree): checked when the indicator is
//! saved (`App::check_budget_source`). If the tree later loses the code, the sync leaves the
//! indicator's values as they are and logs a warning (nothing is invented).

use crate::audit_log::Change;
use crate::budget_outcomes::{OutcomeScope, chapter_and_tree};
use crate::error::AppError;
use crate::{Actor, App};
use domain::audit::{AuditAction, ObjectType};
use domain::budget::{CategoryTree, Comparison, YearMonth};
use domain::budget_source::{BudgetSource, FigureBasis, period_month};
use domain::consolidation::Decimal;
use domain::period::{PeriodKey, Periodicity};
use domain::plan::{FollowUp, PlanObject};
use domain::policy::{Action, Target};
use domain::validate::{ValidationCode, ValidationError, field_path};
use domain::{ObjectId, OrgUnitId};
use std::collections::hash_map::Entry;
use std::collections::{BTreeSet, HashMap, HashSet};
use store::Tx;
use store::budget_outcomes::ChapterRef;

/// Which sourced indicators a write can have moved.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Affected<'a> {
    /// Every sourced indicator of the year.
    All,
    /// Those owned by these units or a unit above one of them, whose figure is made from
    /// `basis` (actuals move no forecast figure, forecasts no actual one).
    AtOrAbove(&'a [OrgUnitId], FigureBasis),
    /// These objects.
    Objects(&'a [ObjectId]),
}

/// The budget follow-up of one unit's subtree for a year, read once per sync.
struct SubtreeFigures {
    chapter: Option<ChapterRef>,
    tree: CategoryTree,
    last_actual: Option<YearMonth>,
    last_forecast: Option<YearMonth>,
    by_month: HashMap<YearMonth, Comparison>,
}

/// The names of a source's row, for views: the category's Swedish and English names (None: the
/// result). A code no longer in the tree is shown as the code.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SourceNote {
    pub source: BudgetSource,
    pub category_sv: Option<String>,
    pub category_en: Option<String>,
}

impl App {
    /// Refuses a source whose category is not in the tree of the indicator's unit for its year
    /// (`budget_source.category` under `prefix`, InvalidChoice).
    pub(crate) async fn check_budget_source(&self, tx: &mut Tx, object: &PlanObject, prefix: &str) -> Result<(), AppError> {
        let Some(code) = object.budget_source().and_then(|s| s.category.as_deref()) else { return Ok(()) };
        let (_, tree) = chapter_and_tree(tx, object.unit, object.year).await?;
        if tree.contains(code) {
            Ok(())
        } else {
            Err(AppError::Validation(vec![ValidationError::new(field_path(prefix, "budget_source.category"), ValidationCode::InvalidChoice)]))
        }
    }

    /// The category tree an indicator on `unit_key` reads for `year` (its nearest
    /// administration's chapter, else the default tree): the choices of the object form.
    pub async fn budget_categories(&self, actor: &Actor, unit_key: &str, year: i32) -> Result<CategoryTree, AppError> {
        let mut tx = self.store.begin_read().await?;
        let unit = crate::org::unit_by_key_or_id(&mut tx, unit_key).await?.ok_or(AppError::NotFound)?;
        let path = store::org_units::path(&mut tx, unit.id).await?;
        actor.require(Action::Read, &Target::unit(&path))?;
        Ok(chapter_and_tree(&mut tx, unit.id, year).await?.1)
    }

    /// What a view says about where an indicator's values come from.
    pub(crate) async fn source_note(&self, tx: &mut Tx, object: &PlanObject) -> Result<Option<SourceNote>, AppError> {
        let Some(source) = object.budget_source().cloned() else { return Ok(None) };
        let (mut category_sv, mut category_en) = (None, None);
        if let Some(code) = &source.category {
            let (_, tree) = chapter_and_tree(tx, object.unit, object.year).await?;
            let names = tree.get(code).map(|c| (format!("{code} {}", c.name_sv), format!("{code} {}", c.name_en)));
            let (sv, en) = names.unwrap_or_else(|| (code.clone(), code.clone()));
            (category_sv, category_en) = (Some(sv), Some(en));
        }
        Ok(Some(SourceNote { source, category_sv, category_en }))
    }

    /// Recomputes the outcomes of the sourced indicators of `year` that `affected` names, in the
    /// caller's transaction, as `actor` (see the module's rules). Returns how many follow-ups
    /// were written.
    pub(crate) async fn sync_budget_indicators(&self, tx: &mut Tx, actor: &Actor, year: i32, affected: Affected<'_>) -> Result<usize, AppError> {
        let mut indicators = store::objects::budget_sourced(tx, year).await?;
        if indicators.is_empty() {
            return Ok(0);
        }
        match affected {
            Affected::All => {}
            Affected::Objects(ids) => indicators.retain(|o| ids.contains(&o.id)),
            Affected::AtOrAbove(units, basis) => {
                indicators.retain(|o| o.budget_source().is_some_and(|s| s.figure.basis() == basis));
                if !indicators.is_empty() {
                    let paths = store::org_units::paths(tx, units).await?;
                    let above: HashSet<OrgUnitId> = paths.values().flatten().chain(units).copied().collect();
                    indicators.retain(|o| above.contains(&o.unit));
                }
            }
        }
        if indicators.is_empty() {
            return Ok(0);
        }
        let models = store::governance::list(tx).await?;
        let ids: Vec<ObjectId> = indicators.iter().map(|o| o.id).collect();
        let owners: HashMap<ObjectId, OrgUnitId> = indicators.iter().map(|o| (o.id, o.unit)).collect();
        let mut stored: HashMap<(ObjectId, PeriodKey), FollowUp> = store::follow_ups::for_objects(tx, &ids, &[])
            .await?
            .into_iter()
            .filter(|f| owners.get(&f.object) == Some(&f.unit))
            .map(|f| ((f.object, f.period), f))
            .collect();
        let mut unit_ids: Vec<OrgUnitId> = owners.values().copied().collect();
        unit_ids.sort();
        unit_ids.dedup();
        let unit_names: HashMap<OrgUnitId, String> =
            store::org_units::get_many(tx, &unit_ids).await?.into_iter().map(|u| (u.id, u.name)).collect();

        let mut subtrees: HashMap<OrgUnitId, SubtreeFigures> = HashMap::new();
        let mut origins: BTreeSet<ObjectId> = BTreeSet::new();
        let mut written = 0;
        for object in &indicators {
            let (Some(source), Some(measure)) = (object.budget_source(), object.measure.as_ref()) else { continue };
            let figures = match subtrees.entry(object.unit) {
                Entry::Occupied(known) => known.into_mut(),
                Entry::Vacant(slot) => {
                    let (chapter, tree) = chapter_and_tree(tx, object.unit, year).await?;
                    let (last_actual, last_forecast) = store::budget_outcomes::last_months(tx, object.unit, year).await?;
                    slot.insert(SubtreeFigures { chapter, tree, last_actual, last_forecast, by_month: HashMap::new() })
                }
            };
            if let Some(code) = &source.category
                && !figures.tree.contains(code)
            {
                tracing::warn!(object = %object.key, category = %code, "budget-sourced indicator names a category outside its tree; values left as they are");
                continue;
            }
            let last = source.figure.last_month(year, figures.last_actual, figures.last_forecast, figures.chapter.is_some());
            let level_periodicity = models
                .iter()
                .find(|m| m.module == object.module)
                .and_then(|m| m.levels.iter().find(|l| l.key == object.level))
                .map_or(Periodicity::Year, |l| l.periodicity);
            for periodicity in object.followed_in(level_periodicity) {
                for period in PeriodKey::periods_of(year, periodicity) {
                    let month = period_month(period);
                    let value = match last {
                        Some(last) if month <= last => {
                            if !figures.by_month.contains_key(&month) {
                                let (comparison, _) =
                                    self.outcome_sums(tx, object.unit, OutcomeScope::Subtree, figures.chapter.as_ref(), month, &figures.tree).await?;
                                figures.by_month.insert(month, comparison);
                            }
                            source.value(&figures.by_month[&month], measure.unit.as_deref(), measure.decimals)
                        }
                        _ => None,
                    };
                    let current = stored.remove(&(object.id, period));
                    if current.as_ref().and_then(|f| f.outcome) == value {
                        continue;
                    }
                    self.write_outcome(tx, actor, object, source, period, value, current, unit_names.get(&object.unit)).await?;
                    if let Some(origin) = crate::plan::chain_origin(object) {
                        origins.insert(origin);
                    }
                    written += 1;
                }
            }
        }
        // A value a roll-up counts has changed: its cached roll-ups are out of date.
        for origin in origins {
            store::objects::touch_rollups(tx, origin).await?;
        }
        Ok(written)
    }

    /// Writes one outcome from the budget onto the indicator's follow-up of `period`, keeping
    /// what a person wrote there, with its audit event.
    #[allow(clippy::too_many_arguments)]
    async fn write_outcome(
        &self,
        tx: &mut Tx,
        actor: &Actor,
        object: &PlanObject,
        source: &BudgetSource,
        period: PeriodKey,
        outcome: Option<Decimal>,
        mut current: Option<FollowUp>,
        unit_name: Option<&String>,
    ) -> Result<(), AppError> {
        let make = |current: Option<&FollowUp>| FollowUp {
            id: current.map(|c| c.id).unwrap_or_default(),
            object: object.id,
            unit: object.unit,
            period,
            outcome,
            assessment: current.and_then(|c| c.assessment.clone()),
            reason: current.and_then(|c| c.reason.clone()),
            comment: current.and_then(|c| c.comment.clone()),
            version: current.map_or(1, |c| c.version + 1),
            updated_by: actor.user_id(),
            updated_at: self.clock.now_ms(),
        };
        let mut saved = make(current.as_ref());
        match store::follow_ups::save(tx, &saved, current.as_ref().map(|c| c.version)).await {
            Ok(()) => {}
            // A person saved this follow-up (an assessment, a comment) since it was read, in a
            // transaction that committed meanwhile (PostgreSQL's READ COMMITTED): read it again
            // and write the outcome onto what they wrote, rather than failing the import. An
            // UPDATE that matched nothing leaves the transaction usable; a refused INSERT does
            // not, so a follow-up created meanwhile is a conflict as usual.
            Err(store::StoreError::Stale) if current.is_some() => {
                current = store::follow_ups::get(tx, object.id, object.unit, period).await?;
                if current.as_ref().and_then(|c| c.outcome) == outcome {
                    return Ok(());
                }
                saved = make(current.as_ref());
                store::follow_ups::save(tx, &saved, current.as_ref().map(|c| c.version)).await?;
            }
            Err(e) => return Err(e.into()),
        }
        let mut after = crate::plan_view::follow_up_snapshot(&saved);
        after["budget_source"] = serde_json::to_value(source).expect("a budget source serializes");
        let label = format!("{} ({period}, {})", object.title, unit_name.map(String::as_str).unwrap_or_default());
        let change = Change {
            action: if current.is_some() { AuditAction::Updated } else { AuditAction::Created },
            object_type: ObjectType::FollowUp,
            object_id: object.id.to_string(),
            label: &label,
            unit: Some(object.unit),
            before: current.as_ref().map(crate::plan_view::follow_up_snapshot),
            after: Some(after),
        };
        Ok(self.record(tx, actor, change).await?)
    }
}
