//! Assessment (bedömning) of followed-up objects: the scale, the automatic evaluation of
//! indicators with a manual override, and the date-driven status of activities.
//!
//! Everything here is a pure function of stored inputs (outcome, target, dates, a person's
//! choice), so the automatic part is recomputed on read and never overwrites what a person set.

use crate::consolidation::{Decimal, stable_ids};
use crate::validate::{self, ValidationCode, ValidationError};
use serde::{Deserialize, Serialize};
use time::Date;

/// The default assessment scale. Automatic evaluation always yields one of these; a unit's
/// [`Scale`] says how each is labelled and coloured.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Assessment {
    /// Target met (uppfyllt).
    Green,
    /// Close to the target (delvis uppfyllt).
    Yellow,
    /// Not met (ej uppfyllt).
    Red,
    /// Nothing to judge by: no outcome or no target yet (ej bedömt).
    NotAssessed,
}

stable_ids!(Assessment, "assessment", {
    Green => "green",
    Yellow => "yellow",
    Red => "red",
    NotAssessed => "not-assessed",
});

impl Assessment {
    /// Higher is better; `NotAssessed` is 0, below every judgement. The same ranks as the default
    /// [`Scale`], so sorting and "worst first" filters agree with it.
    pub fn rank(self) -> u8 {
        match self {
            Assessment::Green => 3,
            Assessment::Yellow => 2,
            Assessment::Red => 1,
            Assessment::NotAssessed => 0,
        }
    }
}

pub const LEVEL_ID_MAX: usize = 32;
pub const LEVEL_LABEL_MAX: usize = 60;

/// One level of an assessment scale. Labels are required in both languages because colour alone
/// must never carry the meaning (a screen reader reads the label, a printout may be grey).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Level {
    /// Stable id: lower-case ASCII letters, digits and `-`, starting with a letter.
    pub id: String,
    pub label_sv: String,
    pub label_en: String,
    /// `#rrggbb`, stored lower-case.
    pub colour: String,
    /// Order of the levels, higher is better; 0 is meant for a "not assessed" level.
    pub rank: u8,
}

/// A validated assessment scale: 2–7 levels with unique ids and ranks, best first.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "Vec<Level>", into = "Vec<Level>")]
pub struct Scale {
    levels: Vec<Level>,
}

impl Scale {
    pub const MIN_LEVELS: usize = 2;
    pub const MAX_LEVELS: usize = 7;

    /// Validates a custom scale. Errors name the field (`levels`, `levels[2].id`, …): too few
    /// levels is `required`, too many `too_long`, a repeated id or rank `invalid_choice`, a bad id
    /// or colour `invalid_characters`.
    pub fn new(levels: Vec<Level>) -> Result<Self, ValidationError> {
        if levels.len() < Self::MIN_LEVELS {
            return Err(ValidationError::new("levels", ValidationCode::Required));
        }
        if levels.len() > Self::MAX_LEVELS {
            return Err(ValidationError::new("levels", ValidationCode::TooLong));
        }
        let mut clean: Vec<Level> = Vec::with_capacity(levels.len());
        for (i, level) in levels.into_iter().enumerate() {
            let field = |name: &str| format!("levels[{i}].{name}");
            let id = validate::required_text(&field("id"), &level.id, LEVEL_ID_MAX)?;
            let id_ok = id.starts_with(|c: char| c.is_ascii_lowercase())
                && id.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
            if !id_ok {
                return Err(ValidationError::new(field("id"), ValidationCode::InvalidCharacters));
            }
            if clean.iter().any(|l| l.id == id) {
                return Err(ValidationError::new(field("id"), ValidationCode::InvalidChoice));
            }
            if clean.iter().any(|l| l.rank == level.rank) {
                return Err(ValidationError::new(field("rank"), ValidationCode::InvalidChoice));
            }
            let colour = level.colour.trim().to_ascii_lowercase();
            let colour_ok =
                colour.len() == 7 && colour.starts_with('#') && colour[1..].chars().all(|c| c.is_ascii_hexdigit());
            if !colour_ok {
                return Err(ValidationError::new(field("colour"), ValidationCode::InvalidCharacters));
            }
            clean.push(Level {
                id,
                label_sv: validate::required_text(&field("label_sv"), &level.label_sv, LEVEL_LABEL_MAX)?,
                label_en: validate::required_text(&field("label_en"), &level.label_en, LEVEL_LABEL_MAX)?,
                colour,
                rank: level.rank,
            });
        }
        clean.sort_by_key(|l| std::cmp::Reverse(l.rank));
        Ok(Self { levels: clean })
    }

