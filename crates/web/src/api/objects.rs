//! `/api/v1/objects`: plan objects (goals, assignments, indicators, activities …) and their
//! follow-ups. Objects are addressed by key (or id). Values (targets, outcomes, roll-ups) are
//! exact decimals: the API writes them as strings (`"4.0"`) and reads numbers or strings.

use super::extract::{ApiJson, ApiPath, ApiQuery};
use super::{ApiErrors, CursorKind, PageOf, page_limit, refuse_blank};
use crate::AppState;
use crate::auth::ApiCtx;
use crate::error::{ApiError, ApiResultExt};
use app::plan::{NewObject, ObjectChange, ObjectRecord, ObjectRefs};
use app::plan_view::FollowUpView;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use domain::ObjectId;
use domain::budget_source::{BudgetSource, BudgetSourceInput};
use domain::consolidation::{Consolidated, Decimal};
use domain::governance::ObjectKind;
use domain::plan::{FollowUp, FollowUpInput, ObjectInput, PeriodValue, PeriodValueInput};
use domain::validate::{ValidationCode, ValidationError, format_date};
use serde::{Deserialize, Deserializer, Serialize};
use time::Date;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// A string newtype whose schema is a string with a pattern (the derive cannot put a pattern on
/// a newtype's field).
macro_rules! pattern_string {
    ($(#[$meta:meta])* $name:ident, $pattern:literal) => {
        $(#[$meta])*
        #[derive(Clone, Debug, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub String);

        impl utoipa::PartialSchema for $name {
            fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
                utoipa::openapi::ObjectBuilder::new()
                    .schema_type(utoipa::openapi::schema::Type::String)
                    .pattern(Some($pattern))
                    .into()
            }
        }

        impl ToSchema for $name {}
    };
}

pattern_string!(
    /// An object's key (or id).
    ObjectKey,
    "^[A-Za-z0-9._-]{1,64}$"
);
pattern_string!(
    /// A unit's key (or id).
    UnitKey,
    "^[A-Za-z0-9._-]{1,64}$"
);
pattern_string!(
    /// A reporting frequency: `M`, `D`, `Å` (month, tertial, year) or a periodicity id.
    Reported,
    "^(M|D|Å|year|half-year|tertial|quarter|month)$"
);

/// A value typed by a person or a program: a JSON number (its text, e.g. `4.5`) or a string
/// (`"4.5"`, `"4,5"`). Checked against the indicator's decimals by the use case.
#[derive(Clone, Debug)]
pub struct NumberText(pub String);

impl<'de> Deserialize<'de> for NumberText {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl serde::de::Visitor<'_> for Visitor {
            type Value = NumberText;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a number, or a string holding one")
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<NumberText, E> {
                Ok(NumberText(v.to_string()))
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<NumberText, E> {
                Ok(NumberText(v.to_string()))
            }
            fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<NumberText, E> {
                // serde_json's own text of the number: `4.5`, `4.0`, `1e-7` (refused later).
                serde_json::Number::from_f64(v)
                    .map(|n| NumberText(n.to_string()))
                    .ok_or_else(|| E::invalid_value(serde::de::Unexpected::Float(v), &self))
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<NumberText, E> {
                Ok(NumberText(v.to_owned()))
            }
        }
        d.deserialize_any(Visitor)
    }
}

impl utoipa::PartialSchema for NumberText {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::schema::{OneOfBuilder, Type};
        OneOfBuilder::new()
            .item(utoipa::openapi::ObjectBuilder::new().schema_type(Type::Number))
            .item(
                utoipa::openapi::ObjectBuilder::new()
                    .schema_type(Type::String)
                    .max_length(Some(100))
                    .pattern(Some("^[^\\u0000-\\u001F\\u007F-\\u009F]*$")),
            )
            .description(Some("A number, or a string holding one (`4.5`, `\"4,5\"`)"))
            .into()
    }
}

impl ToSchema for NumberText {}

/// A value for a period (a target, a baseline).
#[derive(Serialize, ToSchema)]
pub struct PeriodValueJson {
    /// `2020`, `2020-H1`, `2020-T1`, `2020-Q1`, `2020-01`.
    pub period: String,
    /// An exact decimal as text, e.g. `"4.0"`.
    pub value: String,
}

impl From<&PeriodValue> for PeriodValueJson {
    fn from(v: &PeriodValue) -> Self {
        Self { period: v.period.to_string(), value: v.value.to_string() }
    }
}

/// A value for a period, as sent.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PeriodValueIn {
    #[schema(pattern = "^[0-9]{4}(-(H[12]|T[1-3]|Q[1-4]|0[1-9]|1[0-2]))?$")]
    pub period: String,
    pub value: NumberText,
}

