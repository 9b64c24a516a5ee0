//! A person's to-do list: what they must report, by when, across all their units. Computed from
//! their grants, the plan and what has been reported; nothing is stored.

use crate::error::AppError;
use crate::{Actor, App};
use domain::governance::ObjectKind;
use domain::org::OrgUnit;
use domain::period::{DeadlineRule, PeriodKey};
use domain::plan::PlanObject;
use domain::policy::{Action, Target};
use domain::{ObjectId, OrgUnitId};
use std::collections::{HashMap, HashSet};
use time::{Date, Duration};

/// Days after a period's end when the deepest units must have reported.
pub const DAYS_AFTER_PERIOD_END: i64 = 10;
/// Days each level above gets to compile what its sub-units reported.
pub const DAYS_PER_LEVEL: i64 = 3;
/// Items show from this many days before their deadline…
pub const SHOW_DAYS_BEFORE: i64 = 30;
/// …and stay while overdue for this many days.
pub const KEEP_DAYS_OVERDUE: i64 = 90;
/// A to-do list longer than this is cut (it is a list for a person, not a report).
pub const MAX_ITEMS: usize = 500;

#[derive(Clone, Debug)]
pub struct TodoItem {
    pub object: PlanObject,
    pub unit: OrgUnit,
    pub period: PeriodKey,
    pub deadline: Date,
    pub overdue: bool,
}

/// The deadline of a period for a unit at `depth` in a tree `tree_depth` deep: leaves first,
/// each level above a few days later (`domain::period::DeadlineRule`).
pub fn deadline(period: PeriodKey, depth: u32, tree_depth: u32) -> Date {
    let base = period.end().saturating_add(Duration::days(DAYS_AFTER_PERIOD_END));
    DeadlineRule::new("deadline", base, DAYS_PER_LEVEL).expect("non-negative").deadline(depth, tree_depth)
}

impl App {
    /// What the actor must report: every (object, unit, period) in units where they may report,
    /// whose deadline is near or recently passed, with nothing reported yet. Earliest first.
    pub async fn todo(&self, actor: &Actor) -> Result<Vec<TodoItem>, AppError> {
        let today = self.clock.today();
        let mut roots: Vec<OrgUnitId> = actor.grants.iter().map(|g| g.unit).collect();
        roots.sort();
        roots.dedup();
        if roots.is_empty() || actor.user.is_none() {
            return Ok(Vec::new());
        }
        let mut tx = self.store.begin_read().await?;
        let years = [today.year() - 1, today.year()];
        let objects = store::objects::within(&mut tx, &roots, &years).await?;
        if objects.is_empty() {
            return Ok(Vec::new());
        }
        let models = store::governance::list(&mut tx).await?;
        let periodicity_of = |o: &PlanObject| {
            models
                .iter()
                .find(|m| m.module == o.module)
                .and_then(|m| m.levels.iter().find(|l| l.key == o.level))
                .map(|l| l.periodicity)
        };
        let mut unit_ids: Vec<OrgUnitId> = objects.iter().map(|o| o.unit).collect();
        unit_ids.sort();
        unit_ids.dedup();
        let tree_depth = store::org_units::tree_depth(&mut tx).await?;
        let units: HashMap<OrgUnitId, OrgUnit> =
            store::org_units::get_many(&mut tx, &unit_ids).await?.into_iter().map(|u| (u.id, u)).collect();
        let paths = store::org_units::paths(&mut tx, &unit_ids).await?;

        // Candidate (object, period) pairs whose deadline falls in the window.
        let mut candidates: Vec<(&PlanObject, PeriodKey, Date)> = Vec::new();
        for o in &objects {
            let Some(unit) = units.get(&o.unit) else { continue };
            if unit.is_closed_on(today) {
                continue;
            }
            let target = Target { unit_path: &paths[&o.unit], module: Some(&o.module) };
            if !actor.may(Action::Report, &target) {
                continue;
            }
            let Some(level_periodicity) = periodicity_of(o) else { continue };
            for periodicity in o.followed_in(level_periodicity) {
                for period in PeriodKey::periods_of(o.year, periodicity) {
                    let depth = paths[&o.unit].len().saturating_sub(1) as u32;
                    let due = deadline(period, depth, tree_depth);
                    let shows = (due - today).whole_days() <= SHOW_DAYS_BEFORE && (today - due).whole_days() <= KEEP_DAYS_OVERDUE;
                    // A completed or paused activity has nothing more to report.
                    if shows && o.activity.as_ref().is_none_or(|a| a.manual_status.is_none()) {
                        candidates.push((o, period, due));
                    }
                }
            }
        }
        let ids: Vec<ObjectId> = candidates.iter().map(|(o, _, _)| o.id).collect::<HashSet<_>>().into_iter().collect();
        let mut periods: Vec<PeriodKey> = candidates.iter().map(|(_, p, _)| *p).collect();
        periods.sort();
        periods.dedup();
        let reported: HashSet<(ObjectId, PeriodKey)> =
            store::follow_ups::reported_pairs(&mut tx, &ids, &periods).await?.into_iter().collect();
        let mut items: Vec<TodoItem> = candidates
            .into_iter()
            .filter(|(o, p, _)| !reported.contains(&(o.id, *p)))
            // An indicator needs its value; that is what the list is for. Goals and activities
            // need an assessment or a comment.
            .filter(|(o, _, _)| matches!(o.kind, ObjectKind::Measure | ObjectKind::Text | ObjectKind::Activity))
            .map(|(o, period, deadline)| TodoItem {
                unit: units[&o.unit].clone(),
                object: o.clone(),
                period,
                deadline,
                overdue: deadline < today,
            })
            .collect();
        items.sort_by(|a, b| (a.deadline, &a.unit.key, a.object.position, &a.object.key).cmp(&(b.deadline, &b.unit.key, b.object.position, &b.object.key)));
        items.truncate(MAX_ITEMS);
        Ok(items)
    }
}
