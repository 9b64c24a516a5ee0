//! The PDF writer checked the way a reader would: the rendered file is opened with poppler's
//! `pdfinfo` and `pdftotext` (package poppler-utils), the tools a person would use to see whether
//! it is tagged, A4, titled, and says what the plan says.
//!
//! Set `STYRBORD_PDF_KEEP=1` to keep the rendered files (`styrbord-pdf-test-*.pdf` in the
//! temporary directory) for viewing.

use std::process::Command;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use domain::document::{Block, Cell, Column, Document, Row, Signatory, Table};
use domain::money::{Money, Unit};

// ---------------------------------------------------------------------------------------------
// The fixture: a förvaltningsplan like the Regionkontoret plan for 2020.

fn heading(level: u8, number: &str, text: &str) -> Block {
    Block::Heading { level, number: Some(number.to_string()), text: text.to_string() }
}

fn paragraph(text: &str) -> Block {
    Block::Paragraph { text: text.to_string() }
}

fn bullets(items: &[&str]) -> Block {
    Block::Bullets { items: items.iter().map(|item| item.to_string()).collect() }
}

/// An amount in mkr given in tenths of a million: `mkr(25474)` is "2 547,4".
fn mkr(tenths: i64) -> Cell {
    Cell::money(Money::from_ore(tenths * 10_000_000), Unit::Mkr, 1)
}

fn text(text: &str) -> Cell {
    Cell::text(text)
}

fn row(cells: Vec<Cell>) -> Row {
    Row::body(cells)
}

