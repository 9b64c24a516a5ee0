//! The plan file `styrbord-plan/1` (CONTRACT.md §4): import creates or updates by key in one
//! transaction, or writes nothing and lists every problem by JSON path; export writes the same
//! shape, with unknown fields kept from the import so a round trip loses nothing.
//!
//! Extensions beyond the contract's example (all optional): `distributed_to` (unit keys that
//! receive linked copies of an object; the copies are named `<key>.<unit>`), `baseline`
//! (`{period, value}`), `formula`, `missing_policy`, `decimals`, `responsible_user` (e-mail),
//! `progress`, `priority`, `reach`, `decision_date`, `decision_paragraph`, `case_number`,
//! `internal_assignment`; follow-ups take `unit`, `outcome`, `reason`.
//!
//! An indicator may take its values from the budget: `"budget_source": {"figure":
//! "forecast_year", "category": null}` (module [`crate::budget_indicators`]). `figure` is one of
//! `actual_month`, `actual_ytd`, `forecast_year`, `variance_ytd`, `variance_year`,
//! `budget_year`; `category` (optional; null = the result, income + costs) is a category code of
//! the unit's budget tree, its row rolled up. Such an indicator's outcomes from its plan year on
//! are written by the budget, not by the file: the export leaves them out (a follow-up with only
//! an outcome is not written; one with an assessment or a comment is, without the outcome), and
//! an import refuses an outcome that differs from the stored one (`not_for_kind`). Earlier years
//! (`values` of history) are typed as for any indicator.
//!
//! `budget` carries the frames and budget lines of the administrations' economy chapters, in
//! tkr, exactly (module [`budget`], docs/budget.md): a frame entry of a unit with nothing framed
//! above it is the administration's own frame, one below it a row of the frame distribution; a
//! line goes to its unit's nearest administration. Import merges by key (frames by unit and
//! year, lines by unit, category and year) and keeps the rest of a stored chapter; a decided
//! version that would change is a problem at the entry. Extensions: `previous_amount_tkr` on a
//! distribution row, `months_tkr` (twelve months) on a line. Export writes the budget with the
//! whole plan (not with one module's). Fields the importer does not read are named in
//! [`ImportSummary::ignored`].

mod budget;

use crate::error::{AppError, ConflictKind};
use crate::org::NewUnit;
use crate::plan::{NewObject, ObjectChange, ObjectRefs, object_by_key_or_id};
use crate::{Actor, App};
use domain::consolidation::{Formula, MissingPolicy};
use domain::governance::ObjectKind;
use domain::period::Periodicity;
use domain::budget_source::BudgetSourceInput;
use domain::plan::{FollowUpInput, IssuedBy, ObjectInput, PeriodValueInput, PlanObject, Reach};
use domain::validate::{ValidationCode, ValidationError, format_date};
use domain::OrgUnitId;
use serde_json::{Map, Value, json};
use std::collections::{HashMap, HashSet};

pub const FORMAT: &str = "styrbord-plan/1";

/// What an import did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ImportSummary {
    pub units_created: usize,
    pub objects_created: usize,
    pub objects_updated: usize,
    pub follow_ups_saved: usize,
    /// Budget frames (the administrations' own and the distribution rows) created or changed.
    pub budget_frames_saved: usize,
    /// Budget lines created or changed.
    pub budget_lines_saved: usize,
    /// Fields this version does not import, by path (`notes`, `budget.frames[0].comment`):
    /// named so nobody believes they were stored.
    pub ignored: Vec<String>,
}

/// The fields of an object entry the importer reads; everything else goes to `extra`.
const OBJECT_FIELDS: &[&str] = &[
    "key", "module", "level", "unit", "parent", "links", "title", "description", "issued_by", "decision_date",
    "decision_paragraph", "case_number", "due", "internal_assignment", "measure_unit", "decimals", "higher_is_better",
    "reported", "formula", "missing_policy", "baseline", "targets", "values", "start", "end", "responsible",
    "responsible_user", "status", "progress", "priority", "reach", "auto_copy", "distributed_to", "budget_source",
];

