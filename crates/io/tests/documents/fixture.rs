//! A förvaltningsplan as a Swedish region writes it (after Region Västmanland's plan for
//! Regionkontoret 2020): numbered headings on three levels, bullets, a frames table in mkr with
//! groups and a total, a plan table with multi-line cells, signatures. Narrow column headers
//! carry soft hyphens (U+00AD) where a long word may break, as a careful author writes them.

use domain::document::{Block, Cell, Column, Document, Row, Signatory, Table};
use domain::money::{Unit, parse_sek};

pub const SUMMA: &str = "Summa Regionkontoret";

pub const BULLETS: [&str; 5] = [
    "beredning av ärenden ur ett helhetsperspektiv,",
    "ledning och samordning av verkställande av politiska beslut,",
    "uppföljning/uppsikt utifrån regionstyrelsens ansvar enligt Kommunallagen,",
    "ekonomisk förvaltning, samt",
    "myndighetsuppdraget.",
];

pub const PARTIES: [&str; 2] = ["Region Västmanland", "Regionkontoret"];

/// Headings as printed, "number text", with their level.
pub const HEADINGS: [(u8, &str); 14] = [
    (1, "1 Förvaltningens grunduppdrag"),
    (1, "2 Planering och uppföljning i förvaltningen"),
    (1, "3 Plan för genomförande"),
    (1, "4 Ekonomiska förutsättningar"),
    (2, "4.1 Ersättningar"),
    (3, "4.1.1 Fördelningen av ersättningen inom förvaltningen"),
    (3, "4.1.2 Ramförändring jämfört med föregående års ram"),
    (2, "4.2 Intäktsfinansierade verksamheter"),
    (1, "5 Intern kontroll"),
    (1, "6 Förvaltningsspecifika mål med indikatorer och målvärde"),
    (1, "7 Intern referens"),
    (1, "8 Ekonomisk sammanställning"),
    (2, "8.1 Budget"),
    (1, "9 Underskrifter"),
];

fn heading(index: usize) -> Block {
    let (level, printed) = HEADINGS[index];
    let (number, text) = printed.split_once(' ').unwrap();
    Block::Heading { level, number: Some(number.into()), text: text.into() }
}

fn paragraph(text: &str) -> Block {
    Block::Paragraph { text: text.into() }
}

fn text(text: &str) -> Cell {
    Cell::text(text)
}

fn mkr(amount: &str) -> Cell {
    Cell::money(parse_sek("fixture", amount, Unit::Mkr).unwrap(), Unit::Mkr, 1)
}

fn percent(value: f64) -> Cell {
    Cell::Percent { value, decimals: 1 }
}

fn columns(columns: &[(&str, u16)]) -> Vec<Column> {
    columns.iter().map(|(header, width)| Column::new(*header, *width)).collect()
}

pub fn frames_table() -> Table {
    let centre =
        |name: &str, frame_2019: &str, frame_2020: &str| Row::body(vec![text(name), mkr(frame_2019), mkr(frame_2020)]);
    Table {
        name: "4.1.1 Fördelning".into(),
        caption: Some("Tabell 2. Fördelning av regionersättningen per centrumbildning, mkr".into()),
        columns: columns(&[("Centrumbildning, belopp i miljoner kronor", 6), ("Ram 2019", 2), ("Ram 2020", 2)]),
        rows: vec![
            Row::group("Centrumbildningar som är kvar i förvaltningen"),
            centre("Centrum för administration", "55,4", "52,8"),
            centre("Centrum för kommunikation", "17,9", "17,7"),
            centre("Centrum för ekonomi", "23,2", "26,9"),
            centre("Centrum för HR", "21,3", "26,9"),
            centre("Centrum för innovation, forskning och utbildning", "90,6", "47,8"),
            centre("Regiondirektörens stab", "53,4", "48,9"),
            Row::group("Centrumbildningar som lämnar förvaltningen 2020"),
            centre("Centrum för hälso- och sjukvårdsutveckling", "2 227,6", "0"),
            centre("Centrum för regional utveckling", "141,6", "0"),
            centre("Centrum för digitalisering", "6,8", "0"),
            Row::total(vec![text(SUMMA), mkr("2 547,4"), mkr("221,0")]),
        ],
    }
}

fn frame_changes_table() -> Table {
    let change = |name: &str, amounts: [Option<&str>; 3]| {
        let mut cells = vec![text(name)];
        cells.extend(amounts.map(|amount| amount.map_or(Cell::Empty, mkr)));
        Row::body(cells)
    };
    Table {
        name: "4.1.2 Ramförändringar".into(),
        caption: Some("Tabell 3. Ramförändringar i miljoner kronor".into()),
        columns: columns(&[("Ramförändring", 6), ("2020", 1), ("2021", 1), ("2022", 1)]),
        rows: vec![
            change("Verksamheter inom CHSU överförs till HSF", [Some("-2 155,5"), None, None]),
            change("Verksamheter inom CHSU/CRU överförs till RUF", [Some("-174,1"), None, None]),
            change("Ökad ram personalpolitiska medel från RS", [Some("7,0"), None, None]),
            change("Reducering ram till följd av EIB", [Some("-9,6"), Some("-2,7"), Some("-1,2")]),
            change("LPIK-uppräkning (3,1 − 0,7 = 2,4 % effektiviseringskrav)", [None, None, Some("5,2")]),
            Row::total(vec![text(SUMMA), mkr("-2 326,2"), mkr("-2,7"), mkr("4,0")]),
        ],
    }
}

