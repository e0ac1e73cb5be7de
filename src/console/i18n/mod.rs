//! The console's two languages, English and Welsh (Welsh public bodies must offer Welsh): one
//! Fluent message catalogue per language (`en.ftl`, `cy.ftl`), embedded in the binary, and the
//! language of the request being answered.
//!
//! Every user-visible string of the console comes from the catalogues through [`t`] or the
//! [`tr!`] macro (with arguments); plurals follow Fluent's plural rules (Welsh has six
//! categories), dates are written by [`date`]. The language of a request is chosen by
//! [`choose`] (the `pupilmatch_lang` cookie the switch sets, else `Accept-Language`, else
//! English) in the [`middleware`], which keeps it, with the path being shown, for the page
//! rendered while the request is answered. The tests at the bottom check that both catalogues
//! hold the same messages, that every message the code names exists, and that each formats
//! with the arguments the code gives it.

use std::sync::LazyLock;

use axum::extract::{Query, Request};
use axum::http::{header, HeaderMap};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource};
use serde::Deserialize;

use super::auth::cookie_value;

/// Message `id` in the request's language, with named arguments given as `name = value`
/// after the id (a number, a `String` or a `&str`).
macro_rules! tr {
    ($id:literal) => {
        $crate::console::i18n::t($id)
    };
    ($id:literal, $($name:ident = $value:expr),+ $(,)?) => {{
        let mut args = ::fluent_bundle::FluentArgs::new();
        $( args.set(stringify!($name), $value); )+
        $crate::console::i18n::t_with($id, &args)
    }};
}
pub(crate) use tr;

/// A language of the console.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Lang {
    /// English.
    En,
    /// Welsh (Cymraeg).
    Cy,
}

impl Lang {
    /// Both languages, English first.
    pub const ALL: [Lang; 2] = [Lang::En, Lang::Cy];

    /// Its BCP 47 code, as in `<html lang>`.
    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Cy => "cy",
        }
    }

    /// The language of a code (`en`, `cy`, `en-GB`, `cy-GB`; any case).
    pub fn parse(code: &str) -> Option<Lang> {
        let primary = code.trim().split(['-', '_']).next()?.to_ascii_lowercase();
        match primary.as_str() {
            "en" => Some(Lang::En),
            "cy" => Some(Lang::Cy),
            _ => None,
        }
    }

    /// Its name in itself, as the switch shows it.
    pub fn own_name(self) -> &'static str {
        match self {
            Lang::En => "English",
            Lang::Cy => "Cymraeg",
        }
    }

    /// The preferred one of ours in an `Accept-Language` header (by `q`, then by order).
    pub fn from_accept_language(header: &str) -> Option<Lang> {
        let mut best: Option<(f32, Lang)> = None;
        for item in header.split(',') {
            let mut parts = item.split(';');
            let Some(lang) = parts.next().and_then(Lang::parse) else {
                continue;
            };
            let q = parts
                .filter_map(|p| p.trim().strip_prefix("q="))
                .find_map(|q| q.trim().parse::<f32>().ok())
                .unwrap_or(1.0);
            if q > 0.0 && best.is_none_or(|(best_q, _)| q > best_q) {
                best = Some((q, lang));
            }
        }
        best.map(|(_, lang)| lang)
    }
}

/// The cookie remembering the chosen language (only `en` or `cy`; no tracking).
pub const LANG_COOKIE: &str = "pupilmatch_lang";

/// The language of a request: the switch's cookie, else the browser's `Accept-Language`,
/// else English.
pub fn choose(headers: &HeaderMap) -> Lang {
    cookie_value(headers, LANG_COOKIE)
        .and_then(|v| Lang::parse(&v))
        .or_else(|| {
            headers
                .get(header::ACCEPT_LANGUAGE)
                .and_then(|v| v.to_str().ok())
                .and_then(Lang::from_accept_language)
        })
        .unwrap_or(Lang::En)
}

/// What the page being rendered needs to know of its request.
#[derive(Debug, Clone)]
pub struct PageContext {
    /// The language chosen.
    pub lang: Lang,
    /// The path and query being shown (the switch comes back to it).
    pub path: String,
}

tokio::task_local! {
    static CONTEXT: PageContext;
}

/// The language of the request being answered (English outside one, as in unit tests).
pub fn lang() -> Lang {
    CONTEXT.try_with(|c| c.lang).unwrap_or(Lang::En)
}

/// The path and query of the request being answered (`/` outside one).
pub fn current_path() -> String {
    CONTEXT
        .try_with(|c| c.path.clone())
        .unwrap_or_else(|_| "/".into())
}

/// The context of the request being answered, to carry onto a blocking thread.
pub fn context() -> PageContext {
    PageContext {
        lang: lang(),
        path: current_path(),
    }
}

/// Runs `f` (on a blocking thread) within a request's `context`, so that its messages are in
/// the request's language.
pub fn within_sync<R>(context: PageContext, f: impl FnOnce() -> R) -> R {
    CONTEXT.sync_scope(context, f)
}

/// Runs `f` within a request's `context` (a task started while answering it, so that its
/// messages are in the request's language).
pub async fn within_context<F: std::future::Future>(context: PageContext, f: F) -> F::Output {
    CONTEXT.scope(context, f).await
}

/// Runs `f` as if answering a request in `lang` for `path` (for tests and renderers).
pub async fn within<F: std::future::Future>(lang: Lang, path: &str, f: F) -> F::Output {
    let context = PageContext {
        lang,
        path: path.to_string(),
    };
    CONTEXT.scope(context, f).await
}