/// Where an indicator's outcomes come from when they are not typed: a figure of the budget
/// follow-up of its unit and the units below it, read at each period's last month.
#[derive(Serialize, ToSchema)]
pub struct BudgetSourceJson {
    /// `actual_month`, `actual_ytd`, `forecast_year`, `variance_ytd`, `variance_year` or
    /// `budget_year`.
    pub figure: String,
    /// A category code of the unit's budget tree (its row, rolled up); null = the result
    /// (income + costs).
    pub category: Option<String>,
}

impl From<&BudgetSource> for BudgetSourceJson {
    fn from(b: &BudgetSource) -> Self {
        Self { figure: b.figure.as_str().to_owned(), category: b.category.clone() }
    }
}

/// Where an indicator's outcomes come from, as sent.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BudgetSourceIn {
    #[schema(pattern = "^(actual_month|actual_ytd|forecast_year|variance_ytd|variance_year|budget_year)$")]
    pub figure: String,
    /// A category code of the unit's budget tree; null or absent = the result.
    #[schema(pattern = "^[A-Za-z0-9._-]{1,64}$")]
    pub category: Option<String>,
}

/// A plan object, shaped like an object of the plan file (`styrbord-plan/1`). Fields that do not
/// belong to the object's kind are null.
#[derive(Serialize, ToSchema)]
pub struct ObjectJson {
    pub id: String,
    pub key: String,
    pub module: String,
    /// The governance model's level key (`goal`, `indicator`, `activity` …).
    pub level: String,
    /// `text`, `measure` or `activity` (from the level).
    pub kind: String,
    /// The owning unit's key.
    pub unit: String,
    pub unit_name: String,
    pub year: i32,
    /// The structural parent's key.
    pub parent: Option<String>,
    /// Keys of the objects this one is linked to (the red thread).
    pub links: Vec<String>,
    pub title: String,
    pub description: Option<String>,
    /// `own`, `visible` (shown to the subtree) or `distributed` (copies per unit).
    pub reach: String,
    /// For a distributed copy: its origin's key.
    pub distributed_from: Option<String>,
    /// On a distributed origin: units created later get a copy too.
    pub auto_copy: bool,
    // Text objects (goals, assignments).
    /// `council`, `executive-board`, `committee` or `internal`.
    pub issued_by: Option<String>,
    #[schema(format = Date)]
    pub decision_date: Option<String>,
    pub decision_paragraph: Option<String>,
    pub case_number: Option<String>,
    #[schema(format = Date)]
    pub due: Option<String>,
    pub internal_assignment: Option<bool>,
    // Measures (indicators).
    pub measure_unit: Option<String>,
    pub decimals: Option<u8>,
    pub higher_is_better: Option<bool>,
    /// `M`, `D`, `Å` (month, tertial, year), or a periodicity id for half-years and quarters;
    /// empty = the level's periodicity.
    pub reported: Option<Vec<String>>,
    /// Roll-up over distributed copies: `none`, `sum`, `average`, `min`, `max`, `with-own-value`.
    pub formula: Option<String>,
    /// `skip` or `require-all`.
    pub missing_policy: Option<String>,
    pub baseline: Option<PeriodValueJson>,
    pub targets: Option<Vec<PeriodValueJson>>,
    /// Indicators: set when the outcomes are taken from the budget, not typed.
    pub budget_source: Option<BudgetSourceJson>,
    // Activities.
    #[schema(format = Date)]
    pub start: Option<String>,
    #[schema(format = Date)]
    pub end: Option<String>,
    /// Who is responsible, as the plan writes it ("CE", "Respektive CD och VC").
    pub responsible: Option<String>,
    /// The responsible person's e-mail.
    pub responsible_user: Option<String>,
    /// `completed` or `on-hold`; null lets the dates decide.
    pub manual_status: Option<String>,
    /// Per cent done, 0–100.
    pub progress: Option<u8>,
    /// `low`, `normal` or `high`.
    pub priority: Option<String>,
    /// Today's status: `not-started`, `ongoing`, `soon-late`, `late`, `completed`, `on-hold`.
    pub status: Option<String>,
    /// Pass back in a PUT or DELETE to refuse the change if someone else changed the object.
    pub version: i64,
}

