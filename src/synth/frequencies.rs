//! How often each name occurs in a community: a rank-frequency law `share(r) ∝ r^-α` over the
//! community's listed names (ranks 1..n, most common first) followed by rarer names spliced
//! from them, with `α` fitted so that the most common name has the share the community's
//! statistics give ([`Shares::top`]) and the mass spreads over about [`Shares::distinct`] names.
//!
//! Why it matters: how often two *different* children share a name is what makes linkage hard.
//! A pool of 50 surnames drawn by a plain Zipf law gives its top name ~12% of the community;
//! Smith is carried by about 1.3% of people in England and Wales (the Registrar General's and
//! later surveys of the leading surnames, 1853–1996, all give 1.2–1.4%), and Oliver, the top
//! boys' name of recent cohorts, by about 1.5–2% of boys. Name collisions, and so the benchmark's
//! false-match traps, would otherwise be some hundred times more frequent than in life.
//!
//! Spliced names (`Kowalski` + `Wiśniewski` → `Kowniewski`) keep the community's letters,
//! diacritics and sex-dependent surname endings; they stand for the long tail of real names
//! that no short list can hold.

use std::collections::{HashMap, HashSet};
use std::sync::OnceLock;

use rand::Rng;
use rand_chacha::ChaCha8Rng;

use super::names::{Pool, ALL_POOLS};

/// One kind of name's frequency facts in a community.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Shares {
    /// Share of the community carrying its most common name (0..1).
    pub top: f64,
    /// About how many distinct names carry the community's names (capped by what the pool's
    /// names can be spliced into).
    pub distinct: usize,
}

impl Shares {
    /// `top` share, `distinct` names.
    pub const fn new(top: f64, distinct: usize) -> Self {
        Shares { top, distinct }
    }
}

/// A community's three kinds of name.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Frequencies {
    /// Boys' forenames.
    pub boys: Shares,
    /// Girls' forenames.
    pub girls: Shares,
    /// Surnames.
    pub surnames: Shares,
}

/// Which list of a pool.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Kind {
    Boys,
    Girls,
    Surnames,
}

/// The fitted law of one kind of name in one community.
#[derive(Debug)]
pub(crate) struct NameLaw {
    names: Vec<String>,
    /// Cumulative shares, ending at 1.
    cumulative: Vec<f64>,
}

impl NameLaw {
    fn fit(listed: &[&str], shares: Shares) -> Self {
        let mut names: Vec<String> = listed.iter().map(|s| s.to_string()).collect();
        let wanted = shares.distinct.max(names.len());
        if wanted > names.len() {
            names.extend(spliced(listed).into_iter().take(wanted - names.len()));
        }
        let alpha = exponent(shares.top, names.len());
        let weights: Vec<f64> = (1..=names.len()).map(|r| (r as f64).powf(-alpha)).collect();
        let total: f64 = weights.iter().sum();
        let mut running = 0.0;
        let mut cumulative: Vec<f64> = weights
            .iter()
            .map(|w| {
                running += w / total;
                running
            })
            .collect();
        if let Some(last) = cumulative.last_mut() {
            *last = 1.0;
        }
        NameLaw { names, cumulative }
    }

    /// One name drawn by the law.
    pub(crate) fn draw(&self, rng: &mut ChaCha8Rng) -> &str {
        let x = rng.gen::<f64>();
        let rank = self
            .cumulative
            .partition_point(|c| *c < x)
            .min(self.names.len() - 1);
        &self.names[rank]
    }

    /// How many distinct names the law draws from.
    pub(crate) fn len(&self) -> usize {
        self.names.len()
    }

    /// The share of the most common name.
    #[cfg(test)]
    fn top_share(&self) -> f64 {
        self.cumulative[0]
    }

    /// The chance that two people drawn independently carry the same name.
    #[cfg(test)]
    fn collision(&self) -> f64 {
        let mut previous = 0.0;
        self.cumulative
            .iter()
            .map(|c| {
                let p = c - previous;
                previous = *c;
                p * p
            })
            .sum()
    }
}

/// The law of `kind` names in `pool` (fitted once per process).
pub(crate) fn law(pool: &Pool, kind: Kind) -> &'static NameLaw {
    static LAWS: OnceLock<HashMap<(&'static str, Kind), NameLaw>> = OnceLock::new();
    let laws = LAWS.get_or_init(|| {
        let mut laws = HashMap::new();
        for pool in ALL_POOLS {
            let f = pool.frequencies;
            laws.insert((pool.label, Kind::Boys), NameLaw::fit(pool.boys, f.boys));
            laws.insert((pool.label, Kind::Girls), NameLaw::fit(pool.girls, f.girls));
            laws.insert(
                (pool.label, Kind::Surnames),
                NameLaw::fit(pool.surnames, f.surnames),
            );
        }
        laws
    });
    &laws[&(pool.label, kind)]
}

