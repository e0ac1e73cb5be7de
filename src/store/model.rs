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
