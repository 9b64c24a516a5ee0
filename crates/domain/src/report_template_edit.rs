//! Changing a report template the way the template form does: add, move and remove sections
//! (a section always goes with its subsections), and add live parts whose levels are chosen
//! from the module's model. Each step changes the template in place; `ReportTemplate::validate`
//! and [`check_parts`] then decide whether it may be saved.

use crate::governance::{GovernanceModel, ObjectKind};
use crate::report::{Part, ReportTemplate, TemplateSection};
use crate::validate::{ValidationCode, ValidationError};

/// Live parts that read a module's plan, in the order the form offers them.
pub const MODULE_PARTS: [&str; 9] = [
    "goals_and_assignments",
    "actions",
    "indicator_targets",
    "internal_control",
    "text_follow_up",
    "indicator_follow_up",
    "indicator_charts",
    "activity_follow_up",
    "unit_values",
];

/// Live parts that read the budget or the report's own details.
pub const OTHER_PARTS: [&str; 11] = [
    "budget_outcome",
    "budget_frames",
    "budget_distribution",
    "budget_frame_changes",
    "budget_income_financed",
    "budget_compensations",
    "budget_result_regulation",
    "budget_investments",
    "budget_detail",
    "decision_reference",
    "signatures",
];

/// The compiled report's part: what the units below wrote in a section.
pub const UNIT_TEXTS: &str = "unit_texts";

impl Part {
    /// The part's type as the template's JSON names it ("indicator_follow_up").
    pub fn type_name(&self) -> &'static str {
        match self {
            Part::GoalsAndAssignments { .. } => "goals_and_assignments",
            Part::Actions { .. } => "actions",
            Part::IndicatorTargets { .. } => "indicator_targets",
            Part::InternalControl { .. } => "internal_control",
            Part::TextFollowUp { .. } => "text_follow_up",
            Part::IndicatorFollowUp { .. } => "indicator_follow_up",
            Part::IndicatorCharts { .. } => "indicator_charts",
            Part::ActivityFollowUp { .. } => "activity_follow_up",
            Part::BudgetOutcome => "budget_outcome",
            Part::BudgetFrames => "budget_frames",
            Part::BudgetDistribution => "budget_distribution",
            Part::BudgetFrameChanges => "budget_frame_changes",
            Part::BudgetIncomeFinanced => "budget_income_financed",
            Part::BudgetCompensations => "budget_compensations",
            Part::BudgetResultRegulation => "budget_result_regulation",
            Part::BudgetInvestments => "budget_investments",
            Part::BudgetDetail => "budget_detail",
            Part::DecisionReference => "decision_reference",
            Part::Signatures => "signatures",
            Part::UnitTexts { .. } => UNIT_TEXTS,
            Part::UnitValues { .. } => "unit_values",
        }
    }

    /// A part that reads no module, by type name; `section` is the section a `unit_texts` part
    /// compiles. `field` names the form field in the error.
    pub fn without_module(type_name: &str, section: Option<&str>, field: &str) -> Result<Part, ValidationError> {
        let json = match (type_name, section) {
            (UNIT_TEXTS, Some(section)) => serde_json::json!({ "type": UNIT_TEXTS, "section": section }),
            (name, _) if OTHER_PARTS.contains(&name) => serde_json::json!({ "type": name }),
            _ => return Err(ValidationError::new(field, ValidationCode::InvalidChoice)),
        };
        serde_json::from_value(json).map_err(|_| ValidationError::new(field, ValidationCode::InvalidChoice))
    }

    /// A part of type `type_name` reading `model`'s module, its levels chosen by kind: the
    /// grouping is the model's first level (the perspective), texts are its other text levels,
    /// indicators its first measure level, activities its first activity level. Internal
    /// control reads the first level as control areas, the next text level as objectives, the
    /// activity level as control activities and the measure level as risks.
    /// A model without the levels the part needs is refused, naming `field`.
    pub fn from_model(type_name: &str, model: &GovernanceModel, field: &str) -> Result<Part, ValidationError> {
        let missing = || ValidationError::new(field, ValidationCode::NotForKind);
        let module = model.module.clone();
        let levels = &model.levels;
        let group_level = levels.first().ok_or_else(missing)?.key.clone();
        let first_of = |kind: ObjectKind| levels.iter().find(|l| l.kind == kind).ok_or_else(missing);
        let texts: Vec<String> = levels.iter().skip(1).filter(|l| l.kind == ObjectKind::Text).map(|l| l.key.clone()).collect();
        Ok(match type_name {
            "goals_and_assignments" | "text_follow_up" => {
                if texts.is_empty() {
                    return Err(missing());
                }
                if type_name == "text_follow_up" {
                    Part::TextFollowUp { module, group_level, levels: texts }
                } else {
                    Part::GoalsAndAssignments { module, group_level, levels: texts }
                }
            }
            "actions" => Part::Actions { module, group_level, level: first_of(ObjectKind::Activity)?.key.clone() },
            "activity_follow_up" => Part::ActivityFollowUp { module, group_level, level: first_of(ObjectKind::Activity)?.key.clone() },
            "indicator_follow_up" => Part::IndicatorFollowUp { module, group_level, level: first_of(ObjectKind::Measure)?.key.clone() },
            "indicator_charts" => Part::IndicatorCharts { module, group_level, level: first_of(ObjectKind::Measure)?.key.clone() },
            "unit_values" => Part::UnitValues { module, level: first_of(ObjectKind::Measure)?.key.clone() },
            "indicator_targets" => {
                let measure = first_of(ObjectKind::Measure)?;
                let goal_level = measure.parents.first().cloned().or_else(|| texts.first().cloned()).ok_or_else(missing)?;
                Part::IndicatorTargets { module, group_level, goal_level, level: measure.key.clone() }
            }
            "internal_control" => Part::InternalControl {
                module,
                area_level: group_level,
                objective_level: texts.first().cloned().ok_or_else(missing)?,
                activity_level: first_of(ObjectKind::Activity)?.key.clone(),
                risk_level: first_of(ObjectKind::Measure)?.key.clone(),
            },
            _ => return Err(ValidationError::new(field, ValidationCode::InvalidChoice)),
        })
    }
}

