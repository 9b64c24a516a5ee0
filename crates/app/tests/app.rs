//! Use-case tests of the planning engine on both backends (SQLite always, PostgreSQL when
//! `STYRBORD_TEST_DATABASE_URL` is set): seed 004 in the demo, roll-ups, the plan file, reports
//! that survive plan and tree changes, conflicts.

#[path = "../../store/tests/support/mod.rs"]
mod support;

use app::plan::{NewObject, ObjectChange, ObjectRefs};
use app::{Actor, App, AppError, ConflictKind, FixedClock, Settings};
use domain::consolidation::Decimal;
use domain::evaluation::Assessment;
use domain::plan::{FollowUpInput, ObjectInput};
use serde_json::{Value, json};
use std::collections::BTreeSet;
use std::sync::Arc;
use support::Db;

conformance! {
    seed_004_plan_is_held_and_rolls_up => seed_004_plan_is_held_and_rolls_up_sqlite, seed_004_plan_is_held_and_rolls_up_postgres;
    plan_file_round_trip_is_lossless_and_import_idempotent => plan_file_round_trip_sqlite, plan_file_round_trip_postgres;
    import_lists_every_problem_and_writes_nothing => import_lists_every_problem_sqlite, import_lists_every_problem_postgres;
    reports_survive_formula_and_tree_changes => reports_survive_changes_sqlite, reports_survive_changes_postgres;
    follow_up_conflicts_rights_and_closed_units => follow_up_conflicts_sqlite, follow_up_conflicts_postgres;
    todo_lists_what_is_due_and_unreported => todo_sqlite, todo_postgres;
    budget_of_the_demo_adds_up_as_printed => budget_adds_up_sqlite, budget_adds_up_postgres;
    budget_input_lists_every_problem_and_writes_nothing => budget_bad_input_sqlite, budget_bad_input_postgres;
    decided_budget_refuses_edits => budget_decided_sqlite, budget_decided_postgres;
    assessment_scale_is_configurable_per_module => assessment_scale_sqlite, assessment_scale_postgres;
}

/// 2020-05-15 10:00 UTC: the first tertial of the seed's plan year has just been reported.
const MAY_2020: i64 = 1_589_536_800_000;

async fn demo(db: &Db) -> App {
    // Cache every roll-up, so the tests below also check that the cache never shows stale values.
    let settings = Settings { rollup_cache_min_units: 1, ..Settings::default() };
    let app = App::new(db.store.clone(), Arc::new(FixedClock::at_ms(MAY_2020)), settings);
    app.load_demo().await.expect("the demo loads");
    app
}

async fn audit_count(db: &Db) -> i64 {
    db.scalar("SELECT COUNT(*) FROM audit_events").await
}

fn dec(s: &str) -> Decimal {
    s.parse().unwrap()
}

async fn actor_of(app: &App, email: &str) -> Actor {
    let session = app.login(email, app::demo::DEMO_PASSWORD, "test").await.expect("demo login");
    app.session(&session.id, None).await.unwrap().expect("session").actor
}

async fn seed_004_plan_is_held_and_rolls_up(db: Db) {
    let app = demo(&db).await;
    let system = Actor::system();
    let plan = app.plan_view(&system, "RK", "vgpu", Some("2020-T1")).await.unwrap();
    let by_level = |level: &str| plan.rows.iter().filter(|r| r.record.object.level == level).collect::<Vec<_>>();
    assert_eq!(by_level("perspective").len(), 5);
    let council_goals = by_level("goal").iter().filter(|r| r.record.object.issued_by == Some(domain::plan::IssuedBy::Council)).count();
    assert_eq!(council_goals, 7, "section 3: the goals of regionfullmäktige");
    assert_eq!(by_level("assignment").len(), 12, "section 3: the assignments of regionstyrelsen");
    assert_eq!(by_level("activity").len(), 22, "section 4: every action");
    // The red thread: each perspective's goals and assignments hang under it, in tree order.
    let first = &plan.rows[0];
    assert_eq!((first.record.object.key.as_str(), first.depth), ("p-invanare", 0));
    assert_eq!((plan.rows[1].record.parent_key.as_deref(), plan.rows[1].depth), (Some("p-invanare"), 1));

    // Section 7: sick leave, target 4,0 %, 2019 at 4,5 %, reported M, D, Å; distributed to the
    // six centres and averaged: five of them reported 4,3 3,8 5,2 4,6 3,1 → 4,2.
    let sick = plan.rows.iter().find(|r| r.record.object.key == "i-sjukfranvaro").unwrap();
    assert_eq!(sick.target, Some(dec("4.0")));
    assert_eq!(sick.value, Some(dec("4.2")));
    let c = sick.consolidated.unwrap();
    assert_eq!((c.present, c.expected), (5, 6));
    assert_eq!(sick.assessment, "yellow", "4,2 is within 10 % above a lower-is-better target of 4,0");
    let prognos = plan.rows.iter().find(|r| r.record.object.key == "i-prognos").unwrap();
    assert_eq!(prognos.value, Some(dec("-4.5")));
    assert_eq!((prognos.automatic, prognos.assessment.as_str()), (Assessment::Red, "yellow"), "a reasoned override");
    let forum = plan.rows.iter().find(|r| r.record.object.key == "a-forum").unwrap();
    assert_eq!(forum.status, Some(domain::evaluation::ActivityStatus::Completed));
    let arende = plan.rows.iter().find(|r| r.record.object.key == "a-arendeprocess").unwrap();
    assert_eq!(arende.status, Some(domain::evaluation::ActivityStatus::Ongoing));
    assert_eq!(arende.record.object.activity.as_ref().unwrap().responsible_text.as_deref(), Some("CA"));

    // A centre sees the region's perspectives (visible, not its own) and its own copy.
    let ce = app.plan_view(&system, "CE", "vgpu", Some("2020-T1")).await.unwrap();
    assert_eq!(ce.rows.iter().filter(|r| !r.owned).count(), 5, "the five perspectives are visible below");
    let copy = ce.rows.iter().find(|r| r.record.object.key == "i-sjukfranvaro.CE").unwrap();
    assert!(copy.owned);
    assert_eq!((copy.value, copy.assessment.as_str()), (Some(dec("3.8")), "green"));

    // The follow-up window of the origin lists the centres and what they wrote.
    let window = app.follow_up_view(&system, "i-sjukfranvaro", None, Some("2020-T1")).await.unwrap();
    assert_eq!(window.sub_units.len(), 6);
    let chr = window.sub_units.iter().find(|s| s.unit.key == "CHR").unwrap();
    assert_eq!(chr.value, Some(dec("5.2")));
    assert!(chr.follow_up.as_ref().unwrap().comment.as_deref().unwrap().contains("rehabiliteringsplaner"));
    assert!(window.sub_units.iter().any(|s| s.unit.key == "RDS" && s.value.is_none()));
}