fn income_table() -> Table {
    Table {
        name: "4.2 Intäktsfinansierade".into(),
        caption: Some("Tabell 4. Pris- och volymförändring för intäktsfinansierade verksamheter".into()),
        columns: columns(&[
            ("Verksamhet", 4),
            ("Pris\u{ad}förändring i procent", 2),
            ("Pris\u{ad}förändring i mkr", 2),
            ("Volym\u{ad}förändring i mkr", 2),
            ("Total beräknad intäkt i mkr", 2),
        ]),
        rows: vec![
            Row::body(vec![text("Ekonomistöd"), percent(0.03), mkr("1,2"), mkr("0"), mkr("41,7")]),
            Row::body(vec![text("HR-stöd"), percent(0.023), mkr("0,5"), mkr("0"), mkr("20,4")]),
            Row::body(vec![text("Lärcentrum"), percent(0.0), mkr("0"), mkr("0,4"), mkr("13,6")]),
            Row::body(vec![text("Regionhälsan"), percent(0.0), mkr("0"), mkr("0,2"), mkr("13,4")]),
        ],
    }
}

fn plan_table() -> Table {
    let action = |what: &str, when: &str, who: &str| Row::body(vec![text(what), text(when), text(who)]);
    Table {
        name: "3 Plan för genomförande".into(),
        caption: Some("Tabell 1. Åtgärder för att utföra uppdrag och nå uppsatta mål".into()),
        columns: columns(&[("Åtgärd", 7), ("Tidplan", 2), ("Ansvarig", 2)]),
        rows: vec![
            Row::group("Nöjda invånare i en attraktiv region"),
            action(
                "Säkerställa ägar- och finansiellt perspektiv avseende förnyad vagnpark för Tåg i Bergslagen.",
                "2020–2022",
                "CE",
            ),
            Row::group("En effektiv verksamhet av god kvalitet"),
            action(
                "Utveckla verksamheten inom Regionkontoret med förändrade arbetssätt och digitalisering, bl.a. genom att förenkla, effektivisera, prioritera och digitalisera administrativa flöden.",
                "2020–2022\nDelårsrapport\noch årsredov.",
                "Respektive\nCD och VC",
            ),
            action(
                "Genomföra en översyn av den politiska ärendehanteringsprocessen/beredningsprocessen.\n(Internt uppdrag)",
                "2020-06-30",
                "CA",
            ),
            Row::group("Stolta och engagerade medarbetare samt uppdragstagare"),
            action("Tydliggöra regionens utbildningsuppdrag.", "2020-12-31", "CIFU"),
            Row::group("En stark och uthållig ekonomi"),
            action("Ta fram en strukturmodell för fördelning av årliga ramjusteringar.", "2020–2022", "CE"),
        ],
    }
}

fn control_table() -> Table {
    Table {
        name: "5 Intern kontroll".into(),
        caption: Some("Tabell 5. Förvaltningens kontrollområden".into()),
        columns: columns(&[
            ("Kontrollområde", 3),
            ("Kontrollmål", 3),
            ("Kontrollmoment", 4),
            ("Väsentlighet och riskbedömning", 3),
        ]),
        rows: vec![
            Row::body(vec![
                text("Brandskydd"),
                text("Efterlevnad av lag, rutin och instruktion för brandskydd"),
                text("Kontroll av att lag, rutin och instruktion för brandskydd följs."),
                text("Mycket allvarlig/\nmöjlig"),
            ]),
            Row::body(vec![
                text("Bisyssla"),
                text("Efterlevnad av riktlinje för bisyssla"),
                text("Stickprovskontroll av att bisyssla hanteras enligt fastställd riktlinje."),
                text("Kännbar/möjlig"),
            ]),
        ],
    }
}

fn goals_table() -> Table {
    Table {
        name: "6 Mål och indikatorer".into(),
        caption: Some("Tabell 6. Målområde: Stolta och engagerade medarbetare och uppdragstagare".into()),
        columns: columns(&[("Mål", 3), ("Indikator", 4), ("Målvärde 2020", 2), ("Nuläge 2019", 2), ("Redovisas", 2)]),
        rows: vec![
            Row::body(vec![
                text("RK ska vara en attraktiv arbetsgivare"),
                text("Hållbart medarbetarengagemang (HME)"),
                percent(0.78),
                percent(0.769),
                text("År"),
            ]),
            Row::body(vec![text(""), text("Sjukfrånvaro"), percent(0.04), percent(0.045), text("M, D, Å")]),
        ],
    }
}

