//! Uploads waiting to be sent: a file read and encoded at the console ([`preview`]) is kept
//! here, in memory only, under an unguessable id bound to the session that uploaded it, until
//! it is sent or [`UPLOAD_TTL`] passes. Sending streams the already-encoded batch to the hub
//! and counts the records as they leave, for the page's progress bar.

pub mod preview;

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use rand::RngCore;
use zeroize::Zeroizing;

use crate::client::{SubmissionResult, UploadOptions};
use crate::console::server::Console;
use preview::{EncodedBatch, Preview, UploadedFile};

/// How long an upload waits to be sent (and its answer to be read) before it is forgotten.
pub const UPLOAD_TTL: Duration = Duration::from_secs(30 * 60);

/// Where an upload stands.
#[derive(Debug, Clone)]
pub enum SendState {
    /// Previewed; nothing sent.
    Ready,
    /// On its way to the hub.
    Sending,
    /// Stored by the hub.
    Sent {
        /// The hub's answer.
        result: SubmissionResult,
        /// Where the workspace keeps the file now (relative to it), or why it could not.
        kept: Result<String, String>,
    },
    /// The hub refused it or could not be reached; it can be sent again.
    Failed(String),
}

/// One uploaded file: its report, its encodings and (until it is sent) its raw bytes.
pub struct Upload {
    /// Its id (in URLs).
    pub id: String,
    /// The session token it belongs to.
    session: String,
    /// When it was uploaded.
    created: Instant,
    /// The encode report.
    pub preview: Preview,
    batch: Arc<EncodedBatch>,
    /// The file as uploaded, wiped when dropped; taken when the workspace keeps it.
    raw: Mutex<Option<(String, Zeroizing<Vec<u8>>)>>,
    sent: AtomicU64,
    state: Mutex<SendState>,
}

impl Upload {
    /// How many records the batch holds.
    pub fn n_records(&self) -> u64 {
        self.batch.records.len() as u64
    }

    /// How many records have left for the hub so far.
    pub fn n_sent(&self) -> u64 {
        self.sent.load(Ordering::Relaxed)
    }

    /// Where it stands.
    pub fn state(&self) -> SendState {
        self.lock_state().clone()
    }

    fn lock_state(&self) -> MutexGuard<'_, SendState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Moves it to `Sending` unless it cannot be sent, or is being sent or already was:
    /// `false` then.
    fn start(&self) -> bool {
        let mut state = self.lock_state();
        let ready = matches!(*state, SendState::Ready | SendState::Failed(_));
        if ready && self.preview.refusal.is_none() {
            *state = SendState::Sending;
            self.sent.store(0, Ordering::Relaxed);
            true
        } else {
            false
        }
    }
}

/// The uploads of every session.
#[derive(Default)]
pub struct Uploads {
    by_id: Mutex<HashMap<String, Arc<Upload>>>,
}

impl Uploads {
    fn lock(&self) -> MutexGuard<'_, HashMap<String, Arc<Upload>>> {
        let mut by_id = self.by_id.lock().unwrap_or_else(|e| e.into_inner());
        by_id.retain(|_, u| u.created.elapsed() < UPLOAD_TTL);
        by_id
    }

    /// Keeps a previewed file for the session `session_token`; returns it with its new id.
    pub fn add(
        &self,
        session_token: &str,
        file: UploadedFile,
        preview: Preview,
        batch: EncodedBatch,
    ) -> Arc<Upload> {
        let mut id = [0u8; 24];
        rand::rngs::OsRng.fill_bytes(&mut id);
        let id = hex::encode(id);
        let raw = (preview.refusal.is_none()).then(|| (file.name, Zeroizing::new(file.bytes)));
        let upload = Arc::new(Upload {
            id: id.clone(),
            session: session_token.to_string(),
            created: Instant::now(),
            preview,
            batch: Arc::new(batch),
            raw: Mutex::new(raw),
            sent: AtomicU64::new(0),
            state: Mutex::new(SendState::Ready),
        });
        self.lock().insert(id, upload.clone());
        upload
    }

    /// The upload `id` of the session `session_token`; `None` for another session's, an
    /// expired one or an unknown id alike.
    pub fn get(&self, id: &str, session_token: &str) -> Option<Arc<Upload>> {
        self.lock()
            .get(id)
            .filter(|u| u.session == session_token)
            .cloned()
    }
}