fn object_json(r: ObjectRecord, today: Date) -> ObjectJson {
    let status = r.object.status(today).map(|s| s.as_str().to_owned());
    let o = r.object;
    let text = o.kind == ObjectKind::Text;
    let m = o.measure.as_ref();
    let a = o.activity.as_ref();
    ObjectJson {
        id: o.id.to_string(),
        key: o.key,
        module: o.module,
        level: o.level,
        kind: o.kind.as_str().to_owned(),
        unit: r.unit_key,
        unit_name: r.unit_name,
        year: o.year,
        parent: r.parent_key,
        links: r.links,
        title: o.title,
        description: o.description,
        reach: o.reach.as_str().to_owned(),
        distributed_from: r.origin_key,
        auto_copy: o.auto_copy,
        issued_by: o.issued_by.map(|i| i.as_str().to_owned()),
        decision_date: o.decision.date.map(format_date),
        decision_paragraph: o.decision.paragraph,
        case_number: o.decision.case_number,
        due: o.due.map(format_date),
        internal_assignment: text.then_some(o.internal_assignment),
        measure_unit: m.and_then(|m| m.unit.clone()),
        decimals: m.map(|m| m.decimals),
        higher_is_better: m.map(|m| m.higher_is_better),
        reported: m.map(|m| m.reported.iter().map(|p| p.stratsys_letter().unwrap_or(p.as_str()).to_owned()).collect()),
        formula: m.map(|m| m.formula.as_str().to_owned()),
        missing_policy: m.map(|m| m.missing.as_str().to_owned()),
        baseline: m.and_then(|m| m.baseline.as_ref().map(Into::into)),
        targets: m.map(|m| m.targets.iter().map(Into::into).collect()),
        budget_source: m.and_then(|m| m.budget_source.as_ref().map(Into::into)),
        start: a.and_then(|a| a.start.map(format_date)),
        end: a.and_then(|a| a.end.map(format_date)),
        responsible: a.and_then(|a| a.responsible_text.clone()),
        responsible_user: r.responsible_email,
        manual_status: a.and_then(|a| a.manual_status.map(|s| s.as_str().to_owned())),
        progress: a.and_then(|a| a.progress),
        priority: a.and_then(|a| a.priority.map(|p| p.as_str().to_owned())),
        status,
        version: o.version,
    }
}

