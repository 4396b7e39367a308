//! Applying a decision to a response: the one response rule every runtime calls.
//!
//! The policy owns a response's CORS headers. When a decision meets the headers an
//! application produced:
//! - every `Access-Control-*` header the application set is removed, whatever the
//!   verdict ([`is_owned`]);
//! - the decision's headers are added;
//! - `Vary` is merged: the application's `Vary` lines are kept as written (duplicates
//!   included), and each of the decision's `Vary` tokens is added once unless the
//!   application already lists it (compared ASCII case-insensitively) or lists `*`;
//! - for a decision that answers the request itself ([`calls_application`] is false: a
//!   preflight, or a request refused by cross-origin protection), the application is not
//!   called: the final response is the decision's own headers.
//!
//! [`merge`] is the rule over any header representation (bytes, the C ABI's slices, a
//! binding's stored decision); [`Decision::apply_to`] is the same for a core decision.
//! Both are lazy iterators that never allocate: the final response is the application's
//! kept lines, in order, then the decision's lines ([`Merged`]), so a runtime that edits
//! its response in place drops the lines [`is_owned`] names and appends the
//! [`Merged::Added`] ones.
//!
//! Cost: one pass over the application's lines, plus one more per `Vary` token the
//! decision carries (one, `Origin`, for every decision that calls the application).
//!
//! ```
//! use corsgate::{Policy, response::{Line, Merged}};
//!
//! let policy = Policy::from_json(r#"{"origins": ["https://app.example.com"]}"#).unwrap();
//! let d = policy.evaluate(b"GET", [(&b"Origin"[..], &b"https://evil.com"[..])]);
//! let app = [("Access-Control-Allow-Origin", "*"), ("Vary", "Accept-Encoding")];
//! let fin: Vec<(String, String)> = d
//!     .apply_to(&app)
//!     .map(|l| (l.name_str().into(), l.value_str().into()))
//!     .collect();
//! assert_eq!(fin, [("Vary".into(), "Accept-Encoding".into()), ("Vary".into(), "Origin".into())]);
//! assert!(matches!(d.apply_to(&app).next(), Some(Merged::App(_))));
//! ```

use crate::decision::{Decision, Header, Headers, Kind, MAX_HEADERS, names};

/// The prefix (ASCII case-insensitive) of every response header name the policy owns.
/// An application's header with this prefix never reaches the final response.
pub const OWNED_PREFIX: &str = "Access-Control-";

/// The header the decision and the application share: merged by tokens, never replaced.
pub const VARY: &str = names::VARY;

/// The most `Vary` tokens one decision carries (`Origin` and the three preflight request
/// headers).
pub const MAX_VARY_TOKENS: usize = 4;

/// The most lines [`merge`] adds for a decision of [`Policy::evaluate`]
/// (crate::Policy::evaluate): its headers, with its `Vary` split into one line per token
/// in the worst case. A runtime sizing a buffer for the final response needs
/// `app_lines + MAX_ADDED` entries.
pub const MAX_ADDED: usize = MAX_HEADERS - 1 + MAX_VARY_TOKENS;

/// Whether the policy owns a response header named `name`: it starts with
/// `Access-Control-` (ASCII case-insensitive). Such a header set by the application is
/// always removed. Never allocates.
///
/// ```
/// assert!(corsgate::response::is_owned(b"access-control-allow-origin"));
/// assert!(corsgate::response::is_owned(b"Access-Control-X-Anything"));
/// assert!(!corsgate::response::is_owned(b"Vary"));
/// ```
#[inline]
pub fn is_owned(name: &[u8]) -> bool {
    name.len() >= OWNED_PREFIX.len()
        && name[..OWNED_PREFIX.len()].eq_ignore_ascii_case(OWNED_PREFIX.as_bytes())
}

/// Whether `name` is `Vary` (ASCII case-insensitive).
#[inline]
pub fn is_vary(name: &[u8]) -> bool {
    name.eq_ignore_ascii_case(VARY.as_bytes())
}

