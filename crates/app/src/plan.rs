//! Plan objects: create, change, distribute and remove goals, assignments, indicators and
//! activities. Reading a unit's plan with follow-up and roll-ups is in `plan_view`.

use crate::audit_log::Change;
use crate::budget_indicators::Affected;
use crate::error::{AppError, ConflictKind, Problems};
use crate::{Actor, App};
use domain::audit::{AuditAction, ObjectType};
use domain::governance::{GovernanceModel, Level, ObjectKind};
use domain::org::OrgUnit;
use domain::plan::{self, ObjectInput, PlanObject, Reach};
use domain::policy::{Action, Target};
use domain::validate::{ValidationCode, ValidationError, format_date};
use domain::{ObjectId, OrgUnitId, UserId};
use std::collections::HashMap;
use store::Tx;
use crate::org::unit_by_key_or_id;
pub use store::objects::ObjectFilter;

/// References to other rows, as typed: keys (or ids) of objects, a person's e-mail.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ObjectRefs {
    pub parent: Option<String>,
    pub links: Vec<String>,
    pub responsible_user: Option<String>,
}

#[derive(Clone, Debug, Default)]
pub struct NewObject {
    /// The external key; generated from the level when empty.
    pub key: Option<String>,
    pub module: String,
    pub level: String,
    /// The owning unit's key (or id).
    pub unit: String,
    pub year: i64,
    pub refs: ObjectRefs,
    pub fields: ObjectInput,
    pub extra: Option<serde_json::Value>,
}

/// A whole new state of an object's changeable parts (key, module, level, unit and year stay).
#[derive(Clone, Debug, Default)]
pub struct ObjectChange {
    pub refs: ObjectRefs,
    pub fields: ObjectInput,
    pub extra: Option<serde_json::Value>,
    pub version: Option<i64>,
}

/// The distribution form's data.
#[derive(Clone, Debug)]
pub struct DistributionView {
    pub record: ObjectRecord,
    /// Open units below the owner in tree order, with their depth below it (1 = a child).
    pub units: Vec<(usize, OrgUnit)>,
    /// Units that already hold a copy.
    pub copies: Vec<OrgUnitId>,
}

/// An object with the keys and names of what it refers to.
#[derive(Clone, Debug)]
pub struct ObjectRecord {
    pub object: PlanObject,
    pub unit_key: String,
    pub unit_name: String,
    pub parent_key: Option<String>,
    pub links: Vec<String>,
    pub responsible_email: Option<String>,
    pub responsible_name: Option<String>,
    pub origin_key: Option<String>,
}

pub(crate) fn invalid(field: impl Into<String>, code: ValidationCode) -> AppError {
    AppError::Validation(vec![ValidationError::new(field, code)])
}

/// The object as the event log shows it.
fn snapshot(r: &ObjectRecord) -> serde_json::Value {
    let o = &r.object;
    let mut v = serde_json::json!({
        "key": o.key,
        "module": o.module,
        "level": o.level,
        "unit": r.unit_key,
        "year": o.year,
        "parent": r.parent_key,
        "title": o.title,
        "description": o.description,
        "reach": o.reach.as_str(),
        "links": r.links.join(", "),
    });
    let map = v.as_object_mut().expect("an object");
    if o.kind == ObjectKind::Text {
        map.insert("issued_by".into(), o.issued_by.map(|i| i.as_str()).into());
        map.insert("decision_date".into(), o.decision.date.map(format_date).into());
        map.insert("decision_paragraph".into(), o.decision.paragraph.clone().into());
        map.insert("case_number".into(), o.decision.case_number.clone().into());
        map.insert("due".into(), o.due.map(format_date).into());
        map.insert("internal_assignment".into(), o.internal_assignment.into());
    }
    if let Some(m) = &o.measure {
        map.insert("measure_unit".into(), m.unit.clone().into());
        map.insert("decimals".into(), m.decimals.into());
        map.insert("higher_is_better".into(), m.higher_is_better.into());
        map.insert("reported".into(), m.reported.iter().map(|p| p.as_str()).collect::<Vec<_>>().join(", ").into());
        map.insert("formula".into(), m.formula.as_str().into());
        map.insert("baseline".into(), m.baseline.map(|b| format!("{}: {}", b.period, b.value)).into());
        let targets: Vec<String> = m.targets.iter().map(|t| format!("{}: {}", t.period, t.value)).collect();
        map.insert("targets".into(), targets.join(", ").into());
    }
    if let Some(a) = &o.activity {
        map.insert("start".into(), a.start.map(format_date).into());
        map.insert("end".into(), a.end.map(format_date).into());
        map.insert("responsible".into(), r.responsible_email.clone().or(a.responsible_text.clone()).into());
        map.insert("manual_status".into(), a.manual_status.map(|s| s.as_str()).into());
        map.insert("progress".into(), a.progress.into());
        map.insert("priority".into(), a.priority.map(|p| p.as_str()).into());
    }
    v
}

