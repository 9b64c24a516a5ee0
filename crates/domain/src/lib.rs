//! Pure domain types and rules of Styrbord: no I/O, no async, no database.
//!
//! Everything that crosses into the domain is parsed here into newtypes first, so the rest of the
//! system never sees an empty name or an unknown role.

pub mod audit;
pub mod budget;
pub mod budget_source;
pub mod consolidation;
pub mod document;
pub mod document_chart;
pub mod evaluation;
pub mod governance;
pub mod ids;
pub mod job;
pub mod money;
pub mod org;
pub mod period;
pub mod plan;
pub mod policy;
pub mod report;
pub mod report_defaults;
pub mod report_template_edit;
pub mod reminder;
pub mod role;
pub mod user;
pub mod validate;

pub use ids::{AssignmentId, AuditEventId, FollowUpId, JobId, ModelId, ObjectId, OrgUnitId, ReportId, TemplateId, TokenId, UserId};
pub use validate::ValidationError;
