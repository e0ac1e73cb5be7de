//! Checks submitted records field by field before anything is written, collecting every
//! problem with its record index and field, so one response lists everything to fix.

use std::collections::HashMap;
use std::str::FromStr;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde_json::{Map, Value};

use super::problem::FieldError;
use crate::store::{CaseInfo, Role};
use crate::wire::MatchKey;
use crate::wire::UnderId;
use crate::wire::{EncodedRecord, IdToken};
use crate::wire::{NameBloom, NamesBloom};

const RECORD_FIELDS: [&str; 9] = ["ref", "keys", "ids", "fbf", "sbf", "nbf", "uid", "dc", "sc"];
const CASE_FIELDS: [&str; 3] = ["referral_reason", "referral_source", "referred_on"];

/// A record that passed every check.
#[derive(Debug, Clone)]
pub struct ValidRecord {
    /// The encoding as the authority sent it (before the hub layer).
    pub encoding: EncodedRecord,
    /// Case metadata, for role `missing`.
    pub case: Option<CaseInfo>,
}

struct Checker<'a> {
    index: usize,
    object: &'a Map<String, Value>,
    errors: Vec<FieldError>,
    /// Prepended to every field name (`uid.` for the fields of the nested `uid` object).
    prefix: &'static str,
}

impl<'a> Checker<'a> {
    fn new(index: usize, object: &'a Map<String, Value>, prefix: &'static str) -> Self {
        Checker {
            index,
            object,
            errors: Vec::new(),
            prefix,
        }
    }

    fn error(&mut self, field: impl Into<String>, message: impl Into<String>) {
        self.errors.push(FieldError {
            record: self.index,
            field: format!("{}{}", self.prefix, field.into()),
            message: message.into(),
        });
    }

    fn string(&mut self, field: &str, required: bool) -> Option<&'a str> {
        match self.object.get(field) {
            None | Some(Value::Null) if required => {
                self.error(field, "required");
                None
            }
            None | Some(Value::Null) => None,
            Some(Value::String(s)) => Some(s),
            Some(_) => {
                self.error(field, "expected a string");
                None
            }
        }
    }

    fn parsed<T: FromStr>(&mut self, field: &str, required: bool) -> Option<T>
    where
        T::Err: std::fmt::Display,
    {
        let text = self.string(field, required)?;
        match text.parse() {
            Ok(value) => Some(value),
            Err(e) => {
                self.error(field, e.to_string());
                None
            }
        }
    }

    fn list<T: FromStr>(&mut self, field: &str) -> Vec<T>
    where
        T::Err: std::fmt::Display,
    {
        let items = match self.object.get(field) {
            None | Some(Value::Null) => return Vec::new(),
            Some(Value::Array(items)) => items,
            Some(_) => {
                self.error(field, "expected an array of strings");
                return Vec::new();
            }
        };
        let mut out = Vec::with_capacity(items.len());
        for (i, item) in items.iter().enumerate() {
            match item.as_str().map(str::parse::<T>) {
                Some(Ok(value)) => out.push(value),
                Some(Err(e)) => self.error(format!("{field}[{i}]"), e.to_string()),
                None => self.error(format!("{field}[{i}]"), "expected a string"),
            }
        }
        out
    }

    /// `uid`: `{"id": "<scheme>:<token>", "nbf": "<filter>", "dc": <u32>}`, whose identifier
    /// must be one of the record's `ids`, with at least one of `nbf` and `dc`.
    fn under_id(&mut self, field: &str, ids: &[IdToken]) -> Option<UnderId> {
        let object = match self.object.get(field) {
            None | Some(Value::Null) => return None,
            Some(Value::Object(object)) => object,
            Some(_) => {
                self.error(
                    field,
                    "expected an object {\"id\": …, \"nbf\": …, \"dc\": …}",
                );
                return None;
            }
        };
        let mut nested = Checker::new(self.index, object, "uid.");
        for key in object.keys() {
            if !["id", "nbf", "dc"].contains(&key.as_str()) {
                nested.error(key.as_str(), "unknown field");
            }
        }
        let id: Option<IdToken> = nested.parsed("id", true);
        let id = id.filter(|id| {
            let known = ids.contains(id);
            if !known {
                nested.error("id", "not one of the record's `ids`");
            }
            known
        });
        let names: Option<NameBloom> = nested.parsed("nbf", false);
        let dob_check: Option<u32> = nested.integer("dc");
        if nested.errors.is_empty() && names.is_none() && dob_check.is_none() {
            self.error(field, "needs `nbf` or `dc`");
            return None;
        }
        if !nested.errors.is_empty() {
            self.errors.append(&mut nested.errors);
            return None;
        }
        Some(UnderId {
            id: id?,
            names,
            dob_check,
        })
    }

    /// An optional integer field that must fit `T` (a check byte, or a 32-bit check).
    fn integer<T: TryFrom<u64> + num_bounds::Max>(&mut self, field: &str) -> Option<T> {
        match self.object.get(field) {
            None | Some(Value::Null) => None,
            Some(v) => match v.as_u64().and_then(|n| T::try_from(n).ok()) {
                Some(value) => Some(value),
                None => {
                    self.error(field, format!("expected an integer from 0 to {}", T::MAX));
                    None
                }
            },
        }
    }
}

