//! A small, stable hash for what the store keeps (content hashes, digests) and for keys
//! that must hash the same on every build: unlike the standard library's, it does not
//! change between Rust versions.

use std::hash::{Hash, Hasher};

/// `value` hashed with FNV-1a, as SQLite stores it (a signed 64-bit integer).
pub fn stable_hash<T: Hash + ?Sized>(value: &T) -> i64 {
    let mut h = Fnv1a::default();
    value.hash(&mut h);
    h.finish() as i64
}

/// Text parts hashed as one key, each closed by a byte no UTF-8 text holds ("ab" + "c" and
/// "a" + "bc" differ): blocking's keys and the groups records share.
pub fn hash_parts(parts: &[&str]) -> u64 {
    let mut h = Fnv1a::default();
    for part in parts {
        h.write(part.as_bytes());
        h.write_u8(0xff);
    }
    h.finish()
}

/// FNV-1a: a small, stable hash (the same on every build and platform of one endianness).
pub struct Fnv1a(u64);

impl Default for Fnv1a {
    fn default() -> Self {
        Fnv1a(0xcbf2_9ce4_8422_2325)
    }
}

impl Hasher for Fnv1a {
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 = (self.0 ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3);
        }
    }
    fn finish(&self) -> u64 {
        self.0
    }
}
