//! Roles and the scope of a grant.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// The roles of the public contract (CONTRACT.md §1). The identifiers are stable.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Role {
    /// Titta: reads.
    View,
    /// Användare: reports follow-up.
    User,
    /// Chef: reports, approves, edits the unit's activities.
    Manager,
    /// Verksamhetsstöd: edits plan structure.
    BusinessSupport,
    /// Modulansvarig: configures a module.
    ModuleOwner,
    /// Superanvändare: everything in the modules, no user administration.
    SuperUser,
    /// Lokal systemadministratör: units, users and roles within a subtree.
    LocalAdmin,
    /// Systemadministratör: everything.
    SystemAdmin,
}

impl Role {
    pub const ALL: [Role; 8] = [
        Role::View,
        Role::User,
        Role::Manager,
        Role::BusinessSupport,
        Role::ModuleOwner,
        Role::SuperUser,
        Role::LocalAdmin,
        Role::SystemAdmin,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::View => "view",
            Role::User => "user",
            Role::Manager => "manager",
            Role::BusinessSupport => "business-support",
            Role::ModuleOwner => "module-owner",
            Role::SuperUser => "super-user",
            Role::LocalAdmin => "local-admin",
            Role::SystemAdmin => "system-admin",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown role {0:?}")]
pub struct UnknownRole(pub String);

impl FromStr for Role {
    type Err = UnknownRole;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Role::ALL
            .into_iter()
            .find(|r| r.as_str() == s)
            .ok_or_else(|| UnknownRole(s.to_owned()))
    }
}

/// Which module a grant covers: one module by key, or all of them.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum ModuleScope {
    All,
    Module(String),
}

impl ModuleScope {
    /// Storage form: `*` for all modules, else the module key.
    pub fn as_storage(&self) -> &str {
        match self {
            ModuleScope::All => "*",
            ModuleScope::Module(key) => key,
        }
    }

    pub fn from_storage(value: &str) -> Self {
        if value == "*" { ModuleScope::All } else { ModuleScope::Module(value.to_owned()) }
    }

    /// Does a grant with this scope cover work in `module` (None = not module-specific)?
    pub fn covers(&self, module: Option<&str>) -> bool {
        match (self, module) {
            (ModuleScope::All, _) => true,
            // A module-scoped grant covers only work in that module; work that belongs to no
            // module (the organisation itself) needs an all-modules grant.
            (ModuleScope::Module(own), Some(m)) => own == m,
            (ModuleScope::Module(_), None) => false,
        }
    }
}

/// Where a grant came from. Directory sync only ever replaces its own grants.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum GrantSource {
    Manual,
    Directory,
}

impl GrantSource {
    pub fn as_str(self) -> &'static str {
        match self {
            GrantSource::Manual => "manual",
            GrantSource::Directory => "directory",
        }
    }

    pub fn from_storage(value: &str) -> Option<Self> {
        match value {
            "manual" => Some(Self::Manual),
            "directory" => Some(Self::Directory),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn role_identifiers_round_trip() {
        for role in Role::ALL {
            assert_eq!(role.as_str().parse::<Role>().unwrap(), role);
            assert_eq!(serde_json::to_value(role).unwrap(), role.as_str());
        }
        assert!("admin".parse::<Role>().is_err());
    }

    #[test]
    fn module_scope_coverage() {
        let vgpu = ModuleScope::Module("vgpu".into());
        assert!(vgpu.covers(Some("vgpu")));
        assert!(!vgpu.covers(Some("sam")));
        assert!(!vgpu.covers(None));
        assert!(ModuleScope::All.covers(None));
        assert_eq!(ModuleScope::from_storage("*"), ModuleScope::All);
    }
}
