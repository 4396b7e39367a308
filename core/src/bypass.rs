//! The bypass classes of one regex, decided by intersecting its automaton with the
//! language of each class (see [`crate::lang`]), each with the shortest origin that
//! shows it and the rewrite that fixes it.
//!
//! The classes, for a regex `R` that names the registrable domains `D` (see
//! [`crate::named`]), over valid, non-loopback origins that `R` admits:
//! - `special_character`: as `prefix_suffix`, glued with `-` or `_`
//!   (`example.com-evil.net`);
//! - `prefix_suffix`: a label glued before or after a domain of `D` (`evilexample.com`,
//!   `example.comevil.net`), the host under no domain of `D`;
//! - `post_domain`: a domain of `D` followed by more labels (`example.com.evil.net`);
//! - `unescaped_dot`: a domain of `D` with one of its dots replaced by a label byte;
//! - `public_suffix_sibling`: the registrable label of `D` under another suffix;
//! - `idn_lookalike`: a punycode label outside `D`;
//! - `foreign_domain`: any other host under no domain of `D` (reported only when none
//!   of the classes above is);
//! - `scheme_downgrade`: a plain `http://` origin;
//! - `port_confusion`: an explicit port the regex does not name;
//! - `pre_domain`: a host under `D` with more labels than the regex's label-strict
//!   reading admits (`.` removed from every character class that stands for one label).
//!
//! A regex exactly as narrow as an exact or wildcard pattern has no finding: its hosts
//! all lie under the domains it names, and its labels are whole labels.
//!
//! Cost: one DFA per regex (and one for its label-strict reading when that differs);
//! the class languages depend only on the named domains and are built once per
//! distinct set of them ([`Shared`]). One product search decides whether the regex
//! admits any host outside its domains; only then is each host class searched. Then
//! one search each for the scheme, the port and the label classes.

use crate::lang::{
    ANY_PORT, Dfa, LABEL, SCHEME, Shared, Term, TooComplex, escape, loopback, plain_http,
    within_valid, witness,
};
use crate::named::{Named, named_hosts};
use regex_syntax::hir::{Class, ClassBytes, ClassBytesRange, Hir, HirKind};

/// One class a regex falls into.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Bypass {
    /// The class (see the module docs).
    pub class: &'static str,
    /// The shortest origin of the class the regex admits.
    pub witness: String,
    /// What the witness shows, one clause.
    pub why: String,
    /// The rewrite that removes the class.
    pub fix: String,
}

/// The host-shape classes, in report order: (class, regex of the class over `D`).
fn host_classes(named: &Named) -> Vec<(&'static str, String)> {
    let mut out = Vec::new();
    if !named.domains.is_empty() {
        let d = alternation(named.domains.iter().map(|d| escape(d)));
        let any = "[a-z0-9_.-]";
        out.push((
            "special_character",
            format!(
                r"{SCHEME}://{any}*[_-](?:{d})\.?{ANY_PORT}|{SCHEME}://(?:{any}*\.)?(?:{d})[_-]{any}*{ANY_PORT}"
            ),
        ));
        out.push((
            "prefix_suffix",
            format!(
                r"{SCHEME}://{any}*[a-z0-9_-](?:{d})\.?{ANY_PORT}|{SCHEME}://(?:{any}*\.)?(?:{d})[a-z0-9_-]{any}*{ANY_PORT}"
            ),
        ));
        out.push((
            "post_domain",
            format!(r"{SCHEME}://(?:{any}*\.)?(?:{d})\.{any}*[a-z0-9_-]\.?{ANY_PORT}"),
        ));
        let variants = alternation(named.domains.iter().flat_map(|d| dot_variants(d)));
        out.push((
            "unescaped_dot",
            format!(r"{SCHEME}://(?:{LABEL}\.)*(?:{variants})\.?{ANY_PORT}"),
        ));
        let labels = alternation(
            named
                .domains
                .iter()
                .filter_map(|d| d.split('.').next())
                .map(escape),
        );
        out.push((
            "public_suffix_sibling",
            format!(r"{SCHEME}://(?:{LABEL}\.)*(?:{labels})\.{any}+{ANY_PORT}"),
        ));
        out.push((
            "idn_lookalike",
            format!(r"{SCHEME}://(?:[a-z0-9_.-]*\.)?xn--[a-z0-9_.-]*{ANY_PORT}"),
        ));
    }
    out
}

fn alternation(items: impl Iterator<Item = String>) -> String {
    items.collect::<Vec<_>>().join("|")
}

/// `d` with each of its dots in turn replaced by any label byte.
fn dot_variants(d: &str) -> Vec<String> {
    d.match_indices('.')
        .map(|(i, _)| format!("{}[a-z0-9_-]{}", escape(&d[..i]), escape(&d[i + 1..])))
        .collect()
}

