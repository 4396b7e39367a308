//! Where a decision is written: [`DecisionOut`], the output `Policy::evaluate_into`
//! decides into. [`Decision`] is one implementation ([`AsDecision`]); a binding with its
//! own result layout (the C ABI's `corsgate_decision`) is another, written straight from
//! the decide functions' parts, with no intermediate [`Decision`] and no copy.
//!
//! The two common outcomes come as their parts ([`ActualAllowed`], [`PreflightAllowed`]);
//! every other outcome (denied, not CORS, refused) comes as a [`Decision`]. The methods
//! are monomorphized and inlined into the decide functions, so an implementation's
//! writes happen where the parts are known (a constant folds into its store).

use super::{Decision, Kind, MAX_ACRH_LINES, Reason};

/// An allowed actual request, as its parts: the response headers are
/// `Access-Control-Allow-Origin` ([`ActualAllowed::acao_bytes`]), then
/// `Access-Control-Allow-Credentials: true` when `credentials`,
/// `Access-Control-Expose-Headers` when `expose`, `Vary` when `vary`; kind
/// [`Kind::Actual`], no status.
#[derive(Clone, Copy, Debug)]
#[non_exhaustive]
pub struct ActualAllowed<'a> {
    /// Why (an origin the policy allows: [`Reason::OriginAllowed`] or
    /// [`Reason::AnyOrigin`]).
    pub reason: Reason<'a>,
    /// The `Access-Control-Allow-Origin` value as text, or `None` when it is
    /// `unchecked_origin`'s bytes.
    pub acao: Option<&'a str>,
    /// The request's origin, all ASCII (a wildcard, host or regex pattern admitted it),
    /// not made text: the `Access-Control-Allow-Origin` value when `acao` is `None`.
    pub unchecked_origin: Option<&'a [u8]>,
    /// `Access-Control-Allow-Credentials: true`.
    pub credentials: bool,
    /// The `Access-Control-Expose-Headers` value.
    pub expose: Option<&'a str>,
    /// The `Vary` value.
    pub vary: Option<&'static str>,
}

impl<'a> ActualAllowed<'a> {
    /// Calls `f(name, value)` with each response header as bytes: the lines and order
    /// of [`Decision::for_each_header_bytes`] on [`Self::decision`], the one rule for
    /// which lines an allowed decision answers with (a binding writing its own layout
    /// calls this rather than listing the lines again). Inlined, so the fields known
    /// absent for this outcome fold away; never allocates.
    #[inline(always)]
    pub fn for_each_header_bytes(self, f: impl FnMut(&'static str, &'a [u8])) {
        self.decision().for_each_header_bytes(f);
    }

    /// The `Access-Control-Allow-Origin` value as bytes (`None` only if neither field
    /// holds it, which the core never produces).
    #[inline(always)]
    pub fn acao_bytes(&self) -> Option<&'a [u8]> {
        match (self.acao, self.unchecked_origin) {
            (Some(v), _) => Some(v.as_bytes()),
            (None, o) => o,
        }
    }

    /// The same decision as a [`Decision`].
    #[inline(always)]
    pub fn decision(self) -> Decision<'a> {
        Decision {
            kind: Kind::Actual,
            allowed: true,
            status: None,
            reason: self.reason,
            acao: self.acao,
            acac: self.credentials,
            acam: None,
            acah: None,
            acah_len: 0,
            acma: None,
            acapn: false,
            aceh: self.expose,
            vary: self.vary,
            debug: None,
            unchecked_origin: self.unchecked_origin,
        }
    }
}

