//! Policies by number: each `Policy` the addon wraps gets a small integer id on its
//! thread, which `evaluateInto` / `respondInto` accept in place of the `Policy` object.
//!
//! Why: finding the `Policy` behind a JS object soundly costs a type-tag check and an
//! unwrap (`napi_check_object_type_tag`, `napi_unwrap`: two private-property lookups in
//! V8's runtime), measured ~110-170 ns of a ~520 ns preflight `evaluate` call
//! (benches/README.md, "noderatio3"). A number is read with `napi_get_value_uint32`
//! and looked up here.
//!
//! Invariants: slot `id` holds a strong reference to the engine of the live `Policy`
//! that was given `id` on this thread, and nothing else; the `Policy`'s `Drop` (its
//! finalizer, on the same thread) empties the slot, and an emptied slot is reused for a
//! later policy. An id names no object by address: any number is looked up with a
//! bounds check, so a stale or made-up id gives `None` or another live policy of this
//! thread, never a dangling reference. The caller keeps its own strong reference
//! ([`get`] clones the `Rc`) for the whole call, so a policy finalized meanwhile (a GC
//! while the call creates JS strings) stays alive until the call returns.

use std::cell::RefCell;
use std::rc::Rc;

/// What a `Policy` shares with its slot: the compiled policy and its string table.
pub(crate) struct Engine {
    pub(crate) inner: corsgate::Policy,
    /// The strings `evaluate`'s numeric form refers to by number (`encode.rs`).
    pub(crate) strings: RefCell<crate::encode::Strings>,
}

/// This thread's slots, and the emptied ones to reuse.
#[derive(Default)]
struct Slots {
    slots: Vec<Option<Rc<Engine>>>,
    free: Vec<u32>,
}

thread_local! {
    static SLOTS: RefCell<Slots> = RefCell::new(Slots::default());
}

/// Gives `engine` an id on this thread; `None` past `u32::MAX` slots or while the slots
/// are borrowed (never happens: no borrow outlives a function of this module).
pub(crate) fn register(engine: &Rc<Engine>) -> Option<u32> {
    SLOTS
        .try_with(|s| {
            let mut s = s.try_borrow_mut().ok()?;
            if let Some(id) = s.free.pop() {
                s.slots[id as usize] = Some(Rc::clone(engine));
                return Some(id);
            }
            let id = u32::try_from(s.slots.len()).ok()?;
            s.slots.push(Some(Rc::clone(engine)));
            Some(id)
        })
        .ok()
        .flatten()
}

/// Empties slot `id` (the policy's finalizer); nothing when this thread's slots are gone
/// or `id` is not in use.
pub(crate) fn unregister(id: u32) {
    let _ = SLOTS.try_with(|s| {
        if let Ok(mut s) = s.try_borrow_mut()
            && let Some(slot) = s.slots.get_mut(id as usize)
            && slot.take().is_some()
        {
            s.free.push(id);
        }
    });
}

/// The engine with id `id` on this thread, if any.
pub(crate) fn get(id: u32) -> Option<Rc<Engine>> {
    SLOTS
        .try_with(|s| {
            let s = s.try_borrow().ok()?;
            s.slots.get(id as usize)?.clone()
        })
        .ok()
        .flatten()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn engine(origin: &str) -> Rc<Engine> {
        let json = format!(r#"{{"origins": ["{origin}"]}}"#);
        Rc::new(Engine {
            inner: corsgate::Policy::from_json(&json).expect("valid policy"),
            strings: Default::default(),
        })
    }

    #[test]
    fn ids_find_their_engine_until_unregistered_and_are_reused() {
        let a = engine("https://a.example");
        let b = engine("https://b.example");
        let ia = register(&a).expect("id");
        let ib = register(&b).expect("id");
        assert_ne!(ia, ib);
        assert!(Rc::ptr_eq(&get(ia).expect("a"), &a));
        assert!(Rc::ptr_eq(&get(ib).expect("b"), &b));
        // A reference taken before the slot is emptied stays valid.
        let held = get(ia).expect("a");
        unregister(ia);
        assert!(get(ia).is_none());
        assert!(held.inner.is_origin_allowed(b"https://a.example"));
        unregister(ia); // twice: nothing
        let c = engine("https://c.example");
        assert_eq!(register(&c), Some(ia));
        assert!(Rc::ptr_eq(&get(ia).expect("c"), &c));
        assert!(get(u32::MAX).is_none());
        unregister(ia);
        unregister(ib);
    }
}
