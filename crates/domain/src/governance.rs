//! Governance models (*styrmodeller*): per module an ordered list of levels, each holding one kind
//! of object, followed up at one periodicity. Labels are data; keys are what plan files name.

use crate::ids::ModelId;
use crate::period::Periodicity;
use crate::validate::{self, ValidationCode, ValidationError};
use serde::{Deserialize, Serialize};

pub const MAX_LEVELS: usize = 12;

/// What a level's objects are.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ObjectKind {
    /// Perspectives, goals, assignments: followed up with an assessment and a comment.
    Text,
    /// Indicators: values per period (outcome, target), evaluated automatically.
    Measure,
    /// Activities: dates, responsible, status.
    Activity,
}

impl ObjectKind {
    pub const ALL: [ObjectKind; 3] = [ObjectKind::Text, ObjectKind::Measure, ObjectKind::Activity];

    pub fn as_str(self) -> &'static str {
        match self {
            ObjectKind::Text => "text",
            ObjectKind::Measure => "measure",
            ObjectKind::Activity => "activity",
        }
    }

    pub fn parse(field: &str, value: &str) -> Result<Self, ValidationError> {
        Self::ALL
            .into_iter()
            .find(|k| k.as_str() == value.trim())
            .ok_or_else(|| ValidationError::new(field, ValidationCode::InvalidChoice))
    }
}

/// One level of a model.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Level {
    pub key: String,
    pub name_sv: String,
    pub name_en: String,
    pub kind: ObjectKind,
    pub periodicity: Periodicity,
    /// Keys of earlier levels whose objects may be this level's objects' structural parents.
    pub parents: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct GovernanceModel {
    pub id: ModelId,
    pub module: String,
    pub name_sv: String,
    pub name_en: String,
    /// In order: a level's parents always come before it.
    pub levels: Vec<Level>,
    /// How the module's objects are assessed (bedömningsskala).
    pub scale: crate::evaluation::Scale,
    /// When the module's reports are due.
    pub deadlines: Deadlines,
    pub version: i64,
}

/// When a period's reports are due in a module: the deepest units `days_after_period_end` days
/// after the period ends, each level above them `days_per_level` days later, so a parent has
/// time to compile what its sub-units reported (Stratsys: "postponed deadlines per level").
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Deadlines {
    pub days_after_period_end: u16,
    pub days_per_level: u16,
}

impl Deadlines {
    pub const MAX_DAYS_AFTER_PERIOD_END: u16 = 120;
    pub const MAX_DAYS_PER_LEVEL: u16 = 30;

    /// Checks the two numbers as typed (form or API), naming the field of each problem.
    pub fn parse(days_after_period_end: &str, days_per_level: &str) -> Result<Self, Vec<ValidationError>> {
        let number = |field: &str, text: &str, max: u16| -> Result<u16, ValidationError> {
            let text = text.trim();
            if text.is_empty() {
                return Err(ValidationError::new(field, ValidationCode::Required));
            }
            let n: i64 = text.parse().map_err(|_| ValidationError::new(field, ValidationCode::NotANumber))?;
            u16::try_from(n).ok().filter(|n| *n <= max).ok_or_else(|| ValidationError::new(field, ValidationCode::OutOfRange))
        };
        let after = number("deadline_days", days_after_period_end, Self::MAX_DAYS_AFTER_PERIOD_END);
        let per_level = number("deadline_days_per_level", days_per_level, Self::MAX_DAYS_PER_LEVEL);
        match (after, per_level) {
            (Ok(days_after_period_end), Ok(days_per_level)) => Ok(Self { days_after_period_end, days_per_level }),
            (a, b) => Err([a.err(), b.err()].into_iter().flatten().collect()),
        }
    }

    /// The deadline of `period` for a unit at `depth` in a tree `tree_depth` deep.
    pub fn deadline(&self, period: crate::period::PeriodKey, depth: u32, tree_depth: u32) -> time::Date {
        let base = period.end().saturating_add(time::Duration::days(i64::from(self.days_after_period_end)));
        crate::period::DeadlineRule::new("deadlines", base, i64::from(self.days_per_level))
            .expect("a u16 is never negative")
            .deadline(depth, tree_depth)
    }
}

