//! Signatures: a borderless table with two parties side by side, each with place and date, the
//! party, room and a line to sign on, and the signer's name.

use docx_rs::{
    LineSpacing, Paragraph, Table, TableCell, TableCellMargins, TableLayoutType, TableRow, VAlignType, WidthType,
};
use domain::document::Signatory;

use super::layout::TEXT_WIDTH;
use super::text::run;

const PARTIES_PER_ROW: usize = 2;

/// Long enough to sign on, short enough to leave a gap to the party beside it.
const SIGNING_LINE: &str = "________________________________";

/// The signature table, or nothing for no parties.
pub(super) fn signatures(parties: &[Signatory]) -> Option<Table> {
    if parties.is_empty() {
        return None;
    }
    let width = TEXT_WIDTH as usize / PARTIES_PER_ROW;
    let rows: Vec<TableRow> = parties
        .chunks(PARTIES_PER_ROW)
        .map(|row| {
            let cells = (0..PARTIES_PER_ROW)
                .map(|column| {
                    let paragraphs = row.get(column).map(party).unwrap_or_else(|| vec![Paragraph::new()]);
                    paragraphs
                        .into_iter()
                        .fold(TableCell::new(), TableCell::add_paragraph)
                        .width(width, WidthType::Dxa)
                        .vertical_align(VAlignType::Top)
                })
                .collect();
            TableRow::new(cells).cant_split()
        })
        .collect();
    Some(
        Table::without_borders(rows)
            .set_grid(vec![width; PARTIES_PER_ROW])
            .width(width * PARTIES_PER_ROW, WidthType::Dxa)
            .layout(TableLayoutType::Fixed)
            // Flush with the text margin; the right margin keeps the parties' lines apart.
            .margins(TableCellMargins::new().margin(0, 284, 0, 0)),
    )
}

/// One party's block. Every line keeps with the next, so a block is never split by a page
/// break, nor parted from the paragraph before the table.
fn party(signatory: &Signatory) -> Vec<Paragraph> {
    let line = |text: &str| Paragraph::new().add_run(run(text)).keep_next(true);
    vec![
        line(&signatory.place_and_date).line_spacing(LineSpacing::new().before(240).after(240)),
        Paragraph::new().add_run(run(&signatory.party).bold()).keep_next(true),
        // Room for the signature above the line.
        line("").line_spacing(LineSpacing::new().before(480).after(0)),
        line(SIGNING_LINE).line_spacing(LineSpacing::new().after(0)),
        line(&signatory.name),
    ]
}
