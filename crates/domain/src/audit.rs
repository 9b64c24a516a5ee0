//! Audit events: who changed what, when, before → after.

use crate::ids::{AuditEventId, OrgUnitId, UserId};
use serde::{Deserialize, Serialize};

/// The kinds of object that changes are recorded for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ObjectType {
    OrgUnit,
    User,
    RoleAssignment,
    ApiToken,
    GovernanceModel,
    PlanObject,
    FollowUp,
    Budget,
    /// An import of actuals or forecasts.
    BudgetImport,
    ReportTemplate,
    Report,
    /// A background job (an administrator put a dead one back in the queue).
    Job,
}

impl ObjectType {
    pub const ALL: [ObjectType; 12] = [
        ObjectType::OrgUnit,
        ObjectType::User,
        ObjectType::RoleAssignment,
        ObjectType::ApiToken,
        ObjectType::GovernanceModel,
        ObjectType::PlanObject,
        ObjectType::FollowUp,
        ObjectType::Budget,
        ObjectType::BudgetImport,
        ObjectType::ReportTemplate,
        ObjectType::Report,
        ObjectType::Job,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ObjectType::OrgUnit => "org-unit",
            ObjectType::User => "user",
            ObjectType::RoleAssignment => "role-assignment",
            ObjectType::ApiToken => "api-token",
            ObjectType::GovernanceModel => "governance-model",
            ObjectType::PlanObject => "plan-object",
            ObjectType::FollowUp => "follow-up",
            ObjectType::Budget => "budget",
            ObjectType::BudgetImport => "budget-import",
            ObjectType::ReportTemplate => "report-template",
            ObjectType::Report => "report",
            ObjectType::Job => "job",
        }
    }

    pub fn from_storage(value: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.as_str() == value)
    }
}

/// What happened to the object.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum AuditAction {
    Created,
    Updated,
    Moved,
    Closed,
    Reopened,
    Granted,
    Revoked,
    PasswordChanged,
    Deleted,
}

impl AuditAction {
    pub const ALL: [AuditAction; 9] = [
        AuditAction::Created,
        AuditAction::Updated,
        AuditAction::Moved,
        AuditAction::Closed,
        AuditAction::Reopened,
        AuditAction::Granted,
        AuditAction::Revoked,
        AuditAction::PasswordChanged,
        AuditAction::Deleted,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            AuditAction::Created => "created",
            AuditAction::Updated => "updated",
            AuditAction::Moved => "moved",
            AuditAction::Closed => "closed",
            AuditAction::Reopened => "reopened",
            AuditAction::Granted => "granted",
            AuditAction::Revoked => "revoked",
            AuditAction::PasswordChanged => "password-changed",
            AuditAction::Deleted => "deleted",
        }
    }

    pub fn from_storage(value: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.as_str() == value)
    }
}

/// One recorded change. Written in the same transaction as the change; never updated or deleted.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct AuditEvent {
    pub id: AuditEventId,
    /// Unix milliseconds (UTC).
    pub occurred_at: i64,
    pub actor_id: Option<UserId>,
    /// The actor's name at the time, so the log reads well even after the person is renamed.
    pub actor_name: String,
    pub action: AuditAction,
    pub object_type: ObjectType,
    pub object_id: String,
    /// A human label of the object at the time (unit name, user e-mail …).
    pub object_label: String,
    /// The unit the object belongs to, for subtree filters and read access.
    pub unit_id: Option<OrgUnitId>,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
    pub request_id: Option<String>,
}