/// Whether the application is called for a decision of this kind (then its response is
/// merged); false when the decision answers the request itself (a preflight, a refused
/// request), whose final response is the decision's own headers. Same as
/// [`Kind::calls_application`].
#[inline]
pub fn calls_application(kind: Kind) -> bool {
    kind.calls_application()
}

/// A response header line as bytes: implemented for `(name, value)` pairs of anything
/// that is `AsRef<[u8]>` (`&str`, `String`, `&[u8]`, `Vec<u8>`), for references to
/// lines, for the core's [`Header`] and for [`Merged`].
pub trait Line {
    /// The header name, in any case.
    fn name(&self) -> &[u8];
    /// The header value.
    fn value(&self) -> &[u8];
    /// [`Line::name`] as text (lossy: a byte that is not UTF-8 becomes U+FFFD).
    fn name_str(&self) -> std::borrow::Cow<'_, str> {
        String::from_utf8_lossy(self.name())
    }
    /// [`Line::value`] as text (lossy: a byte that is not UTF-8 becomes U+FFFD).
    fn value_str(&self) -> std::borrow::Cow<'_, str> {
        String::from_utf8_lossy(self.value())
    }
}

impl<N: AsRef<[u8]>, V: AsRef<[u8]>> Line for (N, V) {
    fn name(&self) -> &[u8] {
        self.0.as_ref()
    }
    fn value(&self) -> &[u8] {
        self.1.as_ref()
    }
}

impl<T: Line + ?Sized> Line for &T {
    fn name(&self) -> &[u8] {
        (**self).name()
    }
    fn value(&self) -> &[u8] {
        (**self).value()
    }
}

impl Line for Header<'_> {
    fn name(&self) -> &[u8] {
        self.name.as_bytes()
    }
    fn value(&self) -> &[u8] {
        self.value.as_bytes()
    }
}

/// A line with its position in the application's list: pass
/// `app.iter().enumerate().map(Indexed::from)` to [`merge`] and each kept line
/// ([`Merged::App`]) names the caller's own object, so a binding maps the final response
/// back to its runtime's header objects without copying them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Indexed<L> {
    /// Position in the application's list.
    pub index: usize,
    /// The line.
    pub line: L,
}

impl<L> From<(usize, L)> for Indexed<L> {
    fn from((index, line): (usize, L)) -> Self {
        Indexed { index, line }
    }
}

impl<L: Line> Line for Indexed<L> {
    fn name(&self) -> &[u8] {
        self.line.name()
    }
    fn value(&self) -> &[u8] {
        self.line.value()
    }
}

/// One line of the final response.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Merged<'d, A> {
    /// A line of the application's response, kept as written (its `Vary` lines
    /// included).
    App(A),
    /// A line the decision adds. For `Vary`, the decision's whole value, or one of its
    /// tokens when the application already lists some of them.
    Added {
        /// The header name as the decision writes it (canonical case).
        name: &'d [u8],
        /// The value.
        value: &'d [u8],
    },
}

impl<A: Line> Line for Merged<'_, A> {
    fn name(&self) -> &[u8] {
        match self {
            Merged::App(a) => a.name(),
            Merged::Added { name, .. } => name,
        }
    }
    fn value(&self) -> &[u8] {
        match self {
            Merged::App(a) => a.value(),
            Merged::Added { value, .. } => value,
        }
    }
}

/// The final response when a decision of `kind` with headers `decision` meets the
/// application's headers `app`: the response rule (see the module docs).
///
/// `decision` yields the decision's lines as `(name, value)` byte slices (as
/// [`Decision::headers`] or a binding's stored copy of them); `app` yields the
/// application's lines in order (ignored when the application is not called). Lazy and
/// allocation-free; `app` is walked again for each of the decision's `Vary` tokens, hence
/// `Clone` (a slice iterator is).
pub fn merge<'d, A, D>(kind: Kind, decision: D, app: A) -> Merge<'d, A::IntoIter, D::IntoIter>
where
    A: IntoIterator,
    A::IntoIter: Clone,
    A::Item: Line,
    D: IntoIterator<Item = (&'d [u8], &'d [u8])>,
{
    let app = app.into_iter();
    Merge {
        calls_app: calls_application(kind),
        all_app: app.clone(),
        app,
        app_done: false,
        decision: decision.into_iter(),
        app_star: None,
        vary: None,
    }
}

