//! Documents from report templates: the data a template reads (gathered by
//! `app::App::document_data`) turned into the document model, in the reader's language. The
//! writers (DOCX and XLSX in `fileio`, PDF in `pdf`) print the model; nothing here knows a file
//! format.

mod budget_parts;
mod control_parts;
mod export;
mod follow_up_parts;
mod indicator_charts;
mod plan_parts;
mod text;

use app::reports::DocumentData;
use domain::document::{Block, Document};
use domain::report::Part;

use crate::i18n::Lang;

pub(crate) use budget_parts::{mkr, year_cells, years_of};
pub use export::{ExportError, ExportedFile, Format, export, write};

/// The document a template prints for the data's unit and year: a completed report's frozen
/// document when there is one, else built from the data as it is now; until the report is
/// approved its cover says it is a draft, so a printout of unfinished work is not taken for
/// the report.
pub fn build(data: &DocumentData, lang: Lang) -> Document {
    if let Some(frozen) = data.snapshot.as_ref().and_then(|s| s.get(lang.code())).and_then(|d| serde_json::from_value(d.clone()).ok()) {
        return frozen;
    }
    // Approved: the manager stands behind the texts, which are locked; only completion freezes
    // the live parts too.
    let approved = data.report.as_ref().is_some_and(|r| r.state == domain::report::ReportState::Approved);
    build_live(data, lang, if approved { Stage::Final } else { Stage::Draft })
}

/// The snapshot a completed report keeps: its document in Swedish and in English.
pub fn freeze(data: &DocumentData) -> serde_json::Value {
    serde_json::json!({ "sv": build_live(data, Lang::Sv, Stage::Final), "en": build_live(data, Lang::En, Stage::Final) })
}

/// Whether the document is what was reported (frozen on completion) or work in progress.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Stage {
    Draft,
    Final,
}

fn build_live(data: &DocumentData, lang: Lang, stage: Stage) -> Document {
    let mut blocks = Vec::new();
    for (section, number) in data.template.sections.iter().zip(&data.numbers) {
        let heading = if lang == Lang::En && !section.heading_en.is_empty() { &section.heading_en } else { &section.heading_sv };
        blocks.push(Block::Heading { level: section.level, number: Some(number.clone()), text: heading.clone() });
        if section.text
            && let Some(body) = data.texts.get(&section.key)
        {
            blocks.extend(text::blocks(body));
        }
        for part in &section.parts {
            blocks.extend(part_blocks(data, part, number, lang));
        }
    }
    let title = match &data.report {
        Some(report) => report.title.clone(),
        None => {
            let name = if lang == Lang::En { &data.template.name_en } else { &data.template.name_sv };
            format!("{name} {}", data.period)
        }
    };
    let subtitle = match stage {
        Stage::Final => data.unit.name.clone(),
        Stage::Draft => format!("{} · {}", data.unit.name, lang.t("doc-draft")),
    };
    Document {
        title,
        subtitle: Some(subtitle),
        organisation: data.organisation.clone(),
        language: lang.code().to_owned(),
        contents_heading: Some(lang.t("doc-contents")),
        blocks,
    }
}

fn part_blocks(data: &DocumentData, part: &Part, number: &str, lang: Lang) -> Vec<Block> {
    match part {
        Part::GoalsAndAssignments { module, group_level, levels } => {
            plan_parts::goals_and_assignments(data, module, group_level, levels, number, lang)
        }
        Part::Actions { module, group_level, level } => plan_parts::actions(data, module, group_level, level, number, lang),
        Part::IndicatorTargets { module, group_level, goal_level, level } => {
            plan_parts::indicator_targets(data, module, group_level, goal_level, level, number, lang)
        }
        Part::InternalControl { module, area_level, objective_level, activity_level, risk_level } => {
            control_parts::internal_control(data, module, [area_level, objective_level, activity_level, risk_level], number, lang)
        }
        Part::BudgetFrames
        | Part::BudgetDistribution
        | Part::BudgetFrameChanges
        | Part::BudgetIncomeFinanced
        | Part::BudgetCompensations
        | Part::BudgetResultRegulation
        | Part::BudgetInvestments
        | Part::BudgetDetail => budget_parts::blocks(data, part, number, lang),
        Part::TextFollowUp { module, group_level, levels } => follow_up_parts::text_follow_up(data, module, group_level, levels, number, lang),
        Part::IndicatorFollowUp { module, group_level, level } => {
            follow_up_parts::indicator_follow_up(data, module, group_level, level, number, lang)
        }
        Part::IndicatorCharts { module, group_level, level } => indicator_charts::indicator_charts(data, module, group_level, level, number, lang),
        Part::ActivityFollowUp { module, group_level, level } => {
            follow_up_parts::activity_follow_up(data, module, group_level, level, number, lang)
        }
        Part::BudgetOutcome => follow_up_parts::budget_outcome(data, number, lang),
        Part::DecisionReference => decision_reference(data, lang),
        Part::Signatures => signatures(data),
        Part::UnitTexts { section } => unit_texts(data, section, number, lang),
        Part::UnitValues { module, level } => follow_up_parts::unit_values(data, module, level, number, lang),
    }
}