/// JSON numbers compare as numbers (4 = 4.0); `reported` as a set.
fn same(field: &str, a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        (Value::Array(x), Value::Array(y)) if field == "reported" || field == "distributed_to" => {
            x.iter().map(Value::to_string).collect::<BTreeSet<_>>() == y.iter().map(Value::to_string).collect::<BTreeSet<_>>()
        }
        (Value::Array(x), Value::Array(y)) => x.len() == y.len() && x.iter().zip(y).all(|(a, b)| same(field, a, b)),
        (Value::Object(x), Value::Object(y)) => x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| same(k, v, w))),
        _ => a == b,
    }
}

async fn plan_file_round_trip_is_lossless_and_import_idempotent(db: Db) {
    let app = demo(&db).await;
    let system = Actor::system();
    let exported = app.export_plan(&system, "RK", 2020, Some("vgpu")).await.unwrap();
    let seed: Value = serde_json::from_str(app::demo::SEED_004_PLAN).unwrap();

    // Everything the seed file says is in the export (unknown fields such as `timeline` too).
    let objects = exported["objects"].as_array().unwrap();
    for wanted in seed["objects"].as_array().unwrap() {
        let key = wanted["key"].as_str().unwrap();
        let got = objects.iter().find(|o| o["key"] == key).unwrap_or_else(|| panic!("{key} missing from the export"));
        for (field, value) in wanted.as_object().unwrap() {
            assert!(same(field, value, &got[field]), "{key}.{field}: seed {value}, export {}", got[field]);
        }
    }
    assert!(!objects.iter().any(|o| o["key"].as_str().unwrap().starts_with("i-sjukfranvaro.")), "copies are written as distributed_to");
    for wanted in seed["follow_ups"].as_array().unwrap() {
        let found = exported["follow_ups"].as_array().unwrap().iter().any(|f| {
            wanted.as_object().unwrap().iter().all(|(k, v)| same(k, v, &f[k]))
        });
        assert!(found, "follow-up {wanted} missing from the export");
    }

    // Importing the export again changes nothing and writes no event.
    let before = audit_count(&db).await;
    let summary = app.import_plan(&system, &exported.to_string()).await.unwrap();
    assert_eq!(summary, app::plan_file::ImportSummary::default());
    assert_eq!(audit_count(&db).await, before, "an idempotent import leaves no trace");
    let again = app.export_plan(&system, "RK", 2020, Some("vgpu")).await.unwrap();
    assert_eq!(again, exported);

    // A changed file updates only what changed.
    let mut changed = exported.clone();
    let sick = changed["objects"].as_array_mut().unwrap().iter_mut().find(|o| o["key"] == "i-sjukfranvaro").unwrap();
    sick["targets"] = json!([{"period": "2020", "value": 3.9}]);
    changed["budget"] = json!({"currency": "SEK", "frames": []});
    let summary = app.import_plan(&system, &changed.to_string()).await.unwrap();
    assert_eq!((summary.objects_created, summary.objects_updated, summary.follow_ups_saved), (0, 1, 0));
    assert_eq!(summary.ignored, ["budget"], "what is not imported is said, not silently dropped");
    let record = app.object(&system, "i-sjukfranvaro").await.unwrap();
    assert_eq!(record.object.target_for("2020-T1".parse().unwrap()), Some(dec("3.9")));
}

