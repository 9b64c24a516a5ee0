//! The demo organisation: Region Västmanland's regionkontor (seed 004) and one person per role.

use crate::error::AppError;
use crate::org::NewUnit;
use crate::roles::NewGrant;
use crate::governance::ModelInput;
use crate::users::NewUser;
use domain::governance::LevelInput;
use crate::{Actor, App};

/// Seed 004's förvaltningsplan 2020 as a plan file.
pub const SEED_004_PLAN: &str = include_str!("../demo/seed-004-plan.json");

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
    // Moved out of the administration for 2020 (seed 004 §5.1): closed, kept for the 2019 frames.
    ("CHSU", "Centrum för hälso- och sjukvårdsutveckling", "CHSU", Some("RK")),
    ("CRU", "Centrum för regional utveckling", "CRU", Some("RK")),
    ("CD", "Centrum för digitalisering", "CD", Some("RK")),
];

/// One demo account and the role it holds.
struct DemoPerson {
    email: &'static str,
    name: &'static str,
    home_unit: &'static str,
    licence: &'static str,
    role: &'static str,
    role_unit: &'static str,
    module: Option<&'static str>,
}

const PEOPLE: &[DemoPerson] = &[
    DemoPerson { email: "admin@styrbord.example", name: "Agnes Administratör", home_unit: "RK", licence: "full", role: "system-admin", role_unit: "RV", module: None },
    DemoPerson { email: "lokaladmin@styrbord.example", name: "Lars Lokaladmin", home_unit: "RK", licence: "full", role: "local-admin", role_unit: "RK", module: None },
    DemoPerson { email: "superanvandare@styrbord.example", name: "Sara Superanvändare", home_unit: "RDS", licence: "full", role: "super-user", role_unit: "RV", module: None },
    DemoPerson { email: "modulansvarig@styrbord.example", name: "Maja Modulansvarig", home_unit: "RDS", licence: "full", role: "module-owner", role_unit: "RV", module: Some("vgpu") },
    DemoPerson { email: "verksamhetsstod@styrbord.example", name: "Vera Verksamhetsstöd", home_unit: "CE", licence: "full", role: "business-support", role_unit: "CE", module: None },
    DemoPerson { email: "chef@styrbord.example", name: "Christer Chef", home_unit: "CE", licence: "full", role: "manager", role_unit: "CE", module: None },
    DemoPerson { email: "anvandare@styrbord.example", name: "Ulla Användare", home_unit: "CE-REDO", licence: "report-only", role: "user", role_unit: "CE-REDO", module: None },
    DemoPerson { email: "titta@styrbord.example", name: "Tore Titta", home_unit: "CK", licence: "read-only", role: "view", role_unit: "RK", module: None },
    DemoPerson { email: "revisor@styrbord.example", name: "Rut Revisor", home_unit: "RV", licence: "read-only", role: "view", role_unit: "RV", module: None },
];