/// The largest value of an unsigned integer type, for error messages.
mod num_bounds {
    pub trait Max {
        const MAX: u64;
    }
    impl Max for u8 {
        const MAX: u64 = u8::MAX as u64;
    }
    impl Max for u32 {
        const MAX: u64 = u32::MAX as u64;
    }
}

/// Checks one record of a batch with role `role`. `today` bounds referral dates.
pub fn check_record(
    index: usize,
    value: &Value,
    role: Role,
    today: chrono::NaiveDate,
) -> Result<ValidRecord, Vec<FieldError>> {
    let Some(object) = value.as_object() else {
        return Err(vec![FieldError {
            record: index,
            field: String::new(),
            message: "expected a JSON object".into(),
        }]);
    };
    let mut c = Checker::new(index, object, "");
    for field in object.keys() {
        let known = RECORD_FIELDS.contains(&field.as_str())
            || (role == Role::Missing && CASE_FIELDS.contains(&field.as_str()));
        if !known {
            let why = if CASE_FIELDS.contains(&field.as_str()) {
                "case fields are accepted only with role `missing`"
            } else {
                "unknown field"
            };
            c.error(field.clone(), why);
        }
    }
    let record_ref = c.string("ref", true).map(str::to_string);
    if let Some(r) = &record_ref {
        let ok = r.len() == 22 && URL_SAFE_NO_PAD.decode(r).is_ok_and(|b| b.len() == 16);
        if !ok {
            c.error("ref", "expected 22 base64url characters (protocol.md §2.3)");
        }
    }
    let keys: Vec<MatchKey> = c.list("keys");
    let ids: Vec<IdToken> = c.list("ids");
    if keys.is_empty() && ids.is_empty() && c.errors.is_empty() {
        c.error(
            "keys",
            "a record needs at least one match key or identifier token",
        );
    }
    let forename_bf: Option<NameBloom> = c.parsed("fbf", false);
    let surname_bf: Option<NameBloom> = c.parsed("sbf", false);
    let names_bf: Option<NamesBloom> = c.parsed("nbf", false);
    let under_id = c.under_id("uid", &ids);
    let dob_check: Option<u8> = c.integer("dc");
    let sex_check: Option<u8> = c.integer("sc");
    let case = if role == Role::Missing {
        let referral_reason = c.parsed("referral_reason", true);
        let referral_source = c.parsed("referral_source", true);
        let referred_on = c.string("referred_on", true).and_then(|d| {
            match chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d") {
                Ok(date) if date <= today => Some(date.to_string()),
                Ok(_) => {
                    c.error("referred_on", "the referral date is in the future");
                    None
                }
                Err(_) => {
                    c.error("referred_on", "expected a date YYYY-MM-DD");
                    None
                }
            }
        });
        match (referral_reason, referral_source, referred_on) {
            (Some(referral_reason), Some(referral_source), Some(referred_on)) => Some(CaseInfo {
                referral_reason,
                referral_source,
                referred_on,
            }),
            _ => None,
        }
    } else {
        None
    };
    if !c.errors.is_empty() {
        return Err(c.errors);
    }
    Ok(ValidRecord {
        encoding: EncodedRecord {
            record_ref: record_ref.unwrap_or_default(),
            keys,
            ids,
            forename_bf,
            surname_bf,
            names_bf,
            under_id,
            dob_check,
            sex_check,
        },
        case,
    })
}

