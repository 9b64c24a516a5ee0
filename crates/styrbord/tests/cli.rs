//! The command line as an operator uses it: the real binary on a fresh SQLite database.
//! (Building this test also builds the binary that scripts/test runs end to end.) Two servers
//! sharing one database send each reminder once, on SQLite and on PostgreSQL.

#[path = "../../store/tests/support/mod.rs"]
mod support;

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> Self {
        let dir = std::env::temp_dir().join(format!("styrbord-cli-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Self(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn styrbord(dir: &Path, args: &[&str], stdin: Option<&str>) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_styrbord"));
    cmd.args(args)
        .env("STYRBORD_DATA_DIR", dir)
        .env_remove("STYRBORD_DATABASE_URL")
        .env_remove("STYRBORD_PASSWORD")
        .env("STYRBORD_LOG", "warn")
        .stdin(if stdin.is_some() { Stdio::piped() } else { Stdio::null() })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("the binary starts");
    if let Some(input) = stdin {
        use std::io::Write;
        // A command that refuses its arguments exits before reading standard input; the write
        // then meets a closed pipe, which is fine: the exit status and message are what count.
        let _ = child.stdin.take().unwrap().write_all(input.as_bytes());
    }
    child.wait_with_output().unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn operator_commands_work_on_a_fresh_database() {
    let tmp = TempDir::new("ops");
    let dir = tmp.0.as_path();

    let out = styrbord(dir, &["migrate"], None);
    assert!(out.status.success(), "migrate: {}", text(&out.stderr));
    assert!(dir.join("styrbord.db").exists(), "the default database lives in the data dir");

    let out = styrbord(dir, &["demo"], None);
    assert!(out.status.success(), "demo: {}", text(&out.stderr));
    // The demo loads only into an empty database, with a one-line reason otherwise.
    let out = styrbord(dir, &["demo"], None);
    assert!(!out.status.success());
    let err = text(&out.stderr);
    assert_eq!(err.trim().lines().count(), 1, "one line: {err}");
    assert!(err.contains("not empty"), "{err}");

    // A new user with two roles; the password comes from standard input.
    let out = styrbord(
        dir,
        &["user", "create", "--email", "Karin.Kontroll@Region.example", "--name", "Karin Kontroll", "--home-unit", "CE",
          "--role", "view", "--unit", "RK", "--role", "business-support", "--unit", "CE-CTRL"],
        Some("ett långt lösenord\n"),
    );
    assert!(out.status.success(), "user create: {}", text(&out.stderr));
    assert!(text(&out.stderr).contains("karin.kontroll@region.example"));

    // A token is printed alone on standard output.
    let out = styrbord(dir, &["token", "create", "--email", "karin.kontroll@region.example", "--name", "rapportrobot"], None);
    assert!(out.status.success(), "token create: {}", text(&out.stderr));
    let token = text(&out.stdout);
    assert_eq!(token.trim().lines().count(), 1);
    assert!(token.trim().starts_with("sb_") && token.trim().len() > 40, "{token}");

    let out = styrbord(dir, &["check-config"], None);
    assert!(out.status.success(), "check-config: {}", text(&out.stderr));
}

#[test]
fn bad_input_gets_a_one_line_reason_and_a_failing_exit_code() {
    let tmp = TempDir::new("bad");
    let dir = tmp.0.as_path();
    assert!(styrbord(dir, &["demo"], None).status.success());

    let cases: &[(&[&str], Option<&str>, &str)] = &[
        (&["user", "create", "--email", "x@region.example", "--name", "X", "--role", "boss", "--unit", "RK"], Some("ett långt lösenord\n"), "unknown role"),
        (&["user", "create", "--email", "x@region.example", "--name", "X", "--role", "view"], Some("ett långt lösenord\n"), "--unit"),
        (&["user", "create", "--email", "x@region.example", "--name", "X"], Some("kort\n"), "password"),
        (&["user", "create", "--email", "inte-en-adress", "--name", "X"], Some("ett långt lösenord\n"), "email"),
        (&["user", "create", "--email", "admin@styrbord.example", "--name", "X"], Some("ett långt lösenord\n"), "conflict"),
        (&["user", "create", "--email", "y@region.example", "--name", "Y", "--role", "view", "--unit", "NOPE"], Some("ett långt lösenord\n"), "unit"),
        (&["token", "create", "--email", "nobody@region.example", "--name", "t"], None, "not found"),
    ];
    for (args, stdin, expected) in cases {
        let out = styrbord(dir, args, *stdin);
        let err = text(&out.stderr);
        assert!(!out.status.success(), "{args:?} should fail");
        assert_eq!(err.trim().lines().count(), 1, "{args:?}: one line, got {err}");
        assert!(err.contains(expected), "{args:?}: expected {expected:?} in {err}");
    }
    // Nothing half-written: the failed grant on an unknown unit left no user behind.
    let out = styrbord(dir, &["token", "create", "--email", "y@region.example", "--name", "t"], None);
    assert!(!out.status.success(), "the user of a failed create must not exist");

    let out = styrbord(dir, &["migrate"], None);
    assert!(out.status.success());
    let bad_url = Command::new(env!("CARGO_BIN_EXE_styrbord"))
        .args(["check-config"])
        .env("STYRBORD_DATABASE_URL", "mysql://nope")
        .output()
        .unwrap();
    assert!(!bad_url.status.success());
    assert!(text(&bad_url.stderr).contains("sqlite://"), "{}", text(&bad_url.stderr));
}

#[test]
fn plan_files_export_and_import_from_the_command_line() {
    let tmp = TempDir::new("plan");
    let dir = tmp.0.as_path();
    assert!(styrbord(dir, &["demo"], None).status.success());

    // Export to a file and to standard output: the same document.
    let file = dir.join("rk-2020.json");
    let out = styrbord(dir, &["export", "plan", "--unit", "RK", "--year", "2020", "--module", "vgpu", "--out", file.to_str().unwrap()], None);
    assert!(out.status.success(), "export: {}", text(&out.stderr));
    let written = std::fs::read_to_string(&file).unwrap();
    let out = styrbord(dir, &["export", "plan", "--unit", "RK", "--year", "2020", "--module", "vgpu"], None);
    assert_eq!(text(&out.stdout), written);
    let doc: serde_json::Value = serde_json::from_str(&written).unwrap();
    assert_eq!(doc["format"], "styrbord-plan/1");
    assert!(doc["objects"].as_array().unwrap().iter().any(|o| o["key"] == "i-sjukfranvaro" && o["reported"].as_array().unwrap().len() == 3));

    // Importing it again changes nothing.
    let out = styrbord(dir, &["import", "plan", file.to_str().unwrap()], None);
    assert!(out.status.success(), "import: {}", text(&out.stderr));
    assert!(text(&out.stderr).contains("0 units created, 0 objects created, 0 objects updated, 0 follow-ups saved"), "{}", text(&out.stderr));

    // A new object from standard input is created.
    let new = r#"{"format": "styrbord-plan/1", "year": 2020, "budget": {"currency": "SEK", "remark": "x"}, "objects": [
        {"key": "m-ce-egen", "module": "vgpu", "level": "goal", "unit": "CE", "parent": "p-ekonomi", "title": "CE:s eget mål", "issued_by": "Internt"}]}"#;
    let out = styrbord(dir, &["import", "plan", "-"], Some(new));
    assert!(out.status.success(), "import from stdin: {}", text(&out.stderr));
    assert!(text(&out.stderr).contains("1 objects created"));
    // The budget section is read; a field it does not know is named.
    assert!(text(&out.stderr).contains("not imported (unknown fields): budget.remark"), "{}", text(&out.stderr));

    // A broken file: every problem listed by path, the last line says why, nothing imported.
    let broken = r#"{"format": "styrbord-plan/1", "year": 2020, "objects": [
        {"key": "x-1", "module": "vgpu", "level": "goal", "unit": "CE", "title": "Mål", "targets": [{"period": "2020", "value": 1}]},
        {"key": "x-2", "module": "vgpu", "level": "activity", "unit": "NOPE", "title": "Åtgärd"}]}"#;
    let out = styrbord(dir, &["import", "plan", "-"], Some(broken));
    assert!(!out.status.success());
    let err = text(&out.stderr);
    assert!(err.contains("objects[0].targets: not for kind"), "{err}");
    assert!(err.contains("objects[1].unit: invalid choice"), "{err}");
    assert!(err.trim().lines().last().unwrap().contains("nothing was imported"), "{err}");
    let out = styrbord(dir, &["export", "plan", "--unit", "CE", "--year", "2020"], None);
    assert!(!text(&out.stdout).contains("x-1"));
}

