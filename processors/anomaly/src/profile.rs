//! What the scorer remembers about one issuer, in a fixed number of bytes
//! whatever its history: rings of recent values, fixed histograms, a hashed
//! set of counterparts, a window of folios per document type and a window of
//! the last documents' digits.
//!
//! A profile is under 700 bytes in memory (see [`IssuerProfile::BYTES`]) and
//! owns no heap, so a million issuers fit in well under 1 GiB with the index
//! that finds them (see `state`). It serialises to JSON for a changelog.

use serde::{Deserialize, Serialize};

use crate::stats::Ring;

/// How many document types a profile tracks (folios and amounts); the least
/// recently used type gives its slot to a new one.
pub const TYPE_SLOTS: usize = 4;

/// Folios behind the highest one that a slot remembers, one bit each.
pub const FOLIO_WINDOW: u64 = 128;

/// A jump past the highest folio larger than this is held as pending instead
/// of moving the sequence, until the next folio confirms it.
pub const FOLIO_SLACK: u64 = 64;

/// True for credit notes (61, and 112 for exports).
pub(crate) fn is_credit_note(tipo: u16) -> bool {
    matches!(tipo, 61 | 112)
}

/// One document type of an issuer: its recent amounts, and its folio
/// sequence (the highest folio, a bitmap of the [`FOLIO_WINDOW`] folios
/// below it, and a pending jump).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TypeSlot {
    /// TipoDTE; 0 when the slot is free.
    pub tipo: u16,
    /// Documents of the issuer when this slot was last used.
    pub used: u32,
    /// ln(1 + MntTotal) of recent documents of this type.
    pub amounts: Ring,
    /// Highest folio in the sequence.
    pub max: u64,
    /// A folio far past `max`, held until the sequence continues from it.
    pub pending: u64,
    /// Bit `i` set: folio `max - i` was seen.
    pub seen: [u64; 2],
}

/// What a folio says about the sequence, before it is recorded.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub(crate) struct FolioFacts {
    /// The folio was already used for this type.
    pub duplicate: bool,
    /// How far below the highest folio it is (0 when above).
    pub behind: u64,
    /// Folios skipped past the highest one (0 when consecutive).
    pub gap: u64,
    /// The highest folio before this one, when the type was seen.
    pub max: Option<u64>,
}

impl TypeSlot {
    fn bit(&self, back: u64) -> bool {
        back < FOLIO_WINDOW && self.seen[(back / 64) as usize] & (1 << (back % 64)) != 0
    }

    fn set(&mut self, back: u64) {
        if back < FOLIO_WINDOW {
            self.seen[(back / 64) as usize] |= 1 << (back % 64);
        }
    }

    fn shift(&mut self, by: u64) {
        if by >= FOLIO_WINDOW {
            self.seen = [0, 0];
        } else if by >= 64 {
            self.seen = [0, self.seen[0] << (by - 64)];
        } else if by > 0 {
            self.seen = [
                self.seen[0] << by,
                (self.seen[1] << by) | (self.seen[0] >> (64 - by)),
            ];
        }
    }

    /// What `folio` says, without recording it.
    pub(crate) fn facts(&self, folio: u64) -> FolioFacts {
        let mut facts = FolioFacts {
            max: Some(self.max),
            ..FolioFacts::default()
        };
        if self.pending != 0 && folio == self.pending {
            facts.duplicate = true;
        } else if folio > self.max {
            let continues_pending = self.pending != 0 && folio == self.pending + 1;
            if !continues_pending {
                facts.gap = folio - self.max - 1;
            }
        } else {
            let back = self.max - folio;
            facts.duplicate = self.bit(back) || (self.pending != 0 && folio == self.pending);
            facts.behind = back;
        }
        facts
    }

    /// Records `folio`.
    pub(crate) fn record(&mut self, folio: u64) {
        if folio <= self.max {
            self.set(self.max - folio);
            return;
        }
        let continues_pending = self.pending != 0 && folio == self.pending + 1;
        if folio - self.max > FOLIO_SLACK && !continues_pending {
            self.pending = folio;
            return;
        }
        self.shift(folio - self.max);
        self.max = folio;
        self.set(0);
        if continues_pending {
            self.set(1);
            self.pending = 0;
        }
    }
}