/// The rewrite that keeps a host on a domain's label boundary.
fn anchor_fix(named: &Named) -> String {
    match named.domains.first() {
        Some(d) => {
            let e = escape(d).replace('\\', "\\\\");
            format!("anchor the host on a label boundary and escape its dots: \"~^https://(?:[a-z0-9-]+\\\\.)*{e}$\", or the patterns \"https://{d}\" and \"https://*.{d}\"")
        }
        None => "list the origins, or end the host with the escaped domain it must belong to (\"\\\\.example\\\\.com$\")".to_owned(),
    }
}

/// Every class regex `re` falls into. `admitted` is the real evaluator's answer for a
/// candidate witness (so every witness reported is an origin the policy allows).
/// `shared` keeps the class languages for the next regex of the same analysis.
///
/// # Errors
/// When an automaton or a search exceeds the limits.
pub fn classify(
    re: &str,
    shared: &mut Shared,
    mut admitted: impl FnMut(&str) -> bool,
) -> Result<Vec<Bypass>, TooComplex> {
    let r = Dfa::new(&[re])?;
    let named = named_hosts(re);
    let under = shared.dfa(named.regex())?;
    let mut out = Vec::new();
    // Every host class, and `foreign_domain`, lies outside the named domains: when the
    // regex admits no such string at all (whatever the evaluator would say of it), no
    // class can have a witness and none is searched. Exact: an empty language has
    // empty subsets.
    if witness(&base(&r, &[(&under, false)]), |_| true)?.is_some() {
        host_findings(&r, &named, &under, shared, &mut admitted, &mut out)?;
    }
    if let Some(w) = witness(&base(&r, &[(plain_http(), true)]), &mut admitted)? {
        out.push(Bypass {
            class: "scheme_downgrade",
            why: "plain http: anyone on the network path can impersonate it".to_owned(),
            witness: w,
            fix: "require https: write \"https://\" rather than \"https?://\" or \"http://\""
                .to_owned(),
        });
    }
    port_class(&r, &named, shared, &mut admitted, &mut out)?;
    extra_labels(re, &r, &under, &mut admitted, &mut out)?;
    Ok(out)
}

/// The host-shape classes, then `foreign_domain` when none of them has a witness.
fn host_findings(
    r: &Dfa,
    named: &Named,
    under: &Dfa,
    shared: &mut Shared,
    admitted: &mut dyn FnMut(&str) -> bool,
    out: &mut Vec<Bypass>,
) -> Result<(), TooComplex> {
    let mut foreign_found = false;
    // The classes are made disjoint: each excludes the classes already reported.
    let mut reported: Vec<std::rc::Rc<Dfa>> = Vec::new();
    for (class, lang) in host_classes(named) {
        let d = shared.dfa(Some(lang))?;
        let mut extra: Vec<Term<'_>> = vec![(&d, true), (under, false)];
        extra.extend(reported.iter().map(|x| (&**x, false)));
        if let Some(w) = witness(&base(r, &extra), &mut *admitted)? {
            foreign_found = true;
            out.push(Bypass {
                class,
                why: format!(
                    "its registrable domain is none the regex names{}",
                    named.describe()
                ),
                witness: w,
                fix: anchor_fix(named),
            });
            reported.push(d);
        }
    }
    if !foreign_found && let Some(w) = witness(&base(r, &[(under, false)]), admitted)? {
        out.push(Bypass {
            class: "foreign_domain",
            why: format!(
                "its registrable domain is none the regex names{}",
                named.describe()
            ),
            witness: w,
            fix: anchor_fix(named),
        });
    }
    Ok(())
}

