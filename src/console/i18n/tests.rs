//! The catalogues are complete: the same messages in English and Welsh, every message the
//! console's code names present in both, none left over, and each formats without error with
//! the arguments its call gives (for several numbers, so that every plural category is tried).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use fluent_bundle::{FluentArgs, FluentValue};

use super::*;

/// The message ids a catalogue defines (`id =` at the start of a line).
fn ids_in(source: &str) -> BTreeSet<String> {
    source
        .lines()
        .filter_map(|line| line.split_once(" ="))
        .map(|(id, _)| id)
        .filter(|id| {
            id.starts_with(|c: char| c.is_ascii_lowercase())
                && id
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        })
        .map(str::to_string)
        .collect()
}

/// Every `.rs` file under `dir`.
fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("a source folder") {
        let path = entry.expect("an entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// One place the code names a message: its id and the names of the arguments it passes.
#[derive(Debug)]
struct Use {
    id: String,
    args: Vec<String>,
    at: String,
}

/// The text of a call's parentheses, from just after `(` to its matching `)`.
fn call_body(text: &str) -> &str {
    let mut depth = 1;
    let mut in_string = false;
    let mut escaped = false;
    for (i, c) in text.char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' if in_string => escaped = true,
            '"' => in_string = !in_string,
            '(' if !in_string => depth += 1,
            ')' if !in_string => {
                depth -= 1;
                if depth == 0 {
                    return &text[..i];
                }
            }
            _ => {}
        }
    }
    text
}

/// The messages named by `t("…")` and `tr!("…", name = …)` in `source` (rustfmt may put the
/// id on the next line).
fn uses_in(source: &str, file: &str) -> Vec<Use> {
    let mut uses = Vec::new();
    for (call, with_args) in [("t(", false), ("tr!(", true)] {
        for (at, _) in source.match_indices(call) {
            let before = source[..at].chars().next_back();
            if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
                continue;
            }
            let Some(rest) = source[at + call.len()..].trim_start().strip_prefix('"') else {
                continue;
            };
            let id = rest.split('"').next().expect("a closing quote").to_string();
            if !id.starts_with(|c: char| c.is_ascii_lowercase()) || id.contains(' ') {
                continue;
            }
            let args = if with_args {
                let body = call_body(&rest[id.len() + 1..]);
                body.split(',')
                    .filter_map(|part| part.split_once('='))
                    .map(|(name, _)| name.trim().to_string())
                    .filter(|name| name.chars().all(|c| c.is_alphanumeric() || c == '_'))
                    .filter(|name| !name.is_empty())
                    .collect()
            } else {
                Vec::new()
            };
            let line = source[..at].lines().count();
            uses.push(Use {
                id,
                args,
                at: format!("{file}:{line}"),
            });
        }
    }
    uses
}

/// Every message the console's code names, with its arguments.
fn code_uses() -> Vec<Use> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/console");
    let mut files = Vec::new();
    rust_files(&root, &mut files);
    let mut uses = Vec::new();
    for file in files {
        // This file names ids only as examples.
        if file.ends_with("i18n/tests.rs") {
            continue;
        }
        let source = std::fs::read_to_string(&file).expect("a source file");
        let name = file
            .strip_prefix(&root)
            .unwrap_or(&file)
            .display()
            .to_string();
        uses.extend(uses_in(&source, &name));
    }
    uses
}

/// The ids of the families of messages named by code (`t_code("outcome", …)`).
fn family_ids() -> BTreeSet<String> {
    let mut ids = BTreeSet::new();
    for month in 1..=12 {
        ids.insert(format!("month-{month}"));
    }
    for (family, codes) in crate::console::vocab::code_families() {
        for code in codes {
            ids.insert(format!(
                "{family}-{}",
                code.to_ascii_lowercase().replace('_', "-")
            ));
        }
    }
    ids
}

#[test]
fn english_and_welsh_hold_the_same_messages() {
    let english = ids_in(ENGLISH);
    let welsh = ids_in(WELSH);
    let only_english: Vec<_> = english.difference(&welsh).collect();
    let only_welsh: Vec<_> = welsh.difference(&english).collect();
    assert!(
        only_english.is_empty(),
        "missing from cy.ftl: {only_english:?}"
    );
    assert!(only_welsh.is_empty(), "missing from en.ftl: {only_welsh:?}");
    assert!(english.len() > 100, "{} messages", english.len());
}

#[test]
fn every_message_the_code_names_is_in_both_catalogues_and_none_is_left_over() {
    let uses = code_uses();
    let mut named: BTreeSet<String> = uses.iter().map(|u| u.id.clone()).collect();
    named.extend(family_ids());
    for lang in Lang::ALL {
        let defined = ids_in(source(lang));
        let missing: Vec<_> = uses
            .iter()
            .filter(|u| !defined.contains(&u.id))
            .map(|u| format!("{} at {}", u.id, u.at))
            .collect();
        assert!(
            missing.is_empty(),
            "missing from {}.ftl: {missing:#?}",
            lang.code()
        );
        let families_missing: Vec<_> = family_ids()
            .into_iter()
            .filter(|id| !defined.contains(id))
            .collect();
        assert!(
            families_missing.is_empty(),
            "missing from {}.ftl: {families_missing:?}",
            lang.code()
        );
        let unused: Vec<_> = defined.difference(&named).collect();
        assert!(
            unused.is_empty(),
            "never used, in {}.ftl: {unused:?}",
            lang.code()
        );
    }
}