/// A fresh key for an object created without one: its level and the random tail of a new id.
fn generated_key(level: &str, id: ObjectId) -> String {
    let hex = id.0.simple().to_string();
    format!("{level}-{}", &hex[hex.len() - 10..])
}

pub(crate) async fn model_and_level(
    tx: &mut Tx,
    module: &str,
    level: &str,
    prefix: &str,
) -> Result<(GovernanceModel, Level), AppError> {
    let f = |name: &str| domain::validate::field_path(prefix, name);
    let models = store::governance::list(tx).await?;
    let model = models.into_iter().find(|m| m.module == module).ok_or_else(|| invalid(f("module"), ValidationCode::InvalidChoice))?;
    let level = model.levels.iter().find(|l| l.key == level).cloned().ok_or_else(|| invalid(f("level"), ValidationCode::InvalidChoice))?;
    Ok((model, level))
}

/// An object addressed by key, or by id when no object has that key.
pub(crate) async fn object_by_key_or_id(tx: &mut Tx, key_or_id: &str) -> Result<Option<PlanObject>, AppError> {
    if let Some(o) = store::objects::get_by_key(tx, key_or_id).await? {
        return Ok(Some(o));
    }
    match key_or_id.parse::<ObjectId>() {
        Ok(id) => Ok(store::objects::get(tx, id).await?),
        Err(_) => Ok(None),
    }
}

/// What may edit an object: plan structure needs EditPlan; a unit's activities may also be
/// edited by its manager (Approve).
pub(crate) fn may_edit(actor: &Actor, kind: ObjectKind, path: &[OrgUnitId], module: &str) -> bool {
    let target = Target { unit_path: path, module: Some(module) };
    actor.may(Action::EditPlan, &target) || (kind == ObjectKind::Activity && actor.may(Action::Approve, &target))
}

/// The origin of the chain an object belongs to (itself for a distributed origin).
pub(crate) fn chain_origin(o: &PlanObject) -> Option<ObjectId> {
    match (o.distributed_from, o.reach) {
        (Some(origin), _) => Some(origin),
        (None, Reach::Distributed) => Some(o.id),
        _ => None,
    }
}

/// The checked references of an object.
struct Resolved {
    parent: Option<ObjectId>,
    links: Vec<ObjectId>,
    responsible_user: Option<UserId>,
}