/// A set of counterparts as a 1,024-bit Bloom filter with two hashes: about
/// 2% false "already seen" at 100 counterparts, 128 bytes at any count.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counterparts([u64; 16]);

impl Counterparts {
    fn bits(hash: u64) -> [usize; 2] {
        [(hash & 1023) as usize, ((hash >> 32) & 1023) as usize]
    }

    /// True when `hash` may have been inserted.
    pub fn contains(&self, hash: u64) -> bool {
        Self::bits(hash)
            .iter()
            .all(|&b| self.0[b / 64] & (1 << (b % 64)) != 0)
    }

    /// Inserts `hash`.
    pub fn insert(&mut self, hash: u64) {
        for b in Self::bits(hash) {
            self.0[b / 64] |= 1 << (b % 64);
        }
    }
}

/// Recent signature times, in minutes since 2000, for velocity.
pub const RECENT: usize = 16;

/// Documents in the window that digit habits are judged over.
pub const WINDOW: usize = 8;

/// One issuer's history, fixed in size.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct IssuerProfile {
    /// Documents scored for this issuer.
    pub documents: u32,
    /// Signature time of the latest document, seconds since 1970.
    pub last_signed: i64,
    /// ln(lines) of recent documents.
    pub lines: Ring,
    /// ln(1 + days from FchEmis to signature) of recent documents.
    pub lags: Ring,
    /// Amounts and folio sequences of the most recently used types.
    pub types: [TypeSlot; TYPE_SLOTS],
    /// Moving average of ln(1 + folios skipped).
    pub folio_gap: f32,
    /// Receivers seen.
    pub counterparts: Counterparts,
    /// Documents whose receiver was new.
    pub new_counterparts: u32,
    /// Signature times of the last [`RECENT`] documents (minutes since 2000).
    pub recent: [u32; RECENT],
    /// Next slot of `recent`.
    pub recent_next: u8,
    /// Moving average of how many earlier documents fell within an hour of
    /// each document.
    pub hourly: f32,
    /// The same within ten minutes.
    pub tenth: f32,
    /// Documents per signature hour.
    pub hours: [u16; 24],
    /// Documents per weekday (Monday first).
    pub weekdays: [u16; 7],
    /// Documents signed at a time the issuer practically never signs at,
    /// kept out of `hours` and `weekdays` until they recur.
    #[serde(default)]
    pub odd_times: u8,
    /// Documents far more crowded in time than the issuer's rate expects,
    /// kept out of `hourly` and `tenth` until they recur.
    #[serde(default)]
    pub odd_bursts: u8,
    /// Documents whose MntNeto or MntTotal ends in three or more zeros.
    pub round: u32,
    /// Credit notes.
    pub credit_notes: u32,
    /// Leading-digit counts of MntTotal (index 1 to 9) over the issuer's
    /// history, halved when one would overflow.
    pub first_digits: [u16; 10],
    /// Leading digits of MntTotal of the last [`WINDOW`] documents, newest
    /// last (0: none, or not yet seen).
    #[serde(default)]
    pub digits_window: [u8; WINDOW],
    /// Bit `i` set: the document `i + 1` places back ended MntTotal in three
    /// or more identical digits.
    #[serde(default)]
    pub repeat_window: u16,
    /// Documents whose MntTotal ended in three or more identical digits.
    #[serde(default)]
    pub repeats: u32,
}

impl IssuerProfile {
    /// Bytes of one profile in memory; it owns no heap.
    pub const BYTES: usize = size_of::<IssuerProfile>();

    /// The slot of `tipo`, if tracked.
    pub(crate) fn slot(&self, tipo: u16) -> Option<&TypeSlot> {
        self.types.iter().find(|s| s.tipo == tipo)
    }

