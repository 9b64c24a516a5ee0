//! A person's to-do list: what they must report, by when, across all their units. Computed from
//! their grants, the plan and what has been reported, and kept in memory only while none of
//! these changed.

use crate::error::AppError;
use crate::{Actor, App};
use domain::governance::ObjectKind;
use domain::org::OrgUnit;
use domain::period::PeriodKey;
use domain::plan::PlanObject;
use domain::policy::{Action, Grant, Target};
use domain::{ObjectId, OrgUnitId, UserId};
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use store::org_units::PlanStamp;
use time::Date;

/// Items show from this many days before their deadline…
pub const SHOW_DAYS_BEFORE: i64 = 30;
/// …and stay while overdue for this many days.
pub const KEEP_DAYS_OVERDUE: i64 = 90;
/// A to-do list longer than this is cut (it is a list for a person, not a report).
pub const MAX_ITEMS: usize = 500;
/// Lists kept in memory at most; past this the cache starts over. A list is cheap enough to
/// compute once; it is the same person reloading it all day that must not compute it each time.
const CACHED_LISTS: usize = 10_000;

#[derive(Clone, Debug)]
pub struct TodoItem {
    pub object: PlanObject,
    pub unit: OrgUnit,
    pub period: PeriodKey,
    pub deadline: Date,
    pub overdue: bool,
}

/// Everything a person may have to report today, before looking at what was reported: depends
/// on the plan's structure only, so a report leaves it as it is.
struct Candidates {
    objects: Vec<PlanObject>,
    units: HashMap<OrgUnitId, OrgUnit>,
    /// (index into `objects`, period, deadline), earliest deadline first.
    due: Vec<(usize, PeriodKey, Date)>,
}

/// Computed lists per person, each kept with what it was computed from: the day, the person's
/// grants and the `PlanStamp` of their units. A list is used only while all three are as now,
/// so it is never stale, also when several servers share one database. When only reports
/// changed, only the reports of the units whose report counter moved are read again.
#[derive(Default)]
pub(crate) struct TodoCache(Mutex<HashMap<UserId, CachedList>>);

#[derive(Clone)]
struct CachedList {
    today: Date,
    grants: Vec<Grant>,
    /// The units in the person's subtrees, as they were when the tree had `stamp.tree`.
    units: Arc<Vec<OrgUnitId>>,
    stamp: PlanStamp,
    candidates: Arc<Candidates>,
    reported: Arc<Reported>,
    items: Arc<Vec<TodoItem>>,
}

/// What was reported of the candidates, and each unit's report counter when it was read.
#[derive(Default)]
struct Reported {
    pairs: HashSet<(ObjectId, PeriodKey)>,
    unit_versions: HashMap<OrgUnitId, i64>,
}

impl TodoCache {
    fn get(&self, user: UserId) -> Option<CachedList> {
        self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner).get(&user).cloned()
    }

    fn put(&self, user: UserId, list: CachedList) {
        let mut lists = self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if lists.len() >= CACHED_LISTS && !lists.contains_key(&user) {
            lists.clear();
        }
        lists.insert(user, list);
    }
}

impl App {
    /// What the actor must report: every (object, unit, period) in units where they may report,
    /// whose deadline is near or recently passed, with nothing reported yet. Earliest first.
    pub async fn todo(&self, actor: &Actor) -> Result<Arc<Vec<TodoItem>>, AppError> {
        let today = self.clock.today();
        let mut roots: Vec<OrgUnitId> = actor.grants.iter().map(|g| g.unit).collect();
        roots.sort();
        roots.dedup();
        let Some(user) = actor.user.as_ref().map(|u| u.id) else { return Ok(Arc::default()) };
        if roots.is_empty() {
            return Ok(Arc::default());
        }
        let mut tx = self.store.begin_read().await?;
        // The stamps are read before what the list is made of, so a kept list never claims to
        // be newer than what it was made of (also under PostgreSQL's READ COMMITTED).
        let tree = store::org_units::tree_stamp(&mut tx).await?;
        let cached = self.todo_cache.get(user).filter(|c| c.today == today && c.grants == actor.grants);
        let units = match cached.as_ref().filter(|c| c.stamp.tree == tree) {
            Some(c) => c.units.clone(),
            None => Arc::new(store::org_units::within(&mut tx, &roots).await?),
        };
        let stamp = store::org_units::plan_stamp(&mut tx, &units, tree).await?;
        if let Some(c) = cached.as_ref().filter(|c| c.stamp == stamp) {
            return Ok(c.items.clone());
        }
        let unit_versions = store::org_units::report_versions(&mut tx, &units).await?;
        let (candidates, reported) = match cached.filter(|c| c.stamp.same_structure(&stamp)) {
            Some(c) => {
                let reported = reread_changed(&mut tx, &c.candidates, &c.reported, unit_versions).await?;
                (c.candidates, reported)
            }
            None => {
                let candidates = candidates(&mut tx, actor, &roots, today).await?;
                let reported = reread_changed(&mut tx, &candidates, &Reported::default(), unit_versions).await?;
                (Arc::new(candidates), reported)
            }
        };
        let items: Arc<Vec<TodoItem>> = Arc::new(
            candidates
                .due
                .iter()
                .filter(|(i, period, _)| !reported.pairs.contains(&(candidates.objects[*i].id, *period)))
                .take(MAX_ITEMS)
                .map(|&(i, period, deadline)| {
                    let object = candidates.objects[i].clone();
                    TodoItem { unit: candidates.units[&object.unit].clone(), object, period, deadline, overdue: deadline < today }
                })
                .collect(),
        );
        let list = CachedList { today, grants: actor.grants.clone(), units, stamp, candidates, reported: Arc::new(reported), items: items.clone() };
        self.todo_cache.put(user, list);
        Ok(items)
    }
}

