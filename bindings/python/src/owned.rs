//! The owned copy of a core decision that a Python `Decision` holds: compact, and made
//! without a heap allocation for every decision of an ordinary policy.
//!
//! The core's `Decision<'a>` borrows from the policy and the request; a Python object
//! outlives both, so its texts are copied. They go, concatenated, into one [`Text`]
//! (inline up to [`INLINE`] bytes, on the heap beyond); each header is a name number and
//! the end of its value in that text. Python objects are made only for the attributes
//! read (lib.rs).
//!
//! Cost: one pass over the decision's lines, one `memcpy` per text; no allocation
//! unless the texts exceed [`INLINE`] bytes (a long `expose_headers` list, many echoed
//! request headers).

use corsgate::names::{ACAC, ACAH, ACAM, ACAO, ACAPN, ACEH, ACMA, DEBUG_REASON, VARY};
use corsgate::{Kind, MAX_HEADERS, Reason, ReasonCode};

/// Bytes of text stored in the object itself. Holds an allowed preflight of a
/// typical policy (origin, methods, headers, max age, the three-name `Vary`, the pattern).
pub(crate) const INLINE: usize = 192;

/// The header names the core emits, numbered in its order.
const NAMES: [&str; 9] = [
    ACAO,
    ACAC,
    ACAM,
    ACAH,
    ACMA,
    ACAPN,
    ACEH,
    VARY,
    DEBUG_REASON,
];

/// The number of a header whose name is not in [`NAMES`] (one a later core may add):
/// its text is `name:value` (a header name never holds `:`).
const OTHER: u8 = u8::MAX;

/// A `[start, end)` range of a [`Text`].
pub(crate) type Span = (u32, u32);

/// Concatenated texts: inline while they fit, else all of them in `heap`.
///
/// Invariant: every piece pushed is a whole `&str`, so every [`Span`] returned by
/// [`Text::push`] is on character boundaries. While `on_heap` is false every byte is in
/// `inline` (and `heap` is empty, unallocated); once it is true every byte is in `heap`.
pub(crate) struct Text {
    len: u32,
    on_heap: bool,
    inline: [u8; INLINE],
    heap: String,
}

impl Text {
    fn new() -> Text {
        Text {
            len: 0,
            on_heap: false,
            inline: [0; INLINE],
            heap: String::new(),
        }
    }

    /// Makes room for `more` bytes: when they will not fit inline, every text goes to
    /// the heap now (one allocation).
    fn reserve(&mut self, more: usize) {
        let len = self.len as usize;
        if self.on_heap {
            self.heap.reserve(more);
        } else if len + more > INLINE {
            let mut heap = String::with_capacity(len + more);
            heap.push_str(self.str(0, len));
            self.heap = heap;
            self.on_heap = true;
        }
    }

    /// Appends `s`; returns where it lies.
    fn push(&mut self, s: &str) -> Span {
        let start = self.len as usize;
        let end = start + s.len();
        self.reserve(s.len());
        if self.on_heap {
            self.heap.push_str(s);
        } else if let Some(dst) = self.inline.get_mut(start..end) {
            dst.copy_from_slice(s.as_bytes());
        }
        // Bounded by the core: origins, request header bytes and policy texts are far
        // below 4 GiB.
        self.len = u32::try_from(end).unwrap_or(u32::MAX);
        (u32::try_from(start).unwrap_or(u32::MAX), self.len)
    }

    fn str(&self, start: usize, end: usize) -> &str {
        let bytes = if !self.on_heap {
            self.inline.get(start..end)
        } else {
            self.heap.as_bytes().get(start..end)
        };
        // Spans fall on the boundaries of pushed `&str`s (invariant): valid UTF-8. The
        // check costs a pass over ASCII bytes, made only when Python reads a text.
        bytes
            .and_then(|b| std::str::from_utf8(b).ok())
            .unwrap_or("")
    }

    /// The text of `span`.
    pub(crate) fn get(&self, (start, end): Span) -> &str {
        self.str(start as usize, end as usize)
    }
}

/// A core decision, owned: what `corsgate.Decision` holds.
pub(crate) struct Owned {
    pub(crate) kind: Kind,
    pub(crate) allowed: bool,
    pub(crate) status: Option<u16>,
    n_headers: u8,
    /// The name of header `i`: an index into [`NAMES`], or [`OTHER`].
    names: [u8; MAX_HEADERS],
    /// The value of header `i` is `text[ends[i - 1]..ends[i]]` (from 0 for the first).
    ends: [u32; MAX_HEADERS],
    reason_code: ReasonCode,
    reason_index: usize,
    reason_detail: Span,
    /// For a policy set's decision with a route: the selected policy's name and the
    /// route's index.
    pub(crate) selected: Option<(Span, usize)>,
    pub(crate) text: Text,
}

