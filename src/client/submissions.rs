//! `POST /v1/submissions`: uploading a batch of encoded records, either as one JSON document
//! (small batches) or streamed as NDJSON (any size: a header line, then one record per line),
//! optionally gzip-compressed, with progress reported as records leave.

use std::io::Write;
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use chrono::NaiveDate;
use reqwest::header::{CONTENT_ENCODING, CONTENT_TYPE};
use reqwest::{Method, StatusCode};
use serde::{Deserialize, Serialize};

use super::{decode, ClientError, HubClient};
use crate::store::{ReferralReason, ReferralSource, Role, SubmitMode};
use crate::wire::EncodedRecord;
use crate::wire::PROTOCOL_VERSION;

/// The media type of a streamed submission.
pub const NDJSON: &str = "application/x-ndjson";

/// Bytes of NDJSON gathered before they are handed to the connection.
const UPLOAD_CHUNK: usize = 256 * 1024;

/// Everything about a batch except its records (the first line of a streamed submission).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SubmissionHeader {
    /// The client's id for the batch: a retry with the same id and content gets the first
    /// answer; the same id with other content is refused.
    pub batch_id: String,
    /// The agreement the records were encoded under.
    pub agreement_id: String,
    /// The key epoch.
    pub epoch: u32,
    /// The protocol version of the encodings.
    pub protocol: u32,
    /// `missing` (CME cases) or `roll`.
    pub role: Role,
    /// For rolls: `incremental` (add/update) or `snapshot` (the whole roll).
    pub mode: SubmitMode,
}

impl SubmissionHeader {
    /// A header for records encoded under `agreement_id`/`epoch` with this build's protocol.
    pub fn new(
        batch_id: impl Into<String>,
        agreement_id: impl Into<String>,
        epoch: u32,
        role: Role,
        mode: SubmitMode,
    ) -> Self {
        SubmissionHeader {
            batch_id: batch_id.into(),
            agreement_id: agreement_id.into(),
            epoch,
            protocol: PROTOCOL_VERSION,
            role,
            mode,
        }
    }
}

/// The batch id a batch gets unless one is given: a digest of its agreement, epoch, role,
/// mode, case fields and `content_digest` (the hex SHA-256 of what is sent, or of the file it
/// was encoded from), so sending the same thing again is a retry the hub answers with its
/// first answer.
pub fn default_batch_id(
    agreement_id: &str,
    epoch: u32,
    role: Role,
    mode: SubmitMode,
    case: Option<&CaseFields>,
    content_digest: &str,
) -> String {
    use sha2::{Digest, Sha256};
    let mut hasher = Sha256::new();
    hasher.update(format!("{agreement_id}\u{1f}{epoch}\u{1f}{role}\u{1f}{mode}\u{1f}").as_bytes());
    if let Some(case) = case {
        hasher.update(
            format!(
                "{}\u{1f}{}\u{1f}{}\u{1f}",
                case.referral_reason, case.referral_source, case.referred_on
            )
            .as_bytes(),
        );
    }
    hasher.update(content_digest.as_bytes());
    let hash = hex::encode(hasher.finalize());
    format!("{role}-{}", &hash[..20])
}

/// The case metadata a `missing` record carries (domain notes §10).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CaseFields {
    /// Why the case was opened.
    pub referral_reason: ReferralReason,
    /// Who referred it.
    pub referral_source: ReferralSource,
    /// When it was referred.
    #[serde(serialize_with = "iso_date")]
    pub referred_on: NaiveDate,
}

fn iso_date<S: serde::Serializer>(date: &NaiveDate, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&date.format("%Y-%m-%d").to_string())
}

/// One record of a submission: the encoding, plus case metadata for role `missing`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SubmittedRecord {
    /// The encoding made locally.
    #[serde(flatten)]
    pub encoding: EncodedRecord,
    /// Case metadata (role `missing` only).
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    pub case: Option<CaseFields>,
}

/// The hub's answer to a submission.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct SubmissionResult {
    /// The batch id.
    pub batch_id: String,
    /// The agreement.
    pub agreement_id: String,
    /// The key epoch.
    pub epoch: u32,
    /// The role.
    pub role: String,
    /// The mode.
    pub mode: String,
    /// Records stored.
    pub n_records: u64,
    /// Records withdrawn by a snapshot.
    pub n_withdrawn: u64,
    /// New candidates proposed by continuous matching.
    pub n_candidates: u64,
    /// Whether this batch had already been received (the first answer, replayed).
    #[serde(skip)]
    pub replayed: bool,
}

/// How a streamed upload behaves.
#[derive(Clone, Default)]
pub struct UploadOptions {
    /// Compress the body with gzip (worth it on slow links; costs CPU).
    pub gzip: bool,
    /// Called with the number of records sent so far, as they leave.
    pub progress: Option<Arc<dyn Fn(u64) + Send + Sync>>,
}