/// The iterator of [`merge`] and [`Decision::apply_to`]: the application's kept lines,
/// then the decision's.
#[derive(Clone, Debug)]
pub struct Merge<'d, A, D> {
    calls_app: bool,
    /// Untouched copy of the application's lines, walked for its `Vary` tokens.
    all_app: A,
    /// The application's lines still to yield.
    app: A,
    app_done: bool,
    decision: D,
    /// Whether the application's `Vary` holds `*`; computed on the first `Vary` line of
    /// the decision.
    app_star: Option<bool>,
    /// A decision `Vary` line being split into the tokens the application lacks:
    /// `(name, rest of the value)`.
    vary: Option<(&'d [u8], &'d [u8])>,
}

/// The comma-separated tokens of a `Vary` value, optional whitespace trimmed, empty
/// elements skipped.
fn tokens(value: &[u8]) -> impl Iterator<Item = &[u8]> {
    value
        .split(|&b| b == b',')
        .map(|t| t.trim_ascii())
        .filter(|t| !t.is_empty())
}

/// The first token of `rest` and what follows it (`None` when no token is left).
fn next_token(rest: &[u8]) -> Option<(&[u8], &[u8])> {
    let mut rest = rest;
    loop {
        let (head, tail) = match rest.iter().position(|&b| b == b',') {
            Some(i) => (&rest[..i], &rest[i + 1..]),
            None => (rest, &rest[rest.len()..]),
        };
        let token = head.trim_ascii();
        if !token.is_empty() {
            return Some((token, tail));
        }
        if tail.is_empty() {
            return None;
        }
        rest = tail;
    }
}

impl<'d, A, D> Merge<'d, A, D>
where
    A: Iterator + Clone,
    A::Item: Line,
{
    /// Whether the application's `Vary` lines list `token` (ASCII case-insensitive).
    fn app_lists(&self, token: &[u8]) -> bool {
        self.all_app
            .clone()
            .any(|l| is_vary(l.name()) && tokens(l.value()).any(|t| t.eq_ignore_ascii_case(token)))
    }

    fn app_star(&mut self) -> bool {
        let all = &self.all_app;
        *self.app_star.get_or_insert_with(|| {
            all.clone()
                .any(|l| is_vary(l.name()) && tokens(l.value()).any(|t| t == b"*"))
        })
    }

    /// The next token of the `Vary` line being split that the application lacks.
    fn next_vary_token(&mut self) -> Option<Merged<'d, A::Item>> {
        while let Some((name, rest)) = self.vary {
            match next_token(rest) {
                Some((token, tail)) => {
                    self.vary = Some((name, tail));
                    if !self.app_lists(token) {
                        return Some(Merged::Added { name, value: token });
                    }
                }
                None => self.vary = None,
            }
        }
        None
    }

    /// A decision `Vary` line merged into the application's: the whole line when the
    /// application lists none of its tokens, nothing under `Vary: *`, else starts
    /// splitting it.
    fn vary_line(&mut self, name: &'d [u8], value: &'d [u8]) -> Option<Merged<'d, A::Item>> {
        if self.app_star() {
            return None;
        }
        if !tokens(value).any(|t| self.app_lists(t)) {
            return Some(Merged::Added { name, value });
        }
        self.vary = Some((name, value));
        self.next_vary_token()
    }
}

impl<'d, A, D> Iterator for Merge<'d, A, D>
where
    A: Iterator + Clone,
    A::Item: Line,
    D: Iterator<Item = (&'d [u8], &'d [u8])>,
{
    type Item = Merged<'d, A::Item>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.calls_app && !self.app_done {
            for line in self.app.by_ref() {
                if !is_owned(line.name()) {
                    return Some(Merged::App(line));
                }
            }
            self.app_done = true;
        }
        if let Some(m) = self.next_vary_token() {
            return Some(m);
        }
        while let Some((name, value)) = self.decision.next() {
            if !self.calls_app || !is_vary(name) {
                return Some(Merged::Added { name, value });
            }
            if let Some(m) = self.vary_line(name, value) {
                return Some(m);
            }
        }
        None
    }
}

