//! A policy's allowed request header names, compiled for the
//! `Access-Control-Request-Headers` check ([`HeaderNames`]), and the check's fast path
//! for the lines browsers send ([`HeaderNames::check_plain_line`]).
//!
//! A browser's line is the request's CORS-unsafe header names, lowercase, sorted and
//! joined by `,` without whitespace. When every element of a line is one of the
//! policy's names, the line needs no other check: a name matched ASCII
//! case-insensitively is made of the name's own bytes (letters in either case, every
//! other byte exactly), all of them token bytes. Anything else (whitespace, empty
//! elements, a name the policy does not list, a `"*"` policy's other names) is left to
//! the general tokenizer ([`super::check_acrh_line`]), which decides the same way for
//! these lines and says why for the others.

use super::{eq_folded, fold_mask};
use crate::matcher::bytes_eq;

/// Length buckets of [`HeaderNames::by_len`] (a name of length `n` is in bucket
/// `n % BUCKETS`).
const BUCKETS: usize = 16;

/// The end of a bucket's chain.
const NONE: u32 = u32::MAX;

/// One allowed name: `text[start..start + len]`, its first and last eight bytes as
/// words, and the next name of its length bucket.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Entry {
    /// [`words`] of the lowercase name.
    lower: [u64; 2],
    /// [`words`] of its [`fold_mask`]s.
    mask: [u64; 2],
    start: u32,
    len: u32,
    next: u32,
}

/// A name's first and last eight bytes as little-endian words (overlapping when it
/// is shorter than 16 bytes); a name shorter than eight bytes, zero-padded, and 0.
#[inline(always)]
fn words(name: &[u8]) -> [u64; 2] {
    match (name.first_chunk::<8>(), name.last_chunk::<8>()) {
        (Some(first), Some(last)) => [u64::from_le_bytes(*first), u64::from_le_bytes(*last)],
        _ => {
            let mut w = 0;
            for (i, &b) in name.iter().enumerate().take(8) {
                w |= u64::from(b) << (8 * i);
            }
            [w, 0]
        }
    }
}

/// The policy's allowed request header names (without `"*"`), prepared for a
/// case-insensitive lookup by length and for echoing a browser's line from the
/// policy's own text.
///
/// Invariants: `text` is the names (non-empty lowercase tokens, no duplicates) sorted
/// bytewise, as browsers sort them, joined by `,`; it is ASCII, so every byte offset
/// is a character boundary. `mask[i] == fold_mask(text[i])`. `names` holds each name's
/// place in `text`, in order; `by_len[b]` is the first name whose length is `b`
/// modulo [`BUCKETS`] and `next` chains the others (indices into `names`, [`NONE`] at
/// the end).
///
/// Memory: twice the joined names' bytes, 12 bytes per name and 64 bytes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct HeaderNames {
    text: Box<str>,
    mask: Box<[u8]>,
    names: Box<[Entry]>,
    by_len: [u32; BUCKETS],
}

impl HeaderNames {
    /// Prepares `names` (tokens, lowercased here; duplicates are kept once; empty
    /// names are left out). Offsets past `u32::MAX` bytes of names saturate: such names
    /// are never found (no policy is that large).
    pub(crate) fn new<N: AsRef<[u8]>>(names: &[N]) -> Self {
        let mut lower: Vec<Vec<u8>> = names
            .iter()
            .map(|n| n.as_ref().to_ascii_lowercase())
            .filter(|n| !n.is_empty())
            .collect();
        lower.sort_unstable();
        lower.dedup();
        let text = lower.join(&b","[..]);
        let mask = text.iter().map(|&b| fold_mask(b)).collect();
        let mut entries: Vec<Entry> = Vec::with_capacity(lower.len());
        let mut start = 0usize;
        for name in &lower {
            let mask: Vec<u8> = name.iter().map(|&b| fold_mask(b)).collect();
            entries.push(Entry {
                lower: words(name),
                mask: words(&mask),
                start: u32::try_from(start).unwrap_or(u32::MAX),
                len: u32::try_from(name.len()).unwrap_or(u32::MAX),
                next: NONE,
            });
            start += name.len() + 1;
        }
        // Each bucket's chain in text order: linked from the last name back.
        let mut by_len = [NONE; BUCKETS];
        for (i, (e, name)) in entries.iter_mut().zip(&lower).enumerate().rev() {
            let head = &mut by_len[name.len() % BUCKETS];
            e.next = *head;
            *head = u32::try_from(i).unwrap_or(NONE);
        }
        // Every byte is a token byte or a comma: ASCII.
        let text = String::from_utf8(text).unwrap_or_default();
        HeaderNames {
            text: text.into_boxed_str(),
            mask,
            names: entries.into_boxed_slice(),
            by_len,
        }
    }