async fn import_lists_every_problem_and_writes_nothing(db: Db) {
    let app = demo(&db).await;
    let system = Actor::system();
    let file = json!({
        "format": "styrbord-plan/2",
        "year": 2021,
        "units": [{"key": "CE-NY", "name": "Ny enhet", "parent": "CE"}, {"key": "CK", "name": "Centrum för kommunikation", "parent": "CE"}],
        "objects": [
            {"key": "ny-1", "module": "okand", "level": "goal", "unit": "RK", "title": "Okänd modul"},
            {"key": "ny-2", "module": "vgpu", "level": "mal", "unit": "RK", "title": "Okänd nivå"},
            {"key": "ny-3", "module": "vgpu", "level": "goal", "unit": "RK", "title": "Mål med målvärde",
             "targets": [{"period": "2021", "value": 1}]},
            {"key": "ny-4", "module": "vgpu", "level": "indicator", "unit": "RK", "title": "För många decimaler",
             "decimals": 1, "targets": [{"period": "2021", "value": 4.25}]},
            {"key": "ny-5", "module": "vgpu", "level": "activity", "unit": "RK", "title": "Länk till inget",
             "links": ["finns-inte"], "start": "2021-06-01", "end": "2021-01-01"},
            {"key": "ny-6", "module": "vgpu", "level": "goal", "unit": "NOPE", "title": "Okänd enhet"},
            {"key": "ny-7", "module": "vgpu", "level": "indicator", "unit": "RK", "title": ""},
            {"key": "ny-7", "module": "vgpu", "level": "goal", "unit": "RK", "title": "Dubblett"},
            {"key": "ny-8", "module": "vgpu", "level": "goal", "unit": "RK", "title": "Fel förälder", "parent": "ny-3"}
        ],
        "follow_ups": [
            {"object": "m-resultat", "period": "2021-T4", "assessment": "green"},
            {"object": "saknas", "period": "2021-T1", "comment": "x"},
            {"object": "m-resultat", "period": "2021-T1", "assessment": "purple"}
        ]
    });
    let before = (audit_count(&db).await, db.scalar("SELECT COUNT(*) FROM plan_objects").await, db.scalar("SELECT COUNT(*) FROM org_units").await);
    let Err(AppError::Validation(problems)) = app.import_plan(&system, &file.to_string()).await else {
        panic!("a file full of mistakes must be refused");
    };
    let got: BTreeSet<(String, &str)> = problems.iter().map(|p| (p.field.clone(), p.code.as_str())).collect();
    for (field, code) in [
        ("format", "invalid_choice"),
        ("units[1].parent", "invalid_choice"),
        ("objects[0].module", "invalid_choice"),
        ("objects[1].level", "invalid_choice"),
        ("objects[2].targets", "not_for_kind"),
        ("objects[3].targets[0].value", "too_many_decimals"),
        ("objects[4].links[0]", "invalid_choice"),
        ("objects[4].end", "date_order"),
        ("objects[5].unit", "invalid_choice"),
        ("objects[6].title", "required"),
        ("objects[7].key", "duplicate"),
        ("objects[8].parent", "invalid_choice"),
        ("follow_ups[0].period", "invalid_period"),
        ("follow_ups[1].object", "invalid_choice"),
        ("follow_ups[2].assessment", "invalid_choice"),
    ] {
        assert!(got.contains(&(field.to_owned(), code)), "{field} {code} missing from {got:?}");
    }
    let after = (audit_count(&db).await, db.scalar("SELECT COUNT(*) FROM plan_objects").await, db.scalar("SELECT COUNT(*) FROM org_units").await);
    assert_eq!(after, before, "nothing is written, not even the valid parts");
    let not_json = app.import_plan(&system, "{\"format\": ").await.unwrap_err();
    assert!(matches!(not_json, AppError::Validation(p) if p[0].field == "$"));
}

async fn reports_survive_formula_and_tree_changes(db: Db) {
    let app = demo(&db).await;
    let system = Actor::system();
    let value_at = |unit: &'static str| {
        let app = app.clone();
        async move {
            let view = app.plan_view(&Actor::system(), unit, "vgpu", Some("2020-T1")).await.unwrap();
            let row = view.rows.into_iter().find(|r| r.record.object.key.starts_with("i-sjukfranvaro")).unwrap();
            (row.value, row.consolidated.map(|c| (c.present, c.expected)))
        }
    };
    let reported = db.scalar("SELECT COUNT(*) FROM follow_ups WHERE outcome IS NOT NULL").await;

    // Average → sum: recomputed, nothing reported is touched.
    let record = app.object(&system, "i-sjukfranvaro").await.unwrap();
    let mut fields = edit_input(&record);
    fields.formula = Some("sum".into());
    app.update_object(&system, "i-sjukfranvaro", ObjectChange { refs: refs_of(&record), fields, extra: None, version: Some(record.object.version) })
        .await
        .unwrap();
    assert_eq!(value_at("RK").await, (Some(dec("21.0")), Some((5, 6))));

    // Moving Centrum för kommunikation under Centrum för ekonomi moves its contribution: CE now
    // rolls up CK's 3,1, and CE's own 3,8 (kept, not deleted) no longer counts as a leaf.
    app.update_unit(&system, "CK", app::org::UnitPatch { parent: Some("CE".into()), ..Default::default() }).await.unwrap();
    assert_eq!(value_at("CE").await, (Some(dec("3.1")), Some((1, 1))));
    assert_eq!(value_at("RK").await, (Some(dec("17.2")), Some((4, 5))));
    // …and moving it back restores the earlier picture exactly.
    app.update_unit(&system, "CK", app::org::UnitPatch { parent: Some("RK".into()), ..Default::default() }).await.unwrap();
    assert_eq!(value_at("RK").await, (Some(dec("21.0")), Some((5, 6))));
    assert_eq!(db.scalar("SELECT COUNT(*) FROM follow_ups WHERE outcome IS NOT NULL").await, reported);
    assert!(db.scalar("SELECT COUNT(*) FROM rollup_cache").await > 0, "the views above filled the roll-up cache");
    // A report on one copy changes the roll-up at once, though it was cached: 21,0 + 4,9 (RDS).
    app.save_follow_up(&system, "i-sjukfranvaro.RDS", None, "2020-T1", FollowUpInput { outcome: Some("4,9".into()), ..Default::default() }, None)
        .await
        .unwrap();
    assert_eq!(value_at("RK").await, (Some(dec("25.9")), Some((6, 6))));
    // So does changing the formula back to average: 25,9 / 6 = 4,3 (rounded to one decimal).
    let record = app.object(&system, "i-sjukfranvaro").await.unwrap();
    let mut fields = edit_input(&record);
    fields.formula = Some("average".into());
    app.update_object(&system, "i-sjukfranvaro", ObjectChange { refs: refs_of(&record), fields, extra: None, version: Some(record.object.version) })
        .await
        .unwrap();
    assert_eq!(value_at("RK").await, (Some(dec("4.3")), Some((6, 6))));

    // A unit created later below a distributed-with-auto-copy origin gets its own copy.
    app.distribute_object(&system, "i-sjukfranvaro", &[], true).await.unwrap();
    app.create_unit(&system, app::org::NewUnit { key: "CE-ANALYS".into(), name: "Analysenheten".into(), parent: Some("CE".into()), ..Default::default() })
        .await
        .unwrap();
    assert!(app.object(&system, "i-sjukfranvaro.CE-ANALYS").await.is_ok());
}