/// Reads typed values out of a JSON object, recording every wrong type under its path.
struct Reader<'a> {
    map: &'a Map<String, Value>,
    path: String,
    problems: &'a mut Vec<ValidationError>,
}

impl Reader<'_> {
    fn field(&self, name: &str) -> String {
        format!("{}.{name}", self.path)
    }

    fn wrong(&mut self, name: &str) {
        let f = self.field(name);
        self.problems.push(ValidationError::new(f, ValidationCode::InvalidChoice));
    }

    /// A string (numbers are taken as their text, so `"2020"` and `2020` both work as periods).
    fn text(&mut self, name: &str) -> Option<String> {
        match self.map.get(name) {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) => Some(s.clone()),
            Some(Value::Number(n)) => Some(n.to_string()),
            Some(_) => {
                self.wrong(name);
                None
            }
        }
    }

    fn required(&mut self, name: &str) -> String {
        let value = self.text(name);
        if value.as_deref().is_none_or(|v| v.trim().is_empty()) && !matches!(self.map.get(name), Some(v) if !v.is_null() && !v.is_string() && !v.is_number()) {
            let f = self.field(name);
            self.problems.push(ValidationError::new(f, ValidationCode::Required));
        }
        value.unwrap_or_default()
    }

    fn boolean(&mut self, name: &str) -> Option<bool> {
        match self.map.get(name) {
            None | Some(Value::Null) => None,
            Some(Value::Bool(b)) => Some(*b),
            Some(_) => {
                self.wrong(name);
                None
            }
        }
    }

    fn list(&mut self, name: &str) -> Vec<Value> {
        match self.map.get(name) {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::Array(items)) => items.clone(),
            Some(_) => {
                self.wrong(name);
                Vec::new()
            }
        }
    }

    fn texts(&mut self, name: &str) -> Vec<String> {
        let items = self.list(name);
        let mut out = Vec::new();
        for (i, item) in items.iter().enumerate() {
            match item {
                Value::String(s) => out.push(s.clone()),
                Value::Number(n) => out.push(n.to_string()),
                _ => {
                    let f = format!("{}.{name}[{i}]", self.path);
                    self.problems.push(ValidationError::new(f, ValidationCode::InvalidChoice));
                }
            }
        }
        out
    }

    /// `{period, value}` items.
    fn period_values(&mut self, name: &str) -> Vec<PeriodValueInput> {
        let items = self.list(name);
        let mut out = Vec::new();
        for (i, item) in items.iter().enumerate() {
            let Some(map) = item.as_object() else {
                let f = format!("{}.{name}[{i}]", self.path);
                self.problems.push(ValidationError::new(f, ValidationCode::InvalidChoice));
                continue;
            };
            let mut r = Reader { map, path: format!("{}.{name}[{i}]", self.path), problems: self.problems };
            out.push(PeriodValueInput { period: r.required("period"), value: r.required("value") });
        }
        out
    }
}

/// An object entry of the file, read.
struct ObjectEntry {
    path: String,
    new: NewObject,
    distributed_to: Vec<String>,
    values: Vec<PeriodValueInput>,
}

/// A follow-up entry of the file, read.
struct FollowUpEntry {
    path: String,
    object: String,
    unit: Option<String>,
    period: String,
    input: FollowUpInput,
}

