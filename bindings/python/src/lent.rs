//! The core's decision kept as the core returned it, with the Python objects its texts
//! point into kept alive: what a `Decision` made by the fast path holds.
//!
//! The core's `Decision<'a>` borrows from the policy (`&'a self`), the method and the
//! header lines it was given (all `&'a [u8]`), and from `'static` constants; nothing
//! else can carry the lifetime `'a`. A `Decision` made by [`crate::Policy::evaluate`]'s
//! fast path reads the method and lines in place from Python `str`/`bytes` objects
//! (borrow.rs). Instead of copying the decision's texts out (owned.rs: one pass over the
//! lines, a `memcpy` per text, ~900 instructions for an allowed actual request), the
//! object keeps the decision as is and holds a strong reference to every object those
//! borrows point into: the `Policy` object, the method object and each `(name, value)`
//! tuple the core was handed. All of them are immutable (`bytes`, `str` and its cached
//! UTF-8 view, `tuple`, and a frozen `Policy` whose core policy is never mutated), so
//! the borrowed bytes stay valid and unchanged for as long as the `Decision` lives.
//! Python objects for the attributes are made when an attribute is read, from the core's
//! own accessors (`for_each_header`, `reason`), so the answers are the core's by
//! construction.
//!
//! Bounded: at most [`KEEP`] lines are kept; a request that handed the core more lines
//! (only lines whose name the core may read are handed over) takes the copy instead.
//! The references form no cycle (none of these objects refers back to a `Decision`), so
//! the `Decision` needs no garbage-collector traversal.
//!
//! Cost: a copy of the core decision into the object, one reference count per kept
//! object, and the same count back when the `Decision` is dropped.

use pyo3::ffi;
use pyo3::prelude::*;

/// The most header lines a lent decision keeps alive (the lines whose name the core may
/// read: an ordinary request has 1-5).
pub(crate) const KEEP: usize = 8;

/// Strong references to the objects a core decision borrows from.
///
/// Invariant: `objs[..n]` are live objects of which `Kept` owns one reference count
/// each, given back on drop. Raw pointers rather than `Py`s: dropping a `Py` first asks
/// whether this thread is attached to the interpreter (a thread-local read per object);
/// a `Kept` is only ever dropped with the GIL held (see [`Kept`]'s `Drop`).
pub(crate) struct Kept {
    objs: [*mut ffi::PyObject; KEEP + 2],
    n: usize,
}

// SAFETY: the pointers are owned references to immutable objects (never dereferenced
// by Rust); the reference counts are only changed with the GIL held (`new`, `drop`).
unsafe impl Send for Kept {}
// SAFETY: as above; `&Kept` gives no access to the objects.
unsafe impl Sync for Kept {}

impl Kept {
    /// Takes a strong reference to `owner` (the `Policy`), `method` and each object of
    /// `lines`; None when there are more than [`KEEP`] lines (nothing is kept then).
    ///
    /// # Safety
    /// Every pointer of `lines` is a live object (the GIL is held: `owner` proves it).
    pub(crate) unsafe fn new(
        owner: &Bound<'_, PyAny>,
        method: &Bound<'_, PyAny>,
        lines: &[*mut ffi::PyObject],
    ) -> Option<Kept> {
        if lines.len() > KEEP {
            return None;
        }
        let mut objs = [std::ptr::null_mut(); KEEP + 2];
        objs[0] = owner.as_ptr();
        objs[1] = method.as_ptr();
        // SAFETY: `owner` and `method` are live (`Bound`s) and the GIL is held.
        unsafe {
            ffi::Py_IncRef(objs[0]);
            ffi::Py_IncRef(objs[1]);
        }
        // One loop that copies and counts (a `zip` copy became a `memcpy` call, ~30
        // instructions for an ordinary request's 4 lines).
        for (i, &line) in lines.iter().enumerate() {
            if let Some(slot) = objs.get_mut(2 + i) {
                // SAFETY: `line` is live (the contract) and the GIL is held.
                unsafe { ffi::Py_IncRef(line) };
                *slot = line;
            }
        }
        Some(Kept {
            objs,
            n: 2 + lines.len(),
        })
    }
}

impl Drop for Kept {
    /// Gives the references back. A `Kept` lives in a `Decision`, which is dropped by its
    /// Python object's deallocation (GIL held), or before it reaches one, in the
    /// `evaluate` call that made it (GIL held).
    fn drop(&mut self) {
        for &obj in self.objs.iter().take(self.n) {
            // SAFETY: `obj` holds a reference owned by `self` (invariant); the GIL is
            // held (above).
            unsafe { ffi::Py_DecRef(obj) };
        }
    }
}

/// A core decision whose borrows [`Kept`] keeps alive.
pub(crate) struct Lent {
    /// Not `'static`: it borrows from the objects of `_kept` (see [`Lent::new`]); it is
    /// only ever handed out with the lifetime of `&self`.
    d: corsgate::Decision<'static>,
    _kept: Kept,
}

impl Lent {
    /// Keeps `d` and the objects it borrows from.
    ///
    /// # Safety
    /// Every reference `d` holds points to `'static` data or into one of the objects of
    /// `kept` (the policy object whose core policy made `d`, the method and the line
    /// tuples it was given), and those objects never change the bytes it points to.
    #[inline(always)]
    pub(crate) unsafe fn new(d: corsgate::Decision<'_>, kept: Kept) -> Lent {
        // SAFETY: only the lifetime changes. The data `d` borrows lives as long as
        // `kept`'s objects (contract), which `Lent` holds for as long as it holds `d`,
        // and `get` never hands `d` out for longer than `&self`.
        let d = unsafe {
            std::mem::transmute::<corsgate::Decision<'_>, corsgate::Decision<'static>>(d)
        };
        Lent { d, _kept: kept }
    }

    /// The core's decision, for as long as `self` lives.
    pub(crate) fn get(&self) -> &corsgate::Decision<'_> {
        &self.d
    }
}
#[cfg(test)]
mod tests {
    /// A `Decision` object stays within pymalloc's 512-byte blocks (object header and
    /// the garbage collector's header included: 32 bytes, plus pyo3's few words), so
    /// making one never calls the system allocator.
    #[test]
    fn decision_fits_a_small_block() {
        let size = std::mem::size_of::<crate::Decision>();
        assert!(size <= 448, "Decision is {size} bytes");
    }
}