fn refs_of(r: &app::plan::ObjectRecord) -> ObjectRefs {
    ObjectRefs { parent: r.parent_key.clone(), links: r.links.clone(), responsible_user: r.responsible_email.clone() }
}

/// The form input that reproduces an indicator as stored.
fn edit_input(r: &app::plan::ObjectRecord) -> ObjectInput {
    let o = &r.object;
    let m = o.measure.as_ref().unwrap();
    ObjectInput {
        title: o.title.clone(),
        description: o.description.clone(),
        measure_unit: m.unit.clone(),
        decimals: Some(m.decimals.to_string()),
        higher_is_better: Some(m.higher_is_better),
        reported: m.reported.iter().map(|p| p.as_str().to_owned()).collect(),
        formula: Some(m.formula.as_str().into()),
        missing_policy: Some(m.missing.as_str().into()),
        targets: m.targets.iter().map(|t| domain::plan::PeriodValueInput { period: t.period.to_string(), value: t.value.to_string() }).collect(),
        reach: Some(o.reach.as_str().into()),
        auto_copy: o.auto_copy,
        ..Default::default()
    }
}

async fn follow_up_conflicts_rights_and_closed_units(db: Db) {
    let app = demo(&db).await;
    let vera = actor_of(&app, "verksamhetsstod@styrbord.example").await; // business support on CE
    let ulla = actor_of(&app, "anvandare@styrbord.example").await; // user on CE-REDO, report-only licence
    let titta = actor_of(&app, "titta@styrbord.example").await; // view on RK

    // Two people open the empty form of CE's copy for T2; the second save is refused.
    let input = FollowUpInput { outcome: Some("3,6".into()), comment: Some("Stabilt.".into()), ..Default::default() };
    let first = app.save_follow_up(&vera, "i-sjukfranvaro.CE", None, "2020-T2", input.clone(), None).await.unwrap();
    assert_eq!(first.version, 1);
    let second = app.save_follow_up(&vera, "i-sjukfranvaro.CE", None, "2020-T2", input.clone(), None).await.unwrap_err();
    assert!(matches!(second, AppError::Conflict(ConflictKind::Stale)));
    let updated = app
        .save_follow_up(&vera, "i-sjukfranvaro.CE", None, "2020-T2", FollowUpInput { outcome: Some("3,7".into()), ..input.clone() }, Some(1))
        .await
        .unwrap();
    assert_eq!((updated.version, updated.outcome), (2, Some(dec("3.7"))));
    let stale = app.save_follow_up(&vera, "i-sjukfranvaro.CE", None, "2020-T2", input.clone(), Some(1)).await.unwrap_err();
    assert!(matches!(stale, AppError::Conflict(ConflictKind::Stale)));

    // Wrong decimals, a period the indicator is not followed in, a quarter: named.
    let bad = app
        .save_follow_up(&vera, "i-sjukfranvaro.CE", None, "2020-Q1", FollowUpInput { outcome: Some("3,75".into()), ..Default::default() }, None)
        .await
        .unwrap_err();
    assert!(matches!(&bad, AppError::Validation(p) if p[0].field == "period"), "{bad:?}");
    let bad = app
        .save_follow_up(&vera, "i-sjukfranvaro.CE", None, "2020-05", FollowUpInput { outcome: Some("3,75".into()), ..Default::default() }, None)
        .await
        .unwrap_err();
    assert!(matches!(&bad, AppError::Validation(p) if p[0].field == "outcome" && p[0].code.as_str() == "too_many_decimals"), "{bad:?}");

    // Rights: a viewer cannot report; a user of CE-REDO cannot report on RK's goal; business
    // support on CE cannot edit RK's plan but can create in CE's.
    let view_denied = app.save_follow_up(&titta, "m-resultat", None, "2020-T2", FollowUpInput::default(), None).await.unwrap_err();
    assert!(matches!(view_denied, AppError::Forbidden));
    let user_denied = app.save_follow_up(&ulla, "m-resultat", None, "2020-T2", FollowUpInput::default(), None).await.unwrap_err();
    assert!(matches!(user_denied, AppError::Forbidden | AppError::NotFound));
    // …but a unit below may comment on what is visible to it: the region's perspectives.
    let comment = FollowUpInput { comment: Some("Vi bidrar med e-faktura.".into()), ..Default::default() };
    let saved = app.save_follow_up(&ulla, "p-ekonomi", Some("CE-REDO"), "2020", comment.clone(), None).await.unwrap();
    assert_eq!(saved.comment.as_deref(), Some("Vi bidrar med e-faktura."));
    let window = app.follow_up_view(&ulla, "p-ekonomi", Some("CE-REDO"), Some("2020")).await.unwrap();
    assert_eq!(window.unit.key, "CE-REDO");
    let not_visible = app.save_follow_up(&ulla, "m-resultat", Some("CE-REDO"), "2020-T2", comment, None).await.unwrap_err();
    assert!(matches!(not_visible, AppError::NotFound | AppError::Validation(_)), "{not_visible:?}");
    let goal = |unit: &str| internal_goal(unit, "Centrumets mål");
    assert!(matches!(app.create_object(&vera, goal("RK")).await.unwrap_err(), AppError::Forbidden));
    let made = app.create_object(&vera, goal("CE")).await.unwrap();
    assert_eq!(made.parent_key.as_deref(), Some("p-ekonomi"), "a unit's goal hangs under the region's perspective");
    assert!(made.object.key.starts_with("goal-"));

    // A closed unit takes no more reports, and what it reported is still there.
    app.update_unit(&Actor::system(), "CK", app::org::UnitPatch { valid_to: Some(Some("2020-05-01".into())), ..Default::default() })
        .await
        .unwrap();
    let closed = app
        .save_follow_up(&Actor::system(), "i-sjukfranvaro.CK", None, "2020-T2", FollowUpInput { outcome: Some("3".into()), ..Default::default() }, None)
        .await
        .unwrap_err();
    assert!(matches!(closed, AppError::Conflict(ConflictKind::UnitClosed)));
    let window = app.follow_up_view(&Actor::system(), "i-sjukfranvaro.CK", None, Some("2020-T1")).await.unwrap();
    assert_eq!(window.follow_up.unwrap().outcome, Some(dec("3.1")));

    // An object with reports is not deleted; one without is.
    let has_reports = app.delete_object(&Actor::system(), "a-forum", None).await.unwrap_err();
    assert!(matches!(has_reports, AppError::Conflict(ConflictKind::HasFollowUps)));
    let has_children = app.delete_object(&Actor::system(), "p-ekonomi", None).await.unwrap_err();
    assert!(matches!(has_children, AppError::Conflict(ConflictKind::HasDependants)));
    app.delete_object(&vera, &made.object.key, Some(made.object.version)).await.unwrap();
    assert!(matches!(app.object(&Actor::system(), &made.object.key).await.unwrap_err(), AppError::NotFound));
}

