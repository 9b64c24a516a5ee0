//! Follow-up of the report's period, as the plan page shows it: goals and assignments with
//! their assessment and comment, indicators with target, outcome, assessment and trend,
//! activities with their status; and budget, actual and forecast for the year to date.

use std::collections::HashMap;

use app::plan_view::{FollowUpView, PlanRow, PlanView};
use app::reports::DocumentData;
use domain::ObjectId;
use domain::consolidation::Decimal;
use domain::document::{Block, Cell, Column, Row, Table};
use domain::document_chart::{Bar, Chart, Layout, Mark};
use domain::money::Unit;

use crate::i18n::Lang;
use crate::views::plan::{fixed, level_name, status_label, with_unit};

/// An indicator's value as a number in its unit with at least the indicator's decimals, as the
/// plan page shows it: right-aligned in print, a number in the workbook.
pub(super) fn quantity(value: Option<Decimal>, decimals: u8, unit: Option<&str>) -> Cell {
    let Some(value) = value.map(|v| fixed(v, decimals)) else { return Cell::Empty };
    Cell::Quantity { value: value.to_f64(), decimals: u32::from(value.scale()), unit: unit.unwrap_or_default().to_owned() }
}

/// The rows of a module's plan by object, and the group (an ancestor at a level) of each.
pub(super) struct Rows<'a> {
    view: &'a PlanView,
    by_id: HashMap<ObjectId, &'a PlanRow>,
}

impl<'a> Rows<'a> {
    pub(super) fn new(view: &'a PlanView) -> Self {
        Rows { view, by_id: view.rows.iter().map(|r| (r.record.object.id, r)).collect() }
    }

    fn group_of(&self, row: &PlanRow, level: &str) -> Option<ObjectId> {
        let mut current = Some(row);
        for _ in 0..32 {
            let r = current?;
            if r.record.object.level == level {
                return Some(r.record.object.id);
            }
            current = r.record.object.parent.and_then(|p| self.by_id.get(&p).copied());
        }
        None
    }

    /// Per group at `group_level` (then "Övrigt"), the rows at `levels` under it.
    pub(super) fn grouped(&self, group_level: &str, levels: &[&str], lang: Lang) -> Vec<(String, Vec<&'a PlanRow>)> {
        let groups = self
            .view
            .rows
            .iter()
            .filter(|r| r.record.object.level == group_level)
            .map(|r| (Some(r.record.object.id), r.record.object.title.clone()))
            .chain(std::iter::once((None, lang.t("doc-other-goals"))));
        groups
            .map(|(group, title)| {
                let rows = self
                    .view
                    .rows
                    .iter()
                    .filter(|r| levels.contains(&r.record.object.level.as_str()) && self.group_of(r, group_level) == group)
                    .collect();
                (title, rows)
            })
            .filter(|(_, rows): &(String, Vec<&PlanRow>)| !rows.is_empty())
            .collect()
    }

    fn assessment(&self, row: &PlanRow, lang: Lang) -> String {
        self.view
            .model
            .scale
            .level(&row.assessment)
            .map(|l| if lang == Lang::En { l.label_en.clone() } else { l.label_sv.clone() })
            .unwrap_or_default()
    }
}

fn comment(row: &PlanRow) -> Cell {
    row.follow_up.as_ref().and_then(|f| f.comment.clone()).map_or(Cell::Empty, Cell::Text)
}

fn nothing(lang: Lang) -> Vec<Block> {
    vec![Block::Paragraph { text: lang.t("doc-nothing-followed-up") }]
}

/// The groups as one table under their headings, or a line saying nothing is followed up.
fn table(name: String, columns: Vec<Column>, groups: Vec<(String, Vec<Row>)>, lang: Lang) -> Vec<Block> {
    if groups.is_empty() {
        return nothing(lang);
    }
    let mut rows = Vec::new();
    for (title, group_rows) in groups {
        rows.push(Row::group(title));
        rows.extend(group_rows);
    }
    vec![Block::Table(Table { name, caption: None, columns, rows })]
}