impl Default for Deadlines {
    /// Ten days after the period for the deepest units, three more per level above.
    fn default() -> Self {
        Self { days_after_period_end: 10, days_per_level: 3 }
    }
}

/// A level as typed (form or API), before checking.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct LevelInput {
    pub key: String,
    pub name_sv: String,
    pub name_en: String,
    pub kind: String,
    pub periodicity: String,
    #[serde(default)]
    pub parents: Vec<String>,
}

/// A level key: lower-case ASCII letter first, then letters, digits and `-` (it appears in plan
/// files and URLs).
pub fn parse_level_key(field: &str, value: &str) -> Result<String, ValidationError> {
    let key = validate::required_text(field, value, 40)?;
    let mut chars = key.chars();
    let first_ok = chars.next().is_some_and(|c| c.is_ascii_lowercase());
    if !first_ok || !chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-') {
        return Err(ValidationError::new(field, ValidationCode::InvalidCharacters));
    }
    Ok(key)
}

/// Checks a whole list of levels, reporting every problem with its position
/// (`levels[2].key` …): unique keys, valid kinds and periodicities, parents that name earlier
/// levels (so the level structure can never contain a cycle), 1 to 12 levels.
pub fn check_levels(inputs: &[LevelInput]) -> Result<Vec<Level>, Vec<ValidationError>> {
    let mut problems = Vec::new();
    if inputs.is_empty() {
        problems.push(ValidationError::new("levels", ValidationCode::Required));
    }
    if inputs.len() > MAX_LEVELS {
        problems.push(ValidationError::new("levels", ValidationCode::TooLong));
    }
    let mut levels: Vec<Level> = Vec::with_capacity(inputs.len());
    for (i, input) in inputs.iter().enumerate() {
        let f = |name: &str| format!("levels[{i}].{name}");
        let key = parse_level_key(&f("key"), &input.key).map_err(|e| problems.push(e)).ok();
        if let Some(k) = &key
            && levels.iter().any(|l| &l.key == k)
        {
            problems.push(ValidationError::new(f("key"), ValidationCode::InvalidChoice));
        }
        let name_sv = validate::required_text(&f("name_sv"), &input.name_sv, 100).map_err(|e| problems.push(e)).ok();
        let name_en = validate::required_text(&f("name_en"), &input.name_en, 100).map_err(|e| problems.push(e)).ok();
        let kind = ObjectKind::parse(&f("kind"), &input.kind).map_err(|e| problems.push(e)).ok();
        let periodicity = Periodicity::parse(&f("periodicity"), &input.periodicity).map_err(|e| problems.push(e)).ok();
        let mut parents = Vec::new();
        for parent in &input.parents {
            let parent = parent.trim();
            if parent.is_empty() {
                continue;
            }
            // Only earlier levels may be parents: that keeps the structure acyclic by construction.
            if levels.iter().any(|l| l.key == parent) {
                // Naming a parent twice means the same as once.
                if !parents.iter().any(|p| p == parent) {
                    parents.push(parent.to_owned());
                }
            } else {
                problems.push(ValidationError::new(f("parents"), ValidationCode::InvalidChoice));
            }
        }
        if let (Some(key), Some(name_sv), Some(name_en), Some(kind), Some(periodicity)) =
            (key, name_sv, name_en, kind, periodicity)
        {
            levels.push(Level { key, name_sv, name_en, kind, periodicity, parents });
        } else {
            // Keep the position so later parents naming this key are not reported twice.
            levels.push(Level {
                key: input.key.trim().to_owned(),
                name_sv: String::new(),
                name_en: String::new(),
                kind: ObjectKind::Text,
                periodicity: Periodicity::Year,
                parents,
            });
        }
    }
    if problems.is_empty() { Ok(levels) } else { Err(problems) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn level(key: &str, kind: &str, parents: &[&str]) -> LevelInput {
        LevelInput {
            key: key.into(),
            name_sv: format!("{key} sv"),
            name_en: format!("{key} en"),
            kind: kind.into(),
            periodicity: "tertial".into(),
            parents: parents.iter().map(|p| (*p).to_owned()).collect(),
        }
    }

    #[test]
    fn the_vgpu_model_of_seed_004_is_valid() {
        let levels = check_levels(&[
            level("perspective", "text", &[]),
            level("goal", "text", &["perspective"]),
            level("indicator", "measure", &["goal", "perspective"]),
            level("assignment", "text", &["perspective"]),
            level("activity", "activity", &["assignment", "goal", "perspective"]),
        ])
        .unwrap();
        assert_eq!(levels.len(), 5);
        assert_eq!(levels[2].kind, ObjectKind::Measure);
        assert_eq!(levels[4].parents, vec!["assignment", "goal", "perspective"]);
        assert_eq!(levels[0].periodicity, Periodicity::Tertial);
    }

    #[test]
    fn every_problem_is_reported_with_its_position() {
        let problems = check_levels(&[
            level("goal", "text", &["activity"]),
            level("Goal", "shape", &[]),
            level("goal", "measure", &[]),
            LevelInput { periodicity: "fortnight".into(), ..level("x", "text", &[]) },
        ])
        .unwrap_err();
        let fields: Vec<(&str, ValidationCode)> = problems.iter().map(|p| (p.field.as_str(), p.code)).collect();
        assert!(fields.contains(&("levels[0].parents", ValidationCode::InvalidChoice)), "{fields:?}");
        assert!(fields.contains(&("levels[1].key", ValidationCode::InvalidCharacters)), "{fields:?}");
        assert!(fields.contains(&("levels[1].kind", ValidationCode::InvalidChoice)), "{fields:?}");
        assert!(fields.contains(&("levels[2].key", ValidationCode::InvalidChoice)), "{fields:?}");
        assert!(fields.contains(&("levels[3].periodicity", ValidationCode::InvalidChoice)), "{fields:?}");
        assert_eq!(check_levels(&[]).unwrap_err()[0].field, "levels");
    }

    proptest! {
        /// Property: whatever parents are asked for, accepted levels only ever point to earlier
        /// levels, so the level structure has no cycle.
        #[test]
        fn accepted_parents_always_point_backwards(links in proptest::collection::vec(proptest::collection::vec(0usize..8, 0..4), 1..8)) {
            let keys: Vec<String> = (0..links.len()).map(|i| format!("l{i}")).collect();
            let inputs: Vec<LevelInput> = links.iter().enumerate().map(|(i, ps)| LevelInput {
                parents: ps.iter().map(|p| format!("l{p}")).collect(),
                ..level(&keys[i], "text", &[])
            }).collect();
            if let Ok(levels) = check_levels(&inputs) {
                for (i, l) in levels.iter().enumerate() {
                    for p in &l.parents {
                        let j = keys.iter().position(|k| k == p).unwrap();
                        prop_assert!(j < i);
                    }
                }
            } else {
                prop_assert!(links.iter().enumerate().any(|(i, ps)| ps.iter().any(|p| *p >= i)));
            }
        }
    }

    #[test]
    fn deadlines_are_checked_and_postponed_per_level() {
        use crate::period::PeriodKey;
        let d = Deadlines::parse("14", "5").unwrap();
        let april: PeriodKey = "2020-04".parse().unwrap();
        assert_eq!(d.deadline(april, 3, 3).to_string(), "2020-05-14", "the deepest units: 30 April + 14 days");
        assert_eq!(d.deadline(april, 1, 3).to_string(), "2020-05-24", "two levels up: + 2 × 5 days");
        assert_eq!(Deadlines::default().deadline(april, 2, 3).to_string(), "2020-05-13");
        let err = Deadlines::parse("tio", "31").unwrap_err();
        assert_eq!(
            err.iter().map(|e| (e.field.as_str(), e.code)).collect::<Vec<_>>(),
            [("deadline_days", ValidationCode::NotANumber), ("deadline_days_per_level", ValidationCode::OutOfRange)]
        );
        assert_eq!(Deadlines::parse("", "-1").unwrap_err().len(), 2);
    }
}