fn forvaltningsplan() -> Document {
    let frames = Table {
        name: "5.1.1 Fördelning".into(),
        caption: Some("Fördelning av regionersättningen per centrumbildning".into()),
        columns: vec![
            Column::new("Centrumbildning, belopp i miljoner kronor", 5),
            Column::new("Ram 2019", 1),
            Column::new("Ram 2020", 1),
        ],
        rows: vec![
            Row::group("Centrumbildningar"),
            row(vec![text("Centrum för administration"), mkr(554), mkr(528)]),
            row(vec![text("Centrum för kommunikation"), mkr(179), mkr(177)]),
            row(vec![text("Centrum för ekonomi"), mkr(232), mkr(269)]),
            row(vec![text("Centrum för HR"), mkr(213), mkr(269)]),
            row(vec![text("Centrum för innovation, forskning och utbildning"), mkr(906), mkr(478)]),
            row(vec![text("Regiondirektörens stab"), mkr(534), mkr(489)]),
            Row::group("Överförs 2020"),
            row(vec![text("Centrum för hälso- och sjukvårdsutveckling"), mkr(22276), mkr(0)]),
            row(vec![text("Centrum för regional utveckling"), mkr(1416), mkr(0)]),
            row(vec![text("Centrum för digitalisering"), mkr(68), mkr(0)]),
            Row::total(vec![text("Summa Regionkontoret"), mkr(25474), mkr(2210)]),
        ],
    };
    let frame_changes = Table {
        name: "5.1.2 Ramförändring".into(),
        caption: None,
        columns: vec![
            Column::new("Ramförändringar i miljoner kronor", 5),
            Column::new("2020", 1),
            Column::new("2021", 1),
            Column::new("2022", 1),
        ],
        rows: vec![
            row(vec![text("Verksamheter inom CHSU överförs till HSF"), mkr(-21555), Cell::Empty, Cell::Empty]),
            row(vec![text("Verksamheter inom CHSU/CRU överförs till RUF"), mkr(-1741), Cell::Empty, Cell::Empty]),
            row(vec![text("Centrum för digitalisering överförs till FD"), mkr(-68), Cell::Empty, Cell::Empty]),
            row(vec![text("Ökad ram personalpolitiska medel från RS"), mkr(70), Cell::Empty, Cell::Empty]),
            row(vec![text("Ökad ram Post. doc medel från RS (psykiatri)"), mkr(89), Cell::Empty, Cell::Empty]),
            row(vec![text("Reducering ram till följd av EIB"), mkr(-96), mkr(-27), mkr(-12)]),
            row(vec![text("LPIK uppräkning (3,1−0,7=2,4 % effektiviseringskrav)"), Cell::Empty, Cell::Empty, mkr(52)]),
            Row::total(vec![text("Summa Regionkontoret"), mkr(-23262), mkr(-27), mkr(40)]),
        ],
    };
    let income = Table {
        name: "5.2 Intäktsfinansierade".into(),
        caption: Some("Prisförändring och beräknad intäkt".into()),
        columns: vec![
            Column::new("Verksamhet", 3),
            Column::new("Prisförändring\ni procent", 2),
            Column::new("Prisförändring\ni mkr", 2),
            Column::new("Volymförändring\ni mkr", 2),
            Column::new("Total beräknad\nintäkt i mkr", 2),
        ],
        rows: vec![
            row(vec![text("Ekonomistöd"), Cell::Percent { value: 0.03, decimals: 1 }, mkr(12), mkr(0), mkr(417)]),
            row(vec![text("HR stöd"), Cell::Percent { value: 0.023, decimals: 1 }, mkr(5), mkr(0), mkr(204)]),
            row(vec![text("Lärcentrum"), Cell::Percent { value: 0.0, decimals: 1 }, mkr(0), mkr(4), mkr(136)]),
            row(vec![text("Regionhälsan"), Cell::Percent { value: 0.0, decimals: 1 }, mkr(0), mkr(2), mkr(134)]),
        ],
    };
    let actions = Table {
        name: "4 Plan för genomförande".into(),
        caption: None,
        columns: vec![
            Column::new("Åtgärd (Ekonomi i balans integreras här)", 6),
            Column::new("Tidplan", 2),
            Column::new("Ansvarig", 2),
        ],
        rows: vec![
            Row::group("Nöjda invånare i en attraktiv region"),
            row(vec![
                text("Säkerställa ägar- och finansiellt perspektiv avseende förnyad vagnpark för Tåg i Bergslagen."),
                text("2020–2022"),
                text("CE"),
            ]),
            Row::group("En effektiv verksamhet av god kvalitet"),
            row(vec![
                text("Utveckla verksamheten inom Regionkontoret med förändrade arbetssätt och digitalisering bl a genom att förenkla, effektivisera, prioritera och digitalisera administrativa flöden."),
                text("2020–2022\nDelårsrapport\noch årsredov."),
                text("Respektive\nCD och VC"),
            ]),
            row(vec![
                text("Genomföra en översyn av (den politiska) ärendehanteringsprocessen/beredningsprocessen (Internt uppdrag)"),
                Cell::text("2020-06-30"),
                text("CA"),
            ]),
            Row::group("Stolta och engagerade medarbetare samt uppdragstagare"),
            row(vec![
                text("Etablera en lösning för hur regionen ska arbeta med sysselsättning för personer som står långt från arbetsmarknaden."),
                text("2020-12-31"),
                text("CHR"),
            ]),
            Row::group("En stark och uthållig ekonomi"),
            row(vec![
                text("Ta fram en strukturmodell för fördelning av årliga ramjusteringar."),
                text("2020–2022"),
                text("CE"),
            ]),
        ],
    };
    let budget = Table {
        name: "5.6 Budget".into(),
        caption: Some("Budget i miljoner kronor".into()),
        columns: vec![Column::new("", 4), Column::new("Budget 2020", 1)],
        rows: vec![
            row(vec![text("Försäljning av tjänster"), mkr(1197)]),
            row(vec![text("Regionersättning"), mkr(2210)]),
            row(vec![text("RS anslag"), mkr(356)]),
            row(vec![text("Erhållna bidrag"), mkr(103)]),
            row(vec![text("Övriga intäkter"), mkr(372)]),
            Row::total(vec![text("Summa intäkter"), mkr(4238)]),
            row(vec![text("Personalkostnader"), mkr(-2154)]),
            row(vec![text("Konsultarvoden"), mkr(-416)]),
            row(vec![text("Övriga verksamhetskostnader"), mkr(-1668)]),
            Row::total(vec![text("Summa kostnader"), mkr(-4238)]),
            Row::total(vec![text("Resultat"), mkr(0)]),
        ],
    };
    let indicators = Table {
        name: "7 Indikatorer".into(),
        caption: Some("Målområde: Stolta och engagerade medarbetare och uppdragstagare".into()),
        columns: vec![
            Column::new("Mål", 3),
            Column::new("Indikator", 4),
            Column::new("Målvärde 2020", 2),
            Column::new("Nuläge 2019", 2),
            Column::new("Redovisas", 2),
        ],
        rows: vec![
            row(vec![
                text("RK ska vara en attraktiv arbetsgivare"),
                text("Hållbart medarbetarengagemang, HME"),
                Cell::Percent { value: 0.78, decimals: 0 },
                Cell::Percent { value: 0.769, decimals: 1 },
                text("År"),
            ]),
            row(vec![
                Cell::Empty,
                text("Sjukfrånvaro"),
                Cell::Percent { value: 0.04, decimals: 1 },
                Cell::Percent { value: 0.045, decimals: 1 },
                text("M, D, Å"),
            ]),
            row(vec![
                Cell::Empty,
                text("Antal rehabiliteringsärenden"),
                Cell::Integer(12),
                Cell::Integer(17),
                text("Löpande"),
            ]),
        ],
    };
    Document {
        title: "Förvaltningsplan 2020".into(),
        subtitle: Some("Regionkontoret".into()),
        organisation: "Region Västmanland".into(),
        language: "sv".into(),
        contents_heading: Some("Innehåll".into()),
        blocks: vec![
            heading(1, "1", "FÖRVALTNINGENS GRUNDUPPDRAG"),
            paragraph("Inom Regionkontoret organiseras verksamheter som har i uppdrag att stödja regionens politiska organisation i rollerna som befolkningsföreträdare, finansiär, uppdragsgivare och ägare. Detta innebär bl a stöd avseende"),
            bullets(&[
                "beredning av ärenden ur ett helhetsperspektiv,",
                "ledning och samordning av verkställande av politiska beslut,",
                "uppföljning/uppsikt utifrån regionstyrelsens ansvar enligt Kommunallagen,",
                "ekonomisk förvaltning, samt",
                "myndighetsuppdraget.",
            ]),
            paragraph("Förvaltningen ska stödja regionens verksamheter i utförandet av sina uppdrag."),
            heading(1, "2", "PLANERING OCH UPPFÖLJNING I FÖRVALTNINGEN"),
            paragraph("Förvaltningsplanen beskriver Regionkontorets mål, uppdrag och ram samt vilka åtgärder som ska genomföras för att nå måluppfyllelse.\nPlanen utgår från Regionplanen."),
            heading(1, "3", "MÅL OCH UPPDRAG"),
            paragraph("Nedan beskrivs mål och uppdrag som riktas till Regionkontoret från Regionfullmäktige och Regionstyrelse."),
            heading(1, "4", "PLAN FÖR GENOMFÖRANDE"),
            paragraph("Åtgärder för att utföra uppdrag och nå uppsatta mål."),
            Block::Table(actions),
            heading(1, "5", "EKONOMISKA FÖRUTSÄTTNINGAR"),
            heading(2, "5.1", "Ersättningar"),
            paragraph("Fullmäktige har beslutat om följande ram för Regionkontoret:\n221,0 miljoner kronor för 2020\n218,4 miljoner kronor för 2021\n222,4 miljoner kronor för 2022"),
            heading(3, "5.1.1", "Fördelningen av ersättningen inom förvaltningen"),
            paragraph("Nedan redovisas hur regionersättningen har fördelats inom förvaltningen."),
            Block::Table(frames),
            heading(3, "5.1.2", "Ramförändring jämfört med föregående års ram"),
            Block::Table(frame_changes),
            heading(2, "5.2", "Intäktsfinansierade verksamheter"),
            Block::Table(income),
            heading(2, "5.3", "Beslutade ersättningar ur regionstyrelsens anslag"),
            bullets(&["Post doc-tjänster (somatik) 1,6 mkr", "Omställning och kompetensutveckling 25 mkr"]),
            heading(2, "5.6", "Budget"),
            Block::Table(budget),
            heading(1, "6", "INTERN KONTROLL"),
            paragraph("Förvaltningens kontrollområden framgår i sammanställningen nedan."),
            heading(1, "7", "FÖRVALTNINGSSPECIFIKA MÅL MED INDIKATORER OCH MÅLVÄRDE"),
            Block::Table(indicators),
            heading(1, "8", "INTERN REFERENS"),
            paragraph("Denna förvaltningsplan är beslutad av RS 2019-12-17, § 123\nDiarienummer: RV 190123"),
            heading(1, "9", "UNDERSKRIFTER"),
            paragraph("Denna förvaltningsplan har upprättats i två exemplar, varefter förvaltningsplanen undertecknats och fördelats med ett exemplar till vardera part."),
            Block::Signatures {
                parties: vec![
                    Signatory {
                        place_and_date: "Västerås 2019-12-17".into(),
                        party: "Region Västmanland".into(),
                        name: "Anna Regiondirektör".into(),
                    },
                    Signatory {
                        place_and_date: "Västerås ____".into(),
                        party: "Regionkontoret".into(),
                        name: String::new(),
                    },
                ],
            },
        ],
    }
}

