//! The templates that ship with Styrbord. They name the demo's module and level keys (`vgpu`,
//! `ik`); an organisation with other keys edits the template's parts.

use crate::report::{Part, ReportTemplate, TemplateKind, TemplateSection};

/// Every default template, installed when missing.
pub fn all() -> Vec<ReportTemplate> {
    vec![forvaltningsplan(), delarsrapport(), arsredovisning()]
}

/// Key of the default interim report (delårsrapport, April and August).
pub const DELARSRAPPORT: &str = "delarsrapport";
/// Key of the default annual report (årsredovisning / verksamhetsberättelse).
pub const ARSREDOVISNING: &str = "arsredovisning";

/// The follow-up chapters both follow-up reports share: goals and assignments, indicators,
/// actions, and the economy, each with what the plan and the budget hold for the period.
fn follow_up_sections() -> Vec<TemplateSection> {
    let vgpu = "vgpu".to_string();
    vec![
        section(1, "maluppfyllelse", "Måluppfyllelse", "Goal attainment")
            .open_to_units()
            .write("Sammanfatta måluppfyllelsen under perioden.", "Summarise goal attainment during the period."),
        section(2, "mal-och-uppdrag", "Mål och uppdrag", "Goals and assignments")
            .write("Kommentera bedömningarna. Bedömning och kommentar per mål hämtas från uppföljningen.", "Comment on the assessments. Each goal's assessment and comment come from the follow-up.")
            .part(Part::TextFollowUp { module: vgpu.clone(), group_level: "perspective".into(), levels: vec!["goal".into(), "assignment".into()] }),
        section(2, "indikatorer", "Indikatorer", "Indicators")
            .write("Kommentera utfallen och trenden.", "Comment on the outcomes and the trend.")
            .part(Part::IndicatorFollowUp { module: vgpu.clone(), group_level: "perspective".into(), level: "indicator".into() })
            .part(Part::IndicatorCharts { module: vgpu.clone(), group_level: "perspective".into(), level: "indicator".into() }),
        section(2, "enheternas-varden", "Enheternas värden", "The units' values")
            .part(Part::UnitValues { module: vgpu.clone(), level: "indicator".into() }),
        section(2, "atgarder", "Åtgärder", "Actions")
            .write("Kommentera åtgärder som är försenade.", "Comment on actions that are late.")
            .part(Part::ActivityFollowUp { module: vgpu, group_level: "perspective".into(), level: "activity".into() }),
        section(1, "ekonomi", "Ekonomi", "Finances")
            .write("Kommentera avvikelser mot budget och helårsprognosen.", "Comment on variances against budget and the full-year forecast.")
            .part(Part::BudgetOutcome),
        section(1, "medarbetare", "Medarbetare", "Staff")
            .open_to_units()
            .write("Sjukfrånvaro, kompetensförsörjning och arbetsmiljö.", "Sick leave, staffing and the work environment."),
        section(1, "intern-kontroll", "Intern kontroll", "Internal control")
            .write("Resultatet av periodens kontroller och vidtagna åtgärder.", "The result of the period's controls and the actions taken."),
    ]
}

/// The compiled part of a follow-up report: the summaries of the units directly below, from
/// their own reports of the period (an administration's report gathers its units').
fn units_summaries() -> TemplateSection {
    section(2, "enheternas-sammanfattningar", "Enheternas sammanfattningar", "The units' summaries").part(Part::UnitTexts { section: "sammanfattning".into() })
}

/// Delårsrapport: a tertial or half-year followed up against the plan and the budget.
pub fn delarsrapport() -> ReportTemplate {
    let mut sections = vec![section(1, "sammanfattning", "Sammanfattning", "Summary")
        .write("Det viktigaste från perioden, i några meningar.", "The most important things of the period, in a few sentences.")];
    sections.push(units_summaries());
    sections.extend(follow_up_sections());
    sections.push(
        section(1, "framat", "Framåt", "Looking ahead")
            .write("Risker och åtgärder inför resten av året.", "Risks and actions for the rest of the year."),
    );
    ReportTemplate { key: DELARSRAPPORT.into(), name_sv: "Delårsrapport".into(), name_en: "Interim report".into(), kind: TemplateKind::Interim, sections }
}

/// Årsredovisning (verksamhetsberättelse): the year followed up against the plan and the budget.
pub fn arsredovisning() -> ReportTemplate {
    let mut sections = vec![
        section(1, "sammanfattning", "Sammanfattning", "Summary")
            .write("Året i korthet.", "The year in brief."),
        section(1, "arets-handelser", "Årets viktigaste händelser", "The year's main events")
            .open_to_units()
            .write("Händelser av väsentlig betydelse under året.", "Events of significance during the year."),
    ];
    sections.insert(1, units_summaries());
    sections.extend(follow_up_sections());
    sections.push(
        section(1, "framtid", "Förväntad utveckling", "Expected development")
            .write("Förväntad utveckling och kommande utmaningar.", "Expected development and coming challenges."),
    );
    ReportTemplate { key: ARSREDOVISNING.into(), name_sv: "Årsredovisning".into(), name_en: "Annual report".into(), kind: TemplateKind::Annual, sections }
}

