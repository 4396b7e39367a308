//! Compiling a set file read by [`super::text`] (the common case: a valid file), with
//! what equal tenants share computed once: each distinct settings (every field but
//! `origins`, after merging `defaults`) is validated and compiled once into shared
//! [`Rules`], each tenant compiles only its origins, and policies equal as read share
//! one compiled policy. Gives exactly the [`Parts`] that [`super::file::read`] gives for
//! the same file, or `None` at the first problem of any kind: the caller then reads the
//! file through `file::read`, which reports every problem by its path.
//!
//! Cost: per tenant, one hash of its merged settings and one of its origins (no
//! allocation), the origins' compilation, and the kept parts (name, route, matcher).

use super::file::{MAX_ROUTES, Parts, route};
use super::host;
use super::select::Selector;
use super::text::{self, Doc, RawPolicy, Str};
use crate::compile;
use crate::config::{Config, DEFAULT_PREFLIGHT_STATUS};
use crate::diag::Diagnostic;
use crate::policy::{Policy, Rules};
use hashbrown::HashMap;
use std::sync::Arc;

/// Reads and compiles a set file; `None` when it has any error (see the module docs).
pub(super) fn read(text: &str) -> Option<Parts> {
    let doc = text::parse(text)?;
    compile(&doc)
}

/// The settings of a merged policy as read: what [`Config`] holds but `origins`,
/// borrowed from the document. Equal keys are equal settings.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
struct SettingsKey<'d, 't> {
    methods: &'d [Str<'t>],
    request_headers: &'d [Str<'t>],
    expose_headers: &'d [Str<'t>],
    max_age: Option<u64>,
    preflight_status: u16,
    switches: [bool; 7],
}

impl<'d, 't> SettingsKey<'d, 't> {
    /// The settings of `own` merged over `defaults`; `None` for a `preflight_status`
    /// that is not a `u16` (an error, which `file::read` reports).
    fn merged(doc: &'d Doc<'t>, own: &RawPolicy, defaults: &RawPolicy) -> Option<Self> {
        let list = |k: usize| {
            let field = own.lists.get(k).copied().unwrap_or_default();
            let default = defaults.lists.get(k).copied().unwrap_or_default();
            field.over(default).get().map_or(&[][..], |l| doc.list(l))
        };
        let mut switches = [false; 7];
        for ((s, own), default) in switches.iter_mut().zip(own.switches).zip(defaults.switches) {
            *s = own.over(default).get().unwrap_or(false);
        }
        let status = match own.preflight_status.over(defaults.preflight_status).get() {
            None => DEFAULT_PREFLIGHT_STATUS,
            Some(s) => u16::try_from(s).ok()?,
        };
        Some(SettingsKey {
            methods: list(text::METHODS),
            request_headers: list(text::REQUEST_HEADERS),
            expose_headers: list(text::EXPOSE_HEADERS),
            max_age: own.max_age.over(defaults.max_age).get(),
            preflight_status: status,
            switches,
        })
    }

