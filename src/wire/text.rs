//! The text forms of the wire types (protocol.md §6.2): match keys as `FFGG` + base64url,
//! identifier tokens as `<scheme>:<base64url>`, filters as base64url of their bytes; serde
//! reads and writes them as these strings.

use std::fmt;
use std::str::FromStr;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde::{Deserialize, Serialize};

use crate::wire::filters::Bloom;
use crate::wire::record::IdToken;
use crate::wire::scheme::Scheme;
use crate::wire::tokens::{flags, KeyFamily, MatchKey, TOKEN_BYTES};

/// Why a wire value could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WireError {
    /// A match key string is malformed.
    #[error("match key `{0}`: expected FFGG followed by 22 base64url characters (FF family, GG flags, in hex)")]
    MatchKey(String),
    /// An identifier token string is malformed.
    #[error("identifier token `{0}`: expected <scheme>:<22 base64url characters>")]
    IdToken(String),
    /// A filter is malformed.
    #[error("Bloom filter: expected base64url of {0} bytes")]
    Bloom(usize),
}

fn decode_token(text: &str) -> Option<[u8; TOKEN_BYTES]> {
    if text.len() != 22 {
        return None;
    }
    URL_SAFE_NO_PAD.decode(text).ok()?.try_into().ok()
}

impl fmt::Display for MatchKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:02x}{:02x}{}",
            self.family.code(),
            self.flags,
            URL_SAFE_NO_PAD.encode(self.token)
        )
    }
}

impl FromStr for MatchKey {
    type Err = WireError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let err = || WireError::MatchKey(s.chars().take(40).collect());
        if s.len() != 26 || !s.is_ascii() {
            return Err(err());
        }
        let family = u8::from_str_radix(&s[0..2], 16)
            .ok()
            .and_then(KeyFamily::from_code)
            .ok_or_else(err)?;
        let flag_bits = u8::from_str_radix(&s[2..4], 16).map_err(|_| err())?;
        if flag_bits & !flags::ALL != 0 {
            return Err(err());
        }
        let token = decode_token(&s[4..]).ok_or_else(err)?;
        Ok(MatchKey {
            family,
            flags: flag_bits,
            token,
        })
    }
}

impl fmt::Display for IdToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}",
            self.scheme.as_str(),
            URL_SAFE_NO_PAD.encode(self.token)
        )
    }
}

impl FromStr for IdToken {
    type Err = WireError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let err = || WireError::IdToken(s.chars().take(40).collect());
        let (scheme, token) = s.split_once(':').ok_or_else(err)?;
        let scheme = Scheme::ALL
            .into_iter()
            .find(|x| x.as_str() == scheme)
            .ok_or_else(err)?;
        Ok(IdToken {
            scheme,
            token: decode_token(token).ok_or_else(err)?,
        })
    }
}

impl<const W: usize> fmt::Display for Bloom<W> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&URL_SAFE_NO_PAD.encode(self.to_bytes()))
    }
}

impl<const W: usize> FromStr for Bloom<W> {
    type Err = WireError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bytes = URL_SAFE_NO_PAD
            .decode(s)
            .map_err(|_| WireError::Bloom(W * 8))?;
        Bloom::from_bytes(&bytes).ok_or(WireError::Bloom(W * 8))
    }
}

macro_rules! serde_via_string {
    ($ty:ty) => {
        impl Serialize for $ty {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.collect_str(self)
            }
        }
        impl<'de> Deserialize<'de> for $ty {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
                text.parse().map_err(serde::de::Error::custom)
            }
        }
    };
}
serde_via_string!(MatchKey);
serde_via_string!(IdToken);
impl<const W: usize> Serialize for Bloom<W> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}
impl<'de, const W: usize> Deserialize<'de> for Bloom<W> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}