async fn todo_lists_what_is_due_and_unreported(db: Db) {
    let app = demo(&db).await;
    let vera = actor_of(&app, "verksamhetsstod@styrbord.example").await; // business support on CE
    let periods = |items: &[app::todo::TodoItem]| items.iter().map(|i| (i.object.key.clone(), i.period.to_string(), i.overdue)).collect::<Vec<_>>();
    // On 15 May 2020, CE's monthly sick-leave figures for February–April are overdue (CE is one
    // level above the leaves: the 10th + 3 days), May's is due on 13 June; T1 is reported.
    let sick = |items: std::sync::Arc<Vec<app::todo::TodoItem>>| items.iter().cloned().filter(|i| i.object.key == "i-sjukfranvaro.CE").collect::<Vec<_>>();
    let items = app.todo(&vera).await.unwrap();
    // CE's own plan of the year (the demo's current-year plan) is reported up to March.
    let fakturor: Vec<String> = items.iter().filter(|i| i.object.key == "ce-fakturor").map(|i| i.period.to_string()).collect();
    assert_eq!(fakturor, ["2020-04", "2020-05"]);
    let items = sick(items);
    let want = |months: &[(&str, bool)]| months.iter().map(|(m, o)| ("i-sjukfranvaro.CE".to_owned(), (*m).to_owned(), *o)).collect::<Vec<_>>();
    assert_eq!(periods(&items), want(&[("2020-02", true), ("2020-03", true), ("2020-04", true), ("2020-05", false)]));
    assert_eq!(items[2].deadline.to_string(), "2020-05-13");
    app.save_follow_up(&vera, "i-sjukfranvaro.CE", None, "2020-04", FollowUpInput { outcome: Some("3,9".into()), ..Default::default() }, None)
        .await
        .unwrap();
    let items = sick(app.todo(&vera).await.unwrap());
    assert_eq!(periods(&items), want(&[("2020-02", true), ("2020-03", true), ("2020-05", false)]));
    // A viewer has nothing to report.
    let titta = actor_of(&app, "titta@styrbord.example").await;
    assert!(app.todo(&titta).await.unwrap().is_empty());

    // Lists are kept between calls, and never shown stale: a report through another server on
    // the same database, a new object, and the next day each change what the same server shows.
    let clock = Arc::new(FixedClock::at_ms(MAY_2020));
    let other_server = App::new(db.store.clone(), clock.clone(), Settings::default());
    other_server
        .save_follow_up(&vera, "i-sjukfranvaro.CE", None, "2020-05", FollowUpInput { outcome: Some("4,2".into()), ..Default::default() }, None)
        .await
        .unwrap();
    let items = sick(app.todo(&vera).await.unwrap());
    assert_eq!(periods(&items), want(&[("2020-02", true), ("2020-03", true)]));
    let goal = internal_goal("CE", "Snabbare fakturaflöde");
    let made = other_server.create_object(&vera, goal).await.unwrap();
    let new_goal: Vec<String> =
        app.todo(&vera).await.unwrap().iter().filter(|i| i.object.key == made.object.key).map(|i| i.period.to_string()).collect();
    assert_eq!(new_goal, ["2020-T1"], "the new goal's first tertial is overdue");
    let months = |items: &[app::todo::TodoItem]| items.iter().filter(|i| i.object.key == "ce-fakturor").map(|i| i.period.to_string()).collect::<Vec<_>>();
    assert_eq!(months(&other_server.todo(&vera).await.unwrap()), ["2020-04", "2020-05"]);
    clock.advance_ms(31 * 24 * 3600 * 1000);
    assert_eq!(months(&other_server.todo(&vera).await.unwrap()), ["2020-04", "2020-05", "2020-06"], "on 15 June, June is due within 30 days");
}

