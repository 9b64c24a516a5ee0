//! Report templates and reports: what a document holds (sections with headings, instructions,
//! written text and live parts pulled from the data) and the text a unit wrote into it.
//!
//! A template is data: a module owner arranges its sections; the defaults (`forvaltningsplan`)
//! ship with the system. Section numbers ("5.1.1") follow from the sections' levels, so moving a
//! section renumbers the document.

use serde::{Deserialize, Serialize};

use crate::validate::{ValidationCode, ValidationError};

/// Key of the default template that prints seed 004's förvaltningsplan.
pub const FORVALTNINGSPLAN: &str = "forvaltningsplan";

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ReportTemplate {
    /// Stable name used by the CLI and the API ("forvaltningsplan").
    pub key: String,
    pub name_sv: String,
    pub name_en: String,
    pub kind: TemplateKind,
    pub sections: Vec<TemplateSection>,
}

/// What a template is for; decides the report's period.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TemplateKind {
    /// A plan document for a year (förvaltningsplan, verksamhetsplan).
    Plan,
    /// Delårsrapport (April, August).
    Interim,
    /// Årsredovisning / verksamhetsberättelse.
    Annual,
    /// Monthly comments to the group office.
    Monthly,
}

impl TemplateKind {
    pub fn as_str(self) -> &'static str {
        match self {
            TemplateKind::Plan => "plan",
            TemplateKind::Interim => "interim",
            TemplateKind::Annual => "annual",
            TemplateKind::Monthly => "monthly",
        }
    }

    pub fn parse(text: &str) -> Option<TemplateKind> {
        Some(match text {
            "plan" => TemplateKind::Plan,
            "interim" => TemplateKind::Interim,
            "annual" => TemplateKind::Annual,
            "monthly" => TemplateKind::Monthly,
            _ => return None,
        })
    }
}

/// One section of a template: a heading, what the reporter is told, whether they write text,
/// and the live parts printed after the text.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TemplateSection {
    /// Stable within the template: the written text is stored under it.
    pub key: String,
    /// 1–3: chapter, section, subsection.
    pub level: u8,
    pub heading_sv: String,
    pub heading_en: String,
    /// Instructions (anvisningar) shown to reporters and never printed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instruction_sv: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instruction_en: Option<String>,
    /// Whether the unit writes text in this section.
    #[serde(default)]
    pub text: bool,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub parts: Vec<Part>,
    /// Units may add sections of their own under this one, in their own report.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub units_may_add: bool,
}

/// A section a unit added to its own report, under a template section that allows it. The unit
/// writes text in it; it is numbered and printed as the template's sections are.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OwnSection {
    /// Unique within the report and its template ("egen-patientsakerhet").
    pub key: String,
    /// The template section it goes under, after that section's own subsections.
    pub under: String,
    pub heading_sv: String,
    #[serde(default)]
    pub heading_en: String,
}

/// Most sections a unit adds to one report.
pub const MAX_OWN_SECTIONS: usize = 20;

/// A live part: printed from the data when the document is made.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Part {
    /// Goals and assignments by perspective, one column per issuer (regionfullmäktige,
    /// regionstyrelse or nämnd): seed 004 §3.
    GoalsAndAssignments { module: String, group_level: String, levels: Vec<String> },
    /// Actions with timeline and responsible, by perspective: seed 004 §4.
    Actions { module: String, group_level: String, level: String },
    /// The unit's own goals with their indicators, target and current value, by perspective:
    /// seed 004 §7.
    IndicatorTargets { module: String, group_level: String, goal_level: String, level: String },
    /// Control areas with objective, control activity and risk assessment: seed 004 §6.
    InternalControl { module: String, area_level: String, objective_level: String, activity_level: String, risk_level: String },
    /// Follow-up of text objects (goals, assignments) for the report's period, by perspective:
    /// the assessment and the comment.
    TextFollowUp { module: String, group_level: String, levels: Vec<String> },
    /// Indicators for the report's period, by perspective: target, outcome, assessment, the
    /// change since the period before, comment.
    IndicatorFollowUp { module: String, group_level: String, level: String },
    /// The same indicators as charts: each one's outcome per period of its periodicity from
    /// January to the end of the report's period, with its target; one figure per indicator
    /// with at least two values, in the table's order.
    IndicatorCharts { module: String, group_level: String, level: String },
    /// Activities by perspective: timeline, responsible, status, comment.
    ActivityFollowUp { module: String, group_level: String, level: String },
    /// Budget, actual and forecast per category, year to date at the end of the report's period.
    BudgetOutcome,
    /// The budget chapter's parts (§5).
    BudgetFrames,
    BudgetDistribution,
    BudgetFrameChanges,
    BudgetIncomeFinanced,
    BudgetCompensations,
    BudgetResultRegulation,
    BudgetInvestments,
    BudgetDetail,
    /// Who decided the document, when, paragraph and case number (§8).
    DecisionReference,
    /// Signature lines of the parties (§9).
    Signatures,
    /// The compiled report of an administration: what each unit directly under the report's
    /// unit wrote in `section` of its own report from the same template and period.
    UnitTexts { section: String },
    /// The compiled report's values: for each indicator at `level` that the report's unit has
    /// distributed to the units below, each unit's outcome, assessment and comment for the
    /// period, and the rolled-up value.
    UnitValues { module: String, level: String },
}

