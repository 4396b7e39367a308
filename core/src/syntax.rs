//! Lexical rules shared by policy validation and request parsing.
//!
//! Everything here works on bytes, never allocates and never panics; the request path
//! relies on both.

use std::net::Ipv6Addr;

/// The longest `Origin` value that can be a browser's serialization: scheme, `://`,
/// a 253-byte host and a port fit with plenty of room. Longer values are denied without
/// being looked at.
pub const MAX_ORIGIN_LEN: usize = 512;

/// Whether `b` is a `tchar` of RFC 9110 (the bytes of methods and header names).
#[inline]
pub const fn is_tchar(b: u8) -> bool {
    matches!(b,
        b'!' | b'#' | b'$' | b'%' | b'&' | b'\'' | b'*' | b'+' | b'-' | b'.' |
        b'^' | b'_' | b'`' | b'|' | b'~' | b'0'..=b'9' | b'a'..=b'z' | b'A'..=b'Z')
}

/// [`is_tchar`] as a table: one load per byte on the request path.
const TCHAR: [bool; 256] = {
    let mut t = [false; 256];
    let mut i = 0;
    while i < 256 {
        t[i] = is_tchar(i as u8);
        i += 1;
    }
    t
};

/// [`is_tchar`] by table lookup.
#[inline(always)]
pub fn is_tchar_fast(b: u8) -> bool {
    TCHAR[usize::from(b)]
}

/// The number of leading bytes of `s` that are [`tchar`](is_tchar)s.
///
/// Cost: 8 bytes per step while they are `[a-zA-Z0-9-]` (what header names are made
/// of), one table load per byte after that.
#[inline]
pub fn token_len(s: &[u8]) -> usize {
    let mut i = 0;
    while let Some(chunk) = s.get(i..).and_then(<[u8]>::first_chunk::<8>) {
        let ok = name_bytes(u64::from_le_bytes(*chunk));
        if ok == HIGH_BITS {
            i += 8;
            continue;
        }
        // The first byte outside the fast set (little-endian: the lowest clear bit).
        i += ((!ok & HIGH_BITS).trailing_zeros() / 8) as usize;
        match s.get(i) {
            Some(&b) if is_tchar_fast(b) => i += 1,
            _ => return i,
        }
    }
    let rest = s.get(i..).unwrap_or(&[]);
    i + rest
        .iter()
        .position(|&b| !is_tchar_fast(b))
        .unwrap_or(rest.len())
}

const HIGH_BITS: u64 = u64::from_ne_bytes([0x80; 8]);

/// The high bit of each byte of `w` that is in `[a-zA-Z0-9-]` (a subset of the
/// tchars), with SWAR arithmetic: no carry crosses a byte, since only 7-bit values are
/// added to.
#[inline(always)]
fn name_bytes(w: u64) -> u64 {
    const ONES: u64 = u64::from_ne_bytes([1; 8]);
    const LOW7: u64 = !HIGH_BITS;
    let low7 = w & LOW7;
    // High bit of each byte set when its 7-bit value is in lo..=hi.
    let in_range = |lo: u8, hi: u8| {
        let ge_lo = low7.wrapping_add(ONES * u64::from(0x80 - lo));
        let gt_hi = low7.wrapping_add(ONES * u64::from(0x7f - hi));
        ge_lo & !gt_hi
    };
    // High bit set where the byte is exactly b'-'.
    let x = w ^ (ONES * u64::from(b'-'));
    let dash = !(((x & LOW7).wrapping_add(LOW7)) | x);
    (in_range(b'a', b'z') | in_range(b'A', b'Z') | in_range(b'0', b'9') | dash) & !w & HIGH_BITS
}

/// Whether `s` is a non-empty RFC 9110 token.
#[inline]
pub fn is_token(s: &[u8]) -> bool {
    !s.is_empty() && s.iter().all(|&b| is_tchar_fast(b))
}

/// The default port of a scheme with one (the URL standard's special schemes).
pub fn default_port(scheme: &[u8]) -> Option<u16> {
    match scheme {
        b"http" | b"ws" => Some(80),
        b"https" | b"wss" => Some(443),
        b"ftp" => Some(21),
        _ => None,
    }
}

/// Whether `s` is a scheme as the URL parser leaves it: `[a-z][a-z0-9+.-]*`.
pub fn is_scheme(s: &[u8]) -> bool {
    match s.split_first() {
        Some((&first, rest)) => {
            class(first) & SCHEME_FIRST != 0 && rest.iter().all(|&b| class(b) & SCHEME_REST != 0)
        }
        None => false,
    }
}