/// Runs a document tool (poppler, LibreOffice) that the test command installs; a missing tool
/// fails the test with its package named.
fn tool(program: &str, package: &str, args: &[&str]) -> Output {
    let out = Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("{program} did not run ({e}); install the Debian package {package} (scripts/test does)"));
    assert!(out.status.success(), "{program} {args:?} failed: {}", text(&out.stderr));
    out
}

/// Text as a reader sees it: spaces of every kind as one space.
fn words(text: &str) -> String {
    text.replace(['\u{a0}', '\u{202f}', '\u{2009}'], " ").split_whitespace().collect::<Vec<_>>().join(" ")
}

fn pdf_text(pdf: &Path) -> String {
    words(&text(&tool("pdftotext", "poppler-utils", &["-layout", pdf.to_str().unwrap(), "-"]).stdout))
}

/// Seed 004 from the demo organisation, as a region would publish it: the nine chapters and the
/// economy chapter's sections in order, the tables' totals, the internal control plan, the own
/// goals with targets, the decision and the signatures — in a tagged A4 PDF, a DOCX that
/// LibreOffice opens and prints the same, and a workbook of the tables. Exports are byte-stable.
#[test]
fn the_demo_forvaltningsplan_comes_out_as_pdf_docx_and_xlsx() {
    let tmp = TempDir::new("document");
    let dir = tmp.0.as_path();
    let out = styrbord(dir, &["demo"], None);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let export = |format: &str, lang: &str, name: &str| {
        let path = dir.join(name);
        let out = styrbord(
            dir,
            &["export", "document", "--unit", "RK", "--year", "2020", "--template", "forvaltningsplan", "--format", format, "--lang", lang, "--out", path.to_str().unwrap()],
            None,
        );
        assert!(out.status.success(), "export {format}: {}", text(&out.stderr));
        path
    };
    let pdf = export("pdf", "sv", "fp.pdf");
    let docx = export("docx", "sv", "fp.docx");
    let xlsx = export("xlsx", "sv", "fp.xlsx");

    let info = text(&tool("pdfinfo", "poppler-utils", &[pdf.to_str().unwrap()]).stdout);
    assert!(info.contains("Tagged:          yes"), "{info}");
    assert!(info.contains("(A4)"), "{info}");
    assert!(info.contains("Title:           Förvaltningsplan 2020"), "{info}");

    let chapters = [
        "1 Förvaltningens grunduppdrag",
        "2 Planering och uppföljning i förvaltningen",
        "3 Mål och uppdrag",
        "4 Plan för genomförande",
        "5 Ekonomiska förutsättningar",
        "5.1 Ersättningar",
        "5.1.1 Fördelningen av ersättningen inom förvaltningen",
        "5.1.2 Ramförändring jämfört med föregående års ram",
        "5.2 Intäktsfinansierade verksamheter",
        "5.3 Beslutade ersättningar ur regionstyrelsens anslag",
        "5.4 Resultatreglering",
        "5.5 Investeringar",
        "5.6 Budget",
        "6 Intern kontroll",
        "7 Förvaltningsspecifika mål med indikatorer och målvärde",
        "8 Intern referens",
        "9 Underskrifter",
    ];
    let content = [
        "Inom Regionkontoret organiseras verksamheter",
        "Tillväxten ska vara hållbar i hela regionen.",
        "221,0 miljoner kronor för 2020",
        "Summa Regionkontoret",
        "\u{2212}2 326,2",
        "Ekonomistöd 3,0 1,2 0,0 41,7",
        "Personalkostnader \u{2212}215,4",
        "Summa intäkter 423,8",
        "Brandskydd",
        "Allvarlig/möjlig",
        "2020: 4,0 % 2019: 4,5 %",
        "Denna förvaltningsplan är beslutad av RS 2019-12-17, § xxx",
        "Region Västmanland",
        // The plan is not approved in the demo: the cover says so.
        "Regionkontoret · Utkast, inte fastställt",
    ];
    let check = |what: &str, printed: &str| {
        // The chapters appear in order, after the table of contents lists them once.
        let body = printed.rfind("1 Förvaltningens grunduppdrag").map_or(printed, |start| &printed[start..]);
        let mut from = 0;
        for chapter in chapters {
            match body[from..].find(chapter) {
                Some(at) => from += at + chapter.len(),
                None => panic!("{what}: {chapter:?} missing or out of order in:\n{printed}"),
            }
        }
        for expected in content {
            assert!(printed.contains(expected), "{what}: {expected:?} missing from:\n{printed}");
        }
    };
    check("PDF", &pdf_text(&pdf));

    // LibreOffice opens the DOCX and the workbook without complaint and prints the same text.
    let profile = format!("-env:UserInstallation=file://{}", dir.join("lo-profile").display());
    let converted = dir.join("converted");
    tool(
        "soffice",
        "libreoffice-writer-nogui",
        &[&profile, "--headless", "--convert-to", "pdf", "--outdir", converted.to_str().unwrap(), docx.to_str().unwrap()],
    );
    check("DOCX", &pdf_text(&converted.join("fp.pdf")));
    tool(
        "soffice",
        "libreoffice-calc-nogui",
        &[&profile, "--headless", "--convert-to", "pdf", "--outdir", converted.join("xlsx").to_str().unwrap(), xlsx.to_str().unwrap()],
    );
    let sheets = pdf_text(&converted.join("xlsx").join("fp.pdf"));
    for expected in ["Centrum för ekonomi", "Reducering ram till följd av EIB", "Summa intäkter", "Kontrollområde"] {
        assert!(sheets.contains(expected), "XLSX: {expected:?} missing from:\n{sheets}");
    }

    // Byte-stable: the same data gives the same file.
    for (format, first) in [("pdf", &pdf), ("docx", &docx), ("xlsx", &xlsx)] {
        let again = export(format, "sv", &format!("again.{format}"));
        assert!(std::fs::read(first).unwrap() == std::fs::read(&again).unwrap(), "{format} differs between two exports");
    }

    // English is complete; a template that does not exist is named on one line.
    let english = pdf_text(&export("pdf", "en", "fp-en.pdf"));
    for expected in ["Contents", "3 Goals and assignments", "Regional council", "This administration plan was decided by RS"] {
        assert!(english.contains(expected), "{expected:?} missing from the English PDF:\n{english}");
    }
    let out = styrbord(dir, &["export", "document", "--unit", "RK", "--year", "2020", "--template", "no-such-template", "--format", "pdf", "--out", "x.pdf"], None);
    assert!(!out.status.success());
    let reason = text(&out.stderr);
    assert_eq!(reason.trim().lines().count(), 1, "{reason}");
    assert!(reason.contains("template"), "{reason}");
}