/// Declares a request body with an object's changeable fields (and `$extra` fields first).
/// Written once for POST and PUT: serde cannot combine `flatten` with `deny_unknown_fields`.
macro_rules! object_body {
    ($(#[$meta:meta])* $name:ident { $($extra:tt)* }) => {
        $(#[$meta])*
        #[derive(Deserialize, ToSchema)]
        #[serde(deny_unknown_fields)]
        pub struct $name {
            $($extra)*
            #[schema(min_length = 1, max_length = 500, pattern = "^[^\\u0000-\\u001F\\u007F-\\u009F]*$")]
            pub title: String,
            /// Several lines allowed.
            #[schema(max_length = 20000, pattern = "^[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F]*$")]
            pub description: Option<String>,
            /// The structural parent's key (or id): an object of a parent level, same module and
            /// year, owned by this unit or one above it.
            #[schema(pattern = "^[A-Za-z0-9._-]{1,64}$")]
            pub parent: Option<String>,
            /// Keys (or ids) of objects to link to (the red thread).
            #[serde(default)]
            #[schema(max_items = 100)]
            pub links: Vec<ObjectKey>,
            /// Text objects: `council`, `executive-board`, `committee`, `internal` (or the Swedish
            /// names: Regionfullmäktige, Regionstyrelse, Nämnd, Internt).
            #[schema(max_length = 100, pattern = "^[^\\u0000-\\u001F\\u007F-\\u009F]*$")]
            pub issued_by: Option<String>,
            #[schema(format = Date)]
            pub decision_date: Option<String>,
            #[schema(max_length = 100, pattern = "^[^\\u0000-\\u001F\\u007F-\\u009F]*$")]
            pub decision_paragraph: Option<String>,
            #[schema(max_length = 100, pattern = "^[^\\u0000-\\u001F\\u007F-\\u009F]*$")]
            pub case_number: Option<String>,
            #[schema(format = Date)]
            pub due: Option<String>,
            pub internal_assignment: Option<bool>,
            /// Indicators: `%`, `mkr`, `antal` …
            #[schema(max_length = 20, pattern = "^[^\\u0000-\\u001F\\u007F-\\u009F]*$")]
            pub measure_unit: Option<String>,
            /// Indicators: decimals of values (default 1).
            #[schema(minimum = 0, maximum = 6)]
            pub decimals: Option<i64>,
            /// Indicators: default true.
            pub higher_is_better: Option<bool>,
            /// Indicators: reporting frequencies; empty = the level's periodicity.
            #[serde(default)]
            #[schema(max_items = 5)]
            pub reported: Vec<Reported>,
            /// Indicators: roll-up over distributed copies (default `none`).
            #[schema(pattern = "^(none|sum|average|min|max|with-own-value)$")]
            pub formula: Option<String>,
            /// Indicators: what a missing report does to the roll-up (default `skip`).
            #[schema(pattern = "^(skip|require-all)$")]
            pub missing_policy: Option<String>,
            /// Indicators: a value to compare with ("nuläge 2019").
            pub baseline: Option<PeriodValueIn>,
            /// Indicators: targets, at most one per period, none before the plan year.
            #[serde(default)]
            #[schema(max_items = 60)]
            pub targets: Vec<PeriodValueIn>,
            /// Indicators: take the outcomes from the budget instead of typing them (absent or
            /// null: typed). The outcomes of the plan year are then written by every import,
            /// forecast and budget save, and a follow-up refuses a different one.
            pub budget_source: Option<BudgetSourceIn>,
            #[schema(format = Date)]
            pub start: Option<String>,
            /// Activities: the last day (not before `start`).
            #[schema(format = Date)]
            pub end: Option<String>,
            /// Activities: who is responsible, as the plan writes it.
            #[schema(max_length = 200, pattern = "^[^\\u0000-\\u001F\\u007F-\\u009F]*$")]
            pub responsible: Option<String>,
            /// Activities: the responsible person's e-mail.
            #[schema(format = Email, max_length = 254)]
            pub responsible_user: Option<String>,
            /// Activities: `completed` or `on-hold`; null lets the dates decide.
            #[schema(pattern = "^(completed|on-hold)$")]
            pub manual_status: Option<String>,
            /// Activities: per cent done.
            #[schema(minimum = 0, maximum = 100)]
            pub progress: Option<i64>,
            #[schema(pattern = "^(low|normal|high)$")]
            pub priority: Option<String>,
        }
    };
}

object_body!(
    /// A new object.
    CreateObject {
        /// Generated from the level when absent.
        #[schema(pattern = "^[A-Za-z0-9._-]{1,64}$")]
        pub key: Option<String>,
        #[schema(pattern = "^[a-z0-9-]{1,40}$")]
        pub module: String,
        /// A level key of the module's governance model.
        #[schema(pattern = "^[a-z][a-z0-9-]{0,39}$")]
        pub level: String,
        /// The owning unit's key (or id).
        #[schema(pattern = "^[A-Za-z0-9._-]{1,64}$")]
        pub unit: String,
        #[schema(minimum = 1900, maximum = 2200)]
        pub year: i64,
        /// `own` (default) or `visible` (shown to the units below); `distributed` is set by
        /// the distribution endpoint.
        #[schema(pattern = "^(own|visible|distributed)$")]
        pub reach: Option<String>,
    }
);

object_body!(
    /// The whole new state of an object's changeable fields: an absent field is emptied (key,
    /// module, level, unit and year stay). `reach` and `auto_copy` stay as they are when absent.
    PutObject {
        #[schema(pattern = "^(own|visible|distributed)$")]
        pub reach: Option<String>,
        /// Only with reach `distributed`.
        pub auto_copy: Option<bool>,
        /// The version the change is based on.
        pub version: Option<i64>,
    }
);

/// The fields both bodies share, as the use case takes them.
macro_rules! object_parts {
    ($b:ident, $reach:expr, $auto_copy:expr) => {{
        let refs = ObjectRefs {
            parent: $b.parent,
            links: $b.links.into_iter().map(|l| l.0).collect(),
            responsible_user: $b.responsible_user,
        };
        let fields = ObjectInput {
            title: $b.title,
            description: $b.description,
            issued_by: $b.issued_by,
            decision_date: $b.decision_date,
            decision_paragraph: $b.decision_paragraph,
            case_number: $b.case_number,
            due: $b.due,
            internal_assignment: $b.internal_assignment.unwrap_or(false),
            measure_unit: $b.measure_unit,
            decimals: $b.decimals.map(|d| d.to_string()),
            higher_is_better: $b.higher_is_better,
            reported: $b.reported.into_iter().map(|r| r.0).collect(),
            formula: $b.formula,
            missing_policy: $b.missing_policy,
            baseline_period: $b.baseline.as_ref().map(|v| v.period.clone()),
            baseline_value: $b.baseline.map(|v| v.value.0),
            targets: $b.targets.into_iter().map(|t| PeriodValueInput { period: t.period, value: t.value.0 }).collect(),
            budget_source: $b.budget_source.map(|s| BudgetSourceInput { figure: s.figure, category: s.category }),
            start: $b.start,
            end: $b.end,
            responsible_text: $b.responsible,
            manual_status: $b.manual_status,
            progress: $b.progress.map(|p| p.to_string()),
            priority: $b.priority,
            reach: $reach,
            auto_copy: $auto_copy,
        };
        (refs, fields)
    }};
}

/// The JSON API refuses `""` where a key, a date, an e-mail or a fixed choice is expected.
macro_rules! refuse_blank_fields {
    ($b:expr, $lang:expr) => {
        refuse_blank(&[
            ("parent", $b.parent.as_deref()),
            ("decision_date", $b.decision_date.as_deref()),
            ("due", $b.due.as_deref()),
            ("formula", $b.formula.as_deref()),
            ("missing_policy", $b.missing_policy.as_deref()),
            ("start", $b.start.as_deref()),
            ("end", $b.end.as_deref()),
            ("responsible_user", $b.responsible_user.as_deref()),
            ("manual_status", $b.manual_status.as_deref()),
            ("priority", $b.priority.as_deref()),
            ("reach", $b.reach.as_deref()),
            ("budget_source.figure", $b.budget_source.as_ref().map(|s| s.figure.as_str())),
            ("budget_source.category", $b.budget_source.as_ref().and_then(|s| s.category.as_deref())),
        ])
        .api($lang)
    };
}

/// Which units get a copy of a distributed object.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Distribution {
    /// Keys (or ids) of units below the owner; units already holding a copy are skipped.
    #[schema(max_items = 500)]
    pub units: Vec<UnitKey>,
    /// Units created later below the owner get a copy too.
    #[serde(default)]
    pub auto_copy: bool,
}

/// What one unit reported on an object for one period.
#[derive(Serialize, ToSchema)]
pub struct FollowUpJson {
    /// The reporting unit's key.
    pub unit: String,
    pub period: String,
    /// An exact decimal as text (indicators).
    pub outcome: Option<String>,
    /// A person's assessment: `green`, `yellow`, `red`, `not-assessed`; null = automatic.
    pub assessment: Option<String>,
    /// Why the automatic assessment was overridden.
    pub reason: Option<String>,
    pub comment: Option<String>,
    /// Pass back when saving again.
    pub version: i64,
    /// RFC 3339, UTC.
    #[schema(format = DateTime)]
    pub updated_at: String,
}

fn follow_up_json(unit: String, f: FollowUp) -> FollowUpJson {
    let at = time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(f.updated_at) * 1_000_000)
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
    FollowUpJson {
        unit,
        period: f.period.to_string(),
        outcome: f.outcome.map(|v| v.to_string()),
        assessment: f.assessment,
        reason: f.reason,
        comment: f.comment,
        version: f.version,
        updated_at: at.format(&time::format_description::well_known::Rfc3339).unwrap_or_default(),
    }
}

