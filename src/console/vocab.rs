//! The CME process codes (domain notes §10) and the upload roles, in a coordinator's words:
//! every page that shows or offers a code shows these words beside it.

use crate::store::{CaseOutcome, ReferralReason, ReferralSource, Role};

/// A referral reason as words (domain notes §10).
pub fn reason_words(reason: ReferralReason) -> &'static str {
    match reason {
        ReferralReason::Ftt => "FTT: failure to transfer",
        ReferralReason::Fse => "FSE: failure to start education",
        ReferralReason::Ftr => "FTR: failure to register",
        ReferralReason::Inf => "INF: information only",
        ReferralReason::Rtl => "RTL: reported to have left",
    }
}

/// A referral source as words (domain notes §10).
pub fn source_words(source: ReferralSource) -> &'static str {
    match source {
        ReferralSource::Aca => "ACA: academy",
        ReferralSource::Frs => "FRS: free school",
        ReferralSource::Ehe => "EHE: elective home education",
        ReferralSource::Ind => "IND: independent school",
        ReferralSource::Los => "LOS: lost pupils (S2S)",
        ReferralSource::Ola => "OLA: other LA",
        ReferralSource::Sch => "SCH: maintained school",
        ReferralSource::Soc => "SOC: social care",
        ReferralSource::Wla => "WLA: within LA",
        ReferralSource::Yos => "YOS: youth offending service",
        ReferralSource::Hea => "HEA: health or A&E",
    }
}

/// A case outcome as words (domain notes §10).
pub fn outcome_words(outcome: CaseOutcome) -> &'static str {
    match outcome {
        CaseOutcome::Dec => "DEC: deceased",
        CaseOutcome::Ehe => "EHE: elective home education",
        CaseOutcome::Emi => "EMI: emigrated or gone abroad",
        CaseOutcome::Ind => "IND: independent school",
        CaseOutcome::Nca => "NCA: not of compulsory school age",
        CaseOutcome::Ola => "OLA: found in another LA",
        CaseOutcome::Wla => "WLA: found within our LA",
        CaseOutcome::S2s => "S2S: uploaded to the S2S site",
    }
}

/// What a batch of records is, in plain words.
pub fn role_words(role: Role) -> &'static str {
    match role {
        Role::Roll => "Pupils on our roll",
        Role::Missing => "Children missing from education (open cases)",
    }
}

/// A follow-up kind (`6_weeks`, `18_weeks`) as words.
pub fn follow_up_words(kind: &str) -> &str {
    match kind {
        "6_weeks" => "6-week check",
        "18_weeks" => "18-week check",
        other => other,
    }
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
}