/// The middleware that chooses each request's language and keeps it for the page.
pub async fn middleware(request: Request, next: Next) -> Response {
    let context = PageContext {
        lang: choose(request.headers()),
        path: request
            .uri()
            .path_and_query()
            .map_or_else(|| "/".to_string(), |p| p.as_str().to_string()),
    };
    CONTEXT.scope(context, next.run(request)).await
}

/// `?to=cy&back=/cases`: the language switch's link.
#[derive(Debug, Deserialize)]
pub struct SwitchQuery {
    to: String,
    back: Option<String>,
}

/// `GET /language`: remembers the chosen language in a cookie and goes back to the page the
/// switch was on. Only a path of this console is gone back to (never another site).
pub async fn switch(Query(query): Query<SwitchQuery>) -> Response {
    let lang = Lang::parse(&query.to).unwrap_or(Lang::En);
    let back = query
        .back
        .filter(|b| is_local_path(b))
        .unwrap_or_else(|| "/".into());
    let cookie = format!(
        "{LANG_COOKIE}={}; Path=/; Max-Age=31536000; SameSite=Strict",
        lang.code()
    );
    ([(header::SET_COOKIE, cookie)], Redirect::to(&back)).into_response()
}

/// Whether `path` is a path on this console (`/…`, but not `//host` or `/\host`).
fn is_local_path(path: &str) -> bool {
    path.starts_with('/')
        && !path.starts_with("//")
        && !path.starts_with("/\\")
        && !path.chars().any(|c| c.is_control())
}

/// The switch's link to `lang` from the page being shown.
pub fn switch_href(lang: Lang) -> String {
    format!(
        "/language?to={}&back={}",
        lang.code(),
        percent_encode(&current_path())
    )
}

/// Percent-encodes everything but unreserved characters and `/`.
fn percent_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'/' => {
                out.push(byte as char)
            }
            _ => out.push_str(&format!("%{byte:02X}")),
        }
    }
    out
}

/// The English catalogue.
pub const ENGLISH: &str = include_str!("en.ftl");
/// The Welsh catalogue (awaiting review by a translator).
pub const WELSH: &str = include_str!("cy.ftl");

/// A language's catalogue as Fluent source.
pub fn source(lang: Lang) -> &'static str {
    match lang {
        Lang::En => ENGLISH,
        Lang::Cy => WELSH,
    }
}

type Bundle = FluentBundle<FluentResource>;

fn bundle(lang: Lang) -> Bundle {
    let resource = FluentResource::try_new(source(lang).to_string())
        .unwrap_or_else(|(_, errors)| panic!("{}.ftl does not parse: {errors:?}", lang.code()));
    let id = lang.code().parse().expect("a language identifier");
    let mut bundle = FluentBundle::new_concurrent(vec![id]);
    // The console writes HTML through maud, which escapes; no bidi isolation marks needed.
    bundle.set_use_isolating(false);
    bundle
        .add_resource(resource)
        .unwrap_or_else(|errors| panic!("{}.ftl: {errors:?}", lang.code()));
    bundle
}

static BUNDLES: LazyLock<[Bundle; 2]> = LazyLock::new(|| [bundle(Lang::En), bundle(Lang::Cy)]);

fn bundle_of(lang: Lang) -> &'static Bundle {
    &BUNDLES[Lang::ALL.iter().position(|&l| l == lang).expect("listed")]
}

/// Message `id` of `lang`'s catalogue formatted with `args`; the id itself (and a warning in
/// the log) when it is missing, which the tests below rule out.
pub fn format(lang: Lang, id: &str, args: Option<&FluentArgs>) -> String {
    let bundle = bundle_of(lang);
    let Some(pattern) = bundle.get_message(id).and_then(|m| m.value()) else {
        tracing::warn!(id, lang = lang.code(), "console message missing");
        return id.to_string();
    };
    let mut errors = Vec::new();
    let text = bundle.format_pattern(pattern, args, &mut errors);
    if !errors.is_empty() {
        tracing::warn!(
            id,
            lang = lang.code(),
            ?errors,
            "console message misformatted"
        );
    }
    text.into_owned()
}

/// Message `id` in the request's language.
pub fn t(id: &'static str) -> String {
    format(lang(), id, None)
}

/// Message `id` with `args` in the request's language (use [`tr!`]).
pub fn t_with(id: &'static str, args: &FluentArgs) -> String {
    format(lang(), id, Some(args))
}

/// The message of a code in a family of messages (`outcome-dec`, `reason-ftt`): the family
/// and code are joined with `-`, lower case. The tests walk every family's codes.
pub fn t_code(family: &str, code: &str) -> String {
    format(
        lang(),
        &format!("{family}-{}", code.to_ascii_lowercase().replace('_', "-")),
        None,
    )
}

/// A date as the request's language writes it: `2026-12-07` in English (as the console always
/// has), `7 Rhagfyr 2026` in Welsh.
pub fn date(day: chrono::NaiveDate) -> String {
    use chrono::Datelike;
    let month = t_code("month", &day.month().to_string());
    tr!(
        "date",
        iso = day.format("%Y-%m-%d").to_string(),
        day = day.day(),
        month = month,
        year = day.year()
    )
}

/// A date given as text (`2026-12-07`, or a timestamp starting so) as [`date`] writes it;
/// text that is not a date is shown as it is.
pub fn date_text(text: &str) -> String {
    text.get(..10)
        .and_then(|d| chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
        .map_or_else(|| text.to_string(), date)
}

#[cfg(test)]
mod tests;