/// Where a part points at what does not exist: the section's index and the reference
/// ("ik" for a module, "ik/risk" for a level).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BrokenPart {
    pub section: usize,
    pub part: usize,
    pub reference: String,
}

/// Checks every part that reads a module against the models: the module must have a model and
/// the model every level the part names.
pub fn check_parts(template: &ReportTemplate, models: &[GovernanceModel]) -> Result<(), BrokenPart> {
    for (section_index, section) in template.sections.iter().enumerate() {
        for (part_index, part) in section.parts.iter().enumerate() {
            let Some(module) = part.module() else { continue };
            let broken = |reference: String| BrokenPart { section: section_index, part: part_index, reference };
            let model = models.iter().find(|m| m.module == module).ok_or_else(|| broken(module.to_owned()))?;
            if let Some(level) = part.levels().into_iter().find(|l| !model.levels.iter().any(|m| m.key == *l)) {
                return Err(broken(format!("{module}/{level}")));
            }
        }
    }
    Ok(())
}

impl ReportTemplate {

    /// Moves the section, with its subsections, past its previous (`up`) or next sibling. Returns
    /// false where there is no such sibling: the first or last section of its chapter.
    pub fn move_section(&mut self, key: &str, up: bool) -> bool {
        let Some((start, split, end)) = self.sibling_swap(key, up) else { return false };
        self.sections[start..end].rotate_left(split - start);
        true
    }

    /// Whether the section can move past its previous (`up`) or next sibling.
    pub fn can_move_section(&self, key: &str, up: bool) -> bool {
        self.sibling_swap(key, up).is_some()
    }

    /// The two adjacent blocks a move swaps, as `start..split` and `split..end`.
    fn sibling_swap(&self, key: &str, up: bool) -> Option<(usize, usize, usize)> {
        let index = self.section_index(key)?;
        let level = self.sections[index].level;
        let end = self.block_end_of(index);
        if up {
            let previous = self.sections[..index].iter().rposition(|s| s.level <= level)?;
            (self.sections[previous].level == level).then_some((previous, index, end))
        } else {
            (end < self.sections.len() && self.sections[end].level == level).then(|| (index, end, self.block_end_of(end)))
        }
    }

    /// Removes the section and its subsections; returns the keys removed (empty if not found).
    pub fn remove_section(&mut self, key: &str) -> Vec<String> {
        let Some(index) = self.section_index(key) else { return Vec::new() };
        let end = self.block_end_of(index);
        self.sections.drain(index..end).map(|s| s.key).collect()
    }

    /// Inserts a new section after the section `after` (first, if None): as its first subsection
    /// if the new one is deeper, otherwise after its subsections.
    pub fn insert_section(&mut self, after: Option<&str>, section: TemplateSection) {
        let at = match after.and_then(|key| self.section_index(key)) {
            None => 0,
            Some(index) if section.level > self.sections[index].level => index + 1,
            Some(index) => self.block_end_of(index),
        };
        self.sections.insert(at, section);
    }

