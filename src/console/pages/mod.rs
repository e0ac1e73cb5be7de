//! One module per page. Handlers read what they need from the hub through the typed client,
//! render server-side with maud and answer POSTs with a redirect (post/redirect/get).

pub mod candidate;
pub mod cases;
pub mod dashboard;
pub mod data_protection;
pub mod disclosure;
pub mod fingerprints;
pub mod search;
pub mod setup;
pub mod sign_in;
pub mod uploads;

use std::collections::HashMap;

/// A form field, trimmed; empty when absent.
pub(crate) fn field<'a>(form: &'a HashMap<String, String>, name: &str) -> &'a str {
    form.get(name).map_or("", |v| v.trim())
}

/// A form field, `None` when absent or blank.
pub(crate) fn optional(form: &HashMap<String, String>, name: &str) -> Option<String> {
    Some(field(form, name))
        .filter(|v| !v.is_empty())
        .map(str::to_string)
}

/// A coded form field (a reason, an outcome); `refusal` tells the person what to choose.
pub(crate) fn parse_code<T: std::str::FromStr>(
    form: &HashMap<String, String>,
    name: &str,
    refusal: &str,
) -> Result<T, crate::console::ConsoleError> {
    field(form, name)
        .parse()
        .map_err(|_| crate::console::ConsoleError::BadInput(refusal.to_string()))
}