// ---------------------------------------------------------------------------------------------
// Rendering and the poppler tools.

/// The fixture rendered once for all tests (rendering takes a moment in debug builds).
fn fixture_pdf() -> &'static RenderedPdf {
    static FIXTURE: OnceLock<RenderedPdf> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let started = Instant::now();
        let rendered = RenderedPdf::new("fixture", &forvaltningsplan());
        eprintln!("rendered the förvaltningsplan fixture in {} ms", started.elapsed().as_millis());
        rendered
    })
}

/// A rendered PDF and the poppler tools run on it.
struct RenderedPdf {
    name: String,
    bytes: Vec<u8>,
}

/// Stands for the PDF file in a tool's arguments.
const PDF_FILE: &str = "{pdf}";

impl RenderedPdf {
    fn new(name: &str, document: &Document) -> RenderedPdf {
        let bytes = pdf::render(document).unwrap_or_else(|error| panic!("rendering {name} failed: {error}"));
        assert!(bytes.starts_with(b"%PDF-"), "{name} is not a PDF");
        if std::env::var_os("STYRBORD_PDF_KEEP").is_some() {
            let kept = std::env::temp_dir().join(format!("styrbord-pdf-test-{name}.pdf"));
            std::fs::write(&kept, &bytes).expect("keep the PDF");
        }
        RenderedPdf { name: name.to_string(), bytes }
    }