/// A roll-up over the units of a distributed object's subtree.
#[derive(Serialize, ToSchema)]
pub struct ConsolidatedJson {
    /// Null when nothing counts yet, or the missing-value policy refuses a partial value.
    pub value: Option<String>,
    /// How many of the expected units reported.
    pub present: u64,
    pub expected: u64,
}

fn consolidated_json(c: Consolidated) -> ConsolidatedJson {
    ConsolidatedJson { value: c.value.map(|v| v.to_string()), present: c.present as u64, expected: c.expected as u64 }
}

/// One unit below, holding a distributed copy.
#[derive(Serialize, ToSchema)]
pub struct SubUnitJson {
    /// The unit's key.
    pub unit: String,
    pub unit_name: String,
    /// The copy's id.
    pub object: String,
    pub value: Option<String>,
    pub consolidated: Option<ConsolidatedJson>,
    pub assessment: String,
    pub comment: Option<String>,
}

/// The follow-up of an object for one unit and period: what was reported and what is computed
/// from it (roll-up, automatic assessment, activity status).
#[derive(Serialize, ToSchema)]
pub struct FollowUpWindowJson {
    /// The object's key.
    pub object: String,
    pub object_id: String,
    /// The reporting unit's key.
    pub unit: String,
    pub period: String,
    /// The periods this object is followed up in, longest first.
    pub periods: Vec<String>,
    /// What this unit reported for the period; null when nothing yet.
    pub follow_up: Option<FollowUpJson>,
    /// The value shown: the roll-up for a distributed indicator with a formula, else the outcome.
    pub value: Option<String>,
    /// Set when the value is a roll-up.
    pub consolidated: Option<ConsolidatedJson>,
    pub target: Option<String>,
    /// The assessment computed from value and target (indicators; else `not-assessed`).
    pub automatic: String,
    /// The assessment shown: the person's if set, else the automatic one.
    pub assessment: String,
    /// Activities: today's status.
    pub status: Option<String>,
    /// Earlier reports of this unit, newest first.
    pub history: Vec<FollowUpJson>,
    /// Units below holding a copy, with their values.
    pub sub_units: Vec<SubUnitJson>,
    /// Comments of units below on a visible object.
    pub comments_below: Vec<FollowUpJson>,
    pub can_report: bool,
    pub can_edit: bool,
    /// Outcomes may be entered (an indicator, reported by its owner, not taking them from the
    /// budget).
    pub takes_outcome: bool,
    /// Set when the indicator takes its outcomes from the budget.
    pub budget_source: Option<BudgetSourceJson>,
}

fn window_json(v: FollowUpView) -> FollowUpWindowJson {
    let text = |d: Option<Decimal>| d.map(|d| d.to_string());
    let unit_key = v.unit.key.clone();
    FollowUpWindowJson {
        object: v.record.object.key,
        object_id: v.record.object.id.to_string(),
        unit: unit_key.clone(),
        period: v.period.to_string(),
        periods: v.periods.iter().map(ToString::to_string).collect(),
        follow_up: v.follow_up.map(|f| follow_up_json(unit_key.clone(), f)),
        value: text(v.value),
        consolidated: v.consolidated.map(consolidated_json),
        target: text(v.target),
        automatic: v.automatic.as_str().to_owned(),
        assessment: v.assessment,
        status: v.status.map(|s| s.as_str().to_owned()),
        history: v.history.into_iter().map(|f| follow_up_json(unit_key.clone(), f)).collect(),
        sub_units: v
            .sub_units
            .into_iter()
            .map(|s| SubUnitJson {
                unit: s.unit.key,
                unit_name: s.unit.name,
                object: s.object.to_string(),
                value: text(s.value),
                consolidated: s.consolidated.map(consolidated_json),
                assessment: s.assessment,
                comment: s.follow_up.and_then(|f| f.comment),
            })
            .collect(),
        comments_below: v.comments_below.into_iter().map(|(u, f)| follow_up_json(u.key, f)).collect(),
        can_report: v.can_report,
        can_edit: v.can_edit,
        takes_outcome: v.takes_outcome,
        budget_source: v.budget_source.as_ref().map(|n| (&n.source).into()),
    }
}