impl Part {
    /// The module the part reads, if it reads one.
    pub fn module(&self) -> Option<&str> {
        match self {
            Part::GoalsAndAssignments { module, .. }
            | Part::Actions { module, .. }
            | Part::IndicatorTargets { module, .. }
            | Part::InternalControl { module, .. }
            | Part::TextFollowUp { module, .. }
            | Part::IndicatorFollowUp { module, .. }
            | Part::IndicatorCharts { module, .. }
            | Part::ActivityFollowUp { module, .. }
            | Part::UnitValues { module, .. } => Some(module),
            _ => None,
        }
    }

    /// Every level key the part reads, for checking the template against the module's model.
    pub fn levels(&self) -> Vec<&str> {
        match self {
            Part::GoalsAndAssignments { group_level, levels, .. } | Part::TextFollowUp { group_level, levels, .. } => {
                std::iter::once(group_level.as_str()).chain(levels.iter().map(String::as_str)).collect()
            }
            Part::Actions { group_level, level, .. }
            | Part::IndicatorFollowUp { group_level, level, .. }
            | Part::IndicatorCharts { group_level, level, .. }
            | Part::ActivityFollowUp { group_level, level, .. } => vec![group_level, level],
            Part::IndicatorTargets { group_level, goal_level, level, .. } => vec![group_level, goal_level, level],
            Part::UnitValues { level, .. } => vec![level],
            Part::InternalControl { area_level, objective_level, activity_level, risk_level, .. } => {
                vec![area_level, objective_level, activity_level, risk_level]
            }
            _ => Vec::new(),
        }
    }
}

impl Part {
    /// Whether the part prints follow-up of the report's period (read from the plan view).
    pub fn is_follow_up(&self) -> bool {
        matches!(
            self,
            Part::TextFollowUp { .. } | Part::IndicatorFollowUp { .. } | Part::IndicatorCharts { .. } | Part::ActivityFollowUp { .. } | Part::UnitValues { .. }
        )
    }
}

impl TemplateKind {
    /// Whether `period` suits a report of this kind in `year`: plans and annual reports are for
    /// the year; interim reports for a tertial or half-year; monthly reports for a month.
    pub fn takes_period(self, period: crate::period::PeriodKey, year: i32) -> bool {
        use crate::period::Periodicity::*;
        period.year() == year
            && match self {
                TemplateKind::Plan | TemplateKind::Annual => period.periodicity() == Year,
                TemplateKind::Interim => matches!(period.periodicity(), Tertial | HalfYear | Quarter),
                TemplateKind::Monthly => period.periodicity() == Month,
            }
    }
}

