//! [`RowMap`]: a map keyed by the store's row ids.

use super::RecordId;

/// A map keyed by the store's row ids, which are positive, dense and handed out in ascending
/// order by the database: a vector indexed by id, not a hash table. Inserting a batch of a
/// quarter of a million records touches consecutive entries instead of scattered buckets, and
/// an entry costs its value and a flag, with no hashing and no spare buckets. Its memory
/// follows the largest id held, not the number of entries.
#[derive(Debug, Clone)]
pub struct RowMap<V> {
    values: Vec<Option<V>>,
    len: usize,
}

impl<V> Default for RowMap<V> {
    fn default() -> Self {
        RowMap {
            values: Vec::new(),
            len: 0,
        }
    }
}

impl<V: Copy> RowMap<V> {
    fn position(id: RecordId) -> usize {
        usize::try_from(id).expect("row ids are positive")
    }

    /// The value held for `id`.
    pub fn get(&self, id: RecordId) -> Option<V> {
        let i = usize::try_from(id).ok()?;
        self.values.get(i).copied().flatten()
    }

    /// Sets the value of `id`, returning the previous one.
    pub fn insert(&mut self, id: RecordId, value: V) -> Option<V> {
        let i = Self::position(id);
        if i >= self.values.len() {
            // Grow geometrically, as a vector pushes: ids arrive in ascending runs.
            let len = (i + 1).max(self.values.len() * 3 / 2);
            self.values.resize(len, None);
        }
        let previous = self.values[i].replace(value);
        if previous.is_none() {
            self.len += 1;
        }
        previous
    }

    /// Removes the value of `id`, returning it.
    pub fn remove(&mut self, id: RecordId) -> Option<V> {
        let i = usize::try_from(id).ok()?;
        let previous = self.values.get_mut(i)?.take();
        if previous.is_some() {
            self.len -= 1;
        }
        previous
    }

    /// Entries held.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether nothing is held.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn it_behaves_as_a_map_of_row_ids() {
        let mut map: RowMap<u32> = RowMap::default();
        assert_eq!(map.get(7), None);
        assert_eq!(map.get(-1), None);
        assert_eq!(map.insert(7, 70), None);
        assert_eq!(map.insert(1, 10), None);
        assert_eq!(map.insert(7, 71), Some(70));
        assert_eq!(
            (map.get(7), map.get(1), map.get(2), map.len()),
            (Some(71), Some(10), None, 2)
        );
        assert_eq!(map.remove(7), Some(71));
        assert_eq!(map.remove(7), None);
        assert_eq!(map.remove(1_000_000), None);
        assert_eq!((map.get(7), map.len()), (None, 1));
        for id in 1..=100_000 {
            map.insert(id, id as u32);
        }
        assert_eq!((map.len(), map.get(99_999)), (100_000, Some(99_999)));
    }
}