/// The terms "admitted by `r`, valid, not loopback", plus `extra`.
fn base<'a>(r: &'a Dfa, extra: &[Term<'a>]) -> Vec<Term<'a>> {
    let mut t: Vec<Term<'a>> = vec![(r, true), (loopback(), false)];
    t.extend_from_slice(extra);
    within_valid(t)
}

/// `port_confusion`: an explicit port the regex does not name.
fn port_class(
    r: &Dfa,
    named: &Named,
    shared: &mut Shared,
    admitted: &mut dyn FnMut(&str) -> bool,
    out: &mut Vec<Bypass>,
) -> Result<(), TooComplex> {
    let has_port = shared.dfa(Some(format!("{SCHEME}://[^/]*:[0-9]+")))?;
    let ports: Vec<String> = named.ports.iter().map(u16::to_string).collect();
    let listed = shared.dfa((!ports.is_empty()).then(|| format!(".*:(?:{})", ports.join("|"))))?;
    if let Some(w) = witness(&base(r, &[(&has_port, true), (&listed, false)]), admitted)? {
        let fix = if ports.is_empty() {
            "remove the port group, or list the ports (\"https://host:[8443]\")".to_owned()
        } else {
            format!("list only the ports meant: \":(?:{})\"", ports.join("|"))
        };
        out.push(Bypass {
            class: "port_confusion",
            why: "the regex names no such port".to_owned(),
            witness: w,
            fix,
        });
    }
    Ok(())
}

/// `pre_domain`: a host under a named domain with more labels than the label-strict
/// reading admits.
fn extra_labels(
    re: &str,
    r: &Dfa,
    under: &Dfa,
    admitted: &mut dyn FnMut(&str) -> bool,
    out: &mut Vec<Bypass>,
) -> Result<(), TooComplex> {
    let Some(strict) = label_strict(re) else {
        return Ok(());
    };
    let strict = Dfa::new(&[strict])?;
    if let Some(w) = witness(&base(r, &[(under, true), (&strict, false)]), admitted)? {
        out.push(Bypass {
            class: "pre_domain",
            why: "a character class meant for one label also matches \".\", so it admits more labels".to_owned(),
            witness: w,
            fix: "leave \".\" out of the classes that stand for one label ([a-z0-9-] rather than [a-z0-9.-]), or write \"https://*.<domain>\" when any depth is meant".to_owned(),
        });
    }
    Ok(())
}

/// The label-strict reading of `re`: every character class that stands for one label
/// byte loses `.`; a repeated wide class (`.*`, `[^/]+`) stays, as a deliberate
/// wildcard; a bare wide class (an unescaped `.`) is read as a literal dot. `None`
/// when the reading is the regex itself.
pub fn label_strict(re: &str) -> Option<String> {
    let hir = regex_syntax::ParserBuilder::new()
        .unicode(false)
        .utf8(false)
        .build()
        .parse(re)
        .ok()?;
    let mut changed = false;
    let strict = strict_hir(&hir, false, &mut changed);
    changed.then(|| strict.to_string())
}

fn strict_hir(h: &Hir, repeated: bool, changed: &mut bool) -> Hir {
    match h.kind() {
        HirKind::Class(c) => {
            let bytes = class_bytes(c);
            let n: usize = bytes.ranges().iter().map(|r| r.len()).sum();
            let has_dot = bytes
                .ranges()
                .iter()
                .any(|r| r.start() <= b'.' && b'.' <= r.end());
            if !has_dot || n < 2 || (n >= 128 && repeated) {
                return h.clone();
            }
            *changed = true;
            if n >= 128 {
                return Hir::literal(&b"."[..]);
            }
            let mut b = bytes;
            b.difference(&ClassBytes::new([ClassBytesRange::new(b'.', b'.')]));
            Hir::class(Class::Bytes(b))
        }
        HirKind::Repetition(r) => {
            let mut r = r.clone();
            r.sub = Box::new(strict_hir(&r.sub, true, changed));
            Hir::repetition(r)
        }
        HirKind::Capture(c) => {
            let mut c = c.clone();
            c.sub = Box::new(strict_hir(&c.sub, repeated, changed));
            Hir::capture(c)
        }
        HirKind::Concat(subs) => Hir::concat(
            subs.iter()
                .map(|s| strict_hir(s, repeated, changed))
                .collect(),
        ),
        HirKind::Alternation(subs) => Hir::alternation(
            subs.iter()
                .map(|s| strict_hir(s, repeated, changed))
                .collect(),
        ),
        _ => h.clone(),
    }
}

fn class_bytes(c: &Class) -> ClassBytes {
    match c {
        Class::Bytes(b) => b.clone(),
        Class::Unicode(u) => ClassBytes::new(u.ranges().iter().filter_map(|r| {
            let lo = u8::try_from(u32::from(r.start())).ok()?;
            let hi = u8::try_from(u32::from(r.end()).min(255)).ok()?;
            Some(ClassBytesRange::new(lo, hi))
        })),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn classes(re: &str) -> Vec<(&'static str, String)> {
        let d = Dfa::new(&[re]).unwrap();
        classify(re, &mut Shared::default(), |o| {
            crate::lang::is_valid_origin(o.as_bytes()) && d.accepts(o.as_bytes())
        })
        .unwrap()
        .into_iter()
        .map(|b| (b.class, b.witness))
        .collect()
    }

    #[test]
    fn the_issue_examples() {
        assert_eq!(
            classes(r"^https://[a-z0-9.-]+$"),
            [("foreign_domain", "https://a".to_owned())]
        );
    }

    #[test]
    fn narrow_regexes_have_no_class() {
        for re in [
            r"^https://example\.com$",
            r"^https://(?:[a-z0-9-]+\.)+example\.com$",
            r"^https://.*\.example\.com$",
            r"^https://[^/]+\.example\.com$",
            r"^https://pr-[0-9]+\.preview\.example\.com$",
            r"^https://(?:app|www)\.example\.com:8443$",
            r"^http://localhost:[0-9]+$",
        ] {
            assert_eq!(classes(re), [], "{re}");
        }
    }
}