    /// A key for a new section from its heading, unique in the template ("ekonomi-2").
    pub fn new_section_key(&self, heading: &str) -> String {
        let mut base = String::new();
        for c in heading.trim().to_lowercase().chars() {
            let c = match c {
                'å' | 'ä' | 'à' | 'á' => 'a',
                'ö' | 'ó' | 'ò' => 'o',
                'é' | 'è' | 'ë' => 'e',
                'ü' => 'u',
                c if c.is_ascii_alphanumeric() => c,
                _ => '-',
            };
            if c != '-' || !(base.is_empty() || base.ends_with('-')) {
                base.push(c);
            }
        }
        let mut base: String = base.trim_end_matches('-').chars().take(40).collect();
        if base.is_empty() {
            base = "avsnitt".into();
        }
        let base = base.trim_end_matches('-').to_owned();
        let taken = |key: &str| self.sections.iter().any(|s| s.key == key);
        if !taken(&base) {
            return base;
        }
        (2..).map(|n| format!("{base}-{n}")).find(|key| !taken(key)).unwrap_or(base)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report_defaults::forvaltningsplan;

    fn keys(template: &ReportTemplate) -> Vec<&str> {
        template.sections.iter().map(|s| s.key.as_str()).collect()
    }

    fn position(template: &ReportTemplate, key: &str) -> usize {
        template.section_index(key).unwrap_or_else(|| panic!("{key} missing"))
    }

    #[test]
    fn a_chapter_moves_with_its_subsections_and_the_document_renumbers() {
        let mut template = forvaltningsplan();
        let before = template.sections.len();
        let economy = position(&template, "ekonomi");
        let economy_end = template.block_end_of(economy);
        let chapter: Vec<String> = template.sections[economy..economy_end].iter().map(|s| s.key.clone()).collect();
        assert!(chapter.len() > 3, "the economy chapter has subsections");

        assert!(template.move_section("ekonomi", true));
        template.validate().unwrap();
        assert_eq!(template.sections.len(), before);
        let moved = position(&template, "ekonomi");
        let now: Vec<&str> = template.sections[moved..moved + chapter.len()].iter().map(|s| s.key.as_str()).collect();
        assert_eq!(now, chapter.iter().map(String::as_str).collect::<Vec<_>>(), "subsections follow their chapter");
        assert_eq!(template.numbers()[moved], "4", "chapter 5 is now chapter 4");
        assert_eq!(template.numbers()[position(&template, "plan-for-genomforande")], "5");

        assert!(template.move_section("ekonomi", false), "and back down");
        assert_eq!(keys(&template), keys(&forvaltningsplan()));
    }

    #[test]
    fn a_section_does_not_move_out_of_its_chapter() {
        let mut template = forvaltningsplan();
        let economy = position(&template, "ekonomi");
        let first_sub = template.sections[economy + 1].key.clone();
        assert!(!template.can_move_section(&first_sub, true) && template.can_move_section(&first_sub, false));
        assert!(!template.move_section(&first_sub, true), "the first subsection stays under its chapter");
        assert!(!template.move_section(&template.sections[0].key.clone(), true));
        let last = template.sections.last().unwrap().key.clone();
        assert!(!template.move_section(&last, false));
        assert_eq!(keys(&template), keys(&forvaltningsplan()));
    }

    #[test]
    fn removing_a_chapter_removes_its_subsections() {
        let mut template = forvaltningsplan();
        let economy = position(&template, "ekonomi");
        let size = template.block_end_of(economy) - economy;
        let removed = template.remove_section("ekonomi");
        assert_eq!(removed.len(), size);
        assert_eq!(template.sections.len(), forvaltningsplan().sections.len() - size);
        template.validate().unwrap();
        assert!(template.remove_section("no-such-section").is_empty());
    }

    #[test]
    fn a_new_section_lands_after_the_chosen_one_or_as_its_first_subsection() {
        let mut template = forvaltningsplan();
        let new = |level: u8, key: &str| TemplateSection {
            key: key.into(),
            level,
            heading_sv: key.into(),
            heading_en: String::new(),
            instruction_sv: None,
            instruction_en: None,
            text: true,
            parts: Vec::new(),
            units_may_add: false,
        };
        template.insert_section(Some("ekonomi"), new(1, "miljo"));
        template.insert_section(Some("ekonomi"), new(2, "forsta-under"));
        template.insert_section(None, new(1, "inledning"));
        template.validate().unwrap();
        assert_eq!(template.sections[0].key, "inledning");
        let economy = position(&template, "ekonomi");
        assert_eq!(template.sections[economy + 1].key, "forsta-under");
        assert_eq!(position(&template, "miljo"), template.block_end_of(economy), "after the chapter's subsections");
        assert_eq!(template.numbers()[position(&template, "miljo")], "7");
    }

    #[test]
    fn new_keys_come_from_the_heading_and_are_unique() {
        let template = forvaltningsplan();
        assert_eq!(template.new_section_key("Miljö och hållbarhet!"), "miljo-och-hallbarhet");
        assert_eq!(template.new_section_key("Intern kontroll"), "intern-kontroll-2");
        assert_eq!(template.new_section_key("  ??  "), "avsnitt");
    }

    fn model(levels: &[(&str, ObjectKind, &[&str])]) -> GovernanceModel {
        use crate::governance::Level;
        GovernanceModel {
            id: crate::ModelId::new(),
            module: "vp".into(),
            name_sv: "Verksamhetsplan".into(),
            name_en: "Business plan".into(),
            levels: levels
                .iter()
                .map(|(key, kind, parents)| Level {
                    key: (*key).into(),
                    name_sv: (*key).into(),
                    name_en: (*key).into(),
                    kind: *kind,
                    periodicity: crate::period::Periodicity::Year,
                    parents: parents.iter().map(|p| (*p).into()).collect(),
                })
                .collect(),
            scale: crate::evaluation::Scale::default(),
            deadlines: Default::default(),
            version: 1,
        }
    }

    #[test]
    fn parts_take_their_levels_from_the_model_by_kind() {
        let vp = model(&[
            ("perspektiv", ObjectKind::Text, &[]),
            ("mal", ObjectKind::Text, &["perspektiv"]),
            ("uppdrag", ObjectKind::Text, &["perspektiv"]),
            ("indikator", ObjectKind::Measure, &["mal"]),
            ("aktivitet", ObjectKind::Activity, &["mal"]),
        ]);
        let part = Part::from_model("indicator_targets", &vp, "part").unwrap();
        assert_eq!(
            part,
            Part::IndicatorTargets { module: "vp".into(), group_level: "perspektiv".into(), goal_level: "mal".into(), level: "indikator".into() }
        );
        assert_eq!(
            Part::from_model("text_follow_up", &vp, "part").unwrap(),
            Part::TextFollowUp { module: "vp".into(), group_level: "perspektiv".into(), levels: vec!["mal".into(), "uppdrag".into()] }
        );
        assert_eq!(Part::from_model("actions", &vp, "part").unwrap().levels(), ["perspektiv", "aktivitet"]);
        let mut ik = model(&[
            ("control-area", ObjectKind::Text, &[]),
            ("risk", ObjectKind::Measure, &["control-area"]),
            ("control-objective", ObjectKind::Text, &["control-area"]),
            ("control-activity", ObjectKind::Activity, &["control-objective"]),
        ]);
        ik.module = "ik".into();
        assert_eq!(
            Part::from_model("internal_control", &ik, "part").unwrap(),
            crate::report_defaults::forvaltningsplan().sections.iter().flat_map(|s| s.parts.clone()).find(|p| p.type_name() == "internal_control").unwrap(),
            "as the förvaltningsplan reads the demo's internal control"
        );
        for name in MODULE_PARTS {
            let part = Part::from_model(name, &vp, "part").unwrap();
            assert_eq!(part.type_name(), name);
        }

        let texts_only = model(&[("perspektiv", ObjectKind::Text, &[]), ("mal", ObjectKind::Text, &["perspektiv"])]);
        let err = Part::from_model("indicator_follow_up", &texts_only, "new_part").unwrap_err();
        assert_eq!((err.field.as_str(), err.code), ("new_part", ValidationCode::NotForKind), "no indicators in that module");
        assert_eq!(Part::from_model("budget_detail", &vp, "part").unwrap_err().code, ValidationCode::InvalidChoice);
    }

    #[test]
    fn parts_without_a_module_are_made_by_name() {
        for name in OTHER_PARTS {
            assert_eq!(Part::without_module(name, None, "part").unwrap().type_name(), name);
        }
        assert_eq!(Part::without_module(UNIT_TEXTS, Some("sammanfattning"), "part").unwrap(), Part::UnitTexts { section: "sammanfattning".into() });
        assert!(Part::without_module(UNIT_TEXTS, None, "part").is_err());
        assert!(Part::without_module("indicator_follow_up", None, "part").is_err());
    }

    #[test]
    fn a_part_naming_a_missing_module_or_level_is_found() {
        let template = forvaltningsplan();
        let mut vgpu = model(&[("perspective", ObjectKind::Text, &[])]);
        vgpu.module = "vgpu".into();
        let broken = check_parts(&template, &[vgpu]).unwrap_err();
        assert!(broken.reference.starts_with("vgpu/"), "{broken:?}");
        assert_eq!(check_parts(&template, &[]).unwrap_err().reference, "vgpu");
    }
}