/// Parses a port exactly as a browser serializes it: 1-5 digits, no leading zero,
/// 1..=65535.
#[inline]
pub fn parse_port(digits: &[u8]) -> Option<u16> {
    if digits.is_empty() || digits.len() > 5 || digits[0] == b'0' {
        return None;
    }
    let mut v: u32 = 0;
    for &d in digits {
        if !d.is_ascii_digit() {
            return None;
        }
        v = v * 10 + u32::from(d - b'0');
    }
    u16::try_from(v).ok()
}

/// Byte classes of a serialized origin, one table load per byte on the request path.
const SCHEME_FIRST: u8 = 1;
const SCHEME_REST: u8 = 2;
const LABEL: u8 = 4;

const ORIGIN_CLASS: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut i = 0;
    while i < 256 {
        let b = i as u8;
        let mut c = 0;
        if b.is_ascii_lowercase() {
            c |= SCHEME_FIRST | SCHEME_REST | LABEL;
        }
        if b.is_ascii_digit() {
            c |= SCHEME_REST | LABEL;
        }
        if b == b'+' || b == b'.' {
            c |= SCHEME_REST;
        }
        if b == b'-' {
            c |= SCHEME_REST | LABEL;
        }
        if b == b'_' {
            c |= LABEL;
        }
        t[i] = c;
        i += 1;
    }
    t
};

#[inline(always)]
fn class(b: u8) -> u8 {
    ORIGIN_CLASS[usize::from(b)]
}

/// Whether the URL parser would treat a host whose last label is `label` as IPv4
/// ("ends in a number").
pub(crate) fn ends_in_number(label: &[u8]) -> bool {
    if !label.is_empty() && label.iter().all(u8::is_ascii_digit) {
        return true;
    }
    label.len() >= 2
        && label[0] == b'0'
        && (label[1] == b'x' || label[1] == b'X')
        && label[2..].iter().all(u8::is_ascii_hexdigit)
}

/// Whether `s` is a dotted quad exactly as the URL serializer writes IPv4.
fn is_canonical_ipv4(s: &[u8]) -> bool {
    let mut parts = 0;
    for part in s.split(|&b| b == b'.') {
        parts += 1;
        if parts > 4 || part.is_empty() || part.len() > 3 || (part.len() > 1 && part[0] == b'0') {
            return false;
        }
        let mut v: u32 = 0;
        for &d in part {
            if !d.is_ascii_digit() {
                return false;
            }
            v = v * 10 + u32::from(d - b'0');
        }
        if v > 255 {
            return false;
        }
    }
    parts == 4
}

/// Whether `host` is a domain or IPv4 host exactly as a browser serializes it:
/// lowercase labels of `[a-z0-9_-]`, each 1..=63 bytes, at most 253 bytes (plus an
/// optional trailing dot), and a canonical dotted quad when the last label is numeric.
pub fn is_canonical_domain(host: &[u8]) -> bool {
    domain_len(host) == Some(host.len())
}

/// The length of the host at the start of `s` (up to the first byte that is neither a
/// label byte nor a dot), when that host passes [`is_canonical_domain`].
///
/// Cost: one table load per byte, in a single pass.
#[inline]
fn domain_len(s: &[u8]) -> Option<usize> {
    let mut end = s.len();
    let mut label_start = 0;
    // The last non-empty label seen, as (start, end).
    let mut last = (0, 0);
    for (i, &b) in s.iter().enumerate() {
        // Label bytes, by far the most common, cost one load and one branch.
        if class(b) & LABEL != 0 {
            continue;
        }
        if b != b'.' {
            end = i;
            break;
        }
        let len = i - label_start;
        if len == 0 || len > 63 {
            return None;
        }
        last = (label_start, i);
        label_start = i + 1;
    }
    let trailing_dot = label_start == end && end > 0;
    if !trailing_dot {
        let len = end - label_start;
        if len == 0 || len > 63 {
            return None;
        }
        last = (label_start, end);
    }
    let body = &s[..end - usize::from(trailing_dot)];
    if body.len() > 253 {
        return None;
    }
    if ends_in_number(&s[last.0..last.1]) {
        // The URL parser turns such hosts into IPv4 and serializes them without a dot.
        return (!trailing_dot && is_canonical_ipv4(body)).then_some(end);
    }
    Some(end)
}

