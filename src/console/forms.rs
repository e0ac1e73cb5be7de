//! Extractors for the forms a console page posts: each checks, before the handler runs, that the
//! form came from this console's own page (its session's CSRF token), so no handler can forget.

use std::collections::HashMap;

use axum::extract::{FromRequest, Request};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;

use super::auth::Session;
use super::server::Shared;
use super::users::StaffName;

/// The fields of a posted form.
pub type Fields = HashMap<String, String>;

/// A form posted from one of this console's pages, with the session whose CSRF token it
/// carries. Anything else is refused with 403 ([`super::Console::checked_post`]).
pub struct CheckedForm {
    /// The session that posted it.
    pub session: Session,
    /// Its fields.
    pub form: Fields,
}

/// A [`CheckedForm`] posted by a signed-in member of staff; without a sign-in the request is
/// sent to the sign-in page.
pub struct SignedInForm {
    /// The session that posted it.
    pub session: Session,
    /// Who is signed in: every decision is recorded under this name.
    pub user: StaffName,
    /// Its fields.
    pub form: Fields,
}

impl FromRequest<Shared> for CheckedForm {
    type Rejection = Response;

    async fn from_request(request: Request, console: &Shared) -> Result<Self, Response> {
        let headers = request.headers().clone();
        let Form(form) = Form::<Fields>::from_request(request, console)
            .await
            .map_err(IntoResponse::into_response)?;
        let session = console.checked_post(&headers, &form)?;
        Ok(CheckedForm { session, form })
    }
}

impl FromRequest<Shared> for SignedInForm {
    type Rejection = Response;

    async fn from_request(request: Request, console: &Shared) -> Result<Self, Response> {
        let CheckedForm { session, form } = CheckedForm::from_request(request, console).await?;
        match session.user.clone() {
            Some(user) => Ok(SignedInForm {
                session,
                user,
                form,
            }),
            None => Err(Redirect::to("/sign-in").into_response()),
        }
    }
}
