//! Parts read from a module's plan: goals and assignments by issuer (seed 004 §3), actions with
//! timeline and responsible (§4), the unit's own goals with indicators and targets (§7).

use std::collections::HashMap;

use app::reports::{DocumentData, ModuleData};
use domain::ObjectId;
use domain::document::{Block, Cell, Column, Row, Table};
use domain::plan::{IssuedBy, PlanObject};

use crate::i18n::Lang;
use crate::views::plan::{fixed, level_name, with_unit};

/// A module's objects by id, and the group (an ancestor at `group_level`) of each.
pub(super) struct Tree<'a> {
    pub data: &'a ModuleData,
    by_id: HashMap<ObjectId, &'a PlanObject>,
}

impl<'a> Tree<'a> {
    pub fn new(data: &'a ModuleData) -> Self {
        Tree { data, by_id: data.objects.iter().map(|o| (o.id, o)).collect() }
    }

    pub fn at_level(&self, level: &'a str) -> impl Iterator<Item = &'a PlanObject> + 'a {
        self.data.objects.iter().filter(move |o| o.level == level)
    }

    /// The nearest ancestor of `object` at `level` (the object itself if it is at that level).
    pub fn ancestor_at(&self, object: &PlanObject, level: &str) -> Option<ObjectId> {
        let mut current = Some(object);
        let mut steps = 0;
        while let Some(o) = current {
            if o.level == level {
                return Some(o.id);
            }
            // The structure is a tree (checked on write); the bound only guards against a loop.
            steps += 1;
            if steps > 32 {
                return None;
            }
            current = o.parent.and_then(|p| self.by_id.get(&p).copied());
        }
        None
    }

    pub fn children(&self, parent: ObjectId, level: &'a str) -> impl Iterator<Item = &'a PlanObject> + 'a {
        self.data.objects.iter().filter(move |o| o.level == level && o.parent == Some(parent))
    }
}

/// The part's module data, or a paragraph saying the module holds nothing for the unit.
fn module<'a>(data: &'a DocumentData, key: &str) -> Option<&'a ModuleData> {
    data.modules.get(key).filter(|m| !m.objects.is_empty())
}

fn empty_note(lang: Lang) -> Vec<Block> {
    vec![Block::Paragraph { text: lang.t("doc-nothing-planned") }]
}

/// Items of a table cell: one as it is, several as a bulleted list.
fn list_cell(items: &[&str]) -> Cell {
    match items {
        [] => Cell::Empty,
        [one] => Cell::text(*one),
        many => Cell::text(many.iter().map(|item| format!("• {item}")).collect::<Vec<_>>().join("\n")),
    }
}

/// Seed 004 §3: per perspective, a row per level (Mål, Uppdrag) with what regionfullmäktige
/// and what regionstyrelse or a nämnd directed to the unit. The unit's own goals and internal
/// assignments are printed in their own sections.
pub fn goals_and_assignments(data: &DocumentData, module_key: &str, group_level: &str, levels: &[String], number: &str, lang: Lang) -> Vec<Block> {
    let Some(module) = module(data, module_key) else { return empty_note(lang) };
    let tree = Tree::new(module);
    let mut rows = Vec::new();
    // Each perspective, then what hangs under none (printed under "Övrigt").
    let groups: Vec<(Option<ObjectId>, String)> =
        tree.at_level(group_level).map(|g| (Some(g.id), g.title.clone())).chain(std::iter::once((None, lang.t("doc-other-goals")))).collect();
    for (group, title) in groups {
        let mut group_rows = Vec::new();
        for level in levels {
            let in_group: Vec<&PlanObject> =
                tree.at_level(level).filter(|o| tree.ancestor_at(o, group_level) == group && !o.internal_assignment).collect();
            let by = |issuers: &[IssuedBy]| -> Vec<&str> {
                in_group.iter().filter(|o| o.issued_by.is_some_and(|i| issuers.contains(&i))).map(|o| o.title.as_str()).collect()
            };
            let council = by(&[IssuedBy::Council]);
            let board = by(&[IssuedBy::ExecutiveBoard, IssuedBy::Committee]);
            if council.is_empty() && board.is_empty() {
                continue;
            }
            group_rows.push(Row::body(vec![Cell::text(level_name(&module.model, level, lang)), list_cell(&council), list_cell(&board)]));
        }
        if !group_rows.is_empty() {
            rows.push(Row::group(title));
            rows.extend(group_rows);
        }
    }
    if rows.is_empty() {
        return empty_note(lang);
    }
    vec![Block::Table(Table {
        name: format!("{number} {}", lang.t("doc-goals-sheet")),
        caption: None,
        columns: vec![
            Column::new("", 2),
            Column::new(lang.t("doc-col-council"), 5),
            Column::new(lang.t("doc-col-board"), 5),
        ],
        rows,
    })]
}