#[test]
fn every_message_formats_without_error_with_the_arguments_its_call_gives() {
    // Each use's arguments, by message (a message used twice must take the same arguments).
    let mut args_of: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for u in code_uses() {
        args_of.entry(u.id).or_default().extend(u.args);
    }
    for id in family_ids() {
        args_of.entry(id).or_default();
    }
    let mut failures = Vec::new();
    for lang in Lang::ALL {
        let bundle = bundle_of(lang);
        for (id, names) in &args_of {
            let Some(pattern) = bundle.get_message(id).and_then(|m| m.value()) else {
                continue; // reported by the test above
            };
            for n in [0, 1, 2, 3, 6, 11, 100] {
                let mut args = FluentArgs::new();
                for name in names {
                    args.set(name.as_str(), FluentValue::from(n));
                }
                let mut errors = Vec::new();
                let text = bundle.format_pattern(pattern, Some(&args), &mut errors);
                if !errors.is_empty() || text.trim().is_empty() {
                    failures.push(format!(
                        "{}.ftl {id} with {n}: {errors:?} {text:?}",
                        lang.code()
                    ));
                }
            }
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}

#[test]
fn welsh_plurals_follow_the_six_welsh_categories() {
    let days = |lang, n: i64| {
        let mut args = FluentArgs::new();
        args.set("n", n);
        format(lang, "days", Some(&args))
    };
    assert_eq!(days(Lang::Cy, 1), "1 diwrnod");
    assert_eq!(days(Lang::Cy, 2), "2 ddiwrnod");
    assert_eq!(days(Lang::Cy, 3), "3 diwrnod");
    assert_eq!(days(Lang::En, 1), "1 day");
    assert_eq!(days(Lang::En, 2), "2 days");
}

#[test]
fn the_language_comes_from_the_cookie_else_accept_language_else_english() {
    let headers = |pairs: &[(header::HeaderName, &str)]| {
        let mut headers = HeaderMap::new();
        for (name, value) in pairs {
            headers.insert(name.clone(), value.parse().unwrap());
        }
        headers
    };
    assert_eq!(choose(&headers(&[])), Lang::En);
    assert_eq!(
        choose(&headers(&[(
            header::ACCEPT_LANGUAGE,
            "cy-GB,cy;q=0.9,en;q=0.8"
        )])),
        Lang::Cy
    );
    assert_eq!(
        choose(&headers(&[(
            header::ACCEPT_LANGUAGE,
            "fr,en;q=0.5,cy;q=0.7"
        )])),
        Lang::Cy
    );
    assert_eq!(
        choose(&headers(&[(header::ACCEPT_LANGUAGE, "de,fr;q=0.5")])),
        Lang::En
    );
    assert_eq!(
        choose(&headers(&[
            (header::ACCEPT_LANGUAGE, "cy"),
            (header::COOKIE, "pupilmatch_lang=en"),
        ])),
        Lang::En
    );
}

#[tokio::test]
async fn the_switch_remembers_the_language_and_goes_back_only_to_a_page_of_this_console() {
    let answer = switch(Query(SwitchQuery {
        to: "cy".into(),
        back: Some("/cases?closed=A".into()),
    }))
    .await;
    assert_eq!(answer.headers()[header::LOCATION], "/cases?closed=A");
    let cookie = answer.headers()[header::SET_COOKIE].to_str().unwrap();
    assert!(cookie.starts_with("pupilmatch_lang=cy;"), "{cookie}");
    assert!(cookie.contains("SameSite=Strict"), "{cookie}");
    for elsewhere in [
        "//evil.example/",
        "https://evil.example/",
        "/\\evil.example",
    ] {
        let answer = switch(Query(SwitchQuery {
            to: "en".into(),
            back: Some(elsewhere.into()),
        }))
        .await;
        assert_eq!(answer.headers()[header::LOCATION], "/", "{elsewhere}");
    }
}

#[tokio::test]
async fn the_switch_link_comes_back_to_the_page_shown_with_its_query() {
    let href = within(Lang::En, "/?group=new&page=2", async {
        switch_href(Lang::Cy)
    })
    .await;
    assert_eq!(href, "/language?to=cy&back=/%3Fgroup%3Dnew%26page%3D2");
}

#[tokio::test]
async fn dates_are_written_for_the_language() {
    let day = chrono::NaiveDate::from_ymd_opt(2026, 12, 7).unwrap();
    assert_eq!(
        within(Lang::En, "/", async { date(day) }).await,
        "2026-12-07"
    );
    assert_eq!(
        within(Lang::Cy, "/", async { date(day) }).await,
        "7 Rhagfyr 2026"
    );
    assert_eq!(date_text("not a date"), "not a date");
}
