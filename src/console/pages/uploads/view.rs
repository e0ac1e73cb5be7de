//! The uploads page's markup: the form, the encode report with the send button and its
//! progress bar, and the hub's answer.

use chrono::NaiveDate;
use maud::{html, Markup};

use crate::console::auth::Session;
use crate::console::html::{column_heads, csrf_field, field_words};
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
        h1 { "Upload a file" }
        p class="lead" {
            "Choose a pupil file. The console reads and encodes it here, on this computer, and shows you what it found before anything is sent. Only encodings leave: names and dates of birth never do."
        }
        @if let Some(error) = error {
            div class="error" role="alert" { p { (error) } }
        }
        form class="stacked" method="post" action="/uploads" enctype="multipart/form-data" {
            (csrf_field(session))
            label for="file" { "Pupil file" }
            p class="hint" id="file-hint" { "A CSV file with a header row, or a DfE Common Transfer File (XML)." }
            input id="file" name="file" type="file" accept=".csv,.xml,text/csv,application/xml,text/xml"
                required aria-describedby="file-hint";
            fieldset {
                legend { "What does the file hold?" }
                @for (role, hint) in [
                    (Role::Roll, "Children on your schools' rolls: they are matched against other authorities' missing children."),
                    (Role::Missing, "Children missing from education: each becomes an open case, matched against every roll."),
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
                    label for="whole-roll" { "The file is our whole roll" }
                    p class="hint" id="whole-roll-hint" { "Pupils of ours the hub holds but who are not in this file are taken out of matching. Leave it unticked to add or update pupils only." }
                }
            }
            fieldset class="case" {
                legend { "Only for children missing from education" }
                p class="hint" { "Every case in the file is opened with this referral. A roll ignores it." }
                label for="referral-reason" { "Referral reason" }
                select id="referral-reason" name="referral_reason" {
                    @for r in ReferralReason::ALL { option value=(r.as_str()) { (reason_words(*r)) } }
                }
                label for="referral-source" { "Referral source" }
                select id="referral-source" name="referral_source" {
                    @for s in ReferralSource::ALL { option value=(s.as_str()) { (source_words(*s)) } }
                }
                label for="referred-on" { "Referred on" }
                input id="referred-on" name="referred_on" type="date" value=(today.format("%Y-%m-%d").to_string());
            }
            @if encoders.len() > 1 {
                label for="agreement" { "Agreement" }
                select id="agreement" name="agreement" {
                    @for (i, e) in encoders.iter().enumerate() {
                        option value=(i) { (e.agreement_id()) " (key epoch " (e.epoch()) ")" }
                    }
                }
            }
            button class="primary" type="submit" { "Read the file" }
        }
    }
}

/// An upload: its report and send button, its progress, or the hub's answer.
pub fn upload_page(session: &Session, upload: &Upload) -> Markup {
    match upload.state() {
        SendState::Sent { result, kept } => html! {
            h1 { "Upload sent" }
            div class="notice" role="status" {
                p { strong { "The hub stored " (plural(result.n_records, "record")) " from " (upload.preview.file_name) "." }
                    @if result.replayed { " It had already received this file; this is its first answer." } }
            }
            div class="cards" {
                div class="card" { span class="count" { (result.n_records) } "stored" }
                div class="card" { span class="count" { (result.n_withdrawn) } "withdrawn" }
                a class="card" href="/" { span class="count" { (result.n_candidates) } "new candidates" }
            }
            @if result.n_candidates > 0 {
                p { a href="/" { "See the new candidates on your dashboard" } }
            } @else {
                p { "No new candidate: nothing the hub holds is close enough to these records. Matches found later appear on your " a href="/" { "dashboard" } "." }
            }
            @match kept {
                Ok(path) => p class="hint" { "The console keeps the file in its workspace (" (path) ") so that it can show and seal our record beside each candidate." },
                Err(why) => div class="error" role="alert" { p { "The console could not keep the file in its workspace (" (why) "): our record will not be shown beside candidates from it until you add the file to console.json's pupil_files." } },
            }
            p { a href="/uploads" { "Upload another file" } }
        },
        SendState::Sending => html! {
            h1 { "Sending" }
            p role="status" { (upload.n_sent()) " of " (upload.n_records()) " records sent. Reload this page to see the hub's answer." }
        },
        state => html! {
            h1 { "Check the file before sending" }
            @if let Some(refusal) = &upload.preview.refusal {
                div class="error" role="alert" {
                    h2 { "This file cannot be sent" }
                    p { (refusal) ". Nothing was sent." }
                    p { a href="/uploads" { "Choose another file" } }
                }
            } @else if let SendState::Failed(why) = &state {
                div class="error" role="alert" { p { "The hub did not store the batch: " (why) ". Nothing was stored; you can send it again." } }
            } @else {
                div class="notice" role="status" { p { strong { "Nothing has been sent yet." } " Read what the console found, then send." } }
            }
            (report(&upload.preview))
            (send_form(session, upload))
        },
    }
}