    /// Best first.
    pub fn levels(&self) -> &[Level] {
        &self.levels
    }

    pub fn level(&self, id: &str) -> Option<&Level> {
        self.levels.iter().find(|l| l.id == id)
    }

    /// Parses a level id from input, naming the field when it is not on this scale.
    pub fn parse_level(&self, field: &str, id: &str) -> Result<&Level, ValidationError> {
        self.level(id.trim()).ok_or_else(|| ValidationError::new(field, ValidationCode::InvalidChoice))
    }

    /// How this scale shows an assessment: the level with the same id (always present on the
    /// default scale and on every module's scale, see [`Scale::for_module`]).
    pub fn level_for(&self, assessment: Assessment) -> Option<&Level> {
        self.level(assessment.as_str())
    }

    /// Checks a module's scale: a valid scale that keeps the four levels automatic evaluation
    /// yields (`green`, `yellow`, `red`, `not-assessed`; their labels and colours may change)
    /// and may add levels of its own for manual assessment, such as "exceeded". Errors are
    /// named under `prefix` (`scale[2].label_sv`); a missing automatic level is `scale` +
    /// `required`.
    pub fn for_module(prefix: &str, levels: Vec<Level>) -> Result<Self, ValidationError> {
        let scale = Scale::new(levels).map_err(|e| ValidationError::new(e.field.replacen("levels", prefix, 1), e.code))?;
        if Assessment::ALL.iter().any(|a| scale.level_for(*a).is_none()) {
            return Err(ValidationError::new(prefix, ValidationCode::Required));
        }
        Ok(scale)
    }
}

impl Default for Scale {
    /// Green / yellow / red / not assessed, with colours that keep 3:1 contrast on white except
    /// yellow, which is why labels are always shown beside them.
    fn default() -> Self {
        let level = |a: Assessment, sv: &str, en: &str, colour: &str| Level {
            id: a.as_str().to_owned(),
            label_sv: sv.to_owned(),
            label_en: en.to_owned(),
            colour: colour.to_owned(),
            rank: a.rank(),
        };
        Self {
            levels: vec![
                // The colour is named in the label too, for readers who cannot tell the dots apart.
                level(Assessment::Green, "Grön: uppfyllt", "Green: met", "#2e7d32"),
                level(Assessment::Yellow, "Gul: delvis uppfyllt", "Yellow: partly met", "#f9a825"),
                level(Assessment::Red, "Röd: ej uppfyllt", "Red: not met", "#c62828"),
                level(Assessment::NotAssessed, "Ej bedömd", "Not assessed", "#ffffff"),
            ],
        }
    }
}

impl TryFrom<Vec<Level>> for Scale {
    type Error = ValidationError;
    fn try_from(levels: Vec<Level>) -> Result<Self, Self::Error> {
        Scale::new(levels)
    }
}

impl From<Scale> for Vec<Level> {
    fn from(scale: Scale) -> Self {
        scale.levels
    }
}

/// Which way an indicator improves.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Direction {
    /// E.g. employee engagement (HME), economic result.
    HigherIsBetter,
    /// E.g. sick leave (sjukfrånvaro).
    LowerIsBetter,
}

stable_ids!(Direction, "direction", {
    HigherIsBetter => "higher-is-better",
    LowerIsBetter => "lower-is-better",
});

impl Direction {
    /// From the plan file's `higher_is_better` flag.
    pub fn from_higher_is_better(higher_is_better: bool) -> Self {
        if higher_is_better { Direction::HigherIsBetter } else { Direction::LowerIsBetter }
    }
}

/// The automatic evaluation of an indicator's outcome against its target.
///
/// With `T` the target, `O` the outcome and the yellow band `b = max(tolerance % · |T|, margin)`:
///
/// | higher is better | lower is better | assessment |
/// |---|---|---|
/// | `O ≥ T` | `O ≤ T` | green |
/// | `O ≥ T − b` | `O ≤ T + b` | yellow |
/// | otherwise | otherwise | red |
///
/// With the default 10 %: HME target 78 % is yellow from 70.2 %; sick leave target 4.0 % is yellow
/// up to 4.4 % (`1.1 × T`, not `T / 0.9`, so the two directions are exact mirrors of each other).
/// The band is measured on `|T|`, so a negative target works too: a result target of −100 mkr is
/// yellow down to −110 mkr (`0.9 × T` would put the band above the target). A target of 0 has no
/// relative band: "ekonomiskt resultat 0 mkr" is green at ≥ 0 and red below, unless an absolute
/// `margin` (e.g. 5 mkr) is configured. Missing outcome or target → not assessed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct EvaluationRule {
    direction: Direction,
    tolerance_percent: u8,
    margin: Decimal,
}

