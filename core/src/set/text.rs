//! A policy set file read from its text straight into borrowed, typed parts ([`Doc`]):
//! no `serde_json::Value` tree (a map and a string per entry of every tenant, which a
//! large set then merged, read and dropped again). Strings borrow from the text unless
//! written with escapes; every list entry of every policy lives in one arena
//! ([`Doc::strs`]).
//!
//! Only a well-formed set is read here: anything else (a key that is not a set, policy
//! or route field, a key written twice, a value of another type, a number that is not a
//! whole number of seconds or a status, a policy that is not an object) is refused with
//! no explanation, and the caller reads the file again through the `Value` path, which
//! names every problem. The JSON syntax is serde_json's, so whatever this accepts the
//! `Value` path accepts and reads the same.
//!
//! Cost: one pass over the text; allocations for the three growing lists and for
//! strings written with escapes only.

use crate::config::FIELDS;
use serde_core::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use std::borrow::Cow;
use std::fmt;

/// A string of the file: borrowed from the text, owned when written with escapes.
pub(super) type Str<'t> = Cow<'t, str>;

/// A policy field as written: absent, `null`, or a value (`null` is not absent: a
/// policy's `null` overrides the value in `defaults`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(super) enum Field<T> {
    #[default]
    Absent,
    Null,
    Set(T),
}

impl<T: Copy> Field<T> {
    /// This field of a policy merged over the same field of `defaults`.
    pub(super) fn over(self, default: Field<T>) -> Field<T> {
        match self {
            Field::Absent => default,
            own => own,
        }
    }

    /// The value, `None` when absent or `null`.
    pub(super) fn get(self) -> Option<T> {
        match self {
            Field::Set(v) => Some(v),
            Field::Absent | Field::Null => None,
        }
    }
}

/// A list of strings: `len` entries of [`Doc::strs`] from `start`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(super) struct List {
    pub(super) start: u32,
    pub(super) len: u32,
}

/// A policy as written (or `defaults`), each field by its index in [`FIELDS`].
#[derive(Clone, Copy, Debug, Default)]
pub(super) struct RawPolicy {
    pub(super) lists: [Field<List>; 4],
    pub(super) switches: [Field<bool>; 7],
    pub(super) max_age: Field<u64>,
    pub(super) preflight_status: Field<u64>,
}

/// The index in [`RawPolicy::lists`] of `origins`, `methods`, `request_headers` and
/// `expose_headers`.
pub(super) const ORIGINS: usize = 0;
pub(super) const METHODS: usize = 1;
pub(super) const REQUEST_HEADERS: usize = 2;
pub(super) const EXPOSE_HEADERS: usize = 3;

/// The index in [`RawPolicy::switches`] of each boolean field.
pub(super) const CREDENTIALS: usize = 0;
pub(super) const PRIVATE_NETWORK: usize = 1;
pub(super) const NULL_ORIGIN: usize = 2;
pub(super) const INSECURE_ORIGINS: usize = 3;
pub(super) const PUBLIC_SUFFIX_WILDCARDS: usize = 4;
pub(super) const PROTECTION: usize = 5;
pub(super) const DEBUG: usize = 6;

/// Where each entry of [`FIELDS`] is kept in a [`RawPolicy`].
#[derive(Clone, Copy)]
pub(super) enum Slot {
    List(usize),
    Switch(usize),
    MaxAge,
    PreflightStatus,
}

/// [`FIELDS`], in its order, as [`Slot`]s.
pub(super) const SLOTS: [Slot; 13] = [
    Slot::List(ORIGINS),
    Slot::Switch(CREDENTIALS),
    Slot::List(METHODS),
    Slot::List(REQUEST_HEADERS),
    Slot::List(EXPOSE_HEADERS),
    Slot::MaxAge,
    Slot::PreflightStatus,
    Slot::Switch(PRIVATE_NETWORK),
    Slot::Switch(NULL_ORIGIN),
    Slot::Switch(INSECURE_ORIGINS),
    Slot::Switch(PUBLIC_SUFFIX_WILDCARDS),
    Slot::Switch(PROTECTION),
    Slot::Switch(DEBUG),
];
const _: () = assert!(SLOTS.len() == FIELDS.len());

/// A route as written (`path_prefix` `None` when absent or `null`).
#[derive(Debug)]
pub(super) struct RawRoute<'t> {
    pub(super) host: Str<'t>,
    pub(super) path_prefix: Option<Str<'t>>,
    pub(super) policy: Str<'t>,
}

/// A policy set file as written.
#[derive(Debug, Default)]
pub(super) struct Doc<'t> {
    /// `defaults` (every field absent when the file has none, or `null`).
    pub(super) defaults: RawPolicy,
    /// The policies, in file order.
    pub(super) policies: Vec<(Str<'t>, RawPolicy)>,
    pub(super) routes: Vec<RawRoute<'t>>,
    /// Every entry of every list of every policy, back to back.
    pub(super) strs: Vec<Str<'t>>,
}