/// Writes `addr` as the URL standard serializes IPv6 (lowercase hex, the first
/// longest run of two or more zero pieces compressed), into `buf`; returns the length.
pub fn write_ipv6(addr: &Ipv6Addr, buf: &mut [u8; 40]) -> usize {
    let pieces = addr.segments();
    // Find the first longest run of zero pieces of length >= 2.
    let (mut best_start, mut best_len) = (usize::MAX, 1);
    let mut i = 0;
    while i < 8 {
        if pieces[i] == 0 {
            let start = i;
            while i < 8 && pieces[i] == 0 {
                i += 1;
            }
            if i - start > best_len {
                best_start = start;
                best_len = i - start;
            }
        } else {
            i += 1;
        }
    }
    let mut n = 0;
    let mut push = |b: u8, n: &mut usize| {
        if *n < buf.len() {
            buf[*n] = b;
            *n += 1;
        }
    };
    let mut i = 0;
    let mut ignore0 = false;
    while i < 8 {
        if ignore0 && pieces[i] == 0 {
            i += 1;
            continue;
        }
        ignore0 = false;
        if i == best_start {
            if i == 0 {
                push(b':', &mut n);
            }
            push(b':', &mut n);
            ignore0 = true;
            i += 1;
            continue;
        }
        let p = pieces[i];
        let mut started = false;
        for shift in [12u16, 8, 4, 0] {
            let nib = ((p >> shift) & 0xf) as u8;
            if nib != 0 || started || shift == 0 {
                started = true;
                push(b"0123456789abcdef"[usize::from(nib)], &mut n);
            }
        }
        if i != 7 {
            push(b':', &mut n);
        }
        i += 1;
    }
    n
}

/// Whether `inner` (the text between `[` and `]`) is an IPv6 address in the URL
/// standard's serialization.
pub fn is_canonical_ipv6(inner: &[u8]) -> bool {
    if inner.len() > 39 || !inner.iter().all(|&b| b.is_ascii_hexdigit() || b == b':') {
        return false;
    }
    let Ok(text) = std::str::from_utf8(inner) else {
        return false;
    };
    let Ok(addr) = text.parse::<Ipv6Addr>() else {
        return false;
    };
    let mut buf = [0u8; 40];
    let n = write_ipv6(&addr, &mut buf);
    &buf[..n] == inner
}

/// A request `Origin` split into its parts. Produced only from canonical input.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OriginParts<'a> {
    /// The scheme, lowercase.
    pub scheme: &'a [u8],
    /// The host: a domain, a dotted quad, or `[ipv6]` with its brackets.
    pub host: &'a [u8],
    /// The explicit port; `None` when the origin has none (the scheme's default).
    pub port: Option<u16>,
}

/// The positions of the dots in a host of at most 256 bytes: bit `i` is set when
/// `host[i]` is `.`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct HostDots([u64; 4]);

impl HostDots {
    /// The dots of `host`, byte by byte (the path for the hosts [`parse_origin_dots`]
    /// does not scan word by word: IP addresses and schemes other than http(s)).
    fn of(host: &[u8]) -> HostDots {
        let mut d = HostDots::default();
        for (i, _) in host
            .iter()
            .enumerate()
            .take(256)
            .filter(|&(_, &b)| b == b'.')
        {
            d.0[i / 64] |= 1 << (i % 64);
        }
        d
    }

    /// The dot positions, in increasing order.
    #[inline]
    pub fn positions(self) -> DotPositions {
        DotPositions {
            words: self.0,
            k: 0,
        }
    }

    /// The dots of a host under 64 bytes, as one word (bit `i`: `host[i]` is `.`);
    /// `None` for longer hosts.
    #[inline]
    pub fn short(self, host_len: usize) -> Option<u64> {
        (host_len < 64).then_some(self.0[0])
    }
}

/// The iterator of [`HostDots::positions`].
#[derive(Clone, Debug)]
pub struct DotPositions {
    words: [u64; 4],
    k: usize,
}

impl Iterator for DotPositions {
    type Item = usize;

    #[inline]
    fn next(&mut self) -> Option<usize> {
        loop {
            let w = self.words.get_mut(self.k)?;
            if *w != 0 {
                let bit = w.trailing_zeros() as usize;
                *w &= *w - 1;
                return Some(self.k * 64 + bit);
            }
            // Hosts are short: most have no dot past the first word.
            if self
                .words
                .get(self.k + 1..)
                .is_none_or(|r| r.iter().all(|&w| w == 0))
            {
                return None;
            }
            self.k += 1;
        }
    }
}

const ONES: u64 = u64::from_ne_bytes([1; 8]);
const LOW7: u64 = !HIGH_BITS;

/// The high bit of each byte of `w` equal to `b` (no false positives: the carry of
/// the 7-bit addition never crosses a byte).
#[inline(always)]
fn eq_bytes(w: u64, b: u8) -> u64 {
    let x = w ^ (ONES * u64::from(b));
    !(((x & LOW7).wrapping_add(LOW7)) | x) & HIGH_BITS
}

/// The high bit of each ASCII byte of `w` in `lo..=hi`.
#[inline(always)]
fn in_range(w: u64, lo: u8, hi: u8) -> u64 {
    let low7 = w & LOW7;
    let ge_lo = low7.wrapping_add(ONES * u64::from(0x80 - lo));
    let gt_hi = low7.wrapping_add(ONES * u64::from(0x7f - hi));
    ge_lo & !gt_hi & !w & HIGH_BITS
}

