//! The reminder digest as text: subject and body in the reader's language (Swedish unless they
//! chose English), from one template per language.

use app::reminders::Digest;
use askama::Template;
use domain::reminder::{DigestFrequency, Task};

/// A written e-mail.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rendered {
    pub subject: String,
    pub text: String,
}

/// One report in the digest, as the templates print it.
struct Line {
    title: String,
    unit: String,
    deadline: String,
    /// Days to the deadline; negative once it has passed.
    days_left: i64,
    days_overdue: i64,
    /// Write: sections ready and in all; None = approve.
    progress: Option<(usize, usize)>,
    link: String,
}

#[derive(Template)]
#[template(path = "digest_sv.txt")]
struct Swedish<'a> {
    name: &'a str,
    lines: &'a [Line],
    weekly: bool,
    settings: &'a str,
}

#[derive(Template)]
#[template(path = "digest_en.txt")]
struct English<'a> {
    name: &'a str,
    lines: &'a [Line],
    weekly: bool,
    settings: &'a str,
}

fn count(lines: &[Line], approve: bool) -> usize {
    lines
        .iter()
        .filter(|l| l.progress.is_none() == approve)
        .count()
}

fn subject_sv(lines: &[Line]) -> String {
    let (write, approve) = (count(lines, false), count(lines, true));
    let mut parts = Vec::new();
    if write > 0 {
        parts.push(format!(
            "{write} {} att skriva",
            if write == 1 { "rapport" } else { "rapporter" }
        ));
    }
    if approve > 0 {
        parts.push(format!("{approve} att godkänna"));
    }
    let overdue = lines.iter().filter(|l| l.days_left < 0).count();
    let late = if overdue > 0 {
        format!(
            " ({overdue} försenad{})",
            if overdue == 1 { "" } else { "e" }
        )
    } else {
        String::new()
    };
    format!("Styrbord: {}{late}", parts.join(", "))
}

fn subject_en(lines: &[Line]) -> String {
    let (write, approve) = (count(lines, false), count(lines, true));
    let mut parts = Vec::new();
    if write > 0 {
        parts.push(format!(
            "{write} {} to write",
            if write == 1 { "report" } else { "reports" }
        ));
    }
    if approve > 0 {
        parts.push(format!("{approve} to approve"));
    }
    let overdue = lines.iter().filter(|l| l.days_left < 0).count();
    let late = if overdue > 0 {
        format!(" ({overdue} overdue)")
    } else {
        String::new()
    };
    format!("Styrbord: {}{late}", parts.join(", "))
}

/// The digest in the reader's language. `public_url` is where Styrbord is opened, for links.
pub fn render_digest(digest: &Digest, public_url: &str) -> Rendered {
    let lines: Vec<Line> = digest
        .items
        .iter()
        .map(|item| {
            let days_left = item.days_left(digest.day);
            Line {
                title: item.title.clone(),
                unit: item.unit_name.clone(),
                deadline: item.deadline.to_string(),
                days_left,
                days_overdue: -days_left,
                progress: match item.task {
                    Task::Write { ready, sections } => Some((ready, sections)),
                    Task::Approve => None,
                },
                link: format!("{public_url}/reports/{}", item.report_id),
            }
        })
        .collect();
    let weekly = digest.frequency == DigestFrequency::Weekly;
    let settings = format!("{public_url}/settings");
    let english = digest.user.locale.as_deref() == Some("en");
    let name = digest.user.name.as_str();
    // The templates have no fallible parts; an error here is a bug in them.
    let (subject, text) = if english {
        (
            subject_en(&lines),
            English {
                name,
                lines: &lines,
                weekly,
                settings: &settings,
            }
            .render(),
        )
    } else {
        (
            subject_sv(&lines),
            Swedish {
                name,
                lines: &lines,
                weekly,
                settings: &settings,
            }
            .render(),
        )
    };
    Rendered {
        subject,
        text: text.expect("the digest templates render"),
    }
}