impl<'t> Doc<'t> {
    /// The entries of `list`.
    pub(super) fn list(&self, list: List) -> &[Str<'t>] {
        let start = list.start as usize;
        self.strs
            .get(start..start + list.len as usize)
            .unwrap_or_default()
    }
}

/// Reads a well-formed set file; `None` for anything else (see the module docs).
pub(super) fn parse(text: &str) -> Option<Doc<'_>> {
    let mut de = serde_json::Deserializer::from_str(text);
    let doc = DocVisitor.deserialize(&mut de).ok()?;
    de.end().ok()?;
    Some(doc)
}

/// The refusal of this reader: its message is never shown (the `Value` path explains).
fn refuse<E: de::Error>() -> E {
    E::custom("not read by the typed path")
}

/// Reads a key as its index in `names`; a key not there is refused.
struct Key(&'static [&'static str]);

impl<'de> DeserializeSeed<'de> for Key {
    type Value = usize;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<usize, D::Error> {
        d.deserialize_str(self)
    }
}

impl Visitor<'_> for Key {
    type Value = usize;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a known key")
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<usize, E> {
        self.0.iter().position(|k| *k == v).ok_or_else(refuse)
    }
}

/// Marks key `i` as seen; a key seen twice is refused (the `Value` path keeps the
/// last value at the first place, which this reader does not model).
fn first<E: de::Error>(seen: &mut u16, i: usize) -> Result<(), E> {
    let bit = 1u16 << i;
    if *seen & bit != 0 {
        return Err(refuse());
    }
    *seen |= bit;
    Ok(())
}

/// Reads a string, borrowed from the text when it has no escapes.
struct StrSeed;

impl<'de> DeserializeSeed<'de> for StrSeed {
    type Value = Str<'de>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Str<'de>, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for StrSeed {
    type Value = Str<'de>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string")
    }
    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Str<'de>, E> {
        Ok(Cow::Borrowed(v))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Str<'de>, E> {
        Ok(Cow::Owned(v.to_owned()))
    }
}

/// Reads a string or `null` (`None`).
struct OptionalStr;

impl<'de> DeserializeSeed<'de> for OptionalStr {
    type Value = Option<Str<'de>>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for OptionalStr {
    type Value = Option<Str<'de>>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string or null")
    }
    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
        StrSeed.visit_borrowed_str(v).map(Some)
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        StrSeed.visit_str(v).map(Some)
    }
}

/// Reads a list of strings into the arena, or `null`.
struct ListSeed<'a, 't>(&'a mut Vec<Str<'t>>);

impl<'de> DeserializeSeed<'de> for ListSeed<'_, 'de> {
    type Value = Field<List>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Field<List>, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for ListSeed<'_, 'de> {
    type Value = Field<List>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an array of strings or null")
    }
    fn visit_unit<E: de::Error>(self) -> Result<Field<List>, E> {
        Ok(Field::Null)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Field<List>, A::Error> {
        let start = self.0.len();
        while let Some(s) = seq.next_element_seed(StrSeed)? {
            self.0.push(s);
        }
        // In range: the text is far shorter than 4 GiB strings.
        let (Ok(start), Ok(len)) = (u32::try_from(start), u32::try_from(self.0.len() - start))
        else {
            return Err(refuse());
        };
        Ok(Field::Set(List { start, len }))
    }
}

/// Reads `true`, `false` or `null`.
struct SwitchSeed;

impl<'de> DeserializeSeed<'de> for SwitchSeed {
    type Value = Field<bool>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Field<bool>, D::Error> {
        d.deserialize_any(self)
    }
}

impl Visitor<'_> for SwitchSeed {
    type Value = Field<bool>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("true, false or null")
    }
    fn visit_unit<E: de::Error>(self) -> Result<Field<bool>, E> {
        Ok(Field::Null)
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Field<bool>, E> {
        Ok(Field::Set(v))
    }
}

/// Reads a whole number from 0 (as serde_json's `Number::as_u64` reads it), or `null`.
struct NumberSeed;

impl<'de> DeserializeSeed<'de> for NumberSeed {
    type Value = Field<u64>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Field<u64>, D::Error> {
        d.deserialize_any(self)
    }
}

