//! The attacker's world: a synthetic population of children with long-tailed (Zipf) forename
//! and surname frequencies, and the public frequency tables an attacker would hold for it.
//!
//! Heads of the tables are real common names of children in the UK; the tails are generated,
//! pronounceable and distinct. The attacker is given the *exact* distribution the population
//! was drawn from — the best case for the attacker.
//!
//! Density matters more than size: an equality group of a name+date encoding holds the
//! children who share both, so what decides an attack is how many children share a date. The
//! national pupil population (about 11.5 million over 14 school years, ~2,250 births a day) is
//! simulated at its real density by a sample whose dates of birth span `n / 2,250` days.

use chrono::{Days, NaiveDate};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::input::RawRecord;

/// Children born per day in the five nations' school population (11.5M over 14 years).
pub const NATIONAL_BIRTHS_PER_DAY: usize = 2_250;

/// Common forenames of children in the UK, most frequent first (the real head of the table).
const FORENAME_HEAD: [&str; 60] = [
    "oliver",
    "olivia",
    "muhammad",
    "amelia",
    "george",
    "isla",
    "noah",
    "ava",
    "arthur",
    "mia",
    "leo",
    "ivy",
    "oscar",
    "lily",
    "harry",
    "isabella",
    "archie",
    "rosie",
    "jack",
    "sophia",
    "henry",
    "grace",
    "charlie",
    "willow",
    "freddie",
    "freya",
    "theodore",
    "florence",
    "thomas",
    "emily",
    "finley",
    "ella",
    "theo",
    "poppy",
    "alfie",
    "evie",
    "jacob",
    "elsie",
    "ethan",
    "charlotte",
    "william",
    "evelyn",
    "lucas",
    "sienna",
    "tommy",
    "sofia",
    "isaac",
    "daisy",
    "james",
    "phoebe",
    "teddy",
    "sophie",
    "alexander",
    "alice",
    "joshua",
    "harper",
    "edward",
    "matilda",
    "max",
    "ruby",
];

/// Common surnames in the UK and Ireland, most frequent first.
const SURNAME_HEAD: [&str; 60] = [
    "smith",
    "jones",
    "williams",
    "taylor",
    "brown",
    "davies",
    "evans",
    "wilson",
    "thomas",
    "johnson",
    "roberts",
    "robinson",
    "thompson",
    "wright",
    "walker",
    "white",
    "edwards",
    "hughes",
    "green",
    "hall",
    "lewis",
    "harris",
    "clarke",
    "patel",
    "jackson",
    "wood",
    "turner",
    "martin",
    "cooper",
    "hill",
    "ward",
    "morris",
    "moore",
    "clark",
    "lee",
    "king",
    "baker",
    "harrison",
    "morgan",
    "allen",
    "james",
    "scott",
    "phillips",
    "watson",
    "davis",
    "parker",
    "price",
    "bennett",
    "young",
    "griffiths",
    "mitchell",
    "kelly",
    "cook",
    "carter",
    "richardson",
    "bailey",
    "collins",
    "bell",
    "shaw",
    "murphy",
];

/// A value with its public probability, most frequent first.
#[derive(Debug, Clone, PartialEq)]
pub struct Frequency {
    /// The folded name.
    pub value: String,
    /// Its share of the population.
    pub probability: f64,
}

/// How to draw a population.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PopulationConfig {
    /// Children.
    pub size: usize,
    /// Days over which dates of birth are spread (5,110 = 14 school years).
    pub dob_days: u64,
    /// Distinct forenames in the table.
    pub forenames: usize,
    /// Distinct surnames in the table.
    pub surnames: usize,
    /// Seed.
    pub seed: u64,
}

impl PopulationConfig {
    /// `size` children at the national density of births per day.
    pub fn national_density(size: usize, seed: u64) -> Self {
        PopulationConfig {
            size,
            dob_days: (size / NATIONAL_BIRTHS_PER_DAY).max(1) as u64,
            forenames: 30_000,
            surnames: 50_000,
            seed,
        }
    }

