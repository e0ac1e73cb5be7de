//! The uploads page's markup: the form, the encode report with the send button and its
//! progress bar, and the hub's answer.

use chrono::NaiveDate;
use maud::{html, Markup};

use crate::console::auth::Session;
use crate::console::html::{column_heads, csrf_field, field_words};
use crate::console::i18n::{date_text, t, tr};
use crate::console::server::Console;
use crate::console::uploads::preview::{Preview, Severity};
use crate::console::uploads::{SendState, Upload};
use crate::console::vocab::{reason_words, role_words, source_words};
use crate::store::{ReferralReason, ReferralSource, Role, SubmitMode};

/// The form, with `error` above it when the last attempt was refused.
pub fn form_page(
    console: &Console,
    session: &Session,
    error: Option<&str>,
    today: NaiveDate,
) -> Markup {
    let encoders = console.workspace.encoders();
    html! {
        h1 { (t("upload-title")) }
        p class="lead" { (t("upload-lead")) }
        @if let Some(error) = error {
            div class="error" role="alert" { p { (error) } }
        }
        form class="stacked" method="post" action="/uploads" enctype="multipart/form-data" {
            (csrf_field(session))
            label for="file" { (t("upload-file")) }
            p class="hint" id="file-hint" { (t("upload-file-hint")) }
            input id="file" name="file" type="file" accept=".csv,.xml,text/csv,application/xml,text/xml"
                required aria-describedby="file-hint";
            fieldset {
                legend { (t("upload-what")) }
                @for (role, hint) in [
                    (Role::Roll, t("upload-roll-hint")),
                    (Role::Missing, t("upload-missing-hint")),
                ] {
                    div class="choice" {
                        input type="radio" name="role" id=(format!("role-{role}")) value=(role.as_str())
                            checked[role == Role::Roll] aria-describedby=(format!("role-{role}-hint"));
                        label for=(format!("role-{role}")) { (role_words(role)) }
                        p class="hint" id=(format!("role-{role}-hint")) { (hint) }
                    }
                }
                div class="choice" {
                    input type="checkbox" name="whole_roll" id="whole-roll" value="yes" aria-describedby="whole-roll-hint";
                    label for="whole-roll" { (t("upload-whole-roll")) }
                    p class="hint" id="whole-roll-hint" { (t("upload-whole-roll-hint")) }
                }
            }
            fieldset class="case" {
                legend { (t("upload-missing-only")) }
                p class="hint" { (t("upload-missing-only-hint")) }
                label for="referral-reason" { (t("referral-reason")) }
                select id="referral-reason" name="referral_reason" {
                    @for r in ReferralReason::ALL { option value=(r.as_str()) { (reason_words(*r)) } }
                }
                label for="referral-source" { (t("referral-source")) }
                select id="referral-source" name="referral_source" {
                    @for s in ReferralSource::ALL { option value=(s.as_str()) { (source_words(*s)) } }
                }
                label for="referred-on" { (t("referred-on-label")) }
                input id="referred-on" name="referred_on" type="date" value=(today.format("%Y-%m-%d").to_string());
            }
            @if encoders.len() > 1 {
                label for="agreement" { (t("agreement")) }
                select id="agreement" name="agreement" {
                    @for (i, e) in encoders.iter().enumerate() {
                        option value=(i) { (e.agreement_id()) " " (tr!("key-epoch-parenthesised", epoch = e.epoch())) }
                    }
                }
            }
            button class="primary" type="submit" { (t("upload-read")) }
        }
    }
}

/// An upload: its report and send button, its progress, or the hub's answer.
pub fn upload_page(session: &Session, upload: &Upload) -> Markup {
    match upload.state() {
        SendState::Sent { result, kept } => html! {
            h1 { (t("upload-sent")) }
            div class="notice" role="status" {
                p { strong { (tr!("upload-stored", n = result.n_records, file = upload.preview.file_name.as_str())) }
                    @if result.replayed { " " (t("upload-replayed")) } }
            }
            div class="cards" {
                div class="card" { span class="count" { (result.n_records) } (t("card-stored")) }
                div class="card" { span class="count" { (result.n_withdrawn) } (t("card-withdrawn")) }
                a class="card" href="/" { span class="count" { (result.n_candidates) } (t("card-new-candidates")) }
            }
            @if result.n_candidates > 0 {
                p { a href="/" { (t("upload-see-candidates")) } }
            } @else {
                p { (t("upload-no-candidate")) " " a href="/" { (t("case-opened-dashboard")) } "." }
            }
            @match kept {
                Ok(path) => p class="hint" { (tr!("upload-kept", path = path.as_str())) },
                Err(why) => div class="error" role="alert" { p { (tr!("upload-not-kept", cause = why.as_str())) } },
            }
            p { a href="/uploads" { (t("upload-another")) } }
        },
        SendState::Sending => html! {
            h1 { (t("upload-sending")) }
            p role="status" { (tr!("upload-sending-status", sent = upload.n_sent(), total = upload.n_records())) }
        },
        state => html! {
            h1 { (t("upload-check")) }
            @if let Some(refusal) = &upload.preview.refusal {
                div class="error" role="alert" {
                    h2 { (t("upload-cannot-send")) }
                    p { (refusal) ". " (t("nothing-sent")) }
                    p { a href="/uploads" { (t("upload-choose-another")) } }
                }
            } @else if let SendState::Failed(why) = &state {
                div class="error" role="alert" { p { (tr!("upload-failed", cause = why.as_str())) } }
            } @else {
                div class="notice" role="status" { p { strong { (t("upload-nothing-sent-yet")) } " " (t("upload-read-then-send")) } }
            }
            (report(&upload.preview))
            (send_form(session, upload))
        },
    }
}