impl ReportTemplate {
    /// Checks what needs no database: keys, levels, headings. Problems name the section.
    pub fn validate(&self) -> Result<(), ValidationError> {
        check_key("key", &self.key)?;
        check_line("name_sv", &self.name_sv, true)?;
        check_line("name_en", &self.name_en, false)?;
        if self.sections.len() > MAX_SECTIONS {
            return Err(ValidationError::new("sections", ValidationCode::TooLong));
        }
        let mut seen = std::collections::HashSet::new();
        let mut previous_level = 0u8;
        for (index, section) in self.sections.iter().enumerate() {
            let field = |name: &str| format!("sections[{index}].{name}");
            check_key(&field("key"), &section.key)?;
            if !seen.insert(section.key.as_str()) {
                return Err(ValidationError::new(field("key"), ValidationCode::Duplicate));
            }
            if !(1..=3).contains(&section.level) || section.level > previous_level + 1 {
                return Err(ValidationError::new(field("level"), ValidationCode::OutOfRange));
            }
            check_line(&field("heading_sv"), &section.heading_sv, true)?;
            check_line(&field("heading_en"), &section.heading_en, false)?;
            for (name, instruction) in [("instruction_sv", &section.instruction_sv), ("instruction_en", &section.instruction_en)] {
                let text = instruction.as_deref().unwrap_or_default();
                if text.chars().count() > MAX_INSTRUCTION {
                    return Err(ValidationError::new(field(name), ValidationCode::TooLong));
                }
                if text.chars().any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t')) {
                    return Err(ValidationError::new(field(name), ValidationCode::InvalidCharacters));
                }
            }
            if section.parts.len() > MAX_PARTS {
                return Err(ValidationError::new(field("parts"), ValidationCode::TooLong));
            }
            previous_level = section.level;
        }
        // A compiled part names a section its units write in.
        for (index, section) in self.sections.iter().enumerate() {
            for part in &section.parts {
                if let Part::UnitTexts { section: source } = part
                    && !self.sections.iter().any(|s| &s.key == source && s.text)
                {
                    return Err(ValidationError::new(format!("sections[{index}].parts"), ValidationCode::InvalidChoice));
                }
            }
        }
        Ok(())
    }

    pub fn section_index(&self, key: &str) -> Option<usize> {
        self.sections.iter().position(|s| s.key == key)
    }

    /// The template as one report reads it: with the unit's own sections, each as the last
    /// subsection of the section it goes under (at most level 3). An own section whose section
    /// is gone from the template ends the document, so its text stays in sight.
    pub fn with_own_sections(&self, own: &[OwnSection]) -> ReportTemplate {
        let mut merged = self.clone();
        for section in own {
            let (at, level) = match merged.section_index(&section.under) {
                Some(index) => (merged.block_end_of(index), (merged.sections[index].level + 1).min(3)),
                None => (merged.sections.len(), 1),
            };
            merged.sections.insert(
                at,
                TemplateSection {
                    key: section.key.clone(),
                    level,
                    heading_sv: section.heading_sv.clone(),
                    heading_en: section.heading_en.clone(),
                    instruction_sv: None,
                    instruction_en: None,
                    text: true,
                    parts: Vec::new(),
                    units_may_add: false,
                },
            );
        }
        merged
    }

    /// One past the last subsection of the section at `index`.
    pub fn block_end_of(&self, index: usize) -> usize {
        let level = self.sections[index].level;
        self.sections.iter().skip(index + 1).position(|s| s.level <= level).map_or(self.sections.len(), |n| index + 1 + n)
    }

    /// Instructions that are only whitespace become none, after `validate` has judged them as
    /// given.
    pub fn drop_blank_instructions(&mut self) {
        for section in &mut self.sections {
            for instruction in [&mut section.instruction_sv, &mut section.instruction_en] {
                if instruction.as_deref().is_some_and(|t| t.trim().is_empty()) {
                    *instruction = None;
                }
            }
        }
    }

    /// The section numbers, in order: "1", "2", "5", "5.1", "5.1.1" …
    pub fn numbers(&self) -> Vec<String> {
        section_numbers(self.sections.iter().map(|s| s.level))
    }

    /// The sections the unit writes text in that are not marked ready, numbered ("7 Intern
    /// referens"): what stands between the report and its approval.
    pub fn sections_not_ready(&self, texts: &[SectionText]) -> Vec<String> {
        self.sections
            .iter()
            .zip(self.numbers())
            .filter(|(s, _)| s.text && !texts.iter().any(|t| t.section_key == s.key && t.ready))
            .map(|(s, number)| format!("{number} {}", s.heading_sv))
            .collect()
    }

    /// How many sections the unit writes text in.
    pub fn text_sections(&self) -> usize {
        self.sections.iter().filter(|s| s.text).count()
    }
}

