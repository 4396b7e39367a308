//! The preflight half of [`Policy`]'s decision: the origin, the requested method and
//! header names, private network access, and the `Access-Control-Allow-*` lines that
//! echo them. An actual request's path (`decide`, `decide_actual`) stays in the parent
//! module; this one is reached only for `OPTIONS` with `Access-Control-Request-Method`.

use super::Policy;
use crate::decision::{Decision, DecisionOut, Kind, MAX_ACRH_LINES, PreflightAllowed, Reason};
use crate::fetch::{self, VARY_PREFLIGHT, VARY_PREFLIGHT_PNA};
use crate::matcher::bytes_eq;
use crate::request::{self, MAX_ACRH_BYTES, RequestHeaders};
use crate::syntax::is_token;

/// The `Access-Control-Allow-Headers` lines of several request lines
/// (`lines[..len]`, `None` for no line with names), or why not.
type AcahLines<'a> = Result<(Option<[&'a str; MAX_ACRH_LINES]>, u8), Reason<'a>>;

impl Policy {
    /// A preflight, written into `out`. The decision is written once, as one struct
    /// expression per outcome, straight into the caller's slot (or the output's own
    /// layout, [`DecisionOut::preflight_allowed`]): a local decision filled in place
    /// and returned cost a 272-byte copy. Out of line: an actual request's `evaluate`
    /// stays small.
    #[inline(never)]
    pub(super) fn decide_preflight<'a, O: DecisionOut<'a>>(
        &'a self,
        origin: &'a [u8],
        req: &RequestHeaders<'a>,
        out: O,
    ) -> O::Output {
        let vary = Some(if self.private_network {
            VARY_PREFLIGHT_PNA
        } else {
            VARY_PREFLIGHT
        });
        // Every denial leaves this block with its reason, to the one denied decision
        // below; each allowed shape returns from inside it. No value holding the
        // several-line array is carried through the common shapes (one line, none):
        // when one was (a `Result` of an enum holding the 8-slot array), an inlined
        // output such as the C ABI's merged the shapes and copied the array's 96 bytes
        // twice on every preflight, one-line ones included.
        let denied = 'deny: {
            // Checked in this order: origin, method, header list size, header names,
            // private network access.
            let echo = match self.preflight_head(origin, req) {
                Ok(echo) => echo,
                Err(reason) => break 'deny reason,
            };
            let one = match req.acrh_lines() {
                [line] => match self.acrh_line(line, &mut 0) {
                    Ok(one) => one,
                    Err(reason) => break 'deny reason,
                },
                [] => None,
                // The echo's parts as separate arguments: held as one tuple for the
                // call, it was stored to the stack on every preflight (~9 instructions).
                _ => {
                    let (reason, acao, method) = echo;
                    return self.decide_preflight_lines(req, reason, acao, method, vary, out);
                }
            };
            if req.acrpn && !self.private_network {
                break 'deny Reason::PrivateNetworkNotAllowed;
            }
            // One struct expression per shape of the echo: the one-line one stores
            // constants in the other slots.
            return match one {
                Some(line) => out.preflight_allowed(self.allowed_preflight(
                    req,
                    echo,
                    Some([line, "", "", "", "", "", "", ""]),
                    1,
                    vary,
                )),
                None => out.preflight_allowed(self.allowed_preflight(req, echo, None, 0, vary)),
            };
        };
        out.decision(self.denied_preflight(denied, vary))
    }

    /// A preflight with more than one `Access-Control-Request-Headers` line whose
    /// origin, method and sizes passed ([`Policy::preflight_head`]): checks the lines
    /// and then private network access (the order `decide_preflight` states), and
    /// writes the decision. Out of line: browsers send one line, and the array this
    /// shape fills stays out of the common shapes' code.
    #[cold]
    #[inline(never)]
    fn decide_preflight_lines<'a, O: DecisionOut<'a>>(
        &'a self,
        req: &RequestHeaders<'a>,
        reason: Reason<'a>,
        acao: &'a str,
        method: &'a str,
        vary: Option<&'static str>,
        out: O,
    ) -> O::Output {
        let echo = (reason, acao, method);
        let checked = self.preflight_lines(req).and_then(|acah| {
            if req.acrpn && !self.private_network {
                Err(Reason::PrivateNetworkNotAllowed)
            } else {
                Ok(acah)
            }
        });
        match checked {
            Ok((acah, len)) => {
                out.preflight_allowed(self.allowed_preflight(req, echo, acah, len, vary))
            }
            Err(reason) => out.decision(self.denied_preflight(reason, vary)),
        }
    }

    /// A denied preflight's decision: status 403, `Vary`, the reason for debugging.
    #[inline(always)]
    fn denied_preflight<'a>(&self, reason: Reason<'a>, vary: Option<&'static str>) -> Decision<'a> {
        let mut d = Decision::new(Kind::Preflight, reason);
        d.status = Some(403);
        d.vary = vary;
        d.debug = self.debug.then(|| reason.code());
        d
    }

    /// An allowed preflight's parts: the origin's reason, `Access-Control-Allow-Origin`
    /// and `-Methods` (`echo`), `-Headers` (`acah[..acah_len]`) and the policy's
    /// settings.
    #[inline(always)]
    fn allowed_preflight<'a>(
        &'a self,
        req: &RequestHeaders<'a>,
        (reason, acao, method): (Reason<'a>, &'a str, &'a str),
        acah: Option<[&'a str; MAX_ACRH_LINES]>,
        acah_len: u8,
        vary: Option<&'static str>,
    ) -> PreflightAllowed<'a> {
        PreflightAllowed {
            reason,
            status: self.preflight_status,
            acao,
            credentials: self.credentials,
            method,
            acah,
            acah_len,
            max_age: self.max_age.as_deref(),
            private_network: req.acrpn,
            vary,
        }
    }

    /// The origin's reason, `Access-Control-Allow-Origin` and `-Methods` of a
    /// preflight whose origin, method and header list size pass, or why not (checked
    /// in this order).
    #[inline(always)]
    fn preflight_head<'a>(
        &'a self,
        origin: &'a [u8],
        req: &RequestHeaders<'a>,
    ) -> Result<(Reason<'a>, &'a str, &'a str), Reason<'a>> {
        let (reason, acao) = self.origin_verdict(origin, req)?;
        let method = self.preflight_method(req)?;
        // Checked before the header lines are read: a hostile header list costs no more.
        if req.acrh_overflow || req.acrh_bytes > MAX_ACRH_BYTES {
            return Err(Reason::HeadersTooLarge);
        }
        Ok((reason, acao, method))
    }

    /// The requested method, as `Access-Control-Allow-Methods` echoes it. Listed and
    /// safelisted methods are tokens and never forbidden (compile refuses them), so the
    /// common case is one comparison per listed method.
    #[inline]
    fn preflight_method<'a>(&'a self, req: &RequestHeaders<'a>) -> Result<&'a str, Reason<'a>> {
        let method = match req.acrm {
            Some(m) if req.acrm_lines == 1 => m,
            _ => return Err(Reason::MethodMalformed),
        };
        if let Some(listed) = self.listed_method(method) {
            return Ok(listed);
        }
        if !is_token(method) {
            return Err(Reason::MethodMalformed);
        }
        if fetch::is_forbidden_method(method) {
            return Err(Reason::MethodForbidden);
        }
        let Ok(method) = std::str::from_utf8(method) else {
            return Err(Reason::MethodMalformed);
        };
        if !self.any_method {
            return Err(Reason::MethodNotAllowed { method });
        }
        Ok(method)
    }

    /// Checks every `Access-Control-Request-Headers` line (whose sizes the caller
    /// checked): the `Access-Control-Allow-Headers` lines that echo them and how many
    /// (`None` and 0 when no line has names).
    #[inline]
    fn preflight_lines<'a>(&'a self, req: &RequestHeaders<'a>) -> AcahLines<'a> {
        let mut empties = 0;
        let mut acah: Option<[&'a str; MAX_ACRH_LINES]> = None;
        let mut len = 0u8;
        for &line in req.acrh_lines() {
            if let Some(value) = self.acrh_line(line, &mut empties)? {
                // As many slots as request lines kept.
                let slots = acah.get_or_insert([""; MAX_ACRH_LINES]);
                if let Some(slot) = slots.get_mut(usize::from(len)) {
                    *slot = value;
                    len += 1;
                }
            }
        }
        const _: () = assert!(MAX_ACRH_LINES <= u8::MAX as usize);
        Ok((acah, len))
    }

    /// One `Access-Control-Request-Headers` line: its echo (`None` for a line without
    /// names). A browser's line (listed names, no whitespace) needs no tokenizer; the
    /// tokenizer decides every other line, and the same way these ones.
    #[inline(always)]
    fn acrh_line<'a>(
        &'a self,
        line: &'a [u8],
        empties: &mut usize,
    ) -> Result<Option<&'a str>, Reason<'a>> {
        match self.headers.check_plain_line(line) {
            Some(value) => Ok(Some(value)),
            None => request::check_acrh_line(line, empties, |n| self.header_allowed(n)),
        }
    }

    /// The method as the policy or the safelist writes it, when `method` is one of
    /// them (case-sensitive, as Fetch compares).
    #[inline]
    fn listed_method(&self, method: &[u8]) -> Option<&str> {
        // The policy's own methods first: a preflight asks for a method beyond the
        // safelist more often than for one of it (same text either way).
        if let Some(m) = self
            .methods
            .iter()
            .find(|m| method_eq(m.as_bytes(), method))
        {
            return Some(m);
        }
        fetch::safelisted_method(method)
    }

    /// Whether the policy allows request header `name` (ASCII case-insensitive).
    #[inline]
    fn header_allowed(&self, name: &[u8]) -> bool {
        if self.headers.contains(name) {
            return true;
        }
        self.any_header && !request::is_authorization(name)
    }
}

