//! The command line as an operator uses it: the real binary on a fresh SQLite database.
//! (Building this test also builds the binary that scripts/test runs end to end.)

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