/// An allowed preflight, as its parts: the response headers are
/// `Access-Control-Allow-Origin` (`acao`), `-Credentials: true` when `credentials`,
/// `-Methods` (`method`), one `-Headers` per line of `acah[..acah_len]`, `-Max-Age`
/// when `max_age`, `-Private-Network: true` when `private_network`, `Vary` when `vary`;
/// kind [`Kind::Preflight`], status `status`.
#[derive(Clone, Copy, Debug)]
#[non_exhaustive]
pub struct PreflightAllowed<'a> {
    /// Why (an origin the policy allows).
    pub reason: Reason<'a>,
    /// The status to answer with (the policy's `preflight_status`).
    pub status: u16,
    /// The `Access-Control-Allow-Origin` value.
    pub acao: &'a str,
    /// `Access-Control-Allow-Credentials: true`.
    pub credentials: bool,
    /// The `Access-Control-Allow-Methods` value.
    pub method: &'a str,
    /// The `Access-Control-Allow-Headers` lines, `acah[..acah_len]` (`None`: none).
    pub acah: Option<[&'a str; MAX_ACRH_LINES]>,
    /// How many lines of `acah` are used (at most [`MAX_ACRH_LINES`]).
    pub acah_len: u8,
    /// The `Access-Control-Max-Age` value.
    pub max_age: Option<&'a str>,
    /// `Access-Control-Allow-Private-Network: true`.
    pub private_network: bool,
    /// The `Vary` value.
    pub vary: Option<&'static str>,
}

impl<'a> PreflightAllowed<'a> {
    /// Calls `f(name, value)` with each response header as bytes: the lines and order
    /// of [`Decision::for_each_header_bytes`] on [`Self::decision`], the one rule for
    /// which lines an allowed decision answers with (a binding writing its own layout
    /// calls this rather than listing the lines again). Inlined, so the fields known
    /// absent for this outcome fold away; never allocates.
    #[inline(always)]
    pub fn for_each_header_bytes(self, f: impl FnMut(&'static str, &'a [u8])) {
        self.decision().for_each_header_bytes(f);
    }

    /// The used `Access-Control-Allow-Headers` lines.
    #[inline(always)]
    pub fn acah_lines(&self) -> &[&'a str] {
        match &self.acah {
            Some(lines) => &lines[..usize::from(self.acah_len).min(MAX_ACRH_LINES)],
            None => &[],
        }
    }

    /// The same decision as a [`Decision`].
    #[inline(always)]
    pub fn decision(self) -> Decision<'a> {
        Decision {
            kind: Kind::Preflight,
            allowed: true,
            status: Some(self.status),
            reason: self.reason,
            acao: Some(self.acao),
            acac: self.credentials,
            acam: Some(self.method),
            acah: self.acah,
            acah_len: self.acah_len,
            acma: self.max_age,
            acapn: self.private_network,
            aceh: None,
            vary: self.vary,
            debug: None,
            unchecked_origin: None,
        }
    }
}

/// Where `Policy::evaluate_into` writes its decision. `decision` receives every
/// outcome; `actual_allowed` and `preflight_allowed` receive the two common ones as
/// parts and by default make them a [`Decision`] (an implementation overrides them to
/// write its own layout without one). All three must produce the same facts: the
/// [`Decision`] the parts make is the reference.
pub trait DecisionOut<'a> {
    /// What deciding returns.
    type Output;

    /// Any decision.
    fn decision(self, d: Decision<'a>) -> Self::Output;

    /// An allowed actual request.
    #[inline(always)]
    fn actual_allowed(self, a: ActualAllowed<'a>) -> Self::Output
    where
        Self: Sized,
    {
        self.decision(a.decision())
    }

    /// An allowed preflight.
    #[inline(always)]
    fn preflight_allowed(self, p: PreflightAllowed<'a>) -> Self::Output
    where
        Self: Sized,
    {
        self.decision(p.decision())
    }
}

/// The output that is the [`Decision`] itself (what `Policy::evaluate` returns).
#[derive(Clone, Copy, Debug, Default)]
pub struct AsDecision;

impl<'a> DecisionOut<'a> for AsDecision {
    type Output = Decision<'a>;

    #[inline(always)]
    fn decision(self, d: Decision<'a>) -> Decision<'a> {
        d
    }
}
