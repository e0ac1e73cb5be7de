//! How the binary prints an error: each cause once, then — where we know what the person at the
//! console can do about it — a hint in their terms.

use std::io;

use crate::client::ClientError;

/// The text printed after `error: ` for a failed command.
///
/// Many errors already include their cause in their own message (`binding …: Address already in
/// use`), so printing the whole chain repeats it; a cause whose text is already in the message is
/// left out.
pub fn describe(error: &anyhow::Error) -> String {
    let mut message = String::new();
    for cause in error.chain() {
        let text = cause.to_string();
        if text.is_empty() || message.contains(&text) {
            continue;
        }
        if !message.is_empty() {
            message.push_str(": ");
        }
        message.push_str(&text);
    }
    if let Some(hint) = error.chain().find_map(hint) {
        message.push_str("\nhint: ");
        message.push_str(&hint);
    }
    message
}

/// What to do about one cause, if we know.
fn hint(cause: &(dyn std::error::Error + 'static)) -> Option<String> {
    if let Some(error) = cause.downcast_ref::<ClientError>() {
        return client_hint(error);
    }
    if let Some(error) = cause.downcast_ref::<sqlx::Error>() {
        return database_hint(error);
    }
    if let Some(error) = cause.downcast_ref::<io::Error>() {
        if error.kind() == io::ErrorKind::AddrInUse {
            return Some(
                "another program (perhaps another hub) is already listening on that address; \
                 stop it, or choose another port with --listen (PUPILMATCH_LISTEN)"
                    .into(),
            );
        }
    }
    None
}

fn client_hint(error: &ClientError) -> Option<String> {
    match error {
        ClientError::Transport { source, .. } if source.is_connect() => Some(
            "nothing answered at that address: is the hub running, and are --hub \
             (PUPILMATCH_HUB) and the port right?"
                .into(),
        ),
        ClientError::Transport { source, .. } if source.is_timeout() => {
            Some("the hub did not answer in time; try again, or ask its operator".into())
        }
        ClientError::Problem(problem) if problem.status == 401 => Some(
            "check PUPILMATCH_API_KEY (or --api-key): the hub does not know this key, or it was \
             revoked; the hub's operator issues keys with `pupilmatch admin key issue`"
                .into(),
        ),
        ClientError::Problem(problem) if problem.slug() == Some("batch-conflict") => Some(
            "the batch id is a digest of what is sent, so the same file encoded under another \
             local key (or changed since) is a different batch under the same id. If you \
             submitted from another folder or machine, use that local key (copy it to this \
             authority's workspace, or pass --local-key FILE): the same children then keep \
             their references. If the file really changed, pass a new --batch-id"
                .into(),
        ),
        _ => None,
    }
}

/// The PostgreSQL error code of a database that does not exist (`invalid_catalog_name`).
const PG_NO_SUCH_DATABASE: &str = "3D000";
/// SQLite's `SQLITE_CANTOPEN`.
const SQLITE_CANTOPEN: &str = "14";

fn database_hint(error: &sqlx::Error) -> Option<String> {
    let sqlx::Error::Database(db) = error else {
        return None;
    };
    match db.code().as_deref() {
        Some(PG_NO_SUCH_DATABASE) => {
            let message = db.message();
            let name = message.split('"').nth(1).unwrap_or("NAME");
            Some(format!(
                "create the database first, as a PostgreSQL superuser: `createdb {name}` \
                 (or in psql: CREATE DATABASE \"{name}\";), then run this again"
            ))
        }
        Some(SQLITE_CANTOPEN) => Some(
            "the SQLite file or its folder does not exist; to create the file, add \
             ?mode=rwc to the URL, e.g. 'sqlite://pupilmatch.db?mode=rwc' (quoted in the shell)"
                .into(),
        ),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, thiserror::Error)]
    #[error("binding 127.0.0.1:8080: {source}")]
    struct Bind {
        source: io::Error,
    }

    #[test]
    fn a_cause_already_in_the_message_is_printed_once_with_a_hint() {
        let error = anyhow::Error::new(Bind {
            source: io::Error::from(io::ErrorKind::AddrInUse),
        })
        .context("starting the hub on 127.0.0.1:8080");
        let text = describe(&error);
        let cause = io::Error::from(io::ErrorKind::AddrInUse).to_string();
        assert_eq!(text.matches(&cause).count(), 1, "{text}");
        assert!(text.starts_with("starting the hub on 127.0.0.1:8080: binding"));
        assert!(text.contains("\nhint: another program"), "{text}");
    }

    #[test]
    fn an_error_without_a_known_remedy_has_no_hint() {
        let error = anyhow::anyhow!("inner").context("outer");
        assert_eq!(describe(&error), "outer: inner");
    }
}