impl std::fmt::Debug for UploadOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UploadOptions")
            .field("gzip", &self.gzip)
            .field("progress", &self.progress.is_some())
            .finish()
    }
}

#[derive(Serialize)]
struct JsonSubmission<'a> {
    #[serde(flatten)]
    header: &'a SubmissionHeader,
    records: &'a [SubmittedRecord],
}

impl HubClient {
    /// Uploads a small batch as one JSON document.
    pub async fn submit(
        &self,
        header: &SubmissionHeader,
        records: &[SubmittedRecord],
    ) -> Result<SubmissionResult, ClientError> {
        let path = "/v1/submissions";
        let request = self
            .request(Method::POST, path)
            .json(&JsonSubmission { header, records });
        let (status, mut result): (StatusCode, SubmissionResult) = self.send(path, request).await?;
        result.replayed = status == StatusCode::OK;
        Ok(result)
    }

    /// Streams a batch of any size as NDJSON: records are serialised on a blocking thread
    /// while earlier ones are on the wire, so memory stays bounded whatever the batch size.
    /// The iterator's errors (say, an unreadable line of the file being uploaded) abort the
    /// upload; the hub then stores nothing.
    pub async fn submit_stream<I>(
        &self,
        header: &SubmissionHeader,
        records: I,
        options: UploadOptions,
    ) -> Result<SubmissionResult, ClientError>
    where
        I: Iterator<Item = Result<SubmittedRecord, String>> + Send + 'static,
    {
        let path = "/v1/submissions";
        let header_line =
            serde_json::to_vec(header).map_err(|e| ClientError::Body(e.to_string()))?;
        let (sender, receiver) = tokio::sync::mpsc::channel::<Result<Bytes, std::io::Error>>(8);
        let failure: Arc<Mutex<Option<String>>> = Arc::default();
        let producer_failure = failure.clone();
        let gzip = options.gzip;
        let progress = options.progress.clone();
        let producer = tokio::task::spawn_blocking(move || {
            let result = produce(header_line, records, gzip, progress.as_deref(), &sender);
            if let Err(message) = result {
                *producer_failure.lock().unwrap_or_else(|e| e.into_inner()) = Some(message.clone());
                let _ = sender.blocking_send(Err(std::io::Error::other(message)));
            }
        });
        let stream = futures_util::stream::unfold(receiver, |mut receiver| async move {
            receiver.recv().await.map(|item| (item, receiver))
        });
        let mut request = self
            .http
            .request(Method::POST, self.url(path))
            .bearer_auth(&self.api_key)
            .header(CONTENT_TYPE, NDJSON)
            .body(reqwest::Body::wrap_stream(stream));
        if gzip {
            request = request.header(CONTENT_ENCODING, "gzip");
        }
        let url = self.url(path);
        let sent = request.send().await;
        let _ = producer.await;
        if let Some(message) = failure.lock().unwrap_or_else(|e| e.into_inner()).take() {
            return Err(ClientError::Body(message));
        }
        let response = sent.map_err(|source| ClientError::transport(&url, source))?;
        let (status, mut result): (StatusCode, SubmissionResult) = decode(url, response).await?;
        result.replayed = status == StatusCode::OK;
        Ok(result)
    }
}

/// Writes the NDJSON body in chunks into `sender` (gzip-compressed when asked).
fn produce<I>(
    header_line: Vec<u8>,
    records: I,
    gzip: bool,
    progress: Option<&(dyn Fn(u64) + Send + Sync)>,
    sender: &tokio::sync::mpsc::Sender<Result<Bytes, std::io::Error>>,
) -> Result<(), String>
where
    I: Iterator<Item = Result<SubmittedRecord, String>>,
{
    let mut sink = ChunkSink::new(gzip);
    let send = |bytes: Vec<u8>| -> Result<(), String> {
        // The hub hung up (it answered early, e.g. with a problem): stop producing.
        sender
            .blocking_send(Ok(Bytes::from(bytes)))
            .map_err(|_| String::new())
    };
    sink.write(&header_line)?;
    sink.write(b"\n")?;
    let mut n_sent = 0u64;
    let mut line = Vec::with_capacity(2048);
    for record in records {
        let record = record?;
        line.clear();
        serde_json::to_writer(&mut line, &record).map_err(|e| e.to_string())?;
        line.push(b'\n');
        sink.write(&line)?;
        n_sent += 1;
        if let Some(chunk) = sink.take_if_full() {
            if send(chunk).is_err() {
                return Ok(());
            }
            if let Some(progress) = progress {
                progress(n_sent);
            }
        }
    }
    let last = sink.finish()?;
    if !last.is_empty() && send(last).is_err() {
        return Ok(());
    }
    if let Some(progress) = progress {
        progress(n_sent);
    }
    Ok(())
}