/// Seed 004 §4: per perspective, each action with its timeline and who is responsible.
pub fn actions(data: &DocumentData, module_key: &str, group_level: &str, level: &str, number: &str, lang: Lang) -> Vec<Block> {
    let Some(module) = module(data, module_key) else { return empty_note(lang) };
    let tree = Tree::new(module);
    let row = |o: &PlanObject| Row::body(vec![Cell::text(o.title.clone()), Cell::text(timeline(o)), Cell::text(responsible(o))]);
    let mut rows = Vec::new();
    for group in tree.at_level(group_level) {
        let actions: Vec<Row> = tree.at_level(level).filter(|o| tree.ancestor_at(o, group_level) == Some(group.id)).map(row).collect();
        if !actions.is_empty() {
            rows.push(Row::group(group.title.clone()));
            rows.extend(actions);
        }
    }
    let ungrouped: Vec<Row> = tree.at_level(level).filter(|o| tree.ancestor_at(o, group_level).is_none()).map(row).collect();
    if !ungrouped.is_empty() {
        rows.push(Row::group(lang.t("doc-other-actions")));
        rows.extend(ungrouped);
    }
    if rows.is_empty() {
        return empty_note(lang);
    }
    vec![Block::Table(Table {
        name: format!("{number} {}", lang.t("doc-actions-sheet")),
        caption: None,
        columns: vec![
            Column::new(level_name(&module.model, level, lang), 7),
            Column::new(lang.t("doc-col-timeline"), 2),
            Column::new(lang.t("doc-col-responsible"), 2),
        ],
        rows,
    })]
}

/// As the plan writes it ("2020 – 2022 Delårsrapport och årsredov."), else from the dates:
/// whole years as "2020 – 2022", otherwise the end date.
pub(super) fn timeline(o: &PlanObject) -> String {
    if let Some(text) = o.extra.as_ref().and_then(|e| e.get("timeline")).and_then(|t| t.as_str()) {
        return text.to_owned();
    }
    let Some(activity) = &o.activity else { return String::new() };
    match (activity.start, activity.end) {
        (Some(start), Some(end)) if start.ordinal() == 1 && end.month() == time::Month::December && end.day() == 31 => {
            if start.year() == end.year() { start.year().to_string() } else { format!("{} – {}", start.year(), end.year()) }
        }
        (_, Some(end)) => end.to_string(),
        (Some(start), None) => format!("{start} –"),
        (None, None) => String::new(),
    }
}

fn responsible(o: &PlanObject) -> String {
    o.activity.as_ref().and_then(|a| a.responsible_text.clone()).unwrap_or_default()
}