async fn assessment_scale_is_configurable_per_module(db: Db) {
    use domain::evaluation::{Level, Scale};
    let app = demo(&db).await;
    let system = Actor::system();
    let vgpu = app.governance_models(&system).await.unwrap().into_iter().find(|m| m.module == "vgpu").unwrap();
    let change = |scale: Vec<Level>| app::governance::ModelInput {
        name_sv: vgpu.name_sv.clone(),
        name_en: vgpu.name_en.clone(),
        levels: vgpu
            .levels
            .iter()
            .map(|l| domain::governance::LevelInput {
                key: l.key.clone(),
                name_sv: l.name_sv.clone(),
                name_en: l.name_en.clone(),
                kind: l.kind.as_str().into(),
                periodicity: l.periodicity.as_str().into(),
                parents: l.parents.clone(),
            })
            .collect(),
        scale: Some(scale),
        deadlines: None,
        version: None,
    };
    let exceeded = Level { id: "exceeded".into(), label_sv: "Överträffat".into(), label_en: "Exceeded".into(), colour: "#1565c0".into(), rank: 4 };
    let mut levels = Scale::default().levels().to_vec();
    levels[0].label_sv = "Målet nås".into();
    levels.push(exceeded.clone());
    let saved = app.update_governance_model(&system, vgpu.id, change(levels.clone())).await.unwrap();
    assert_eq!(saved.scale.levels()[0].id, "exceeded");

    // Without one of the levels automatic evaluation yields, a scale is refused, naming it.
    let no_yellow: Vec<Level> = levels.iter().filter(|l| l.id != "yellow").cloned().collect();
    let refused = app.update_governance_model(&system, vgpu.id, change(no_yellow)).await.unwrap_err();
    assert!(matches!(&refused, AppError::Validation(p) if p[0].field == "scale"), "{refused:?}");

    // The module's own level is an assessment there; one not on the scale is refused.
    let vera = actor_of(&app, "verksamhetsstod@styrbord.example").await;
    let goal = internal_goal("CE", "Fler e-fakturor");
    let goal = app.create_object(&vera, goal).await.unwrap().object;
    let assess = |a: &str| FollowUpInput { assessment: Some(a.into()), comment: Some("Före plan.".into()), ..Default::default() };
    let blue = app.save_follow_up(&vera, &goal.key, None, "2020-T1", assess("blue"), None).await.unwrap_err();
    assert!(matches!(&blue, AppError::Validation(p) if p[0].field == "assessment"), "{blue:?}");
    app.save_follow_up(&vera, &goal.key, None, "2020-T1", assess("exceeded"), None).await.unwrap();
    let plan = app.plan_view(&system, "CE", "vgpu", Some("2020-T1")).await.unwrap();
    let row = plan.rows.iter().find(|r| r.record.object.key == goal.key).unwrap();
    assert_eq!((row.assessment.as_str(), plan.model.scale.level(&row.assessment).unwrap().label_sv.as_str()), ("exceeded", "Överträffat"));

    // A level in use may be renamed, never removed: what was reported stays readable.
    let without: Vec<Level> = levels.iter().filter(|l| l.id != "exceeded").cloned().collect();
    let in_use = app.update_governance_model(&system, vgpu.id, change(without)).await.unwrap_err();
    assert!(matches!(in_use, AppError::Conflict(ConflictKind::LevelInUse)), "{in_use:?}");
    let mut renamed = levels.clone();
    renamed[4].label_sv = "Bättre än målet".into();
    app.update_governance_model(&system, vgpu.id, change(renamed)).await.unwrap();
    let window = app.follow_up_view(&system, &goal.key, None, Some("2020-T1")).await.unwrap();
    assert_eq!(window.scale.level(&window.assessment).unwrap().label_sv, "Bättre än målet");

    // The module's deadline rule moves the deadlines of its reports, and a kept to-do list
    // follows at once.
    let april = |items: &[app::todo::TodoItem]| {
        let i = items.iter().find(|i| i.object.key == "i-sjukfranvaro.CE" && i.period.to_string() == "2020-04").expect("April is due");
        (i.deadline.to_string(), i.overdue)
    };
    assert_eq!(april(&app.todo(&vera).await.unwrap()), ("2020-05-13".to_owned(), true), "10 days + 3 for the level above");
    let later = app::governance::ModelInput { scale: None, deadlines: Some(("20".into(), "3".into())), ..change(Vec::new()) };
    app.update_governance_model(&system, vgpu.id, later).await.unwrap();
    assert_eq!(april(&app.todo(&vera).await.unwrap()), ("2020-05-23".to_owned(), false));
    let bad = app::governance::ModelInput { scale: None, deadlines: Some(("tjugo".into(), "31".into())), ..change(Vec::new()) };
    let refused = app.update_governance_model(&system, vgpu.id, bad).await.unwrap_err();
    let fields = match refused {
        AppError::Validation(p) => p.into_iter().map(|p| p.field).collect::<Vec<_>>(),
        other => panic!("{other:?}"),
    };
    assert_eq!(fields, ["deadline_days", "deadline_days_per_level"]);
}

