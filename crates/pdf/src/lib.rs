//! Styrbord's PDF writer: a [`Document`] typeset by typst, used as a library, into a tagged A4 PDF
//! that conforms to PDF/UA-1.
//!
//! [`render`] is a pure function: the same document gives the same bytes on every machine. The
//! layout is one typst template compiled into the binary; the document reaches it as JSON data,
//! so no text from the model is ever read as typst markup. Fonts are the ones embedded from
//! typst-assets, never the machine's.

mod fonts;
mod json;
mod text;
mod world;

use domain::document::Document;
use typst::WorldExt;
use typst::diag::SourceDiagnostic;
use typst::foundations::Smart;
use typst_pdf::{PdfOptions, PdfStandard, PdfStandards};

use crate::json::PrintedDocument;
use crate::world::DocumentWorld;

/// Why a document could not be rendered. Carries typst's diagnostics as readable text; with the
/// model's text passed as data these point at the template, so they are bugs to report.
#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    #[error("the document could not be passed to the typesetter: {0}")]
    Encode(#[from] serde_json::Error),
    #[error("typesetting the document failed: {}", .diagnostics.join("; "))]
    Typeset { diagnostics: Vec<String> },
    #[error("writing the PDF failed: {}", .diagnostics.join("; "))]
    Export { diagnostics: Vec<String> },
}

/// Written as the PDF's creator.
const CREATOR: &str = "Styrbord";

/// Comemo memoisation entries unused for this many renders are dropped, so a long-running server
/// does not keep every document it ever rendered in memory.
const CACHE_MAX_AGE: usize = 8;

/// The document as an A4 PDF/UA-1 file.
///
/// Blocking and CPU-bound (about 0.1 s for a plan of five pages in a release build): call it from
/// `spawn_blocking` or a job, not on an async executor thread.
pub fn render(document: &Document) -> Result<Vec<u8>, RenderError> {
    let printed = PrintedDocument::new(document);
    let world = DocumentWorld::new(serde_json::to_vec(&printed)?);
    let result = typeset_and_export(&world, &printed);
    typst::comemo::evict(CACHE_MAX_AGE);
    result
}

fn typeset_and_export(world: &DocumentWorld, printed: &PrintedDocument) -> Result<Vec<u8>, RenderError> {
    let typeset = typst::compile(world).output.map_err(|errors| RenderError::Typeset {
        diagnostics: describe(world, &errors),
    })?;
    let options = pdf_options(printed).map_err(|message| RenderError::Export { diagnostics: vec![message] })?;
    typst_pdf::pdf(&typeset, &options)
        .map_err(|errors| RenderError::Export { diagnostics: describe(world, &errors) })
}

fn pdf_options(printed: &PrintedDocument) -> Result<PdfOptions, String> {
    let standards = PdfStandards::new(&[PdfStandard::Ua_1]).map_err(|error| error.message().to_string())?;
    Ok(PdfOptions {
        // The identifier is derived from this, so it must not change between renders of the same
        // document; without it typst would hash title and author, which is stable as well, but
        // this also tells documents of different units apart.
        ident: Smart::Custom(document_identity(printed)),
        creator: Smart::Custom(Some(CREATOR.to_string())),
        // No timestamp: a creation date would make two renders differ.
        timestamp: None,
        standards,
        tagged: true,
        ..PdfOptions::default()
    })
}

fn document_identity(printed: &PrintedDocument) -> String {
    [Some(&printed.organisation), Some(&printed.title), printed.subtitle.as_ref()]
        .into_iter()
        .flatten()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .join("\u{1f}")
}

/// Each diagnostic as one line: "template line 12: unknown variable: x (hint: ...)".
fn describe(world: &DocumentWorld, diagnostics: &[SourceDiagnostic]) -> Vec<String> {
    diagnostics
        .iter()
        .map(|diagnostic| {
            let byte = world.range(diagnostic.span).map(|range| range.start);
            let location = world.describe_location(diagnostic.span.id(), byte);
            let mut line = match location {
                Some(location) => format!("{location}: {}", diagnostic.message),
                None => diagnostic.message.to_string(),
            };
            for hint in &diagnostic.hints {
                line.push_str(&format!(" (hint: {})", hint.v));
            }
            line
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typesetting_errors_come_back_as_readable_diagnostics() {
        let printed = PrintedDocument::new(&Document {
            title: "Trasig".into(),
            subtitle: None,
            organisation: "Region".into(),
            language: "sv".into(),
            contents_heading: None,
            blocks: vec![],
        });
        let world = DocumentWorld::new(b"{ not json".to_vec());
        let error = typeset_and_export(&world, &printed).expect_err("broken data cannot be typeset");
        let RenderError::Typeset { diagnostics } = &error else { panic!("a typesetting error: {error}") };
        assert!(!diagnostics.is_empty());
        let message = error.to_string();
        assert!(message.starts_with("typesetting the document failed: "), "{message}");
        assert!(message.contains("JSON"), "{message}");
        assert!(message.contains("document.json") || message.contains("template line"), "says where: {message}");
    }
}
