//! Sheet names Excel accepts: at most 31 characters, none of `[ ] : * ? / \`, no apostrophe at
//! either end, not empty, not "History" (reserved), and unique ignoring case.

/// Longest sheet name, counted in UTF-16 units as Excel does.
const MAX_UTF16: usize = 31;

/// A valid, unique name for each requested one, in order. Characters Excel forbids are dropped
/// (`/` and `\` become `-`, so "2020/2021" stays readable); a name too long is cut after a whole
/// word where it can be, with "…" to show it was cut; an empty one
/// becomes "Blad N"; a repeat gets " (2)", " (3)" … within the 31 characters.
pub(crate) fn sheet_names<'a>(requested: impl IntoIterator<Item = &'a str>) -> Vec<String> {
    let mut taken: Vec<String> = vec!["history".to_owned()];
    let mut names = Vec::new();
    for (index, wanted) in requested.into_iter().enumerate() {
        let mut base = clean(wanted);
        if base.is_empty() {
            base = format!("Blad {}", index + 1);
        }
        let mut name = shorten(&base, MAX_UTF16);
        let mut copy = 1;
        while taken.contains(&name.to_lowercase()) {
            copy += 1;
            let suffix = format!(" ({copy})");
            name = format!("{}{suffix}", shorten(&base, MAX_UTF16 - suffix.len()));
        }
        taken.push(name.to_lowercase());
        names.push(name);
    }
    names
}

fn clean(wanted: &str) -> String {
    let replaced: String = wanted
        .chars()
        .filter_map(|c| match c {
            '/' | '\\' => Some('-'),
            '[' | ']' | ':' | '*' | '?' => None,
            c if c.is_control() => Some(' '),
            c => Some(c),
        })
        .collect();
    let collapsed = replaced.split_whitespace().collect::<Vec<_>>().join(" ");
    collapsed.trim_matches('\'').trim().to_owned()
}

/// `text` within `max` UTF-16 units: whole, or cut with an ellipsis after its last whole word
/// that fits ("2.2 Helårsprognos jämfört med…"), or mid-word when that word would leave less than
/// half the room.
fn shorten(text: &str, max: usize) -> String {
    if text.encode_utf16().count() <= max {
        return text.to_owned();
    }
    let room = max - 1;
    let prefix = cut(text, room);
    let next = text[prefix.len()..].chars().next();
    let at_word_end = next.is_none_or(char::is_whitespace);
    let words = match prefix.rfind(' ') {
        Some(space) if !at_word_end && prefix[..space].encode_utf16().count() * 2 >= room => cut(&prefix[..space], room),
        _ => prefix,
    };
    format!("{words}…")
}

/// The longest prefix of `text` within `max` UTF-16 units, without a trailing space or apostrophe.
fn cut(text: &str, max: usize) -> String {
    let mut length = 0;
    let prefix: String = text
        .chars()
        .take_while(|c| {
            length += c.len_utf16();
            length <= max
        })
        .collect();
    prefix.trim_end_matches([' ', '\'']).to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_excels_rules() {
        let names = sheet_names([
            "Tabell 5.1.1: Ramfördelning per verksamhetsområde 2020",
            "Budget 2020/2021",
            "  ",
            "'Utkast'",
            "History",
            "budget 2020-2021",
            "[?*]",
        ]);
        assert_eq!(
            names,
            [
                "Tabell 5.1.1 Ramfördelning per…",
                "Budget 2020-2021",
                "Blad 3",
                "Utkast",
                "History (2)",
                "budget 2020-2021 (2)",
                "Blad 7",
            ]
        );
        assert!(names.iter().all(|name| name.encode_utf16().count() <= 31));
    }

    #[test]
    fn repeats_of_long_names_stay_within_31_characters() {
        let long = "Ramförändringar per förvaltning och år";
        let names = sheet_names([long, long, long]);
        assert_eq!(names[0], "Ramförändringar per…", "\"förvaltning\" and the ellipsis would take 32");
        assert_eq!(names[1], "Ramförändringar per… (2)");
        assert_eq!(names[2], "Ramförändringar per… (3)");
    }

    #[test]
    fn a_long_name_is_cut_after_a_whole_word_and_says_so() {
        let names = sheet_names(["2.2 Helårsprognos jämfört med budget", "2.2 Kostnader för anställd och inhyrd personal", "Verksamhetsområdesövergripandeuppföljning"]);
        assert_eq!(names[0], "2.2 Helårsprognos jämfört med…");
        assert_eq!(names[1], "2.2 Kostnader för anställd och…");
        assert_eq!(names[2], "Verksamhetsområdesövergripande…", "one long word is cut inside it");
        assert!(names.iter().all(|name| name.encode_utf16().count() <= 31));
    }
}