impl EvaluationRule {
    pub const DEFAULT_TOLERANCE_PERCENT: u8 = 10;

    /// The default rule: 10 % band, no absolute margin.
    pub fn new(direction: Direction) -> Self {
        Self { direction, tolerance_percent: Self::DEFAULT_TOLERANCE_PERCENT, margin: Decimal::ZERO }
    }

    /// A rule with its own band: `tolerance_percent` in 0–100, `margin` not negative.
    pub fn with_band(direction: Direction, tolerance_percent: u8, margin: Decimal) -> Result<Self, ValidationError> {
        if tolerance_percent > 100 {
            return Err(ValidationError::new("tolerance_percent", ValidationCode::InvalidChoice));
        }
        if margin.is_negative() {
            return Err(ValidationError::new("margin", ValidationCode::InvalidChoice));
        }
        Ok(Self { direction, tolerance_percent, margin })
    }

    pub fn direction(&self) -> Direction {
        self.direction
    }

    pub fn tolerance_percent(&self) -> u8 {
        self.tolerance_percent
    }

    pub fn margin(&self) -> Decimal {
        self.margin
    }

    /// Exact: everything is compared as integers in hundredths of the finest decimal, so a
    /// whole-percent band never rounds.
    pub fn evaluate(&self, outcome: Option<Decimal>, target: Option<Decimal>) -> Assessment {
        let (Some(outcome), Some(target)) = (outcome, target) else {
            return Assessment::NotAssessed;
        };
        let (o, t) = (outcome.at_max_scale() * 100, target.at_max_scale() * 100);
        let band =
            (target.at_max_scale().abs() * i128::from(self.tolerance_percent)).max(self.margin.at_max_scale() * 100);
        // Lower-is-better is higher-is-better on negated values: one rule, exact mirror.
        let (o, t) = match self.direction {
            Direction::HigherIsBetter => (o, t),
            Direction::LowerIsBetter => (-o, -t),
        };
        if o >= t {
            Assessment::Green
        } else if o >= t - band {
            Assessment::Yellow
        } else {
            Assessment::Red
        }
    }
}

pub const REASON_MAX: usize = 2000;

/// A person's assessment that replaces the automatic one, with the reason they gave.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ManualAssessment {
    assessment: Assessment,
    reason: String,
}

impl ManualAssessment {
    pub fn assessment(&self) -> Assessment {
        self.assessment
    }

    pub fn reason(&self) -> &str {
        &self.reason
    }
}

/// An indicator's evaluation for one period: the automatic result is always kept, so removing an
/// override brings it back and the report can show both.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Evaluation {
    automatic: Assessment,
    manual: Option<ManualAssessment>,
}

impl Evaluation {
    /// An override needs a reason (field `reason`): someone reading the report later must be able
    /// to see why the colour differs from what the numbers say.
    pub fn new(automatic: Assessment, manual: Option<(Assessment, &str)>) -> Result<Self, ValidationError> {
        let manual = match manual {
            None => None,
            Some((assessment, reason)) => Some(ManualAssessment { assessment, reason: parse_reason(reason)? }),
        };
        Ok(Self { automatic, manual })
    }

    pub fn automatic(&self) -> Assessment {
        self.automatic
    }

    pub fn manual(&self) -> Option<&ManualAssessment> {
        self.manual.as_ref()
    }

    /// What is shown: the person's assessment if there is one.
    pub fn effective(&self) -> Assessment {
        self.manual.as_ref().map_or(self.automatic, |m| m.assessment)
    }

    pub fn is_overridden(&self) -> bool {
        self.manual.is_some()
    }
}