    /// Runs `tool` with `args`, [`PDF_FILE`] replaced by a temporary copy of the PDF.
    fn run(&self, tool: &str, args: &[&str]) -> String {
        static RUNS: AtomicUsize = AtomicUsize::new(0);
        let run = RUNS.fetch_add(1, Ordering::Relaxed);
        let path = std::env::temp_dir().join(format!("styrbord-pdf-test-{}-{run}-{}.pdf", std::process::id(), self.name));
        std::fs::write(&path, &self.bytes).expect("write the PDF to a temporary file");
        let file = path.display().to_string();
        let args: Vec<&str> = args.iter().map(|arg| if *arg == PDF_FILE { file.as_str() } else { arg }).collect();
        let output = run_tool(tool, &args);
        let _ = std::fs::remove_file(&path);
        output
    }

    /// `pdfinfo` output.
    fn info(&self) -> String {
        self.run("pdfinfo", &[PDF_FILE])
    }

    /// `pdfinfo -meta`: the XMP metadata.
    fn metadata(&self) -> String {
        self.run("pdfinfo", &["-meta", PDF_FILE])
    }

    /// `pdftotext -layout` of the pages `first..=last` (all when `None`), whitespace normalised.
    fn layout_text(&self, pages: Option<(u32, u32)>) -> String {
        let range = pages.map(|(first, last)| [first.to_string(), last.to_string()]);
        let mut args = vec!["-layout", "-enc", "UTF-8"];
        if let Some([first, last]) = &range {
            args.extend(["-f", first.as_str(), "-l", last.as_str()]);
        }
        args.extend([PDF_FILE, "-"]);
        normalise(&self.run("pdftotext", &args))
    }

    /// `pdftotext -bbox`: every word with its box, for checking alignment.
    fn words(&self) -> Vec<Word> {
        let html = self.run("pdftotext", &["-bbox", "-enc", "UTF-8", PDF_FILE, "-"]);
        html.lines().filter_map(Word::parse).collect()
    }

    fn page_count(&self) -> u32 {
        let info = self.info();
        field(&info, "Pages").parse().unwrap_or_else(|_| panic!("no page count in pdfinfo output:\n{info}"))
    }
}