// ---------------------------------------------------------------------------------------------
// Budget: seed 004 §5 in the demo
// ---------------------------------------------------------------------------------------------

/// Seed 004 §5 with the demo's unit ids.
async fn seed_004_in_demo(app: &App) -> domain::budget::EconomyChapter {
    let mut ids = std::collections::HashMap::new();
    for (key, _) in domain::budget::SEED_004_UNITS {
        ids.insert(*key, app.unit_by_key(&Actor::system(), key).await.unwrap().id);
    }
    domain::budget::seed_004(|key| ids[key])
}

/// The demo's budget as input again, for edits.
async fn budget_input(app: &App) -> app::budget::ChapterInput {
    let view = app.budget_view(&Actor::system(), "RK", 2020, None).await.unwrap();
    let keys: std::collections::HashMap<domain::OrgUnitId, String> = view.units.iter().map(|(id, u)| (*id, u.key.clone())).collect();
    app::budget::ChapterInput::from_chapter(&view.content.unwrap().chapter, |id| keys[&id].clone())
}

async fn budget_of_the_demo_adds_up_as_printed(db: Db) {
    use domain::money::{Unit, format_sv};
    let app = demo(&db).await;
    let view = app.budget_view(&Actor::system(), "RK", 2020, None).await.unwrap();
    let content = view.content.expect("the demo holds RK's budget 2020");
    assert_eq!(content.chapter, seed_004_in_demo(&app).await, "every figure of §5 as printed");
    assert!(!content.version.version.is_decided());
    let mkr = |m: domain::money::Money| format_sv(m, Unit::Mkr, 1);
    assert_eq!(mkr(content.totals.income.year), "423,8");
    assert_eq!(mkr(content.totals.costs.year), "\u{2212}423,8");
    assert!(content.totals.result.year.is_zero(), "a balanced budget");
    assert_eq!(mkr(content.chapter.distribution.total().unwrap()), "221,0");
    // Exactly the three differences the printed document holds.
    let warnings: Vec<(&str, Option<i32>, String)> =
        domain::budget::warnings(&content.checks).map(|c| (c.field.as_str(), c.year, mkr(c.difference))).collect();
    assert_eq!(
        warnings,
        [
            ("frame_distribution.stated_previous_total", Some(2019), "90,4".to_owned()),
            ("frames", Some(2020), "0,2".to_owned()),
            ("frames", Some(2021), "\u{2212}0,1".to_owned()),
        ]
    );
    // The centres that moved out are closed, and hold their 2019 frames.
    let chsu = app.unit_by_key(&Actor::system(), "CHSU").await.unwrap();
    assert_eq!(chsu.valid_to.map(domain::validate::format_date).as_deref(), Some("2019-12-31"));
    assert_eq!(view.years, [2020]);

    // View reads, and may not edit; the auditor on RV reads too.
    for email in ["titta@styrbord.example", "revisor@styrbord.example"] {
        let reader = actor_of(&app, email).await;
        let seen = app.budget_view(&reader, "RK", 2020, None).await.unwrap();
        assert!(!seen.may_edit, "{email}");
        assert_eq!(seen.content.unwrap().checks, content.checks);
        let refused = app.save_budget(&reader, "RK", 2020, budget_input(&app).await).await;
        assert!(matches!(refused, Err(AppError::Forbidden)), "{email}: {refused:?}");
    }
    // The manager and business support of Centrum för ekonomi edit their own unit's budget,
    // not Regionkontoret's.
    let before = audit_count(&db).await;
    for email in ["chef@styrbord.example", "verksamhetsstod@styrbord.example"] {
        let other = actor_of(&app, email).await;
        // Their grants are below Regionkontoret: its budget is not theirs to read either.
        assert!(matches!(app.budget_view(&other, "RK", 2020, None).await, Err(AppError::Forbidden)));
        let refused = app.save_budget(&other, "RK", 2020, budget_input(&app).await).await;
        assert!(matches!(refused, Err(AppError::Forbidden)), "{email}: {refused:?}");
    }
    assert_eq!(audit_count(&db).await, before, "nothing written");
    let chef = actor_of(&app, "chef@styrbord.example").await;
    let mut own = budget_input(&app).await;
    own.frames.truncate(1);
    own.frames[0] = domain::budget::YearAmount::new(2021, domain::money::Money::from_ore(2_690_000_000));
    own.distribution = vec![app::budget::UnitFrameInput { unit: "CE-REDO".into(), frame: own.frames[0].amount, previous_frame: None }];
    (own.stated_total, own.stated_previous_total) = (None, None);
    (own.frame_changes, own.stated_change_totals, own.stated_budget_totals) = (vec![], vec![], None);
    own.budget_lines.clear();
    let saved = app.save_budget(&chef, "CE", 2021, own).await.unwrap();
    assert!(saved.may_edit);
    assert_eq!(saved.content.unwrap().chapter.distribution.total().unwrap(), domain::money::Money::from_ore(2_690_000_000));
    assert_eq!(audit_count(&db).await, before + 1, "one audit event");
    // A super user on the region edits Regionkontoret's.
    let sara = actor_of(&app, "superanvandare@styrbord.example").await;
    let again = app.save_budget(&sara, "RK", 2020, budget_input(&app).await).await.unwrap();
    assert_eq!(again.content.unwrap().version.row_version, 2);
}