/// A reason may span lines, but is trimmed, non-empty, and free of other control characters.
fn parse_reason(reason: &str) -> Result<String, ValidationError> {
    let trimmed = reason.trim();
    if trimmed.is_empty() {
        return Err(ValidationError::new("reason", ValidationCode::Required));
    }
    if trimmed.chars().count() > REASON_MAX {
        return Err(ValidationError::new("reason", ValidationCode::TooLong));
    }
    if trimmed.chars().any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t')) {
        return Err(ValidationError::new("reason", ValidationCode::InvalidCharacters));
    }
    Ok(trimmed.to_owned())
}

/// An activity's status: four automatic, date-driven ones and two that only a person sets.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ActivityStatus {
    /// Before the start date.
    NotStarted,
    /// Between start and end.
    Ongoing,
    /// The end date is near (within the configured number of days) and nobody marked it done.
    SoonLate,
    /// The end date has passed.
    Late,
    Completed,
    OnHold,
}

stable_ids!(ActivityStatus, "activity status", {
    NotStarted => "not-started",
    Ongoing => "ongoing",
    SoonLate => "soon-late",
    Late => "late",
    Completed => "completed",
    OnHold => "on-hold",
});

impl ActivityStatus {
    /// True for the statuses the dates decide.
    pub fn is_automatic(self) -> bool {
        matches!(self, Self::NotStarted | Self::Ongoing | Self::SoonLate | Self::Late)
    }
}

/// The statuses a person sets; they win over the dates until removed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ManualStatus {
    /// Avslutad.
    Completed,
    /// Vänteläge.
    OnHold,
}

stable_ids!(ManualStatus, "manual activity status", {
    Completed => "completed",
    OnHold => "on-hold",
});

impl From<ManualStatus> for ActivityStatus {
    fn from(status: ManualStatus) -> Self {
        match status {
            ManualStatus::Completed => ActivityStatus::Completed,
            ManualStatus::OnHold => ActivityStatus::OnHold,
        }
    }
}

/// Days before the end date from which an open activity is "soon late".
pub const DEFAULT_SOON_DAYS: u16 = 14;

