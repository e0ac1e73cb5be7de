//! The disclosure page: once both sides confirmed, the other side's sealed record is
//! downloaded and opened here with our disclosure key (as `pupilmatch disclosure open` does),
//! shown beside ours field by field (`crate::disclosure::compare`), with the verdict form.

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use maud::html;

use crate::console::forms::SignedInForm;
use crate::console::html::{code_select, column_heads, csrf_field, field_words};
use crate::console::i18n::{t, tr};
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
        h1 { (tr!("disclosure-heading", id = id)) }
        div class="panel" {
            p { (t("record-of")) " " strong { (theirs.sender) } ", " (tr!("sealed-at", at = theirs.sealed_at.as_str())) " " (t("contact")) " "
                (theirs.coordinator.name) " <" (theirs.coordinator.email) ">"
                @if let Some(phone) = &theirs.coordinator.phone { ", " (phone) } }
            p class="hint" { (t("disclosure-opened-here")) }
        }
        table {
            caption class="hint" { (t("disclosure-differs-highlighted")) }
            (column_heads(&[t("col-field"), t("col-our-record"), t("col-their-record"), t("col-comparison")]))
            tbody {
                @for row in rows.iter().filter(|r| r.ours.is_some() || r.theirs.is_some()) {
                    tr class=[(!matches!(row.verdict, Verdict::Same)).then_some("differs")] {
                        th scope="row" { (field_words(row.field)) }
                        td { (row.ours.as_deref().unwrap_or("—")) }
                        td { (row.theirs.as_deref().unwrap_or("—")) }
                        td { (verdict_words(&row.verdict)) }
                    }
                }
            }
        }
        section class="panel" aria-labelledby="h-verdict" {
            h2 id="h-verdict" { (t("your-verdict")) }
            form class="stacked" method="post" action=(format!("/candidates/{id}/verify")) {
                (csrf_field(&session))
                label for="outcome" { (t("verdict-question")) }
                (code_select("outcome", "outcome", VerifiedOutcome::ALL.iter().map(|o| o.as_str())))
                label for="verify-note" { (t("note-no-personal-data")) }
                input id="verify-note" name="note" type="text";
                button class="primary" type="submit" { (t("record-verdict")) }
            }
        }
        p { a href=(format!("/candidates/{id}")) { (t("back-to-candidate")) } }
    };
    console.page(&tr!("disclosure-title", id = id), Some(&session), body)
}

/// How one field of the two records compares, in words.
fn verdict_words(verdict: &Verdict) -> String {
    match *verdict {
        Verdict::Same => t("verdict-same"),
        Verdict::Similar {
            jaro_winkler,
            edits,
        } => tr!(
            "verdict-similar",
            jaro_winkler = format!("{jaro_winkler:.2}"),
            edits = edits
        ),
        Verdict::DayMonthSwapped => t("verdict-day-month-swapped"),
        Verdict::Different {
            jaro_winkler: Some(jw),
        } => tr!("verdict-different-names", jaro_winkler = format!("{jw:.2}")),
        Verdict::Different { jaro_winkler: None } => t("verdict-different"),
        Verdict::OnlyOurs => t("verdict-only-ours"),
        Verdict::OnlyTheirs => t("verdict-only-theirs"),
    }
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
        let outcome: VerifiedOutcome = parse_code(&form, "outcome", &t("refuse-verdict"))?;
        console.hub.verify(id, outcome, &note(&form, &user)).await?;
        Ok::<_, ConsoleError>(())
    }
    .await;
    match result {
        Ok(()) => Redirect::to(&format!("/candidates/{id}?done=verified")).into_response(),
        Err(e) => console.error_page(StatusCode::UNPROCESSABLE_ENTITY, Some(&session), &e),
    }
}