/// Goals and assignments: assessment and comment for the period.
pub fn text_follow_up(data: &DocumentData, module: &str, group_level: &str, levels: &[String], number: &str, lang: Lang) -> Vec<Block> {
    let Some(view) = data.follow_up.get(module) else { return nothing(lang) };
    let rows = Rows::new(view);
    let levels: Vec<&str> = levels.iter().map(String::as_str).collect();
    let groups: Vec<(String, Vec<Row>)> = rows
        .grouped(group_level, &levels, lang)
        .into_iter()
        .map(|(title, group)| {
            let body = group
                .into_iter()
                .map(|r| {
                    let what = format!("{}: {}", level_name(&view.model, &r.record.object.level, lang), r.record.object.title);
                    Row::body(vec![Cell::text(what), Cell::text(rows.assessment(r, lang)), comment(r)])
                })
                .collect();
            (title, body)
        })
        .collect();
    let columns = vec![Column::new(lang.t("doc-col-objective"), 5), Column::new(lang.t("doc-col-assessment"), 2), Column::new(lang.t("doc-col-comment"), 5)];
    table(format!("{number} {}", lang.t("doc-goals-sheet")), columns, groups, lang)
}

/// Indicators: target and outcome for the period, assessment, and the change since the period
/// before (better or worse, as the indicator's direction says).
pub fn indicator_follow_up(data: &DocumentData, module: &str, group_level: &str, level: &str, number: &str, lang: Lang) -> Vec<Block> {
    let Some(view) = data.follow_up.get(module) else { return nothing(lang) };
    let before: HashMap<ObjectId, Option<Decimal>> = data
        .follow_up_before
        .get(module)
        .map(|v| v.rows.iter().map(|r| (r.record.object.id, r.value)).collect())
        .unwrap_or_default();
    let rows = Rows::new(view);
    let groups: Vec<(String, Vec<Row>)> = rows
        .grouped(group_level, &[level], lang)
        .into_iter()
        .map(|(title, group)| {
            let body = group
                .into_iter()
                .map(|r| {
                    let measure = r.record.object.measure.as_ref();
                    let decimals = measure.map_or(0, |m| m.decimals);
                    let unit = measure.and_then(|m| m.unit.as_deref());
                    let higher_is_better = measure.is_none_or(|m| m.higher_is_better);
                    let trend = trend(r.value, before.get(&r.record.object.id).copied().flatten(), higher_is_better, lang);
                    Row::body(vec![
                        Cell::text(r.record.object.title.clone()),
                        quantity(r.target, decimals, unit),
                        quantity(r.value, decimals, unit),
                        Cell::text(rows.assessment(r, lang)),
                        Cell::text(trend),
                        comment(r),
                    ])
                })
                .collect();
            (title, body)
        })
        .collect();
    let columns = vec![
        // The names get the room: a trend is a word ("↑ bättre").
        Column::new(level_name(&view.model, level, lang), 5),
        Column::new(lang.t("doc-col-target"), 2),
        Column::new(lang.t("doc-col-outcome"), 2),
        Column::new(lang.t("doc-col-assessment"), 2),
        Column::new(lang.t("doc-col-trend"), 2),
        Column::new(lang.t("doc-col-comment"), 4),
    ];
    table(format!("{number} {}", lang.t("doc-indicators-sheet")), columns, groups, lang)
}

/// "↑ bättre", "↓ sämre", "→ oförändrat", or nothing without two values. Arrows show the
/// direction of the value; the word says whether that is good, so colour is not needed.
fn trend(now: Option<Decimal>, before: Option<Decimal>, higher_is_better: bool, lang: Lang) -> String {
    let (Some(now), Some(before)) = (now, before) else { return String::new() };
    let (now, before) = (now.to_f64(), before.to_f64());
    if (now - before).abs() < f64::EPSILON {
        return format!("→ {}", lang.t("doc-trend-same"));
    }
    let up = now > before;
    let word = if up == higher_is_better { lang.t("doc-trend-better") } else { lang.t("doc-trend-worse") };
    format!("{} {word}", if up { "↑" } else { "↓" })
}

