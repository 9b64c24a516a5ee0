//! A chart in the DOCX: the figure's SVG rasterised to PNG (Word and LibreOffice both show PNG;
//! SVG needs a PNG fallback anyway), in the text width, with its caption under it. The figure's
//! alternative text is set on the drawing when the package is written.

use std::sync::{Arc, LazyLock};

use docx_rs::{AlignmentType, Paragraph, Pic, Run};
use domain::document_chart::Chart;
use resvg::{tiny_skia, usvg};

use super::styles::CAPTION;
use super::text;

/// Pixels per SVG unit (point): 144 dots per inch, sharp on screen and on an office printer.
const SCALE: f32 = 2.0;
/// English Metric Units per point.
const EMU_PER_POINT: f64 = 12_700.0;

/// The embedded fonts (the same the PDF is set in), loaded once per process, read in place
/// from the binary rather than copied.
static FONTS: LazyLock<Arc<usvg::fontdb::Database>> = LazyLock::new(|| {
    let mut fonts = usvg::fontdb::Database::new();
    for data in typst_assets::fonts() {
        fonts.load_font_source(usvg::fontdb::Source::Binary(Arc::new(data)));
    }
    Arc::new(fonts)
});

/// The chart as PNG bytes and its size in pixels; None if the SVG could not be drawn.
pub(super) fn png(chart: &Chart) -> Option<(Vec<u8>, u32, u32)> {
    let options = usvg::Options { fontdb: FONTS.clone(), ..usvg::Options::default() };
    let tree = usvg::Tree::from_str(&chart.svg(), &options).ok()?;
    let size = tree.size().to_int_size().scale_by(SCALE)?;
    let mut pixmap = tiny_skia::Pixmap::new(size.width(), size.height())?;
    resvg::render(&tree, tiny_skia::Transform::from_scale(SCALE, SCALE), &mut pixmap.as_mut());
    Some((pixmap.encode_png().ok()?, size.width(), size.height()))
}

/// The figure's paragraph and its caption; the caption alone if the chart could not be drawn.
/// `index` numbers the document's figures from 1; it names the image, so that the same document
/// gives the same bytes (docx-rs would take a process-wide counter).
pub(super) fn paragraphs(chart: &Chart, index: usize) -> Vec<Paragraph> {
    let mut out = Vec::new();
    if let Some((png, width, height)) = png(chart) {
        let emu = |pixels: u32| (f64::from(pixels) / f64::from(SCALE) * EMU_PER_POINT).round() as u32;
        let picture = Pic::new_with_dimensions(png, width, height).id(format!("rIdImage{index}")).size(emu(width), emu(height));
        out.push(Paragraph::new().align(AlignmentType::Left).keep_next(true).add_run(Run::new().add_image(picture)));
    }
    out.push(text::paragraph(CAPTION, &chart.caption));
    out
}