/// Runs a poppler tool; a missing tool fails the test with what to install.
fn run_tool(tool: &str, args: &[&str]) -> String {
    let output = match Command::new(tool).args(args).output() {
        Ok(output) => output,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
            panic!("`{tool}` is not installed; the PDF tests need poppler-utils (apt-get install poppler-utils)")
        }
        Err(error) => panic!("running `{tool}` failed: {error}"),
    };
    assert!(
        output.status.success(),
        "`{tool} {args:?}` failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    // pdfinfo -struct prints heading titles as raw UTF-16: read leniently.
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// A `pdfinfo` field's value: "Tagged:         yes" → "yes".
fn field<'a>(info: &'a str, name: &str) -> &'a str {
    info.lines()
        .find_map(|line| line.strip_prefix(name)?.strip_prefix(':'))
        .map(str::trim)
        .unwrap_or_else(|| panic!("pdfinfo has no {name}:\n{info}"))
}

/// Each line with runs of whitespace (no-break spaces included) as one space, trimmed: pdftotext
/// prints a no-break space as either U+00A0 or a space, and the layout as runs of spaces. The
/// invisible word joiner typst puts before page numbers in the contents is dropped.
fn normalise(text: &str) -> String {
    text.replace('\u{2060}', "")
        .lines()
        .map(|line| line.split(|c: char| c.is_whitespace()).filter(|part| !part.is_empty()).collect::<Vec<_>>().join(" "))
        .collect::<Vec<_>>()
        .join("\n")
}

/// One word from `pdftotext -bbox`, on the page it is on (counted from 1).
#[derive(Debug, Clone)]
struct Word {
    text: String,
    x_min: f64,
    x_max: f64,
    y_min: f64,
}

impl Word {
    /// Parses `<word xMin="…" yMin="…" xMax="…" yMax="…">text</word>`.
    fn parse(line: &str) -> Option<Word> {
        let line = line.trim();
        let rest = line.strip_prefix("<word ")?;
        let (attributes, rest) = rest.split_once('>')?;
        let text = rest.strip_suffix("</word>")?;
        let attribute = |name: &str| -> Option<f64> {
            let start = attributes.find(&format!("{name}=\""))? + name.len() + 2;
            let end = start + attributes[start..].find('"')?;
            attributes[start..end].parse().ok()
        };
        Some(Word {
            text: text.replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">"),
            x_min: attribute("xMin")?,
            x_max: attribute("xMax")?,
            y_min: attribute("yMin")?,
        })
    }
}

/// The words of the first line that reads `phrase`, in order.
fn line_of_words<'a>(words: &'a [Word], phrase: &str) -> &'a [Word] {
    let wanted: Vec<&str> = phrase.split(' ').collect();
    let start = words
        .windows(wanted.len())
        .position(|window| window.iter().zip(&wanted).all(|(word, wanted)| word.text == *wanted))
        .unwrap_or_else(|| panic!("no line reads {phrase:?}"));
    let y = words[start].y_min;
    let end = words[start..].iter().position(|word| (word.y_min - y).abs() > 2.0).map_or(words.len(), |n| start + n);
    &words[start..end]
}

// ---------------------------------------------------------------------------------------------
// The checks.

#[test]
fn the_plan_is_a_tagged_a4_pdf_ua_file_titled_as_the_document() {
    let pdf = fixture_pdf();
    let info = pdf.info();
    assert_eq!(field(&info, "Tagged"), "yes", "{info}");
    assert_eq!(field(&info, "Page size"), "595.276 x 841.89 pts (A4)", "{info}");
    assert_eq!(field(&info, "Title"), "Förvaltningsplan 2020", "{info}");
    assert_eq!(field(&info, "Creator"), "Styrbord", "{info}");
    assert!(pdf.page_count() >= 4, "cover, contents and at least two pages of text:\n{info}");
    let metadata = pdf.metadata();
    assert!(metadata.contains("<pdfuaid:part>1</pdfuaid:part>"), "declares PDF/UA-1:\n{metadata}");
    assert!(metadata.contains("<rdf:li>sv</rdf:li>") || metadata.contains("<rdf:li>sv-"), "language sv:\n{metadata}");
    assert!(!info.contains("CreationDate"), "no creation date, so renders are identical:\n{info}");
}