    /// `size` children spread over 14 school years (a sample far sparser than the nation).
    pub fn sparse(size: usize, seed: u64) -> Self {
        PopulationConfig {
            dob_days: 14 * 365,
            ..Self::national_density(size, seed)
        }
    }
}

/// One synthetic child.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Child {
    /// Index into [`Population::forenames`].
    pub forename: u32,
    /// Index into [`Population::surnames`].
    pub surname: u32,
    /// Date of birth.
    pub dob: NaiveDate,
    /// `true` for female.
    pub female: bool,
}

/// Children and the public frequency tables they were drawn from.
#[derive(Debug, Clone)]
pub struct Population {
    /// The forename table, most frequent first.
    pub forenames: Vec<Frequency>,
    /// The surname table, most frequent first.
    pub surnames: Vec<Frequency>,
    /// The children.
    pub children: Vec<Child>,
    /// The first date of birth.
    pub first_dob: NaiveDate,
    /// Days spanned by the dates of birth.
    pub dob_days: u64,
}

impl Population {
    /// Draws a population (deterministic in the config).
    pub fn generate(config: PopulationConfig) -> Population {
        let mut rng = ChaCha8Rng::seed_from_u64(config.seed);
        // Zipf–Mandelbrot weights fitted to UK statistics: the top forename is ~0.8% of all
        // children (ONS: Muhammad 0.7%, Oliver 0.6% of births) and Smith ~1.3% of surnames.
        let forenames = zipf_table(&FORENAME_HEAD, config.forenames, 15.0, &mut rng);
        let surnames = zipf_table(&SURNAME_HEAD, config.surnames, 8.0, &mut rng);
        let pick_forename = Sampler::new(&forenames);
        let pick_surname = Sampler::new(&surnames);
        let first_dob = NaiveDate::from_ymd_opt(2012, 9, 1).expect("valid date");
        let children = (0..config.size)
            .map(|_| Child {
                forename: pick_forename.draw(&mut rng),
                surname: pick_surname.draw(&mut rng),
                dob: first_dob + Days::new(rng.gen_range(0..config.dob_days)),
                female: rng.gen(),
            })
            .collect();
        Population {
            forenames,
            surnames,
            children,
            first_dob,
            dob_days: config.dob_days,
        }
    }

    /// The forename of a child.
    pub fn forename(&self, child: &Child) -> &str {
        &self.forenames[child.forename as usize].value
    }

    /// The surname of a child.
    pub fn surname(&self, child: &Child) -> &str {
        &self.surnames[child.surname as usize].value
    }

    /// Child `i` as an authority's input record (names, date of birth, sex).
    pub fn raw_record(&self, i: usize) -> RawRecord {
        let child = &self.children[i];
        RawRecord {
            record_id: Some(i.to_string()),
            forename: Some(self.forename(child).to_string()),
            surname: Some(self.surname(child).to_string()),
            dob: Some(child.dob.to_string()),
            sex: Some(if child.female { "F" } else { "M" }.to_string()),
            scn: Some(scn_of(i)),
            ..RawRecord::default()
        }
    }
}

/// A valid Scottish Candidate Number for child `i`, distinct per child: every child holds a
/// national identifier, so what the hub stores under one (protocol.md §5.4) is attacked too.
fn scn_of(i: usize) -> String {
    // Bodies two apart: when a body has no valid check digit the next one has.
    let mut body = 10_000_000 + 2 * i;
    loop {
        let text = format!("{:08}", body % 100_000_000);
        if let Some(check) = crate::encode::identifiers::scn_check_digit(&text) {
            return format!("{text}{check}");
        }
        body += 1;
    }
}

/// Inverse-CDF sampling from a frequency table.
struct Sampler {
    cumulative: Vec<f64>,
}