fn budget_table() -> Table {
    let line = |name: &str, amount: &str| Row::body(vec![text(name), mkr(amount)]);
    Table {
        name: "8.1 Budget".into(),
        caption: Some("Tabell 7. Förvaltningens budget 2020, mkr".into()),
        columns: columns(&[("Budget", 3), ("2020", 1)]),
        rows: vec![
            line("Försäljning av tjänster", "119,7"),
            line("Regionersättning", "221,0"),
            line("RS-anslag", "35,6"),
            Row::total(vec![text("Summa intäkter"), mkr("423,8")]),
            line("Personalkostnader", "-215,4"),
            line("Övriga verksamhetskostnader", "-208,4"),
            Row::total(vec![text("Summa kostnader"), mkr("-423,8")]),
            Row::total(vec![text("Resultat"), mkr("0")]),
        ],
    }
}

/// The number of tables in [`forvaltningsplan`].
pub const TABLES: usize = 7;

/// The caption and alternative text of the plan's one figure.
pub const CHART_CAPTION: &str = "Sjukfrånvaro per centrum, tertial 1 2020";
pub const CHART_ALT: &str = "Stapeldiagram: Centrum för ekonomi 3,8 %, Centrum för HR 5,2 %, Regiondirektörens stab saknar värde. Målet är 4,0 % & lägre.";

pub fn sick_leave_chart() -> domain::document_chart::Chart {
    use domain::document_chart::{Bar, Chart, Layout, Mark};
    let bar = |label: &str, value: Option<f64>, shown: &str| Bar { label: label.into(), value, shown: shown.into(), target: None };
    Chart {
        caption: CHART_CAPTION.into(),
        alt: CHART_ALT.into(),
        layout: Layout::Across,
        bars: vec![bar("Centrum för ekonomi", Some(3.8), "3,8 %"), bar("Centrum för HR", Some(5.2), "5,2 %"), bar("Regiondirektörens stab", None, "–")],
        target: Some(Mark { value: 4.0, label: "Mål 4,0 %".into() }),
        numbers: None,
    }
}

pub fn forvaltningsplan() -> Document {
    Document {
        title: "Förvaltningsplan 2020".into(),
        subtitle: Some("Regionkontoret".into()),
        organisation: "Region Västmanland".into(),
        language: "sv".into(),
        contents_heading: Some("Innehåll".into()),
        blocks: vec![
            heading(0),
            paragraph(
                "Inom Regionkontoret organiseras verksamheter som har i uppdrag att stödja regionens politiska organisation i rollerna som befolkningsföreträdare, finansiär, uppdragsgivare och ägare. Detta innebär bl.a. stöd avseende",
            ),
            Block::Bullets { items: BULLETS.iter().map(|item| item.to_string()).collect() },
            paragraph("Förvaltningen ska stödja regionens verksamheter i utförandet av sina uppdrag."),
            heading(1),
            paragraph(
                "Förvaltningsplanen beskriver Regionkontorets mål, uppdrag och ram samt vilka åtgärder som ska genomföras för att nå måluppfyllelse.\nPlanen utgår från Regionplanen.",
            ),
            heading(2),
            paragraph(
                "Redovisning av status lämnas på samtliga åtgärder i samband med delårsrapporter och vid årsredovisning.",
            ),
            Block::Table(plan_table()),
            heading(3),
            heading(4),
            paragraph("Fullmäktige har beslutat om följande ram för Regionkontoret:"),
            Block::Bullets {
                items: vec![
                    "221,0 miljoner kronor för 2020".into(),
                    "218,4 miljoner kronor för 2021".into(),
                    "222,4 miljoner kronor för 2022".into(),
                ],
            },
            paragraph("Denna ersättning utges som regionersättning med 1/12 per månad."),
            heading(5),
            paragraph("Nedan redovisas hur regionersättningen har fördelats inom förvaltningen."),
            Block::Table(frames_table()),
            heading(6),
            Block::Table(frame_changes_table()),
            heading(7),
            paragraph(
                "Tabellen nedan visar prisförändring i procent, pris- och volymförändring samt total beräknad intäkt.",
            ),
            Block::Table(income_table()),
            heading(8),
            paragraph("Förvaltningens kontrollområden framgår i sammanställningen nedan."),
            Block::Table(control_table()),
            heading(9),
            Block::Table(goals_table()),
            Block::Chart(sick_leave_chart()),
            heading(10),
            paragraph("Denna förvaltningsplan är beslutad av RS 2019-12-17, § 123.\nDiarienummer: RV 190123"),
            heading(11),
            heading(12),
            Block::Table(budget_table()),
            heading(13),
            paragraph(
                "Denna förvaltningsplan har upprättats i två exemplar, varefter förvaltningsplanen undertecknats och fördelats med ett exemplar till vardera part.",
            ),
            Block::Signatures {
                parties: vec![
                    Signatory {
                        place_and_date: "Västerås 2019-12-17".into(),
                        party: PARTIES[0].into(),
                        name: "Anna Regiondirektör".into(),
                    },
                    Signatory {
                        place_and_date: "Västerås ____________".into(),
                        party: PARTIES[1].into(),
                        name: String::new(),
                    },
                ],
            },
        ],
    }
}
