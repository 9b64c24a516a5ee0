//! Reading and reporting follow-up: a unit's plan for a period as a tree with values, roll-ups
//! and assessments; one object's follow-up window; saving a follow-up. Everything computed here
//! (roll-ups, automatic assessments, activity status) is computed on read from what was reported.

use crate::audit_log::Change;
use crate::error::{AppError, ConflictKind};
use crate::org::unit_by_key_or_id;
use crate::plan::{ObjectRecord, invalid, may_edit, object_by_key_or_id};
use crate::{Actor, App};
use domain::audit::{AuditAction, ObjectType};
use domain::consolidation::{self, Consolidated, Decimal, Formula, Tree};
use domain::evaluation::{ActivityStatus, Assessment, Scale};
use domain::governance::{GovernanceModel, ObjectKind};
use domain::org::OrgUnit;
use domain::period::{PeriodKey, Periodicity};
use domain::plan::{self, FollowUp, FollowUpInput, Measure, PlanObject, Reach};
use domain::policy::{Action, Target};
use domain::validate::ValidationCode;
use domain::{FollowUpId, ObjectId, OrgUnitId};
use std::collections::{HashMap, HashSet};
use store::Tx;
use store::modules::Module;

/// One row of a unit's plan.
#[derive(Clone, Debug)]
pub struct PlanRow {
    pub record: ObjectRecord,
    pub depth: usize,
    /// False for objects shown from a unit above (visible, not owned here).
    pub owned: bool,
    /// The period this row's values are for (the object's own periodicity).
    pub period: PeriodKey,
    pub follow_up: Option<FollowUp>,
    /// The value shown: the roll-up over the subtree for a distributed indicator with a
    /// formula, else the unit's own reported outcome.
    pub value: Option<Decimal>,
    /// Set when the value is a roll-up: how many of the expected units have reported.
    pub consolidated: Option<Consolidated>,
    pub target: Option<Decimal>,
    pub automatic: Assessment,
    /// The level id shown: the person's assessment, else the automatic one.
    pub assessment: String,
    pub status: Option<ActivityStatus>,
    pub can_edit: bool,
    pub can_report: bool,
}

#[derive(Clone, Debug)]
pub struct PlanView {
    pub unit: OrgUnit,
    pub module: Module,
    pub model: GovernanceModel,
    pub year: i32,
    pub period: PeriodKey,
    /// The periods of the year a viewer can choose, longest first.
    pub periods: Vec<PeriodKey>,
    pub rows: Vec<PlanRow>,
    pub can_edit_plan: bool,
    pub can_report: bool,
}

/// One sub-unit's line in the follow-up window of a distributed object.
#[derive(Clone, Debug)]
pub struct SubUnitLine {
    pub unit: OrgUnit,
    pub object: ObjectId,
    pub follow_up: Option<FollowUp>,
    pub value: Option<Decimal>,
    pub consolidated: Option<Consolidated>,
    /// A level id on the module's scale.
    pub assessment: String,
}

/// One point of an indicator's chart: the period, the value shown for it and its target.
#[derive(Clone, Debug)]
pub struct SeriesPoint {
    pub period: PeriodKey,
    pub value: Option<Decimal>,
    pub target: Option<Decimal>,
}

/// Everything the follow-up window of one object shows.
#[derive(Clone, Debug)]
pub struct FollowUpView {
    pub record: ObjectRecord,
    pub level_name_sv: String,
    pub level_name_en: String,
    pub unit: OrgUnit,
    pub period: PeriodKey,
    pub periods: Vec<PeriodKey>,
    pub follow_up: Option<FollowUp>,
    pub value: Option<Decimal>,
    pub consolidated: Option<Consolidated>,
    pub target: Option<Decimal>,
    pub automatic: Assessment,
    /// A level id on `scale`.
    pub assessment: String,
    /// The module's assessment scale.
    pub scale: Scale,
    pub status: Option<ActivityStatus>,
    /// Earlier reports of this unit, newest first.
    pub history: Vec<FollowUp>,
    /// Units below holding a copy (distributed) with their values and comments.
    pub sub_units: Vec<SubUnitLine>,
    /// Comments of units below on a visible object.
    pub comments_below: Vec<(OrgUnit, FollowUp)>,
    pub can_report: bool,
    pub can_edit: bool,
    /// Outcomes may be entered (an indicator reported by its owner).
    pub takes_outcome: bool,
    /// For indicators: every period of the year in the shown period's periodicity, for the chart.
    pub series: Vec<SeriesPoint>,
    /// Set when the indicator takes its values from the budget: where they come from. The
    /// outcome of the period is then not typed (`takes_outcome` is false) unless the period is
    /// history, before the plan year.
    pub budget_source: Option<crate::budget_indicators::SourceNote>,
}