    /// Where `name` (ASCII case-insensitive) starts in the joined text, when it is one
    /// of the names. Cost: one bucket load, then per name of the bucket a length
    /// comparison and, for one of the same length, two word comparisons (and, for a
    /// name longer than 16 bytes, a word-at-a-time comparison of the rest).
    #[inline(always)]
    pub(crate) fn find(&self, name: &[u8]) -> Option<usize> {
        let n = name.len();
        let w = words(name);
        let mut i = *self.by_len.get(n % BUCKETS)?;
        while let Some(e) = self.names.get(i as usize) {
            if e.len as usize == n
                && (w[0] | e.mask[0]) == e.lower[0]
                && (w[1] | e.mask[1]) == e.lower[1]
                && (n <= 16 || self.long_name_matches(e, name))
            {
                return Some(e.start as usize);
            }
            i = e.next;
        }
        None
    }

    /// Whether `name` equals the name of `e` (longer than 16 bytes), ignoring ASCII
    /// case.
    #[cold]
    fn long_name_matches(&self, e: &Entry, name: &[u8]) -> bool {
        let (start, n) = (e.start as usize, e.len as usize);
        match (
            self.text.as_bytes().get(start..start + n),
            self.mask.get(start..start + n),
        ) {
            (Some(lower), Some(mask)) => eq_folded(lower, mask, name),
            _ => false,
        }
    }

    /// The names, sorted and joined by `,` (what a browser sends when a request uses
    /// all of them).
    #[cfg(test)]
    pub(crate) fn joined(&self) -> &str {
        &self.text
    }

    /// Whether `name` is one of the names (ASCII case-insensitive).
    #[inline]
    pub(crate) fn contains(&self, name: &[u8]) -> bool {
        self.find(name).is_some()
    }

    /// The fast path of the `Access-Control-Request-Headers` check: when `line` is
    /// non-empty and each of its `,`-separated elements is one of the names, without
    /// whitespace, the text to echo in `Access-Control-Allow-Headers` (the line itself:
    /// borrowed from the policy's joined names when it is a run of them as written
    /// there, as a browser sends the names it lists, else from the request); `None`
    /// for any other line, which the general tokenizer decides.
    ///
    /// Cost: for the line a browser sends when the request uses every listed name (the
    /// policy's text itself), one length check and one 16-bytes-at-a-time comparison;
    /// else one word-at-a-time pass over the line for commas, one [`Self::find`] per
    /// element and one comparison of the line with the policy's text. Never allocates.
    #[inline(always)]
    pub(crate) fn check_plain_line<'a>(&'a self, line: &'a [u8]) -> Option<&'a str> {
        // The whole text: non-empty, listed names joined by `,`, no whitespace.
        if !self.text.is_empty() && bytes_eq(line, self.text.as_bytes()) {
            return Some(&self.text);
        }
        let n = line.len();
        let mut start = 0;
        let mut first = None;
        loop {
            let end = next_comma(line, start);
            let at = self.find(line.get(start..end)?)?;
            first.get_or_insert(at);
            if end >= n {
                break;
            }
            start = end + 1;
        }
        let first = first?;
        if let Some(run) = self.text.get(first..first + n)
            && run.as_bytes() == line
        {
            return Some(run);
        }
        // Every byte belongs to a name or is a comma: ASCII, which this checks again.
        std::str::from_utf8(line).ok()
    }
}

const ONES: u64 = u64::from_ne_bytes([1; 8]);
const LOW7: u64 = u64::from_ne_bytes([0x7f; 8]);
const HIGH: u64 = u64::from_ne_bytes([0x80; 8]);

/// The high bit of each byte of `w` that is a comma (exactly: no borrow crosses a
/// byte, unlike `(x - ONES) & !x`).
#[inline(always)]
fn commas(w: u64) -> u64 {
    let x = w ^ (ONES * u64::from(b','));
    !(((x & LOW7).wrapping_add(LOW7)) | x) & HIGH
}