/// Gathers body bytes, compressing them on the way when asked.
enum ChunkSink {
    Plain(Vec<u8>),
    Gzip(flate2::write::GzEncoder<Vec<u8>>),
}

impl ChunkSink {
    fn new(gzip: bool) -> Self {
        if gzip {
            ChunkSink::Gzip(flate2::write::GzEncoder::new(
                Vec::with_capacity(UPLOAD_CHUNK),
                flate2::Compression::fast(),
            ))
        } else {
            ChunkSink::Plain(Vec::with_capacity(UPLOAD_CHUNK))
        }
    }

    fn write(&mut self, bytes: &[u8]) -> Result<(), String> {
        match self {
            ChunkSink::Plain(buffer) => buffer.extend_from_slice(bytes),
            ChunkSink::Gzip(encoder) => encoder.write_all(bytes).map_err(|e| e.to_string())?,
        }
        Ok(())
    }

    fn take_if_full(&mut self) -> Option<Vec<u8>> {
        let buffer = match self {
            ChunkSink::Plain(buffer) => buffer,
            ChunkSink::Gzip(encoder) => encoder.get_mut(),
        };
        (buffer.len() >= UPLOAD_CHUNK)
            .then(|| std::mem::replace(buffer, Vec::with_capacity(UPLOAD_CHUNK)))
    }

    fn finish(self) -> Result<Vec<u8>, String> {
        match self {
            ChunkSink::Plain(buffer) => Ok(buffer),
            ChunkSink::Gzip(encoder) => encoder.finish().map_err(|e| e.to_string()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    fn record(n: u8) -> SubmittedRecord {
        SubmittedRecord {
            encoding: EncodedRecord {
                record_ref: format!("{:A>22}", n),
                keys: Vec::new(),
                ids: Vec::new(),
                forename_bf: None,
                surname_bf: None,
                names_bf: None,
                under_id: None,
                dob_check: Some(n),
                sex_check: None,
            },
            case: (n % 2 == 0).then(|| CaseFields {
                referral_reason: ReferralReason::Rtl,
                referral_source: ReferralSource::Sch,
                referred_on: NaiveDate::from_ymd_opt(2026, 9, 14).unwrap(),
            }),
        }
    }

    fn body_of(gzip: bool, records: Vec<Result<SubmittedRecord, String>>) -> (Vec<u8>, u64) {
        let (sender, mut receiver) = tokio::sync::mpsc::channel(1024);
        let sent = std::sync::atomic::AtomicU64::new(0);
        let progress = |n: u64| sent.store(n, std::sync::atomic::Ordering::Relaxed);
        produce(
            br#"{"batch_id":"b"}"#.to_vec(),
            records.into_iter(),
            gzip,
            Some(&progress),
            &sender,
        )
        .unwrap();
        drop(sender);
        let mut body = Vec::new();
        while let Some(Ok(chunk)) = receiver.blocking_recv() {
            body.extend_from_slice(&chunk);
        }
        (body, sent.into_inner())
    }

    #[test]
    fn a_streamed_body_is_a_header_line_then_one_record_per_line_with_case_fields_flattened() {
        let (body, n_sent) = body_of(false, vec![Ok(record(1)), Ok(record(2))]);
        let text = String::from_utf8(body).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(n_sent, 2);
        assert_eq!(lines[0], r#"{"batch_id":"b"}"#);
        assert_eq!(
            lines[1],
            r#"{"ref":"AAAAAAAAAAAAAAAAAAAAA1","keys":[],"dc":1}"#
        );
        assert_eq!(
            lines[2],
            r#"{"ref":"AAAAAAAAAAAAAAAAAAAAA2","keys":[],"dc":2,"referral_reason":"RTL","referral_source":"SCH","referred_on":"2026-09-14"}"#
        );
    }

    #[test]
    fn a_gzip_body_decompresses_to_the_plain_one() {
        let records = || (0..50).map(|n| Ok(record(n))).collect::<Vec<_>>();
        let (plain, _) = body_of(false, records());
        let (zipped, _) = body_of(true, records());
        let mut unzipped = Vec::new();
        flate2::read::GzDecoder::new(&zipped[..])
            .read_to_end(&mut unzipped)
            .unwrap();
        assert_eq!(unzipped, plain);
    }

    #[test]
    fn an_unreadable_record_aborts_the_upload_with_its_message() {
        let (sender, _receiver) = tokio::sync::mpsc::channel(1024);
        let records = vec![
            Ok(record(1)),
            Err("line 3: not an encoded record".to_string()),
        ];
        let error = produce(b"{}".to_vec(), records.into_iter(), false, None, &sender);
        assert_eq!(error, Err("line 3: not an encoded record".to_string()));
    }
}