/// Activities: timeline, responsible, status and comment.
pub fn activity_follow_up(data: &DocumentData, module: &str, group_level: &str, level: &str, number: &str, lang: Lang) -> Vec<Block> {
    let Some(view) = data.follow_up.get(module) else { return nothing(lang) };
    let rows = Rows::new(view);
    let groups: Vec<(String, Vec<Row>)> = rows
        .grouped(group_level, &[level], lang)
        .into_iter()
        .map(|(title, group)| {
            let body = group
                .into_iter()
                .map(|r| {
                    let o = &r.record.object;
                    let responsible = o
                        .activity
                        .as_ref()
                        .and_then(|a| a.responsible_text.clone())
                        .or_else(|| r.record.responsible_name.clone())
                        .unwrap_or_default();
                    let status = r.status.map(|s| status_label(lang, s)).unwrap_or_default();
                    Row::body(vec![Cell::text(o.title.clone()), Cell::text(super::plan_parts::timeline(o)), Cell::text(responsible), Cell::text(status), comment(r)])
                })
                .collect();
            (title, body)
        })
        .collect();
    let columns = vec![
        Column::new(level_name(&view.model, level, lang), 5),
        Column::new(lang.t("doc-col-timeline"), 2),
        Column::new(lang.t("doc-col-responsible"), 2),
        Column::new(lang.t("doc-col-status"), 2),
        Column::new(lang.t("doc-col-comment"), 4),
    ];
    table(format!("{number} {}", lang.t("doc-actions-sheet")), columns, groups, lang)
}

/// Budget, actual and forecast per top category with income, costs and result, in mkr.
pub fn budget_outcome(data: &DocumentData, number: &str, lang: Lang) -> Vec<Block> {
    let Some(view) = &data.outcome else { return Vec::new() };
    if view.chapter.is_none() {
        return vec![Block::Paragraph { text: lang.t_args("doc-no-budget", &[("year", data.year.to_string())]) }];
    }
    let mkr = |m| Cell::money(m, Unit::Mkr, 1);
    let figures = |f: &domain::budget::Figures| vec![mkr(f.budget_year), mkr(f.budget_ytd), mkr(f.actual_ytd), mkr(f.variance_ytd), mkr(f.forecast_year), mkr(f.variance_year)];
    let name = |code: &str| {
        view.categories.get(code).map(|c| if lang == Lang::En { c.name_en.clone() } else { c.name_sv.clone() }).unwrap_or_else(|| code.to_owned())
    };
    // Top categories (income, costs) head their categories; deeper accounts are summed in them.
    let mut rows: Vec<Row> = view
        .comparison
        .rows
        .iter()
        .filter(|r| r.depth <= 1)
        .map(|r| {
            if r.depth == 0 {
                return Row::group(name(&r.code));
            }
            let mut cells = vec![Cell::text(name(&r.code))];
            cells.extend(figures(&r.figures));
            Row::body(cells)
        })
        .collect();
    for (label, f) in [(lang.t("outcome-income"), &view.comparison.income), (lang.t("outcome-costs"), &view.comparison.costs), (lang.t("outcome-result"), &view.comparison.result)] {
        let mut cells = vec![Cell::text(label)];
        cells.extend(figures(f));
        rows.push(Row::total(cells));
    }
    let month = view.month.to_string();
    vec![
        Block::Paragraph { text: lang.t_args("doc-outcome-intro", &[("value", month)]) },
        Block::Table(Table {
            name: format!("{number} {}", lang.t("doc-outcome-sheet")),
            caption: None,
            columns: vec![
                Column::new(lang.t("budget-col-category"), 4),
                Column::new(lang.t("doc-col-budget-year"), 2),
                Column::new(lang.t("doc-col-budget-ytd"), 2),
                Column::new(lang.t("doc-col-actual-ytd"), 2),
                Column::new(lang.t("doc-col-variance-ytd"), 2),
                Column::new(lang.t("doc-col-forecast"), 2),
                Column::new(lang.t("doc-col-variance-year"), 2),
            ],
            rows,
        }),
    ]
}