#[test]
fn the_plan_reads_like_the_forvaltningsplan() {
    let text = fixture_pdf().layout_text(None);
    for expected in [
        "Region Västmanland",
        "Förvaltningsplan 2020",
        "Regionkontoret",
        "Innehåll",
        "1 FÖRVALTNINGENS GRUNDUPPDRAG",
        "5 EKONOMISKA FÖRUTSÄTTNINGAR",
        "5.1 Ersättningar",
        "5.1.1 Fördelningen av ersättningen inom förvaltningen",
        "9 UNDERSKRIFTER",
        "beredning av ärenden ur ett helhetsperspektiv,",
        "Fördelning av regionersättningen per centrumbildning",
        "Centrumbildning, belopp i miljoner kronor Ram 2019 Ram 2020",
        "Centrum för administration 55,4 52,8",
        "Summa Regionkontoret 2 547,4 221,0",
        "Summa Regionkontoret \u{2212}2 326,2 \u{2212}2,7 4,0",
        "Ekonomistöd 3,0 % 1,2 0,0 41,7",
        "Nöjda invånare i en attraktiv region",
        "Västerås 2019-12-17",
        "Anna Regiondirektör",
    ] {
        assert!(text.contains(expected), "the PDF text lacks {expected:?}:\n{text}");
    }
    assert!(text.contains("• ekonomisk förvaltning, samt"), "bullets have bullet marks:\n{text}");
}

#[test]
fn the_contents_list_every_heading_with_its_number_and_page() {
    let pdf = fixture_pdf();
    let contents = pdf.layout_text(Some((2, 2)));
    assert!(contents.starts_with("Innehåll"), "page 2 is the table of contents:\n{contents}");
    let entries = ["1 FÖRVALTNINGENS GRUNDUPPDRAG", "5.1.1 Fördelningen av ersättningen inom förvaltningen", "9 UNDERSKRIFTER"];
    for entry in entries {
        let line = contents
            .lines()
            .find(|line| line.contains(entry))
            .unwrap_or_else(|| panic!("the contents lack {entry:?}:\n{contents}"));
        let page: u32 = line
            .rsplit(' ')
            .next()
            .and_then(|page| page.parse().ok())
            .unwrap_or_else(|| panic!("no page number after {entry:?}: {line:?}"));
        assert!((3..=pdf.page_count()).contains(&page), "{entry:?} on page {page}");
        let body = pdf.layout_text(Some((page, page)));
        assert!(body.contains(entry), "{entry:?} is not on page {page}:\n{body}");
    }
}

#[test]
fn pages_after_the_cover_are_numbered_in_the_footer() {
    let pdf = fixture_pdf();
    let pages = pdf.page_count();
    let cover = pdf.layout_text(Some((1, 1)));
    assert!(!cover.contains(&format!("({pages})")), "the cover has no page number:\n{cover}");
    let third = pdf.layout_text(Some((3, 3)));
    assert!(
        third.lines().last().is_some_and(|line| line.ends_with(&format!("3 ({pages})"))),
        "page 3 ends with \"3 ({pages})\":\n{third}"
    );
}

#[test]
fn numbers_are_right_aligned_and_text_left_aligned_in_tables() {
    let words = fixture_pdf().words();
    let first = line_of_words(&words, "Centrum för administration");
    let total = line_of_words(&words, "Summa Regionkontoret 2 547,4");
    assert!((first[0].x_min - total[0].x_min).abs() < 0.5, "text cells start at one edge: {first:?} {total:?}");
    let last_right = |line: &[Word]| line.last().map(|word| word.x_max).unwrap_or_default();
    assert!(
        (last_right(first) - last_right(total)).abs() < 0.5,
        "\"52,8\" and \"221,0\" end at the same edge: {first:?} {total:?}"
    );
    let header = line_of_words(&words, "Centrumbildning, belopp i miljoner kronor");
    assert!(
        (last_right(header) - last_right(total)).abs() < 0.5,
        "a numeric column's header aligns with its numbers: {header:?} {total:?}"
    );
}

#[test]
fn line_breaks_in_cells_and_paragraphs_are_kept() {
    let text = fixture_pdf().layout_text(None);
    assert!(text.contains("Fullmäktige har beslutat om följande ram för Regionkontoret:\n221,0 miljoner kronor för 2020"), "{text}");
    assert!(!text.contains("Delårsrapport och årsredov."), "the cell's lines stay apart:\n{text}");
    let lines: Vec<&str> = text.lines().collect();
    let at = lines.iter().position(|line| line.contains("Delårsrapport")).expect("the cell is printed");
    assert!(lines[at + 1].contains("och årsredov."), "the next line of the cell follows:\n{text}");
}

