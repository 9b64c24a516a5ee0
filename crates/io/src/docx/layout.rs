//! Page geometry, type sizes and colours. Lengths are in twips (1/20 pt, 1/1440 inch), as
//! WordprocessingML measures them; type sizes in half-points.

/// A4 portrait.
pub(super) const PAGE_WIDTH: u32 = 11_906;
pub(super) const PAGE_HEIGHT: u32 = 16_838;

/// 2.5 cm on every side: the margins of Swedish public-sector templates, wide enough to bind.
pub(super) const MARGIN: i32 = 1_418;
/// Header and footer 1.25 cm from the paper's edge.
pub(super) const HEADER_FOOTER_DISTANCE: i32 = 709;

/// The width between the margins (16 cm): tables span it and the footer's right tab sits at it.
pub(super) const TEXT_WIDTH: u32 = PAGE_WIDTH - 2 * MARGIN as u32;

/// 1.25 cm, Swedish Word's default tab stop.
pub(super) const DEFAULT_TAB_STOP: usize = 709;

pub(super) const FONT: &str = "Arial";

pub(super) const BODY_SIZE: usize = 21;
pub(super) const TABLE_SIZE: usize = 19;
pub(super) const SMALL_SIZE: usize = 17;

/// Headings, title and the table header's text: a dark blue that prints well in black and white.
pub(super) const ACCENT: &str = "1F3A5F";
pub(super) const MUTED_TEXT: &str = "555555";
pub(super) const HEADER_FILL: &str = "DCE4EE";
pub(super) const GROUP_FILL: &str = "F0F0F0";
pub(super) const GRID_LINE: &str = "A6A6A6";
/// The line above a total row, darker than the grid.
pub(super) const TOTAL_LINE: &str = "404040";
