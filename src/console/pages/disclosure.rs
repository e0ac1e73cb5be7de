//! The disclosure page: once both sides confirmed, the other side's sealed record is
//! downloaded and opened here with our disclosure key (as `pupilmatch disclosure open` does),
//! shown beside ours field by field (`crate::disclosure::compare`), with the verdict form.

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use maud::html;

use crate::console::forms::SignedInForm;
use crate::console::html::{code_select, csrf_field, field_words};
use crate::console::server::{Console, Shared};
use crate::console::ConsoleError;
use crate::disclosure::{
    compare, open, DisclosedRecord, DisclosurePayload, FieldComparison, Verdict,
};
use crate::store::VerifiedOutcome;

use super::candidate::note;
use super::parse_code;

/// Downloads and opens the other side's record of candidate `id`, and compares it with ours.
async fn opened(
    console: &Console,
    id: i64,
) -> Result<(DisclosurePayload, Vec<FieldComparison>), ConsoleError> {
    let detail = console.hub.candidate(id).await?;
    let downloaded = console.hub.download_disclosure(id).await?;
    let context = downloaded.seal_context(id);
    let theirs = open(
        &console.workspace.disclosure_key,
        &context,
        &downloaded.sealed,
    )?;
    let ours = console
        .workspace
        .own_record(&detail.record.record_ref)
        .ok_or_else(|| ConsoleError::OwnRecordMissing(detail.record.record_ref.clone()))?;
    let ours = DisclosedRecord::from_raw(&ours, None, None, true);
    let rows = compare(&ours, &theirs.record);
    Ok((theirs, rows))
}

/// `GET /candidates/{id}/disclosure`.
pub async fn show(
    State(console): State<Shared>,
    headers: HeaderMap,
    Path(id): Path<i64>,
) -> Response {
    let (session, _) = match console.signed_in(&headers) {
        Ok(signed_in) => signed_in,
        Err(redirect) => return redirect,
    };
    let (theirs, rows) = match opened(&console, id).await {
        Ok(opened) => opened,
        Err(e) => return console.error_page(StatusCode::BAD_GATEWAY, Some(&session), &e),
    };
    let body = html! {
        h1 { "Candidate " (id) ": the two records" }
        div class="panel" {
            p { "Record of " strong { (theirs.sender) } ", sealed " (theirs.sealed_at) ". Contact: "
                (theirs.coordinator.name) " <" (theirs.coordinator.email) ">"
                @if let Some(phone) = &theirs.coordinator.phone { ", " (phone) } }
            p class="hint" { "Opened here with our key; the hub only relayed the sealed record." }
        }
        table {
            caption class="hint" { "Rows where the two records differ are highlighted." }
            thead { tr {
                th scope="col" { "Field" } th scope="col" { "Our record" }
                th scope="col" { "Their record" } th scope="col" { "Comparison" }
            } }
            tbody {
                @for row in rows.iter().filter(|r| r.ours.is_some() || r.theirs.is_some()) {
                    tr class=[(!matches!(row.verdict, Verdict::Same)).then_some("differs")] {
                        th scope="row" { (field_words(row.field)) }
                        td { (row.ours.as_deref().unwrap_or("—")) }
                        td { (row.theirs.as_deref().unwrap_or("—")) }
                        td { (row.verdict.label()) }
                    }
                }
            }
        }
        section class="panel" aria-labelledby="h-verdict" {
            h2 id="h-verdict" { "Your verdict" }
            form class="stacked" method="post" action=(format!("/candidates/{id}/verify")) {
                (csrf_field(&session))
                label for="outcome" { "Are these records the same child?" }
                (code_select("outcome", "outcome", VerifiedOutcome::ALL.iter().map(|o| o.as_str())))
                label for="verify-note" { "Note (no personal data)" }
                input id="verify-note" name="note" type="text";
                button class="primary" type="submit" { "Record verdict" }
            }
        }
        p { a href=(format!("/candidates/{id}")) { "Back to the candidate" } }
    };
    console.page(&format!("Candidate {id} disclosure"), Some(&session), body)
}

/// `POST /candidates/{id}/verify`.
pub async fn verify(
    State(console): State<Shared>,
    Path(id): Path<i64>,
    SignedInForm {
        session,
        user,
        form,
    }: SignedInForm,
) -> Response {
    let result = async {
        let outcome: VerifiedOutcome =
            parse_code(&form, "outcome", "choose same child or different child")?;
        console.hub.verify(id, outcome, &note(&form, &user)).await?;
        Ok::<_, ConsoleError>(())
    }
    .await;
    match result {
        Ok(()) => Redirect::to(&format!("/candidates/{id}?done=verified")).into_response(),
        Err(e) => console.error_page(StatusCode::UNPROCESSABLE_ENTITY, Some(&session), &e),
    }
}