/// The demo's first interim report of 2020 prints the follow-up of tertial 1 as the plan page
/// shows it (sick leave against its target, assessed), and budget, actual and forecast to the
/// end of April; a follow-up report without its period is refused on one line.
#[test]
fn the_demo_interim_report_prints_tertial_1() {
    let tmp = TempDir::new("interim");
    let dir = tmp.0.as_path();
    let out = styrbord(dir, &["demo"], None);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let pdf = dir.join("d1.pdf");
    let args = ["export", "document", "--unit", "RK", "--year", "2020", "--template", "delarsrapport", "--format", "pdf"];
    let out = styrbord(dir, &[&args[..], &["--period", "2020-T1", "--out", pdf.to_str().unwrap()]].concat(), None);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let printed = pdf_text(&pdf);
    for expected in [
        "Delårsrapport 1 2020",
        "1 Sammanfattning",
        "Regionkontoret följer planen för årets första tertial.",
        "2.1 Mål och uppdrag",
        "Grön: uppfyllt",
        "2.2 Indikatorer",
        "Sjukfrånvaro 4,0 % 4,2 %",
        "Sjukfrånvaro, jan–apr 2020",
        "2.3 Enheternas värden",
        "Sjukfrånvaro, mål 4,0 %",
        "Centrum för HR 5,2 %",
        "Regionkontoret sammanvägt 4,2 %",
        "(5 av 6 har rapporterat)",
        "Sjukfrånvaro per enhet, 2020-T1",
        "2.4 Åtgärder",
        "3 Ekonomi",
        "Budget, utfall och prognos till och med 2020-04",
        "Utfall ack.",
        "Resultat",
    ] {
        assert!(printed.contains(expected), "{expected:?} missing from:\n{printed}");
    }
    let out = styrbord(dir, &[&args[..], &["--out", dir.join("x.pdf").to_str().unwrap()]].concat(), None);
    assert!(!out.status.success());
    let reason = text(&out.stderr);
    assert!(reason.trim().lines().count() == 1 && reason.contains("period"), "{reason}");
}

