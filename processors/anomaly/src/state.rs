//! The bounded store of issuer profiles: at most `capacity` issuers, the
//! least recently seen one evicted to make room.
//!
//! Profiles sit in one dense vector; an index maps the issuer's key to its
//! slot and an ordered map from last-seen tick to key finds the oldest. Per
//! issuer that is the profile plus about 60 bytes of index (see
//! [`Issuers::bytes`]).

use std::collections::{BTreeMap, HashMap};

use crate::extract::hash;
use crate::profile::IssuerProfile;

/// A compact key for an issuer's RUT: the body and check digit as a number
/// when it reads as a RUT, else a hash of the text with the top bit set.
pub(crate) fn issuer_key(rut: &str) -> u64 {
    let rut = rut.trim_ascii();
    if let Some((body, dv)) = rut.split_once('-') {
        let dv = match dv {
            "K" | "k" => Some(10),
            d if d.len() == 1 => d.parse::<u64>().ok(),
            _ => None,
        };
        let body = (body.len() <= 12 && body.bytes().all(|b| b.is_ascii_digit()))
            .then(|| body.parse::<u64>().ok())
            .flatten();
        if let (Some(body), Some(dv)) = (body, dv) {
            return body * 11 + dv;
        }
    }
    hash(rut.as_bytes()) | 1 << 63
}

#[derive(Debug, Clone)]
struct Slot {
    key: u64,
    tick: u64,
    profile: IssuerProfile,
}

/// Issuer profiles, bounded by a capacity, least recently seen evicted.
#[derive(Debug, Clone)]
pub struct Issuers {
    slots: Vec<Slot>,
    index: HashMap<u64, u32>,
    order: BTreeMap<u64, u64>,
    tick: u64,
    capacity: usize,
    evicted: u64,
}

impl Issuers {
    /// An empty store for at most `capacity` issuers (at least one).
    pub fn new(capacity: usize) -> Self {
        Issuers {
            slots: Vec::new(),
            index: HashMap::new(),
            order: BTreeMap::new(),
            tick: 0,
            capacity: capacity.max(1),
            evicted: 0,
        }
    }

    /// Issuers held.
    pub fn len(&self) -> usize {
        self.slots.len()
    }

    /// True when no issuer is held.
    pub fn is_empty(&self) -> bool {
        self.slots.is_empty()
    }

    /// Issuers evicted so far.
    pub fn evicted(&self) -> u64 {
        self.evicted
    }

    /// The profile of `rut`, if held.
    pub fn get(&self, rut: &str) -> Option<&IssuerProfile> {
        self.get_key(issuer_key(rut))
    }

    pub(crate) fn get_key(&self, key: u64) -> Option<&IssuerProfile> {
        self.index
            .get(&key)
            .map(|&i| &self.slots[i as usize].profile)
    }

    /// Every profile held, in no particular order.
    pub fn profiles(&self) -> impl Iterator<Item = &IssuerProfile> {
        self.slots.iter().map(|s| &s.profile)
    }

    /// The profile of `key`, created empty (evicting the least recently seen
    /// issuer when full) and marked as just seen.
    pub(crate) fn touch(&mut self, key: u64) -> &mut IssuerProfile {
        self.tick += 1;
        let tick = self.tick;
        let index = match self.index.get(&key) {
            Some(&i) => {
                let slot = &mut self.slots[i as usize];
                self.order.remove(&slot.tick);
                slot.tick = tick;
                i as usize
            }
            None => {
                if self.slots.len() >= self.capacity {
                    self.evict_oldest();
                }
                if self.slots.len() == self.slots.capacity() {
                    let wanted = (self.slots.len() * 2).max(16).min(self.capacity);
                    self.slots.reserve_exact(wanted - self.slots.len());
                }
                self.slots.push(Slot {
                    key,
                    tick,
                    profile: IssuerProfile::default(),
                });
                let i = self.slots.len() - 1;
                self.index.insert(key, i as u32);
                i
            }
        };
        self.order.insert(tick, key);
        &mut self.slots[index].profile
    }

    /// Puts a profile back (from a changelog), as just seen.
    pub(crate) fn restore(&mut self, key: u64, profile: IssuerProfile) {
        *self.touch(key) = profile;
    }

    fn evict_oldest(&mut self) {
        let Some((_, key)) = self.order.pop_first() else {
            return;
        };
        let Some(i) = self.index.remove(&key) else {
            return;
        };
        let i = i as usize;
        self.slots.swap_remove(i);
        if let Some(moved) = self.slots.get(i) {
            self.index.insert(moved.key, i as u32);
        }
        self.evicted += 1;
    }

    /// Bytes this store takes: the slots, the hash index's table (buckets of
    /// key, slot number and a control byte, a power of two at 7/8 load) and
    /// the ordered map's nodes (about 11 entries of 16 bytes per 192-byte
    /// leaf at worst half full).
    pub fn bytes(&self) -> usize {
        let slots = self.slots.capacity() * size_of::<Slot>();
        let buckets = (self.index.capacity() * 8 / 7 + 1).next_power_of_two();
        let index = buckets * (size_of::<(u64, u32)>() + 1);
        let order = self.order.len().div_ceil(5) * 192;
        size_of::<Self>() + slots + index + order
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ruts_get_compact_keys() {
        assert_eq!(issuer_key("76354771-K"), 76_354_771 * 11 + 10);
        assert_eq!(issuer_key("76354771-k"), issuer_key("76354771-K"));
        assert_ne!(issuer_key("76354771-0"), issuer_key("76354771-K"));
        assert!(issuer_key("not a rut") >= 1 << 63);
    }

    #[test]
    fn the_least_recently_seen_issuer_is_evicted() {
        let mut issuers = Issuers::new(3);
        for key in [1, 2, 3] {
            issuers.touch(key).documents = key as u32;
        }
        // 1 is seen again, so 2 is now the oldest.
        issuers.touch(1);
        issuers.touch(4);
        assert_eq!(issuers.len(), 3);
        assert_eq!(issuers.evicted(), 1);
        assert!(issuers.get_key(2).is_none());
        assert_eq!(issuers.get_key(1).map(|p| p.documents), Some(1));
        assert_eq!(issuers.get_key(3).map(|p| p.documents), Some(3));
        assert_eq!(issuers.get_key(4).map(|p| p.documents), Some(0));
    }

    /// A million issuers at the measured bytes per issuer stay under 1 GiB.
    #[test]
    fn a_million_issuers_fit_in_a_gibibyte() {
        let n = 100_000u64;
        let mut issuers = Issuers::new(n as usize);
        for key in 0..n {
            issuers.touch(key * 7919);
        }
        let per_issuer = issuers.bytes() as f64 / n as f64;
        let million = per_issuer * 1e6;
        assert!(
            million < f64::from(1u32 << 30),
            "{per_issuer} bytes per issuer"
        );
    }
}
