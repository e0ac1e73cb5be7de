//! The data-protection officer's page: the agreements this authority is party to (purpose,
//! lawful basis, retention, key epochs accepted, every member by name), and this authority's
//! audit events from the hub, downloaded as JSON lines (every field, chain hashes included)
//! or CSV (for a spreadsheet). Each export is itself audited at the hub.

use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use maud::{html, Markup};

use crate::client::{AuthorityNames, Me};
use crate::console::html::column_heads;
use crate::console::i18n::{t, tr};
use crate::console::server::Shared;

/// `GET /data-protection`.
pub async fn show(State(console): State<Shared>, headers: HeaderMap) -> Response {
    let (session, _) = match console.signed_in(&headers) {
        Ok(signed_in) => signed_in,
        Err(redirect) => return redirect,
    };
    match console.hub.me().await {
        Ok(me) => console.page(&t("nav-data-protection"), Some(&session), render(&me)),
        Err(e) => console.error_page(StatusCode::BAD_GATEWAY, Some(&session), &e.into()),
    }
}

fn render(me: &Me) -> Markup {
    let names = AuthorityNames::from(me);
    html! {
        h1 { (t("nav-data-protection")) }
        p { (tr!("dpo-lead", authority = me.authority.name.as_str())) }
        section aria-labelledby="h-agreements" {
            h2 id="h-agreements" { (t("agreements")) " (" (me.agreements.len()) ")" }
            @if me.agreements.is_empty() {
                p class="empty" { (t("no-agreement")) }
            }
            @for agreement in &me.agreements {
                div class="panel" {
                    h3 { (agreement.name) " " span class="hint" { "(" code { (agreement.id) } ")" } }
                    dl class="facts" {
                        dt { (t("purpose")) } dd { (agreement.purpose) }
                        dt { (t("lawful-basis")) } dd { (agreement.lawful_basis) }
                        dt { (t("retention")) } dd { (tr!("days", n = agreement.retention_days)) }
                        dt { (t("key-epochs")) } dd {
                            @if agreement.epochs.is_empty() { (t("key-epochs-none")) }
                            @else { (agreement.epochs.iter().map(u32::to_string).collect::<Vec<_>>().join(", ")) }
                        }
                    }
                    table {
                        caption class="visually-hidden" { (tr!("members-of", agreement = agreement.name.as_str())) }
                        (column_heads(&[t("col-member")]))
                        tbody {
                            @for code in &agreement.members {
                                tr { td { (names.show(code)) @if *code == me.authority.code { " — " (t("us")) } } }
                            }
                        }
                    }
                }
            }
        }
        section aria-labelledby="h-audit" {
            h2 id="h-audit" { (t("audit-log")) }
            p { (t("audit-log-lead")) }
            p class="actions" {
                a class="button" href="/data-protection/audit.csv" download { (t("download-csv")) }
                " "
                a class="button" href="/data-protection/audit.jsonl" download { (t("download-jsonl")) }
            }
        }
    }
}

/// `GET /data-protection/audit.jsonl`: every event, one JSON object per line, as the hub sent it.
pub async fn audit_jsonl(State(console): State<Shared>, headers: HeaderMap) -> Response {
    export(console, headers, "jsonl", |events| {
        let mut out = String::new();
        for event in events {
            out.push_str(&event.to_string());
            out.push('\n');
        }
        Ok::<_, std::convert::Infallible>(out.into_bytes())
    })
    .await
}

/// `GET /data-protection/audit.csv`: one row per event (`id, at, actor, action, subject,
/// detail`, the detail as JSON).
pub async fn audit_csv(State(console): State<Shared>, headers: HeaderMap) -> Response {
    export(console, headers, "csv", audit_csv_bytes).await
}

/// The CSV form of `events`. A cell a spreadsheet would run as a formula (`=`, `+`, `-`, `@`
/// first) is written with a leading `'`.
fn audit_csv_bytes(events: &[serde_json::Value]) -> Result<Vec<u8>, csv::Error> {
    const COLUMNS: [&str; 6] = ["id", "at", "actor", "action", "subject", "detail"];
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer.write_record(COLUMNS)?;
    for event in events {
        let cells = COLUMNS.map(|column| {
            let cell = match &event[column] {
                serde_json::Value::String(s) => s.clone(),
                serde_json::Value::Null => String::new(),
                other => other.to_string(),
            };
            if cell.starts_with(['=', '+', '-', '@']) {
                format!("'{cell}")
            } else {
                cell
            }
        });
        writer.write_record(&cells)?;
    }
    writer.into_inner().map_err(|e| e.into_error().into())
}

async fn export<E: std::fmt::Display>(
    console: Shared,
    headers: HeaderMap,
    extension: &str,
    format: impl FnOnce(&[serde_json::Value]) -> Result<Vec<u8>, E>,
) -> Response {
    let (session, _) = match console.signed_in(&headers) {
        Ok(signed_in) => signed_in,
        Err(redirect) => return redirect,
    };
    let events = match console.hub.own_audit_events().await {
        Ok(events) => events,
        Err(e) => return console.error_page(StatusCode::BAD_GATEWAY, Some(&session), &e.into()),
    };
    let bytes = match format(&events) {
        Ok(bytes) => bytes,
        Err(e) => {
            let error =
                crate::console::ConsoleError::BadInput(tr!("export-failed", cause = e.to_string()));
            return console.error_page(StatusCode::INTERNAL_SERVER_ERROR, Some(&session), &error);
        }
    };
    let content_type = match extension {
        "csv" => "text/csv; charset=utf-8",
        _ => "application/x-ndjson",
    };
    let today = chrono::Local::now().date_naive();
    let filename = format!(
        "attachment; filename=\"audit-{}-{today}.{extension}\"",
        console.workspace.config.authority_code
    );
    let mut response = bytes.into_response();
    let response_headers = response.headers_mut();
    response_headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    if let Ok(value) = HeaderValue::from_str(&filename) {
        response_headers.insert(header::CONTENT_DISPOSITION, value);
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_csv_export_has_one_row_per_event_and_defuses_formulas() {
        let events = vec![
            serde_json::json!({"id": 1, "at": "2026-12-07T10:00:00Z", "actor": "authority:383",
                "action": "search.run", "subject": "eng-scot-cme", "detail": {"n_results": 2},
                "hash": "ab"}),
            serde_json::json!({"id": 2, "at": "2026-12-07T10:01:00Z", "actor": "=cmd()",
                "action": "audit.export", "subject": "383", "detail": {}}),
        ];
        let text = String::from_utf8(audit_csv_bytes(&events).unwrap()).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], "id,at,actor,action,subject,detail");
        assert_eq!(
            lines[1],
            r#"1,2026-12-07T10:00:00Z,authority:383,search.run,eng-scot-cme,"{""n_results"":2}""#
        );
        assert_eq!(
            lines[2],
            "2,2026-12-07T10:01:00Z,'=cmd(),audit.export,383,{}"
        );
        assert_eq!(lines.len(), 3);
    }
}