// ---------------------------------------------------------------------------------------------
// Two servers, one database: each reminder is sent once
// ---------------------------------------------------------------------------------------------

/// A `styrbord serve` this test started; ended by its pid when dropped.
struct Server(std::process::Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The messages in the sink's Maildir whose From header names `from`, as text.
fn sent_from(maildir: &Path, from: &str) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir(maildir.join("new")) else { return Vec::new() };
    entries
        .filter_map(Result::ok)
        .filter_map(|e| std::fs::read_to_string(e.path()).ok())
        .filter(|m| m.lines().take_while(|l| !l.is_empty()).any(|l| l.starts_with("From:") && l.contains(from)))
        .collect()
}

/// The envelope recipient the sink noted (aiosmtpd's `X-RcptTo` header).
fn recipient(message: &str) -> String {
    message.lines().find_map(|l| l.strip_prefix("X-RcptTo: ")).unwrap_or_default().trim().to_owned()
}

async fn two_servers_send_each_reminder_once(db: support::Db) {
    use app::reports::{NewReport, StepInput};
    let smtp = std::env::var("STYRBORD_TEST_SMTP").ok().filter(|s| !s.is_empty());
    let maildir = std::env::var("STYRBORD_TEST_MAILDIR").ok().filter(|s| !s.is_empty());
    let (Some(smtp), Some(maildir)) = (smtp, maildir) else {
        panic!("this test needs the SMTP sink: run scripts/test (or tests/infra/test-infra.sh start, then set STYRBORD_TEST_SMTP and STYRBORD_TEST_MAILDIR)");
    };
    let maildir = PathBuf::from(maildir);

    // The demo, with two active reports due in a few days (the servers run on the real clock):
    // CE's, written by its manager Christer, and CE-REDO's, written by Ulla.
    let app = app::App::new(db.store.clone(), std::sync::Arc::new(app::SystemClock), app::Settings::default());
    app.load_demo().await.expect("the demo loads");
    let system = app::Actor::system();
    let today = app.today();
    let period = format!("{}-T{}", today.year(), (u8::from(today.month()) - 1) / 4 + 1);
    for (unit, days) in [("CE", 3), ("CE-REDO", 5)] {
        let new = NewReport { template: "delarsrapport".into(), unit: unit.into(), year: today.year(), period: Some(period.clone()), title: None };
        let report = app.create_report(&system, new).await.unwrap();
        let step = StepInput { deadline: Some(today + time::Duration::days(days)), comment: None, version: 1 };
        app.report_step(&system, &report.report.id.to_string(), domain::report::ReportStep::Activate, step, &|_| serde_json::json!({})).await.unwrap();
    }

    // Two servers on the database, both queueing and sending every 200 ms.
    let from = format!("two-servers-{}@styrbord.example", uuid::Uuid::now_v7().simple());
    let dir = TempDir::new(&format!("two-servers-{:?}", db.backend).to_lowercase());
    let start = |name: &str| {
        let log = std::fs::File::create(dir.0.join(format!("{name}.log"))).unwrap();
        let child = Command::new(env!("CARGO_BIN_EXE_styrbord"))
            .args(["serve", "--listen", "127.0.0.1:0"])
            .env("STYRBORD_DATA_DIR", &dir.0)
            .env("STYRBORD_DATABASE_URL", &db.url)
            .env("STYRBORD_SMTP_URL", format!("smtp://{smtp}"))
            .env("STYRBORD_MAIL_FROM", format!("Styrbord <{from}>"))
            .env("STYRBORD_WORKER_INTERVAL_MS", "200")
            .env("STYRBORD_LOG", "info")
            .env("NO_COLOR", "1")
            .stdin(Stdio::null())
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .expect("the server starts");
        Server(child)
    };
    let mut servers = [start("a"), start("b")];
    let logs = || ["a", "b"].map(|n| std::fs::read_to_string(dir.0.join(format!("{n}.log"))).unwrap_or_default()).join("\n----\n");

    // Wait (at most a minute) until both digests are sent and recorded as done.
    let mut waited = 0;
    loop {
        let done = db.scalar("SELECT COUNT(*) FROM jobs WHERE kind = 'reminder-digest' AND state = 'done'").await;
        if done >= 2 && sent_from(&maildir, &from).len() >= 2 {
            break;
        }
        for server in &mut servers {
            if let Some(status) = server.0.try_wait().unwrap() {
                panic!("a server exited ({status}):\n{}", logs());
            }
        }
        assert!(waited < 600, "the digests were not sent within a minute:\n{}", logs());
        waited += 1;
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    // Let both servers go round a few more times: nothing more may be queued or sent.
    tokio::time::sleep(std::time::Duration::from_millis(2000)).await;
    drop(servers);

    assert_eq!(db.scalar("SELECT COUNT(*) FROM jobs WHERE kind = 'reminder-digest'").await, 2, "one job per person and day");
    let mut to: Vec<String> = sent_from(&maildir, &from).iter().map(|m| recipient(m)).collect();
    to.sort();
    assert_eq!(to, ["anvandare@styrbord.example", "chef@styrbord.example"], "each person's digest once:\n{}", logs());
    let log = logs();
    assert_eq!(log.matches("reminder digest sent").count(), 2, "two sends in all, by either server:\n{log}");
}

#[tokio::test]
async fn two_servers_send_each_reminder_once_sqlite() {
    support::run(store::Backend::Sqlite, two_servers_send_each_reminder_once).await;
}

#[tokio::test]
async fn two_servers_send_each_reminder_once_postgres() {
    support::run(store::Backend::Postgres, two_servers_send_each_reminder_once).await;
}
