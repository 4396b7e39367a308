//! The selector's host tables: each key at a position fixed when the set is compiled, so
//! that a lookup reads one multiplier and one slot, with no probing and no collision to
//! step past (a cost that does not depend on the keys or the request).
//!
//! The scheme is hash-and-displace (CHD, PTHash): a key's hash picks its bucket (the
//! low bits of one half), the bucket's multiplier `m` places it (bits 32 and up of the
//! other half times `m`).
//! Building tries multipliers bucket by bucket, the largest buckets first, until one
//! places all of a bucket's keys in free slots. A bucket no multiplier places (keys
//! whose 64-bit hashes are equal: never met with real host names) goes to a sorted
//! stash, searched out of line only when the slot does not hold the key.

use super::Group;

/// A host key as a table compares it: its first 16 bytes and its last 16 bytes
/// (overlapping for keys shorter than 32 bytes), as four little-endian words. A key
/// shorter than 16 bytes is its bytes padded with zeros in the first two words, the
/// last two the same again (so that [`Words::hash`]'s second factor is not 0 for every
/// key of at most 8 bytes). With equal lengths, equal words mean equal keys up to
/// [`WORDS_KEY`] bytes; a longer key is compared in full too.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Words([u64; 4]);

impl Words {
    /// The words of `key`. Cost: four 8-byte loads for a key of 16 bytes or more.
    #[inline(always)]
    pub(super) fn of(key: &[u8]) -> Words {
        match (key.first_chunk::<16>(), key.last_chunk::<16>()) {
            (Some(head), Some(tail)) => Words::of_halves(head, tail),
            _ => Words::of_short(key),
        }
    }

    /// The words of a key of 16 bytes or more, from its first and last 16 bytes.
    #[inline(always)]
    pub(super) fn of_halves(head: &[u8; 16], tail: &[u8; 16]) -> Words {
        Words([word(head, 0), word(head, 8), word(tail, 0), word(tail, 8)])
    }

    /// The words of a key shorter than 16 bytes (a longer one is cut to 16).
    #[inline(always)]
    pub(super) fn of_short(key: &[u8]) -> Words {
        let mut head = [0u8; 16];
        for (d, s) in head.iter_mut().zip(key) {
            *d = *s;
        }
        let (a, b) = (word(&head, 0), word(&head, 8));
        Words([a, b, a, b])
    }

    /// All four words equal.
    #[inline(always)]
    pub(super) fn eq(&self, other: &Words) -> bool {
        let [a, b, c, d] = self.0;
        let [e, f, g, h] = other.0;
        ((a ^ e) | (b ^ f) | (c ^ g) | (d ^ h)) == 0
    }

    /// The hash of a key of at most [`WORDS_KEY`] bytes from its words, without reading
    /// the key again: the 128-bit product of two factors, each the xor of a head word
    /// and a tail word. Cost: one multiply and five other instructions. The second
    /// tail word is rotated: for a 16-byte key, whose tail words are its head words,
    /// `b ^ c` would be 0 for every key.
    ///
    /// Why so little is enough: the hash only spreads the route keys over buckets and
    /// slots; a host is always compared in full (length and words) before it is
    /// selected, so two keys with one hash cost a place in the stash (see [`Table`]),
    /// never a wrong route. The keys come from the set file (trusted configuration),
    /// and a lookup costs the same whatever the hash of the key: a request cannot make
    /// it probe. Unseeded (a seed per set cost an instruction per request): the only
    /// keys it sends to the stash are those whose factor is 0 (first 8 bytes equal to
    /// the last 8, or `b` equal to `rotl(c, 29)`), which no real host name is, and a
    /// set compiles the same way every time.
    ///
    /// The product's two halves are used apart ([`Hash`]): its high half, which every
    /// bit of both factors mixes into, picks the bucket; its low half is what the
    /// bucket's multiplier places (with the stash recomputing the hash instead of
    /// keeping it live, 70 -> 67 per request in set-probe; the split alone, 70 -> 70).
    #[inline(always)]
    pub(super) fn hash(&self) -> Hash {
        let [a, b, c, d] = self.0;
        let f = u128::from(a ^ d) * u128::from(b ^ c.rotate_left(29));
        Hash {
            bucket: (f >> 64) as u64,
            place: f as u64,
        }
    }
}

