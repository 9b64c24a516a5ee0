//! Seed 004 §6: the internal control plan, held in the planning engine's internal-control
//! module (control area → control objective → control activity, with the area's risk).

use app::reports::DocumentData;
use domain::document::{Block, Cell, Column, Row, Table};

use super::plan_parts::Tree;
use crate::i18n::Lang;
use crate::views::plan::level_name;

/// One row per control objective: its area (on the area's first row), the objective, its
/// control activities and the area's risk assessment.
pub fn internal_control(data: &DocumentData, module_key: &str, levels: [&String; 4], number: &str, lang: Lang) -> Vec<Block> {
    let [area_level, objective_level, activity_level, risk_level] = levels;
    let Some(module) = data.modules.get(module_key).filter(|m| !m.objects.is_empty()) else {
        return vec![Block::Paragraph { text: lang.t("doc-nothing-planned") }];
    };
    let tree = Tree::new(module);
    let joined = |titles: Vec<&str>| if titles.is_empty() { Cell::Empty } else { Cell::text(titles.join("\n")) };
    let mut rows = Vec::new();
    for area in tree.at_level(area_level) {
        let risk = joined(tree.children(area.id, risk_level).map(|r| r.title.as_str()).collect());
        let objectives: Vec<_> = tree.children(area.id, objective_level).collect();
        if objectives.is_empty() {
            rows.push(Row::body(vec![Cell::text(area.title.clone()), Cell::Empty, Cell::Empty, risk]));
            continue;
        }
        for (i, objective) in objectives.iter().enumerate() {
            let activities = joined(tree.children(objective.id, activity_level).map(|a| a.title.as_str()).collect());
            let (area_cell, risk_cell) = if i == 0 { (Cell::text(area.title.clone()), risk.clone()) } else { (Cell::Empty, Cell::Empty) };
            rows.push(Row::body(vec![area_cell, Cell::text(objective.title.clone()), activities, risk_cell]));
        }
    }
    if rows.is_empty() {
        return vec![Block::Paragraph { text: lang.t("doc-nothing-planned") }];
    }
    vec![Block::Table(Table {
        name: format!("{number} {}", lang.t("doc-control-sheet")),
        caption: None,
        columns: vec![
            Column::new(level_name(&module.model, area_level, lang), 2),
            Column::new(level_name(&module.model, objective_level, lang), 3),
            Column::new(level_name(&module.model, activity_level, lang), 3),
            Column::new(lang.t("doc-col-risk-assessment"), 2),
        ],
        rows,
    })]
}
