//! What a use case can answer besides success. The web layer maps each kind to a status code,
//! a stable `code` and a sentence in the user's language.

use domain::ValidationError;
use domain::org::TreeError;
use store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// One or more input fields are wrong; each names its field.
    #[error("invalid input")]
    Validation(Vec<ValidationError>),
    #[error("not found")]
    NotFound,
    #[error("not allowed")]
    Forbidden,
    #[error("not signed in")]
    Unauthenticated,
    /// Too many failed logins; try again later.
    #[error("too many attempts")]
    RateLimited,
    #[error("conflict: {0:?}")]
    Conflict(ConflictKind),
    #[error("internal error")]
    Internal(#[source] StoreError),
}

/// Why a well-formed request clashes with what is stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ConflictKind {
    /// Someone else saved the object since it was read (no lost update).
    Stale,
    /// The value of this field is taken by another object.
    Duplicate { field: &'static str },
    /// A unit moved under itself or a descendant.
    Cycle,
    ParentClosed,
    HasOpenChildren,
    UnitClosed,
    AlreadyGranted,
    AlreadyRevoked,
    /// The last active system administrator cannot be removed or deactivated.
    LastSystemAdmin,
    /// Other objects hang under, are copies of, or link to this object.
    HasDependants,
    /// Follow-up has been reported on this object; removing it would lose what was reported.
    HasFollowUps,
    /// A distributed copy is distributed further from its origin, not from itself.
    IsACopy,
    /// An assessment level removed from a scale is used in reported follow-up.
    LevelInUse,
    /// The budget version is decided and frozen: revise it instead of editing it.
    BudgetDecided,
    /// Only a decided budget version can be revised (a draft is simply edited).
    BudgetNotDecided,
    /// The import is not waiting to be committed: committed already, rejected, or its file was
    /// too large to keep between preview and commit.
    ImportNotCheckable,
    /// The report is approved, completed or archived: its texts and details stay as they are.
    ReportClosed,
    /// The step does not apply in the report's state (completing a report not yet approved).
    ReportStepNotAllowed,
    /// Approval needs every section with text marked ready: these are not (numbered, headed).
    SectionsNotReady { sections: Vec<String> },
    /// A part of a template names a module or level that does not exist (any more): the
    /// section as numbered and headed, and the missing reference (`module` or `module/level`).
    TemplatePartBroken { section: String, reference: String },
    /// Removing the section from its template would hide the text reports not yet completed
    /// hold in it: the section as numbered and headed, and how many reports.
    TemplateSectionWritten { section: String, reports: i64 },
    /// A section of the unit's own still holds text; it is emptied before the section goes.
    SectionHasText { section: String },
}

impl From<StoreError> for AppError {
    fn from(err: StoreError) -> Self {
        match err {
            StoreError::Stale => AppError::Conflict(ConflictKind::Stale),
            other => AppError::Internal(other),
        }
    }
}

impl From<ValidationError> for AppError {
    fn from(err: ValidationError) -> Self {
        AppError::Validation(vec![err])
    }
}

impl From<TreeError> for AppError {
    fn from(err: TreeError) -> Self {
        AppError::Conflict(match err {
            TreeError::Cycle => ConflictKind::Cycle,
            TreeError::ParentClosed => ConflictKind::ParentClosed,
            TreeError::HasOpenChildren => ConflictKind::HasOpenChildren,
        })
    }
}

/// Collects field errors so a form reports every problem at once.
#[derive(Default)]
pub(crate) struct Problems(Vec<ValidationError>);

impl Problems {
    pub fn take<T>(&mut self, result: Result<T, ValidationError>) -> Option<T> {
        match result {
            Ok(v) => Some(v),
            Err(e) => {
                self.0.push(e);
                None
            }
        }
    }

    pub fn push(&mut self, e: ValidationError) {
        self.0.push(e);
    }

    pub fn finish(self) -> Result<(), AppError> {
        if self.0.is_empty() { Ok(()) } else { Err(AppError::Validation(self.0)) }
    }
}