#[test]
fn screen_readers_get_headings_lists_tables_with_header_cells_and_the_contents() {
    let pdf = fixture_pdf();
    let structure = pdf.run("pdfinfo", &["-struct", PDF_FILE]);
    let count = |tag: &str| {
        structure
            .lines()
            .filter(|line| {
                let line = line.trim_start();
                line.strip_prefix(tag).is_some_and(|rest| rest.is_empty() || rest.starts_with([' ', ':']))
            })
            .count()
    };
    assert_eq!(count("H1"), 10, "nine sections and the contents heading:\n{structure}");
    assert_eq!(count("H2"), 4, "5.1, 5.2, 5.3 and 5.6:\n{structure}");
    assert_eq!(count("H3"), 2, "5.1.1 and 5.1.2:\n{structure}");
    assert_eq!(count("TOCI"), 15, "one contents entry per heading:\n{structure}");
    assert_eq!(count("L"), 2, "two bulleted lists:\n{structure}");
    assert_eq!(count("LI"), 7, "seven bullets:\n{structure}");
    assert_eq!(count("Table"), 6, "{structure}");
    assert_eq!(count("THead"), 6, "every table marks its header row:\n{structure}");
    assert_eq!(count("Caption"), 4, "four tables have captions:\n{structure}");
    let group_headers = structure.lines().filter(|line| line.trim() == "/ColSpan 3").count();
    assert_eq!(group_headers, 6, "the six group rows span their tables' three columns:\n{structure}");
}

#[test]
fn the_same_document_renders_to_the_same_bytes() {
    // Another document in between, so typst's caches hold something else.
    let mut other = forvaltningsplan();
    other.blocks.reverse();
    pdf::render(&other).expect("render another document");
    let again = pdf::render(&forvaltningsplan()).expect("render again");
    assert!(again == fixture_pdf().bytes, "two renders of the fixture differ");
}

#[test]
fn an_english_document_declares_english_and_prints_english_numbers() {
    let mut document = forvaltningsplan();
    document.language = "en".into();
    document.title = "Management plan 2020".into();
    document.contents_heading = None;
    let pdf = RenderedPdf::new("english", &document);
    let metadata = pdf.metadata();
    assert!(metadata.contains("<rdf:li>en</rdf:li>") || metadata.contains("<rdf:li>en-"), "language en:\n{metadata}");
    let info = pdf.info();
    assert_eq!(field(&info, "Title"), "Management plan 2020");
    assert_eq!(field(&info, "Tagged"), "yes");
    let text = pdf.layout_text(None);
    assert!(text.contains("Summa Regionkontoret 2,547.4 221.0"), "{text}");
    assert!(!text.contains("Innehåll"), "no contents without a contents heading:\n{text}");
    let first = pdf.layout_text(Some((1, 1)));
    assert!(
        first.contains("Management plan 2020") && first.contains("1 FÖRVALTNINGENS GRUNDUPPDRAG"),
        "without contents the text starts under the title on page 1:\n{first}"
    );
    assert!(first.lines().last().is_some_and(|line| line.ends_with(&format!("1 of {}", pdf.page_count()))), "{first}");
}

#[test]
fn a_long_table_repeats_its_header_on_every_page() {
    let mut rows = vec![Row::group("Enheter i Västerås")];
    rows.extend((1..=120).map(|n| row(vec![text(&format!("Enhet {n}")), mkr(n * 10)])));
    let document = Document {
        title: "Lång tabell".into(),
        subtitle: None,
        organisation: "Region Västmanland".into(),
        language: "sv".into(),
        contents_heading: None,
        blocks: vec![Block::Table(Table {
            name: "Lång".into(),
            caption: None,
            columns: vec![Column::new("Enhet", 3), Column::new("Belopp i mkr", 1)],
            rows,
        })],
    };
    let pdf = RenderedPdf::new("long-table", &document);
    let pages = pdf.page_count();
    assert!(pages >= 3, "120 rows take several pages");
    for page in 1..=pages {
        let text = pdf.layout_text(Some((page, page)));
        assert!(
            text.contains("Enhet Belopp i mkr\nEnheter i Västerås"),
            "page {page} repeats the header and the group:\n{text}"
        );
    }
    assert!(pdf.layout_text(None).contains("Enhet 120 120,0"));
}