/// The periods of a year for the periodicities in use, longest first.
fn periods_of_year(year: i32, in_use: &HashSet<Periodicity>) -> Vec<PeriodKey> {
    let mut p: Vec<Periodicity> = in_use.iter().copied().collect();
    p.push(Periodicity::Year);
    p.sort();
    p.dedup();
    p.into_iter().flat_map(|p| PeriodKey::periods_of(year, p)).collect()
}

/// A chain's roll-ups within a subtree: its members as a forest (each with its nearest member
/// above) and the consolidated value at each member. The one place roll-ups are computed, for
/// the plan page and the follow-up window alike.
struct ChainValues {
    by_unit: HashMap<OrgUnitId, Consolidated>,
    forest: Vec<(OrgUnitId, Option<OrgUnitId>)>,
}

impl ChainValues {
    /// Consolidates the members found below a subtree's root (`parents`: every unit of the
    /// subtree with its parent). Without a formula nothing rolls up: each unit shows its own.
    fn compute(
        parents: &HashMap<OrgUnitId, Option<OrgUnitId>>,
        members: &HashSet<OrgUnitId>,
        reported: impl Fn(OrgUnitId) -> Option<Decimal>,
        measure: Option<&Measure>,
    ) -> Result<Self, AppError> {
        let forest = consolidation::forest_of_members(parents, members);
        let corrupt = |e: String| AppError::Internal(store::StoreError::Corrupt(e));
        let by_unit = match measure {
            Some(m) if m.formula != Formula::None => {
                let tree = Tree::from_parents(forest.clone()).map_err(|e| corrupt(format!("{e:?}")))?;
                consolidation::consolidate(&tree, reported, m.formula, m.missing, m.decimals).map_err(|e| corrupt(format!("{e:?}")))?
            }
            _ => HashMap::new(),
        };
        Ok(Self { by_unit, forest })
    }

    /// The roll-up at a unit that has chain members below it; a unit without any shows its own
    /// report, not a "roll-up" of one value.
    fn rolled_up_at(&self, unit: OrgUnitId) -> Option<Consolidated> {
        let has_below = self.forest.iter().any(|(_, parent)| *parent == Some(unit));
        if has_below { self.by_unit.get(&unit).copied() } else { None }
    }
}

/// The roll-ups of one chain below `root` for a period.
async fn chain_values(
    tx: &mut Tx,
    origin: ObjectId,
    measure: Option<&Measure>,
    root: OrgUnitId,
    parents: &HashMap<OrgUnitId, Option<OrgUnitId>>,
    period: PeriodKey,
) -> Result<ChainValues, AppError> {
    let mut members = HashSet::new();
    let mut reported = HashMap::new();
    for (_, member, value) in store::objects::chain_reports(tx, &[origin], root, period).await? {
        members.insert(member);
        if let Some(v) = value {
            reported.insert(member, v);
        }
    }
    ChainValues::compute(parents, &members, |u| reported.get(&u).copied(), measure)
}

/// A roll-up computed on read that may be stored in the cache afterwards.
pub(crate) struct PendingRollup {
    origin: ObjectId,
    versions: (i64, i64),
    unit: OrgUnitId,
    period: PeriodKey,
    rollup: store::objects::CachedRollup,
}