/// The high-bit masks of the [`LABEL`] bytes (`[a-z0-9_-]`) and of the dots of `w`.
#[inline(always)]
fn host_masks(w: u64) -> (u64, u64) {
    let label =
        in_range(w, b'a', b'z') | in_range(w, b'0', b'9') | eq_bytes(w, b'-') | eq_bytes(w, b'_');
    (label, eq_bytes(w, b'.'))
}

/// One bit per byte: bit `k` set when byte `k` of the mask has its high bit set.
#[inline(always)]
fn pack(mask: u64) -> u64 {
    ((mask >> 7).wrapping_mul(0x0102_0408_1020_4080)) >> 56
}

/// Where the host that starts at `b[start..]` ends (the first byte that is neither a
/// [`LABEL`] byte nor a dot), and its dots; `None` past 256 bytes. Needs
/// `start >= 7`.
///
/// 16 bytes per step ([`classify16`]); for a value shorter than 16 bytes,
/// [`scan_host_words`].
#[inline]
fn scan_host(b: &[u8], start: usize) -> Option<(usize, HostDots)> {
    if let Some(last16) = b.last_chunk::<16>() {
        let rest = b.get(start..)?;
        let mut dots = HostDots::default();
        let mut i = 0;
        return loop {
            let left = rest.len() - i;
            let (stop, dot) = match rest.get(i..).and_then(<[u8]>::first_chunk::<16>) {
                Some(block) => classify16(block),
                None if left == 0 => break Some((i, dots)),
                // The last `left` bytes are the top of the value's last 16: classify
                // those, move the masks down, and end the host after them.
                None => {
                    let (stop, dot) = classify16(last16);
                    let shift = 16 - left as u32;
                    ((stop >> shift) | (!0u32 << left), dot >> shift)
                }
            };
            let slot = dots.0.get_mut(i / 64)?;
            let n = (stop | 1 << 16).trailing_zeros() as usize;
            *slot |= u64::from(dot & ((1u32 << n) - 1)) << (i % 64);
            if n < 16 {
                break Some((i + n, dots));
            }
            i += 16;
        };
    }
    scan_host_words(b, start)
}

/// Bit `k` of the first mask: byte `k` of `block` is neither a label byte
/// (`[a-z0-9_-]`) nor a dot; of the second: it is a dot. Written lane by lane without
/// branches, so that the compiler vectorizes it; the lanes are then packed to bits
/// with two multiplications per 8.
#[inline(always)]
fn classify16(block: &[u8; 16]) -> (u32, u32) {
    let mut ok = [0u8; 16];
    let mut dot = [0u8; 16];
    for ((o, d), &b) in ok.iter_mut().zip(dot.iter_mut()).zip(block) {
        let is_dot = b == b'.';
        let label =
            (b.wrapping_sub(b'a') < 26) | (b.wrapping_sub(b'0') < 10) | (b == b'-') | (b == b'_');
        *o = u8::from(label | is_dot);
        *d = u8::from(is_dot);
    }
    let bits = |lanes: [u8; 16]| {
        let w = u128::from_le_bytes(lanes);
        let half = |h: u64| (h.wrapping_mul(0x0102_0408_1020_4080) >> 56) as u32;
        half(w as u64) | half((w >> 64) as u64) << 8
    };
    (!bits(ok) & 0xffff, bits(dot))
}

/// [`scan_host`] 8 bytes per step, in portable SWAR arithmetic.
#[inline]
fn scan_host_words(b: &[u8], start: usize) -> Option<(usize, HostDots)> {
    let rest = b.get(start..)?;
    let mut dots = HostDots::default();
    let mut i = 0;
    loop {
        let left = rest.len() - i;
        let w = match rest.get(i..).and_then(<[u8]>::first_chunk::<8>) {
            Some(c) => u64::from_le_bytes(*c),
            None if left == 0 => return Some((i, dots)),
            // The last `left` bytes, from the whole value's last word (it has at least 8
            // bytes: the scheme's), moved down; the zero bytes above end the host.
            None => u64::from_le_bytes(*b.last_chunk::<8>()?) >> (8 * (8 - left)),
        };
        let slot = dots.0.get_mut(i / 64)?;
        let (label, dot) = host_masks(w);
        let stop = !(label | dot) & HIGH_BITS;
        if stop == 0 {
            *slot |= pack(dot) << (i % 64);
            i += 8;
            continue;
        }
        let n = (stop.trailing_zeros() / 8) as usize;
        *slot |= (pack(dot) & ((1u64 << n) - 1)) << (i % 64);
        return Some((i + n, dots));
    }
}

