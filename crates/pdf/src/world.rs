//! The world typst compiles in: one template as the main source, the document as one JSON file
//! beside it, the embedded fonts, and no clock, no file system, no packages.

use std::sync::LazyLock;

use typst::diag::{FileError, FileResult};
use typst::foundations::{Bytes, Datetime, Duration};
use typst::syntax::{FileId, RootedPath, Source, VirtualPath, VirtualRoot};
use typst::text::{Font, FontBook};
use typst::utils::LazyHash;
use typst::{Library, LibraryExt, World};

use crate::fonts;

/// The layout of every document; it reads [`DATA_PATH`] with `json(...)`.
const TEMPLATE: &str = include_str!("template.typ");
const TEMPLATE_PATH: &str = "/template.typ";
/// Where the template finds the document. User text only ever arrives through this file, as data.
pub(crate) const DATA_PATH: &str = "/document.json";

pub(crate) struct DocumentWorld {
    main: Source,
    data_id: FileId,
    data: Bytes,
}

impl DocumentWorld {
    /// A world whose data file holds `json`.
    pub(crate) fn new(json: Vec<u8>) -> DocumentWorld {
        DocumentWorld {
            main: Source::new(file_id(TEMPLATE_PATH), TEMPLATE.to_string()),
            data_id: file_id(DATA_PATH),
            data: Bytes::new(json),
        }
    }

    /// "template line 12" or "document.json" for a diagnostic's file, to make errors readable.
    pub(crate) fn describe_location(&self, id: Option<FileId>, byte: Option<usize>) -> Option<String> {
        let id = id?;
        if id == self.main.id() {
            let line = byte.and_then(|byte| self.main.lines().byte_to_line(byte))?;
            Some(format!("template line {}", line + 1))
        } else if id == self.data_id {
            Some(DATA_PATH.trim_start_matches('/').to_string())
        } else {
            None
        }
    }
}

fn file_id(path: &str) -> FileId {
    // The paths are the constants above, plain absolute names that are always valid.
    let path = VirtualPath::new(path).unwrap_or_else(|error| panic!("invalid built-in path {path}: {error}"));
    FileId::new(RootedPath::new(VirtualRoot::Project, path))
}

/// The standard library, built once: it is the same for every document.
fn library() -> &'static LazyHash<Library> {
    static LIBRARY: LazyLock<LazyHash<Library>> = LazyLock::new(|| LazyHash::new(Library::default()));
    &LIBRARY
}

impl World for DocumentWorld {
    fn library(&self) -> &LazyHash<Library> {
        library()
    }

    fn book(&self) -> &LazyHash<FontBook> {
        &fonts::embedded().book
    }

    fn main(&self) -> FileId {
        self.main.id()
    }

    fn source(&self, id: FileId) -> FileResult<Source> {
        if id == self.main.id() {
            Ok(self.main.clone())
        } else if id == self.data_id {
            Err(FileError::NotSource)
        } else {
            Err(not_found(id))
        }
    }

    fn file(&self, id: FileId) -> FileResult<Bytes> {
        if id == self.data_id {
            Ok(self.data.clone())
        } else if id == self.main.id() {
            Ok(Bytes::from_string(self.main.clone()))
        } else {
            Err(not_found(id))
        }
    }

    fn font(&self, index: usize) -> Option<Font> {
        fonts::embedded().fonts.get(index).cloned()
    }

    /// No clock: a document's bytes must not depend on when it was rendered.
    fn today(&self, _offset: Option<Duration>) -> Option<Datetime> {
        None
    }
}

fn not_found(id: FileId) -> FileError {
    FileError::NotFound(id.vpath().get_without_slash().into())
}
