//! A unit's plan as a tree-table: objects of a module for one period, with targets, outcomes,
//! roll-ups, assessments and activity status. Filters are a GET form, so links can be shared
//! and everything works without JavaScript. Shared labels of the planning pages live here too.

use super::error_page_for;
use super::layout::{Layout, render};
use crate::AppState;
use crate::auth::{PageCtx, urlencode};
use crate::i18n::Lang;
use app::plan_view::PlanRow;
use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use domain::consolidation::{Consolidated, Decimal};
use domain::evaluation::{ActivityStatus, Scale};
use domain::governance::{GovernanceModel, ObjectKind};
use domain::period::{PeriodKey, Periodicity};
use serde::Deserialize;

pub fn router() -> Router<AppState> {
    Router::new().route("/units/{key}/plan", get(plan_page))
}

/// Deepest indentation step the stylesheet knows (`depth-0` … `depth-8`).
const MAX_DEPTH_CLASS: usize = 8;

/// A value and label for a select, radio group or checkbox list.
pub struct Choice {
    pub value: String,
    pub label: String,
}

/// A number for people: a decimal comma in Swedish.
pub fn number(lang: Lang, value: Decimal) -> String {
    let s = value.to_string();
    if lang == Lang::Sv {
        s.replace('.', ",").replace('-', "\u{2212}")
    } else {
        s
    }
}

/// A value shown with at least an indicator's number of decimals (`90` → `90,0`).
pub fn fixed(value: Decimal, decimals: u8) -> Decimal {
    if value.scale() >= decimals {
        return value;
    }
    let factor = 10i128.pow(u32::from(decimals - value.scale()));
    value
        .mantissa()
        .checked_mul(factor)
        .and_then(|m| Decimal::new(m, decimals).ok())
        .unwrap_or(value)
}

/// A value with its measure unit ("78 %", "3,5 dagar").
pub fn with_unit(lang: Lang, value: Decimal, unit: Option<&str>) -> String {
    match unit.filter(|u| !u.is_empty()) {
        Some(u) => format!("{} {u}", number(lang, value)),
        None => number(lang, value),
    }
}

/// A roll-up's value with how complete it is: "7 (2 av 3 enheter)".
pub fn rollup_text(lang: Lang, c: &Consolidated, unit: Option<&str>) -> String {
    let value = c
        .value
        .map(|v| with_unit(lang, v, unit))
        .unwrap_or_else(|| "–".to_owned());
    format!(
        "{value} ({} {} {} {})",
        c.present,
        lang.t("plan-of"),
        c.expected,
        lang.t("plan-units")
    )
}

/// "Tertial 1 2020", "2020", "2020-05".
pub fn period_label(lang: Lang, p: PeriodKey) -> String {
    match p.periodicity() {
        Periodicity::Year => p.year().to_string(),
        Periodicity::Month => p.to_string(),
        other => format!(
            "{} {} {}",
            lang.t(&format!("periodicity-{}", other.as_str())),
            p.index(),
            p.year()
        ),
    }
}

/// An assessment as a page shows it: the level's label in the reader's language and its
/// colour (drawn as an SVG dot, since the page's CSP allows no inline styles).
#[derive(Clone, Debug)]
pub struct Shown {
    pub id: String,
    pub label: String,
    pub colour: String,
}

/// How `id`, a level of the module's `scale`, is shown. A level no longer on the scale (it can
/// only be removed while unused) is shown by its id, in grey.
pub fn shown(scale: &Scale, lang: Lang, id: &str) -> Shown {
    match scale.level(id) {
        Some(l) => Shown {
            id: l.id.clone(),
            label: if lang == Lang::En { l.label_en.clone() } else { l.label_sv.clone() },
            colour: l.colour.clone(),
        },
        None => Shown { id: id.to_owned(), label: id.to_owned(), colour: "#757575".to_owned() },
    }
}

pub fn status_label(lang: Lang, s: ActivityStatus) -> String {
    lang.t(&format!("activity-status-{}", s.as_str()))
}

pub fn level_name(model: &GovernanceModel, level: &str, lang: Lang) -> String {
    model
        .levels
        .iter()
        .find(|l| l.key == level)
        .map(|l| {
            if lang == Lang::En {
                l.name_en.clone()
            } else {
                l.name_sv.clone()
            }
        })
        .unwrap_or_else(|| level.to_owned())
}

