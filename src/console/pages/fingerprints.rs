//! The fingerprints page: this authority's disclosure-key fingerprint, grouped as it is read
//! out by phone (`F0FF ED5C 3663 …`), and the fingerprints the other authorities' coordinators
//! read out, recorded here (any case, spaces or dashes) and checked on every confirmation.
//! For each other authority the page says only whether the key the hub publishes matches what
//! was recorded, never the hub's fingerprint of it, as `pupilmatch disclosure trust` does.

use std::collections::HashMap;

use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use maud::{html, Markup};
use serde::Deserialize;

use crate::client::{AuthorityNames, Me};
use crate::console::auth::Session;
use crate::console::fingerprints::{self, grouped_for_reading};
use crate::console::forms::SignedInForm;
use crate::console::html::{column_heads, csrf_field};
use crate::console::i18n::{t, tr};
use crate::console::server::{Console, Shared};
use crate::console::ConsoleError;

use super::field;

/// `?recorded=CODE` after a fingerprint was recorded; `?authority=CODE` chooses the authority
/// in the form.
#[derive(Debug, Default, Deserialize)]
pub struct FingerprintsQuery {
    recorded: Option<String>,
    authority: Option<String>,
}

/// A refused attempt, shown again with its refusal beside the field.
struct Refused {
    authority: String,
    read_out: String,
    words: String,
}

/// `GET /fingerprints`.
pub async fn show(
    State(console): State<Shared>,
    headers: HeaderMap,
    Query(query): Query<FingerprintsQuery>,
) -> Response {
    let (session, _) = match console.signed_in(&headers) {
        Ok(signed_in) => signed_in,
        Err(redirect) => return redirect,
    };
    let chosen = query.authority.as_deref().or(query.recorded.as_deref());
    render(&console, &session, query.recorded.as_deref(), chosen, None).await
}

/// `POST /fingerprints`: records the fingerprint read out for the authority chosen.
pub async fn record(
    State(console): State<Shared>,
    SignedInForm { session, form, .. }: SignedInForm,
) -> Response {
    let authority = field(&form, "authority");
    let read_out = field(&form, "fingerprint");
    let recorded = fingerprints::record(
        &console.workspace.dir,
        &console.workspace.config.authority_code,
        authority,
        read_out,
        chrono::Local::now().date_naive(),
    );
    match recorded {
        Ok(_) => Redirect::to(&format!(
            "/fingerprints?recorded={}",
            url_code(authority.trim())
        ))
        .into_response(),
        Err(ConsoleError::Fingerprint(refusal)) => {
            let refused = Refused {
                authority: authority.to_string(),
                read_out: read_out.to_string(),
                words: refusal.words(),
            };
            let page = render(&console, &session, None, Some(authority), Some(&refused)).await;
            (StatusCode::UNPROCESSABLE_ENTITY, page).into_response()
        }
        Err(e) => console.error_page(StatusCode::INTERNAL_SERVER_ERROR, Some(&session), &e),
    }
}

/// An authority code for a query string (codes are letters and digits; anything else is
/// percent-encoded).
fn url_code(code: &str) -> String {
    code.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The key each authority registered, by code, over every agreement of ours (base64url).
async fn published_keys(
    console: &Console,
    me: &Me,
) -> Result<HashMap<String, String>, ConsoleError> {
    let mut keys = HashMap::new();
    for agreement in &me.agreements {
        for key in console.hub.disclosure_keys(&agreement.id).await? {
            keys.entry(key.authority).or_insert(key.public_key);
        }
    }
    Ok(keys)
}

async fn render(
    console: &Console,
    session: &Session,
    recorded: Option<&str>,
    chosen: Option<&str>,
    refused: Option<&Refused>,
) -> Response {
    let fetched = async {
        let me = console.hub.me().await?;
        let keys = published_keys(console, &me).await?;
        Ok::<_, ConsoleError>((me, keys))
    }
    .await;
    let (me, keys) = match fetched {
        Ok(fetched) => fetched,
        Err(e) => return console.error_page(StatusCode::BAD_GATEWAY, Some(session), &e),
    };
    let names = AuthorityNames::from(&me);
    let status = |code: &str| {
        fingerprints::status_words(
            &console.workspace.dir,
            code,
            &names.show(code),
            keys.get(code).map(String::as_str),
        )
    };
    let ours = grouped_for_reading(&console.workspace.disclosure_key.public().fingerprint());
    let body = html! {
        h1 { (t("nav-fingerprints")) }
        @if let Some(code) = recorded {
            div class="notice" role="status" {
                p { (tr!("fingerprint-recorded", authority = names.show(code))) " " (status(code).1) }
            }
        }
        div class="panel" {
            h2 { (t("setup-key-heading")) }
            p { (t("setup-key-read-out")) }
            p class="fingerprint" { code { (ours) } }
        }
        section class="panel" aria-labelledby="h-theirs" {
            h2 id="h-theirs" { (t("fingerprints-theirs")) }
            p class="hint" { (t("fingerprints-theirs-lead")) }
            @if me.partners.is_empty() {
                p class="empty" { (t("no-agreement")) }
            } @else {
                table {
                    (column_heads(&[t("col-authority"), t("fingerprints-col-key")]))
                    tbody {
                        @for partner in &me.partners {
                            @let (warn, words) = status(&partner.code);
                            tr {
                                td { (names.show(&partner.code)) }
                                td class=[warn.then_some("field-error")] { (words) }
                            }
                        }
                    }
                }
            }
        }
        @if !me.partners.is_empty() {
            (record_form(session, &me, &names, chosen, refused))
        }
    };
    console.page(&t("nav-fingerprints"), Some(session), body)
}

fn record_form(
    session: &Session,
    me: &Me,
    names: &AuthorityNames,
    chosen: Option<&str>,
    refused: Option<&Refused>,
) -> Markup {
    let chosen = refused.map(|r| r.authority.as_str()).or(chosen);
    let described_by = if refused.is_some() {
        "fingerprint-hint fingerprint-error"
    } else {
        "fingerprint-hint"
    };
    html! {
        section class="panel" aria-labelledby="h-record" {
            h2 id="h-record" { (t("fingerprint-record-heading")) }
            form class="stacked" method="post" action="/fingerprints" {
                (csrf_field(session))
                label for="authority" { (t("col-authority")) }
                select id="authority" name="authority" {
                    @for partner in &me.partners {
                        option value=(partner.code) selected[chosen == Some(partner.code.as_str())] {
                            (names.show(&partner.code))
                        }
                    }
                }
                div class=(if refused.is_some() { "field has-error" } else { "field" }) {
                    label for="fingerprint" { (t("fingerprint-read-out-label")) }
                    p id="fingerprint-hint" class="hint" { (t("fingerprint-read-out-hint")) }
                    @if let Some(refused) = refused {
                        p id="fingerprint-error" class="field-error" {
                            span class="tag" { (t("tag-problem")) } " " (refused.words)
                        }
                    }
                    input id="fingerprint" name="fingerprint" type="text" required
                        spellcheck="false" autocomplete="off"
                        value=(refused.map_or("", |r| r.read_out.as_str()))
                        aria-invalid=[refused.is_some().then_some("true")]
                        aria-describedby=(described_by);
                }
                button class="primary" type="submit" { (t("fingerprint-record")) }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_authority_code_is_kept_as_it_is_in_a_query_and_anything_else_encoded() {
        assert_eq!(url_code("S12000049"), "S12000049");
        assert_eq!(url_code("a&b c"), "a%26b%20c");
    }
}