/// Checks every record of a batch, including that references are unique within it.
/// Returns the valid records, or every error (each record's errors in field order).
pub fn check_batch(
    records: &[Value],
    role: Role,
    today: chrono::NaiveDate,
) -> Result<Vec<ValidRecord>, (Vec<FieldError>, usize)> {
    let mut valid = Vec::with_capacity(records.len());
    let mut errors = Vec::new();
    let mut n_invalid = 0;
    let mut first_seen: HashMap<String, usize> = HashMap::with_capacity(records.len());
    for (index, value) in records.iter().enumerate() {
        match check_record(index, value, role, today) {
            Ok(record) => {
                if let Some(first) = first_seen.get(&record.encoding.record_ref) {
                    n_invalid += 1;
                    errors.push(FieldError {
                        record: index,
                        field: "ref".into(),
                        message: format!("duplicate of record {first} in this batch"),
                    });
                } else {
                    first_seen.insert(record.encoding.record_ref.clone(), index);
                    valid.push(record);
                }
            }
            Err(mut e) => {
                n_invalid += 1;
                errors.append(&mut e);
            }
        }
    }
    if errors.is_empty() {
        Ok(valid)
    } else {
        Err((errors, n_invalid))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn today() -> chrono::NaiveDate {
        chrono::NaiveDate::from_ymd_opt(2026, 11, 22).unwrap()
    }

    #[test]
    fn every_bad_field_of_every_record_is_listed() {
        let records = vec![
            json!({"ref": "short", "keys": ["zz"]}),
            json!({"ref": "AAAAAAAAAAAAAAAAAAAAAA", "keys": ["0100AAAAAAAAAAAAAAAAAAAAAA"], "dc": 300}),
        ];
        let (errors, n_invalid) = check_batch(&records, Role::Roll, today()).unwrap_err();
        assert_eq!(n_invalid, 2);
        let fields: Vec<(usize, &str)> = errors
            .iter()
            .map(|e| (e.record, e.field.as_str()))
            .collect();
        assert_eq!(fields, vec![(0, "ref"), (0, "keys[0]"), (1, "dc")]);
    }

    #[test]
    fn missing_records_need_case_metadata_and_rolls_refuse_it() {
        let record = json!({"ref": "AAAAAAAAAAAAAAAAAAAAAA", "keys": ["0100AAAAAAAAAAAAAAAAAAAAAA"],
            "referral_reason": "XXX", "referred_on": "2030-01-01"});
        let errors = check_record(0, &record, Role::Missing, today()).unwrap_err();
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            vec!["referral_reason", "referral_source", "referred_on"]
        );
        let errors = check_record(0, &record, Role::Roll, today()).unwrap_err();
        assert_eq!(errors[0].field, "referral_reason");
    }

    #[test]
    fn what_is_under_an_identifier_must_name_one_of_the_records_identifiers() {
        let id = "upn:AAAAAAAAAAAAAAAAAAAAAA";
        let filter = "A".repeat(43);
        let good = json!({"ref": "AAAAAAAAAAAAAAAAAAAAAA", "ids": [id],
            "uid": {"id": id, "nbf": filter, "dc": 4_000_000_000u32}});
        let valid = check_record(0, &good, Role::Roll, today()).unwrap();
        let under = valid.encoding.under_id.unwrap();
        assert_eq!(under.dob_check, Some(4_000_000_000));
        assert!(under.names.is_some());
        for (uid, field) in [
            (
                json!({"id": "scn:AAAAAAAAAAAAAAAAAAAAAA", "dc": 1}),
                "uid.id",
            ),
            (json!({"id": id}), "uid"),
            (json!({"id": id, "dc": -1}), "uid.dc"),
            (json!({"id": id, "nbf": "short"}), "uid.nbf"),
            (json!({"id": id, "dc": 1, "extra": 1}), "uid.extra"),
            (json!({"dc": 1}), "uid.id"),
            (json!("upn"), "uid"),
        ] {
            let mut record = good.clone();
            record["uid"] = uid.clone();
            let errors = check_record(0, &record, Role::Roll, today()).unwrap_err();
            assert_eq!(errors[0].field, field, "{uid}");
        }
    }

    #[test]
    fn duplicate_references_in_one_batch_are_refused() {
        let r = json!({"ref": "AAAAAAAAAAAAAAAAAAAAAA", "keys": ["0100AAAAAAAAAAAAAAAAAAAAAA"]});
        let (errors, _) = check_batch(&[r.clone(), r], Role::Roll, today()).unwrap_err();
        assert_eq!(errors[0].message, "duplicate of record 0 in this batch");
    }
}