/// Checks the labels of a non-empty `host` whose dots are `dots`: 1..=63 bytes each,
/// at most 253 bytes in all (plus a trailing dot). Returns where the last non-empty
/// label starts.
///
/// Cost: a few bit operations for hosts under 64 bytes (no label can be too long
/// there), else a few instructions per dot.
#[inline]
fn check_labels(host: &[u8], dots: HostDots) -> Option<usize> {
    let len = host.len();
    if len < 64 {
        let d = dots.0[0];
        // A leading dot, or two dots in a row: an empty label.
        if d & 1 != 0 || d & (d >> 1) != 0 {
            return None;
        }
        let trailing = d & (1u64 << (len - 1)) != 0;
        // The dot before the last label (the one before the trailing dot, if any).
        let before = if trailing {
            d & !(1u64 << (len - 1))
        } else {
            d
        };
        return Some(if before == 0 {
            0
        } else {
            64 - before.leading_zeros() as usize
        });
    }
    let mut label_start = 0;
    let mut last_start = 0;
    for dot in dots.positions() {
        let n = dot - label_start;
        if n == 0 || n > 63 {
            return None;
        }
        last_start = label_start;
        label_start = dot + 1;
    }
    let trailing_dot = label_start == len;
    if !trailing_dot {
        let n = len - label_start;
        if n == 0 || n > 63 {
            return None;
        }
        last_start = label_start;
    }
    (len - usize::from(trailing_dot) <= 253).then_some(last_start)
}

/// The dots of `b[start..end]` (bit `i`: byte `start + i` is `.`) when every byte of it
/// is a label byte (`[a-z0-9_-]`) or a dot; `None` otherwise. Needs `start >= 7`,
/// `start <= end` and `end - start < 64`: the range is read 8 bytes at a time up to 8
/// bytes, else 16 at a time ([`classify16`]), the last block ending at `end` and
/// overlapping the bytes before it.
///
/// Cost: about 40 instructions up to 8 bytes, 50 per 16 bytes above.
#[inline]
pub(crate) fn short_host_dots(b: &[u8], start: usize, end: usize) -> Option<u64> {
    let len = end.checked_sub(start)?;
    if len >= 64 {
        return None;
    }
    if len <= 8 {
        // The word that ends at `end`, moved down; the zero bytes shifted in are left
        // out of `bad` (and are not dots).
        let shift = 8 * (8 - len) as u32;
        let w = u64::from_le_bytes(*b.get(..end)?.last_chunk::<8>()?)
            .checked_shr(shift)
            .unwrap_or(0);
        let (label, dot) = host_masks(w);
        let bad = !(label | dot) & HIGH_BITS.checked_shr(shift).unwrap_or(0);
        return (bad == 0).then_some(pack(dot));
    }
    let mut stop = 0u64;
    let mut dots = 0u64;
    let mut i = 0;
    while let Some(block) = b.get(start + i..end).and_then(<[u8]>::first_chunk::<16>) {
        let (s, d) = classify16(block);
        stop |= u64::from(s) << i;
        dots |= u64::from(d) << i;
        i += 16;
    }
    if i < len {
        // The last `len - i` bytes are the top of the 16 that end at `end`.
        let (s, d) = classify16(b.get(..end)?.last_chunk::<16>()?);
        let shift = 16 - (len - i) as u32;
        stop |= u64::from(s >> shift) << i;
        dots |= u64::from(d >> shift) << i;
    }
    (stop == 0).then_some(dots)
}

/// Whether the `len` bytes whose dots are `dots` (from [`short_host_dots`], so
/// `len < 64`) are labels of 1 to 63 bytes separated by single dots, with neither a
/// leading nor a trailing dot.
#[inline]
pub(crate) fn dotted_labels(dots: u64, len: usize) -> bool {
    len > 0 && dots & 1 == 0 && dots & (dots >> 1) == 0 && dots >> (len - 1) & 1 == 0
}

/// The states of [`dotted_label_bytes`], each the offset of its row in [`LABEL_STEP`]:
/// at the start or just after a dot, inside a label; 0 is "rejected" (its row is all 0).
const AFTER_DOT: u16 = 256;
const IN_LABEL: u16 = 512;

/// The transitions of [`dotted_label_bytes`]: `LABEL_STEP[state | byte]` is the next
/// state. Four rows, so that any `(state | byte) & 1023` is an index.
const LABEL_STEP: [u16; 1024] = {
    let mut t = [0u16; 1024];
    let mut i = 0;
    while i < 256 {
        let label = ORIGIN_CLASS[i] & LABEL != 0;
        if label {
            t[AFTER_DOT as usize + i] = IN_LABEL;
            t[IN_LABEL as usize + i] = IN_LABEL;
        } else if i == b'.' as usize {
            t[IN_LABEL as usize + i] = AFTER_DOT;
        }
        i += 1;
    }
    t
};