/// A level: (key, Swedish name, English name, object kind, periodicity, parent levels).
type DemoLevel = (&'static str, &'static str, &'static str, &'static str, &'static str, &'static [&'static str]);

/// The governance model of each demo module. VGPU holds seed 004's plan: perspectives, goals
/// from regionfullmäktige and regionstyrelse, indicators, assignments and actions.
const MODELS: &[(&str, &str, &str, &[DemoLevel])] = &[
    (
        "vgpu",
        "Styrmodell för planering och uppföljning",
        "Planning and follow-up model",
        &[
            ("perspective", "Perspektiv", "Perspective", "text", "year", &[]),
            ("goal", "Mål", "Goal", "text", "tertial", &["perspective"]),
            ("indicator", "Indikator", "Indicator", "measure", "month", &["goal", "perspective"]),
            ("assignment", "Uppdrag", "Assignment", "text", "tertial", &["perspective"]),
            ("activity", "Åtgärd", "Action", "activity", "tertial", &["assignment", "goal", "perspective"]),
        ],
    ),
    (
        "vgsp",
        "Strategier och program",
        "Strategies and programmes",
        &[
            ("strategy", "Strategi", "Strategy", "text", "year", &[]),
            ("programme", "Program", "Programme", "text", "year", &["strategy"]),
            ("goal", "Mål", "Goal", "text", "year", &["programme"]),
            ("indicator", "Indikator", "Indicator", "measure", "year", &["goal"]),
        ],
    ),
    (
        "ik",
        "Intern kontroll",
        "Internal control",
        &[
            ("control-area", "Kontrollområde", "Control area", "text", "year", &[]),
            ("risk", "Risk", "Risk", "measure", "year", &["control-area"]),
            ("control-objective", "Kontrollmål", "Control objective", "text", "year", &["control-area"]),
            ("control-activity", "Kontrollmoment", "Control activity", "activity", "tertial", &["control-objective"]),
        ],
    ),
    (
        "sam",
        "Systematiskt arbetsmiljöarbete",
        "Systematic work environment management",
        &[
            ("area", "Arbetsmiljöområde", "Work environment area", "text", "year", &[]),
            ("risk", "Risk", "Risk", "measure", "year", &["area"]),
            ("action", "Åtgärd", "Action", "activity", "tertial", &["risk", "area"]),
        ],
    ),
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
        for (module, name_sv, name_en, levels) in MODELS {
            let levels = levels
                .iter()
                .map(|(key, sv, en, kind, periodicity, parents)| LevelInput {
                    key: (*key).into(),
                    name_sv: (*sv).into(),
                    name_en: (*en).into(),
                    kind: (*kind).into(),
                    periodicity: (*periodicity).into(),
                    parents: parents.iter().map(|p| (*p).to_owned()).collect(),
                })
                .collect();
            let input = ModelInput { name_sv: (*name_sv).into(), name_en: (*name_en).into(), levels, scale: None, deadlines: None, version: None };
            self.create_governance_model(&actor, module, input).await?;
        }
        for p in PEOPLE {
            let user = self
                .create_user(
                    &actor,
                    NewUser {
                        email: p.email.into(),
                        name: p.name.into(),
                        home_unit: Some(p.home_unit.into()),
                        licence: Some(p.licence.into()),
                        locale: None,
                        password: Some(DEMO_PASSWORD.into()),
                    },
                )
                .await?;
            let grant = NewGrant {
                user: user.id.to_string(),
                role: p.role.into(),
                unit: p.role_unit.into(),
                module: p.module.map(Into::into),
            };
            self.grant_role(&actor, grant).await?;
        }
        // The head of Centrum för ekonomi is its manager.
        self.update_unit(
            &actor,
            "CE",
            crate::org::UnitPatch { manager: Some(Some("chef@styrbord.example".into())), ..Default::default() },
        )
        .await?;
        // Seed 004's plan (sections 3, 4 and 7) and a first follow-up of 2020-T1, through the
        // same import administrators use.
        self.import_plan(&actor, SEED_004_PLAN).await?;
        // Seed 004's economy chapter (section 5), through the same use case as the API.
        self.load_seed_004_budget(&actor).await?;
        // Seed 004's document itself: the förvaltningsplan report with its texts, decision and
        // signing parties; the rest it prints comes from the plan and the budget.
        self.install_default_templates().await?;
        self.load_seed_004_report(&actor).await?;
        // And a plan for this year at Centrum för ekonomi, so to-do lists and deadlines have
        // something current to show.
        self.import_plan(&actor, &current_year_plan(self.clock.today()).to_string()).await?;
        self.store.analyze().await?;
        Ok(())
    }
}

/// Seed 004's texts, decision and signing parties (`demo/seed-004-texts.json`).
const SEED_004_TEXTS: &str = include_str!("../demo/seed-004-texts.json");

#[derive(serde::Deserialize)]
struct SeedReport {
    title: String,
    decision: domain::report::DecisionReference,
    signing: domain::report::Signing,
    texts: std::collections::BTreeMap<String, String>,
}

impl App {
    async fn load_seed_004_report(&self, actor: &Actor) -> Result<(), AppError> {
        let seed: SeedReport = serde_json::from_str(SEED_004_TEXTS).expect("demo/seed-004-texts.json is valid");
        let input = crate::reports::NewReport {
            template: domain::report::FORVALTNINGSPLAN.into(),
            unit: "RK".into(),
            year: 2020,
            period: None,
            title: Some(seed.title.clone()),
        };
        let view = self.create_report(actor, input).await?;
        let id = view.report.id.to_string();
        let details = crate::reports::ReportDetails { title: seed.title, decision: seed.decision, signing: seed.signing, readability: None, version: view.report.version };
        self.save_report_details(actor, &id, details).await?;
        for (section, text) in &seed.texts {
            self.save_report_text(actor, &id, section, text, true, 0).await?;
        }
        // The first interim report of 2020, begun: the follow-up of tertial 1 prints from the
        // plan and the budget; the summary is written.
        let interim = crate::reports::NewReport {
            template: domain::report_defaults::DELARSRAPPORT.into(),
            unit: "RK".into(),
            year: 2020,
            period: Some("2020-T1".into()),
            title: Some("Delårsrapport 1 2020".into()),
        };
        let view = self.create_report(actor, interim).await?;
        let summary = "Regionkontoret följer planen för årets första tertial. Sjukfrånvaron har minskat i flera centrum, och arbetet med ekonomi i balans fortsätter.";
        self.save_report_text(actor, &view.report.id.to_string(), "sammanfattning", summary, true, 0).await?;
        Ok(())
    }
}

/// Centrum för ekonomi's own plan for the current year: a goal under the region's perspective,
/// three monthly indicators and two actions, with reports for the months before last (so the
/// last month and this one are on the to-do lists).
fn current_year_plan(today: time::Date) -> serde_json::Value {
    use serde_json::json;
    let year = today.year();
    let month = u8::from(today.month());
    let months_reported: Vec<u8> = (1..month.saturating_sub(1)).collect();
    let series = |base: f64, step: f64| -> Vec<serde_json::Value> {
        months_reported
            .iter()
            .map(|m| json!({"period": format!("{year}-{m:02}"), "outcome": ((base + step * f64::from(*m % 4)) * 10.0).round() / 10.0}))
            .collect()
    };
    let mut follow_ups = Vec::new();
    for (key, values) in [("ce-fakturor", series(94.5, 0.8)), ("ce-sjukfranvaro", series(3.6, 0.3)), ("ce-prognos", series(-0.8, 0.4))] {
        for v in values {
            let mut v = v;
            v["object"] = json!(key);
            follow_ups.push(v);
        }
    }
    json!({
        "format": "styrbord-plan/1",
        "year": year,
        "objects": [
            {"key": format!("ce-mal-{year}"), "module": "vgpu", "level": "goal", "unit": "CE", "title": "Ekonomiprocesserna ska vara effektiva och rättssäkra",
             "issued_by": "Internt"},
            {"key": "ce-fakturor", "module": "vgpu", "level": "indicator", "unit": "CE", "parent": format!("ce-mal-{year}"),
             "title": "Andel leverantörsfakturor betalda i tid", "measure_unit": "%", "decimals": 1, "higher_is_better": true,
             "reported": ["M"], "targets": [{"period": year.to_string(), "value": 95.0}]},
            {"key": "ce-sjukfranvaro", "module": "vgpu", "level": "indicator", "unit": "CE", "parent": format!("ce-mal-{year}"),
             "title": "Sjukfrånvaro, Centrum för ekonomi", "measure_unit": "%", "decimals": 1, "higher_is_better": false,
             "reported": ["M"], "targets": [{"period": year.to_string(), "value": 4.0}]},
            {"key": "ce-prognos", "module": "vgpu", "level": "indicator", "unit": "CE", "parent": format!("ce-mal-{year}"),
             "title": "Prognosavvikelse mot budget", "measure_unit": "mkr", "decimals": 1, "higher_is_better": true,
             "reported": ["M"], "targets": [{"period": year.to_string(), "value": 0.0}]},
            {"key": "ce-e-faktura", "module": "vgpu", "level": "activity", "unit": "CE", "parent": format!("ce-mal-{year}"),
             "title": "Införa e-faktura för alla leverantörer med fler än tio fakturor per år", "responsible": "CE-REDO",
             "start": format!("{year}-01-01"), "end": format!("{year}-12-31")},
            {"key": "ce-bokslut", "module": "vgpu", "level": "activity", "unit": "CE", "parent": format!("ce-mal-{year}"),
             "title": "Korta tiden för månadsbokslut till sex arbetsdagar", "responsible_user": "chef@styrbord.example",
             "start": format!("{year}-02-01"), "end": format!("{year}-10-31"), "progress": 60}
        ],
        "follow_ups": follow_ups
    })
}

/// The centres that left Regionkontoret for 2020: closed from 2020-01-01.
const MOVED_OUT_2020: &[&str] = &["CHSU", "CRU", "CD"];

impl App {
    /// Closes the centres that moved out, then saves seed 004 §5 as Regionkontoret's budget 2020.
    async fn load_seed_004_budget(&self, actor: &Actor) -> Result<(), AppError> {
        for key in MOVED_OUT_2020 {
            let patch = crate::org::UnitPatch { valid_to: Some(Some("2019-12-31".into())), ..Default::default() };
            self.update_unit(actor, key, patch).await?;
        }
        let mut ids = std::collections::HashMap::new();
        for (key, _) in domain::budget::SEED_004_UNITS {
            ids.insert(*key, self.unit_by_key(actor, key).await?.id);
        }
        let chapter = domain::budget::seed_004(|key| ids[key]);
        let keys: std::collections::HashMap<domain::OrgUnitId, &str> = ids.iter().map(|(k, id)| (*id, *k)).collect();
        let input = crate::budget::ChapterInput::from_chapter(&chapter, |id| keys[&id].to_owned());
        self.save_budget(actor, "RK", chapter.budget_year(), input).await?;
        self.load_demo_outcomes(actor, &chapter).await
    }

    /// Actuals January–August 2020 for Regionkontoret's budget lines, imported as a ledger
    /// file through the same use case as an upload (each category booked on two accounts, a
    /// few per cent off budget), and the full-year forecast made in August.
    async fn load_demo_outcomes(&self, actor: &Actor, chapter: &domain::budget::EconomyChapter) -> Result<(), AppError> {
        use domain::money::{Money, Unit, format_sv};
        // Per-mille deviation from budget per category: staff costs run over, IT under.
        let deviation = |category: &str| -> i64 {
            match category {
                "40" => 25,
                "47" => 180,
                "641" | "642" => -60,
                "34" => -30,
                "66" => 90,
                _ => 0,
            }
        };
        let mut csv = String::from("Enhet;Konto;Månad;Belopp\r\n");
        for line in &chapter.budget_lines {
            for month in 1..=8u8 {
                let budget = line.months.month(month).as_ore();
                let actual = budget + budget * deviation(&line.category) / 1000 + budget * i64::from(month % 3) / 200;
                // Two accounts per category: 70 % on the first, the rest on the second.
                let first = actual * 7 / 10;
                for (suffix, ore) in [("1", first), ("2", actual - first)] {
                    let account = format!("{}{suffix}", line.category.trim_end_matches(|c: char| !c.is_ascii_digit()));
                    csv.push_str(&format!("RK;{account};2020-{month:02};{}\r\n", format_sv(Money::from_ore(ore), Unit::Kr, 2)));
                }
            }
        }
        let request = crate::budget_outcomes::ImportRequest {
            kind: domain::budget::OutcomeKind::Actuals,
            year: 2020,
            amount_unit: Unit::Kr,
            file_name: "huvudbok-2020-01-08.csv".into(),
            bytes: csv.into_bytes(),
            sheet: None,
        };
        let report = self.import_outcomes(actor, request).await?;
        debug_assert!(!report.is_rejected(), "the demo's ledger file is clean: {:?}", report.findings.issues);
        let made_in = domain::budget::YearMonth::new(2020, 8).expect("a valid month");
        let forecast: Vec<(String, Money)> = chapter
            .budget_lines
            .iter()
            .filter(|l| deviation(&l.category) != 0)
            .map(|l| {
                let year = l.total().as_ore();
                (l.category.clone(), Money::from_ore(year + year * deviation(&l.category) / 2000))
            })
            .collect();
        self.save_forecast(actor, "RK", made_in, &forecast).await
    }
}
