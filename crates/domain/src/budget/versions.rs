//! Budget versions: a draft is edited, then decided (frozen, with the decision's reference and
//! date); a change after the decision is a revision, a new draft based on the decided version.
//! A decided version never changes: [`transition`] is the gate every edit passes, and it refuses
//! with [`VersionError::Decided`].

use serde::{Deserialize, Serialize};
use time::Date;

use super::checks::Problems;
use crate::ids::OrgUnitId;
use crate::validate::{self, ValidationError, field_path};

pub const REFERENCE_MAX: usize = 300;

/// Where and when a budget was decided: "Regionstyrelsen 2019-12-10 § 245, RS 2019-04567".
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DecisionRef {
    pub reference: String,
    #[serde(with = "crate::validate::date_text")]
    pub date: Date,
}

/// Checks a decision reference at `prefix` (`reference`: `required`; `date`: `invalid_date`).
pub fn check_decision(prefix: &str, reference: &str, date: &str) -> Result<DecisionRef, Vec<ValidationError>> {
    let mut p = Problems::default();
    let reference = p.ok(validate::required_text(&field_path(prefix, "reference"), reference, REFERENCE_MAX));
    let date = p.ok(validate::date(&field_path(prefix, "date"), date));
    match (reference, date) {
        (Some(reference), Some(date)) => p.finish(|| DecisionRef { reference, date }),
        _ => Err(p.0),
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum VersionState {
    Draft,
    Decided { decision: DecisionRef },
}

/// One version of an administration's budget for a year. Its lines are stored against it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BudgetVersion {
    pub administration: OrgUnitId,
    pub year: i32,
    /// 1, 2, 3 … within the administration and year.
    pub number: u32,
    /// For a revision: the number of the decided version it started from.
    pub based_on: Option<u32>,
    /// Flattened: `"state": "draft"`, or `"state": "decided", "decision": {…}`.
    #[serde(flatten)]
    pub state: VersionState,
}

impl BudgetVersion {
    /// The first draft of a budget.
    pub fn first_draft(administration: OrgUnitId, year: i32) -> Self {
        Self { administration, year, number: 1, based_on: None, state: VersionState::Draft }
    }

    pub fn is_decided(&self) -> bool {
        matches!(self.state, VersionState::Decided { .. })
    }

    /// A revision is a version based on a decided one.
    pub fn is_revision(&self) -> bool {
        self.based_on.is_some()
    }
}

/// What someone wants to do with a version.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum VersionAction {
    /// Change lines, frames or notes of the version.
    Edit,
    /// Freeze the version as decided.
    Decide { decision: DecisionRef },
    /// Start a new draft from a decided version, numbered `number`.
    Revise { number: u32 },
}

/// Why a transition is refused. Stable codes for programs; the web layer words them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, thiserror::Error)]
#[serde(rename_all = "snake_case")]
pub enum VersionError {
    /// The version is decided and frozen: edit a revision instead.
    #[error("budget_version_decided")]
    Decided,
    /// Only a decided version can be revised (a draft is simply edited).
    #[error("budget_version_not_decided")]
    NotDecided,
    /// A revision must have a higher number than the version it revises.
    #[error("budget_version_number")]
    NumberNotNew,
}

impl VersionError {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Decided => "budget_version_decided",
            Self::NotDecided => "budget_version_not_decided",
            Self::NumberNotNew => "budget_version_number",
        }
    }
}

/// The version after `action`, or why not: `Edit` of a draft returns it unchanged (go ahead);
/// `Decide` returns it decided; `Revise` returns the *new* draft version (the decided one is
/// left as it is). Any edit or decision of a decided version is refused.
pub fn transition(version: &BudgetVersion, action: &VersionAction) -> Result<BudgetVersion, VersionError> {
    match (&version.state, action) {
        (VersionState::Decided { .. }, VersionAction::Edit | VersionAction::Decide { .. }) => Err(VersionError::Decided),
        (VersionState::Draft, VersionAction::Edit) => Ok(version.clone()),
        (VersionState::Draft, VersionAction::Decide { decision }) => {
            Ok(BudgetVersion { state: VersionState::Decided { decision: decision.clone() }, ..version.clone() })
        }
        (VersionState::Draft, VersionAction::Revise { .. }) => Err(VersionError::NotDecided),
        (VersionState::Decided { .. }, VersionAction::Revise { number }) => {
            if *number <= version.number {
                return Err(VersionError::NumberNotNew);
            }
            Ok(BudgetVersion { number: *number, based_on: Some(version.number), state: VersionState::Draft, ..version.clone() })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::validate::ValidationCode;

    fn decision() -> DecisionRef {
        check_decision("decision", " Regionstyrelsen § 245 ", "2019-12-10").unwrap()
    }

    #[test]
    fn draft_decided_revised() {
        let draft = BudgetVersion::first_draft(OrgUnitId::new(), 2020);
        assert_eq!(transition(&draft, &VersionAction::Edit), Ok(draft.clone()));
        assert_eq!(transition(&draft, &VersionAction::Revise { number: 2 }), Err(VersionError::NotDecided));

        let decided = transition(&draft, &VersionAction::Decide { decision: decision() }).unwrap();
        assert!(decided.is_decided() && !decided.is_revision());
        assert_eq!(transition(&decided, &VersionAction::Edit), Err(VersionError::Decided));
        assert_eq!(transition(&decided, &VersionAction::Decide { decision: decision() }), Err(VersionError::Decided));
        assert_eq!(VersionError::Decided.as_str(), "budget_version_decided");
        assert_eq!(VersionError::Decided.to_string(), "budget_version_decided");

        assert_eq!(transition(&decided, &VersionAction::Revise { number: 1 }), Err(VersionError::NumberNotNew));
        let revision = transition(&decided, &VersionAction::Revise { number: 2 }).unwrap();
        assert_eq!((revision.number, revision.based_on, &revision.state), (2, Some(1), &VersionState::Draft));
        assert!(revision.is_revision());
        assert_eq!(transition(&revision, &VersionAction::Edit), Ok(revision.clone()));
    }

    #[test]
    fn decisions_are_checked_and_serialized_as_text() {
        let d = decision();
        assert_eq!(d.reference, "Regionstyrelsen § 245");
        let errors = check_decision("decision", "", "10/12 2019").unwrap_err();
        let found: Vec<(&str, ValidationCode)> = errors.iter().map(|e| (e.field.as_str(), e.code)).collect();
        assert_eq!(found, [("decision.reference", ValidationCode::Required), ("decision.date", ValidationCode::InvalidDate)]);

        let decided = BudgetVersion { state: VersionState::Decided { decision: d }, ..BudgetVersion::first_draft(OrgUnitId::new(), 2020) };
        let json = serde_json::to_value(&decided).unwrap();
        assert_eq!(json["state"], "decided");
        assert_eq!(json["decision"]["date"], "2019-12-10");
        assert_eq!(serde_json::from_value::<BudgetVersion>(json).unwrap(), decided);
        assert_eq!(serde_json::to_value(VersionAction::Revise { number: 3 }).unwrap(), serde_json::json!({"action": "revise", "number": 3}));
    }
}