#[test]
fn odd_documents_render_without_panicking() {
    let empty = Document {
        title: String::new(),
        subtitle: Some(String::new()),
        organisation: String::new(),
        language: String::new(),
        contents_heading: Some(String::new()),
        blocks: Vec::new(),
    };
    let pdf = RenderedPdf::new("empty", &empty);
    assert_eq!(field(&pdf.info(), "Tagged"), "yes");
    assert_eq!(field(&pdf.info(), "Title"), "Dokument", "an untitled document still has a title (PDF/UA)");

    let odd = Document {
        title: "Udda\tinnehåll\r\n".into(),
        subtitle: None,
        organisation: "Region\u{0}Västmanland".into(),
        language: "not a language".into(),
        contents_heading: Some("Innehåll".into()),
        blocks: vec![
            // Starts below level 1 and skips a level: PDF/UA forbids both, so levels are adjusted.
            Block::Heading { level: 3, number: Some("1.1.1".into()), text: "Djup rubrik".into() },
            Block::Heading { level: 9, number: None, text: "Ännu djupare".into() },
            Block::Heading { level: 0, number: None, text: String::new() },
            Block::Heading { level: 1, number: Some("2".into()), text: String::new() },
            paragraph(""),
            paragraph("Emoji 😀, privat \u{E000}, noll\u{200B}bredd, mjukt\u{AD}bindestreck, #set page(width: 1cm) *inte* markup $x$ \\ [länk](x) <etikett> @ref"),
            Block::Bullets { items: vec![] },
            Block::Bullets { items: vec![String::new(), "=".into()] },
            Block::Table(Table::default()),
            Block::Table(Table {
                name: "Utan kolumner".into(),
                caption: Some("Rader utan kolumner".into()),
                columns: vec![],
                rows: vec![row(vec![text("a"), text("b")]), Row::group("Grupp"), row(vec![])],
            }),
            Block::Table(Table {
                name: "Ojämn".into(),
                caption: Some(String::new()),
                columns: vec![Column { header: "A".into(), width: 0 }, Column::new("B", 65535), Column::new("C", 1)],
                rows: vec![
                    row(vec![text("kort")]),
                    row(vec![text("lång"), mkr(1), mkr(2), text("EXTRA-CELL-SOM-INTE-SKA-SYNAS")]),
                    Row::total(vec![]),
                    Row::group(""),
                    Row::group("Grupp sist"),
                ],
            }),
            Block::Table(Table {
                name: "Bara grupp".into(),
                caption: None,
                columns: vec![],
                rows: vec![Row::group("Ensam grupp")],
            }),
            Block::Table(Table {
                name: "Smal".into(),
                caption: None,
                columns: (0..12).map(|n| Column::new(format!("K{n}"), 1)).collect(),
                rows: vec![row(
                    (0..12).map(|_| text("Ettmycketlångtordutanbrytpunktersomintefårplatsikolumnen")).collect(),
                )],
            }),
            Block::Signatures { parties: vec![] },
            Block::Signatures {
                parties: (0..7)
                    .map(|n| Signatory { place_and_date: String::new(), party: format!("Part {n}"), name: String::new() })
                    .collect(),
            },
        ],
    };
    let pdf = RenderedPdf::new("odd", &odd);
    let info = pdf.info();
    assert_eq!(field(&info, "Tagged"), "yes", "{info}");
    assert_eq!(field(&info, "Title"), "Udda innehåll", "{info}");
    let text = pdf.layout_text(None);
    for expected in [
        "Djup rubrik",
        "Ännu djupare",
        "#set page(width: 1cm) *inte* markup $x$",
        "<etikett> @ref",
        "Ensam grupp",
        "Part 6",
    ] {
        assert!(text.contains(expected), "the PDF text lacks {expected:?}:\n{text}");
    }
    assert!(!text.contains("EXTRA-CELL-SOM-INTE-SKA-SYNAS"), "cells beyond the columns are dropped:\n{text}");
}