/// Whether `s` is labels of `[a-z0-9_-]` separated by single dots, with neither a
/// leading nor a trailing dot (so not empty). Label lengths are not checked: callers
/// keep `s` under 64 bytes.
///
/// The same answer as [`short_host_dots`] and [`dotted_labels`] together, one table
/// load per byte: cheaper than their word-at-a-time arithmetic for the few bytes of a
/// subdomain label (about 4 instructions per byte plus 15).
#[inline]
pub(crate) fn dotted_label_bytes(s: &[u8]) -> bool {
    let mut state = AFTER_DOT;
    for &c in s {
        state = LABEL_STEP[(usize::from(state) | usize::from(c)) & 1023];
    }
    state == IN_LABEL
}

/// Whether `b[start..end]`, a host under 64 bytes, is certainly a canonical domain whose
/// last label does not start with a digit (the host [`parse_origin`] accepts, when the
/// port part after it is canonical). `false` means "not decided here": IP addresses,
/// unusual hosts and malformed ones.
#[inline]
pub(crate) fn short_domain_ok(b: &[u8], start: usize, end: usize) -> bool {
    let Some(dots) = short_host_dots(b, start, end) else {
        return false;
    };
    let len = end - start;
    // A trailing dot is allowed once, after a non-empty last label.
    let trailing = len > 1 && dots >> (len - 1) & 1 != 0;
    let body = if trailing {
        dots & !(1 << (len - 1))
    } else {
        dots
    };
    if !dotted_labels(body, len - usize::from(trailing)) {
        return false;
    }
    let last = if body == 0 {
        0
    } else {
        64 - body.leading_zeros() as usize
    };
    b.get(start + last).is_some_and(|c| !c.is_ascii_digit())
}

/// Splits what follows `scheme://` into the host part and the explicit port, reading
/// the port from the end: `rest` ending in `:` and 1 to 5 digits has that port, else it
/// has none. `None` when the port part is there but not canonical (or cannot be told
/// apart from the host here: six trailing digits, a trailing `:`). A `Some` split is
/// the one [`parse_origin`] makes whenever it accepts the value.
///
/// Cost: a few instructions per trailing digit.
#[inline]
pub(crate) fn split_port(rest: &[u8], default: u16) -> Option<(&[u8], Option<u16>)> {
    let (&last, _) = rest.split_last()?;
    if !last.is_ascii_digit() {
        // By far the most common case: no port.
        return (last != b':').then_some((rest, None));
    }
    let n = rest.len();
    let tail = rest.get(n.saturating_sub(6)..)?;
    let digits = tail.iter().rev().take_while(|b| b.is_ascii_digit()).count();
    match n.checked_sub(digits + 1).map(|c| (c, rest.get(c))) {
        Some((c, Some(b':'))) => {
            let p = parse_port(rest.get(c + 1..)?)?;
            (p != default).then_some((rest.get(..c)?, Some(p)))
        }
        _ if digits == 6 => None,
        _ => Some((rest, None)),
    }
}

/// What the word-at-a-time parse of an `http(s)` origin found.
enum Fast<'a> {
    /// Canonical, with its host's dots.
    Parsed(OriginParts<'a>, HostDots),
    /// Certainly not canonical.
    Malformed,
    /// Not decided here (another scheme, an IP address, an unusual host).
    Other,
}

/// [`parse_origin`] for `http` and `https` origins with a domain host, 8 bytes per
/// step: one pass classifies every host byte and records the dots, a second walks the
/// dots for the label lengths. Decides exactly as [`parse_origin`] where it decides
/// (the unit tests compare the two); anything else is [`Fast::Other`].
#[inline]
fn parse_fast(b: &[u8]) -> Fast<'_> {
    let (scheme, start) = if b.starts_with(b"https://") {
        (&b[..5], 8)
    } else if b.starts_with(b"http://") {
        (&b[..4], 7)
    } else {
        return Fast::Other;
    };
    let Some(rest) = b.get(start..) else {
        return Fast::Other;
    };
    let Some((end, dots)) = scan_host(b, start) else {
        return Fast::Other;
    };
    if end == 0 {
        // `[` of an IPv6 literal, or no host at all.
        return Fast::Other;
    }
    let (host, port_part) = rest.split_at(end);
    let Some(last_start) = check_labels(host, dots) else {
        return Fast::Malformed;
    };
    // A last label that may end in a number: IPv4 rules, left to `domain_len`.
    if host.get(last_start).is_none_or(u8::is_ascii_digit) {
        return Fast::Other;
    }
    let port = match port_part {
        [] => None,
        [b':', digits @ ..] => match parse_port(digits) {
            Some(p) if Some(p) != default_port(scheme) => Some(p),
            _ => return Fast::Malformed,
        },
        _ => return Fast::Malformed,
    };
    Fast::Parsed(OriginParts { scheme, host, port }, dots)
}

