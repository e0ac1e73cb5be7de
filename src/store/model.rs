//! The closed vocabularies the hub stores: jurisdictions, record roles and the CME process codes
//! of domain notes §10 (Suffolk's referral reasons, sources and outcomes).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

macro_rules! code_enum {
    ($(#[$doc:meta])* $name:ident { $($(#[$vdoc:meta])* $variant:ident = $text:literal,)+ }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name {
            $($(#[$vdoc])* $variant,)+
        }

        impl $name {
            /// Every value, in documentation order.
            pub const ALL: &'static [$name] = &[$($name::$variant,)+];

            /// The stored and wire spelling.
            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text,)+
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl FromStr for $name {
            type Err = String;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                match s {
                    $($text => Ok($name::$variant),)+
                    _ => Err(format!(
                        "`{}` is not one of {}",
                        s.chars().take(40).collect::<String>(),
                        [$($text),+].join(", ")
                    )),
                }
            }
        }

        impl Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let text = <std::borrow::Cow<'de, str>>::deserialize(d)?;
                text.parse().map_err(serde::de::Error::custom)
            }
        }
    };
}

code_enum! {
    /// The five nations an authority can belong to.
    Jurisdiction {
        /// England.
        England = "england",
        /// Wales.
        Wales = "wales",
        /// Scotland.
        Scotland = "scotland",
        /// Northern Ireland.
        NorthernIreland = "northern_ireland",
        /// Ireland.
        Ireland = "ireland",
    }
}

code_enum! {
    /// What a submitted record stands for.
    Role {
        /// A child missing from education: an open CME case.
        Missing = "missing",
        /// A pupil on the authority's rolls (including new registrations).
        Roll = "roll",
    }
}

code_enum! {
    /// What an authority's daily limits under an agreement count (protocol.md §13.4).
    Metered {
        /// Open CME cases submitted (records of role `missing`, whether uploaded or opened by
        /// a search).
        Cases = "cases",
        /// National searches.
        Searches = "searches",
    }
}

code_enum! {
    /// How a roll submission relates to what the authority sent before.
    SubmitMode {
        /// Add or update the records sent; keep the others.
        Incremental = "incremental",
        /// The records sent are the whole roll: withdraw the authority's other roll records
        /// under the same agreement and epoch.
        Snapshot = "snapshot",
    }
}

code_enum! {
    /// Why a CME case was opened (domain notes §10, Suffolk codes).
    ReferralReason {
        /// Failure to transfer.
        Ftt = "FTT",
        /// Failure to start education.
        Fse = "FSE",
        /// Failure to register.
        Ftr = "FTR",
        /// Information only.
        Inf = "INF",
        /// Reported to have left.
        Rtl = "RTL",
    }
}

code_enum! {
    /// Who referred a CME case (domain notes §10, Suffolk codes).
    ReferralSource {
        /// Academy.
        Aca = "ACA",
        /// Free school.
        Frs = "FRS",
        /// Elective home education.
        Ehe = "EHE",
        /// Independent school.
        Ind = "IND",
        /// Lost pupils (S2S).
        Los = "LOS",
        /// Other LA.
        Ola = "OLA",
        /// Maintained school.
        Sch = "SCH",
        /// Social care.
        Soc = "SOC",
        /// Within LA.
        Wla = "WLA",
        /// Youth offending service.
        Yos = "YOS",
        /// Health / A&E.
        Hea = "HEA",
    }
}

code_enum! {
    /// How a CME case was closed (domain notes §10, Suffolk codes).
    CaseOutcome {
        /// Deceased.
        Dec = "DEC",
        /// Elective home education.
        Ehe = "EHE",
        /// Emigrated or gone abroad.
        Emi = "EMI",
        /// Independent school.
        Ind = "IND",
        /// Not of compulsory school age.
        Nca = "NCA",
        /// Other LA.
        Ola = "OLA",
        /// Within own LA.
        Wla = "WLA",
        /// Uploaded to the S2S site.
        S2s = "S2S",
    }
}