/// The exponent `α` with `Σ_{r=1..n} top · r^-α = 1`: 0 (every name equally common) when even
/// that leaves the top name below `top`.
fn exponent(top: f64, n: usize) -> f64 {
    let mass = |alpha: f64| -> f64 { (1..=n).map(|r| top * (r as f64).powf(-alpha)).sum() };
    if mass(0.0) <= 1.0 {
        return 0.0;
    }
    let (mut lo, mut hi) = (0.0_f64, 4.0_f64);
    for _ in 0..60 {
        let mid = (lo + hi) / 2.0;
        if mass(mid) > 1.0 {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    (lo + hi) / 2.0
}

/// Rarer names made from pairs of listed names, commoner pairs first; none repeats a listed
/// name or another spliced one.
fn spliced(listed: &[&str]) -> Vec<String> {
    let mut seen: HashSet<String> = listed.iter().map(|s| s.to_lowercase()).collect();
    let mut pairs: Vec<(usize, usize)> = (0..listed.len())
        .flat_map(|i| {
            (0..listed.len())
                .filter(move |j| *j != i)
                .map(move |j| (i, j))
        })
        .collect();
    pairs.sort_by_key(|(i, j)| (i + j, *i));
    pairs
        .into_iter()
        .filter_map(|(i, j)| splice(listed[i], listed[j]))
        .filter(|name| usable(name) && seen.insert(name.to_lowercase()))
        .collect()
}

/// Whether every form of a spliced name is a name the encoder accepts (a splice can make a
/// placeholder: `Nóra` + `Siobhán` → `Nóne`, read as "none").
fn usable(name: &str) -> bool {
    name.split('|').all(|form| {
        crate::encode::normalise::Forename::parse(form).is_ok()
            && crate::encode::normalise::Surname::parse(form).is_ok()
    })
}

/// The first half of `a` joined to the second half of `b`: of the last words of ungendered
/// names, or of the common stems of `male|female` surnames (so the sexes keep their endings).
fn splice(a: &str, b: &str) -> Option<String> {
    match (a.split_once('|'), b.split_once('|')) {
        (None, None) => {
            let (lead, a_word) = a.rsplit_once(' ').map_or(("", a), |(l, w)| (l, w));
            let b_word = b.rsplit(' ').next().unwrap_or(b);
            let a_chars: Vec<char> = a_word.chars().collect();
            let b_chars: Vec<char> = b_word.chars().collect();
            if a_chars.len() < 3 || b_chars.len() < 3 {
                return None;
            }
            let stem: String = a_chars[..a_chars.len().div_ceil(2)]
                .iter()
                .chain(&b_chars[b_chars.len() / 2..])
                .collect();
            Some(if lead.is_empty() {
                stem
            } else {
                format!("{lead} {stem}")
            })
        }
        (Some((a_male, a_female)), Some((b_male, b_female))) => {
            let a_common = common_prefix(a_male, a_female);
            let b_common = common_prefix(b_male, b_female);
            if a_common < 3 || b_common < 3 {
                return None;
            }
            let head: String = a_male.chars().take(a_common.div_ceil(2)).collect();
            let tail = |form: &str| -> String { form.chars().skip(b_common / 2).collect() };
            Some(format!("{head}{}|{head}{}", tail(b_male), tail(b_female)))
        }
        _ => None,
    }
}

/// Characters `a` and `b` share at their start.
fn common_prefix(a: &str, b: &str) -> usize {
    a.chars().zip(b.chars()).take_while(|(x, y)| x == y).count()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::synth::names::{ENGLISH, POLISH};

    #[test]
    fn the_top_name_has_the_share_the_statistics_give() {
        let surnames = law(&ENGLISH, Kind::Surnames);
        assert!(surnames.len() >= 2000, "{} surnames", surnames.len());
        assert!(
            (surnames.top_share() - ENGLISH.frequencies.surnames.top).abs() < 1e-3,
            "Smith's share {}",
            surnames.top_share()
        );
        // Random isonymy in English populations is of the order of 10^-3.
        assert!(surnames.collision() < 2e-3, "{}", surnames.collision());
    }

    #[test]
    fn drawing_follows_the_law() {
        use rand::SeedableRng;
        let boys = law(&ENGLISH, Kind::Boys);
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        let n = 200_000;
        let top = (0..n).filter(|_| boys.draw(&mut rng) == "Oliver").count();
        let share = top as f64 / n as f64;
        assert!((share - boys.top_share()).abs() < 0.002, "Oliver {share}");
    }

    #[test]
    fn spliced_names_keep_the_sexes_endings_and_never_repeat() {
        assert_eq!(
            splice("Kowalski|Kowalska", "Wiśniewski|Wiśniewska").as_deref(),
            Some("Kowaiewski|Kowaiewska")
        );
        assert_eq!(splice("Oliver", "George").as_deref(), Some("Olirge"));
        assert_eq!(
            splice("Mac Gabhann", "Ó Briain").as_deref(),
            Some("Mac Gabhain")
        );
        assert_eq!(
            splice("Ó Briain|Ní Bhriain", "Ó Ceallaigh|Ní Cheallaigh"),
            None
        );
        let tail = spliced(POLISH.surnames);
        let distinct: HashSet<String> = tail.iter().map(|s| s.to_lowercase()).collect();
        assert_eq!(distinct.len(), tail.len());
        assert!(POLISH
            .surnames
            .iter()
            .all(|s| !tail.contains(&s.to_string())));
    }

    #[test]
    fn the_exponent_spreads_the_mass_as_asked() {
        let alpha = exponent(0.013, 2500);
        let mass: f64 = (1..=2500).map(|r| 0.013 * (r as f64).powf(-alpha)).sum();
        assert!((mass - 1.0).abs() < 1e-9);
        assert_eq!(
            exponent(0.001, 100),
            0.0,
            "too few names: all equally common"
        );
    }
}