fn read_object(map: &Map<String, Value>, path: String, year: i64, problems: &mut Vec<ValidationError>) -> ObjectEntry {
    let mut r = Reader { map, path: path.clone(), problems };
    let status = r.text("status");
    // The contract's example writes `"status": "started"`: only completed / on-hold are a
    // person's status; the others are what the dates decide, so they mean "no manual status".
    let manual_status = status.filter(|s| matches!(s.trim(), "completed" | "on-hold"));
    let baseline = match map.get("baseline") {
        None | Some(Value::Null) => None,
        Some(Value::Object(b)) => {
            let mut br = Reader { map: b, path: format!("{path}.baseline"), problems: r.problems };
            Some(PeriodValueInput { period: br.required("period"), value: br.required("value") })
        }
        Some(_) => {
            r.wrong("baseline");
            None
        }
    };
    let budget_source = match map.get("budget_source") {
        None | Some(Value::Null) => None,
        Some(Value::Object(b)) => {
            let mut br = Reader { map: b, path: format!("{path}.budget_source"), problems: r.problems };
            Some(BudgetSourceInput { figure: br.required("figure"), category: br.text("category") })
        }
        Some(_) => {
            r.wrong("budget_source");
            None
        }
    };
    let mut reported = r.texts("reported");
    let periodicity = map.get("periodicity").and_then(Value::as_str);
    if reported.is_empty()
        && let Some(p) = periodicity
    {
        reported.push(p.to_owned());
    }
    let fields = ObjectInput {
        title: r.required("title"),
        description: r.text("description"),
        issued_by: r.text("issued_by"),
        decision_date: r.text("decision_date"),
        decision_paragraph: r.text("decision_paragraph"),
        case_number: r.text("case_number"),
        due: r.text("due"),
        internal_assignment: r.boolean("internal_assignment").unwrap_or(false),
        measure_unit: r.text("measure_unit"),
        decimals: r.text("decimals"),
        higher_is_better: r.boolean("higher_is_better"),
        reported,
        formula: r.text("formula"),
        missing_policy: r.text("missing_policy"),
        baseline_period: baseline.as_ref().map(|b| b.period.clone()),
        baseline_value: baseline.map(|b| b.value),
        targets: r.period_values("targets"),
        budget_source,
        start: r.text("start"),
        end: r.text("end"),
        responsible_text: r.text("responsible"),
        manual_status,
        progress: r.text("progress"),
        priority: r.text("priority"),
        reach: r.text("reach"),
        auto_copy: r.boolean("auto_copy").unwrap_or(false),
    };
    let extra: Map<String, Value> = map.iter().filter(|(k, _)| !OBJECT_FIELDS.contains(&k.as_str())).map(|(k, v)| (k.clone(), v.clone())).collect();
    let new = NewObject {
        key: Some(r.required("key")),
        module: r.required("module"),
        level: r.required("level"),
        unit: r.required("unit"),
        year,
        refs: ObjectRefs { parent: r.text("parent"), links: r.texts("links"), responsible_user: r.text("responsible_user") },
        fields,
        extra: if extra.is_empty() { None } else { Some(Value::Object(extra)) },
    };
    let distributed_to = r.texts("distributed_to");
    let values = r.period_values("values");
    ObjectEntry { path, new, distributed_to, values }
}

/// Orders entries so that an object's parent (when in the file) comes before it.
fn parents_first(entries: Vec<ObjectEntry>) -> Vec<ObjectEntry> {
    let keys: HashSet<String> = entries.iter().filter_map(|e| e.new.key.clone()).collect();
    let mut placed: HashSet<String> = HashSet::new();
    let mut pending = entries;
    let mut out = Vec::with_capacity(pending.len());
    loop {
        let before = pending.len();
        let (ready, rest): (Vec<_>, Vec<_>) = pending.into_iter().partition(|e| {
            e.new.refs.parent.as_ref().is_none_or(|p| !keys.contains(p) || placed.contains(p))
        });
        for e in &ready {
            placed.extend(e.new.key.clone());
        }
        out.extend(ready);
        pending = rest;
        if pending.is_empty() || pending.len() == before {
            // Parents that never resolve (a cycle) are reported by the parent check.
            out.extend(pending);
            return out;
        }
    }
}

