//! What a regex names: the registrable domains, single hosts and ports written in its
//! text, read from the parsed regex (so `(?:app|www)\.(?:foo|bar)\.com` names `foo.com`
//! and `bar.com`). The analysis asks whether a regex admits origins *outside* what it
//! names; this module only says what the names are.
//!
//! Cost: one parse of the regex and a walk of its syntax tree; each finite piece is
//! expanded to at most [`MAX_STRINGS`] strings.

use crate::lang::{ANY_PORT, Dfa, LABEL, SCHEME, TooComplex, escape};
use regex_syntax::hir::{Class, Hir, HirKind, Look};

/// The most strings a finite piece of a regex expands to before it counts as open.
const MAX_STRINGS: usize = 256;

/// Marks the end of the regex (`$`) inside an expanded string.
const END: u8 = 0;

/// The names in one regex.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Named {
    /// Registrable domains (`example.com`), each admitting its subdomains.
    pub domains: Vec<String>,
    /// Hosts named whole: dotted quads and single labels (`localhost`, `intranet`).
    pub hosts: Vec<String>,
    /// Explicit ports written after a `:`.
    pub ports: Vec<u16>,
}

impl Named {
    /// The language of valid-looking origins whose host is one of [`Named::hosts`] or
    /// lies under one of [`Named::domains`] (any scheme, any port).
    ///
    /// # Errors
    /// When the names are too many for the automaton limits.
    pub fn dfa(&self) -> Result<Dfa, TooComplex> {
        match self.regex() {
            Some(r) => Dfa::new(&[r]),
            None => Dfa::new::<String>(&[]),
        }
    }

    /// The regex of [`Named::dfa`]; `None` for the empty language (nothing named).
    pub fn regex(&self) -> Option<String> {
        let mut alts: Vec<String> = self
            .domains
            .iter()
            .map(|d| format!(r"(?:{LABEL}\.)*{}\.?", escape(d)))
            .collect();
        alts.extend(self.hosts.iter().map(|h| escape(h)));
        (!alts.is_empty()).then(|| format!("{SCHEME}://(?:{}){ANY_PORT}", alts.join("|")))
    }

    /// A parenthesized phrase naming the domains, for messages.
    pub fn describe(&self) -> String {
        let all: Vec<&str> = self
            .domains
            .iter()
            .chain(&self.hosts)
            .map(String::as_str)
            .collect();
        if all.is_empty() {
            " (it names no domain)".to_owned()
        } else {
            format!(" (it names {})", all.join(", "))
        }
    }
}

/// The names in regex `re` (empty when it does not parse).
pub fn named_hosts(re: &str) -> Named {
    let Ok(hir) = regex_syntax::ParserBuilder::new()
        .unicode(false)
        .utf8(false)
        .build()
        .parse(&format!("(?:{re})$"))
    else {
        return Named::default();
    };
    let mut strings = Vec::new();
    pieces(&hir, &mut strings);
    let mut named = Named::default();
    for s in strings {
        read_names(&s.to_ascii_lowercase(), &mut named);
    }
    named
}

/// Every string of `h`'s language when it is finite and small.
fn finite(h: &Hir) -> Option<Vec<Vec<u8>>> {
    match h.kind() {
        HirKind::Empty => Some(vec![Vec::new()]),
        HirKind::Look(Look::End | Look::EndLF | Look::EndCRLF) => Some(vec![vec![END]]),
        HirKind::Look(_) => Some(vec![Vec::new()]),
        HirKind::Literal(l) => Some(vec![l.0.to_vec()]),
        HirKind::Class(c) => class_byte(c).map(|b| vec![vec![b]]),
        HirKind::Capture(c) => finite(&c.sub),
        HirKind::Repetition(r) => {
            let max = r.max.filter(|&m| m <= 2)?;
            let sub = finite(&r.sub)?;
            let mut out = Vec::new();
            for n in r.min..=max {
                let mut acc = vec![Vec::new()];
                for _ in 0..n {
                    acc = cross(&acc, &sub)?;
                }
                out.extend(acc);
            }
            Some(out)
        }
        HirKind::Concat(subs) => {
            let mut acc = vec![Vec::new()];
            for s in subs {
                acc = cross(&acc, &finite(s)?)?;
            }
            Some(acc)
        }
        HirKind::Alternation(subs) => {
            let mut out = Vec::new();
            for s in subs {
                out.extend(finite(s)?);
                if out.len() > MAX_STRINGS {
                    return None;
                }
            }
            Some(out)
        }
    }
}

/// The one byte a class stands for: a case pair such as `[Ee]` counts as its
/// lowercase letter, and a bare unescaped `.` (any byte) as the dot it was meant to be.
fn class_byte(c: &Class) -> Option<u8> {
    let mut bytes = Vec::new();
    match c {
        Class::Bytes(b) => {
            for r in b.ranges() {
                bytes.extend(r.start()..=r.end());
            }
        }
        Class::Unicode(u) => {
            for r in u.ranges() {
                for ch in r.start()..=r.end() {
                    bytes.push(u8::try_from(u32::from(ch)).ok()?);
                }
            }
        }
    }
    if bytes.len() >= 128 && bytes.contains(&b'.') {
        return Some(b'.');
    }
    match bytes[..] {
        [b] => Some(b),
        [a, b] if a.eq_ignore_ascii_case(&b) => Some(a.to_ascii_lowercase()),
        _ => None,
    }
}