/// The position of the first comma of `line` at or after `from`, else `line.len()`.
///
/// Cost: eight bytes per step; the last step reads the line's last eight bytes again
/// (the ones before `from` masked out), so there is no byte loop unless the line is
/// shorter than eight bytes.
#[inline(always)]
fn next_comma(line: &[u8], from: usize) -> usize {
    let n = line.len();
    let word = |at: usize| {
        line.get(at..)
            .and_then(<[u8]>::first_chunk::<8>)
            .map(|w| u64::from_le_bytes(*w))
    };
    let mut i = from;
    while i + 8 <= n {
        let Some(w) = word(i) else { break };
        let c = commas(w);
        if c != 0 {
            return i + (c.trailing_zeros() / 8) as usize;
        }
        i += 8;
    }
    if i >= n {
        return n;
    }
    match n.checked_sub(8).and_then(|at| Some((at, word(at)?))) {
        Some((at, w)) => {
            // Bytes at..i were read already (or precede `from`).
            let skip = (i - at) * 8;
            let c = commas(w) >> skip << skip;
            if c != 0 {
                at + (c.trailing_zeros() / 8) as usize
            } else {
                n
            }
        }
        None => line
            .get(i..)
            .and_then(|rest| rest.iter().position(|&b| b == b','))
            .map_or(n, |p| i + p),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_found_ignoring_ascii_case() {
        let lower = b"x-request-id-0123456789_abcdefghijklmnopqrstuvwxyz~";
        for n in 1..lower.len() {
            let l = &lower[..n];
            let f = HeaderNames::new(&[l]);
            assert_eq!(f, HeaderNames::new(&[l.to_ascii_uppercase()]));
            assert!(f.contains(l) && f.contains(&l.to_ascii_uppercase()));
            for at in 0..n {
                for b in 0..=255u8 {
                    let mut name = l.to_vec();
                    name[at] = b;
                    assert_eq!(f.contains(&name), l.eq_ignore_ascii_case(&name));
                }
            }
            assert!(!f.contains(&lower[..n + 1]) && !f.contains(&l[..n - 1]));
        }
        assert!(!HeaderNames::new(&[b"ab"]).contains(b"abc"));
        assert!(!HeaderNames::new::<&[u8]>(&[]).contains(b""));
    }

    #[test]
    fn names_of_one_length_bucket_are_chained() {
        // 12 and 28 bytes share bucket 12; three names of one length.
        let names: [&[u8]; 6] = [
            b"x-csrf-token",
            b"content-type",
            b"x-a-very-long-header-name-28",
            b"Accept",
            b"x-b-12345678",
            b"content-type",
        ];
        let f = HeaderNames::new(&names);
        assert_eq!(
            &*f.text,
            "accept,content-type,x-a-very-long-header-name-28,x-b-12345678,x-csrf-token"
        );
        for name in names {
            let at = f.find(name).expect("listed");
            assert_eq!(
                &f.text.as_bytes()[at..at + name.len()],
                &name.to_ascii_lowercase()[..]
            );
        }
        for other in [
            &b"x-c-12345678"[..],
            b"accepts",
            b"",
            b"x-a-very-long-header-name-29",
        ] {
            assert!(!f.contains(other));
        }
    }

    #[test]
    fn commas_are_found_from_any_position() {
        let lines: [&[u8]; 8] = [
            b"",
            b",",
            b"a,b",
            b"authorization,content-type,x-requested-with",
            b"abcdefgh,-,-bcdefghijklmnop,",
            b"0123456789abcdef",
            b"0123456,89abcdef0123456789,",
            b",-,-,-,-,-,-,-,-,-,",
        ];
        for line in lines {
            for from in 0..=line.len() {
                let want = line[from..]
                    .iter()
                    .position(|&b| b == b',')
                    .map_or(line.len(), |p| from + p);
                assert_eq!(next_comma(line, from), want, "{line:?} {from}");
            }
        }
        // Every byte value in every position of a long line.
        for b in 0..=255u8 {
            for at in 0..20 {
                let mut line = [b'x'; 20];
                line[at] = b;
                for from in 0..=20 {
                    let want = line[from..]
                        .iter()
                        .position(|&c| c == b',')
                        .map_or(20, |p| from + p);
                    assert_eq!(next_comma(&line, from), want);
                }
            }
        }
    }

    #[test]
    fn plain_lines_are_echoed_from_the_policy_when_they_are_its_text() {
        let f = HeaderNames::new(&[&b"x-requested-with"[..], b"Authorization", b"content-type"]);
        let text_range = f.text.as_bytes().as_ptr_range();
        let from_policy = |s: &str| text_range.contains(&s.as_ptr());
        for (line, policy) in [
            (&b"authorization,content-type,x-requested-with"[..], true),
            (b"content-type,x-requested-with", true),
            (b"authorization", true),
            (b"authorization,x-requested-with", false),
            (b"Authorization,content-type", false),
            (b"x-requested-with,authorization", false),
            (b"content-type,content-type", false),
        ] {
            let echo = f.check_plain_line(line).expect("plain");
            assert_eq!(echo.as_bytes(), line);
            assert_eq!(from_policy(echo), policy, "{echo}");
        }
        for other in [
            &b""[..],
            b"authorization,",
            b",authorization",
            b"authorization, content-type",
            b" authorization",
            b"authorization,,content-type",
            b"authorization,x-other",
            b"authorizatio",
        ] {
            assert_eq!(f.check_plain_line(other), None, "{other:?}");
        }
    }
}