fn plural(n: u64, word: &str) -> String {
    if n == 1 {
        format!("1 {word}")
    } else {
        format!("{n} {word}s")
    }
}

/// The encode report.
fn report(preview: &Preview) -> Markup {
    let summary = &preview.summary;
    let n_warnings = preview.count(Severity::Warning);
    html! {
        div class="panel" {
            dl class="facts" {
                dt { "File" } dd { (preview.file_name) }
                dt { "It holds" } dd { (role_words(preview.kind.role))
                    @if preview.kind.mode == SubmitMode::Snapshot { ", the whole roll" } }
                @if let Some(case) = &preview.kind.case {
                    dt { "Referral" } dd { (reason_words(case.referral_reason)) "; " (source_words(case.referral_source)) "; referred on " (case.referred_on) }
                }
                dt { "Agreement" } dd { (preview.agreement_id) ", key epoch " (preview.epoch) }
            }
        }
        div class="cards" {
            div class="card" { span class="count" { (summary.read) } "records read" }
            div class="card" { span class="count" { (summary.encoded) } "ready to send" }
            div class="card" { span class="count" { (summary.skipped) } "skipped (not sent)" }
            div class="card" { span class="count" { (n_warnings) } @if n_warnings == 1 { "warning" } @else { "warnings" } }
        }
        @let identifiers: Vec<_> = preview.identifiers().collect();
        section aria-labelledby="h-identifiers" {
            h2 id="h-identifiers" { "Pupil identifiers" }
            @if identifiers.is_empty() {
                p class="empty" { "The file holds no pupil identifier (UPN, SCN, PPSN or NI pupil id). Records are matched on names and dates of birth." }
            } @else {
                table {
                    caption class="visually-hidden" { "Identifiers by scheme" }
                    (column_heads(&["Identifier", "Valid", "Invalid (left out)", "Not given"]))
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
                h2 id="h-columns" { "Columns not read" }
                ul {
                    @for column in &preview.ignored_columns {
                        li { strong { (column.header) } ": not recognised, ignored"
                            @if let Some(meant) = column.did_you_mean { ". Did you mean " strong { (meant) } "? Rename the header and choose the file again." } }
                    }
                }
            }
        }
        section aria-labelledby="h-problems" {
            h2 id="h-problems" { "Problems" }
            @if preview.problems.is_empty() && preview.summary.read == 0 {
                p class="empty" { "None found: the file has no records." }
            } @else if preview.problems.is_empty() {
                p { "None: every record can be sent as it is." }
            } @else {
                p class="hint" { "A record with a problem is not sent; a warning means the record is sent without that field." }
                table class="problems" {
                    caption class="visually-hidden" { "Every problem, by line" }
                    (column_heads(&["Line", "Record", "Field", "Problem"]))
                    tbody {
                        @for p in &preview.problems {
                            tr {
                                td { (p.line.map_or("—".to_string(), |l| l.to_string())) }
                                td { (p.record_id.as_deref().unwrap_or("—")) }
                                td { (p.field.map_or("—".to_string(), |f| field_words(f.name()))) }
                                td {
                                    @match p.severity {
                                        Severity::Error => span class="tag" { "Not sent" },
                                        Severity::Warning => span class="tag warning-tag" { "Warning" },
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
            p { "Only the encodings of these " (plural(n, "record")) " are sent. Sending a large roll can take a minute: keep this page open until the answer appears." }
            button class="primary" type="submit" { "Send " (plural(n, "record")) " to the hub" }
            div id="sending" hidden {
                label for="send-progress" { "Sending to the hub" }
                progress id="send-progress" max=(n.max(1)) value="0" { "0 of " (n) " records sent" }
                p id="send-status" role="status" { "Starting" }
            }
        }
        p { a href="/uploads" { "Choose another file instead" } }
        script src="/assets/uploads.js" defer {}
    }
}