code_enum! {
    /// Where a candidate is in the two-sided confirmation workflow (protocol.md §11.1).
    CandidateState {
        /// Proposed by the matcher; neither side has decided.
        Proposed = "proposed",
        /// Confirmed by one side, whose sealed record waits at the hub.
        ConfirmedOne = "confirmed_one",
        /// Confirmed by both sides: each sealed record may be released to the other.
        ConfirmedBoth = "confirmed_both",
        /// At least one side has downloaded the other's sealed record.
        Disclosed = "disclosed",
        /// A coordinator verified the two records describe the same child.
        VerifiedSame = "verified_same",
        /// A coordinator found the two records describe different children.
        VerifiedDifferent = "verified_different",
        /// Rejected by either side before release; nothing is released.
        Rejected = "rejected",
        /// Not decided within the hub's confirmation window.
        Expired = "expired",
        /// One of the records was withdrawn or erased before release.
        Withdrawn = "withdrawn",
        /// The case was closed before both sides confirmed.
        CaseClosed = "case_closed",
    }
}

impl CandidateState {
    /// Whether no further decision can change the candidate.
    pub fn is_final(self) -> bool {
        matches!(
            self,
            CandidateState::Rejected
                | CandidateState::Expired
                | CandidateState::Withdrawn
                | CandidateState::CaseClosed
        )
    }

    /// Whether the candidate still waits for a side's decision, and so expires at the end of
    /// the hub's confirmation window (protocol.md §14.1).
    pub fn awaits_decision(self) -> bool {
        matches!(
            self,
            CandidateState::Proposed | CandidateState::ConfirmedOne
        )
    }

    /// Whether the sealed records may be released (both sides confirmed, nothing stopped it).
    pub fn is_released(self) -> bool {
        matches!(
            self,
            CandidateState::ConfirmedBoth
                | CandidateState::Disclosed
                | CandidateState::VerifiedSame
                | CandidateState::VerifiedDifferent
        )
    }
}

code_enum! {
    /// Why a side confirmed a candidate.
    ConfirmReason {
        /// A national identifier agrees (UPN, SCN, PPSN or NI pupil id).
        IdentifierAgrees = "identifier_agrees",
        /// Names and date of birth agree.
        NamesAndDobAgree = "names_and_dob_agree",
        /// Local enquiries (school, family, social care) support the match.
        LocalEnquiries = "local_enquiries",
        /// Another reason, given in the note.
        Other = "other",
    }
}

code_enum! {
    /// Why a side rejected a candidate.
    RejectReason {
        /// The evidence shows a different child.
        DifferentChild = "different_child",
        /// The dates of birth disagree.
        DobDiffers = "dob_differs",
        /// The names disagree.
        NamesDiffer = "names_differ",
        /// The case was resolved another way.
        AlreadyResolved = "already_resolved",
        /// Disclosure must not happen (e.g. a child in a refuge; domain notes §10).
        SafeguardingHold = "safeguarding_hold",
        /// Another reason, given in the note.
        Other = "other",
    }
}

code_enum! {
    /// A coordinator's verdict after comparing the two disclosed records.
    VerifiedOutcome {
        /// Both records describe the same child.
        SameChild = "same_child",
        /// The records describe different children.
        DifferentChild = "different_child",
    }
}

impl CaseOutcome {
    /// Whether the outcome means the child was found in education, so the case gets the 6- and
    /// 18-week follow-ups of domain notes §10. Deceased, emigrated, not of compulsory school age
    /// (reached school-leaving age) and posted to S2S close without follow-ups.
    pub fn is_found(self) -> bool {
        matches!(
            self,
            CaseOutcome::Ehe | CaseOutcome::Ind | CaseOutcome::Ola | CaseOutcome::Wla
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip_and_unknown_codes_are_named() {
        for j in Jurisdiction::ALL {
            assert_eq!(j.as_str().parse::<Jurisdiction>(), Ok(*j));
        }
        assert_eq!("RTL".parse(), Ok(ReferralReason::Rtl));
        let err = "XYZ".parse::<CaseOutcome>().unwrap_err();
        assert!(err.contains("DEC, EHE"), "{err}");
    }
}