    /// The settings as a [`Config`] without origins.
    fn config(&self) -> Config {
        let owned = |l: &[Str<'_>]| l.iter().map(|s| s.to_string()).collect();
        let s = |k: usize| self.switches.get(k).copied().unwrap_or(false);
        let mut c = Config::default()
            .credentials(s(text::CREDENTIALS))
            .preflight_status(self.preflight_status)
            .private_network(s(text::PRIVATE_NETWORK))
            .dangerously_allow_null_origin(s(text::NULL_ORIGIN))
            .dangerously_allow_insecure_origins(s(text::INSECURE_ORIGINS))
            .dangerously_allow_public_suffix_wildcards(s(text::PUBLIC_SUFFIX_WILDCARDS))
            .cross_origin_protection(s(text::PROTECTION))
            .debug(s(text::DEBUG));
        c.methods = owned(self.methods);
        c.request_headers = owned(self.request_headers);
        c.expose_headers = owned(self.expose_headers);
        c.max_age = self.max_age;
        c
    }
}

/// One distinct settings, compiled.
struct Settings {
    /// The settings (no origins): the switches the origins are compiled under.
    config: Config,
    rules: Arc<Rules>,
    /// Their diagnostics (warnings only: settings with an error end the typed path).
    diags: Vec<Diagnostic>,
}

impl Settings {
    /// `None` when the settings have an error.
    fn new(key: &SettingsKey<'_, '_>) -> Option<Settings> {
        let config = key.config();
        let s = compile::compile_settings(&config);
        if s.has_error() {
            return None;
        }
        let rules = Rules::new(&config, s.methods, s.request_headers, s.expose, s.max_age);
        Some(Settings {
            config,
            rules: Arc::new(rules),
            diags: s.diags,
        })
    }
}

/// The policies and routes of `doc`, as [`super::file::read`] compiles them.
fn compile(doc: &Doc<'_>) -> Option<Parts> {
    let n = doc.policies.len();
    if n > MAX_ROUTES || doc.routes.len() > MAX_ROUTES {
        return None;
    }
    let mut names = Vec::with_capacity(n);
    let mut compiled_of = Vec::with_capacity(n);
    let mut policies: Vec<Arc<Policy>> = Vec::with_capacity(n);
    let mut warnings = Vec::new();
    let mut by_name: HashMap<&str, u32> = HashMap::with_capacity(n);
    let mut settings_of: HashMap<SettingsKey<'_, '_>, usize> = HashMap::new();
    let mut settings: Vec<Settings> = Vec::new();
    // (settings, origins) → compiled policy: policies equal as read compile once.
    let mut compiled: HashMap<(usize, &[Str<'_>]), u32> = HashMap::with_capacity(n);
    for (i, (name, own)) in doc.policies.iter().enumerate() {
        // A name written twice: the `Value` path keeps the last policy in the first
        // place.
        if by_name.insert(name, i as u32).is_some() {
            return None;
        }
        names.push(Box::<str>::from(&**name));
        let own_origins = own.lists.get(text::ORIGINS).copied().unwrap_or_default();
        let default_origins = doc.defaults.lists.get(text::ORIGINS).copied();
        let origins = doc.list(
            own_origins
                .over(default_origins.unwrap_or_default())
                .get()?,
        );
        let key = SettingsKey::merged(doc, own, &doc.defaults)?;
        let s = match settings_of.get(&key) {
            Some(&s) => s,
            None => {
                settings.push(Settings::new(&key)?);
                settings_of.insert(key, settings.len() - 1);
                settings.len() - 1
            }
        };
        let shared = settings.get(s)?;
        let index = match compiled.get(&(s, origins)) {
            Some(&index) => index,
            None => {
                let o =
                    compile::compile_origins_with(&shared.config, origins, &shared.diags).ok()?;
                let rules = Arc::clone(&shared.rules);
                policies.push(Arc::new(Policy::with_rules(
                    rules,
                    origins.len(),
                    o.matcher,
                    o.sources,
                    o.warnings,
                )));
                let index = policies.len() as u32 - 1;
                compiled.insert((s, origins), index);
                index
            }
        };
        if let Some(p) = policies.get(index as usize)
            && !p.warnings().is_empty()
        {
            let scope = super::file::policy_scope(name);
            warnings.extend(p.warnings().iter().map(|w| w.clone().within(&scope)));
        }
        compiled_of.push(index);
    }
    drop(compiled);
    if policies.len() < policies.capacity() / 2 {
        policies.shrink_to_fit();
    }
    let mut routes = Vec::with_capacity(doc.routes.len());
    let mut specs = Vec::with_capacity(doc.routes.len());
    for (i, r) in doc.routes.iter().enumerate() {
        let parsed = host::parse_route_host(&r.host).ok()?;
        let prefix = match &r.path_prefix {
            None => "/",
            Some(p) if p.starts_with('/') => p,
            Some(_) => return None,
        };
        let name = *by_name.get(&*r.policy)?;
        let (route, spec) = route(i, &r.host, parsed, prefix, &r.policy, name, &compiled_of);
        routes.push(route);
        specs.push(spec);
    }
    let (selector, duplicates) = Selector::build(specs, &policies);
    if !duplicates.is_empty() {
        return None;
    }
    Some(Parts {
        names,
        compiled_of,
        policies,
        routes,
        selector,
        warnings,
    })
}