/// A core header as the byte pair [`merge`] takes.
fn header_bytes<'a>(h: Header<'a>) -> (&'a [u8], &'a [u8]) {
    (h.name.as_bytes(), h.value.as_bytes())
}

/// The decision lines of a core [`Decision`], as [`merge`] takes them.
pub type DecisionLines<'a> = std::iter::Map<Headers<'a>, fn(Header<'a>) -> (&'a [u8], &'a [u8])>;

impl<'a> Decision<'a> {
    /// The final response when this decision meets the application's response headers
    /// `app` (in order; any case): [`merge`] with this decision's kind and headers. For
    /// a preflight, `app` is ignored. Never allocates.
    pub fn apply_to<A>(&self, app: A) -> Merge<'a, A::IntoIter, DecisionLines<'a>>
    where
        A: IntoIterator,
        A::IntoIter: Clone,
        A::Item: Line,
    {
        let lines: DecisionLines<'a> = self.headers().map(header_bytes);
        merge(self.kind(), lines, app)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Policy;

    type Pairs = Vec<(String, String)>;

    fn run(kind: Kind, decision: &[(&str, &str)], app: &[(&str, &str)]) -> Pairs {
        let d = decision.iter().map(|(n, v)| (n.as_bytes(), v.as_bytes()));
        merge(kind, d, app)
            .map(|l| (l.name_str().into_owned(), l.value_str().into_owned()))
            .collect()
    }

    fn pairs(v: &[(&str, &str)]) -> Pairs {
        v.iter()
            .map(|(n, v)| (n.to_string(), v.to_string()))
            .collect()
    }

    const ACAO: (&str, &str) = ("Access-Control-Allow-Origin", "https://a.com");
    const VARY_ORIGIN: (&str, &str) = ("Vary", "Origin");

    #[test]
    fn owned_names() {
        for n in [
            "Access-Control-Allow-Origin",
            "access-control-allow-credentials",
            "ACCESS-CONTROL-MAX-AGE",
            "Access-Control-",
            "access-control-x-custom",
        ] {
            assert!(is_owned(n.as_bytes()), "{n}");
        }
        for n in [
            "Vary",
            "Access-Control",
            "X-Access-Control-Allow-Origin",
            "",
            "a",
        ] {
            assert!(!is_owned(n.as_bytes()), "{n}");
        }
        assert!(is_vary(b"vary") && is_vary(b"VARY") && !is_vary(b"varyx"));
    }

    #[test]
    fn application_cors_headers_removed_whatever_the_verdict() {
        let app = [
            ("Content-Type", "text/plain"),
            ("access-control-allow-origin", "*"),
            ("Access-Control-Allow-Credentials", "true"),
            ("X-Id", "1"),
        ];
        // Denied: the decision adds only Vary.
        let got = run(Kind::Actual, &[VARY_ORIGIN], &app);
        assert_eq!(
            got,
            pairs(&[("Content-Type", "text/plain"), ("X-Id", "1"), VARY_ORIGIN])
        );
        // Allowed: the decision's ACAO replaces the application's.
        let got = run(Kind::Actual, &[ACAO, VARY_ORIGIN], &app);
        assert_eq!(
            got,
            pairs(&[
                ("Content-Type", "text/plain"),
                ("X-Id", "1"),
                ACAO,
                VARY_ORIGIN
            ])
        );
        // Not CORS with an any-origin policy: no Vary, a static `*`.
        let got = run(
            Kind::NotCors,
            &[("Access-Control-Allow-Origin", "*")],
            &[("Access-Control-Allow-Origin", "https://x.com")],
        );
        assert_eq!(got, pairs(&[("Access-Control-Allow-Origin", "*")]));
    }

    #[test]
    fn vary_merged_by_tokens() {
        // Appended when absent; the application's lines kept as written.
        let got = run(
            Kind::Actual,
            &[VARY_ORIGIN],
            &[("vary", "Accept-Encoding"), ("Vary", "Cookie, cookie")],
        );
        assert_eq!(
            got,
            pairs(&[
                ("vary", "Accept-Encoding"),
                ("Vary", "Cookie, cookie"),
                VARY_ORIGIN
            ])
        );
        // Present (any case, any position, any whitespace): not added again.
        for v in ["origin", "Accept, ORIGIN", " ,Origin ,", "a,\tOrigin"] {
            let got = run(Kind::Actual, &[ACAO, VARY_ORIGIN], &[("Vary", v)]);
            assert_eq!(got, pairs(&[("Vary", v), ACAO]), "{v}");
        }
        // A token that merely contains Origin is another token.
        let got = run(Kind::Actual, &[VARY_ORIGIN], &[("Vary", "X-Origin")]);
        assert_eq!(got, pairs(&[("Vary", "X-Origin"), VARY_ORIGIN]));
        // `*` is left alone.
        for v in ["*", "Accept, *"] {
            let got = run(Kind::Actual, &[ACAO, VARY_ORIGIN], &[("Vary", v)]);
            assert_eq!(got, pairs(&[("Vary", v), ACAO]), "{v}");
        }
        // No application Vary: the decision's line as is.
        let got = run(Kind::NotCors, &[VARY_ORIGIN], &[]);
        assert_eq!(got, pairs(&[VARY_ORIGIN]));
        // An empty application Vary lists nothing.
        let got = run(Kind::Actual, &[VARY_ORIGIN], &[("Vary", "")]);
        assert_eq!(got, pairs(&[("Vary", ""), VARY_ORIGIN]));
    }

    #[test]
    fn multi_token_vary_adds_only_missing_tokens_once() {
        let decision = [("Vary", "Origin, Access-Control-Request-Method, X-B")];
        let got = run(
            Kind::Actual,
            &decision,
            &[("Vary", "access-control-request-method")],
        );
        assert_eq!(
            got,
            pairs(&[
                ("Vary", "access-control-request-method"),
                ("Vary", "Origin"),
                ("Vary", "X-B"),
            ])
        );
        let got = run(Kind::Actual, &decision, &[("Vary", "x-b, origin")]);
        assert_eq!(
            got,
            pairs(&[
                ("Vary", "x-b, origin"),
                ("Vary", "Access-Control-Request-Method")
            ])
        );
    }

    #[test]
    fn preflight_ignores_the_application() {
        let decision = [ACAO, ("Vary", "Origin, Access-Control-Request-Method")];
        let got = run(
            Kind::Preflight,
            &decision,
            &[("X-Powered-By", "app"), ("Vary", "Origin")],
        );
        assert_eq!(got, pairs(&decision));
    }

    #[test]
    fn every_app_line_is_kept_or_owned_and_order_is_kept() {
        let app = [
            ("A", "1"),
            ("Access-Control-Max-Age", "9"),
            ("B", "2"),
            ("Vary", "X"),
            ("A", "3"),
        ];
        let kept: Vec<_> = merge(Kind::Actual, [(&b"Vary"[..], &b"Origin"[..])], &app)
            .filter_map(|m| match m {
                Merged::App(a) => Some(*a),
                Merged::Added { .. } => None,
            })
            .collect();
        assert_eq!(kept, [app[0], app[2], app[3], app[4]]);
    }

    #[test]
    fn decision_apply_to_and_bytes_input() {
        let policy =
            Policy::from_json(r#"{"origins": ["https://app.example.com"], "credentials": true}"#)
                .unwrap();
        let d = policy.evaluate(b"GET", [(&b"Origin"[..], &b"https://app.example.com"[..])]);
        let app: Vec<(Vec<u8>, Vec<u8>)> = vec![
            (b"access-control-allow-origin".to_vec(), b"*".to_vec()),
            (b"vary".to_vec(), b"Accept".to_vec()),
            (b"x-bin".to_vec(), vec![0xff, 0x00]),
        ];
        let got: Vec<(Vec<u8>, Vec<u8>)> = d
            .apply_to(&app)
            .map(|l| (l.name().to_vec(), l.value().to_vec()))
            .collect();
        let want: Vec<(Vec<u8>, Vec<u8>)> = [
            (&b"vary"[..], &b"Accept"[..]),
            (b"x-bin", b"\xff\x00"),
            (b"Access-Control-Allow-Origin", b"https://app.example.com"),
            (b"Access-Control-Allow-Credentials", b"true"),
            (b"Vary", b"Origin"),
        ]
        .iter()
        .map(|(n, v)| (n.to_vec(), v.to_vec()))
        .collect();
        assert_eq!(got, want);
        // A preflight: the decision's own headers.
        let d = policy.evaluate(
            b"OPTIONS",
            [
                (&b"Origin"[..], &b"https://app.example.com"[..]),
                (b"Access-Control-Request-Method", b"GET"),
            ],
        );
        let got: Vec<_> = d.apply_to(&app).map(|l| l.name().to_vec()).collect();
        let want: Vec<_> = d.headers().map(|h| h.name.as_bytes().to_vec()).collect();
        assert_eq!(got, want);
    }

    #[test]
    fn added_lines_fit_max_added() {
        // The largest decision that calls the application, against an application that
        // lists none of its Vary tokens.
        let decision: Vec<(&[u8], &[u8])> = (0..MAX_HEADERS - 1)
            .map(|_| (&b"Access-Control-X"[..], &b"v"[..]))
            .chain([(&b"Vary"[..], &b"A, B, C, D"[..])])
            .collect();
        let n = merge(Kind::Actual, decision.iter().copied(), [("Vary", "B")]).count();
        assert!(n - 1 <= MAX_ADDED, "{n}");
    }

    proptest::proptest! {
        /// The rule's invariants over arbitrary application headers: no owned line of
        /// the application survives, every other one is kept in order, every decision
        /// line is added, and the final Vary tokens are the application's plus each
        /// missing decision token once (the application's alone under `*`).
        #[test]
        fn merge_invariants(
            app in proptest::collection::vec(
                (proptest::sample::select(vec![
                    "Vary", "vary", "Access-Control-Allow-Origin", "access-control-max-age",
                    "Content-Type", "X-A",
                ]),
                 proptest::sample::select(vec![
                    "Origin", "origin", "*", "Accept, Origin", "Cookie", "", " , x ,", "a",
                ])),
                0..8,
            ),
            decision_vary in proptest::sample::select(vec![None, Some("Origin"), Some("Origin, X")]),
        ) {
            let mut decision = vec![ACAO];
            decision.extend(decision_vary.map(|v| ("Vary", v)));
            let got = run(Kind::Actual, &decision, &app);
            let kept: Pairs = app.iter().filter(|(n, _)| !is_owned(n.as_bytes()))
                .map(|(n, v)| (n.to_string(), v.to_string())).collect();
            proptest::prop_assert_eq!(&got[..kept.len()], &kept[..]);
            proptest::prop_assert_eq!(&got[kept.len()], &pairs(&[ACAO])[0]);
            let vary_tokens = |lines: &[(String, String)]| -> Vec<String> {
                lines.iter().filter(|(n, _)| is_vary(n.as_bytes()))
                    .flat_map(|(_, v)| tokens(v.as_bytes()).map(|t| String::from_utf8_lossy(t).to_lowercase()).collect::<Vec<_>>())
                    .collect()
            };
            let app_tokens = vary_tokens(&kept);
            let mut want = app_tokens.clone();
            if !app_tokens.iter().any(|t| t == "*") {
                for t in decision_vary.map(|v| tokens(v.as_bytes()).map(|t| String::from_utf8_lossy(t).to_lowercase()).collect::<Vec<_>>()).unwrap_or_default() {
                    if !app_tokens.contains(&t) {
                        want.push(t);
                    }
                }
            }
            proptest::prop_assert_eq!(vary_tokens(&got), want);
        }
    }
}