/// One row of the table, ready to show.
struct Row {
    key: String,
    title: String,
    depth_class: usize,
    level: String,
    issuer: Option<String>,
    from_unit: Option<String>,
    target: String,
    outcome: String,
    assessment: Shown,
    status: Option<(&'static str, String)>,
    responsible: String,
    follow_up_href: String,
    can_edit: bool,
    has_comment: bool,
}

#[derive(Template)]
#[template(path = "plan.html")]
struct PlanPage {
    layout: Layout,
    unit_key: String,
    unit_name: String,
    module_key: String,
    module_name: String,
    period: String,
    period_name: String,
    modules: Vec<Choice>,
    periods: Vec<Choice>,
    levels: Vec<Choice>,
    assessments: Vec<Choice>,
    level: String,
    assessment: String,
    q: String,
    hide_completed: bool,
    filtered: bool,
    status: String,
    statuses: Vec<Choice>,
    responsible: String,
    responsibles: Vec<String>,
    /// (id, label, shown)
    columns: Vec<(&'static str, String, bool)>,
    show_target: bool,
    show_outcome: bool,
    show_assessment: bool,
    show_status: bool,
    show_responsible: bool,
    total: usize,
    rows: Vec<Row>,
    can_edit_plan: bool,
    /// "Nytt objekt": the form starts by asking for the level.
    new_href: String,
    /// The overview above the table: how many objects have each assessment.
    summary: Vec<(Shown, usize)>,
    /// Activities past or near their end date.
    late: usize,
    soon_late: usize,
    gantt_href: String,
}

#[derive(Deserialize, Default)]
pub struct PlanQuery {
    module: Option<String>,
    period: Option<String>,
    level: Option<String>,
    assessment: Option<String>,
    q: Option<String>,
    /// An activity status id (`late`, `ongoing` …).
    status: Option<String>,
    /// A responsible person's name or unit code, as shown in the table.
    responsible: Option<String>,
    /// Set by the filter form: then only the columns ticked (`c_target` …) are shown; absent,
    /// every column is.
    cols: Option<String>,
    c_target: Option<String>,
    c_outcome: Option<String>,
    c_assessment: Option<String>,
    c_status: Option<String>,
    c_responsible: Option<String>,
    hide_completed: Option<String>,
    notice: Option<String>,
}

fn row_of(r: &PlanRow, model: &GovernanceModel, lang: Lang, unit_key: &str, back: &str) -> Row {
    let o = &r.record.object;
    let unit = o.measure.as_ref().and_then(|m| m.unit.as_deref());
    let dec = o.measure.as_ref().map_or(0, |m| m.decimals);
    let outcome = match (&r.consolidated, r.value) {
        (Some(c), _) => rollup_text(lang, c, unit),
        (None, Some(v)) => with_unit(lang, fixed(v, dec), unit),
        (None, None) => String::new(),
    };
    let responsible = o
        .activity
        .as_ref()
        .map(|a| {
            r.record
                .responsible_name
                .clone()
                .or_else(|| a.responsible_text.clone())
                .unwrap_or_default()
        })
        .unwrap_or_default();
    let follow_up_href = format!(
        "/objects/{}/follow-up?period={}&unit={}&back={}",
        urlencode(&o.key),
        urlencode(&r.period.to_string()),
        urlencode(unit_key),
        urlencode(back)
    );
    Row {
        key: o.key.clone(),
        title: o.title.clone(),
        depth_class: r.depth.min(MAX_DEPTH_CLASS),
        level: level_name(model, &o.level, lang),
        issuer: o
            .issued_by
            .map(|i| lang.t(&format!("issuer-{}", i.as_str()))),
        from_unit: (!r.owned)
            .then(|| lang.t_args("plan-from", &[("name", r.record.unit_name.clone())])),
        target: r
            .target
            .map(|t| with_unit(lang, fixed(t, dec), unit))
            .unwrap_or_default(),
        outcome,
        assessment: shown(&model.scale, lang, &r.assessment),
        status: r.status.map(|s| (s.as_str(), status_label(lang, s))),
        responsible,
        follow_up_href,
        can_edit: r.can_edit,
        has_comment: r.follow_up.as_ref().is_some_and(|f| f.comment.is_some()),
    }
}

impl PlanQuery {
    fn column_ticked(&self, column: &str) -> bool {
        match column {
            "target" => self.c_target.is_some(),
            "outcome" => self.c_outcome.is_some(),
            "assessment" => self.c_assessment.is_some(),
            "status" => self.c_status.is_some(),
            "responsible" => self.c_responsible.is_some(),
            _ => true,
        }
    }
}

/// Who is responsible for a row, as the table shows it.
fn responsible_of(r: &PlanRow) -> String {
    r.record
        .object
        .activity
        .as_ref()
        .map(|a| r.record.responsible_name.clone().or_else(|| a.responsible_text.clone()).unwrap_or_default())
        .unwrap_or_default()
}

/// The columns a viewer may hide, in table order.
pub const COLUMNS: [&str; 5] = ["target", "outcome", "assessment", "status", "responsible"];

fn matches(r: &PlanRow, q: &PlanQuery) -> bool {
    let o = &r.record.object;
    if let Some(level) = q.level.as_deref().filter(|l| !l.is_empty())
        && o.level != level
    {
        return false;
    }
    if let Some(a) = q.assessment.as_deref().filter(|a| !a.is_empty())
        && (o.kind == ObjectKind::Activity || r.assessment != a)
    {
        return false;
    }
    if let Some(text) = q.q.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
        let text = text.to_lowercase();
        let hay = format!(
            "{} {} {}",
            o.title,
            o.description.as_deref().unwrap_or(""),
            o.key
        )
        .to_lowercase();
        if !hay.contains(&text) {
            return false;
        }
    }
    if let Some(st) = q.status.as_deref().filter(|s| !s.is_empty())
        && r.status.map(|s| s.as_str()) != Some(st)
    {
        return false;
    }
    if let Some(who) = q.responsible.as_deref().filter(|s| !s.is_empty())
        && responsible_of(r) != who
    {
        return false;
    }
    if q.hide_completed.is_some() && r.status == Some(ActivityStatus::Completed) {
        return false;
    }
    true
}

async fn plan_page(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path(key): Path<String>,
    Query(q): Query<PlanQuery>,
) -> Response {
    let lang = ctx.lang;
    let modules = match state.app.modules(&ctx.actor).await {
        Ok(m) => m,
        Err(e) => return error_page_for(e, lang),
    };
    let with_model: Vec<_> = modules.iter().filter(|m| m.model.is_some()).collect();
    let module = q
        .module
        .clone()
        .filter(|m| !m.is_empty())
        .or_else(|| with_model.first().map(|m| m.module.key.clone()))
        .unwrap_or_default();
    let view = match state
        .app
        .plan_view(&ctx.actor, &key, &module, q.period.as_deref())
        .await
    {
        Ok(v) => v,
        Err(e) => return error_page_for(e, lang),
    };
    let name = |sv: &str, en: &str| {
        if lang == Lang::En {
            en.to_owned()
        } else {
            sv.to_owned()
        }
    };
    let module_name = name(&view.module.name_sv, &view.module.name_en);
    let filtered = [&q.level, &q.assessment, &q.q, &q.status, &q.responsible]
        .iter()
        .any(|v| v.as_deref().is_some_and(|v| !v.trim().is_empty()))
        || q.hide_completed.is_some();
    // The plan page itself (without notice) is where the follow-up window returns to.
    let back = {
        let mut pairs = vec![
            ("module", view.module.key.clone()),
            ("period", view.period.to_string()),
        ];
        for (k, v) in [
            ("level", &q.level),
            ("assessment", &q.assessment),
            ("q", &q.q),
            ("status", &q.status),
            ("responsible", &q.responsible),
        ] {
            if let Some(v) = v.as_deref().filter(|v| !v.is_empty()) {
                pairs.push((k, v.to_owned()));
            }
        }
        if q.hide_completed.is_some() {
            pairs.push(("hide_completed", "1".into()));
        }
        if q.cols.is_some() {
            pairs.push(("cols", "1".into()));
            for c in COLUMNS.iter().filter(|c| q.column_ticked(c)) {
                pairs.push((match *c {
                    "target" => "c_target",
                    "outcome" => "c_outcome",
                    "assessment" => "c_assessment",
                    "status" => "c_status",
                    _ => "c_responsible",
                }, "1".into()));
            }
        }
        format!(
            "/units/{}/plan?{}",
            urlencode(&view.unit.key),
            serde_urlencoded::to_string(pairs).unwrap_or_default()
        )
    };
    let rows: Vec<Row> = view
        .rows
        .iter()
        .filter(|r| matches(r, &q))
        .map(|r| row_of(r, &view.model, lang, &view.unit.key, &back))
        .collect();
    let period_name = period_label(lang, view.period);
    // The overview counts what was assessed (activities only when someone assessed them).
    let summary: Vec<(Shown, usize)> = view
        .model
        .scale
        .levels()
        .iter()
        .map(|level| {
            let n = view
                .rows
                .iter()
                .filter(|r| r.owned && r.assessment == level.id && (r.status.is_none() || r.follow_up.as_ref().is_some_and(|f| f.assessment.is_some())))
                .count();
            (shown(&view.model.scale, lang, &level.id), n)
        })
        .filter(|(_, n)| *n > 0)
        .collect();
    let late = view.rows.iter().filter(|r| r.owned && r.status == Some(ActivityStatus::Late)).count();
    let soon_late = view.rows.iter().filter(|r| r.owned && r.status == Some(ActivityStatus::SoonLate)).count();
    let title = lang.t_args("plan-title", &[("name", view.unit.name.clone())]);
    let page = PlanPage {
        layout: Layout::new(&ctx, "org", title).with_notice(q.notice.as_deref()),
        unit_key: view.unit.key.clone(),
        unit_name: view.unit.name.clone(),
        module_key: view.module.key.clone(),
        module_name,
        period: view.period.to_string(),
        period_name,
        modules: with_model
            .iter()
            .map(|m| Choice {
                value: m.module.key.clone(),
                label: name(&m.module.name_sv, &m.module.name_en),
            })
            .collect(),
        periods: view
            .periods
            .iter()
            .map(|p| Choice {
                value: p.to_string(),
                label: period_label(lang, *p),
            })
            .collect(),
        levels: view
            .model
            .levels
            .iter()
            .map(|l| Choice {
                value: l.key.clone(),
                label: name(&l.name_sv, &l.name_en),
            })
            .collect(),
        assessments: view
            .model
            .scale
            .levels()
            .iter()
            .map(|l| Choice { value: l.id.clone(), label: shown(&view.model.scale, lang, &l.id).label })
            .collect(),
        level: q.level.clone().unwrap_or_default(),
        assessment: q.assessment.clone().unwrap_or_default(),
        q: q.q.clone().unwrap_or_default(),
        hide_completed: q.hide_completed.is_some(),
        filtered,
        status: q.status.clone().unwrap_or_default(),
        statuses: ActivityStatus::ALL.iter().map(|s| Choice { value: s.as_str().into(), label: status_label(lang, *s) }).collect(),
        responsible: q.responsible.clone().unwrap_or_default(),
        responsibles: {
            let mut all: Vec<String> = view.rows.iter().map(responsible_of).filter(|r| !r.is_empty()).collect();
            all.sort_by_key(|r| app::users::domain_sort_key(r));
            all.dedup();
            all
        },
        show_target: q.cols.is_none() || q.column_ticked("target"),
        show_outcome: q.cols.is_none() || q.column_ticked("outcome"),
        show_assessment: q.cols.is_none() || q.column_ticked("assessment"),
        show_status: q.cols.is_none() || q.column_ticked("status"),
        show_responsible: q.cols.is_none() || q.column_ticked("responsible"),
        columns: COLUMNS
            .iter()
            .map(|c| {
                let shown = q.cols.is_none() || q.column_ticked(c);
                (*c, lang.t(&format!("plan-column-{c}")), shown)
            })
            .collect(),
        total: view.rows.len(),
        rows,
        can_edit_plan: view.can_edit_plan,
        new_href: format!(
            "/objects/new?unit={}&module={}&period={}",
            urlencode(&view.unit.key),
            urlencode(&view.module.key),
            urlencode(&view.period.to_string())
        ),
        summary,
        late,
        soon_late,
        gantt_href: format!(
            "/units/{}/gantt?module={}&year={}",
            urlencode(&view.unit.key),
            urlencode(&view.module.key),
            view.year
        ),
    };
    render(&page, StatusCode::OK)
}