/// The roll-ups at `unit` of every distributed indicator with a formula that it owns, computed
/// together: one query for the subtree's shape and one per period for all chains' members and
/// reports (a 1,000-unit subtree with ten chains reads about 11,000 rows), unless a current
/// cached roll-up exists. Returns the roll-ups and what is worth caching.
async fn rollups_at(
    tx: &mut Tx,
    unit: &OrgUnit,
    rows: &[(PlanObject, usize)],
    shown: &HashMap<ObjectId, PeriodKey>,
    cache_min_units: usize,
) -> Result<(HashMap<ObjectId, Consolidated>, Vec<PendingRollup>), AppError> {
    let needs: Vec<(&PlanObject, ObjectId)> = rows
        .iter()
        .map(|(o, _)| o)
        .filter(|o| o.unit == unit.id && o.measure.as_ref().is_some_and(|m| m.formula != Formula::None))
        .filter_map(|o| match (o.reach, o.distributed_from) {
            (_, Some(origin)) => Some((o, origin)),
            (Reach::Distributed, None) => Some((o, o.id)),
            _ => None,
        })
        .collect();
    let mut out = HashMap::new();
    let mut pending = Vec::new();
    if needs.is_empty() {
        return Ok((out, pending));
    }
    // Versions first: a cache row must never claim newer inputs than it was computed from.
    let mut all_origins: Vec<ObjectId> = needs.iter().map(|(_, origin)| *origin).collect();
    all_origins.sort();
    all_origins.dedup();
    let (versions, tree_version) = store::objects::rollup_versions(tx, &all_origins).await?;
    let mut parents = None;
    let mut periods: Vec<PeriodKey> = needs.iter().map(|(o, _)| shown[&o.id]).collect();
    periods.sort();
    periods.dedup();
    for period in periods {
        let here: Vec<&(&PlanObject, ObjectId)> = needs.iter().filter(|(o, _)| shown[&o.id] == period).collect();
        let wanted: HashMap<ObjectId, i64> =
            here.iter().map(|(_, origin)| (*origin, versions.get(origin).copied().unwrap_or_default())).collect();
        let cached = store::objects::cached_rollups(tx, &wanted, tree_version, unit.id, period).await?;
        let mut missing: Vec<ObjectId> = wanted.keys().filter(|o| !cached.contains_key(o)).copied().collect();
        missing.sort();
        let mut members: HashMap<ObjectId, HashSet<OrgUnitId>> = HashMap::new();
        let mut reported: HashMap<(ObjectId, OrgUnitId), Decimal> = HashMap::new();
        if !missing.is_empty() {
            for (origin, member, value) in store::objects::chain_reports(tx, &missing, unit.id, period).await? {
                members.entry(origin).or_default().insert(member);
                if let Some(v) = value {
                    reported.insert((origin, member), v);
                }
            }
            if parents.is_none() {
                parents = Some(store::objects::subtree_parents(tx, unit.id).await?);
            }
        }
        for (object, origin) in here {
            if let Some(c) = cached.get(origin) {
                // An empty cached roll-up means "no chain member below": the unit's own report.
                if c.expected > 0 {
                    out.insert(object.id, Consolidated { value: c.value, present: c.present, expected: c.expected });
                }
                continue;
            }
            let Some(set) = members.get(origin) else { continue };
            let parents = parents.as_ref().expect("read with the members");
            let chain = ChainValues::compute(parents, set, |u| reported.get(&(*origin, u)).copied(), object.measure.as_ref())?;
            let rolled = chain.rolled_up_at(unit.id);
            if let Some(c) = rolled {
                out.insert(object.id, c);
            }
            if set.len() >= cache_min_units {
                let rollup = match rolled {
                    Some(c) => store::objects::CachedRollup { value: c.value, present: c.present, expected: c.expected },
                    None => store::objects::CachedRollup { value: None, present: 0, expected: 0 },
                };
                pending.push(PendingRollup { origin: *origin, versions: (wanted[origin], tree_version), unit: unit.id, period, rollup });
            }
        }
    }
    Ok((out, pending))
}

impl App {
    /// Stores computed roll-ups for the next reader. Best effort: a failure costs only speed.
    async fn cache_rollups(&self, pending: Vec<PendingRollup>) {
        if pending.is_empty() {
            return;
        }
        let result: Result<(), store::StoreError> = async {
            let mut tx = self.store.begin_write().await?;
            for p in &pending {
                store::objects::cache_rollup(&mut tx, p.origin, p.versions, p.unit, p.period, p.rollup).await?;
            }
            tx.commit().await
        }
        .await;
        if let Err(e) = result {
            tracing::warn!(error = %e, "roll-up cache not written");
        }
    }
}

fn level_periodicity(model: &GovernanceModel, level: &str) -> Periodicity {
    model.levels.iter().find(|l| l.key == level).map(|l| l.periodicity).unwrap_or(Periodicity::Year)
}

/// An indicator's value per period in `periods`, as the follow-up window's chart shows it: the
/// roll-up of its chain at its owner when it rolls up, else `own` (what the unit reported).
/// `parents` is the owner's subtree (read when the indicator is distributed).
async fn series_of(
    tx: &mut Tx,
    object: &PlanObject,
    parents: &HashMap<OrgUnitId, Option<OrgUnitId>>,
    periods: impl Iterator<Item = PeriodKey>,
    own: impl Fn(PeriodKey) -> Option<Decimal>,
) -> Result<Vec<SeriesPoint>, AppError> {
    let rolls_up = object.measure.as_ref().is_some_and(|m| m.formula != Formula::None);
    let chain_origin = crate::plan::chain_origin(object).filter(|_| rolls_up);
    let mut series = Vec::new();
    for p in periods {
        let rolled = match chain_origin {
            Some(origin) => chain_values(tx, origin, object.measure.as_ref(), object.unit, parents, p).await?.rolled_up_at(object.unit),
            None => None,
        };
        let value = match rolled {
            Some(c) => c.value,
            None => own(p),
        };
        series.push(SeriesPoint { period: p, value, target: object.target_for(p) });
    }
    Ok(series)
}