/// The encode report.
fn report(preview: &Preview) -> Markup {
    let summary = &preview.summary;
    let n_warnings = preview.count(Severity::Warning);
    html! {
        div class="panel" {
            dl class="facts" {
                dt { (t("file")) } dd { (preview.file_name) }
                dt { (t("it-holds")) } dd { (role_words(preview.kind.role))
                    @if preview.kind.mode == SubmitMode::Snapshot { ", " (t("the-whole-roll")) } }
                @if let Some(case) = &preview.kind.case {
                    dt { (t("col-referral")) } dd { (reason_words(case.referral_reason)) "; " (source_words(case.referral_source)) "; " (tr!("referred-on", date = date_text(&case.referred_on.to_string()))) }
                }
                dt { (t("agreement")) } dd { (preview.agreement_id) ", " (tr!("key-epoch", epoch = preview.epoch)) }
            }
        }
        div class="cards" {
            div class="card" { span class="count" { (summary.read) } (t("card-records-read")) }
            div class="card" { span class="count" { (summary.encoded) } (t("card-ready-to-send")) }
            div class="card" { span class="count" { (summary.skipped) } (t("card-skipped")) }
            div class="card" { span class="count" { (n_warnings) } (tr!("card-warnings", n = n_warnings)) }
        }
        @let identifiers: Vec<_> = preview.identifiers().collect();
        section aria-labelledby="h-identifiers" {
            h2 id="h-identifiers" { (t("pupil-identifiers")) }
            @if identifiers.is_empty() {
                p class="empty" { (t("upload-no-identifier")) }
            } @else {
                table {
                    caption class="visually-hidden" { (t("identifiers-by-scheme")) }
                    (column_heads(&[t("search-identifier"), t("col-valid"), t("col-invalid"), t("col-not-given")]))
                    tbody {
                        @for (name, counts) in &identifiers {
                            tr { th scope="row" { (field_words(name)) } td { (counts.valid) } td { (counts.invalid) } td { (counts.absent) } }
                        }
                    }
                }
            }
        }
        @if !preview.ignored_columns.is_empty() {
            section aria-labelledby="h-columns" {
                h2 id="h-columns" { (t("columns-not-read")) }
                ul {
                    @for column in &preview.ignored_columns {
                        li { strong { (column.header) } ": " (t("column-ignored"))
                            @if let Some(meant) = column.did_you_mean { ". " (t("did-you-mean")) " " strong { (meant) } "? " (t("rename-header")) } }
                    }
                }
            }
        }
        section aria-labelledby="h-problems" {
            h2 id="h-problems" { (t("problems")) }
            @if preview.problems.is_empty() && preview.summary.read == 0 {
                p class="empty" { (t("problems-none-no-records")) }
            } @else if preview.problems.is_empty() {
                p { (t("problems-none")) }
            } @else {
                p class="hint" { (t("problems-hint")) }
                table class="problems" {
                    caption class="visually-hidden" { (t("problems-by-line")) }
                    (column_heads(&[t("col-line"), t("col-record"), t("col-field"), t("tag-problem")]))
                    tbody {
                        @for p in &preview.problems {
                            tr {
                                td { (p.line.map_or("—".to_string(), |l| l.to_string())) }
                                td { (p.record_id.as_deref().unwrap_or("—")) }
                                td { (p.field.map_or("—".to_string(), |f| field_words(f.name()))) }
                                td {
                                    @match p.severity {
                                        Severity::Error => span class="tag" { (t("tag-not-sent")) },
                                        Severity::Warning => span class="tag warning-tag" { (t("tag-warning")) },
                                    }
                                    " " (p.message)
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// The send button and its progress bar (filled by `/assets/uploads.js`); nothing for a file
/// that cannot be sent (the page says why at the top).
fn send_form(session: &Session, upload: &Upload) -> Markup {
    if upload.preview.refusal.is_some() {
        return html! {};
    }
    let n = upload.n_records();
    html! {
        form id="send-form" class="panel" method="post" action=(format!("/uploads/{}/send", upload.id))
            data-progress=(format!("/uploads/{}/progress", upload.id)) {
            (csrf_field(session))
            p { (tr!("upload-only-encodings", n = n)) }
            button class="primary" type="submit" { (tr!("upload-send", n = n)) }
            div id="sending" hidden data-template=(tr!("upload-sending-status", sent = "{sent}", total = "{total}"))
                data-storing=(t("upload-progress-storing")) {
                label for="send-progress" { (t("upload-sending-to-hub")) }
                progress id="send-progress" max=(n.max(1)) value="0" { (tr!("upload-sending-status", sent = 0, total = n)) }
                p id="send-status" role="status" { (t("upload-starting")) }
            }
        }
        p { a href="/uploads" { (t("upload-choose-instead")) } }
        script src="/assets/uploads.js" defer {}
    }
}
