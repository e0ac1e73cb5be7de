//! Bloom filters on the wire (protocol.md §5): fixed-size bit arrays and their Dice
//! coefficient. Which bits a name sets, under which key and salt, is the authority's business
//! (`encode::bloom`).

/// Field filter length in bits.
pub const FILTER_BITS: usize = 256;
/// Record-level names filter length in bits.
pub const NAMES_FILTER_BITS: usize = 512;
/// A Bloom filter of `W` little-endian 64-bit words (bit `i` is bit `i % 64` of word `i / 64`;
/// on the wire, byte `j` holds bits `8j..8j+8`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Bloom<const W: usize>(pub [u64; W]);

/// A 256-bit field filter (forename or surname).
pub type NameBloom = Bloom<4>;
/// A 512-bit record-level filter of both names.
pub type NamesBloom = Bloom<8>;

impl<const W: usize> Default for Bloom<W> {
    fn default() -> Self {
        Bloom([0; W])
    }
}

impl<const W: usize> Bloom<W> {
    /// Length in bits.
    pub const BITS: usize = W * 64;
    /// Sets bit `i`.
    pub fn set(&mut self, i: usize) {
        self.0[i / 64] |= 1u64 << (i % 64);
    }

    /// Whether bit `i` is set.
    pub fn get(&self, i: usize) -> bool {
        self.0[i / 64] >> (i % 64) & 1 == 1
    }

    /// The number of set bits.
    pub fn count_ones(&self) -> u32 {
        self.0.iter().map(|w| w.count_ones()).sum()
    }

    /// The number of bits set in both.
    pub fn count_common(&self, other: &Self) -> u32 {
        self.0
            .iter()
            .zip(other.0.iter())
            .map(|(a, b)| (a & b).count_ones())
            .sum()
    }

    /// The Dice coefficient 2|A∩B| / (|A|+|B|); 0 when both are empty.
    pub fn dice(&self, other: &Self) -> f64 {
        let total = self.count_ones() + other.count_ones();
        if total == 0 {
            0.0
        } else {
            2.0 * f64::from(self.count_common(other)) / f64::from(total)
        }
    }

    /// The wire bytes (`W * 8`).
    pub fn to_bytes(&self) -> Vec<u8> {
        self.0.iter().flat_map(|w| w.to_le_bytes()).collect()
    }

    /// Parses the wire bytes.
    pub fn from_bytes(bytes: &[u8]) -> Option<Self> {
        if bytes.len() != W * 8 {
            return None;
        }
        let mut words = [0u64; W];
        for (i, word) in words.iter_mut().enumerate() {
            *word = u64::from_le_bytes(bytes[i * 8..i * 8 + 8].try_into().ok()?);
        }
        Some(Bloom(words))
    }
}