/// The status of an activity on `today`.
///
/// A manual status wins. Otherwise: after the end date → late (the end date is the last day of
/// the activity); before the start date → not started (a short activity that has not begun is
/// planned, not at risk); at most `soon_days` days left → soon late; else ongoing. A missing
/// start counts as started; a missing end never makes an activity soon late or late. As `today`
/// advances the automatic status only moves forward: not started → ongoing → soon late → late
/// (steps may be skipped).
pub fn activity_status(
    start: Option<Date>,
    end: Option<Date>,
    today: Date,
    manual: Option<ManualStatus>,
    soon_days: u16,
) -> ActivityStatus {
    if let Some(manual) = manual {
        return manual.into();
    }
    if end.is_some_and(|end| today > end) {
        return ActivityStatus::Late;
    }
    if start.is_some_and(|start| today < start) {
        return ActivityStatus::NotStarted;
    }
    match end {
        Some(end) if (end - today).whole_days() <= i64::from(soon_days) => ActivityStatus::SoonLate,
        _ => ActivityStatus::Ongoing,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use time::macros::date;

    fn d(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    fn eval(rule: EvaluationRule, outcome: &str, target: &str) -> Assessment {
        rule.evaluate(Some(d(outcome)), Some(d(target)))
    }

    #[test]
    fn ids_are_stable() {
        for a in Assessment::ALL {
            assert_eq!(a.as_str().parse::<Assessment>().unwrap(), *a);
            assert_eq!(serde_json::to_string(a).unwrap(), format!("\"{}\"", a.as_str()));
        }
        assert_eq!(Assessment::NotAssessed.as_str(), "not-assessed");
        for s in ActivityStatus::ALL {
            assert_eq!(s.as_str().parse::<ActivityStatus>().unwrap(), *s);
        }
        assert_eq!("on-hold".parse::<ManualStatus>().unwrap(), ManualStatus::OnHold);
        assert_eq!("lower-is-better".parse::<Direction>().unwrap(), Direction::from_higher_is_better(false));
        assert!("amber".parse::<Assessment>().is_err());
    }

    #[test]
    fn seed_004_indicators() {
        let higher = EvaluationRule::new(Direction::HigherIsBetter);
        let lower = EvaluationRule::new(Direction::LowerIsBetter);
        // HME, target 78 %.
        assert_eq!(eval(higher, "78", "78"), Assessment::Green);
        assert_eq!(eval(higher, "76.9", "78"), Assessment::Yellow);
        assert_eq!(eval(higher, "70.2", "78"), Assessment::Yellow);
        assert_eq!(eval(higher, "70.19", "78"), Assessment::Red);
        // Sjukfrånvaro, target 4.0 %, lower is better.
        assert_eq!(eval(lower, "3.9", "4.0"), Assessment::Green);
        assert_eq!(eval(lower, "4,0", "4.0"), Assessment::Green);
        assert_eq!(eval(lower, "4.4", "4.0"), Assessment::Yellow);
        assert_eq!(eval(lower, "4.5", "4.0"), Assessment::Red);
        // Ekonomiskt resultat, target 0 mkr: no relative band …
        assert_eq!(eval(higher, "32", "0"), Assessment::Green);
        assert_eq!(eval(higher, "0", "0"), Assessment::Green);
        assert_eq!(eval(higher, "-0.1", "0"), Assessment::Red);
        // … unless an absolute margin is configured.
        let with_margin = EvaluationRule::with_band(Direction::HigherIsBetter, 10, d("5")).unwrap();
        assert_eq!(eval(with_margin, "-5", "0"), Assessment::Yellow);
        assert_eq!(eval(with_margin, "-5.01", "0"), Assessment::Red);
        assert_eq!(higher.evaluate(None, Some(d("78"))), Assessment::NotAssessed);
        assert_eq!(higher.evaluate(Some(d("78")), None), Assessment::NotAssessed);
    }

    #[test]
    fn negative_targets_keep_the_band_on_the_bad_side() {
        let higher = EvaluationRule::new(Direction::HigherIsBetter);
        assert_eq!(eval(higher, "-90", "-100"), Assessment::Green);
        assert_eq!(eval(higher, "-110", "-100"), Assessment::Yellow);
        assert_eq!(eval(higher, "-110.01", "-100"), Assessment::Red);
        let lower = EvaluationRule::new(Direction::LowerIsBetter);
        assert_eq!(eval(lower, "-90", "-100"), Assessment::Yellow);
        assert_eq!(eval(lower, "-89", "-100"), Assessment::Red);
    }

    #[test]
    fn rule_band_is_validated() {
        assert_eq!(
            EvaluationRule::with_band(Direction::HigherIsBetter, 101, Decimal::ZERO).unwrap_err().field,
            "tolerance_percent"
        );
        assert_eq!(EvaluationRule::with_band(Direction::LowerIsBetter, 10, d("-1")).unwrap_err().field, "margin");
    }

    #[test]
    fn an_override_needs_a_reason() {
        let err = Evaluation::new(Assessment::Red, Some((Assessment::Yellow, "  "))).unwrap_err();
        assert_eq!((err.field.as_str(), err.code), ("reason", ValidationCode::Required));
        let e =
            Evaluation::new(Assessment::Red, Some((Assessment::Yellow, " Åtgärder insatta.\nEffekt i T2. "))).unwrap();
        assert_eq!(e.effective(), Assessment::Yellow);
        assert_eq!(e.automatic(), Assessment::Red);
        assert_eq!(e.manual().unwrap().reason(), "Åtgärder insatta.\nEffekt i T2.");
        let plain = Evaluation::new(Assessment::Green, None).unwrap();
        assert_eq!(plain.effective(), Assessment::Green);
        assert!(!plain.is_overridden());
        let long = "x".repeat(REASON_MAX + 1);
        assert_eq!(
            Evaluation::new(Assessment::Red, Some((Assessment::Green, &long))).unwrap_err().code,
            ValidationCode::TooLong
        );
    }

    fn level(id: &str, rank: u8) -> Level {
        Level { id: id.into(), label_sv: "Bra".into(), label_en: "Good".into(), colour: "#00AA00".into(), rank }
    }

    #[test]
    fn the_default_scale_is_a_valid_scale() {
        let default = Scale::default();
        assert_eq!(Scale::new(default.levels().to_vec()).unwrap(), default);
        assert_eq!(Scale::for_module("scale", default.levels().to_vec()).unwrap(), default);
        for a in Assessment::ALL {
            assert_eq!(default.level_for(*a).unwrap().rank, a.rank());
        }
        let json = serde_json::to_string(&default).unwrap();
        assert_eq!(serde_json::from_str::<Scale>(&json).unwrap(), default);
        assert_eq!(default.parse_level("assessment", "purple").unwrap_err().field, "assessment");
    }

    #[test]
    fn custom_scales_are_validated() {
        let scale = Scale::new(vec![level("low", 1), level("high", 5)]).unwrap();
        assert_eq!(scale.levels()[0].id, "high");
        assert_eq!(scale.levels()[0].colour, "#00aa00");
        assert!(scale.level_for(Assessment::Green).is_none());
        let err = |levels: Vec<Level>| {
            let e = Scale::new(levels).unwrap_err();
            (e.field, e.code)
        };
        assert_eq!(err(vec![level("a", 1)]), ("levels".into(), ValidationCode::Required));
        assert_eq!(
            err((0..8).map(|r| level(&format!("l{r}"), r)).collect()),
            ("levels".into(), ValidationCode::TooLong)
        );
        assert_eq!(err(vec![level("a", 1), level("a", 2)]), ("levels[1].id".into(), ValidationCode::InvalidChoice));
        assert_eq!(err(vec![level("a", 1), level("b", 1)]), ("levels[1].rank".into(), ValidationCode::InvalidChoice));
        assert_eq!(
            err(vec![level("a", 1), level("B c", 2)]),
            ("levels[1].id".into(), ValidationCode::InvalidCharacters)
        );
        let mut bad_colour = level("b", 2);
        bad_colour.colour = "green".into();
        assert_eq!(
            err(vec![level("a", 1), bad_colour]),
            ("levels[1].colour".into(), ValidationCode::InvalidCharacters)
        );
        let mut no_label = level("b", 2);
        no_label.label_en = " ".into();
        assert_eq!(err(vec![level("a", 1), no_label]), ("levels[1].label_en".into(), ValidationCode::Required));
        assert!(serde_json::from_str::<Scale>("[]").is_err());
    }

    #[test]
    fn activity_status_follows_the_calendar() {
        let (start, end) = (Some(date!(2020 - 03 - 01)), Some(date!(2020 - 06 - 30)));
        let at = |today| activity_status(start, end, today, None, DEFAULT_SOON_DAYS);
        assert_eq!(at(date!(2020 - 02 - 29)), ActivityStatus::NotStarted);
        assert_eq!(at(date!(2020 - 03 - 01)), ActivityStatus::Ongoing);
        assert_eq!(at(date!(2020 - 06 - 15)), ActivityStatus::Ongoing);
        assert_eq!(at(date!(2020 - 06 - 16)), ActivityStatus::SoonLate);
        assert_eq!(at(date!(2020 - 06 - 30)), ActivityStatus::SoonLate);
        assert_eq!(at(date!(2020 - 07 - 01)), ActivityStatus::Late);
        let manual = activity_status(start, end, date!(2020 - 07 - 01), Some(ManualStatus::Completed), 14);
        assert_eq!(manual, ActivityStatus::Completed);
        assert_eq!(activity_status(None, None, date!(2030 - 01 - 01), None, 14), ActivityStatus::Ongoing);
        assert_eq!(activity_status(start, None, date!(2020 - 01 - 01), None, 14), ActivityStatus::NotStarted);
        // A short activity that has not begun is not yet "soon late".
        assert_eq!(activity_status(start, start, date!(2020 - 02 - 28), None, 14), ActivityStatus::NotStarted);
    }

    fn any_value() -> impl Strategy<Value = Decimal> {
        (-10i128.pow(12)..10i128.pow(12), 0u8..4).prop_map(|(m, s)| Decimal::new(m, s).unwrap())
    }

    fn any_rule() -> impl Strategy<Value = EvaluationRule> {
        (any::<bool>(), 0u8..=100, 0i128..100_000, 0u8..3).prop_map(|(higher, tolerance, m, s)| {
            EvaluationRule::with_band(Direction::from_higher_is_better(higher), tolerance, Decimal::new(m, s).unwrap())
                .unwrap()
        })
    }

    /// Outcomes near the target as well as far away, so every band is exercised.
    fn outcome_near(target: Decimal) -> impl Strategy<Value = Decimal> {
        prop_oneof![
            any_value(),
            (-2000i128..2000).prop_map(move |pm| {
                // target · (1 + pm/10000), exact at four more decimals, rounded back into range.
                let shifted = target.at_max_scale() / 10_000 * (10_000 + pm);
                Decimal::new(shifted / 1000, 6).unwrap_or(target)
            })
        ]
    }

    fn ordinal(status: ActivityStatus) -> u8 {
        match status {
            ActivityStatus::NotStarted => 0,
            ActivityStatus::Ongoing => 1,
            ActivityStatus::SoonLate => 2,
            ActivityStatus::Late => 3,
            other => panic!("{other:?} is not automatic"),
        }
    }

    proptest! {
        /// A better outcome never gets a worse assessment (direction-aware).
        #[test]
        fn evaluation_is_monotone_in_the_outcome(
            rule in any_rule(),
            (target, a, b) in any_value().prop_flat_map(|t| (Just(t), outcome_near(t), outcome_near(t))),
        ) {
            let (worse, better) = match rule.direction() {
                Direction::HigherIsBetter => (a.min(b), a.max(b)),
                Direction::LowerIsBetter => (a.max(b), a.min(b)),
            };
            let rank = |o| rule.evaluate(Some(o), Some(target)).rank();
            prop_assert!(rank(worse) <= rank(better), "{worse} vs {better}, target {target}");
            prop_assert!(rank(worse) >= Assessment::Red.rank());
        }

        /// Flipping the direction and negating outcome and target gives the same assessment.
        #[test]
        fn flipping_direction_and_sign_mirrors(
            rule in any_rule(),
            (target, outcome) in any_value().prop_flat_map(|t| (Just(t), outcome_near(t))),
        ) {
            let flipped_direction = match rule.direction() {
                Direction::HigherIsBetter => Direction::LowerIsBetter,
                Direction::LowerIsBetter => Direction::HigherIsBetter,
            };
            let flipped = EvaluationRule::with_band(flipped_direction, rule.tolerance_percent(), rule.margin()).unwrap();
            prop_assert_eq!(rule.evaluate(Some(outcome), Some(target)), flipped.evaluate(Some(-outcome), Some(-target)));
        }

        /// The effective assessment is the manual one when given, else the automatic one.
        #[test]
        fn manual_wins_when_present(auto in proptest::sample::select(Assessment::ALL.to_vec()),
                                    manual in proptest::option::of(proptest::sample::select(Assessment::ALL.to_vec()))) {
            let e = Evaluation::new(auto, manual.map(|m| (m, "Bedömt på plats"))).unwrap();
            prop_assert_eq!(e.effective(), manual.unwrap_or(auto));
            prop_assert_eq!(e.automatic(), auto);
        }

        /// As today advances, the automatic status only moves forward; a manual status always wins.
        #[test]
        fn activity_status_only_moves_forward(
            start in proptest::option::of(-100i32..100),
            end in proptest::option::of(-100i32..100),
            soon_days in 0u16..60,
            manual in proptest::option::of(proptest::sample::select(vec![ManualStatus::Completed, ManualStatus::OnHold])),
        ) {
            let base = date!(2020 - 01 - 01).to_julian_day();
            let day = |offset: i32| Date::from_julian_day(base + offset).unwrap();
            let (start, end) = (start.map(day), end.map(day));
            let mut last = 0;
            for offset in -200..200 {
                let status = activity_status(start, end, day(offset), None, soon_days);
                prop_assert!(ordinal(status) >= last, "went back to {status:?} on day {offset}");
                last = ordinal(status);
                if let Some(m) = manual {
                    prop_assert_eq!(activity_status(start, end, day(offset), Some(m), soon_days), ActivityStatus::from(m));
                }
            }
        }
    }

    #[test]
    fn a_module_scale_keeps_the_automatic_levels_and_may_add_its_own() {
        let mut levels = Scale::default().levels().to_vec();
        levels[0].label_sv = "Målet nås".into();
        levels.push(Level { id: "exceeded".into(), label_sv: "Överträffat".into(), label_en: "Exceeded".into(), colour: "#1565C0".into(), rank: 4 });
        let scale = Scale::for_module("scale", levels.clone()).unwrap();
        assert_eq!(scale.levels()[0].id, "exceeded", "best first");
        assert_eq!(scale.level_for(Assessment::Green).unwrap().label_sv, "Målet nås");
        assert_eq!(scale.level("exceeded").map(|l| l.rank), Some(4));
        let without_yellow: Vec<Level> = levels.iter().filter(|l| l.id != "yellow").cloned().collect();
        assert_eq!(Scale::for_module("scale", without_yellow).unwrap_err(), ValidationError::new("scale", ValidationCode::Required));
        levels[4].colour = "blue".into();
        assert_eq!(Scale::for_module("scale", levels).unwrap_err(), ValidationError::new("scale[4].colour", ValidationCode::InvalidCharacters));
    }
}