impl Sampler {
    fn new(table: &[Frequency]) -> Self {
        let mut total = 0.0;
        let cumulative = table
            .iter()
            .map(|f| {
                total += f.probability;
                total
            })
            .collect();
        Sampler { cumulative }
    }

    fn draw(&self, rng: &mut ChaCha8Rng) -> u32 {
        let last = *self.cumulative.last().expect("non-empty table");
        let x = rng.gen::<f64>() * last;
        self.cumulative
            .partition_point(|&c| c < x)
            .min(self.cumulative.len() - 1) as u32
    }
}

/// A table of `size` names: the real `head`, then generated names; Zipf–Mandelbrot weights
/// `1 / (rank + q)`.
fn zipf_table(head: &[&str], size: usize, q: f64, rng: &mut ChaCha8Rng) -> Vec<Frequency> {
    let mut seen: std::collections::HashSet<String> = head.iter().map(|h| h.to_string()).collect();
    let mut names: Vec<String> = head.iter().take(size).map(|h| h.to_string()).collect();
    while names.len() < size {
        let name = invented_name(rng);
        if !crate::encode::normalise::is_placeholder(&name) && seen.insert(name.clone()) {
            names.push(name);
        }
    }
    let weights: Vec<f64> = (1..=size).map(|r| 1.0 / (r as f64 + q)).collect();
    let total: f64 = weights.iter().sum();
    names
        .into_iter()
        .zip(weights)
        .map(|(value, w)| Frequency {
            value,
            probability: w / total,
        })
        .collect()
}

/// A pronounceable invented name of two to four syllables.
fn invented_name(rng: &mut ChaCha8Rng) -> String {
    const ONSETS: [&str; 24] = [
        "b", "c", "d", "f", "g", "h", "j", "k", "l", "m", "n", "p", "r", "s", "t", "v", "w", "br",
        "ch", "dr", "gr", "sh", "st", "th",
    ];
    const VOWELS: [&str; 10] = ["a", "e", "i", "o", "u", "ai", "ea", "ie", "ou", "y"];
    const CODAS: [&str; 10] = ["", "", "", "n", "r", "l", "s", "th", "ck", "m"];
    let syllables = rng.gen_range(2..=4);
    let mut name = String::new();
    for _ in 0..syllables {
        name.push_str(ONSETS[rng.gen_range(0..ONSETS.len())]);
        name.push_str(VOWELS[rng.gen_range(0..VOWELS.len())]);
    }
    name.push_str(CODAS[rng.gen_range(0..CODAS.len())]);
    name
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_population_is_deterministic_in_its_seed() {
        let a = Population::generate(PopulationConfig::sparse(500, 3));
        let b = Population::generate(PopulationConfig::sparse(500, 3));
        assert_eq!(a.children, b.children);
        assert_ne!(
            a.children,
            Population::generate(PopulationConfig::sparse(500, 4)).children
        );
    }

    #[test]
    fn names_follow_the_table_with_a_realistic_head() {
        let population = Population::generate(PopulationConfig::sparse(50_000, 1));
        let top = population.forenames[0].probability;
        assert!((0.005..0.012).contains(&top), "top forename share {top}");
        let olivers = population
            .children
            .iter()
            .filter(|c| c.forename == 0)
            .count() as f64;
        let expected = top * 50_000.0;
        assert!((olivers - expected).abs() < 5.0 * expected.sqrt());
        let distinct: std::collections::HashSet<&str> = population
            .forenames
            .iter()
            .map(|f| f.value.as_str())
            .collect();
        assert_eq!(distinct.len(), population.forenames.len());
    }

    #[test]
    fn national_density_spans_one_day_per_2250_children() {
        let config = PopulationConfig::national_density(100_000, 1);
        assert_eq!(config.dob_days, 44);
        let population = Population::generate(config);
        let last = population.children.iter().map(|c| c.dob).max().unwrap();
        assert!(last < population.first_dob + Days::new(44));
    }
}
