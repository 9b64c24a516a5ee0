//! The real LibreOffice, headless, as the judge of whether written files open, and poppler's
//! pdftotext to read what it printed. Both must be installed (the project's test script installs
//! them); a missing one fails the test naming the package.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// LibreOffice starts in seconds but can hang on a broken profile: give up after this.
const SOFFICE_TIME_LIMIT: Duration = Duration::from_secs(240);

/// A directory of this test process's own under the system's temporary directory, removed when
/// dropped.
pub struct WorkDir(PathBuf);

impl WorkDir {
    pub fn new(purpose: &str) -> WorkDir {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let path = std::env::temp_dir().join(format!(
            "fileio-{purpose}-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(&path).expect("create a temporary directory");
        WorkDir(path)
    }

    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for WorkDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Fails unless `tool` runs, naming the Debian package that brings it.
fn require(tool: &str, package: &str) {
    match Command::new(tool).arg("--version").stdout(Stdio::null()).stderr(Stdio::null()).status() {
        Ok(_) => {}
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
            panic!("`{tool}` is not installed: these tests need it (apt-get install {package})")
        }
        Err(error) => panic!("`{tool}` does not run: {error}"),
    }
}

/// Converts every file (name → bytes) to PDF in one LibreOffice run with a private profile, and
/// returns each PDF by the input's name. Fails with LibreOffice's output if a file gave no PDF.
/// The names must differ without their extension: "plan.docx" and "plan.xlsx" both print to
/// "plan.pdf".
pub fn convert_to_pdf(files: &[(&str, Vec<u8>)]) -> Result<BTreeMap<String, Vec<u8>>, String> {
    require("soffice", "libreoffice-writer-nogui libreoffice-calc-nogui");
    let work = WorkDir::new("libreoffice");
    let inputs = work.path().join("in");
    let outputs = work.path().join("out");
    std::fs::create_dir_all(&inputs).map_err(|e| e.to_string())?;
    let mut stems: Vec<_> = files.iter().map(|(name, _)| Path::new(name).file_stem()).collect();
    stems.sort();
    stems.dedup();
    assert_eq!(stems.len(), files.len(), "two files would print to the same PDF");
    let mut command = Command::new("soffice");
    command
        .arg(format!("-env:UserInstallation=file://{}", work.path().join("profile").display()))
        .args(["--headless", "--norestore", "--convert-to", "pdf", "--outdir"])
        .arg(&outputs);
    for (name, bytes) in files {
        let path = inputs.join(name);
        std::fs::write(&path, bytes).map_err(|e| e.to_string())?;
        command.arg(path);
    }
    let output = run_with_time_limit(command)?;
    let mut pdfs = BTreeMap::new();
    for (name, _) in files {
        let pdf = outputs.join(Path::new(name).with_extension("pdf"));
        match std::fs::read(&pdf) {
            Ok(bytes) if bytes.starts_with(b"%PDF") => {
                pdfs.insert(name.to_string(), bytes);
            }
            _ => return Err(format!("LibreOffice made no PDF of {name}:\n{output}")),
        }
    }
    if let Ok(keep) = std::env::var("FILEIO_KEEP_DOCUMENTS") {
        // For a person to look at what was written and printed.
        for (name, bytes) in files {
            let _ = std::fs::write(Path::new(&keep).join(name), bytes);
            let _ = std::fs::write(Path::new(&keep).join(Path::new(name).with_extension("pdf")), &pdfs[*name]);
        }
    }
    Ok(pdfs)
}

fn run_with_time_limit(mut command: Command) -> Result<String, String> {
    let mut child = command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("soffice did not start: {e}"))?;
    let started = Instant::now();
    while child.try_wait().map_err(|e| e.to_string())?.is_none() {
        if started.elapsed() > SOFFICE_TIME_LIMIT {
            let _ = child.kill();
            let _ = child.wait();
            return Err(format!("soffice took longer than {SOFFICE_TIME_LIMIT:?}"));
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let output = child.wait_with_output().map_err(|e| e.to_string())?;
    let said = format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    if output.status.success() { Ok(said) } else { Err(format!("soffice failed ({}):\n{said}", output.status)) }
}

/// The text of a PDF as pdftotext lays it out (`-layout`: a table row stays on one line), with
/// no-break and thin spaces as plain spaces and runs of spaces as one, pages split by form feeds.
pub fn pdf_text(pdf: &[u8]) -> String {
    require("pdftotext", "poppler-utils");
    let work = WorkDir::new("pdftotext");
    let path = work.path().join("document.pdf");
    std::fs::write(&path, pdf).unwrap();
    let output = Command::new("pdftotext").arg("-layout").arg(&path).arg("-").output().unwrap();
    assert!(output.status.success(), "pdftotext failed: {}", String::from_utf8_lossy(&output.stderr));
    let text = String::from_utf8(output.stdout).unwrap().replace(['\u{a0}', '\u{202f}'], " ");
    text.lines()
        .map(|line| line.split(' ').filter(|word| !word.is_empty()).collect::<Vec<_>>().join(" "))
        .collect::<Vec<_>>()
        .join("\n")
}