/// Seed 004 §7: per perspective, the unit's own goals (issued internally or by no one) with
/// their indicators, the target of the year and the outcome of the year before, and when each
/// is reported. Indicators with neither are listed together as "Löpande uppföljning".
pub fn indicator_targets(
    data: &DocumentData,
    module_key: &str,
    group_level: &str,
    goal_level: &str,
    level: &str,
    number: &str,
    lang: Lang,
) -> Vec<Block> {
    let Some(module) = module(data, module_key) else { return empty_note(lang) };
    let tree = Tree::new(module);
    let year = data.year;
    let own_goal = |o: &&PlanObject| o.unit == data.unit.id && matches!(o.issued_by, None | Some(IssuedBy::Internal));
    let mut blocks = Vec::new();
    for group in tree.at_level(group_level) {
        let mut rows = Vec::new();
        for goal in tree.at_level(goal_level).filter(own_goal).filter(|g| tree.ancestor_at(g, group_level) == Some(group.id)) {
            let indicators: Vec<&PlanObject> = tree.children(goal.id, level).collect();
            let (measured, ongoing): (Vec<&PlanObject>, Vec<&PlanObject>) =
                indicators.into_iter().partition(|i| target_of(i, year).is_some() || module.previous_year.contains_key(&i.id));
            let mut first = true;
            let mut goal_cell = || if std::mem::take(&mut first) { Cell::text(goal.title.clone()) } else { Cell::Empty };
            for indicator in &measured {
                let decimals = indicator.measure.as_ref().map_or(0, |m| m.decimals);
                let unit = indicator.measure.as_ref().and_then(|m| m.unit.as_deref());
                let shown = |v: domain::consolidation::Decimal| with_unit(lang, fixed(v, decimals), unit);
                let target = target_of(indicator, year).map(|v| format!("{year}: {}", shown(v))).unwrap_or_default();
                let now = module
                    .previous_year
                    .get(&indicator.id)
                    .and_then(|f| f.outcome)
                    .map(|v| format!("{}: {}", year - 1, shown(v)))
                    .unwrap_or_default();
                let title = match indicator.description.as_deref().filter(|d| d.chars().count() <= 120 && !d.is_empty()) {
                    Some(note) => format!("{} ({})", indicator.title, note.trim_end_matches('.')),
                    None => indicator.title.clone(),
                };
                rows.push(Row::body(vec![goal_cell(), Cell::text(title), Cell::text(target), Cell::text(now), Cell::text(reported(indicator))]));
            }
            if !ongoing.is_empty() {
                let titles: Vec<&str> = ongoing.iter().map(|i| i.title.as_str()).collect();
                let letters: Vec<String> = ongoing.iter().map(|i| reported(i)).collect::<std::collections::BTreeSet<_>>().into_iter().collect();
                let label = if first { format!("{}\n{}", goal.title, lang.t("doc-ongoing-follow-up")) } else { lang.t("doc-ongoing-follow-up") };
                first = false;
                rows.push(Row::body(vec![Cell::text(label), list_cell(&titles), Cell::Empty, Cell::Empty, Cell::text(letters.join("; "))]));
            }
            let _ = first;
        }
        if rows.is_empty() {
            continue;
        }
        blocks.push(Block::Table(Table {
            name: format!("{number} {}", group.title),
            caption: Some(lang.t_args("doc-goal-area", &[("name", group.title.clone())])),
            columns: vec![
                Column::new(level_name(&module.model, goal_level, lang), 3),
                Column::new(level_name(&module.model, level, lang), 4),
                Column::new(lang.t("doc-col-target"), 2),
                Column::new(lang.t("doc-col-current"), 2),
                Column::new(lang.t("doc-col-reported"), 2),
            ],
            rows,
        }));
    }
    if blocks.is_empty() {
        return empty_note(lang);
    }
    blocks
}

fn target_of(indicator: &PlanObject, year: i32) -> Option<domain::consolidation::Decimal> {
    let measure = indicator.measure.as_ref()?;
    measure.targets.iter().find(|t| t.period.year() == year && t.period.periodicity() == domain::period::Periodicity::Year).map(|t| t.value)
}

/// "M, D, Å": the periods the indicator is reported in, as plan documents abbreviate them.
fn reported(indicator: &PlanObject) -> String {
    indicator
        .measure
        .as_ref()
        .map(|m| {
            let mut periods = m.reported.clone();
            periods.sort_by_key(|p| p.length_in_months());
            periods.iter().filter_map(|p| p.stratsys_letter()).collect::<Vec<_>>().join(", ")
        })
        .unwrap_or_default()
}