async fn budget_input_lists_every_problem_and_writes_nothing(db: Db) {
    use domain::budget::{LineAmounts, PhasingRule};
    use domain::validate::ValidationCode;
    let app = demo(&db).await;
    let before_audit = audit_count(&db).await;
    let stored = app.budget_view(&Actor::system(), "RK", 2020, None).await.unwrap().content.unwrap();

    let mut bad = budget_input(&app).await;
    // A cost entered as income, a category that does not exist, a second line for one
    // category, a unit outside the administration, a frame change without its reason.
    bad.budget_lines[5].amounts = LineAmounts::Annual { amount: domain::money::Money::from_ore(21_540_000_000), phasing: PhasingRule::Even };
    bad.budget_lines[6].category = "9999".into();
    let twice = bad.budget_lines[0].clone();
    bad.budget_lines.push(twice);
    bad.distribution[2].unit = "RV".into();
    bad.frame_changes[0].reason = " ".into();
    let Err(AppError::Validation(problems)) = app.save_budget(&Actor::system(), "RK", 2020, bad).await else {
        panic!("a bad chapter is refused");
    };
    let found: BTreeSet<(String, &str)> = problems.into_iter().map(|p| (p.field, p.code.as_str())).collect();
    let expected: BTreeSet<(String, &str)> = [
        ("distribution.units[2].unit", ValidationCode::InvalidChoice),
        ("frame_changes[0].reason", ValidationCode::Required),
        ("budget_lines[5].amount", ValidationCode::WrongSign),
        ("budget_lines[6].category", ValidationCode::InvalidChoice),
        ("budget_lines[15].category", ValidationCode::Duplicate),
    ]
    .into_iter()
    .map(|(f, c)| (f.to_owned(), c.as_str()))
    .collect();
    assert_eq!(found, expected);
    let after = app.budget_view(&Actor::system(), "RK", 2020, None).await.unwrap().content.unwrap();
    assert_eq!((after.version, after.chapter), (stored.version, stored.chapter), "nothing written");
    assert_eq!(audit_count(&db).await, before_audit);
}

async fn decided_budget_refuses_edits(db: Db) {
    let app = demo(&db).await;
    let system = Actor::system();
    let decided = app.decide_budget(&system, "RK", 2020, "Regionfullmäktige 2019-11-26 § 180", "2019-11-26", None).await.unwrap();
    let decided_content = decided.content.unwrap();
    assert!(decided_content.version.version.is_decided());
    let before = audit_count(&db).await;
    let mut edit = budget_input(&app).await;
    edit.budget_heading = Some("Budget 2020".into());
    let refused = app.save_budget(&system, "RK", 2020, edit.clone()).await;
    assert!(matches!(refused, Err(AppError::Conflict(ConflictKind::BudgetDecided))), "{refused:?}");
    let again = app.decide_budget(&system, "RK", 2020, "Ett annat beslut", "2019-12-01", None).await;
    assert!(matches!(again, Err(AppError::Conflict(ConflictKind::BudgetDecided))), "{again:?}");
    assert_eq!(audit_count(&db).await, before);

    // A revision is a new draft; the decided version keeps its content.
    let revised = app.revise_budget(&system, "RK", 2020).await.unwrap().content.unwrap();
    assert_eq!((revised.version.version.number, revised.version.version.based_on), (2, Some(1)));
    let saved = app.save_budget(&system, "RK", 2020, edit).await.unwrap().content.unwrap();
    assert_eq!(saved.chapter.budget_heading.as_deref(), Some("Budget 2020"));
    let first = app.budget_view(&system, "RK", 2020, Some(1)).await.unwrap().content.unwrap();
    assert_eq!(first.chapter, decided_content.chapter);
    assert_eq!(first.chapter.budget_heading.as_deref(), Some("Budget 2019"));
    assert_eq!(saved.versions.len(), 2);
}

/// An internal vgpu goal of `unit` for 2020 under the region's economy perspective.
fn internal_goal(unit: &str, title: &str) -> NewObject {
    NewObject {
        module: "vgpu".into(),
        level: "goal".into(),
        unit: unit.into(),
        year: 2020,
        refs: ObjectRefs { parent: Some("p-ekonomi".into()), ..Default::default() },
        fields: ObjectInput { title: title.into(), issued_by: Some("internal".into()), ..Default::default() },
        ..Default::default()
    }
}