/// What a unit reports. Absent fields are emptied (a follow-up is saved whole).
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PutFollowUp {
    /// The reporting unit's key (or id); default the object's owner. A unit below may comment
    /// on an object visible to it.
    #[schema(pattern = "^[A-Za-z0-9._-]{1,64}$")]
    pub unit: Option<String>,
    /// Indicators reported by their owner: the outcome, with at most the indicator's decimals.
    /// Not on an indicator that takes its outcomes from the budget (`not_for_kind`), unless it
    /// is the stored value sent back.
    pub outcome: Option<NumberText>,
    /// `green`, `yellow`, `red`, `not-assessed`; `auto` or null = the automatic assessment. On an
    /// indicator, an override needs a `reason`.
    #[schema(pattern = "^(auto|green|yellow|red|not-assessed)$")]
    pub assessment: Option<String>,
    /// Several lines allowed.
    #[schema(max_length = 2000, pattern = "^[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F]*$")]
    pub reason: Option<String>,
    /// Several lines allowed.
    #[schema(max_length = 20000, pattern = "^[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F]*$")]
    pub comment: Option<String>,
    /// The version of the follow-up the reporter saw; null or absent when nothing was reported.
    pub version: Option<i64>,
}

#[derive(Deserialize)]
struct ListQuery {
    unit: Option<String>,
    subtree: Option<bool>,
    module: Option<String>,
    level: Option<String>,
    year: Option<i64>,
    limit: Option<i64>,
    cursor: Option<String>,
}

#[derive(Deserialize)]
struct DeleteQuery {
    version: Option<i64>,
}

#[derive(Deserialize)]
struct WindowQuery {
    unit: Option<String>,
}

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(get_one, put, delete))
        .routes(routes!(distribute))
        .routes(routes!(list_follow_ups))
        .routes(routes!(get_follow_up, put_follow_up))
}

/// A module or level key as the query names it: lower-case letters, digits and `-`.
fn checked_key(field: &str, value: Option<String>) -> Result<Option<String>, ValidationError> {
    match value {
        Some(v)
            if v.is_empty()
                || v.len() > 40
                || !v.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-') =>
        {
            Err(ValidationError::new(field, ValidationCode::InvalidChoice))
        }
        other => Ok(other),
    }
}

/// Objects the caller may read, in creation order: owned by units in the caller's subtrees,
/// optionally one unit (or its subtree), one module, level and year.
#[utoipa::path(get, path = "/api/v1/objects", tag = "objects",
    params(
        ("unit" = Option<String>, Query, pattern = "^[A-Za-z0-9._-]{1,64}$", description = "Only objects owned by this unit (key or id)"),
        ("subtree" = Option<bool>, Query, description = "With `unit`: also objects of the units below it (default false)"),
        ("module" = Option<String>, Query, pattern = "^[a-z0-9-]{1,40}$", description = "Only this module (key)"),
        ("level" = Option<String>, Query, pattern = "^[a-z0-9-]{1,40}$", description = "Only this level (key)"),
        ("year" = Option<i64>, Query, minimum = 1900, maximum = 2200, description = "Only this plan year"),
        ("limit" = Option<i64>, Query, minimum = 1, maximum = 500, description = "How many items (default 100)"),
        ("cursor" = Option<String>, Query, format = Uuid, description = "`next_cursor` of the previous page")),
    responses((status = 200, body = PageOf<ObjectJson>), ApiErrors))]