impl App {
    /// Imports a plan file: all of it, or nothing with every problem listed.
    pub async fn import_plan(&self, actor: &Actor, text: &str) -> Result<ImportSummary, AppError> {
        let doc: Value = serde_json::from_str(text).map_err(|_| crate::plan::invalid("$", ValidationCode::InvalidChoice))?;
        let Some(root) = doc.as_object() else { return Err(crate::plan::invalid("$", ValidationCode::InvalidChoice)) };
        let mut problems = Vec::new();
        if root.get("format").and_then(Value::as_str) != Some(FORMAT) {
            problems.push(ValidationError::new("format", ValidationCode::InvalidChoice));
        }
        let year = match root.get("year").and_then(Value::as_i64) {
            Some(y) => y,
            None => {
                problems.push(ValidationError::new("year", ValidationCode::Required));
                0
            }
        };
        let list = |name: &str, problems: &mut Vec<ValidationError>| -> Vec<Value> {
            match root.get(name) {
                None | Some(Value::Null) => Vec::new(),
                Some(Value::Array(a)) => a.clone(),
                Some(_) => {
                    problems.push(ValidationError::new(name, ValidationCode::InvalidChoice));
                    Vec::new()
                }
            }
        };
        let known = ["format", "year", "units", "objects", "follow_ups", "budget"];
        let mut ignored: Vec<String> = root.keys().filter(|k| !known.contains(&k.as_str())).cloned().collect();
        ignored.sort();
        // A year out of range is reported with the objects; the budget then waits for a good one.
        let budget_year = i32::try_from(year).ok().filter(|y| domain::budget::check_year("year", *y).is_ok());
        let budget_entries = budget::read_budget(root.get("budget"), budget_year.unwrap_or_default(), &mut problems);
        ignored.extend(budget_entries.unread.iter().cloned());
        let units = list("units", &mut problems);
        let objects = list("objects", &mut problems);
        let follow_ups = list("follow_ups", &mut problems);

        let mut unit_entries = Vec::new();
        for (i, u) in units.iter().enumerate() {
            let path = format!("units[{i}]");
            let Some(map) = u.as_object() else {
                problems.push(ValidationError::new(path, ValidationCode::InvalidChoice));
                continue;
            };
            let mut r = Reader { map, path: path.clone(), problems: &mut problems };
            unit_entries.push((path, r.required("key"), r.required("name"), r.text("parent")));
        }
        let mut object_entries = Vec::new();
        let mut seen_keys = HashSet::new();
        for (i, o) in objects.iter().enumerate() {
            let path = format!("objects[{i}]");
            let Some(map) = o.as_object() else {
                problems.push(ValidationError::new(path, ValidationCode::InvalidChoice));
                continue;
            };
            let entry = read_object(map, path.clone(), year, &mut problems);
            if let Some(k) = &entry.new.key
                && !k.is_empty()
                && !seen_keys.insert(k.clone())
            {
                // Only the first entry of a key is imported; the file is refused anyway.
                problems.push(ValidationError::new(format!("{path}.key"), ValidationCode::Duplicate));
                continue;
            }
            object_entries.push(entry);
        }
        let mut follow_up_entries = Vec::new();
        for (i, f) in follow_ups.iter().enumerate() {
            let path = format!("follow_ups[{i}]");
            let Some(map) = f.as_object() else {
                problems.push(ValidationError::new(path, ValidationCode::InvalidChoice));
                continue;
            };
            let mut r = Reader { map, path: path.clone(), problems: &mut problems };
            let outcome = r.text("outcome").or_else(|| r.text("value"));
            follow_up_entries.push(FollowUpEntry {
                object: r.required("object"),
                unit: r.text("unit"),
                period: r.required("period"),
                input: FollowUpInput { outcome, assessment: r.text("assessment"), reason: r.text("reason"), comment: r.text("comment") },
                path,
            });
        }

        // Write everything in one transaction, collecting every problem; any problem rolls it all back.
        let mut tx = self.store.begin_write().await?;
        let mut summary = ImportSummary { ignored, ..Default::default() };
        let collect = |result: Result<(), AppError>, problems: &mut Vec<ValidationError>| -> Result<(), AppError> {
            match result {
                Ok(()) => Ok(()),
                Err(AppError::Validation(p)) => {
                    problems.extend(p);
                    Ok(())
                }
                Err(AppError::Conflict(ConflictKind::Duplicate { field })) => {
                    problems.push(ValidationError::new(field, ValidationCode::Duplicate));
                    Ok(())
                }
                Err(other) => Err(other),
            }
        };

        // Units: create the missing ones (parents first as listed); existing ones must agree.
        for (path, key, name, parent) in &unit_entries {
            if key.is_empty() {
                continue;
            }
            match store::org_units::get_by_key(&mut tx, key).await? {
                Some(existing) => {
                    let parent_key = match existing.parent_id {
                        Some(p) => store::org_units::get(&mut tx, p).await?.map(|u| u.key),
                        None => None,
                    };
                    if parent.as_deref().map(str::trim).filter(|p| !p.is_empty()) != parent_key.as_deref() {
                        // Moving units is an organisation change, not a plan import.
                        problems.push(ValidationError::new(format!("{path}.parent"), ValidationCode::InvalidChoice));
                    }
                }
                None => {
                    let result = self
                        .create_unit_in(&mut tx, actor, NewUnit { key: key.clone(), name: name.clone(), parent: parent.clone(), ..Default::default() }, path)
                        .await
                        .map(|_| summary.units_created += 1);
                    collect(result, &mut problems)?;
                }
            }
        }

        // Objects: create new ones with their parent (parents first), then set every object's
        // whole state, so links may point forward in the file.
        let object_entries = parents_first(object_entries);
        let mut created: HashSet<String> = HashSet::new();
        for entry in &object_entries {
            let key = entry.new.key.clone().unwrap_or_default();
            if key.is_empty() || object_by_key_or_id(&mut tx, &key).await?.is_some() {
                continue;
            }
            let mut new = entry.new.clone();
            new.refs.links.clear();
            let result = self.create_object_in(&mut tx, actor, new, &entry.path).await.map(|_| {
                created.insert(key.clone());
                summary.objects_created += 1;
            });
            collect(result, &mut problems)?;
        }
        for entry in &object_entries {
            let key = entry.new.key.clone().unwrap_or_default();
            let Some(current) = (if key.is_empty() { None } else { object_by_key_or_id(&mut tx, &key).await? }) else {
                // The object could not be created; still name links that lead nowhere.
                for (i, link) in entry.new.refs.links.iter().enumerate() {
                    if !seen_keys.contains(link.trim()) && object_by_key_or_id(&mut tx, link.trim()).await?.is_none() {
                        problems.push(ValidationError::new(format!("{}.links[{i}]", entry.path), ValidationCode::InvalidChoice));
                    }
                }
                continue;
            };
            let check = |field: &str, stored: &str, wanted: &str, problems: &mut Vec<ValidationError>| {
                if stored != wanted.trim() {
                    problems.push(ValidationError::new(format!("{}.{field}", entry.path), ValidationCode::InvalidChoice));
                }
            };
            // What an object is cannot change by import: that is a new object.
            check("module", &current.module, &entry.new.module, &mut problems);
            check("level", &current.level, &entry.new.level, &mut problems);
            let unit_key = store::org_units::get(&mut tx, current.unit).await?.map(|u| u.key).unwrap_or_default();
            check("unit", &unit_key, &entry.new.unit, &mut problems);
            if i64::from(current.year) != year {
                problems.push(ValidationError::new(format!("{}.key", entry.path), ValidationCode::Duplicate));
                continue;
            }
            let version = current.version;
            let change = ObjectChange {
                refs: entry.new.refs.clone(),
                fields: entry.new.fields.clone(),
                extra: entry.new.extra.clone(),
                version: Some(version),
            };
            let result = self.update_object_in(&mut tx, actor, current, change, &entry.path).await.map(|r| {
                if r.object.version != version && !created.contains(&key) {
                    summary.objects_updated += 1;
                }
            });
            collect(result, &mut problems)?;
        }

        // Distribution: copies for the units named (existing copies stay).
        for entry in &object_entries {
            if entry.distributed_to.is_empty() {
                continue;
            }
            let key = entry.new.key.clone().unwrap_or_default();
            let Some(origin) = object_by_key_or_id(&mut tx, &key).await? else { continue };
            let result = self
                .distribute_in(&mut tx, actor, origin, &entry.distributed_to, entry.new.fields.auto_copy, &format!("{}.distributed_to", entry.path))
                .await
                .map(|made| summary.objects_created += made);
            collect(result, &mut problems)?;
        }

        // Values (history and outcomes) and follow-ups, as reports of the owning unit unless
        // another unit is named. An import replaces what is stored for that period.
        let mut reports: Vec<FollowUpEntry> = Vec::new();
        for entry in &object_entries {
            for (i, v) in entry.values.iter().enumerate() {
                reports.push(FollowUpEntry {
                    path: format!("{}.values[{i}]", entry.path),
                    object: entry.new.key.clone().unwrap_or_default(),
                    unit: None,
                    period: v.period.clone(),
                    input: FollowUpInput { outcome: Some(v.value.clone()), ..Default::default() },
                });
            }
        }
        reports.extend(follow_up_entries);
        for report in reports {
            let Some(object) = object_by_key_or_id(&mut tx, &report.object).await? else {
                problems.push(ValidationError::new(format!("{}.object", report.path), ValidationCode::InvalidChoice));
                continue;
            };
            let unit = match report.unit.as_deref().map(str::trim).filter(|u| !u.is_empty()) {
                Some(u) => match crate::org::unit_by_key_or_id(&mut tx, u).await? {
                    Some(u) => u.id,
                    None => {
                        problems.push(ValidationError::new(format!("{}.unit", report.path), ValidationCode::InvalidChoice));
                        continue;
                    }
                },
                None => object.unit,
            };
            let current = match domain::plan::parse_period("period", &report.period) {
                Ok(p) => store::follow_ups::get(&mut tx, object.id, unit, p).await?,
                Err(_) => None,
            };
            let unit_text = unit.to_string();
            let stored_version = current.map(|c| c.version);
            let result = self
                .save_follow_up_in(&mut tx, actor, &object.id.to_string(), Some(&unit_text), &report.period, report.input.clone(), stored_version, &report.path)
                .await
                .map(|saved| {
                    if stored_version != Some(saved.version) {
                        summary.follow_ups_saved += 1;
                    }
                });
            collect(result, &mut problems)?;
        }

        // Budget frames and lines, merged into the administrations' chapters.
        if let Some(budget_year) = budget_year {
            let saved = self.import_budget(&mut tx, actor, &budget_entries, budget_year, &mut problems).await?;
            (summary.budget_frames_saved, summary.budget_lines_saved) = (saved.frames, saved.lines);
        }

        if !problems.is_empty() {
            // Dropping the transaction rolls everything back.
            return Err(AppError::Validation(problems));
        }
        tx.commit().await?;
        Ok(summary)
    }

