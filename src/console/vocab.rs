//! The CME process codes (domain notes §10), the upload roles and the hub's other codes
//! (candidate states, decision reasons, jurisdictions), in a coordinator's words from the
//! message catalogue: every page that shows or offers a code shows these words beside it.

use crate::console::i18n::{t, t_code};
use crate::store::{
    CandidateState, CaseOutcome, ConfirmReason, Jurisdiction, ReferralReason, ReferralSource,
    RejectReason, Role, VerifiedOutcome,
};

/// A referral reason as words (domain notes §10).
pub fn reason_words(reason: ReferralReason) -> String {
    t_code("reason", reason.as_str())
}

/// A referral source as words (domain notes §10).
pub fn source_words(source: ReferralSource) -> String {
    t_code("source", source.as_str())
}

/// A case outcome as words (domain notes §10).
pub fn outcome_words(outcome: CaseOutcome) -> String {
    t_code("outcome", outcome.as_str())
}

/// What a batch of records is, in plain words.
pub fn role_words(role: Role) -> String {
    t_code("role", role.as_str())
}

/// A follow-up kind (`6_weeks`, `18_weeks`) as words.
pub fn follow_up_words(kind: &str) -> String {
    match kind {
        "6_weeks" => t("follow-up-6-weeks"),
        "18_weeks" => t("follow-up-18-weeks"),
        other => other.to_string(),
    }
}

/// The hub's codes that pages show as words (`code-…` messages): decision kinds and reasons,
/// verdicts, candidate states, jurisdictions.
fn hub_codes() -> Vec<&'static str> {
    let mut codes = vec!["confirm", "reject"];
    codes.extend(ConfirmReason::ALL.iter().map(|c| c.as_str()));
    codes.extend(RejectReason::ALL.iter().map(|c| c.as_str()));
    codes.extend(VerifiedOutcome::ALL.iter().map(|c| c.as_str()));
    codes.extend(CandidateState::ALL.iter().map(|c| c.as_str()));
    codes.extend(Jurisdiction::ALL.iter().map(|c| c.as_str()));
    codes
}

/// A hub code (a reason such as `names_and_dob_agree`, a state, a jurisdiction) as words; a
/// code this console does not know is shown as the hub sent it, in words.
pub fn code_words(code: &str) -> String {
    if hub_codes().contains(&code) {
        t_code("code", code)
    } else {
        crate::console::html::code_words(code)
    }
}

/// Every family of coded messages and its codes, for the catalogue's completeness test.
pub fn code_families() -> Vec<(&'static str, Vec<String>)> {
    let families: Vec<(&'static str, Vec<&'static str>)> = vec![
        (
            "reason",
            ReferralReason::ALL.iter().map(|c| c.as_str()).collect(),
        ),
        (
            "source",
            ReferralSource::ALL.iter().map(|c| c.as_str()).collect(),
        ),
        (
            "outcome",
            CaseOutcome::ALL.iter().map(|c| c.as_str()).collect(),
        ),
        ("role", Role::ALL.iter().map(|c| c.as_str()).collect()),
        ("code", hub_codes()),
        ("field", crate::console::html::DISCLOSED_FIELDS.to_vec()),
    ];
    families
        .into_iter()
        .map(|(family, codes)| (family, codes.into_iter().map(str::to_string).collect()))
        .chain(std::iter::once((
            "level",
            crate::console::evidence::level_codes(),
        )))
        .chain(std::iter::once((
            "hub-problem",
            crate::console::problems::hub_problem_slugs(),
        )))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_reads_as_words_led_by_the_code_itself() {
        for r in ReferralReason::ALL {
            assert!(reason_words(*r).starts_with(r.as_str()));
        }
        for s in ReferralSource::ALL {
            assert!(source_words(*s).starts_with(s.as_str()));
        }
        for o in CaseOutcome::ALL {
            assert!(outcome_words(*o).starts_with(o.as_str()));
        }
        assert_eq!(follow_up_words("6_weeks"), "6-week check");
    }

    #[test]
    fn hub_codes_read_as_the_words_they_always_had_in_english() {
        assert_eq!(code_words("names_and_dob_agree"), "Names and dob agree");
        assert_eq!(code_words("confirmed_one"), "Confirmed one");
        assert_eq!(code_words("something_new"), "Something new");
    }
}