/// A key's hash as a [`Table`] reads it: the low bits of `bucket` pick the key's
/// bucket, and `place` times the bucket's multiplier its slot.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(super) struct Hash {
    pub(super) bucket: u64,
    pub(super) place: u64,
}

impl Hash {
    /// The hash of a 64-bit hash value (a key longer than [`WORDS_KEY`]): its low bits
    /// pick the bucket, all of it is placed.
    pub(super) fn of_u64(h: u64) -> Hash {
        Hash {
            bucket: h,
            place: h,
        }
    }
}

/// The little-endian word at `at` (0 or 8) of `b`.
#[inline(always)]
fn word(b: &[u8; 16], at: usize) -> u64 {
    let mut w = [0u8; 8];
    if let Some(s) = b.get(at..at + 8) {
        w.copy_from_slice(s);
    }
    u64::from_le_bytes(w)
}

/// The longest key that [`Words`] compare in full.
pub(super) const WORDS_KEY: usize = 32;

/// One host of a table: its key's length (`0`: a free slot, which no key equals), words
/// and, for a key longer than [`WORDS_KEY`], its offset in the arena; and its routes.
///
/// The group first (`repr(C)`): a found slot's address is its group's, which the
/// caller reads next, without one more addition. 64 bytes.
#[derive(Clone, Debug)]
#[repr(C)]
pub(super) struct Slot {
    pub(super) group: Group,
    pub(super) words: Words,
    pub(super) key_len: u32,
    pub(super) key_off: u32,
}

/// A table of hosts, each in the slot [`place`]`(hash.place, mults[hash.bucket &
/// bucket_mask], slot_mask)`.
///
/// Sizes: `slots` is the power of two at or above 1.25 times the keys (0.4 to 0.8
/// full, so that the last buckets find a free slot within a few multipliers), with a
/// quarter as many buckets (one to three keys each). 64 bytes per slot and 8 per
/// bucket (2 per slot): ~83 to 165 bytes per host. Building costs a few multiplier
/// trials per bucket, each one multiply per key of the bucket.
///
/// A lookup, inlined: the bucket's index masked and bounds-checked, its multiplier
/// read, one multiply, one shift and one mask, the slot bounds-checked (neither check
/// fails, by the invariant; `unsafe` is forbidden), ~11 instructions.
///
/// Invariant: `slots.len()` is `slot_mask + 1`, a power of two of at least 2 and at
/// most 2^32, or 0 for a table of no keys; `mults.len()` is `bucket_mask + 1`; every
/// key of `stash` (sorted by hash) is in no slot.
#[derive(Clone, Debug)]
pub(super) struct Table {
    mults: Box<[u64]>,
    bucket_mask: u64,
    slots: Box<[Slot]>,
    slot_mask: u64,
    stash: Box<[(Hash, Slot)]>,
}

/// How many multipliers a bucket tries before it goes to the stash. At 0.8 full a
/// bucket of one key fails a trial with probability 0.8: 256 trials leave it out with
/// probability 0.8^256 (< 1e-24).
const TRIALS: u64 = 256;

/// The `t`-th multiplier tried: odd, and spread over all 64 bits (splitmix64's mix).
fn multiplier(t: u64) -> u64 {
    let mut z = t.wrapping_add(1).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    (z ^ (z >> 31)) | 1
}

/// Key `k`'s slot, moved out of `keys` (each key is placed once: `None` after).
fn take(keys: &mut [(Hash, Option<Slot>)], k: u32) -> Option<Slot> {
    keys.get_mut(k as usize).and_then(|e| e.1.take())
}

/// The slot of a key placed by `m`: bits 32 and up of `place * m`, masked. A constant
/// shift, not the top bits (a shift by the table's size): a variable shift takes the
/// `cl` register, which the caller's scan then lacked (+1 per request, set-probe).
#[inline(always)]
fn place(place: u64, m: u64, slot_mask: u64) -> usize {
    ((place.wrapping_mul(m) >> 32) & slot_mask) as usize
}