async fn candidates(tx: &mut store::Tx, actor: &Actor, roots: &[OrgUnitId], today: Date) -> Result<Candidates, AppError> {
    let years = [today.year() - 1, today.year()];
    let objects = store::objects::within(tx, roots, &years).await?;
    if objects.is_empty() {
        return Ok(Candidates { objects, units: HashMap::new(), due: Vec::new() });
    }
    let models = store::governance::list(tx).await?;
    // Each module's level periodicities and deadline rule.
    let rules_of = |o: &PlanObject| {
        models.iter().find(|m| m.module == o.module).and_then(|m| {
            m.levels.iter().find(|l| l.key == o.level).map(|l| (l.periodicity, m.deadlines))
        })
    };
    let mut unit_ids: Vec<OrgUnitId> = objects.iter().map(|o| o.unit).collect();
    unit_ids.sort();
    unit_ids.dedup();
    let tree_depth = store::org_units::tree_depth(tx).await?;
    let units: HashMap<OrgUnitId, OrgUnit> =
        store::org_units::get_many(tx, &unit_ids).await?.into_iter().map(|u| (u.id, u)).collect();
    let paths = store::org_units::paths(tx, &unit_ids).await?;

    let mut due = Vec::new();
    for (index, o) in objects.iter().enumerate() {
        let Some(unit) = units.get(&o.unit) else { continue };
        if unit.is_closed_on(today) {
            continue;
        }
        let target = Target { unit_path: &paths[&o.unit], module: Some(&o.module) };
        if !actor.may(Action::Report, &target) {
            continue;
        }
        // An indicator needs its value; that is what the list is for. Goals and activities
        // need an assessment or a comment; a completed or paused activity has nothing more.
        let reportable = matches!(o.kind, ObjectKind::Measure | ObjectKind::Text | ObjectKind::Activity)
            && o.activity.as_ref().is_none_or(|a| a.manual_status.is_none());
        let Some((level_periodicity, deadlines)) = rules_of(o).filter(|_| reportable) else { continue };
        let depth = paths[&o.unit].len().saturating_sub(1) as u32;
        for periodicity in o.followed_in(level_periodicity) {
            for period in PeriodKey::periods_of(o.year, periodicity) {
                let deadline = deadlines.deadline(period, depth, tree_depth);
                if (deadline - today).whole_days() <= SHOW_DAYS_BEFORE && (today - deadline).whole_days() <= KEEP_DAYS_OVERDUE {
                    due.push((index, period, deadline));
                }
            }
        }
    }
    let order = |&(i, period, deadline): &(usize, PeriodKey, Date)| {
        let o = &objects[i];
        (deadline, units[&o.unit].key.clone(), o.position, o.key.clone(), period)
    };
    due.sort_by_cached_key(order);
    Ok(Candidates { objects, units, due })
}

/// What was reported of the candidates: kept from `before` for units whose report counter is
/// unchanged, read again for the others (all of them when `before` is empty).
async fn reread_changed(
    tx: &mut store::Tx,
    c: &Candidates,
    before: &Reported,
    unit_versions: HashMap<OrgUnitId, i64>,
) -> Result<Reported, AppError> {
    let changed = |unit: &OrgUnitId| before.unit_versions.get(unit) != unit_versions.get(unit);
    let mut ids: Vec<ObjectId> = Vec::new();
    let mut periods: Vec<PeriodKey> = Vec::new();
    for &(i, period, _) in &c.due {
        let o = &c.objects[i];
        if changed(&o.unit) {
            ids.push(o.id);
            periods.push(period);
        }
    }
    ids.sort();
    ids.dedup();
    periods.sort();
    periods.dedup();
    let unit_of: HashMap<ObjectId, OrgUnitId> = c.objects.iter().map(|o| (o.id, o.unit)).collect();
    let mut pairs: HashSet<(ObjectId, PeriodKey)> =
        before.pairs.iter().filter(|(id, _)| unit_of.get(id).is_some_and(|u| !changed(u))).copied().collect();
    if !ids.is_empty() {
        pairs.extend(store::follow_ups::reported_pairs(tx, &ids, &periods).await?);
    }
    Ok(Reported { pairs, unit_versions })
}