async fn list(
    State(state): State<AppState>,
    ctx: ApiCtx,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> Result<Json<PageOf<ObjectJson>>, ApiError> {
    let limit = page_limit(q.limit, q.cursor.as_deref(), CursorKind::Id).api(ctx.lang)?;
    let cursor: Option<ObjectId> = q.cursor.as_deref().and_then(|c| c.parse().ok());
    let mut problems = Vec::new();
    let module = checked_key("module", q.module).map_err(|e| problems.push(e)).ok().flatten();
    let level = checked_key("level", q.level).map_err(|e| problems.push(e)).ok().flatten();
    let year = match q.year {
        Some(y) => domain::plan::check_year("year", y).map_err(|e| problems.push(e)).ok(),
        None => None,
    };
    if !problems.is_empty() {
        return Err(ApiError::from_app(app::AppError::Validation(problems), ctx.lang));
    }
    let subtree = q.subtree.unwrap_or(false);
    let filter = app::plan::ObjectFilter { module, level, year, ..Default::default() };
    let page = state.app.list_objects(&ctx.actor, filter, q.unit.as_deref(), subtree, cursor, limit).await.api(ctx.lang)?;
    let today = state.app.clock().today();
    Ok(Json(PageOf {
        items: page.items.into_iter().map(|r| object_json(r, today)).collect(),
        next_cursor: page.next_cursor,
    }))
}

/// Creates an object on a unit. Goals, assignments and indicators need plan-editing rights on
/// the unit (business support, module owner, super user); a unit's manager may also create
/// activities.
#[utoipa::path(post, path = "/api/v1/objects", tag = "objects", request_body = CreateObject,
    responses((status = 201, body = ObjectJson), ApiErrors))]
async fn create(
    State(state): State<AppState>,
    ctx: ApiCtx,
    ApiJson(body): ApiJson<CreateObject>,
) -> Result<(StatusCode, Json<ObjectJson>), ApiError> {
    refuse_blank(&[("key", body.key.as_deref())]).api(ctx.lang)?;
    refuse_blank_fields!(body, ctx.lang)?;
    let (key, module, level, unit, year, reach) = (body.key, body.module, body.level, body.unit, body.year, body.reach);
    let (refs, fields) = object_parts!(body, reach, false);
    let input = NewObject { key, module, level, unit, year, refs, fields, extra: None };
    let record = state.app.create_object(&ctx.actor, input).await.api(ctx.lang)?;
    Ok((StatusCode::CREATED, Json(object_json(record, state.app.clock().today()))))
}

/// One object, by key or id.
#[utoipa::path(get, path = "/api/v1/objects/{id}", tag = "objects",
    params(("id" = String, Path, pattern = "^[A-Za-z0-9._-]{1,64}$", description = "The object's key (or id)")),
    responses((status = 200, body = ObjectJson), ApiErrors))]
async fn get_one(
    State(state): State<AppState>,
    ctx: ApiCtx,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<ObjectJson>, ApiError> {
    let record = state.app.object(&ctx.actor, &id).await.api(ctx.lang)?;
    Ok(Json(object_json(record, state.app.clock().today())))
}

/// Replaces an object's changeable fields. A distributed copy keeps what it takes from its
/// origin; changes to an origin reach its copies.
#[utoipa::path(put, path = "/api/v1/objects/{id}", tag = "objects", request_body = PutObject,
    params(("id" = String, Path, pattern = "^[A-Za-z0-9._-]{1,64}$", description = "The object's key (or id)")),
    responses((status = 200, body = ObjectJson), ApiErrors))]
async fn put(
    State(state): State<AppState>,
    ctx: ApiCtx,
    ApiPath(id): ApiPath<String>,
    ApiJson(body): ApiJson<PutObject>,
) -> Result<Json<ObjectJson>, ApiError> {
    refuse_blank_fields!(body, ctx.lang)?;
    let current = state.app.object(&ctx.actor, &id).await.api(ctx.lang)?;
    let reach = Some(body.reach.clone().unwrap_or_else(|| current.object.reach.as_str().to_owned()));
    let auto_copy = body.auto_copy.unwrap_or(current.object.auto_copy);
    let version = body.version;
    let (refs, fields) = object_parts!(body, reach, auto_copy);
    let change = ObjectChange { refs, fields, extra: None, version };
    let key = current.object.id.to_string();
    let record = state.app.update_object(&ctx.actor, &key, change).await.api(ctx.lang)?;
    Ok(Json(object_json(record, state.app.clock().today())))
}

/// Removes an object nothing depends on (no objects under it, no copies, no links to it, no
/// follow-up reported).
#[utoipa::path(delete, path = "/api/v1/objects/{id}", tag = "objects",
    params(("id" = String, Path, pattern = "^[A-Za-z0-9._-]{1,64}$", description = "The object's key (or id)"),
        ("version" = Option<i64>, Query, description = "Refuse (409) unless the object is still at this version")),
    responses((status = 204, description = "Removed"), ApiErrors))]
async fn delete(
    State(state): State<AppState>,
    ctx: ApiCtx,
    ApiPath(id): ApiPath<String>,
    ApiQuery(q): ApiQuery<DeleteQuery>,
) -> Result<StatusCode, ApiError> {
    state.app.delete_object(&ctx.actor, &id, q.version).await.api(ctx.lang)?;
    Ok(StatusCode::NO_CONTENT)
}

/// Distributes an object to units below its owner: one linked copy per unit, reported by that
/// unit and rolled up with the origin's formula. Returns the copies made.
#[utoipa::path(post, path = "/api/v1/objects/{id}/distribution", tag = "objects", request_body = Distribution,
    params(("id" = String, Path, pattern = "^[A-Za-z0-9._-]{1,64}$", description = "The object's key (or id)")),
    responses((status = 200, body = Vec<ObjectJson>), ApiErrors))]