/// Longest template name or section heading.
pub const MAX_NAME: usize = 200;
/// Longest instruction to reporters.
pub const MAX_INSTRUCTION: usize = 2_000;
/// Most sections in a template, and live parts in a section.
pub const MAX_SECTIONS: usize = 200;
pub const MAX_PARTS: usize = 20;
/// Longest template or section key.
pub const MAX_KEY: usize = 60;

/// A template's or section's key: ASCII letters, digits, `-` and `_`, at most [`MAX_KEY`].
fn check_key(field: &str, key: &str) -> Result<(), ValidationError> {
    if key.is_empty() {
        return Err(ValidationError::new(field, ValidationCode::Required));
    }
    if key.len() > MAX_KEY {
        return Err(ValidationError::new(field, ValidationCode::TooLong));
    }
    if !key.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') {
        return Err(ValidationError::new(field, ValidationCode::InvalidCharacters));
    }
    Ok(())
}

/// A name or heading as given: at most [`MAX_NAME`] characters as sent (the API's limit), no
/// control characters, and not blank if `required`.
pub fn check_line(field: &str, text: &str, required: bool) -> Result<(), ValidationError> {
    if required && text.trim().is_empty() {
        return Err(ValidationError::new(field, ValidationCode::Required));
    }
    if text.chars().count() > MAX_NAME {
        return Err(ValidationError::new(field, ValidationCode::TooLong));
    }
    if text.chars().any(char::is_control) {
        return Err(ValidationError::new(field, ValidationCode::InvalidCharacters));
    }
    Ok(())
}

/// Numbers sections by level: each level-n section counts up within its level-(n−1) parent.
pub fn section_numbers(levels: impl IntoIterator<Item = u8>) -> Vec<String> {
    let mut counters = [0u32; 3];
    levels
        .into_iter()
        .map(|level| {
            let depth = usize::from(level.clamp(1, 3)) - 1;
            counters[depth] += 1;
            for deeper in counters.iter_mut().skip(depth + 1) {
                *deeper = 0;
            }
            counters[..=depth].iter().map(|n| n.max(&1).to_string()).collect::<Vec<_>>().join(".")
        })
        .collect()
}

/// Who decided a plan document: printed in "Intern referens".
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DecisionReference {
    /// "RS" (regionstyrelsen), "Regionfullmäktige" …
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decided_by: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none", with = "crate::validate::opt_date_text")]
    pub date: Option<time::Date>,
    /// "§ 123".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub paragraph: Option<String>,
    /// Diarienummer: "RV 2019/1234".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub case_number: Option<String>,
}

/// Where and by whom a plan document is signed.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Signing {
    /// "Västerås".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub place: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none", with = "crate::validate::opt_date_text")]
    pub date: Option<time::Date>,
    #[serde(default)]
    pub parties: Vec<SigningParty>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SigningParty {
    /// "Region Västmanland", "Regionkontoret".
    pub party: String,
    /// Who signs; empty until known.
    #[serde(default)]
    pub name: String,
}

/// One unit's report made from a template for a period.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Report {
    pub id: crate::ReportId,
    pub template: crate::TemplateId,
    pub unit: crate::OrgUnitId,
    pub year: i32,
    /// "2020" for a plan or annual report, "2020-T1" or "2020-08" for a follow-up.
    pub period: String,
    /// "Förvaltningsplan 2020".
    pub title: String,
    pub state: ReportState,
    pub decision: DecisionReference,
    pub signing: Signing,
    /// When the unit's texts are due (set when the report is activated).
    pub deadline: Option<time::Date>,
    /// Why the manager sent the report back, until it is approved.
    pub returned_comment: Option<String>,
    /// Who may read it before it is completed.
    pub readability: Readability,
    /// Sections the unit added, in the order added.
    pub own_sections: Vec<OwnSection>,
    pub version: i64,
}

/// Who may read a report before it is completed (Stratsys' "läsbarhetsnivå"). A completed
/// report is read by everyone who may read its unit.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Readability {
    /// Everyone who may read the unit, as it is being written.
    #[default]
    Unit,
    /// Only those who take part: who may write, edit or approve it.
    Writers,
}

impl Readability {
    pub const ALL: [Readability; 2] = [Readability::Unit, Readability::Writers];