/// "Denna förvaltningsplan är beslutad av RS 2019-12-17, § 123." and the case number.
fn decision_reference(data: &DocumentData, lang: Lang) -> Vec<Block> {
    let Some(report) = &data.report else { return Vec::new() };
    let d = &report.decision;
    let mut blocks = Vec::new();
    if d.decided_by.is_some() || d.date.is_some() {
        let mut sentence = lang.t_args(
            "doc-decided-by",
            &[
                ("document", document_noun(data, lang)),
                ("body", d.decided_by.clone().unwrap_or_default()),
                ("date", d.date.map(|date| date.to_string()).unwrap_or_default()),
            ],
        );
        sentence = sentence.split_whitespace().collect::<Vec<_>>().join(" ");
        match &d.paragraph {
            Some(paragraph) if !paragraph.is_empty() => blocks.push(Block::Paragraph { text: format!("{sentence}, {paragraph}") }),
            _ => blocks.push(Block::Paragraph { text: format!("{sentence}.") }),
        }
    }
    if let Some(case) = d.case_number.as_deref().filter(|c| !c.is_empty()) {
        blocks.push(Block::Paragraph { text: format!("{}: {case}", lang.t("doc-case-number")) });
    }
    blocks
}

/// The template's name as a noun inside a sentence: "förvaltningsplan", "administration plan".
fn document_noun(data: &DocumentData, lang: Lang) -> String {
    let name = if lang == Lang::En { &data.template.name_en } else { &data.template.name_sv };
    let mut chars = name.chars();
    match chars.next() {
        Some(first) => first.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}

fn signatures(data: &DocumentData) -> Vec<Block> {
    let Some(report) = &data.report else { return Vec::new() };
    let signing = &report.signing;
    if signing.parties.is_empty() {
        return Vec::new();
    }
    let place_and_date = match (&signing.place, signing.date) {
        (Some(place), Some(date)) => format!("{place} {date}"),
        (Some(place), None) => format!("{place} ____________"),
        (None, Some(date)) => date.to_string(),
        (None, None) => "____________".to_owned(),
    };
    let parties = signing
        .parties
        .iter()
        .map(|p| domain::document::Signatory { place_and_date: place_and_date.clone(), party: p.party.clone(), name: p.name.clone() })
        .collect();
    vec![Block::Signatures { parties }]
}

/// What the live parts of section `index` print: the report page shows it beside the text.
pub fn live_blocks(data: &DocumentData, index: usize, lang: Lang) -> Vec<Block> {
    let (Some(section), Some(number)) = (data.template.sections.get(index), data.numbers.get(index)) else { return Vec::new() };
    section.parts.iter().flat_map(|part| part_blocks(data, part, number, lang)).collect()
}

/// The compiled part: under each unit's name, what it wrote in `section`; a unit that has not
/// written it yet is named too, so the reader sees who is missing.
fn unit_texts(data: &DocumentData, section: &str, number: &str, lang: Lang) -> Vec<Block> {
    if data.unit_texts.is_empty() {
        return vec![Block::Paragraph { text: lang.t("doc-no-units-below") }];
    }
    // One level below the section's own heading (at most 3, the deepest the writers know).
    let level = (number.split('.').count() + 1).min(3) as u8;
    let mut blocks = Vec::new();
    for unit in &data.unit_texts {
        blocks.push(Block::Heading { level, number: None, text: unit.unit.name.clone() });
        match unit.texts.get(section).filter(|t| !t.trim().is_empty()) {
            Some(body) => blocks.extend(text::blocks(body)),
            None => blocks.push(Block::Paragraph { text: lang.t("doc-unit-not-written") }),
        }
    }
    blocks
}