impl App {
    /// Checks the references: the parent must be of a level the object's level may hang under,
    /// in the same module and year, owned by the object's unit or one above it; links must not
    /// close a cycle; the responsible person must exist.
    async fn resolve_refs(
        &self,
        tx: &mut Tx,
        object: &PlanObject,
        level: &Level,
        unit_path: &[OrgUnitId],
        refs: &ObjectRefs,
        prefix: &str,
    ) -> Result<Resolved, AppError> {
        let f = |name: &str| domain::validate::field_path(prefix, name);
        let mut problems = Problems::default();
        let mut parent = None;
        if let Some(p) = refs.parent.as_deref().map(str::trim).filter(|p| !p.is_empty()) {
            match object_by_key_or_id(tx, p).await? {
                Some(candidate)
                    if candidate.module == object.module
                        && candidate.year == object.year
                        && candidate.id != object.id
                        && level.parents.contains(&candidate.level)
                        && unit_path.contains(&candidate.unit) =>
                {
                    parent = Some(candidate.id);
                }
                _ => problems.push(ValidationError::new(f("parent"), ValidationCode::InvalidChoice)),
            }
        }
        let mut links = Vec::new();
        for (i, l) in refs.links.iter().enumerate() {
            let field = f(&format!("links[{i}]"));
            match object_by_key_or_id(tx, l.trim()).await? {
                Some(target) if !links.contains(&target.id) => {
                    let reachable = store::objects::links_reachable_from(tx, target.id).await?;
                    if plan::link_would_cycle(&reachable, object.id, target.id) {
                        problems.push(ValidationError::new(field, ValidationCode::InvalidChoice));
                    } else {
                        links.push(target.id);
                    }
                }
                Some(_) => problems.push(ValidationError::new(field, ValidationCode::Duplicate)),
                None => problems.push(ValidationError::new(field, ValidationCode::InvalidChoice)),
            }
        }
        let mut responsible_user = None;
        if let Some(email) = refs.responsible_user.as_deref().map(str::trim).filter(|e| !e.is_empty()) {
            if object.kind != ObjectKind::Activity {
                problems.push(ValidationError::new(f("responsible_user"), ValidationCode::NotForKind));
            } else {
                match domain::user::parse_email(&f("responsible_user"), email) {
                    Ok(email) => match store::users::get_by_email(tx, &email).await? {
                        Some(u) => responsible_user = Some(u.id),
                        None => problems.push(ValidationError::new(f("responsible_user"), ValidationCode::InvalidChoice)),
                    },
                    Err(e) => problems.push(e),
                }
            }
        }
        problems.finish()?;
        Ok(Resolved { parent, links, responsible_user })
    }

    pub(crate) async fn describe(&self, tx: &mut Tx, objects: Vec<PlanObject>) -> Result<Vec<ObjectRecord>, AppError> {
        let ids: Vec<ObjectId> = objects.iter().map(|o| o.id).collect();
        let links = store::objects::links_from(tx, &ids).await?;
        let mut referenced: Vec<ObjectId> = objects.iter().filter_map(|o| o.parent).collect();
        referenced.extend(objects.iter().filter_map(|o| o.distributed_from));
        referenced.extend(links.iter().map(|(_, to)| *to));
        referenced.sort();
        referenced.dedup();
        let keys: HashMap<ObjectId, String> =
            store::objects::get_many(tx, &referenced).await?.into_iter().map(|o| (o.id, o.key)).collect();
        let mut unit_ids: Vec<OrgUnitId> = objects.iter().map(|o| o.unit).collect();
        unit_ids.sort();
        unit_ids.dedup();
        let units: HashMap<OrgUnitId, OrgUnit> =
            store::org_units::get_many(tx, &unit_ids).await?.into_iter().map(|u| (u.id, u)).collect();
        let user_ids: Vec<UserId> = objects.iter().filter_map(|o| o.activity.as_ref().and_then(|a| a.responsible_user)).collect();
        let users: HashMap<UserId, domain::user::User> =
            store::users::get_many(tx, &user_ids).await?.into_iter().map(|u| (u.id, u)).collect();
        let mut link_keys: HashMap<ObjectId, Vec<String>> = HashMap::new();
        for (from, to) in &links {
            if let Some(k) = keys.get(to) {
                link_keys.entry(*from).or_default().push(k.clone());
            }
        }
        Ok(objects
            .into_iter()
            .map(|object| {
                let unit = units.get(&object.unit);
                let user = object.activity.as_ref().and_then(|a| a.responsible_user).and_then(|u| users.get(&u));
                let mut links = link_keys.remove(&object.id).unwrap_or_default();
                links.sort();
                ObjectRecord {
                    unit_key: unit.map(|u| u.key.clone()).unwrap_or_default(),
                    unit_name: unit.map(|u| u.name.clone()).unwrap_or_default(),
                    parent_key: object.parent.and_then(|p| keys.get(&p).cloned()),
                    origin_key: object.distributed_from.and_then(|p| keys.get(&p).cloned()),
                    responsible_email: user.map(|u| u.email.clone()),
                    responsible_name: user.map(|u| u.name.clone()),
                    links,
                    object,
                }
            })
            .collect())
    }