fn cross(a: &[Vec<u8>], b: &[Vec<u8>]) -> Option<Vec<Vec<u8>>> {
    if a.len() * b.len() > MAX_STRINGS {
        return None;
    }
    Some(
        a.iter()
            .flat_map(|x| b.iter().map(move |y| [&x[..], &y[..]].concat()))
            .collect(),
    )
}

/// The maximal finite pieces of `h`, expanded: runs of finite items in a
/// concatenation, and the finite parts inside open items.
fn pieces(h: &Hir, out: &mut Vec<Vec<u8>>) {
    if let Some(all) = finite(h) {
        out.extend(all);
        return;
    }
    match h.kind() {
        HirKind::Concat(subs) => {
            let mut acc = vec![Vec::new()];
            for s in subs {
                match finite(s) {
                    Some(f) => match cross(&acc, &f) {
                        Some(c) => acc = c,
                        None => {
                            out.append(&mut acc);
                            acc = f;
                        }
                    },
                    None => {
                        out.append(&mut acc);
                        pieces(s, out);
                        acc = vec![Vec::new()];
                    }
                }
            }
            out.append(&mut acc);
        }
        HirKind::Alternation(subs) => subs.iter().for_each(|s| pieces(s, out)),
        HirKind::Capture(c) => pieces(&c.sub, out),
        HirKind::Repetition(r) => pieces(&r.sub, out),
        _ => {}
    }
}

fn is_host_byte(b: u8) -> bool {
    b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'.' || b == b'-' || b == b'_'
}

/// Reads the hosts, domains and ports in one expanded string.
fn read_names(s: &[u8], named: &mut Named) {
    let mut i = 0;
    while i < s.len() {
        if !is_host_byte(s[i]) {
            i += 1;
            continue;
        }
        let start = i;
        while i < s.len() && is_host_byte(s[i]) {
            i += 1;
        }
        let piece = std::str::from_utf8(&s[start..i]).unwrap_or("");
        let before = &s[..start];
        let after = &s[i..];
        if after.starts_with(b"://") {
            continue;
        }
        if before.ends_with(b":") && !before.ends_with(b"://") {
            if let Ok(p) = piece.parse::<u16>()
                && p > 0
            {
                push(&mut named.ports, p);
            }
            continue;
        }
        read_host(piece, before.ends_with(b"://"), after, named);
    }
}

fn read_host(piece: &str, after_scheme: bool, after: &[u8], named: &mut Named) {
    let host = piece.trim_matches('.');
    if host.is_empty() {
        return;
    }
    let whole = after_scheme && matches!(after.first(), Some(&END) | Some(&b':'));
    if host.parse::<std::net::Ipv4Addr>().is_ok() {
        if whole {
            push(&mut named.hosts, host.to_owned());
        }
        return;
    }
    if host.contains('.') {
        if let Some(d) = psl::domain(host.as_bytes())
            && d.suffix().is_known()
            && let Ok(d) = std::str::from_utf8(d.as_bytes())
        {
            push(&mut named.domains, d.to_owned());
        }
    } else if whole {
        push(&mut named.hosts, host.to_owned());
    }
}

fn push<T: PartialEq>(v: &mut Vec<T>, x: T) {
    if !v.contains(&x) {
        v.push(x);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(re: &str) -> (Vec<String>, Vec<String>, Vec<u16>) {
        let n = named_hosts(re);
        (n.domains, n.hosts, n.ports)
    }

    #[test]
    fn reads_domains_through_alternations_and_classes() {
        assert_eq!(
            names(r"^https://(?:app|www)\.(?:foo|bar)\.com$").0,
            ["foo.com", "bar.com"]
        );
        assert_eq!(
            names(r"^https://pr-[0-9]+\.preview\.example\.co\.uk:8443$"),
            (vec!["example.co.uk".to_owned()], vec![], vec![8443])
        );
        assert_eq!(names(r"(?i)^https://Example\.COM$").0, ["example.com"]);
        assert_eq!(names(r"^https://[a-z]*example\.com$").0, ["example.com"]);
        // A public suffix is no registrable domain.
        assert_eq!(
            names(r"^https://[a-z]+\.github\.io$").0,
            Vec::<String>::new()
        );
        assert_eq!(
            names(r"^http://(?:localhost|127\.0\.0\.1):[0-9]+$").1,
            ["localhost", "127.0.0.1"]
        );
        // An unescaped dot is read as the dot it was meant to be.
        assert_eq!(names(r"^https://api.example\.com$").0, ["example.com"]);
        assert_eq!(names(r"^https://(www\.)?example.com$").0, ["example.com"]);
        // Unknown suffixes name nothing.
        assert_eq!(names(r"^https://www\.example$").0, Vec::<String>::new());
    }
}
