//! A document as a file: the data gathered by the app, built in the reader's language, written
//! by the format's writer off the async runtime (typesetting a PDF takes a CPU for a while).

use app::{Actor, App, AppError};

use super::build;
use crate::i18n::Lang;

/// The file formats a document is exported in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Docx,
    Pdf,
    Xlsx,
}

impl Format {
    pub fn parse(text: &str) -> Option<Format> {
        match text.trim().to_ascii_lowercase().as_str() {
            "docx" => Some(Format::Docx),
            "pdf" => Some(Format::Pdf),
            "xlsx" => Some(Format::Xlsx),
            _ => None,
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            Format::Docx => "docx",
            Format::Pdf => "pdf",
            Format::Xlsx => "xlsx",
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            Format::Docx => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            Format::Pdf => "application/pdf",
            Format::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        }
    }
}

/// A written document file.
#[derive(Clone, Debug)]
pub struct ExportedFile {
    pub bytes: Vec<u8>,
    /// "forvaltningsplan-RK-2020.pdf"
    pub file_name: String,
    pub content_type: &'static str,
}

#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error(transparent)]
    App(#[from] AppError),
    /// The writer failed on a document the builder made: a bug, logged and shown as internal.
    #[error("could not write the {format} file: {message}")]
    Write { format: &'static str, message: String },
}

/// The document of `template` for `unit` and `year` as a file in `format`.
/// `period` names a follow-up report's period ("2020-T1"); plans and annual reports are for
/// the year.
#[allow(clippy::too_many_arguments, reason = "the CLI's and the API's parameters, one each")]
pub async fn export(app: &App, actor: &Actor, unit: &str, year: i32, period: Option<&str>, template: &str, format: Format, lang: Lang) -> Result<ExportedFile, ExportError> {
    let data = app.document_data(actor, unit, year, period, template).await?;
    let document = build(&data, lang);
    let file_name = format!("{}-{}-{}.{}", safe_name(&data.template.key), safe_name(&data.unit.key), data.period, format.extension());
    let written = tokio::task::spawn_blocking(move || write(&document, format))
        .await
        .map_err(|e| ExportError::Write { format: format.extension(), message: e.to_string() })?;
    let bytes = written.map_err(|message| ExportError::Write { format: format.extension(), message })?;
    Ok(ExportedFile { bytes, file_name, content_type: format.content_type() })
}

/// The document in `format`: the writers are pure functions of the document.
pub fn write(document: &domain::document::Document, format: Format) -> Result<Vec<u8>, String> {
    match format {
        Format::Docx => fileio::write_docx(document).map_err(|e| e.to_string()),
        Format::Pdf => pdf::render(document).map_err(|e| e.to_string()),
        Format::Xlsx => fileio::document_workbook(document).map_err(|e| e.to_string()),
    }
}

/// Keys in a download's name: letters, digits, `-` and `_` only (a key may hold anything).
fn safe_name(key: &str) -> String {
    key.chars().map(|c| if c.is_ascii_alphanumeric() || c == '-' || c == '_' { c } else { '_' }).collect()
}
