//! One `Decision` object reused by `Policy.evaluate` once every other reference to it
//! is gone: what a middleware that makes and drops one decision per request gets
//! instead of a new object each time.
//!
//! Making a pyo3 object and freeing it cost ~600 instructions per `evaluate` (pyo3's
//! `create_class_object` ~325: the base type's `tp_new` with an empty argument tuple, the
//! free list's mutex, `PyObject_Init`; its `tp_dealloc` ~275, the mutex again), more than
//! the core's preflight decision. CPython avoids the same cost for its own short-lived
//! results in the same way (`zip`, `enumerate` and `dict.items()` iterators reuse their
//! result tuple when they hold its only reference).
//!
//! The spare: [`SPARE`] owns one reference to the last `Decision` the fast path returned.
//! When the next call finds that reference to be the object's only one
//! (`Py_REFCNT == 1`), no Python code and no other thread can reach the object, so its
//! content is replaced in place (the old content dropped: its `Kept` references given
//! back) and the object is returned again. Otherwise (the caller still holds the last
//! decision: concurrent requests, a stored decision) a new object is made as before,
//! and it becomes the spare. Either way the answer is a `Decision` holding exactly what a
//! new one would; a held decision is never changed.
//!
//! Cost: the reuse is an atomic swap, a reference-count test, the content's replacement
//! (moving the new decision in, dropping the old one's references) and one reference
//! count; a miss adds ~10 instructions and a reference count to the former cost.
//! What stays alive longer: the last decision's content (the policy object, the method
//! and up to 8 header tuples it borrows from) until the next `evaluate` on any policy.
//!
//! Only with the verified layout (layout.rs: CPython's default build, where the GIL
//! serializes every call here and `ob_refcnt` is the whole count); otherwise every call
//! makes a new object.

use std::cell::UnsafeCell;
use std::ptr;
use std::sync::atomic::{AtomicPtr, Ordering};

use pyo3::ffi;
use pyo3::prelude::*;

use crate::{Decision, Held, layout};

/// An owned reference to the spare `Decision` object, or null.
///
/// Invariant: non-null only as a strong reference (owned by this static) to an object
/// of exactly the `Decision` type, made by [`decision`].
static SPARE: AtomicPtr<ffi::PyObject> = AtomicPtr::new(ptr::null_mut());

/// What a [`Decision`] holds, replaceable while no one else can see it.
///
/// Invariant: the content is written only by [`decision`], while the object's only
/// reference is the one it took from [`SPARE`] (the GIL held); every other access
/// reads it.
pub(crate) struct Content(UnsafeCell<Held>);

// SAFETY: `Held` is `Sync`; the only write (above) happens while no other reference to
// the object exists, so no shared reference to the content can be live then.
unsafe impl Sync for Content {}

impl Content {
    pub(crate) fn new(held: Held) -> Content {
        Content(UnsafeCell::new(held))
    }

    /// The content (never written while `&self` is live: a reader holds a reference to
    /// the object, so [`decision`] does not write it).
    #[inline(always)]
    pub(crate) fn get(&self) -> &Held {
        // SAFETY: see the invariant; no `&mut` to the content exists while `&self` lives.
        unsafe { &*self.0.get() }
    }
}

/// A `Decision` object holding `held`: the spare object reused when only [`SPARE`]
/// still refers to it, else a new one (then the spare).
#[inline(always)]
pub(crate) fn decision<'py>(py: Python<'py>, held: Held) -> PyResult<Bound<'py, Decision>> {
    if !layout::verified() {
        return Bound::new(
            py,
            Decision {
                d: Content::new(held),
            },
        );
    }
    let spare = SPARE.swap(ptr::null_mut(), Ordering::Acquire);
    if !spare.is_null() {
        // SAFETY: a non-null `SPARE` is an owned reference to a `Decision` (invariant),
        // now owned by `obj`; the GIL is held (`py`).
        let obj = unsafe { Bound::from_owned_ptr(py, spare).cast_into_unchecked::<Decision>() };
        // SAFETY: `spare` is live (owned by `obj`); the verified layout is CPython's
        // default build, where `ob_refcnt` is the whole count.
        if unsafe { ffi::Py_REFCNT(spare) } == 1 {
            // SAFETY: `obj` holds the only reference to the object: no Python code and
            // no other thread can reach it, so no reference to its content is live. The
            // old content is dropped in place (its references given back; a subclass's
            // `__del__` may run, and cannot reach this object), then `held` written.
            unsafe { *obj.get().d.0.get() = held };
            keep(&obj);
            return Ok(obj);
        }
        // The caller still holds it: give back the spare's reference only.
        drop(obj);
    }
    let obj = Bound::new(
        py,
        Decision {
            d: Content::new(held),
        },
    )?;
    keep(&obj);
    Ok(obj)
}

/// Makes `obj` the spare (a new reference), giving back the former spare's reference
/// if another call (Python code run while an old content was dropped) set one.
#[inline(always)]
fn keep(obj: &Bound<'_, Decision>) {
    let old = SPARE.swap(obj.clone().into_ptr(), Ordering::Release);
    if !old.is_null() {
        // SAFETY: a non-null `SPARE` is an owned reference (invariant), now ours.
        unsafe { ffi::Py_DecRef(old) };
    }
}