    /// May the actor read this object? Readers of its unit may; so may readers below its unit
    /// when the object is visible to the subtree (a grant whose unit has the owner on its path).
    pub(crate) async fn may_read_object(&self, tx: &mut Tx, actor: &Actor, object: &PlanObject, path: &[OrgUnitId]) -> Result<bool, AppError> {
        let target = Target { unit_path: path, module: Some(&object.module) };
        if actor.may(Action::Read, &target) {
            return Ok(true);
        }
        if object.reach != Reach::Visible {
            return Ok(false);
        }
        let units: Vec<OrgUnitId> = actor.grants.iter().map(|g| g.unit).collect();
        Ok(store::org_units::paths(tx, &units).await?.values().any(|p| p.contains(&object.unit)))
    }

    pub async fn object(&self, actor: &Actor, key_or_id: &str) -> Result<ObjectRecord, AppError> {
        let mut tx = self.store.begin_read().await?;
        let object = object_by_key_or_id(&mut tx, key_or_id).await?.ok_or(AppError::NotFound)?;
        let path = store::org_units::path(&mut tx, object.unit).await?;
        if !self.may_read_object(&mut tx, actor, &object, &path).await? {
            return Err(AppError::NotFound);
        }
        Ok(self.describe(&mut tx, vec![object]).await?.remove(0))
    }

    /// A page of objects the actor may read (owned by units in their subtrees).
    pub async fn list_objects(
        &self,
        actor: &Actor,
        mut filter: store::objects::ObjectFilter,
        unit: Option<&str>,
        subtree: bool,
        cursor: Option<ObjectId>,
        limit: i64,
    ) -> Result<store::Page<ObjectRecord>, AppError> {
        let mut tx = self.store.begin_read().await?;
        if let Some(key) = unit {
            let unit = unit_by_key_or_id(&mut tx, key).await?.ok_or_else(|| invalid("unit", ValidationCode::InvalidChoice))?;
            if subtree {
                filter.within = Some(vec![unit.id]);
            } else {
                filter.unit = Some(unit.id);
            }
        }
        if let Some(roots) = actor.readable_roots() {
            // Narrow to what the actor reads: intersect with their subtrees.
            match &filter.within {
                Some(wanted) => {
                    let mut allowed = Vec::new();
                    for w in wanted {
                        let path = store::org_units::path(&mut tx, *w).await?;
                        if roots.iter().any(|r| path.contains(r)) {
                            allowed.push(*w);
                        } else {
                            // The actor may read parts of the wanted subtree.
                            for r in &roots {
                                if store::org_units::path(&mut tx, *r).await?.contains(w) {
                                    allowed.push(*r);
                                }
                            }
                        }
                    }
                    filter.within = Some(allowed);
                }
                None => filter.within = Some(roots),
            }
        }
        let page = store::objects::list_page(&mut tx, &filter, cursor, limit).await?;
        let items = self.describe(&mut tx, page.items).await?;
        Ok(store::Page { items, next_cursor: page.next_cursor })
    }

    pub async fn create_object(&self, actor: &Actor, input: NewObject) -> Result<ObjectRecord, AppError> {
        let mut tx = self.store.begin_write().await?;
        let record = self.create_object_in(&mut tx, actor, input, "").await?;
        tx.commit().await?;
        Ok(record)
    }