async fn distribute(
    State(state): State<AppState>,
    ctx: ApiCtx,
    ApiPath(id): ApiPath<String>,
    ApiJson(body): ApiJson<Distribution>,
) -> Result<Json<Vec<ObjectJson>>, ApiError> {
    let units: Vec<String> = body.units.into_iter().map(|u| u.0).collect();
    let copies = state.app.distribute_object(&ctx.actor, &id, &units, body.auto_copy).await.api(ctx.lang)?;
    let today = state.app.clock().today();
    Ok(Json(copies.into_iter().map(|r| object_json(r, today)).collect()))
}

/// Every follow-up of an object that the caller may read (all units, all periods), newest first.
#[utoipa::path(get, path = "/api/v1/objects/{id}/follow-ups", tag = "objects",
    params(("id" = String, Path, pattern = "^[A-Za-z0-9._-]{1,64}$", description = "The object's key (or id)")),
    responses((status = 200, body = Vec<FollowUpJson>), ApiErrors))]
async fn list_follow_ups(
    State(state): State<AppState>,
    ctx: ApiCtx,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<Vec<FollowUpJson>>, ApiError> {
    let (_, all) = state.app.follow_ups(&ctx.actor, &id).await.api(ctx.lang)?;
    Ok(Json(all.into_iter().map(|(unit, f)| follow_up_json(unit, f)).collect()))
}

/// The follow-up of an object for a period as a unit sees it: what was reported, the roll-up
/// over the units below, the target and the assessments.
#[utoipa::path(get, path = "/api/v1/objects/{id}/follow-ups/{period}", tag = "objects",
    params(("id" = String, Path, pattern = "^[A-Za-z0-9._-]{1,64}$", description = "The object's key (or id)"),
        ("period" = String, Path, pattern = "^[0-9]{4}(-(H[12]|T[1-3]|Q[1-4]|0[1-9]|1[0-2]))?$", description = "`2020`, `2020-H1`, `2020-T1`, `2020-Q1` or `2020-01`"),
        ("unit" = Option<String>, Query, pattern = "^[A-Za-z0-9._-]{1,64}$", description = "The reporting unit (key or id); default the object's owner")),
    responses((status = 200, body = FollowUpWindowJson), ApiErrors))]
async fn get_follow_up(
    State(state): State<AppState>,
    ctx: ApiCtx,
    ApiPath((id, period)): ApiPath<(String, String)>,
    ApiQuery(q): ApiQuery<WindowQuery>,
) -> Result<Json<FollowUpWindowJson>, ApiError> {
    refuse_blank(&[("unit", q.unit.as_deref()), ("period", Some(period.as_str()))]).api(ctx.lang)?;
    let view = state.app.follow_up_view(&ctx.actor, &id, q.unit.as_deref(), Some(&period)).await.api(ctx.lang)?;
    Ok(Json(window_json(view)))
}

/// Saves what a unit reports on an object for a period (outcome, assessment, comment) and
/// answers with the follow-up as computed from it.
#[utoipa::path(put, path = "/api/v1/objects/{id}/follow-ups/{period}", tag = "objects", request_body = PutFollowUp,
    params(("id" = String, Path, pattern = "^[A-Za-z0-9._-]{1,64}$", description = "The object's key (or id)"),
        ("period" = String, Path, pattern = "^[0-9]{4}(-(H[12]|T[1-3]|Q[1-4]|0[1-9]|1[0-2]))?$", description = "`2020`, `2020-H1`, `2020-T1`, `2020-Q1` or `2020-01`")),
    responses((status = 200, body = FollowUpWindowJson), ApiErrors))]
async fn put_follow_up(
    State(state): State<AppState>,
    ctx: ApiCtx,
    ApiPath((id, period)): ApiPath<(String, String)>,
    ApiJson(body): ApiJson<PutFollowUp>,
) -> Result<Json<FollowUpWindowJson>, ApiError> {
    refuse_blank(&[
        ("unit", body.unit.as_deref()),
        ("outcome", body.outcome.as_ref().map(|o| o.0.as_str())),
        ("assessment", body.assessment.as_deref()),
    ])
    .api(ctx.lang)?;
    let input = FollowUpInput {
        outcome: body.outcome.map(|o| o.0),
        assessment: body.assessment,
        reason: body.reason,
        comment: body.comment,
    };
    let saved = state
        .app
        .save_follow_up(&ctx.actor, &id, body.unit.as_deref(), &period, input, body.version)
        .await
        .api(ctx.lang)?;
    let unit = saved.unit.to_string();
    let object = saved.object.to_string();
    let view = state.app.follow_up_view(&ctx.actor, &object, Some(&unit), Some(&period)).await.api(ctx.lang)?;
    Ok(Json(window_json(view)))
}