    /// Exports the plan of a unit and its subtree for a year (optionally one module).
    pub async fn export_plan(&self, actor: &Actor, unit: &str, year: i64, module: Option<&str>) -> Result<Value, AppError> {
        let year = domain::plan::check_year("year", year)?;
        let mut tx = self.store.begin_read().await?;
        let top = crate::org::unit_by_key_or_id(&mut tx, unit).await?.ok_or_else(|| crate::plan::invalid("unit", ValidationCode::InvalidChoice))?;
        let path = store::org_units::path(&mut tx, top.id).await?;
        actor.require(domain::policy::Action::Read, &domain::policy::Target { unit_path: &path, module })?;
        let subtree = store::org_units::subtree_ids(&mut tx, top.id).await?;
        let mut units = store::org_units::get_many(&mut tx, &subtree).await?;
        let keys: HashMap<OrgUnitId, String> = units.iter().map(|u| (u.id, u.key.clone())).collect();
        let mut parent_keys = keys.clone();
        if let Some(p) = top.parent_id
            && let Some(parent) = store::org_units::get(&mut tx, p).await?
        {
            parent_keys.insert(parent.id, parent.key);
        }
        // Parents before children: sort by depth, then key.
        let depth: HashMap<OrgUnitId, usize> = {
            let mut d = HashMap::new();
            for u in &units {
                d.insert(u.id, store::org_units::path(&mut tx, u.id).await?.len());
            }
            d
        };
        units.sort_by(|a, b| (depth[&a.id], &a.key).cmp(&(depth[&b.id], &b.key)));
        let units_json: Vec<Value> = units
            .iter()
            .map(|u| json!({"key": u.key, "name": u.name, "parent": u.parent_id.and_then(|p| parent_keys.get(&p).cloned())}))
            .collect();

        let modules: Vec<String> = match module {
            Some(m) => vec![m.to_owned()],
            None => store::modules::list(&mut tx).await?.into_iter().map(|m| m.key).collect(),
        };
        let mut objects: Vec<PlanObject> = Vec::new();
        for m in &modules {
            objects.extend(store::objects::plan_of(&mut tx, &subtree, &[], m, year).await?);
        }
        let records = self.describe(&mut tx, objects).await?;
        // Copies are written as `distributed_to` on their origin, not as objects of their own.
        let mut copies_of: HashMap<String, Vec<String>> = HashMap::new();
        for r in &records {
            if let Some(origin) = &r.origin_key {
                copies_of.entry(origin.clone()).or_default().push(r.unit_key.clone());
            }
        }
        let ids: Vec<domain::ObjectId> = records.iter().map(|r| r.object.id).collect();
        let reports = store::follow_ups::for_objects(&mut tx, &ids, &[]).await?;
        let key_of: HashMap<domain::ObjectId, &str> = records.iter().map(|r| (r.object.id, r.object.key.as_str())).collect();
        let owner_of: HashMap<domain::ObjectId, OrgUnitId> = records.iter().map(|r| (r.object.id, r.object.unit)).collect();
        let object_of: HashMap<domain::ObjectId, &PlanObject> = records.iter().map(|r| (r.object.id, &r.object)).collect();
        let mut history: HashMap<domain::ObjectId, Vec<Value>> = HashMap::new();
        let mut follow_ups = Vec::new();
        let mut sorted = reports;
        sorted.sort_by(|a, b| (key_of.get(&a.object), a.period, a.unit).cmp(&(key_of.get(&b.object), b.period, b.unit)));
        for mut f in sorted {
            let owner = owner_of.get(&f.object) == Some(&f.unit);
            // Outcomes the budget writes are not the file's to carry.
            if owner && object_of.get(&f.object).is_some_and(|o| o.outcome_from_budget(f.period)) {
                f.outcome = None;
                if f.assessment.is_none() && f.reason.is_none() && f.comment.is_none() {
                    continue;
                }
            }
            let plain_history = owner && f.period.year() < year && f.assessment.is_none() && f.comment.is_none();
            if plain_history && let Some(v) = f.outcome {
                history.entry(f.object).or_default().push(json!({"period": f.period.to_string(), "value": number(v)}));
                continue;
            }
            let mut entry = Map::new();
            entry.insert("object".into(), json!(key_of[&f.object]));
            if !owner {
                let unit_key = match keys.get(&f.unit) {
                    Some(k) => k.clone(),
                    None => store::org_units::get(&mut tx, f.unit).await?.map(|u| u.key).unwrap_or_default(),
                };
                entry.insert("unit".into(), json!(unit_key));
            }
            entry.insert("period".into(), json!(f.period.to_string()));
            if let Some(v) = f.outcome {
                entry.insert("outcome".into(), number(v));
            }
            if let Some(a) = f.assessment {
                entry.insert("assessment".into(), json!(a));
            }
            if let Some(r) = f.reason {
                entry.insert("reason".into(), json!(r));
            }
            if let Some(c) = f.comment {
                entry.insert("comment".into(), json!(c));
            }
            follow_ups.push(Value::Object(entry));
        }
        // Objects: parents before children, in plan order.
        let mut objects_json = Vec::new();
        let ordered = crate::plan_view::tree_order_records(records.iter().filter(|r| r.origin_key.is_none()).collect());
        for r in ordered {
            let mut o = object_json(r);
            if let Some(units) = copies_of.get(&r.object.key) {
                let mut units = units.clone();
                units.sort();
                o.insert("distributed_to".into(), json!(units));
            }
            if let Some(values) = history.remove(&r.object.id) {
                o.insert("values".into(), Value::Array(values));
            }
            objects_json.push(Value::Object(o));
        }
        let mut doc = json!({
            "format": FORMAT,
            "year": year,
            "units": units_json,
            "objects": objects_json,
            "follow_ups": follow_ups,
        });
        // The budget belongs to no module: it comes with the whole plan only.
        if module.is_none()
            && let Some(budget) = budget::export_budget(&mut tx, &units, year).await?
        {
            doc["budget"] = budget;
        }
        Ok(doc)
    }
}

