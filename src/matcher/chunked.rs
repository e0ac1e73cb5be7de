//! A growable array stored in fixed-size chunks, for the index's per-slot records.
//!
//! A `Vec` grows by doubling, so a large index built record by record holds up to twice the
//! memory it uses (at 10 million slots, ~68% spare capacity). Chunks are allocated exactly and
//! never move, so the spare capacity is at most one chunk, and growing never copies what is
//! already stored.

/// Elements per chunk (a power of two, so a slot splits into chunk and offset by shifts).
const CHUNK_BITS: u32 = 16;
const CHUNK: usize = 1 << CHUNK_BITS;

/// An append-only growable array of `T` in chunks of [`CHUNK`] elements.
#[derive(Debug, Clone, Default)]
pub struct ChunkedVec<T> {
    chunks: Vec<Vec<T>>,
    len: usize,
}

impl<T> ChunkedVec<T> {
    /// An empty array.
    pub fn new() -> Self {
        ChunkedVec {
            chunks: Vec::new(),
            len: 0,
        }
    }

    /// Elements held.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether it holds nothing.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Appends an element.
    pub fn push(&mut self, value: T) {
        if self.len == self.chunks.len() * CHUNK {
            self.chunks.push(Vec::with_capacity(CHUNK));
        }
        self.chunks
            .last_mut()
            .expect("a chunk with room")
            .push(value);
        self.len += 1;
    }

    /// Elements the allocated chunks can hold.
    pub fn capacity(&self) -> usize {
        self.chunks.iter().map(Vec::capacity).sum()
    }
}

impl<T> std::ops::Index<usize> for ChunkedVec<T> {
    type Output = T;

    #[inline]
    fn index(&self, i: usize) -> &T {
        &self.chunks[i >> CHUNK_BITS][i & (CHUNK - 1)]
    }
}

impl<T> std::ops::IndexMut<usize> for ChunkedVec<T> {
    #[inline]
    fn index_mut(&mut self, i: usize) -> &mut T {
        &mut self.chunks[i >> CHUNK_BITS][i & (CHUNK - 1)]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn it_indexes_like_a_vec_across_chunk_boundaries() {
        let mut chunked = ChunkedVec::new();
        let n = 2 * CHUNK + 5;
        for i in 0..n {
            chunked.push(i as u32);
        }
        assert_eq!(chunked.len(), n);
        for i in [0, CHUNK - 1, CHUNK, 2 * CHUNK, n - 1] {
            assert_eq!(chunked[i], i as u32);
        }
        chunked[CHUNK] = 7;
        assert_eq!(chunked[CHUNK], 7);
        // Spare capacity is less than one chunk.
        assert_eq!(chunked.capacity(), 3 * CHUNK);
    }

    #[test]
    #[should_panic]
    fn indexing_past_the_end_panics() {
        let chunked: ChunkedVec<u8> = ChunkedVec::new();
        let _ = chunked[0];
    }
}
