//! Reminder digests sent through the job queue to a real SMTP server: the sink the test command
//! starts (aiosmtpd, `tests/infra/test-infra.sh`), which files every message in a Maildir.
//! `STYRBORD_TEST_SMTP` (host:port) and `STYRBORD_TEST_MAILDIR` say where it is.

#[path = "../../store/tests/support/mod.rs"]
mod support;

use app::reports::{NewReport, StepInput};
use app::{Actor, App, FixedClock, Settings};
use domain::report::ReportStep;
use std::path::PathBuf;
use std::sync::Arc;
use store::Backend;
use support::Db;

/// 2020-05-15 10:00 UTC, a Friday.
const MAY_2020: i64 = 1_589_536_800_000;

fn sink() -> (String, PathBuf) {
    let smtp = std::env::var("STYRBORD_TEST_SMTP");
    let maildir = std::env::var("STYRBORD_TEST_MAILDIR");
    match (smtp, maildir) {
        (Ok(smtp), Ok(dir)) if !smtp.is_empty() && !dir.is_empty() => (smtp, PathBuf::from(dir)),
        _ => panic!(
            "the e-mail tests need the SMTP sink: run scripts/test, or start it with \
             `tests/infra/test-infra.sh start` and set STYRBORD_TEST_SMTP=127.0.0.1:55025 \
             STYRBORD_TEST_MAILDIR=$STYRBORD_TEST_DIR/mail"
        ),
    }
}

/// The messages in the Maildir sent from `from` (each test sends from an address of its own,
/// so tests running side by side do not see each other's mail).
fn messages_from(maildir: &std::path::Path, from: &str) -> Vec<Vec<u8>> {
    let Ok(entries) = std::fs::read_dir(maildir.join("new")) else {
        return Vec::new();
    };
    let mut found: Vec<(std::time::SystemTime, Vec<u8>)> = entries
        .filter_map(Result::ok)
        .filter_map(|e| {
            Some((
                e.metadata().ok()?.modified().ok()?,
                std::fs::read(e.path()).ok()?,
            ))
        })
        .filter(|(_, bytes)| {
            mail_parser::MessageParser::default()
                .parse(bytes)
                .and_then(|m| {
                    m.from()
                        .and_then(|f| f.first())
                        .and_then(|a| a.address().map(|a| a == from))
                })
                .unwrap_or(false)
        })
        .collect();
    found.sort_by_key(|(t, _)| *t);
    found.into_iter().map(|(_, m)| m).collect()
}

async fn a_digest_reaches_the_reporter_in_swedish(db: Db) {
    let (smtp, maildir) = sink();
    let clock = Arc::new(FixedClock::at_ms(MAY_2020));
    let app = App::new(db.store.clone(), clock, Settings::default());
    app.load_demo().await.expect("the demo loads");
    let system = Actor::system();
    let report = NewReport {
        template: "delarsrapport".into(),
        unit: "CE".into(),
        year: 2020,
        period: Some("2020-T2".into()),
        title: None,
    };
    let report = app.create_report(&system, report).await.unwrap();
    let deadline = domain::validate::date("d", "2020-05-20").unwrap();
    let step = StepInput {
        deadline: Some(deadline),
        comment: None,
        version: 1,
    };
    let report = app
        .report_step(
            &system,
            &report.report.id.to_string(),
            ReportStep::Activate,
            step,
            &|_| serde_json::json!({}),
        )
        .await
        .unwrap();

    let from = format!("digest-{}@styrbord.example", uuid::Uuid::now_v7());
    let mailer = mail::Mailer::new(
        &format!("smtp://{smtp}"),
        &format!("Styrbord <{from}>"),
        "https://styrbord.region.example",
    )
    .unwrap();
    let sender = mail::DigestSender {
        app: app.clone(),
        mailer,
    };
    assert_eq!(app.schedule_digests().await.unwrap(), 1);
    let ran = app.run_due_jobs("mail-test", &sender, 10).await.unwrap();
    if ran.completed != 1 {
        let mut conn = db.raw().await;
        let errors: Vec<Option<String>> = sqlx::query_scalar("SELECT last_error FROM jobs")
            .fetch_all(&mut conn)
            .await
            .unwrap();
        panic!("the digest was not sent: {ran:?} {errors:?}");
    }
    // Run again: the job is done, nothing more is sent.
    assert_eq!(
        app.run_due_jobs("mail-test", &sender, 10)
            .await
            .unwrap()
            .ran(),
        0
    );

    let received = messages_from(&maildir, &from);
    assert_eq!(received.len(), 1, "one digest");
    let message = mail_parser::MessageParser::default()
        .parse(&received[0])
        .expect("a parseable message");
    let to = message.to().and_then(|t| t.first()).expect("a recipient");
    assert_eq!(
        (to.name(), to.address()),
        (Some("Christer Chef"), Some("chef@styrbord.example"))
    );
    let sections = report.template.template.text_sections();
    assert_eq!(message.subject(), Some("Styrbord: 1 rapport att skriva"));
    let body = message.body_text(0).expect("a text body");
    for expected in [
        "Hej Christer Chef,",
        "Delårsrapport 2 2020 – Centrum för ekonomi",
        &format!("Att skriva: 0 av {sections} avsnitt klara."),
        "Sista dag: 2020-05-20 (om 5 dagar).",
        &format!(
            "https://styrbord.region.example/reports/{}",
            report.report.id
        ),
        "https://styrbord.region.example/settings",
    ] {
        assert!(
            body.contains(expected),
            "{expected:?} missing from:\n{body}"
        );
    }
}