    /// The slot of `tipo`, taking the least recently used one if new.
    pub(crate) fn slot_mut(&mut self, tipo: u16) -> &mut TypeSlot {
        let index = match self.types.iter().position(|s| s.tipo == tipo) {
            Some(i) => i,
            None => {
                let i = (0..TYPE_SLOTS)
                    .min_by_key(|&i| (self.types[i].tipo != 0, self.types[i].used))
                    .unwrap_or(0);
                self.types[i] = TypeSlot {
                    tipo,
                    ..TypeSlot::default()
                };
                i
            }
        };
        let documents = self.documents;
        let slot = &mut self.types[index];
        slot.used = documents;
        slot
    }

    /// Earlier documents signed within `minutes` of `minute`, before or
    /// after (documents may arrive out of signature order).
    pub(crate) fn within(&self, minute: u32, minutes: u32) -> u32 {
        let n = (self.documents as usize).min(RECENT);
        self.recent[..n]
            .iter()
            .filter(|&&t| t.abs_diff(minute) < minutes)
            .count() as u32
    }
}

/// Adds one to a histogram bin, halving every bin when one would overflow,
/// so the shape stays while old history fades.
pub(crate) fn bump(histogram: &mut [u16], bin: usize) {
    if histogram[bin] == u16::MAX {
        histogram.iter_mut().for_each(|c| *c /= 2);
    }
    histogram[bin] += 1;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folios_in_order_are_neither_duplicates_nor_jumps() {
        let mut slot = TypeSlot {
            tipo: 33,
            ..TypeSlot::default()
        };
        for folio in 1..=300 {
            let facts = slot.facts(folio);
            assert!(!facts.duplicate);
            assert_eq!(facts.gap, 0);
            slot.record(folio);
        }
        assert!(slot.facts(300).duplicate);
        assert!(slot.facts(200).duplicate);
        // Older than the window: behind, but no longer known.
        let old = slot.facts(100);
        assert!(!old.duplicate);
        assert_eq!(old.behind, 200);
        assert_eq!(slot.facts(311).gap, 10);
    }

    #[test]
    fn a_large_jump_is_held_until_the_sequence_follows_it() {
        let mut slot = TypeSlot::default();
        for folio in 1..=10 {
            slot.record(folio);
        }
        assert_eq!(slot.facts(5_000).gap, 4_989);
        slot.record(5_000);
        // The old sequence goes on: no jump, no duplicate.
        assert_eq!(
            slot.facts(11),
            FolioFacts {
                max: Some(10),
                ..Default::default()
            }
        );
        slot.record(11);
        assert!(slot.facts(5_000).duplicate);
        // The new sequence goes on: adopted without a second jump.
        assert_eq!(slot.facts(5_001).gap, 0);
        slot.record(5_001);
        assert_eq!(slot.max, 5_001);
        assert!(slot.facts(5_000).duplicate);
    }

    #[test]
    fn type_slots_evict_the_least_recently_used_type() {
        let mut profile = IssuerProfile::default();
        for (i, tipo) in [33, 61, 52, 56, 34].into_iter().enumerate() {
            profile.documents = i as u32;
            profile.slot_mut(tipo).record(1);
        }
        assert!(profile.slot(33).is_none());
        assert!(profile.slot(34).is_some());
    }

    #[test]
    fn counterparts_remember_what_was_inserted() {
        let mut set = Counterparts::default();
        for i in 0..100u64 {
            set.insert(crate::extract::hash(&i.to_le_bytes()));
        }
        assert!((0..100u64).all(|i| set.contains(crate::extract::hash(&i.to_le_bytes()))));
        let false_hits = (1000..11_000u64)
            .filter(|i| set.contains(crate::extract::hash(&i.to_le_bytes())))
            .count();
        assert!(false_hits < 600, "{false_hits}");
    }

    #[test]
    fn histograms_halve_instead_of_overflowing() {
        let mut h = [u16::MAX, 10];
        bump(&mut h, 0);
        assert_eq!(h, [u16::MAX / 2 + 1, 5]);
    }

    /// A profile stays small enough for a million issuers in under 1 GiB.
    const _: () = assert!(IssuerProfile::BYTES <= 800);
}
