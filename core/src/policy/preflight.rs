//! The preflight half of [`Policy`]'s decision: the origin, the requested method and
//! header names, private network access, and the `Access-Control-Allow-*` lines that
//! echo them. An actual request's path (`decide`, `decide_actual`) stays in the parent
//! module; this one is reached only for `OPTIONS` with `Access-Control-Request-Method`.

use super::Policy;
use crate::decision::{Decision, Kind, MAX_ACRH_LINES, Reason};
use crate::fetch::{self, VARY_PREFLIGHT, VARY_PREFLIGHT_PNA};
use crate::request::{self, MAX_ACRH_BYTES, RequestHeaders};
use crate::syntax::is_token;

impl Policy {
    /// A preflight: built in the one decision it returns (a deny overwrites it in
    /// place), so the caller's slot is written once instead of a finished decision
    /// being copied into it. Out of line: an actual request's `evaluate` stays small.
    #[inline(never)]
    pub(super) fn decide_preflight<'a>(
        &'a self,
        origin: &'a [u8],
        req: &RequestHeaders<'a>,
    ) -> Decision<'a> {
        let mut d = Decision::new(Kind::Preflight, Reason::NotCors);
        if let Err(reason) = self.fill_preflight(origin, req, &mut d) {
            d = Decision::new(Kind::Preflight, reason);
            d.status = Some(403);
            d.debug = if self.debug {
                Some(reason.code())
            } else {
                None
            };
        }
        d.vary = Some(if self.private_network {
            VARY_PREFLIGHT_PNA
        } else {
            VARY_PREFLIGHT
        });
        d
    }

    /// Fills an allowed preflight's decision `d` (all but `vary`), or says why it is
    /// denied (checked in this order: origin, method, header list size, header names,
    /// private network access).
    #[inline(always)]
    fn fill_preflight<'a>(
        &'a self,
        origin: &'a [u8],
        req: &RequestHeaders<'a>,
        d: &mut Decision<'a>,
    ) -> Result<(), Reason<'a>> {
        let (reason, acao) = self.origin_verdict(origin, req)?;
        let method = self.preflight_method(req)?;
        // Checked before the header lines are read: a hostile header list costs no more.
        if req.acrh_overflow || req.acrh_bytes > MAX_ACRH_BYTES {
            return Err(Reason::HeadersTooLarge);
        }
        self.preflight_headers(req, d)?;
        if req.acrpn && !self.private_network {
            return Err(Reason::PrivateNetworkNotAllowed);
        }
        d.reason = reason;
        d.allowed = true;
        d.status = Some(self.preflight_status);
        d.acao = Some(acao);
        d.acac = self.credentials;
        d.acam = Some(method);
        d.acma = self.max_age.as_deref();
        d.acapn = req.acrpn;
        Ok(())
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
    /// checked) and sets the `Access-Control-Allow-Headers` lines of `d` to echo them.
    #[inline]
    fn preflight_headers<'a>(
        &'a self,
        req: &RequestHeaders<'a>,
        d: &mut Decision<'a>,
    ) -> Result<(), Reason<'a>> {
        let mut empties = 0;
        for &line in req.acrh_lines() {
            // A browser's line (listed names, no whitespace) needs no tokenizer; the
            // tokenizer decides every other line, and the same way these ones.
            let value = match self.headers.check_plain_line(line) {
                Some(value) => Some(value),
                None => request::check_acrh_line(line, &mut empties, |n| self.header_allowed(n))?,
            };
            if let Some(value) = value {
                // As many slots as request lines kept.
                let added = d.push_acah(value);
                debug_assert!(added);
            }
        }
        const _: () = assert!(MAX_ACRH_LINES <= u8::MAX as usize);
        Ok(())
    }

    /// The method as the policy or the safelist writes it, when `method` is one of
    /// them (case-sensitive, as Fetch compares).
    #[inline]
    fn listed_method(&self, method: &[u8]) -> Option<&str> {
        if let Some(safe) = fetch::safelisted_method(method) {
            return Some(safe);
        }
        self.methods
            .iter()
            .find(|m| m.as_bytes() == method)
            .map(|m| &**m)
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