/// [`parse_origin`], with the positions of the host's dots.
///
/// Cost: for `http(s)` origins with a domain host, about 25 instructions per 8 bytes of
/// host plus a few per dot; else as [`parse_origin`] and one more pass over the host.
#[inline]
pub fn parse_origin_dots(b: &[u8]) -> Option<(OriginParts<'_>, HostDots)> {
    if b.len() > MAX_ORIGIN_LEN {
        return None;
    }
    match parse_fast(b) {
        Fast::Parsed(parts, dots) => Some((parts, dots)),
        Fast::Malformed => None,
        Fast::Other => parse_origin_bytewise(b).map(|p| (p, HostDots::of(p.host))),
    }
}

/// Parses a request's `Origin` value, accepting only what a browser would send:
/// `scheme://host[:port]` in the HTML serialization (lowercase, punycode, no default
/// port, no path, no userinfo, no whitespace). `null` is not handled here.
///
/// Cost: one pass over at most [`MAX_ORIGIN_LEN`] bytes (8 bytes per step for
/// `http(s)` origins with a domain host). Never allocates or panics.
#[inline]
pub fn parse_origin(b: &[u8]) -> Option<OriginParts<'_>> {
    parse_origin_dots(b).map(|(p, _)| p)
}

/// [`parse_origin`] one byte at a time: every scheme and host form.
fn parse_origin_bytewise(b: &[u8]) -> Option<OriginParts<'_>> {
    if b.len() > MAX_ORIGIN_LEN {
        return None;
    }
    // The scheme, scanned up to its `:`; it must be followed by `//`.
    let (&first, tail) = b.split_first()?;
    if class(first) & SCHEME_FIRST == 0 {
        return None;
    }
    let sep = 1 + tail.iter().position(|&c| class(c) & SCHEME_REST == 0)?;
    if b.get(sep..sep + 3) != Some(b"://") {
        return None;
    }
    let scheme = &b[..sep];
    let rest = &b[sep + 3..];
    let (host, port_part) = if rest.first() == Some(&b'[') {
        let close = memchr::memchr(b']', rest)?;
        let inner = &rest[1..close];
        if !is_canonical_ipv6(inner) {
            return None;
        }
        (&rest[..=close], &rest[close + 1..])
    } else {
        let end = domain_len(rest)?;
        (&rest[..end], &rest[end..])
    };
    let port = match port_part {
        [] => None,
        [b':', digits @ ..] => {
            let p = parse_port(digits)?;
            if Some(p) == default_port(scheme) {
                return None;
            }
            Some(p)
        }
        _ => return None,
    };
    Some(OriginParts { scheme, host, port })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_tchar_table_is_is_tchar() {
        for b in 0..=255u8 {
            assert_eq!(TCHAR[usize::from(b)], is_tchar(b), "{b}");
            assert_eq!(is_token(&[b]), is_tchar(b), "{b}");
        }
        assert!(!is_token(b""));
    }

    #[test]
    fn token_len_agrees_with_the_table() {
        // Every byte in every position of a word, and words around the fast path's end.
        for b in 0..=255u8 {
            for pos in 0..8 {
                let mut w = *b"abcdefgh";
                w[pos] = b;
                let word = u64::from_le_bytes(w);
                let want = w.iter().all(|&c| c.is_ascii_alphanumeric() || c == b'-');
                assert_eq!(name_bytes(word) == HIGH_BITS, want, "byte {b} at {pos}");
                assert_eq!(
                    name_bytes(word) & (0x80 << (8 * pos)) != 0,
                    b.is_ascii_alphanumeric() || b == b'-',
                    "byte {b} at {pos}"
                );
            }
        }
        let naive = |s: &[u8]| s.iter().position(|&b| !is_tchar(b)).unwrap_or(s.len());
        let cases: [&[u8]; 9] = [
            b"",
            b"x-request-id",
            b"content-type,authorization",
            b"X-Custom-Header-Name-Long_one!#$ ,b",
            b"abcdefgh",
            b"abcdefgh\xc3\xa9",
            b"abc\tdef",
            b"a~b|c^d_e`f'g*h+i.j",
            b"0123456789abcdefghijklmnopqrstu,",
        ];
        for case in cases {
            assert_eq!(token_len(case), naive(case), "{case:?}");
        }
    }

    /// The word-at-a-time parse decides exactly as the byte-at-a-time one, and finds
    /// the same dots, on origins near every boundary it checks (label and host lengths,
    /// the end of a word, ports, IPv4, IPv6, odd bytes).
    #[test]
    fn the_fast_parse_is_the_bytewise_parse() {
        let label63 = "a".repeat(63);
        let host253 = [&label63[..], &label63, &label63, &"b".repeat(61)].join(".");
        let mut seeds: Vec<String> = vec![
            "https://a.com".into(),
            "https://app500.customer500.com".into(),
            "https://api.eu.partner99.org:8443".into(),
            "http://x_y-z.example.".into(),
            "http://127.0.0.1:3000".into(),
            "http://[::1]:80".into(),
            "https://a.b.c.d.e.f.g.h.i.j.k.l.m.n.o.p.q.r.s.t.u.v.w.x.y.z.co".into(),
            format!("https://{label63}.com"),
            format!("https://{host253}"),
            format!("https://{host253}."),
            "ftp://files.example.com".into(),
            "https://0x7f.example".into(),
            "https://1a.example.1b".into(),
        ];
        for n in 0..=20 {
            seeds.push(format!("https://{}", "a".repeat(n)));
            seeds.push(format!("http://{}.io", "b".repeat(n)));
        }
        let odd = [
            b'.', b':', b'/', b'A', b'_', b'-', b'0', b'9', b'[', b']', b' ', 0, 0xc3, 0x80, b'z',
        ];
        let check = |b: &[u8]| {
            let want = parse_origin_bytewise(b).map(|p| (p, HostDots::of(p.host)));
            assert_eq!(parse_origin_dots(b), want, "{}", String::from_utf8_lossy(b));
            for start in [7, 8] {
                if b.len() >= start {
                    let words = scan_host_words(b, start);
                    assert_eq!(scan_host(b, start), words, "{}", String::from_utf8_lossy(b));
                }
            }
        };
        for seed in &seeds {
            let b = seed.as_bytes();
            check(b);
            for i in 0..b.len() {
                for &o in &odd {
                    let mut m = b.to_vec();
                    m[i] = o;
                    check(&m);
                    m.insert(i, o);
                    check(&m);
                }
                check(&b[..i]);
                let mut m = b.to_vec();
                m.remove(i);
                check(&m);
            }
            for port in [
                "", ":1", ":80", ":443", ":8080", ":65535", ":65536", ":0", ":", ":08",
            ] {
                check(format!("{seed}{port}").as_bytes());
            }
        }
        let dots: Vec<usize> = parse_origin_dots(format!("https://{host253}").as_bytes())
            .map(|(_, d)| d.positions().collect())
            .unwrap_or_default();
        assert_eq!(dots, [63, 127, 191]);
    }

    #[test]
    fn ports_are_strict() {
        assert_eq!(parse_port(b"8080"), Some(8080));
        assert_eq!(parse_port(b"65535"), Some(65535));
        for bad in [&b""[..], b"0", b"080", b"65536", b"999999", b"8a", b"+80"] {
            assert_eq!(parse_port(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn ipv6_serialization_matches_the_url_standard() {
        let cases = [
            ("::1", "::1"),
            ("0:0:0:0:0:0:0:1", "::1"),
            ("2001:DB8::1", "2001:db8::1"),
            ("2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"),
            ("::", "::"),
            ("1::", "1::"),
            ("1:0:2:3:4:5:6:7", "1:0:2:3:4:5:6:7"),
        ];
        for (input, want) in cases {
            let addr: Ipv6Addr = input.parse().unwrap();
            let mut buf = [0u8; 40];
            let n = write_ipv6(&addr, &mut buf);
            assert_eq!(std::str::from_utf8(&buf[..n]).unwrap(), want, "{input}");
        }
        assert!(is_canonical_ipv6(b"::1"));
        assert!(!is_canonical_ipv6(b"0::1"));
        assert!(!is_canonical_ipv6(b"2001:DB8::1"));
    }

    #[test]
    fn origins_are_parsed_strictly() {
        let ok = parse_origin(b"https://a.example.com:8443").unwrap();
        assert_eq!(
            (ok.scheme, ok.host, ok.port),
            (&b"https"[..], &b"a.example.com"[..], Some(8443))
        );
        assert_eq!(parse_origin(b"http://[::1]:3000").unwrap().host, b"[::1]");
        assert_eq!(parse_origin(b"http://127.0.0.1").unwrap().port, None);
        for bad in [
            &b"https://example.com:443"[..],
            b"HTTPS://example.com",
            b"https://Example.com",
            b"https://example.com/",
            b"https://a..b",
            b"https://",
            b"https://:1",
            b"//a.com",
            b"https://a.com ",
            b" https://a.com",
            b"https://a@b.com",
            b"http://127.1",
            b"http://2130706433",
            b"http://0x7f.0.0.1",
            b"http://1.2.3.4.",
            b"http://[::1",
            b"http://[0::1]",
            b"https://a.com:0",
            b"https://a.com:3000:4000",
            b"https://a}.com",
            b"https://a.com\xc3\xa9",
            b"null",
        ] {
            assert_eq!(parse_origin(bad), None, "{}", String::from_utf8_lossy(bad));
        }
        assert!(parse_origin(b"https://example.com.").is_some());
        assert!(parse_origin(b"chrome-extension://abcdef").is_some());
        let long_label = format!("https://{}.com", "a".repeat(64));
        assert_eq!(parse_origin(long_label.as_bytes()), None);
    }
}
