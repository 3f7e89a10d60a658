//! [`KeptEmpty`]: which declared fields of a decoded struct arrived as `null`, `[]` or `{}`.

use std::fmt;

/// The declared fields of a generated struct that the server sent as `null`, `[]` or `{}`.
///
/// serde leaves an optional field out of the JSON when its value is `None` or an empty list or
/// map, so a plain struct would turn `"conditions": null` into no `conditions` at all, and a
/// PUT-replace built from it would differ from what was read. The decoders that build.rs
/// generates mark such fields here, and the generated `Serialize` writes a marked field back as
/// long as its value is still empty. A field you set to a value is written as that value; a field
/// that had a value and that you cleared is left out.
///
/// It takes no part in comparisons: every `KeptEmpty` equals every other, so a decoded value
/// equals the same value built in code. Values built in code start with nothing marked.
#[derive(Clone, Copy, Default)]
pub struct KeptEmpty(u64);

impl KeptEmpty {
    /// The most declared fields a struct can have (build.rs refuses larger structs).
    pub const CAPACITY: usize = 64;

    /// Marks the declared field at `index` (its position in the struct, `extra` not counted).
    pub fn insert(&mut self, index: usize) {
        if index < Self::CAPACITY {
            self.0 |= 1 << index;
        }
    }

    /// Whether the declared field at `index` is marked.
    pub fn contains(&self, index: usize) -> bool {
        index < Self::CAPACITY && self.0 & (1 << index) != 0
    }

    /// Whether no field is marked (the struct then encodes as serde's derive would).
    pub fn is_empty(&self) -> bool {
        self.0 == 0
    }

    /// Unmarks every field: the struct then leaves out all its empty fields when encoded.
    pub fn clear(&mut self) {
        self.0 = 0;
    }
}

impl PartialEq for KeptEmpty {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl Eq for KeptEmpty {}

impl fmt::Debug for KeptEmpty {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let marked: Vec<usize> = (0..Self::CAPACITY).filter(|i| self.contains(*i)).collect();
        f.debug_tuple("KeptEmpty").field(&marked).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn marks_fields_by_index_and_compares_equal_regardless() {
        let mut kept = KeptEmpty::default();
        assert!(kept.is_empty());
        kept.insert(0);
        kept.insert(63);
        kept.insert(64); // out of range: ignored, never a panic
        assert!(kept.contains(0) && kept.contains(63) && !kept.contains(1));
        assert!(!kept.contains(64));
        assert_eq!(format!("{kept:?}"), "KeptEmpty([0, 63])");
        assert_eq!(kept, KeptEmpty::default());
        kept.clear();
        assert!(kept.is_empty());
    }
}