    pub fn as_str(self) -> &'static str {
        match self {
            Readability::Unit => "unit",
            Readability::Writers => "writers",
        }
    }

    pub fn parse(text: &str) -> Option<Readability> {
        Self::ALL.into_iter().find(|r| r.as_str() == text)
    }
}

/// Where a report is in its life: prepared, written (sections marked ready), approved by the
/// unit's manager, completed (frozen) and archived.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReportState {
    /// Being prepared; reporters have not been asked yet.
    Draft,
    /// Reporters write and mark sections ready.
    Active,
    /// The manager approved it; texts are locked until it is sent back or completed.
    Approved,
    /// Frozen: the stored snapshot is what was reported.
    Completed,
    Archived,
}

impl ReportState {
    pub fn as_str(self) -> &'static str {
        match self {
            ReportState::Draft => "draft",
            ReportState::Active => "active",
            ReportState::Approved => "approved",
            ReportState::Completed => "completed",
            ReportState::Archived => "archived",
        }
    }

    pub fn parse(text: &str) -> Option<ReportState> {
        Some(match text {
            "draft" => ReportState::Draft,
            "active" => ReportState::Active,
            "approved" => ReportState::Approved,
            "completed" => ReportState::Completed,
            "archived" => ReportState::Archived,
            _ => return None,
        })
    }

    /// Texts may be written and details changed: before approval.
    pub fn is_open(self) -> bool {
        matches!(self, ReportState::Draft | ReportState::Active)
    }

    /// The report is frozen: exports print its snapshot.
    pub fn is_frozen(self) -> bool {
        matches!(self, ReportState::Completed | ReportState::Archived)
    }
}

/// A step in a report's life.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReportStep {
    /// Draft → active: reporters are asked to write.
    Activate,
    /// Active → approved, by the unit's manager, once every section is ready.
    Approve,
    /// Active or approved → active, with a comment saying what to change.
    SendBack,
    /// Approved → completed: the document is frozen as it reads now.
    Complete,
    /// Completed → archived.
    Archive,
    /// Completed or archived → active again, by an administrator.
    Reopen,
}

impl ReportStep {
    pub const ALL: [ReportStep; 6] =
        [ReportStep::Activate, ReportStep::Approve, ReportStep::SendBack, ReportStep::Complete, ReportStep::Archive, ReportStep::Reopen];

    pub fn as_str(self) -> &'static str {
        match self {
            ReportStep::Activate => "activate",
            ReportStep::Approve => "approve",
            ReportStep::SendBack => "send_back",
            ReportStep::Complete => "complete",
            ReportStep::Archive => "archive",
            ReportStep::Reopen => "reopen",
        }
    }

    pub fn parse(text: &str) -> Option<ReportStep> {
        Self::ALL.into_iter().find(|s| s.as_str() == text)
    }

    /// The state the step leads to from `from`, or None if the step does not apply there.
    pub fn from(self, from: ReportState) -> Option<ReportState> {
        use ReportState::*;
        match (self, from) {
            (ReportStep::Activate, Draft) => Some(Active),
            (ReportStep::Approve, Active) => Some(Approved),
            (ReportStep::SendBack, Active | Approved) => Some(Active),
            (ReportStep::Complete, Approved) => Some(Completed),
            (ReportStep::Archive, Completed) => Some(Archived),
            (ReportStep::Reopen, Completed | Archived) => Some(Active),
            _ => None,
        }
    }
}

/// The text a unit wrote in one section.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SectionText {
    pub section_key: String,
    pub body: String,
    /// The reporter marked the section ready for approval.
    pub ready: bool,
    pub updated_by: Option<crate::UserId>,
    pub updated_at_ms: i64,
    pub version: i64,
}

