//! What every page shares: language, the signed-in person, navigation, CSRF token.

use crate::auth::PageCtx;
use crate::i18n::Lang;
use askama::Template;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};

/// The frame around every page.
pub struct Layout {
    pub lang: Lang,
    pub title: String,
    pub user_name: Option<String>,
    pub csrf: String,
    /// Which main navigation entry is current.
    pub nav: &'static str,
    /// The same page in the other language.
    pub switch_href: String,
    pub notice: Option<String>,
}

impl Layout {
    pub fn new(ctx: &PageCtx, nav: &'static str, title: String) -> Self {
        Self {
            lang: ctx.lang,
            title,
            user_name: Some(ctx.user_name()),
            csrf: ctx.csrf.clone(),
            nav,
            switch_href: with_lang(&ctx.here, other(ctx.lang)),
            notice: None,
        }
    }

    pub fn public(lang: Lang, title: String, here: &str) -> Self {
        Self { lang, title, user_name: None, csrf: String::new(), nav: "", switch_href: with_lang(here, other(lang)), notice: None }
    }

    pub fn t(&self, key: &str) -> String {
        self.lang.t(key)
    }

    pub fn code(&self) -> &'static str {
        self.lang.code()
    }

    pub fn switch_lang(&self) -> &'static str {
        other(self.lang).code()
    }

    /// The other language's name, in that language ("English" / "Svenska").
    pub fn switch_label(&self) -> &'static str {
        match self.lang {
            Lang::Sv => "English",
            Lang::En => "Svenska",
        }
    }

    pub fn current(&self, entry: &str) -> bool {
        self.nav == entry
    }

    pub fn with_notice(mut self, notice: Option<&str>) -> Self {
        // Only known notices are shown (the query string is user input).
        self.notice = notice
            .filter(|n| n.chars().all(|c| c.is_ascii_lowercase() || c == '-'))
            .and_then(|n| self.lang.lookup(&format!("notice-{n}")));
        self
    }
}

fn other(lang: Lang) -> Lang {
    match lang {
        Lang::Sv => Lang::En,
        Lang::En => Lang::Sv,
    }
}

/// `here` with `lang=` replaced.
fn with_lang(here: &str, lang: Lang) -> String {
    let (path, query) = here.split_once('?').unwrap_or((here, ""));
    let mut pairs: Vec<(String, String)> = serde_urlencoded::from_str(query).unwrap_or_default();
    pairs.retain(|(k, _)| k != "lang" && k != "notice");
    pairs.push(("lang".into(), lang.code().into()));
    format!("{path}?{}", serde_urlencoded::to_string(pairs).unwrap_or_default())
}

/// Renders a template, or a plain error if rendering fails (it cannot for valid templates).
pub fn render<T: Template>(template: &T, status: StatusCode) -> Response {
    match template.render() {
        Ok(html) => (status, Html(html)).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "template failed");
            (StatusCode::INTERNAL_SERVER_ERROR, "internal error").into_response()
        }
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage<'a> {
    layout: Layout,
    message: &'a str,
    status: u16,
}

/// A friendly error page.
pub fn error_page(lang: Lang, status: StatusCode, message: &str) -> Response {
    let title = lang.t("error-title");
    let page = ErrorPage { layout: Layout::public(lang, title, "/"), message, status: status.as_u16() };
    render(&page, status)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn language_switch_keeps_the_page_and_its_filters() {
        assert_eq!(with_lang("/audit?unit=CE&lang=sv", Lang::En), "/audit?unit=CE&lang=en");
        assert_eq!(with_lang("/org", Lang::Sv), "/org?lang=sv");
    }
}
