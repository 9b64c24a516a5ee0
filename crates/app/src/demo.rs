//! The demo organisation: Region Västmanland's regionkontor (seed 004) and one person per role.

use crate::error::AppError;
use crate::org::NewUnit;
use crate::roles::NewGrant;
use crate::users::NewUser;
use crate::{Actor, App};

/// Every demo account has this password (README lists the accounts).
pub const DEMO_PASSWORD: &str = "styrbord-demo";

/// (key, name, short name, parent key)
const UNITS: &[(&str, &str, &str, Option<&str>)] = &[
    ("RV", "Region Västmanland", "RV", None),
    ("RK", "Regionkontoret", "RK", Some("RV")),
    ("CA", "Centrum för administration", "CA", Some("RK")),
    ("CA-UPPH", "Upphandlingsenheten", "", Some("CA")),
    ("CA-DOK", "Enheten för dokumenthantering och arkiv", "", Some("CA")),
    ("CK", "Centrum för kommunikation", "CK", Some("RK")),
    ("CE", "Centrum för ekonomi", "CE", Some("RK")),
    ("CE-REDO", "Redovisningsenheten", "", Some("CE")),
    ("CE-CTRL", "Controllerenheten", "", Some("CE")),
    ("CHR", "Centrum för HR", "CHR", Some("RK")),
    ("CHR-LON", "Lönecenter", "", Some("CHR")),
    ("CIFU", "Centrum för innovation, forskning och utbildning", "CIFU", Some("RK")),
    ("RDS", "Regiondirektörens stab", "RDS", Some("RK")),
];

/// (e-mail, name, home unit, licence, role, role's unit, module)
const PEOPLE: &[(&str, &str, &str, &str, &str, &str, Option<&str>)] = &[
    ("admin@styrbord.example", "Agnes Administratör", "RK", "full", "system-admin", "RV", None),
    ("lokaladmin@styrbord.example", "Lars Lokaladmin", "RK", "full", "local-admin", "RK", None),
    ("superanvandare@styrbord.example", "Sara Superanvändare", "RDS", "full", "super-user", "RV", None),
    ("modulansvarig@styrbord.example", "Maja Modulansvarig", "RDS", "full", "module-owner", "RV", Some("vgpu")),
    ("verksamhetsstod@styrbord.example", "Vera Verksamhetsstöd", "CE", "full", "business-support", "CE", None),
    ("chef@styrbord.example", "Christer Chef", "CE", "full", "manager", "CE", None),
    ("anvandare@styrbord.example", "Ulla Användare", "CE-REDO", "report-only", "user", "CE-REDO", None),
    ("titta@styrbord.example", "Tore Titta", "CK", "read-only", "view", "RK", None),
    ("revisor@styrbord.example", "Rut Revisor", "RV", "read-only", "view", "RV", None),
];

const MODULES: &[(&str, &str, &str)] = &[
    ("vgpu", "VGPU – Planering och uppföljning", "VGPU – Planning and follow-up"),
    ("vgsp", "VGSP – Strategier och program", "VGSP – Strategies and programmes"),
    ("ik", "Intern kontroll", "Internal control"),
    ("sam", "SAM – Systematiskt arbetsmiljöarbete", "SAM – Systematic work environment management"),
];

impl App {
    /// Loads the demo organisation into an empty database. Everything goes through the normal
    /// use cases, so the demo's history shows in the audit log like any other change.
    pub async fn load_demo(&self) -> Result<(), AppError> {
        if !self.store.is_empty().await? {
            return Err(AppError::Conflict(crate::ConflictKind::Duplicate { field: "database" }));
        }
        let actor = Actor::system();
        {
            let mut tx = self.store.begin_write().await?;
            for (key, sv, en) in MODULES {
                let module = store::modules::Module { key: (*key).into(), name_sv: (*sv).into(), name_en: (*en).into() };
                store::modules::insert(&mut tx, &module, self.clock.now_ms()).await?;
            }
            tx.commit().await?;
        }
        for (key, name, short, parent) in UNITS {
            self.create_unit(
                &actor,
                NewUnit {
                    key: (*key).into(),
                    name: (*name).into(),
                    short_name: Some((*short).into()),
                    parent: parent.map(Into::into),
                    valid_from: Some("2019-01-01".into()),
                    manager: None,
                },
            )
            .await?;
        }
        for (email, name, home, licence, role, unit, module) in PEOPLE {
            let user = self
                .create_user(
                    &actor,
                    NewUser {
                        email: (*email).into(),
                        name: (*name).into(),
                        home_unit: Some((*home).into()),
                        licence: Some((*licence).into()),
                        locale: None,
                        password: Some(DEMO_PASSWORD.into()),
                    },
                )
                .await?;
            self.grant_role(
                &actor,
                NewGrant { user: user.id.to_string(), role: (*role).into(), unit: (*unit).into(), module: module.map(Into::into) },
            )
            .await?;
        }
        // The head of Centrum för ekonomi is its manager.
        self.update_unit(
            &actor,
            "CE",
            crate::org::UnitPatch { manager: Some(Some("chef@styrbord.example".into())), ..Default::default() },
        )
        .await?;
        self.store.analyze().await?;
        Ok(())
    }
}