/// Longest text of one section: some fifteen pages, more than any chapter needs, and small
/// enough that the longest text still fits the API's 256 KB body when JSON escapes every
/// character in six bytes (`\u00d5`).
pub const MAX_SECTION_TEXT: usize = 40_000;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sections_are_numbered_by_level() {
        assert_eq!(section_numbers([1, 1, 2, 3, 3, 2, 1, 2]), ["1", "2", "2.1", "2.1.1", "2.1.2", "2.2", "3", "3.1"]);
    }

    #[test]
    fn the_forvaltningsplan_numbers_as_seed_004() {
        let template = crate::report_defaults::forvaltningsplan();
        template.validate().unwrap();
        let numbered: Vec<String> = template
            .numbers()
            .into_iter()
            .zip(&template.sections)
            .map(|(number, section)| format!("{number} {}", section.heading_sv))
            .collect();
        for expected in [
            "1 Förvaltningens grunduppdrag",
            "2 Planering och uppföljning i förvaltningen",
            "3 Mål och uppdrag",
            "4 Plan för genomförande",
            "5 Ekonomiska förutsättningar",
            "5.1 Ersättningar",
            "5.1.1 Fördelningen av ersättningen inom förvaltningen",
            "5.1.2 Ramförändring jämfört med föregående års ram",
            "5.2 Intäktsfinansierade verksamheter",
            "5.6 Budget",
            "6 Intern kontroll",
            "7 Förvaltningsspecifika mål med indikatorer och målvärde",
            "8 Intern referens",
            "9 Underskrifter",
        ] {
            assert!(numbered.iter().any(|line| line == expected), "{expected} missing from {numbered:#?}");
        }
    }

    #[test]
    fn a_template_with_a_skipped_level_or_a_repeated_key_is_refused_naming_the_section() {
        let mut template = crate::report_defaults::forvaltningsplan();
        template.sections[1].level = 3;
        assert_eq!(template.validate().unwrap_err().field, "sections[1].level");
        let mut template = crate::report_defaults::forvaltningsplan();
        template.sections[2].key = template.sections[0].key.clone();
        assert_eq!(template.validate().unwrap_err().field, "sections[2].key");
    }

    #[test]
    fn a_report_moves_through_its_life_one_step_at_a_time() {
        use ReportState::*;
        let walk = [
            (ReportStep::Activate, Draft, Active),
            (ReportStep::Approve, Active, Approved),
            (ReportStep::SendBack, Approved, Active),
            (ReportStep::Complete, Approved, Completed),
            (ReportStep::Archive, Completed, Archived),
            (ReportStep::Reopen, Archived, Active),
            (ReportStep::Reopen, Completed, Active),
        ];
        for (step, from, to) in walk {
            assert_eq!(step.from(from), Some(to), "{step:?} from {from:?}");
        }
        assert_eq!(ReportStep::Complete.from(Active), None, "not completed before approval");
        assert_eq!(ReportStep::Approve.from(Draft), None, "not approved before anyone was asked");
        assert_eq!(ReportStep::Activate.from(Completed), None);
        assert!(!Approved.is_open() && Active.is_open() && Completed.is_frozen() && !Approved.is_frozen());
        for step in ReportStep::ALL {
            assert_eq!(ReportStep::parse(step.as_str()), Some(step));
        }
    }

    #[test]
    fn own_sections_are_numbered_last_under_their_section() {
        let template = crate::report_defaults::delarsrapport();
        let own = |key: &str, under: &str| OwnSection { key: key.into(), under: under.into(), heading_sv: key.into(), heading_en: String::new() };
        let merged = template.with_own_sections(&[own("egen-vard", "maluppfyllelse"), own("egen-lakemedel", "maluppfyllelse"), own("egen-gammal", "borttagen")]);
        let numbered: Vec<String> =
            merged.numbers().into_iter().zip(&merged.sections).map(|(n, s)| format!("{n} {}", s.heading_sv)).collect();
        let at = |line: &str| numbered.iter().position(|l| l == line).unwrap_or_else(|| panic!("{line} missing from {numbered:#?}"));
        assert_eq!(at("2.5 egen-vard") + 1, at("2.6 egen-lakemedel"), "after the template's 2.1–2.4, in the order added");
        assert_eq!(at("3 Ekonomi"), at("2.6 egen-lakemedel") + 1);
        assert_eq!(numbered.last().unwrap(), "7 egen-gammal", "a section whose place is gone ends the document");
        assert!(merged.sections.iter().filter(|s| s.key.starts_with("egen-")).all(|s| s.text));
        merged.validate().unwrap();
        assert_eq!(template.with_own_sections(&[]), template);
    }

    #[test]
    fn templates_round_trip_through_json() {
        let template = crate::report_defaults::forvaltningsplan();
        let json = serde_json::to_string(&template).unwrap();
        assert_eq!(serde_json::from_str::<ReportTemplate>(&json).unwrap(), template);
    }
}