/// A value as a JSON number when it reads back exactly, else as text (never a rounded float).
fn number(v: domain::consolidation::Decimal) -> Value {
    let f = v.to_f64();
    match (serde_json::Number::from_f64(f), f.to_string().parse::<domain::consolidation::Decimal>()) {
        (Some(n), Ok(back)) if back == v => Value::Number(n),
        _ => Value::String(v.to_string()),
    }
}

fn object_json(r: &crate::plan::ObjectRecord) -> Map<String, Value> {
    let o = &r.object;
    let mut m = Map::new();
    let mut put = |k: &str, v: Value| {
        if !v.is_null() {
            m.insert(k.to_owned(), v);
        }
    };
    put("key", json!(o.key));
    put("module", json!(o.module));
    put("level", json!(o.level));
    put("unit", json!(r.unit_key));
    put("parent", json!(r.parent_key));
    if !r.links.is_empty() {
        put("links", json!(r.links));
    }
    put("title", json!(o.title));
    put("description", json!(o.description));
    if o.reach != Reach::Own {
        put("reach", json!(o.reach.as_str()));
    }
    match o.kind {
        ObjectKind::Text => {
            put("issued_by", json!(o.issued_by.map(issuer_name)));
            put("decision_date", json!(o.decision.date.map(format_date)));
            put("decision_paragraph", json!(o.decision.paragraph));
            put("case_number", json!(o.decision.case_number));
            put("due", json!(o.due.map(format_date)));
            if o.internal_assignment {
                put("internal_assignment", json!(true));
            }
        }
        ObjectKind::Measure => {
            if let Some(ms) = &o.measure {
                put("measure_unit", json!(ms.unit));
                put("decimals", json!(ms.decimals));
                put("higher_is_better", json!(ms.higher_is_better));
                let reported: Vec<&str> = ms.reported.iter().map(|p| reported_name(*p)).collect();
                if !reported.is_empty() {
                    put("reported", json!(reported));
                }
                if ms.formula != Formula::None {
                    put("formula", json!(ms.formula.as_str()));
                }
                if ms.missing != MissingPolicy::Skip {
                    put("missing_policy", json!(ms.missing.as_str()));
                }
                if let Some(b) = ms.baseline {
                    put("baseline", json!({"period": b.period.to_string(), "value": number(b.value)}));
                }
                if !ms.targets.is_empty() {
                    let t: Vec<Value> = ms.targets.iter().map(|t| json!({"period": t.period.to_string(), "value": number(t.value)})).collect();
                    put("targets", Value::Array(t));
                }
                if let Some(b) = &ms.budget_source {
                    put("budget_source", json!({"figure": b.figure.as_str(), "category": b.category}));
                }
            }
        }
        ObjectKind::Activity => {
            if let Some(a) = &o.activity {
                put("start", json!(a.start.map(format_date)));
                put("end", json!(a.end.map(format_date)));
                put("responsible", json!(a.responsible_text));
                put("responsible_user", json!(r.responsible_email));
                put("status", json!(a.manual_status.map(|s| s.as_str())));
                put("progress", json!(a.progress));
                put("priority", json!(a.priority.map(|p| p.as_str())));
            }
        }
    }
    if o.auto_copy {
        put("auto_copy", json!(true));
    }
    if let Some(Value::Object(extra)) = &o.extra {
        for (k, v) in extra {
            m.entry(k.clone()).or_insert_with(|| v.clone());
        }
    }
    m
}

fn issuer_name(i: IssuedBy) -> &'static str {
    match i {
        IssuedBy::Council => "Regionfullmäktige",
        IssuedBy::ExecutiveBoard => "Regionstyrelse",
        IssuedBy::Committee => "Nämnd",
        IssuedBy::Internal => "Internt",
    }
}

fn reported_name(p: Periodicity) -> &'static str {
    p.stratsys_letter().unwrap_or(p.as_str())
}
