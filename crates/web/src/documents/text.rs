//! A section's written text as document blocks: blank lines separate paragraphs, lines that
//! start with a bullet ("•", "-", "*") form a list.

use domain::document::Block;

pub fn blocks(body: &str) -> Vec<Block> {
    let mut blocks = Vec::new();
    let mut paragraph: Vec<&str> = Vec::new();
    let mut bullets: Vec<String> = Vec::new();
    let flush_paragraph = |paragraph: &mut Vec<&str>, blocks: &mut Vec<Block>| {
        if !paragraph.is_empty() {
            blocks.push(Block::Paragraph { text: paragraph.join("\n") });
            paragraph.clear();
        }
    };
    let flush_bullets = |bullets: &mut Vec<String>, blocks: &mut Vec<Block>| {
        if !bullets.is_empty() {
            blocks.push(Block::Bullets { items: std::mem::take(bullets) });
        }
    };
    for line in body.lines() {
        let trimmed = line.trim();
        if trimmed.is_empty() {
            flush_paragraph(&mut paragraph, &mut blocks);
            flush_bullets(&mut bullets, &mut blocks);
        } else if let Some(item) = bullet(trimmed) {
            flush_paragraph(&mut paragraph, &mut blocks);
            bullets.push(item.to_owned());
        } else {
            flush_bullets(&mut bullets, &mut blocks);
            paragraph.push(trimmed);
        }
    }
    flush_paragraph(&mut paragraph, &mut blocks);
    flush_bullets(&mut bullets, &mut blocks);
    blocks
}

fn bullet(line: &str) -> Option<&str> {
    ["• ", "- ", "* ", "– "].iter().find_map(|mark| line.strip_prefix(mark)).map(str::trim)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paragraphs_and_bullets_are_told_apart() {
        let body = "Detta innebär stöd avseende\n\n• beredning av ärenden,\n• ekonomisk förvaltning.\n\nFörvaltningen ska stödja.\nAndra raden.";
        assert_eq!(
            blocks(body),
            vec![
                Block::Paragraph { text: "Detta innebär stöd avseende".into() },
                Block::Bullets { items: vec!["beredning av ärenden,".into(), "ekonomisk förvaltning.".into()] },
                Block::Paragraph { text: "Förvaltningen ska stödja.\nAndra raden.".into() },
            ]
        );
        assert!(blocks("  \n\n").is_empty());
    }
}
