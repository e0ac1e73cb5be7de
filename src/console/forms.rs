//! Extractors for the forms a console page posts: each checks, before the handler runs, that the
//! form came from this console's own page (its session's CSRF token), so no handler can forget.

use std::collections::HashMap;

use axum::extract::{FromRequest, Multipart, Request};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;

use super::auth::Session;
use super::i18n::tr;
use super::server::Shared;
use super::uploads::preview::UploadedFile;
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

/// A signed-in member of staff's form with a file (`multipart/form-data`): the fields are
/// checked as a [`SignedInForm`]'s are, and the file is held in memory only.
pub struct SignedInUpload {
    /// The session that posted it.
    pub session: Session,
    /// Who is signed in.
    pub user: StaffName,
    /// Its text fields.
    pub form: Fields,
    /// The file chosen in its one file input, if one was.
    pub file: Option<UploadedFile>,
}

impl FromRequest<Shared> for SignedInUpload {
    type Rejection = Response;

    async fn from_request(request: Request, console: &Shared) -> Result<Self, Response> {
        let headers = request.headers().clone();
        let mut multipart = Multipart::from_request(request, console)
            .await
            .map_err(IntoResponse::into_response)?;
        let unreadable = |e: axum::extract::multipart::MultipartError| {
            (e.status(), tr!("upload-unreadable", cause = e.body_text())).into_response()
        };
        let mut form = Fields::new();
        let mut file = None;
        while let Some(field) = multipart.next_field().await.map_err(unreadable)? {
            let name = field.name().unwrap_or_default().to_string();
            match field.file_name().map(file_name) {
                Some(file_name) => {
                    let bytes = field.bytes().await.map_err(unreadable)?;
                    if !file_name.is_empty() {
                        file = Some(UploadedFile {
                            name: file_name,
                            bytes: bytes.to_vec(),
                        });
                    }
                }
                None => {
                    let text = field.text().await.map_err(unreadable)?;
                    form.insert(name, text);
                }
            }
        }
        let session = console.checked_post(&headers, &form)?;
        match session.user.clone() {
            Some(user) => Ok(SignedInUpload {
                session,
                user,
                form,
                file,
            }),
            None => Err(Redirect::to("/sign-in").into_response()),
        }
    }
}

/// The last component of a file name as a browser sends it (some send a whole path).
fn file_name(sent: &str) -> String {
    sent.rsplit(['/', '\\'])
        .next()
        .unwrap_or_default()
        .trim()
        .to_string()
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_name_keeps_only_its_last_component() {
        assert_eq!(file_name("roll.csv"), "roll.csv");
        assert_eq!(file_name("C:\\Users\\ann\\roll.csv"), "roll.csv");
        assert_eq!(file_name("/home/ann/roll.csv"), "roll.csv");
        assert_eq!(file_name(""), "");
    }
}