/// Objects in tree order: each after its parent, siblings by position.
fn tree_order(objects: Vec<PlanObject>) -> Vec<(PlanObject, usize)> {
    let present: HashSet<ObjectId> = objects.iter().map(|o| o.id).collect();
    let mut children: HashMap<Option<ObjectId>, Vec<PlanObject>> = HashMap::new();
    for o in objects {
        let parent = o.parent.filter(|p| present.contains(p));
        children.entry(parent).or_default().push(o);
    }
    let mut out = Vec::new();
    let mut stack: Vec<(PlanObject, usize)> = children.remove(&None).unwrap_or_default().into_iter().rev().map(|o| (o, 0)).collect();
    while let Some((o, depth)) = stack.pop() {
        if let Some(kids) = children.remove(&Some(o.id)) {
            stack.extend(kids.into_iter().rev().map(|k| (k, depth + 1)));
        }
        out.push((o, depth));
    }
    out
}

/// Records in tree order (parents before children, siblings by position).
pub(crate) fn tree_order_records(records: Vec<&ObjectRecord>) -> Vec<&ObjectRecord> {
    let by_id: HashMap<ObjectId, &ObjectRecord> = records.iter().map(|r| (r.object.id, *r)).collect();
    let mut objects: Vec<PlanObject> = records.iter().map(|r| r.object.clone()).collect();
    objects.sort_by_key(|o| (o.position, o.id));
    tree_order(objects).into_iter().map(|(o, _)| by_id[&o.id]).collect()
}

impl App {
    /// The plan of a unit for a module, year and period: its own objects and those visible from
    /// above, with what was reported, roll-ups and assessments.
    pub async fn plan_view(&self, actor: &Actor, unit: &str, module: &str, period: Option<&str>) -> Result<PlanView, AppError> {
        let mut tx = self.store.begin_read().await?;
        let unit = unit_by_key_or_id(&mut tx, unit).await?.ok_or(AppError::NotFound)?;
        let path = store::org_units::path(&mut tx, unit.id).await?;
        let target = Target { unit_path: &path, module: Some(module) };
        if !actor.may(Action::Read, &target) {
            return Err(AppError::NotFound);
        }
        let module = store::modules::list(&mut tx).await?.into_iter().find(|m| m.key == module).ok_or(AppError::NotFound)?;
        let model = store::governance::list(&mut tx).await?.into_iter().find(|m| m.module == module.key).ok_or(AppError::NotFound)?;
        let period = match period.map(str::trim).filter(|p| !p.is_empty()) {
            Some(p) => plan::parse_period("period", p)?,
            None => PeriodKey::period_containing(self.clock.today(), Periodicity::Tertial).expect("today is in range"),
        };
        let year = period.year();
        let ancestors = &path[..path.len() - 1];
        let objects = store::objects::plan_of(&mut tx, &[unit.id], ancestors, &module.key, year).await?;
        let mut in_use: HashSet<Periodicity> = model.levels.iter().map(|l| l.periodicity).collect();
        for o in &objects {
            in_use.extend(o.measure.iter().flat_map(|m| m.reported.iter().copied()));
        }
        let ordered = tree_order(objects);
        let ids: Vec<ObjectId> = ordered.iter().map(|(o, _)| o.id).collect();
        let shown: HashMap<ObjectId, PeriodKey> =
            ordered.iter().map(|(o, _)| (o.id, o.period_shown(level_periodicity(&model, &o.level), period))).collect();
        let mut periods_needed: Vec<PeriodKey> = shown.values().copied().collect();
        periods_needed.sort();
        periods_needed.dedup();
        let reports = store::follow_ups::for_objects(&mut tx, &ids, &periods_needed).await?;
        let mut own: HashMap<ObjectId, FollowUp> = HashMap::new();
        for f in reports {
            if f.unit == unit.id && shown.get(&f.object) == Some(&f.period) {
                own.insert(f.object, f);
            }
        }
        let today = self.clock.today();
        let can_edit_plan = actor.may(Action::EditPlan, &target);
        let can_report = actor.may(Action::Report, &target) && !unit.is_closed_on(today);
        let records = self.describe(&mut tx, ordered.iter().map(|(o, _)| o.clone()).collect()).await?;
        let (rollups, pending) = rollups_at(&mut tx, &unit, &ordered, &shown, self.settings.rollup_cache_min_units).await?;
        let mut rows = Vec::with_capacity(records.len());
        for (record, (_, depth)) in records.into_iter().zip(ordered) {
            let o = &record.object;
            let row_period = shown[&o.id];
            let follow_up = own.remove(&o.id);
            let consolidated = rollups.get(&o.id).copied();
            let value = match consolidated {
                Some(c) => c.value,
                None => follow_up.as_ref().and_then(|f| f.outcome),
            };
            let automatic = plan::automatic_assessment(o, row_period, value);
            let assessment = follow_up.as_ref().and_then(|f| f.assessment.clone()).unwrap_or_else(|| automatic.as_str().to_owned());
            let owned = o.unit == unit.id;
            rows.push(PlanRow {
                depth,
                owned,
                period: row_period,
                value,
                consolidated,
                target: o.target_for(row_period),
                automatic,
                assessment,
                status: o.status(today),
                can_edit: owned && may_edit(actor, o.kind, &path, &o.module),
                can_report,
                follow_up,
                record,
            });
        }
        drop(tx);
        self.cache_rollups(pending).await;
        Ok(PlanView {
            unit,
            module,
            periods: periods_of_year(year, &in_use),
            model,
            year,
            period,
            rows,
            can_edit_plan,
            can_report,
        })
    }