impl Visitor<'_> for NumberSeed {
    type Value = Field<u64>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a whole number from 0, or null")
    }
    fn visit_unit<E: de::Error>(self) -> Result<Field<u64>, E> {
        Ok(Field::Null)
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Field<u64>, E> {
        Ok(Field::Set(v))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Field<u64>, E> {
        u64::try_from(v).map(Field::Set).map_err(|_| refuse())
    }
}

/// Reads a policy object (or, for `defaults`, also `null`: no defaults).
struct PolicySeed<'a, 't> {
    strs: &'a mut Vec<Str<'t>>,
    null: bool,
}

impl<'de> DeserializeSeed<'de> for PolicySeed<'_, 'de> {
    type Value = RawPolicy;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<RawPolicy, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for PolicySeed<'_, 'de> {
    type Value = RawPolicy;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a policy object")
    }
    fn visit_unit<E: de::Error>(self) -> Result<RawPolicy, E> {
        if self.null {
            Ok(RawPolicy::default())
        } else {
            Err(refuse())
        }
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<RawPolicy, A::Error> {
        let mut p = RawPolicy::default();
        let mut seen = 0u16;
        while let Some(i) = map.next_key_seed(Key(FIELDS))? {
            first(&mut seen, i)?;
            match SLOTS.get(i) {
                Some(Slot::List(l)) => {
                    let v = map.next_value_seed(ListSeed(self.strs))?;
                    if let Some(f) = p.lists.get_mut(*l) {
                        *f = v;
                    }
                }
                Some(Slot::Switch(s)) => {
                    let v = map.next_value_seed(SwitchSeed)?;
                    if let Some(f) = p.switches.get_mut(*s) {
                        *f = v;
                    }
                }
                Some(Slot::MaxAge) => p.max_age = map.next_value_seed(NumberSeed)?,
                Some(Slot::PreflightStatus) => {
                    p.preflight_status = map.next_value_seed(NumberSeed)?;
                }
                None => return Err(refuse()),
            }
        }
        Ok(p)
    }
}

/// Reads `policies`: an object of named policy objects.
struct PoliciesSeed<'a, 't> {
    policies: &'a mut Vec<(Str<'t>, RawPolicy)>,
    strs: &'a mut Vec<Str<'t>>,
}

impl<'de> DeserializeSeed<'de> for PoliciesSeed<'_, 'de> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for PoliciesSeed<'_, 'de> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an object of named policies")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(name) = map.next_key_seed(StrSeed)? {
            let policy = map.next_value_seed(PolicySeed {
                strs: self.strs,
                null: false,
            })?;
            self.policies.push((name, policy));
        }
        Ok(())
    }
}

/// The keys of a route, in [`RouteSeed`]'s order.
const ROUTE_KEYS: &[&str] = &["host", "path_prefix", "policy"];

/// Reads a route object.
struct RouteSeed;

impl<'de> DeserializeSeed<'de> for RouteSeed {
    type Value = RawRoute<'de>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<RawRoute<'de>, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for RouteSeed {
    type Value = RawRoute<'de>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a route object")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<RawRoute<'de>, A::Error> {
        let (mut host, mut path_prefix, mut policy) = (None, None, None);
        let mut seen = 0u16;
        while let Some(i) = map.next_key_seed(Key(ROUTE_KEYS))? {
            first(&mut seen, i)?;
            match i {
                0 => host = Some(map.next_value_seed(StrSeed)?),
                1 => path_prefix = map.next_value_seed(OptionalStr)?,
                _ => policy = Some(map.next_value_seed(StrSeed)?),
            }
        }
        match (host, policy) {
            (Some(host), Some(policy)) => Ok(RawRoute {
                host,
                path_prefix,
                policy,
            }),
            _ => Err(refuse()),
        }
    }
}

/// Reads `routes`: an array of route objects.
struct RoutesSeed<'a, 't>(&'a mut Vec<RawRoute<'t>>);

impl<'de> DeserializeSeed<'de> for RoutesSeed<'_, 'de> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for RoutesSeed<'_, 'de> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an array of routes")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while let Some(route) = seq.next_element_seed(RouteSeed)? {
            self.0.push(route);
        }
        Ok(())
    }
}

/// Reads the whole file: an object with `policies` and `routes`, and maybe `defaults`.
struct DocVisitor;

impl<'de> DeserializeSeed<'de> for DocVisitor {
    type Value = Doc<'de>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Doc<'de>, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for DocVisitor {
    type Value = Doc<'de>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a policy set")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Doc<'de>, A::Error> {
        let mut doc = Doc::default();
        let mut seen = 0u16;
        while let Some(i) = map.next_key_seed(Key(super::SET_FIELDS))? {
            first(&mut seen, i)?;
            match super::SET_FIELDS.get(i).copied() {
                Some("defaults") => {
                    doc.defaults = map.next_value_seed(PolicySeed {
                        strs: &mut doc.strs,
                        null: true,
                    })?;
                }
                Some("policies") => map.next_value_seed(PoliciesSeed {
                    policies: &mut doc.policies,
                    strs: &mut doc.strs,
                })?,
                _ => map.next_value_seed(RoutesSeed(&mut doc.routes))?,
            }
        }
        // `policies` and `routes` are required (the `Value` path names the one missing).
        if seen & 0b110 != 0b110 {
            return Err(refuse());
        }
        Ok(doc)
    }
}
