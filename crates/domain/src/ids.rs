//! Typed identifiers. All are UUIDv7 (time-ordered), stored as text.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;
use uuid::Uuid;

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub Uuid);

        impl $name {
            /// A fresh, time-ordered id.
            pub fn new() -> Self {
                Self(Uuid::now_v7())
            }
        }

        impl Default for $name {
            fn default() -> Self {
                Self::new()
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.hyphenated().fmt(f)
            }
        }

        impl FromStr for $name {
            type Err = uuid::Error;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Uuid::parse_str(s).map(Self)
            }
        }
    };
}

id_type!(
    /// An organisation unit (region, förvaltning, avdelning, enhet).
    OrgUnitId
);
id_type!(
    /// A person who can log in.
    UserId
);
id_type!(
    /// One role grant.
    AssignmentId
);
id_type!(
    /// One audit event.
    AuditEventId
);
id_type!(
    /// One API token.
    TokenId
);
id_type!(
    /// A governance model (styrmodell).
    ModelId
);
id_type!(
    /// A plan object (goal, assignment, indicator, activity …).
    ObjectId
);
id_type!(
    /// One follow-up row: what one unit reported on one object for one period.
    FollowUpId
);
id_type!(
    /// A report template (mall).
    TemplateId
);
id_type!(
    /// One unit's report made from a template for a period.
    ReportId
);
id_type!(
    /// One background job in the durable queue.
    JobId
);