/// Seed 004's förvaltningsplan: nine chapters, the economy chapter with its six sections.
pub fn forvaltningsplan() -> ReportTemplate {
    let vgpu = "vgpu".to_string();
    ReportTemplate {
        key: crate::report::FORVALTNINGSPLAN.into(),
        name_sv: "Förvaltningsplan".into(),
        name_en: "Administration plan".into(),
        kind: TemplateKind::Plan,
        sections: vec![
            section(1, "grunduppdrag", "Förvaltningens grunduppdrag", "The administration's basic mission")
                .write("Beskriv förvaltningens grunduppdrag: vilka verksamheter som ingår och vilket stöd de ger.", "Describe the administration's basic mission: which activities it holds and whom they support."),
            section(1, "planering", "Planering och uppföljning i förvaltningen", "Planning and follow-up in the administration")
                .open_to_units()
                .write("Beskriv hur planen utgår från regionplanen och hur den följs upp.", "Describe how the plan follows from the regional plan and how it is followed up."),
            section(1, "mal-och-uppdrag", "Mål och uppdrag", "Goals and assignments")
                .write("Inled tabellen. Målen och uppdragen hämtas från planen.", "Introduce the table. Goals and assignments come from the plan.")
                .part(Part::GoalsAndAssignments { module: vgpu.clone(), group_level: "perspective".into(), levels: vec!["goal".into(), "assignment".into()] }),
            section(1, "plan-for-genomforande", "Plan för genomförande", "Implementation plan")
                .write("Inled tabellen. Åtgärderna hämtas från planen med tidplan och ansvarig.", "Introduce the table. Actions come from the plan with timeline and responsible.")
                .part(Part::Actions { module: vgpu.clone(), group_level: "perspective".into(), level: "activity".into() }),
            section(1, "ekonomi", "Ekonomiska förutsättningar", "Financial conditions"),
            section(2, "ersattningar", "Ersättningar", "Compensation")
                .write("Beskriv hur förvaltningen finansieras. Ramarna hämtas från budgeten.", "Describe how the administration is financed. The frames come from the budget.")
                .part(Part::BudgetFrames),
            section(3, "fordelning", "Fördelningen av ersättningen inom förvaltningen", "Distribution of the compensation within the administration")
                .write("Tabellen hämtas från budgetens ramfördelning.", "The table comes from the budget's frame distribution.")
                .part(Part::BudgetDistribution),
            section(3, "ramforandring", "Ramförändring jämfört med föregående års ram", "Frame changes compared with last year's frame")
                .part(Part::BudgetFrameChanges),
            section(2, "intaktsfinansierade", "Intäktsfinansierade verksamheter", "Income-financed activities")
                .write("Inled tabellen över pris- och volymförändringar.", "Introduce the table of price and volume changes.")
                .part(Part::BudgetIncomeFinanced),
            section(2, "rs-anslag", "Beslutade ersättningar ur regionstyrelsens anslag", "Compensation decided from the executive board's appropriation")
                .write("Inled listan över medel ur regionstyrelsens anslag.", "Introduce the list of funds from the executive board's appropriation.")
                .part(Part::BudgetCompensations),
            section(2, "resultatreglering", "Resultatreglering", "Result regulation").part(Part::BudgetResultRegulation),
            section(2, "investeringar", "Investeringar", "Investments").part(Part::BudgetInvestments),
            section(2, "budget", "Budget", "Budget")
                .write("Inled budgettabellen.", "Introduce the budget table.")
                .part(Part::BudgetDetail),
            section(1, "intern-kontroll", "Intern kontroll", "Internal control")
                .write("Inled sammanställningen. Kontrollområdena hämtas från modulen Intern kontroll.", "Introduce the summary. Control areas come from the internal control module.")
                .part(Part::InternalControl {
                    module: "ik".into(),
                    area_level: "control-area".into(),
                    objective_level: "control-objective".into(),
                    activity_level: "control-activity".into(),
                    risk_level: "risk".into(),
                }),
            section(1, "forvaltningsspecifika-mal", "Förvaltningsspecifika mål med indikatorer och målvärde", "The administration's own goals with indicators and targets")
                .write("Målen, indikatorerna och målvärdena hämtas från planen.", "Goals, indicators and targets come from the plan.")
                .part(Part::IndicatorTargets { module: vgpu, group_level: "perspective".into(), goal_level: "goal".into(), level: "indicator".into() }),
            section(1, "intern-referens", "Intern referens", "Internal reference").part(Part::DecisionReference),
            section(1, "underskrifter", "Underskrifter", "Signatures")
                .write("Texten före underskrifterna. Parterna anges i rapportens uppgifter.", "The text before the signatures. The parties are set in the report's details.")
                .part(Part::Signatures),
        ],
    }
}

fn section(level: u8, key: &str, heading_sv: &str, heading_en: &str) -> TemplateSection {
    TemplateSection {
        key: key.into(),
        level,
        heading_sv: heading_sv.into(),
        heading_en: heading_en.into(),
        instruction_sv: None,
        instruction_en: None,
        text: false,
        parts: Vec::new(),
        units_may_add: false,
    }
}

impl TemplateSection {
    /// The unit writes text here, guided by the instruction.
    fn write(mut self, instruction_sv: &str, instruction_en: &str) -> Self {
        self.text = true;
        self.instruction_sv = Some(instruction_sv.into());
        self.instruction_en = Some(instruction_en.into());
        self
    }

    /// Units may add sections of their own under this one.
    fn open_to_units(mut self) -> Self {
        self.units_may_add = true;
        self
    }

    fn part(mut self, part: Part) -> Self {
        self.parts.push(part);
        self
    }
}