    /// Creates an object inside a caller's transaction (plan-file import uses it too).
    pub(crate) async fn create_object_in(
        &self,
        tx: &mut Tx,
        actor: &Actor,
        input: NewObject,
        prefix: &str,
    ) -> Result<ObjectRecord, AppError> {
        let f = |name: &str| domain::validate::field_path(prefix, name);
        let unit = unit_by_key_or_id(tx, input.unit.trim()).await?.ok_or_else(|| invalid(f("unit"), ValidationCode::InvalidChoice))?;
        let path = store::org_units::path(tx, unit.id).await?;
        let (_, level) = model_and_level(tx, input.module.trim(), input.level.trim(), prefix).await?;
        // Who may is settled before what they sent is looked at.
        if !may_edit(actor, level.kind, &path, &input.module) {
            return Err(AppError::Forbidden);
        }
        if unit.is_closed_on(self.clock.today()) {
            return Err(AppError::Conflict(ConflictKind::UnitClosed));
        }
        let mut problems = Problems::default();
        let year = problems.take(plan::check_year(&f("year"), input.year));
        let id = ObjectId::new();
        let key = match input.key.as_deref().map(str::trim).filter(|k| !k.is_empty()) {
            Some(k) => problems.take(domain::org::parse_key(&f("key"), k)),
            None => Some(generated_key(&level.key, id)),
        };
        let fields = match plan::check_fields(level.kind, year.unwrap_or(0), &input.fields, prefix) {
            Ok(fields) => Some(fields),
            Err(e) => {
                e.into_iter().for_each(|p| problems.push(p));
                None
            }
        };
        problems.finish()?;
        let (key, year, fields) = (key.unwrap_or_default(), year.unwrap_or_default(), fields.expect("checked"));
        if store::objects::get_by_key(tx, &key).await?.is_some() {
            return Err(AppError::Conflict(ConflictKind::Duplicate { field: "key" }));
        }
        let position = store::objects::next_position(tx, unit.id, input.module.trim(), year).await?;
        let mut object = PlanObject::new(id, key, input.module.trim().to_owned(), level.key.clone(), level.kind, unit.id, year);
        object.position = position;
        object.extra = input.extra;
        fields.apply_to(&mut object);
        self.check_budget_source(tx, &object, prefix).await?;
        let resolved = self.resolve_refs(tx, &object, &level, &path, &input.refs, prefix).await?;
        object.parent = resolved.parent;
        if let Some(a) = object.activity.as_mut() {
            a.responsible_user = resolved.responsible_user;
        }
        store::objects::insert(tx, &object, self.clock.now_ms()).await.map_err(duplicate_key)?;
        store::objects::set_links(tx, object.id, &resolved.links).await?;
        let record = self.describe(tx, vec![object]).await?.remove(0);
        self.record_created(tx, actor, &record).await?;
        if record.object.budget_source().is_some() {
            self.sync_budget_indicators(tx, actor, record.object.year, Affected::Objects(&[record.object.id])).await?;
        }
        Ok(record)
    }

    pub async fn update_object(&self, actor: &Actor, key_or_id: &str, change: ObjectChange) -> Result<ObjectRecord, AppError> {
        let mut tx = self.store.begin_write().await?;
        let current = object_by_key_or_id(&mut tx, key_or_id).await?.ok_or(AppError::NotFound)?;
        let record = self.update_object_in(&mut tx, actor, current, change, "").await?;
        tx.commit().await?;
        Ok(record)
    }

    pub(crate) async fn update_object_in(
        &self,
        tx: &mut Tx,
        actor: &Actor,
        current: PlanObject,
        change: ObjectChange,
        prefix: &str,
    ) -> Result<ObjectRecord, AppError> {
        let path = store::org_units::path(tx, current.unit).await?;
        if !may_edit(actor, current.kind, &path, &current.module) {
            return Err(if self.may_read_object(tx, actor, &current, &path).await? { AppError::Forbidden } else { AppError::NotFound });
        }
        let (_, level) = model_and_level(tx, &current.module, &current.level, prefix).await?;
        let fields = plan::check_fields(level.kind, current.year, &change.fields, prefix).map_err(AppError::Validation)?;
        if change.version.is_some_and(|v| v != current.version) {
            return Err(AppError::Conflict(ConflictKind::Stale));
        }
        let mut changed = PlanObject {
            extra: change.extra.or(current.extra.clone()),
            version: current.version + 1,
            ..current.clone()
        };
        fields.apply_to(&mut changed);
        // A copy follows its origin in what the indicator is; only targets and the activity's
        // own progress are the receiving unit's.
        if let Some(origin_id) = current.distributed_from
            && let Some(origin) = store::objects::get(tx, origin_id).await?
        {
            inherit_from_origin(&mut changed, &origin);
        }
        self.check_budget_source(tx, &changed, prefix).await?;
        let resolved = self.resolve_refs(tx, &changed, &level, &path, &change.refs, prefix).await?;
        changed.parent = resolved.parent;
        if let Some(a) = changed.activity.as_mut() {
            a.responsible_user = resolved.responsible_user;
        }
        let before = self.describe(tx, vec![current.clone()]).await?.remove(0);
        let old_links = store::objects::links_from(tx, &[current.id]).await?;
        let unchanged = PlanObject { version: current.version, ..changed.clone() } == current
            && old_links.iter().map(|(_, to)| *to).collect::<Vec<_>>() == resolved.links;
        if unchanged {
            return Ok(before);
        }
        store::objects::update(tx, &changed, current.version, self.clock.now_ms()).await?;
        store::objects::set_links(tx, changed.id, &resolved.links).await?;
        // A formula, the decimals or the reach may have changed: cached roll-ups are out of date.
        for origin in [chain_origin(&current), chain_origin(&changed)].into_iter().flatten() {
            store::objects::touch_rollups(tx, origin).await?;
        }
        // Copies follow their origin.
        let mut followers = vec![changed.id];
        for mut copy in store::objects::copies_of(tx, changed.id).await? {
            let version = copy.version;
            inherit_from_origin(&mut copy, &changed);
            copy.version += 1;
            store::objects::update(tx, &copy, version, self.clock.now_ms()).await?;
            followers.push(copy.id);
        }
        // The source, the unit of measure, the decimals or the periods may have changed.
        if changed.budget_source().is_some() {
            self.sync_budget_indicators(tx, actor, changed.year, Affected::Objects(&followers)).await?;
        }
        let after = self.describe(tx, vec![changed]).await?.remove(0);
        self.record(
            tx,
            actor,
            Change {
                action: AuditAction::Updated,
                object_type: ObjectType::PlanObject,
                object_id: after.object.id.to_string(),
                label: &after.object.title,
                unit: Some(after.object.unit),
                before: Some(snapshot(&before)),
                after: Some(snapshot(&after)),
            },
        )
        .await?;
        Ok(after)
    }

