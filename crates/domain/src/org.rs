//! The organisation tree: units, their validity, and the rules for changing the tree.

use crate::ids::{OrgUnitId, UserId};
use crate::validate::{self, ValidationCode, ValidationError};
use serde::Serialize;
use time::Date;

pub const KEY_MAX: usize = 64;
pub const NAME_MAX: usize = 200;
pub const SHORT_NAME_MAX: usize = 40;

/// One unit of the organisation. `valid_to` set means closed from the day after that date; a
/// closed unit is kept so that reports of past periods still show it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct OrgUnit {
    pub id: OrgUnitId,
    pub key: String,
    pub name: String,
    pub short_name: Option<String>,
    pub parent_id: Option<OrgUnitId>,
    pub manager_id: Option<UserId>,
    pub valid_from: Date,
    pub valid_to: Option<Date>,
    /// Incremented by every change; a write naming an older version is refused (no lost update).
    pub version: i64,
}

impl OrgUnit {
    /// Open on `day`: started and not yet closed.
    pub fn is_open_on(&self, day: Date) -> bool {
        self.valid_from <= day && self.valid_to.is_none_or(|to| day <= to)
    }

    pub fn is_closed_on(&self, day: Date) -> bool {
        self.valid_to.is_some_and(|to| to < day)
    }
}

/// Parses an external key (HSA-id, directory id, cost centre code). Keys appear in URLs and files,
/// so they are limited to ASCII letters, digits, `-`, `_` and `.`.
pub fn parse_key(field: &str, value: &str) -> Result<String, ValidationError> {
    let key = validate::required_text(field, value, KEY_MAX)?;
    if !key.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')) {
        return Err(ValidationError::new(field, ValidationCode::InvalidCharacters));
    }
    // Units are addressed by key or by id; a key that parses as an id would shadow a unit.
    if uuid::Uuid::parse_str(&key).is_ok() {
        return Err(ValidationError::new(field, ValidationCode::LooksLikeId));
    }
    Ok(key)
}

pub fn parse_name(field: &str, value: &str) -> Result<String, ValidationError> {
    validate::required_text(field, value, NAME_MAX)
}

pub fn parse_short_name(field: &str, value: Option<&str>) -> Result<Option<String>, ValidationError> {
    validate::optional_text(field, value, SHORT_NAME_MAX)
}

/// Checks that a validity interval is not reversed.
pub fn check_validity(valid_from: Date, valid_to: Option<Date>) -> Result<(), ValidationError> {
    match valid_to {
        Some(to) if to < valid_from => Err(ValidationError::new("valid_to", ValidationCode::DateOrder)),
        _ => Ok(()),
    }
}

/// Why a change to the tree is refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum TreeError {
    #[error("a unit cannot be moved under itself or one of its descendants")]
    Cycle,
    #[error("the new parent is closed")]
    ParentClosed,
    #[error("the unit has open sub-units; close them first")]
    HasOpenChildren,
}

/// Checks moving `unit` under `new_parent`, given the ancestors of the new parent (the parent's
/// path from the root, the parent itself included).
pub fn check_move(unit: OrgUnitId, new_parent_path: &[OrgUnitId]) -> Result<(), TreeError> {
    if new_parent_path.contains(&unit) { Err(TreeError::Cycle) } else { Ok(()) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::HashMap;

    #[test]
    fn keys_are_url_safe() {
        assert_eq!(parse_key("key", " SE2321000206-E0001 ").unwrap(), "SE2321000206-E0001");
        assert_eq!(parse_key("key", "Centrum ekonomi").unwrap_err().code, ValidationCode::InvalidCharacters);
        assert_eq!(parse_key("key", "").unwrap_err().code, ValidationCode::Required);
        assert_eq!(parse_key("key", "CÖ").unwrap_err().field, "key");
        assert_eq!(
            parse_key("key", "0196a0c8-7d3e-7b52-9a3c-2f1e4d5c6b7a").unwrap_err().code,
            ValidationCode::LooksLikeId
        );
    }

    #[test]
    fn closed_units_are_open_until_their_last_day() {
        let d = |s| validate::date("d", s).unwrap();
        let unit = OrgUnit {
            id: OrgUnitId::new(),
            key: "CE".into(),
            name: "Centrum för ekonomi".into(),
            short_name: None,
            parent_id: None,
            manager_id: None,
            valid_from: d("2019-01-01"),
            valid_to: Some(d("2020-12-31")),
            version: 1,
        };
        assert!(unit.is_open_on(d("2020-12-31")));
        assert!(!unit.is_open_on(d("2021-01-01")));
        assert!(unit.is_closed_on(d("2021-01-01")));
        assert!(!unit.is_open_on(d("2018-12-31")));
        assert!(check_validity(d("2020-01-01"), Some(d("2019-12-31"))).is_err());
    }

    /// A random forest as a parent vector: node i's parent is some j < i (or none).
    fn forest() -> impl Strategy<Value = Vec<Option<usize>>> {
        (1usize..40).prop_flat_map(|n| {
            (0..n)
                .map(|i| if i == 0 { Just(None).boxed() } else { proptest::option::of(0..i).boxed() })
                .collect::<Vec<_>>()
        })
    }

    fn path_of(parents: &[Option<usize>], mut node: usize) -> Vec<usize> {
        let mut path = vec![node];
        let mut guard = 0;
        while let Some(p) = parents[node] {
            path.push(p);
            node = p;
            guard += 1;
            assert!(guard <= parents.len(), "cycle in tree");
        }
        path.reverse();
        path
    }

    proptest! {
        /// Any sequence of moves that check_move allows keeps the structure a forest, and
        /// check_move refuses exactly the moves under oneself or a descendant.
        #[test]
        fn allowed_moves_never_create_cycles(
            mut parents in forest(),
            moves in proptest::collection::vec((0usize..40, 0usize..40), 0..30),
        ) {
            let n = parents.len();
            let ids: Vec<OrgUnitId> = (0..n).map(|_| OrgUnitId::new()).collect();
            let index: HashMap<OrgUnitId, usize> = ids.iter().enumerate().map(|(i, id)| (*id, i)).collect();
            for (a, b) in moves {
                let (unit, target) = (a % n, b % n);
                let target_path: Vec<OrgUnitId> = path_of(&parents, target).into_iter().map(|i| ids[i]).collect();
                let is_descendant_or_self = path_of(&parents, target).contains(&unit);
                match check_move(ids[unit], &target_path) {
                    Ok(()) => {
                        prop_assert!(!is_descendant_or_self);
                        parents[unit] = Some(index[&ids[target]]);
                    }
                    Err(TreeError::Cycle) => prop_assert!(is_descendant_or_self),
                    Err(other) => prop_assert!(false, "unexpected {other:?}"),
                }
                for i in 0..n {
                    path_of(&parents, i); // panics on a cycle
                }
            }
        }
    }
}