    /// The follow-up window of an object for a period, as reported by `unit` (default: the
    /// object's owner; a unit below may comment on a visible object).
    pub async fn follow_up_view(
        &self,
        actor: &Actor,
        object: &str,
        unit: Option<&str>,
        period: Option<&str>,
    ) -> Result<FollowUpView, AppError> {
        let mut tx = self.store.begin_read().await?;
        let object = object_by_key_or_id(&mut tx, object).await?.ok_or(AppError::NotFound)?;
        let owner_path = store::org_units::path(&mut tx, object.unit).await?;
        if !self.may_read_object(&mut tx, actor, &object, &owner_path).await? {
            return Err(AppError::NotFound);
        }
        let unit = self.reporting_unit(&mut tx, &object, unit).await?;
        let path = store::org_units::path(&mut tx, unit.id).await?;
        let model = store::governance::list(&mut tx).await?.into_iter().find(|m| m.module == object.module).ok_or(AppError::NotFound)?;
        let level = model.levels.iter().find(|l| l.key == object.level).cloned().ok_or(AppError::NotFound)?;
        let today = self.clock.today();
        let period = match period.map(str::trim).filter(|p| !p.is_empty()) {
            Some(p) => plan::parse_period("period", p)?,
            None => {
                let now = PeriodKey::period_containing(today, Periodicity::Tertial).expect("today is in range");
                let now = if now.year() == object.year { now } else { PeriodKey::new(object.year, Periodicity::Tertial, 1).expect("valid") };
                object.period_shown(level.periodicity, now)
            }
        };
        object.check_period("period", level.periodicity, period)?;
        let follow_up = store::follow_ups::get(&mut tx, object.id, unit.id, period).await?;
        let history: Vec<FollowUp> = store::follow_ups::history(&mut tx, object.id, Some(unit.id))
            .await?
            .into_iter()
            .filter(|f| f.period != period)
            .collect();
        let mut consolidated = None;
        let mut sub_units = Vec::new();
        // A copy's measure settings are its origin's (they are kept in step), so the copy's own
        // serve; the subtree's shape is read once for the window and its chart.
        let chain_origin = crate::plan::chain_origin(&object);
        let parents = match chain_origin {
            Some(_) => store::objects::subtree_parents(&mut tx, object.unit).await?,
            None => HashMap::new(),
        };
        if let Some(origin) = chain_origin {
            let chain = chain_values(&mut tx, origin, object.measure.as_ref(), object.unit, &parents, period).await?;
            consolidated = chain.rolled_up_at(object.unit);
            let direct: Vec<OrgUnitId> = chain.forest.iter().filter(|(_, p)| *p == Some(object.unit)).map(|(u, _)| *u).collect();
            let direct_copies = store::objects::copies_at(&mut tx, origin, &direct).await?;
            let direct_objects: Vec<&PlanObject> = direct_copies.iter().collect();
            let ids: Vec<ObjectId> = direct_objects.iter().map(|o| o.id).collect();
            let reports = store::follow_ups::for_objects(&mut tx, &ids, &[period]).await?;
            let unit_rows: HashMap<OrgUnitId, OrgUnit> =
                store::org_units::get_many(&mut tx, &direct).await?.into_iter().map(|u| (u.id, u)).collect();
            for o in direct_objects {
                let Some(u) = unit_rows.get(&o.unit) else { continue };
                let f = reports.iter().find(|f| f.object == o.id && f.unit == o.unit).cloned();
                let c = chain.rolled_up_at(o.unit);
                let value = c.map(|c| c.value).unwrap_or_else(|| f.as_ref().and_then(|f| f.outcome));
                let assessment = f
                    .as_ref()
                    .and_then(|f| f.assessment.clone())
                    .unwrap_or_else(|| plan::automatic_assessment(o, period, value).as_str().to_owned());
                sub_units.push(SubUnitLine { unit: u.clone(), object: o.id, follow_up: f, value, consolidated: c, assessment });
            }
            sub_units.sort_by_key(|s| crate::users::domain_sort_key(&s.unit.name));
        }
        let mut comments_below = Vec::new();
        if object.reach == Reach::Visible && unit.id == object.unit {
            let all = store::follow_ups::for_objects(&mut tx, &[object.id], &[period]).await?;
            let others: Vec<FollowUp> = all.into_iter().filter(|f| f.unit != object.unit).collect();
            let ids: Vec<OrgUnitId> = others.iter().map(|f| f.unit).collect();
            let units: HashMap<OrgUnitId, OrgUnit> =
                store::org_units::get_many(&mut tx, &ids).await?.into_iter().map(|u| (u.id, u)).collect();
            for f in others {
                if let Some(u) = units.get(&f.unit) {
                    comments_below.push((u.clone(), f));
                }
            }
            comments_below.sort_by_key(|c| crate::users::domain_sort_key(&c.0.name));
        }
        let value = match consolidated {
            Some(c) => c.value,
            None => follow_up.as_ref().and_then(|f| f.outcome),
        };
        let automatic = plan::automatic_assessment(&object, period, value);
        let assessment = follow_up.as_ref().and_then(|f| f.assessment.clone()).unwrap_or_else(|| automatic.as_str().to_owned());
        let target = Target { unit_path: &path, module: Some(&object.module) };
        let can_report = actor.may(Action::Report, &target) && !unit.is_closed_on(today);
        let can_edit = unit.id == object.unit && may_edit(actor, object.kind, &owner_path, &object.module);
        let budget_source = self.source_note(&mut tx, &object).await?;
        let takes_outcome = object.kind == ObjectKind::Measure && unit.id == object.unit && !object.outcome_from_budget(period);
        let mut in_use: HashSet<Periodicity> = object.followed_in(level.periodicity).into_iter().collect();
        in_use.insert(Periodicity::Year);
        let periods: Vec<PeriodKey> = periods_of_year(object.year, &in_use)
            .into_iter()
            .filter(|p| object.followed_in(level.periodicity).contains(&p.periodicity()))
            .collect();
        let status = object.status(today);
        let series = if object.kind == ObjectKind::Measure {
            let own = |p: PeriodKey| {
                if p == period {
                    follow_up.as_ref().and_then(|f| f.outcome)
                } else {
                    history.iter().find(|f| f.period == p).and_then(|f| f.outcome)
                }
            };
            series_of(&mut tx, &object, &parents, PeriodKey::periods_of(period.year(), period.periodicity()), own).await?
        } else {
            Vec::new()
        };
        let record = self.describe(&mut tx, vec![object]).await?.remove(0);
        Ok(FollowUpView {
            target: record.object.target_for(period),
            record,
            level_name_sv: level.name_sv,
            level_name_en: level.name_en,
            unit,
            period,
            periods,
            follow_up,
            value,
            consolidated,
            automatic,
            assessment,
            scale: model.scale.clone(),
            status,
            history,
            sub_units,
            comments_below,
            can_report,
            can_edit,
            takes_outcome,
            series,
            budget_source,
        })
    }