    /// Removes an object that nothing depends on: no objects under it, no copies, no links to
    /// it and no follow-up reported (reported values are never thrown away by a plan edit).
    pub async fn delete_object(&self, actor: &Actor, key_or_id: &str, version: Option<i64>) -> Result<(), AppError> {
        let mut tx = self.store.begin_write().await?;
        let current = object_by_key_or_id(&mut tx, key_or_id).await?.ok_or(AppError::NotFound)?;
        let path = store::org_units::path(&mut tx, current.unit).await?;
        if !may_edit(actor, current.kind, &path, &current.module) {
            return Err(AppError::Forbidden);
        }
        if version.is_some_and(|v| v != current.version) {
            return Err(AppError::Conflict(ConflictKind::Stale));
        }
        if store::objects::dependants(&mut tx, current.id).await? > 0 {
            return Err(AppError::Conflict(ConflictKind::HasDependants));
        }
        if store::follow_ups::count_for(&mut tx, current.id).await? > 0 {
            return Err(AppError::Conflict(ConflictKind::HasFollowUps));
        }
        let before = self.describe(&mut tx, vec![current]).await?.remove(0);
        store::objects::delete(&mut tx, before.object.id).await?;
        if let Some(origin) = before.object.distributed_from {
            store::objects::touch_rollups(&mut tx, origin).await?;
        }
        self.record(
            &mut tx,
            actor,
            Change {
                action: AuditAction::Deleted,
                object_type: ObjectType::PlanObject,
                object_id: before.object.id.to_string(),
                label: &before.object.title,
                unit: Some(before.object.unit),
                before: Some(snapshot(&before)),
                after: None,
            },
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn record_created(&self, tx: &mut Tx, actor: &Actor, record: &ObjectRecord) -> Result<(), AppError> {
        let change = Change {
            action: AuditAction::Created,
            object_type: ObjectType::PlanObject,
            object_id: record.object.id.to_string(),
            label: &record.object.title,
            unit: Some(record.object.unit),
            before: None,
            after: Some(snapshot(record)),
        };
        Ok(self.record(tx, actor, change).await?)
    }

    /// What the distribution form shows: the object, the units below its owner (with their
    /// depth below it, in tree order) and which of them already hold a copy. Only for those who
    /// may edit the object; copies are distributed from their origin.
    pub async fn distribution_view(&self, actor: &Actor, key_or_id: &str) -> Result<DistributionView, AppError> {
        let mut tx = self.store.begin_read().await?;
        let object = object_by_key_or_id(&mut tx, key_or_id).await?.ok_or(AppError::NotFound)?;
        let path = store::org_units::path(&mut tx, object.unit).await?;
        if !may_edit(actor, object.kind, &path, &object.module) {
            return Err(AppError::Forbidden);
        }
        if object.distributed_from.is_some() {
            return Err(AppError::Conflict(ConflictKind::IsACopy));
        }
        let below = store::org_units::subtree_ids(&mut tx, object.unit).await?;
        let units = store::org_units::get_many(&mut tx, &below).await?;
        let owner_depth = path.len();
        let paths = store::org_units::paths(&mut tx, &below).await?;
        let today = self.clock.today();
        let mut ordered: Vec<(Vec<String>, usize, OrgUnit)> = units
            .into_iter()
            .filter(|u| u.id != object.unit && !u.is_closed_on(today))
            .map(|u| {
                let p = paths.get(&u.id).cloned().unwrap_or_default();
                let depth = p.len().saturating_sub(owner_depth);
                (Vec::new(), depth, u)
            })
            .collect();
        // Tree order: sort by the chain of sort keys from the owner down.
        let names: HashMap<OrgUnitId, String> = ordered.iter().map(|(_, _, u)| (u.id, crate::users::domain_sort_key(&u.name))).collect();
        for (key, _, u) in ordered.iter_mut() {
            let p = paths.get(&u.id).cloned().unwrap_or_default();
            *key = p.iter().skip(owner_depth).map(|id| names.get(id).cloned().unwrap_or_default()).collect();
        }
        ordered.sort_by(|a, b| a.0.cmp(&b.0));
        let copies: Vec<OrgUnitId> = store::objects::copies_of(&mut tx, object.id).await?.iter().map(|c| c.unit).collect();
        let record = self.describe(&mut tx, vec![object]).await?.remove(0);
        Ok(DistributionView { record, units: ordered.into_iter().map(|(_, d, u)| (d, u)).collect(), copies })
    }

    /// Distributes an object to units below its owner: one linked copy per unit (units that
    /// already hold a copy are skipped). With `auto_copy`, units created later below the owner
    /// get a copy too. Returns the copies made.
    pub async fn distribute_object(
        &self,
        actor: &Actor,
        key_or_id: &str,
        units: &[String],
        auto_copy: bool,
    ) -> Result<Vec<ObjectRecord>, AppError> {
        let mut tx = self.store.begin_write().await?;
        let origin = object_by_key_or_id(&mut tx, key_or_id).await?.ok_or(AppError::NotFound)?;
        let made = self.distribute_copies(&mut tx, actor, origin, units, auto_copy, "units").await?;
        let records = self.describe(&mut tx, made).await?;
        tx.commit().await?;
        Ok(records)
    }

    /// Distribution inside a caller's transaction (plan-file import); returns how many copies
    /// were made.
    pub(crate) async fn distribute_in(
        &self,
        tx: &mut Tx,
        actor: &Actor,
        origin: PlanObject,
        units: &[String],
        auto_copy: bool,
        field: &str,
    ) -> Result<usize, AppError> {
        Ok(self.distribute_copies(tx, actor, origin, units, auto_copy, field).await?.len())
    }

    async fn distribute_copies(
        &self,
        tx: &mut Tx,
        actor: &Actor,
        origin: PlanObject,
        units: &[String],
        auto_copy: bool,
        field: &str,
    ) -> Result<Vec<PlanObject>, AppError> {
        let path = store::org_units::path(tx, origin.unit).await?;
        if !may_edit(actor, origin.kind, &path, &origin.module) {
            return Err(AppError::Forbidden);
        }
        if origin.distributed_from.is_some() {
            return Err(AppError::Conflict(ConflictKind::IsACopy));
        }
        let below = store::org_units::subtree_ids(tx, origin.unit).await?;
        let today = self.clock.today();
        let mut problems = Problems::default();
        let mut targets = Vec::new();
        for (i, key) in units.iter().enumerate() {
            match unit_by_key_or_id(tx, key.trim()).await? {
                Some(u) if u.id != origin.unit && below.contains(&u.id) && !u.is_closed_on(today) => targets.push(u),
                _ => problems.push(ValidationError::new(format!("{field}[{i}]"), ValidationCode::InvalidChoice)),
            }
        }
        if units.is_empty() && !auto_copy {
            problems.push(ValidationError::new(field, ValidationCode::Required));
        }
        problems.finish()?;
        let existing: Vec<OrgUnitId> = store::objects::copies_of(tx, origin.id).await?.iter().map(|c| c.unit).collect();
        let mut made = Vec::new();
        for unit in targets {
            if existing.contains(&unit.id) || made.iter().any(|c: &PlanObject| c.unit == unit.id) {
                continue;
            }
            let copy = self.make_copy(tx, &origin, &unit).await?;
            made.push(copy);
        }
        if origin.reach != Reach::Distributed || origin.auto_copy != auto_copy {
            let before = self.describe(tx, vec![origin.clone()]).await?.remove(0);
            let changed = PlanObject { reach: Reach::Distributed, auto_copy, version: origin.version + 1, ..origin.clone() };
            store::objects::update(tx, &changed, origin.version, self.clock.now_ms()).await?;
            let after = self.describe(tx, vec![changed]).await?.remove(0);
            self.record(
                tx,
                actor,
                Change {
                    action: AuditAction::Updated,
                    object_type: ObjectType::PlanObject,
                    object_id: origin.id.to_string(),
                    label: &origin.title,
                    unit: Some(origin.unit),
                    before: Some(snapshot(&before)),
                    after: Some(snapshot(&after)),
                },
            )
            .await?;
        }
        let records = self.describe(tx, made.clone()).await?;
        for r in &records {
            self.record_created(tx, actor, r).await?;
        }
        // Copies of an indicator that takes its values from the budget read their own subtree's.
        if origin.budget_source().is_some() && !made.is_empty() {
            let ids: Vec<ObjectId> = made.iter().map(|c| c.id).collect();
            self.sync_budget_indicators(tx, actor, origin.year, Affected::Objects(&ids)).await?;
        }
        Ok(made)
    }

    async fn make_copy(&self, tx: &mut Tx, origin: &PlanObject, unit: &OrgUnit) -> Result<PlanObject, AppError> {
        let key = plan::copy_key(&origin.key, &unit.key);
        if key.len() > 64 || store::objects::get_by_key(tx, &key).await?.is_some() {
            return Err(AppError::Conflict(ConflictKind::Duplicate { field: "key" }));
        }
        let position = store::objects::next_position(tx, unit.id, &origin.module, origin.year).await?;
        let copy = PlanObject {
            id: ObjectId::new(),
            key,
            unit: unit.id,
            // A copy hangs where its unit's plan puts it; it starts at the top level.
            parent: None,
            position,
            reach: Reach::Own,
            distributed_from: Some(origin.id),
            auto_copy: false,
            version: 1,
            ..origin.clone()
        };
        store::objects::insert(tx, &copy, self.clock.now_ms()).await?;
        store::objects::touch_rollups(tx, origin.id).await?;
        Ok(copy)
    }

    /// Gives a new unit the copies of objects distributed automatically from above (called in
    /// the transaction that creates the unit).
    pub(crate) async fn copy_to_new_unit(&self, tx: &mut Tx, actor: &Actor, unit: &OrgUnit) -> Result<(), AppError> {
        let path = store::org_units::path(tx, unit.id).await?;
        let ancestors = &path[..path.len().saturating_sub(1)];
        if ancestors.is_empty() {
            return Ok(());
        }
        for origin in store::objects::auto_copy_origins(tx, ancestors).await? {
            let copy = self.make_copy(tx, &origin, unit).await?;
            let record = self.describe(tx, vec![copy]).await?.remove(0);
            self.record_created(tx, actor, &record).await?;
        }
        Ok(())
    }
}

/// What a copy takes from its origin: title, description and what the indicator is.
fn inherit_from_origin(copy: &mut PlanObject, origin: &PlanObject) {
    copy.title = origin.title.clone();
    copy.description = origin.description.clone();
    copy.issued_by = origin.issued_by;
    copy.decision = origin.decision.clone();
    copy.due = origin.due;
    copy.internal_assignment = origin.internal_assignment;
    if let (Some(c), Some(o)) = (copy.measure.as_mut(), origin.measure.as_ref()) {
        let targets = std::mem::take(&mut c.targets);
        *c = o.clone();
        // Each unit sets its own targets; a copy without any uses its origin's.
        c.targets = if targets.is_empty() { o.targets.clone() } else { targets };
    }
    copy.reach = Reach::Own;
    copy.auto_copy = false;
}

fn duplicate_key(err: store::StoreError) -> AppError {
    match err {
        store::StoreError::Constraint(name) if name.contains("key") => AppError::Conflict(ConflictKind::Duplicate { field: "key" }),
        other => other.into(),
    }
}