/// Whether `a == b`, for method names (mostly 3 to 7 bytes): the length, then the
/// first and last two, four or eight bytes as words (overlapping), instead of a byte
/// loop or a `memcmp` call (what a slice `==` is).
#[inline(always)]
fn method_eq(a: &[u8], b: &[u8]) -> bool {
    #[inline(always)]
    fn ends_eq<const K: usize>(a: &[u8], b: &[u8]) -> bool {
        a.first_chunk::<K>() == b.first_chunk::<K>() && a.last_chunk::<K>() == b.last_chunk::<K>()
    }
    if a.len() != b.len() {
        return false;
    }
    match a.len() {
        0 | 1 => a.first() == b.first(),
        2..=3 => ends_eq::<2>(a, b),
        4..=7 => ends_eq::<4>(a, b),
        8..=16 => ends_eq::<8>(a, b),
        _ => bytes_eq(a, b),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decision::Reason;

    /// Lines near the policy's joined names (the whole-text fast path), near its
    /// elements (the plain-line fast path) and beyond both (the tokenizer).
    fn lines(text: &str) -> Vec<Vec<u8>> {
        let t = text.as_bytes();
        let mut out: Vec<Vec<u8>> = vec![
            t.to_vec(),
            t.to_ascii_uppercase(),
            [t, b","].concat(),
            [b",", t].concat(),
            [t, b",", t].concat(),
            [b" ", t].concat(),
            [t, b" "].concat(),
            [t, b"\t"].concat(),
            [t, b",x-other"].concat(),
            t[..t.len() - 1].to_vec(),
            [t, b"x"].concat(),
            t.iter()
                .map(|&b| if b == b',' { b' ' } else { b })
                .collect(),
            t.split(|&b| b == b',')
                .rev()
                .collect::<Vec<_>>()
                .join(&b","[..]),
            t.split(|&b| b == b',').collect::<Vec<_>>().join(&b", "[..]),
            t.split(|&b| b == b',').collect::<Vec<_>>().join(&b",,"[..]),
            b"".to_vec(),
            b",".to_vec(),
            b"\xff".to_vec(),
            [t, b"\xff"].concat(),
        ];
        // Every byte of the text changed once: case, a neighbour, a comma, a space.
        for at in 0..t.len() {
            for b in [
                b'A',
                b'a',
                b'-',
                b',',
                b' ',
                t[at] ^ 0x20,
                t[at].wrapping_add(1),
            ] {
                let mut l = t.to_vec();
                l[at] = b;
                out.push(l);
            }
        }
        out
    }

    #[test]
    fn methods_are_compared_exactly() {
        let base = b"PROPPATCH-AND-SOME-EXTENSION-METHOD";
        for n in 0..base.len() {
            let a = &base[..n];
            assert!(method_eq(a, a));
            assert!(!method_eq(a, &base[..n + 1]) && !method_eq(&base[..n + 1], a));
            for at in 0..n {
                for b in [0u8, b'a', b'p', 0xff, a[at] ^ 0x20, a[at].wrapping_add(1)] {
                    let mut other = a.to_vec();
                    other[at] = b;
                    assert_eq!(method_eq(a, &other), a == &other[..], "{a:?} {other:?}");
                }
            }
        }
    }

    #[test]
    fn fast_paths_decide_lines_as_the_tokenizer_does() {
        for json in [
            r#"{"origins":["https://a.com"],"methods":["PUT"],
                "request_headers":["x-requested-with","Authorization","content-type"]}"#,
            r#"{"origins":["https://a.com"],"request_headers":["*","authorization","x-a"]}"#,
            r#"{"origins":["https://a.com"],"request_headers":["x-a"]}"#,
            r#"{"origins":["https://a.com"],"request_headers":["x-a-very-long-header-name-28","b"]}"#,
        ] {
            let p = Policy::from_json(json).unwrap();
            let text = p.headers.joined();
            let text_range = text.as_bytes().as_ptr_range();
            for line in lines(text) {
                let (mut e1, mut e2) = (0, 0);
                let fast = p.acrh_line(&line, &mut e1);
                let general = request::check_acrh_line(&line, &mut e2, |n| p.header_allowed(n));
                assert_eq!(fast, general, "{json} {line:?}");
                if line == text.as_bytes() {
                    let echo = fast.unwrap().unwrap();
                    assert!(
                        text_range.contains(&echo.as_ptr()),
                        "borrowed from the policy"
                    );
                }
            }
        }
    }

    #[test]
    fn the_joined_names_split_over_lines_are_echoed_per_line() {
        let p = Policy::from_json(
            r#"{"origins":["https://a.com"],"methods":["PUT"],
                "request_headers":["x-requested-with","authorization","content-type"]}"#,
        )
        .unwrap();
        let preflight = |acrh: &[&'static str]| {
            let mut h = vec![
                ("Origin", "https://a.com"),
                ("Access-Control-Request-Method", "PUT"),
            ];
            h.extend(acrh.iter().map(|&v| ("Access-Control-Request-Headers", v)));
            let d = p.evaluate_str("OPTIONS", &h);
            let acah: Vec<String> = d
                .headers()
                .filter(|h| h.name.eq_ignore_ascii_case("access-control-allow-headers"))
                .map(|h| h.value.to_string())
                .collect();
            (d.allowed(), d.reason(), acah)
        };
        let whole = "authorization,content-type,x-requested-with";
        assert_eq!(preflight(&[whole]).2, [whole]);
        let (ok, _, acah) = preflight(&["authorization,content-type", "x-requested-with"]);
        assert!(ok);
        assert_eq!(acah, ["authorization,content-type", "x-requested-with"]);
        let (ok, _, acah) = preflight(&[whole, whole]);
        assert!(ok);
        assert_eq!(acah, [whole, whole]);
        let (ok, reason, _) = preflight(&[whole, "x-other"]);
        assert!(!ok);
        assert_eq!(reason, Reason::HeaderNotAllowed { name: "x-other" });
        let (ok, _, acah) = preflight(&["Authorization,Content-Type,X-Requested-With"]);
        assert!(ok);
        assert_eq!(acah, ["Authorization,Content-Type,X-Requested-With"]);
    }
}