/// The compiled report's values: for each indicator the unit distributed to the units below, a
/// table of each unit's outcome, assessment and comment for the period, and the rolled-up value
/// with how many have reported.
pub fn unit_values(data: &DocumentData, module: &str, level: &str, number: &str, lang: Lang) -> Vec<Block> {
    let windows = data.unit_values.get(&format!("{module}/{level}")).map(Vec::as_slice).unwrap_or_default();
    if windows.is_empty() {
        return vec![Block::Paragraph { text: lang.t("doc-no-unit-values") }];
    }
    let label = |scale: &domain::evaluation::Scale, id: &str| {
        scale.level(id).map(|l| if lang == Lang::En { l.label_en.clone() } else { l.label_sv.clone() }).unwrap_or_default()
    };
    windows
        .iter()
        .map(|w| {
            let object = &w.record.object;
            let measure = object.measure.as_ref();
            let decimals = measure.map_or(0, |m| m.decimals);
            let unit = measure.and_then(|m| m.unit.as_deref());
            let shown = |v: Option<Decimal>| v.map(|v| with_unit(lang, fixed(v, decimals), unit)).unwrap_or_default();
            let caption = match w.target {
                Some(target) => lang.t_args("doc-unit-values-caption", &[("indicator", object.title.clone()), ("target", shown(Some(target)))]),
                None => object.title.clone(),
            };
            let mut rows: Vec<Row> = w
                .sub_units
                .iter()
                .map(|s| {
                    let comment = s.follow_up.as_ref().and_then(|f| f.comment.clone()).map_or(Cell::Empty, Cell::Text);
                    Row::body(vec![Cell::text(s.unit.name.clone()), quantity(s.value, decimals, unit), Cell::text(label(&w.scale, &s.assessment)), comment])
                })
                .collect();
            let (present, expected) = w.consolidated.map_or((0, 0), |c| (c.present, c.expected));
            let total = lang.t_args(
                "doc-unit-values-total",
                &[("unit", data.unit.name.clone()), ("present", present.to_string()), ("expected", expected.to_string())],
            );
            rows.push(Row::total(vec![Cell::text(total), quantity(w.value, decimals, unit), Cell::text(label(&w.scale, &w.assessment)), Cell::Empty]));
            let chart = unit_chart(w, &object.title, &data.period.to_string(), &shown, lang);
            let table = Block::Table(Table {
                name: format!("{number} {}", object.title),
                caption: Some(caption),
                columns: vec![
                    Column::new(lang.t("doc-col-unit"), 4),
                    Column::new(lang.t("doc-col-outcome"), 2),
                    Column::new(lang.t("doc-col-assessment"), 2),
                    Column::new(lang.t("doc-col-comment"), 5),
                ],
                rows,
            });
            [Some(table), chart]
        })
        .flatten()
        .flatten()
        .collect()
}

/// Most units a chart shows: beyond this a bar chart is a wall of bars (and a large picture), and
/// the table says it better.
const MAX_CHART_BARS: usize = 40;

/// The units' values as bars with the target as a line; its alternative text says every value.
/// None when no unit has a value yet (an empty chart says nothing the table does not), or when
/// there are more units than a chart can show.
fn unit_chart(w: &FollowUpView, title: &str, period: &str, shown: &dyn Fn(Option<Decimal>) -> String, lang: Lang) -> Option<Block> {
    if w.sub_units.iter().all(|s| s.value.is_none()) || w.sub_units.len() > MAX_CHART_BARS {
        return None;
    }
    let bars: Vec<Bar> = w
        .sub_units
        .iter()
        .map(|s| Bar {
            label: s.unit.name.clone(),
            value: s.value.map(Decimal::to_f64),
            shown: s.value.map_or_else(|| "–".to_owned(), |v| shown(Some(v))),
            target: None,
        })
        .collect();
    let values: Vec<String> = w
        .sub_units
        .iter()
        .map(|s| match s.value {
            Some(v) => format!("{} {}", s.unit.name, shown(Some(v))),
            None => lang.t_args("doc-chart-no-value", &[("unit", s.unit.name.clone())]),
        })
        .collect();
    let target = w.target.map(|t| Mark { value: t.to_f64(), label: lang.t_args("doc-chart-target", &[("target", shown(Some(t)))]) });
    let mut alt = lang.t_args("doc-chart-alt", &[("indicator", title.to_owned()), ("period", period.to_owned()), ("values", values.join("; "))]);
    if let Some(t) = w.target {
        alt.push(' ');
        alt.push_str(&lang.t_args("doc-chart-target-sentence", &[("target", shown(Some(t)))]));
    }
    Some(Block::Chart(Chart {
        caption: lang.t_args("doc-chart-caption", &[("indicator", title.to_owned()), ("period", period.to_owned())]),
        alt,
        layout: Layout::Across,
        bars,
        target,
        // The table beside it has the numbers.
        numbers: None,
    }))
}