    /// For a report's charts: each indicator at `level` that `view`'s unit owns, its values
    /// from January to the end of the view's period in the finest periodicity it is followed in,
    /// computed as the follow-up window's chart is (so the figure agrees with the plan page).
    /// The unit's outcomes are read in one query and its subtree once. `view` is the plan as
    /// [`App::plan_view`] gave it to the actor, so what it holds the actor may read.
    pub async fn indicator_series(&self, view: &PlanView, level: &str) -> Result<HashMap<ObjectId, Vec<SeriesPoint>>, AppError> {
        let rows: Vec<&PlanRow> =
            view.rows.iter().filter(|r| r.owned && r.record.object.level == level && r.record.object.kind == ObjectKind::Measure).collect();
        if rows.is_empty() {
            return Ok(HashMap::new());
        }
        // The finest periodicity the indicator is followed in: a monthly and tertial indicator
        // in a tertial report draws January to April month by month.
        let periods_of_row = |r: &PlanRow| -> Vec<PeriodKey> {
            let object = &r.record.object;
            let followed = object.followed_in(level_periodicity(&view.model, &object.level));
            let Some(finest) = followed.into_iter().max_by_key(|p| p.periods_per_year()) else { return Vec::new() };
            PeriodKey::periods_of(view.period.year(), finest).filter(|p| p.end() <= view.period.end()).collect()
        };
        let mut tx = self.store.begin_read().await?;
        let ids: Vec<ObjectId> = rows.iter().map(|r| r.record.object.id).collect();
        let mut periods: Vec<PeriodKey> = rows.iter().flat_map(|r| periods_of_row(r)).collect();
        periods.sort();
        periods.dedup();
        let outcomes: HashMap<(ObjectId, PeriodKey), Decimal> = store::follow_ups::for_objects(&mut tx, &ids, &periods)
            .await?
            .into_iter()
            .filter(|f| f.unit == view.unit.id)
            .filter_map(|f| f.outcome.map(|o| ((f.object, f.period), o)))
            .collect();
        let parents = if rows.iter().any(|r| crate::plan::chain_origin(&r.record.object).is_some()) {
            store::objects::subtree_parents(&mut tx, view.unit.id).await?
        } else {
            HashMap::new()
        };
        let mut out = HashMap::with_capacity(rows.len());
        for row in rows {
            let object = &row.record.object;
            let own = |p: PeriodKey| outcomes.get(&(object.id, p)).copied();
            out.insert(object.id, series_of(&mut tx, object, &parents, periods_of_row(row).into_iter(), own).await?);
        }
        Ok(out)
    }