impl Owned {
    /// Copies the core's decision.
    pub(crate) fn new(d: &corsgate::Decision<'_>) -> Owned {
        // First the lines as the core lends them, then one copy of all their texts.
        let mut lines = [(0u8, ""); MAX_HEADERS];
        let mut n = 0;
        let mut other = false;
        // In place (`for_each_header`): the `headers()` iterator copies the whole decision.
        d.for_each_header(|h| {
            // The core bounds a decision to MAX_HEADERS lines.
            let Some(line) = lines.get_mut(n) else {
                return;
            };
            // The core passes these very constants: the address usually matches.
            let number = NAMES
                .iter()
                .position(|k| std::ptr::eq(*k, h.name))
                .or_else(|| NAMES.iter().position(|k| *k == h.name));
            *line = (number.map_or(OTHER, |i| i as u8), h.value);
            other |= number.is_none();
            n += 1;
        });
        if other {
            return Owned::with_other_names(d);
        }
        let reason = d.reason();
        let mut text = Text::new();
        let mut names = [0; MAX_HEADERS];
        let mut ends = [0; MAX_HEADERS];
        let total = lines[..n].iter().map(|(_, v)| v.len()).sum::<usize>() + reason.detail().len();
        text.reserve(total);
        for (i, (name, value)) in lines[..n].iter().enumerate() {
            names[i] = *name;
            ends[i] = text.push(value).1;
        }
        Owned::assemble(d, n, names, ends, text)
    }

    /// [`Owned::new`] for a decision with a header name not in [`NAMES`] (from a later
    /// core): each such header's text is `name:value`.
    #[cold]
    fn with_other_names(d: &corsgate::Decision<'_>) -> Owned {
        let mut text = Text::new();
        let mut names = [0; MAX_HEADERS];
        let mut ends = [0; MAX_HEADERS];
        let mut n = 0;
        d.for_each_header(|h| {
            let (Some(name), Some(end)) = (names.get_mut(n), ends.get_mut(n)) else {
                return;
            };
            *name = match NAMES.iter().position(|k| *k == h.name) {
                Some(i) => i as u8,
                None => {
                    text.push(h.name);
                    text.push(":");
                    OTHER
                }
            };
            *end = text.push(h.value).1;
            n += 1;
        });
        Owned::assemble(d, n, names, ends, text)
    }

    /// The owned decision made of `d`'s fields, its `n` header lines copied (`names`,
    /// `ends`, `text`); its reason's text is appended to `text`.
    fn assemble(
        d: &corsgate::Decision<'_>,
        n: usize,
        names: [u8; MAX_HEADERS],
        ends: [u32; MAX_HEADERS],
        mut text: Text,
    ) -> Owned {
        let reason = d.reason();
        Owned {
            kind: d.kind(),
            allowed: d.allowed(),
            status: d.status(),
            n_headers: n as u8,
            names,
            ends,
            reason_code: reason.reason_code(),
            reason_index: reason.index().unwrap_or(0),
            reason_detail: text.push(reason.detail()),
            selected: None,
            text,
        }
    }

    /// Copies a policy set's decision: the decision, and the selected policy's name.
    pub(crate) fn from_set(d: &corsgate::SetDecision<'_>) -> Owned {
        let mut out = Owned::new(&d.decision());
        if let (Some(name), Some(route)) = (d.policy(), d.route()) {
            out.selected = Some((out.text.push(name), route));
        }
        out
    }

    /// The reason, rebuilt from its parts.
    pub(crate) fn reason(&self) -> Reason<'_> {
        Reason::from_parts(
            self.reason_code,
            self.reason_index,
            self.text.get(self.reason_detail),
        )
    }

    /// The response headers, `(name, value)`, in the core's order.
    pub(crate) fn headers(&self) -> impl ExactSizeIterator<Item = (&str, &str)> {
        let n = usize::from(self.n_headers);
        self.names[..n]
            .iter()
            .zip(&self.ends[..n])
            .enumerate()
            .map(|(i, (&name, &end))| {
                let start = self.ends.get(i.wrapping_sub(1)).copied().unwrap_or(0);
                let text = self.text.get((start, end));
                match NAMES.get(usize::from(name)) {
                    Some(known) => (*known, text),
                    None => text.split_once(':').unwrap_or((text, "")),
                }
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Texts past `INLINE` move to the heap; every span still reads back its piece.
    #[test]
    fn text_spills_to_the_heap_intact() {
        let mut t = Text::new();
        let pieces: Vec<String> = (0..40).map(|i| format!("piece-{i}-é")).collect();
        let spans: Vec<Span> = pieces.iter().map(|p| t.push(p)).collect();
        assert!(t.on_heap, "40 pieces exceed {INLINE} bytes");
        for (p, s) in pieces.iter().zip(spans) {
            assert_eq!(t.get(s), p);
        }
        assert_eq!(t.get((0, 0)), "");
    }

    /// A decision whose texts exceed `INLINE` (a long `expose_headers`) reads back whole.
    #[test]
    fn long_decision_is_copied_whole() {
        let names: Vec<String> = (0..60).map(|i| format!("\"x-expose-{i}\"")).collect();
        let p = corsgate::Policy::from_json(&format!(
            r#"{{"origins":["https://a.com"],"expose_headers":[{}]}}"#,
            names.join(",")
        ))
        .expect("valid policy");
        let d = p.evaluate_str("GET", &[("Origin", "https://a.com")]);
        let owned = Owned::new(&d);
        assert!(owned.text.on_heap);
        let core: Vec<(&str, &str)> = d.headers().map(|h| (h.name, h.value)).collect();
        assert_eq!(owned.headers().collect::<Vec<_>>(), core);
        assert_eq!(owned.reason(), d.reason());
        let slow = Owned::with_other_names(&d);
        assert_eq!(slow.headers().collect::<Vec<_>>(), core);
        assert_eq!(slow.reason(), d.reason());
    }
}
