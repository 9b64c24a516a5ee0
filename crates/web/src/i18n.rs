//! Swedish first, English complete. Texts live in Fluent files under `locales/`.

use fluent_templates::{Loader, static_loader};
use std::borrow::Cow;
use std::collections::HashMap;
use unic_langid::{LanguageIdentifier, langid};

static_loader! {
    static LOCALES = {
        locales: "./locales",
        fallback_language: "sv",
        // Without this, Fluent wraps arguments in invisible bidi marks that leak into HTML.
        customise: |bundle| bundle.set_use_isolating(false),
    };
}

static SV: LanguageIdentifier = langid!("sv");
static EN: LanguageIdentifier = langid!("en");

/// The UI language of a request.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Lang {
    #[default]
    Sv,
    En,
}

impl Lang {
    pub fn parse(s: &str) -> Option<Lang> {
        match s.trim() {
            "sv" => Some(Lang::Sv),
            "en" => Some(Lang::En),
            _ => None,
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Lang::Sv => "sv",
            Lang::En => "en",
        }
    }

    fn id(self) -> &'static LanguageIdentifier {
        match self {
            Lang::Sv => &SV,
            Lang::En => &EN,
        }
    }

    /// A text by key. Missing keys show the key itself (and a test fails, see below).
    pub fn t(self, key: &str) -> String {
        LOCALES.try_lookup(self.id(), key).unwrap_or_else(|| key.to_owned())
    }

    /// A text by key, or None if there is none.
    pub fn lookup(self, key: &str) -> Option<String> {
        LOCALES.try_lookup(self.id(), key)
    }

    /// A text with arguments.
    pub fn t_args(self, key: &str, args: &[(&str, String)]) -> String {
        LOCALES.try_lookup_with_args(self.id(), key, &args_map(args)).unwrap_or_else(|| key.to_owned())
    }

    /// The language a browser prefers, from `Accept-Language` (Swedish unless English comes first).
    pub fn from_accept_language(header: &str) -> Lang {
        for part in header.split(',') {
            let tag = part.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
            if tag.starts_with("sv") {
                return Lang::Sv;
            }
            if tag.starts_with("en") {
                return Lang::En;
            }
        }
        Lang::Sv
    }
}

/// Whole numbers go to Fluent as numbers, so plural variants (`[one]`) select on them.
fn args_map<'a>(args: &[(&str, String)]) -> HashMap<Cow<'static, str>, fluent_templates::fluent_bundle::FluentValue<'a>> {
    args.iter()
        .map(|(k, v)| {
            let value = match v.parse::<i64>() {
                Ok(n) if n.to_string() == *v => fluent_templates::fluent_bundle::FluentValue::from(n),
                _ => v.clone().into(),
            };
            (Cow::Owned((*k).to_owned()), value)
        })
        .collect()
}

/// Formats unix ms as Swedish local date and time `2026-11-23 14:05`.
pub fn format_time(ms: i64) -> String {
    let utc = time::OffsetDateTime::from_unix_timestamp_nanos(ms as i128 * 1_000_000).unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
    let local = utc + time::Duration::hours(app::clock::swedish_offset_hours(ms));
    let f = time::macros::format_description!("[year]-[month]-[day] [hour]:[minute]");
    local.format(&f).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_languages_have_every_key() {
        // Every file of a language, in the same order for both.
        let sv = [include_str!("../locales/sv/main.ftl"), include_str!("../locales/sv/budget_edit.ftl"), include_str!("../locales/sv/budget_outcome.ftl"), include_str!("../locales/sv/budget_indicator.ftl"), include_str!("../locales/sv/report.ftl")].concat();
        let en = [include_str!("../locales/en/main.ftl"), include_str!("../locales/en/budget_edit.ftl"), include_str!("../locales/en/budget_outcome.ftl"), include_str!("../locales/en/budget_indicator.ftl"), include_str!("../locales/en/report.ftl")].concat();
        let keys = |s: &str| -> Vec<String> {
            s.lines()
                .filter(|l| !l.starts_with(' ') && !l.starts_with('#') && l.contains(" ="))
                .map(|l| l.split(" =").next().unwrap().trim().to_owned())
                .collect()
        };
        let (mut a, mut b) = (keys(&sv), keys(&en));
        a.sort();
        b.sort();
        assert_eq!(a, b, "sv and en must define the same keys");
        // Messages with arguments resolve only with them; they are looked up with a dummy value.
        for key in a {
            let args = [("field", "x".to_owned()), ("name", "x".to_owned()), ("n", "1".to_owned()), ("module", "x".to_owned()), ("year", "2020".to_owned()), ("values", "x".to_owned()), ("target", "x".to_owned()),
                ("stated", "1".to_owned()), ("computed", "1".to_owned()), ("difference", "0".to_owned()), ("number", "1".to_owned()),
                ("reference", "x".to_owned()), ("date", "2020-01-01".to_owned()), ("per_level", "3".to_owned()),
                ("value", "x".to_owned()), ("column", "x".to_owned()), ("code", "x".to_owned()), ("kind", "x".to_owned()),
                ("section", "x".to_owned()), ("document", "x".to_owned()), ("body", "x".to_owned()), ("amount", "1".to_owned()), ("unit", "x".to_owned()), ("sections", "x".to_owned()), ("ready", "1".to_owned()), ("units", "x".to_owned()),
                ("indicator", "x".to_owned()), ("period", "2020-T1".to_owned()), ("present", "1".to_owned()), ("expected", "2".to_owned()),
                ("span", "x".to_owned())];
            assert!(LOCALES.try_lookup_with_args(&SV, &key, &args_map(&args)).is_some(), "sv lookup of {key}");
            assert!(LOCALES.try_lookup_with_args(&EN, &key, &args_map(&args)).is_some(), "en lookup of {key}");
        }
    }

    #[test]
    fn local_time_is_swedish() {
        // 2026-07-01 10:00 UTC = 12:00 CEST; 2026-01-15 10:00 UTC = 11:00 CET.
        assert_eq!(format_time(1_782_900_000_000), "2026-07-01 12:00");
        assert_eq!(format_time(1_768_471_200_000), "2026-01-15 11:00");
    }

    #[test]
    fn accept_language() {
        assert_eq!(Lang::from_accept_language("en-GB,en;q=0.9,sv;q=0.8"), Lang::En);
        assert_eq!(Lang::from_accept_language("sv-SE,en;q=0.5"), Lang::Sv);
        assert_eq!(Lang::from_accept_language(""), Lang::Sv);
    }
}