    async fn reporting_unit(&self, tx: &mut Tx, object: &PlanObject, unit: Option<&str>) -> Result<OrgUnit, AppError> {
        match unit.map(str::trim).filter(|u| !u.is_empty()) {
            None => store::org_units::get(tx, object.unit).await?.ok_or(AppError::NotFound),
            Some(key) => {
                let u = unit_by_key_or_id(tx, key).await?.ok_or_else(|| invalid("unit", ValidationCode::InvalidChoice))?;
                // Units below may comment on what is visible to them.
                let below = object.reach == Reach::Visible && store::org_units::path(tx, u.id).await?.contains(&object.unit);
                let allowed = u.id == object.unit || below;
                if allowed { Ok(u) } else { Err(invalid("unit", ValidationCode::InvalidChoice)) }
            }
        }
    }

    /// Saves what a unit reports on an object for a period. `version` is the version the
    /// reporter saw (None when nothing was reported yet); a newer stored report is a conflict.
    pub async fn save_follow_up(
        &self,
        actor: &Actor,
        object: &str,
        unit: Option<&str>,
        period: &str,
        input: FollowUpInput,
        version: Option<i64>,
    ) -> Result<FollowUp, AppError> {
        let mut tx = self.store.begin_write().await?;
        let saved = self.save_follow_up_in(&mut tx, actor, object, unit, period, input, version, "").await?;
        tx.commit().await?;
        Ok(saved)
    }