#[tokio::test]
async fn a_digest_reaches_the_reporter_in_swedish_sqlite() {
    support::run(Backend::Sqlite, a_digest_reaches_the_reporter_in_swedish).await;
}

#[tokio::test]
async fn a_digest_reaches_the_reporter_in_swedish_postgres() {
    support::run(Backend::Postgres, a_digest_reaches_the_reporter_in_swedish).await;
}

/// The English digest, for someone who chose English, and the overdue and approve wordings.
#[test]
fn the_digest_reads_in_english_for_those_who_chose_it() {
    use app::reminders::Digest;
    use domain::reminder::{DigestFrequency, DigestItem, Task};
    let day = |s: &str| domain::validate::date("d", s).unwrap();
    let user = domain::user::User {
        id: domain::UserId::new(),
        email: "anna@region.example".into(),
        name: "Anna Andersson".into(),
        home_unit_id: None,
        active: true,
        licence: domain::user::Licence::Full,
        locale: Some("en".into()),
        version: 1,
    };
    let item = |title: &str, deadline: &str, task: Task| DigestItem {
        report_id: "r1".into(),
        title: title.into(),
        unit_name: "Centrum för ekonomi".into(),
        deadline: day(deadline),
        task,
    };
    let digest = Digest {
        user: user.clone(),
        frequency: DigestFrequency::Weekly,
        day: day("2026-11-23"),
        items: vec![
            item(
                "Annual report 2026",
                "2026-11-20",
                Task::Write {
                    ready: 2,
                    sections: 7,
                },
            ),
            item("Interim report 2", "2026-11-24", Task::Approve),
        ],
    };
    let english = mail::render_digest(&digest, "https://s.example");
    assert_eq!(
        english.subject,
        "Styrbord: 1 report to write, 1 to approve (1 overdue)"
    );
    for expected in [
        "Hello Anna Andersson,",
        "This week's reminder",
        "To write: 2 of 7 sections ready.",
        "Overdue: the deadline was 2026-11-20 (3 days ago).",
        "To approve: every section is ready.",
        "Deadline: 2026-11-24 (in 1 day).",
        "every Monday",
    ] {
        assert!(
            english.text.contains(expected),
            "{expected:?} missing from:\n{}",
            english.text
        );
    }
    let swedish = mail::render_digest(
        &Digest {
            user: domain::user::User {
                locale: None,
                ..user
            },
            ..digest
        },
        "https://s.example",
    );
    assert_eq!(
        swedish.subject,
        "Styrbord: 1 rapport att skriva, 1 att godkänna (1 försenad)"
    );
    for expected in [
        "Veckans påminnelse",
        "Försenad: sista dag var 2026-11-20 (3 dagar sedan).",
        "Att godkänna: alla avsnitt är klara.",
        "Sista dag: 2026-11-24 (om 1 dag).",
        "varje måndag",
    ] {
        assert!(
            swedish.text.contains(expected),
            "{expected:?} missing from:\n{}",
            swedish.text
        );
    }
}