impl Table {
    /// A table of `keys` (their hashes and slots; keys are unique: the caller groups
    /// routes by host).
    ///
    /// A free slot holds a copy of the first key's slot with length 0 (a slot's group
    /// is never optional, see [`Group`]); a table of no keys has no slots.
    pub(super) fn build(keys: Vec<(Hash, Slot)>) -> Table {
        let free = keys.first().map(|(_, slot)| Slot {
            key_len: 0,
            ..slot.clone()
        });
        let mut keys: Vec<(Hash, Option<Slot>)> =
            keys.into_iter().map(|(h, slot)| (h, Some(slot))).collect();
        let n = keys.len();
        let size = (n + n / 4).max(2).next_power_of_two();
        let slot_mask = (size - 1) as u64;
        let buckets = (size / 4).max(1);
        let bucket_mask = (buckets - 1) as u64;
        // Keys by bucket (counting sort), then buckets by size, largest first.
        let mut starts = vec![0u32; buckets + 1];
        for (h, _) in &keys {
            starts[(h.bucket & bucket_mask) as usize + 1] += 1;
        }
        for b in 0..buckets {
            starts[b + 1] += starts[b];
        }
        let mut fill = starts.clone();
        let mut by_bucket = vec![0u32; n];
        for (i, (h, _)) in keys.iter().enumerate() {
            let b = (h.bucket & bucket_mask) as usize;
            by_bucket[fill[b] as usize] = i as u32;
            fill[b] += 1;
        }
        let mut order: Vec<u32> = (0..buckets as u32)
            .filter(|&b| starts[b as usize] != starts[b as usize + 1])
            .collect();
        order.sort_by_key(|&b| std::cmp::Reverse(starts[b as usize + 1] - starts[b as usize]));

        let mut mults = vec![multiplier(0); buckets].into_boxed_slice();
        let mut slots = match free {
            Some(free) => vec![free; size].into_boxed_slice(),
            None => Box::default(),
        };
        let mut taken = vec![false; size];
        let mut stash = Vec::new();
        let mut places: Vec<usize> = Vec::new();
        for b in order {
            let members = &by_bucket[starts[b as usize] as usize..starts[b as usize + 1] as usize];
            let found = (0..TRIALS).find(|&t| {
                let m = multiplier(t);
                places.clear();
                for &k in members {
                    let at = place(keys[k as usize].0.place, m, slot_mask);
                    if taken[at] || places.contains(&at) {
                        return false;
                    }
                    places.push(at);
                }
                true
            });
            match found {
                Some(t) => {
                    mults[b as usize] = multiplier(t);
                    for (&k, &at) in members.iter().zip(&places) {
                        taken[at] = true;
                        if let Some(slot) = take(&mut keys, k) {
                            slots[at] = slot;
                        }
                    }
                }
                None => {
                    for &k in members {
                        let hash = keys[k as usize].0;
                        stash.extend(take(&mut keys, k).map(|slot| (hash, slot)));
                    }
                }
            }
        }
        stash.sort_by_key(|e| e.0);
        Table {
            mults,
            bucket_mask,
            slots,
            slot_mask,
            stash: stash.into_boxed_slice(),
        }
    }

    /// The slot a key of hash `hash` is in, if it is in a slot (else it is free, holds
    /// another key, or the key is in the stash). Cost: a multiplier load, one multiply,
    /// one shift, two bounds checks (which never fail).
    #[inline(always)]
    pub(super) fn slot(&self, hash: Hash) -> Option<&Slot> {
        let m = *self.mults.get((hash.bucket & self.bucket_mask) as usize)?;
        self.slots.get(place(hash.place, m, self.slot_mask))
    }

    /// Whether some key is in the stash (never, in practice).
    #[inline(always)]
    pub(super) fn has_stash(&self) -> bool {
        !self.stash.is_empty()
    }

    /// The stashed slots of hash `hash` (a binary search).
    pub(super) fn stashed(&self, hash: Hash) -> impl Iterator<Item = &Slot> {
        let from = self.stash.partition_point(|e| e.0 < hash);
        self.stash
            .get(from..)
            .unwrap_or(&[])
            .iter()
            .take_while(move |e| e.0 == hash)
            .map(|e| &e.1)
    }

    /// How many slots hold a key.
    #[cfg(test)]
    pub(super) fn slots_used(&self) -> usize {
        self.slots.iter().filter(|s| s.key_len != 0).count()
    }

    /// How many keys are in the stash.
    #[cfg(test)]
    pub(super) fn stash_len(&self) -> usize {
        self.stash.len()
    }

    /// Heap bytes.
    pub(super) fn heap_bytes(&self) -> usize {
        std::mem::size_of_val(&*self.mults)
            + std::mem::size_of_val(&*self.slots)
            + std::mem::size_of_val(&*self.stash)
    }
}