    #[allow(clippy::too_many_arguments)]
    pub(crate) async fn save_follow_up_in(
        &self,
        tx: &mut Tx,
        actor: &Actor,
        object: &str,
        unit: Option<&str>,
        period: &str,
        input: FollowUpInput,
        version: Option<i64>,
        prefix: &str,
    ) -> Result<FollowUp, AppError> {
        let f = |name: &str| domain::validate::field_path(prefix, name);
        let object = object_by_key_or_id(tx, object).await?.ok_or(AppError::NotFound)?;
        let owner_path = store::org_units::path(tx, object.unit).await?;
        if !self.may_read_object(tx, actor, &object, &owner_path).await? {
            return Err(AppError::NotFound);
        }
        let unit = self.reporting_unit(tx, &object, unit).await?;
        let path = store::org_units::path(tx, unit.id).await?;
        actor.require(Action::Report, &Target { unit_path: &path, module: Some(&object.module) })?;
        let model = store::governance::list(tx).await?.into_iter().find(|m| m.module == object.module).ok_or(AppError::NotFound)?;
        let period = plan::parse_period(&f("period"), period)?;
        object.check_period(&f("period"), level_periodicity(&model, &object.level), period)?;
        let mut checked = plan::check_follow_up(&object, &input, prefix, &model.scale).map_err(AppError::Validation)?;
        if unit.id != object.unit && checked.outcome.is_some() {
            return Err(invalid(f("outcome"), ValidationCode::NotForKind));
        }
        if unit.is_closed_on(self.clock.today()) {
            return Err(AppError::Conflict(ConflictKind::UnitClosed));
        }
        let current = store::follow_ups::get(tx, object.id, unit.id, period).await?;
        if object.outcome_from_budget(period) && unit.id == object.unit {
            // The outcome comes from the budget: not typed, kept as the budget wrote it (the same
            // value sent back, as a client that saves what it read does, is no change).
            let stored = current.as_ref().and_then(|c| c.outcome);
            if checked.outcome.is_some() && checked.outcome != stored {
                return Err(invalid(f("outcome"), ValidationCode::NotForKind));
            }
            checked.outcome = stored;
        }
        match (&current, version) {
            (Some(c), Some(v)) if c.version != v => return Err(AppError::Conflict(ConflictKind::Stale)),
            // Someone reported first while this reporter had the empty form open.
            (Some(_), None) => return Err(AppError::Conflict(ConflictKind::Stale)),
            (None, Some(_)) => return Err(AppError::Conflict(ConflictKind::Stale)),
            _ => {}
        }
        if checked.assessment.is_none() {
            checked.reason = None;
        }
        let saved = FollowUp {
            id: current.as_ref().map(|c| c.id).unwrap_or_else(FollowUpId::new),
            object: object.id,
            unit: unit.id,
            period,
            outcome: checked.outcome,
            assessment: checked.assessment,
            reason: checked.reason,
            comment: checked.comment,
            version: current.as_ref().map_or(1, |c| c.version + 1),
            updated_by: actor.user_id(),
            updated_at: self.clock.now_ms(),
        };
        if let Some(c) = &current
            && (c.outcome, &c.assessment, &c.reason, &c.comment) == (saved.outcome, &saved.assessment, &saved.reason, &saved.comment)
        {
            return Ok(c.clone());
        }
        store::follow_ups::save(tx, &saved, current.as_ref().map(|c| c.version)).await?;
        if current.as_ref().and_then(|c| c.outcome) != saved.outcome
            && let Some(origin) = crate::plan::chain_origin(&object)
        {
            store::objects::touch_rollups(tx, origin).await?;
        }
        let label = format!("{} ({period}, {})", object.title, unit.name);
        self.record(
            tx,
            actor,
            Change {
                action: if current.is_some() { AuditAction::Updated } else { AuditAction::Created },
                object_type: ObjectType::FollowUp,
                object_id: object.id.to_string(),
                label: &label,
                unit: Some(unit.id),
                before: current.as_ref().map(follow_up_snapshot),
                after: Some(follow_up_snapshot(&saved)),
            },
        )
        .await?;
        Ok(saved)
    }

    /// Every follow-up of an object the actor may read (all units, all periods), newest first.
    pub async fn follow_ups(&self, actor: &Actor, object: &str) -> Result<(ObjectRecord, Vec<(String, FollowUp)>), AppError> {
        let record = self.object(actor, object).await?;
        let mut tx = self.store.begin_read().await?;
        let all = store::follow_ups::history(&mut tx, record.object.id, None).await?;
        let ids: Vec<OrgUnitId> = all.iter().map(|f| f.unit).collect();
        let units: HashMap<OrgUnitId, String> =
            store::org_units::get_many(&mut tx, &ids).await?.into_iter().map(|u| (u.id, u.key)).collect();
        let mut out = Vec::new();
        for f in all {
            let path = store::org_units::path(&mut tx, f.unit).await?;
            if actor.may(Action::Read, &Target { unit_path: &path, module: Some(&record.object.module) }) || f.unit == record.object.unit {
                out.push((units.get(&f.unit).cloned().unwrap_or_default(), f));
            }
        }
        Ok((record, out))
    }
}

pub(crate) fn follow_up_snapshot(f: &FollowUp) -> serde_json::Value {
    serde_json::json!({
        "period": f.period.to_string(),
        "outcome": f.outcome.map(|v| v.to_string()),
        "assessment": f.assessment,
        "reason": f.reason,
        "comment": f.comment,
    })
}