/// Sends `upload` to the hub unless it is already being sent or was sent; returns when the
/// hub has answered. It runs as a task of its own, so a browser that goes away does not cut
/// the upload short. When the hub has stored it, the workspace keeps the file as one of its
/// pupil files (so the candidate pages find our records in it) and the bytes held in memory
/// are wiped.
pub async fn send(console: Arc<Console>, upload: Arc<Upload>) {
    if !upload.start() {
        return;
    }
    // The task answers in the language of the request that started it.
    let context = crate::console::i18n::context();
    let task = tokio::spawn(crate::console::i18n::within_context(context, async move {
        let batch = upload.batch.clone();
        let counter = upload.clone();
        let options = UploadOptions {
            gzip: false,
            progress: Some(Arc::new(move |n| counter.sent.store(n, Ordering::Relaxed))),
        };
        let records = (0..batch.records.len()).map({
            let batch = batch.clone();
            move |i| Ok(batch.records[i].clone())
        });
        let answer = console
            .hub
            .submit_stream(&batch.header, records, options)
            .await;
        let state = match answer {
            Ok(result) => SendState::Sent {
                kept: keep_file(&console, &upload),
                result,
            },
            Err(error) => SendState::Failed(crate::console::problems::hub_error(&error)),
        };
        *upload.lock_state() = state;
    }));
    let _ = task.await;
}

/// Hands the uploaded file to the workspace, named by its role and the time.
fn keep_file(console: &Console, upload: &Upload) -> Result<String, String> {
    let taken = upload.raw.lock().unwrap_or_else(|e| e.into_inner()).take();
    let Some((name, bytes)) = taken else {
        return Err(crate::console::i18n::t("upload-already-kept"));
    };
    let extension = std::path::Path::new(&name)
        .extension()
        .and_then(|e| e.to_str())
        .filter(|e| e.eq_ignore_ascii_case("xml"))
        .map_or("csv", |_| "xml");
    let stamp = chrono::Local::now().format("%Y%m%d-%H%M%S");
    let kept_name = format!(
        "{}-{stamp}-{}.{extension}",
        upload.preview.kind.role,
        &upload.id[..8]
    );
    console
        .workspace
        .keep_uploaded_file(&kept_name, &bytes)
        .map(|path| path.display().to_string())
        .map_err(|e| e.words())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::console::uploads::preview::{encode_upload, BatchKind};
    use crate::encode::keys::{AgreementSecret, LocalKey};
    use crate::encode::Encoder;
    use crate::store::{Role, SubmitMode};

    fn upload(uploads: &Uploads, session: &str, text: &str) -> Arc<Upload> {
        let encoder = Encoder::new(
            &AgreementSecret::from_bytes("eng-scot-cme", 1, [1; 32]).unwrap(),
            LocalKey::from_bytes([2; 32]),
        );
        let file = UploadedFile {
            name: "roll.csv".into(),
            bytes: text.as_bytes().to_vec(),
        };
        let kind = BatchKind {
            role: Role::Roll,
            mode: SubmitMode::Incremental,
            case: None,
        };
        let today = chrono::NaiveDate::from_ymd_opt(2026, 12, 7).unwrap();
        let (preview, batch) = encode_upload(&encoder, &file, kind, today);
        uploads.add(session, file, preview, batch)
    }

    #[test]
    fn an_upload_is_found_only_by_the_session_that_made_it_under_an_unguessable_id() {
        let uploads = Uploads::default();
        let made = upload(
            &uploads,
            "session-a",
            "record_id,forename,surname,dob\nG-1,Amy,Ross,2014-01-01\n",
        );
        assert_eq!(made.id.len(), 48, "192 random bits, in hex");
        assert!(uploads.get(&made.id, "session-a").is_some());
        assert!(uploads.get(&made.id, "session-b").is_none());
        assert!(uploads.get("not-an-id", "session-a").is_none());
        assert_eq!(made.n_records(), 1);
        assert!(made.raw.lock().unwrap().is_some(), "held until it is sent");
    }

    #[test]
    fn a_file_that_cannot_be_sent_keeps_no_bytes_and_never_starts_sending() {
        let uploads = Uploads::default();
        let refused = upload(&uploads, "s", "record_id,forename,surname,dob\n");
        assert!(refused.raw.lock().unwrap().is_none());
        assert!(!refused.start());
        assert!(matches!(refused.state(), SendState::Ready));

        let ready = upload(
            &uploads,
            "s",
            "record_id,forename,surname,dob\nG-1,Amy,Ross,2014-01-01\n",
        );
        assert!(ready.start());
        assert!(!ready.start(), "one send at a time");
    }
}
