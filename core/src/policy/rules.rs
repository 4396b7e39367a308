//! The parts of a compiled [`Policy`] that do not depend on its origins: the settings,
//! the allowed methods and request headers, the exposed headers, `max_age` and the
//! switches. A policy holds them behind one [`Arc`], so that the tenants of a policy set
//! that differ only in their origins share one copy ([`Interner`]).
//!
//! [`Policy`] dereferences to [`Rules`], so the decision code reads `self.methods`,
//! `self.headers`, `self.max_age` as before: one more pointer load, on the preflight
//! path (an actual request reads only `credentials` and `protection`, which the policy
//! keeps inline, and `expose`).

use super::Policy;
use crate::compile::{Methods, RequestHeaderNames};
use crate::config::Config;
use crate::request::HeaderNames;
use std::sync::Arc;

/// What a policy's decisions need besides its origins. A function of
/// [`Rules::settings`] alone (the configuration without `origins`): two policies with
/// equal settings have equal rules, which is what [`Interner`] relies on.
///
/// Public only as the target of `Policy`'s `Deref` (it has no public field or method).
#[derive(Debug)]
pub struct Rules {
    /// The configuration without its `origins` (which the policy's `sources` and the
    /// matcher's table hold, without a second copy of each exact origin).
    pub(crate) settings: Config,
    pub(crate) any_method: bool,
    pub(crate) methods: Vec<Box<str>>,
    pub(crate) any_header: bool,
    /// Allowed request header names, prepared for case-insensitive lookup; includes
    /// `authorization` only when listed.
    pub(crate) headers: HeaderNames,
    pub(crate) expose: Option<Box<str>>,
    pub(crate) max_age: Option<Box<str>>,
    pub(crate) preflight_status: u16,
    pub(crate) private_network: bool,
    /// `debug`: denied preflights carry `Corsgate-Debug-Reason`.
    pub(crate) debug: bool,
}

impl Rules {
    /// The rules of `config` from its compiled lists.
    pub(crate) fn new(
        config: &Config,
        methods: Methods,
        request_headers: RequestHeaderNames,
        expose: Option<Box<str>>,
        max_age: Option<Box<str>>,
    ) -> Rules {
        Rules {
            settings: config.without_origins(),
            any_method: methods.any,
            methods: methods.listed,
            any_header: request_headers.any,
            headers: HeaderNames::new(&request_headers.lower),
            expose,
            max_age,
            preflight_status: config.preflight_status,
            private_network: config.private_network,
            debug: config.debug,
        }
    }
}

impl std::ops::Deref for Policy {
    type Target = Rules;
    #[inline(always)]
    fn deref(&self) -> &Rules {
        &self.rules
    }
}

/// Shares equal [`Rules`] between policies: each distinct settings kept once.
///
/// Cost: one hash of the settings per policy.
#[derive(Default)]
pub(crate) struct Interner {
    seen: hashbrown::HashMap<Config, Arc<Rules>>,
}

impl Interner {
    /// Points `policy` at the first rules equal to its own (keeping its own when they
    /// are the first).
    pub(crate) fn share(&mut self, policy: &mut Policy) {
        match self.seen.get(&policy.rules.settings) {
            Some(first) => policy.rules = Arc::clone(first),
            None => {
                self.seen
                    .insert(policy.rules.settings.clone(), Arc::clone(&policy.rules));
            }
        }
    }
}
