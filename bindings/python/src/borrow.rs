//! Borrowed views of `evaluate`'s arguments: the fast path that feeds the core the bytes
//! of Python's own `str` and `bytes` objects, with no copy and no allocation.
//!
//! `Policy.evaluate` costs a few hundred instructions in the core; the general argument
//! reader (`header_pairs` in lib.rs: a `Vec` of owned pairs, a `String` per `str`, pyo3's
//! generic type checks) cost three times that. This module handles the common shapes:
//!
//! - a method or header text that is exactly (or a subclass of) `str` or `bytes`; a `str`
//!   is read through CPython's cached UTF-8 view (`PyUnicode_AsUTF8AndSize`), an ASCII
//!   `str` without any copy;
//! - headers given as a `list` or `tuple` of 2-item tuples of such texts (an ASGI scope's
//!   `headers`, what the middlewares build), streamed into the core's iterator one line
//!   at a time.
//!
//! Anything else (another iterable, a pair that is not a tuple, a value of another type, a
//! `str` with a lone surrogate) makes the fast path give up ([`Lines::fast`] is false);
//! the caller then reads the arguments again with the general reader, which accepts the
//! same inputs as before and raises the same errors. The fast path has no side effect,
//! so giving up costs only the time spent.
//!
//! Lines whose name has a length no header the core reads has are left out (the core
//! documents that such lines never change a decision); their value is only type-checked.
//!
//! Cost: a line of two exact `bytes` in an exact `list`/`tuple`, with the layout verified
//! at import (layout.rs), is read with no call: ~22 instructions when the core does not
//! read it, ~45 when it is handed over. Other shapes pay a few type checks and up to four
//! stable-ABI calls per line (the list item, the two tuple items, the name's data), one
//! more for the value of a line the core may read. No Python code runs, the GIL is never
//! released.

use std::ffi::c_char;
use std::mem::MaybeUninit;
use std::ptr::addr_of_mut;

use pyo3::ffi;
use pyo3::prelude::*;

use crate::layout;
use crate::lent::KEEP;

unsafe extern "C" {
    /// CPython's UTF-8 view of a `str`: a pointer into the object (for ASCII, its own
    /// data; else a UTF-8 copy the object caches and frees with itself) and the length;
    /// NULL with an exception set (`UnicodeEncodeError`) for a lone surrogate.
    ///
    /// Part of the stable ABI from 3.10; pyo3-ffi declares it only there, but every
    /// CPython since 3.3 exports it with this signature (3.9 included, which this abi3
    /// wheel supports; `scripts/test-python.sh` runs the vectors on 3.9 and 3.13).
    fn PyUnicode_AsUTF8AndSize(
        unicode: *mut ffi::PyObject,
        size: *mut ffi::Py_ssize_t,
    ) -> *const c_char;
}

/// The bytes of a `str` (UTF-8) or `bytes` object; None for any other type and for a
/// `str` that UTF-8 cannot encode (the error Python set is cleared).
///
/// # Safety
/// `obj` is a valid object pointer, the GIL is held, and the object outlives `'a`
/// unchanged (both types are immutable: it is enough that it stays alive).
#[inline(always)]
unsafe fn text<'a>(obj: *mut ffi::PyObject) -> Option<&'a [u8]> {
    // SAFETY: `obj` is a valid object (contract); reading its type is always allowed.
    let ty = unsafe { ffi::Py_TYPE(obj) };
    let mut len: ffi::Py_ssize_t = 0;
    let data: *const u8 = if ty == addr_of_mut!(ffi::PyBytes_Type) {
        // SAFETY: `obj` is exactly a bytes object: its data (read in place when the
        // layout was verified, layout.rs; else one call, cheaper than
        // `PyBytes_AsStringAndSize`) and its length (`Py_SIZE`, stable ABI).
        len = unsafe { ffi::Py_SIZE(obj) };
        if layout::verified() {
            // SAFETY: verified layout, exact `bytes` (checked above).
            return unsafe { slice(layout::bytes_data(obj), len) };
        }
        // SAFETY: as above.
        let ptr = unsafe { ffi::PyBytes_AsString(obj) };
        if ptr.is_null() {
            // SAFETY: the GIL is held; the call set an exception, which is dropped.
            unsafe { ffi::PyErr_Clear() };
            return None;
        }
        ptr.cast()
    } else if ty != addr_of_mut!(ffi::PyUnicode_Type)
        // SAFETY: as above; the flag test reads the type object only.
        && unsafe { ffi::PyBytes_Check(obj) } != 0
    {
        let mut ptr: *mut c_char = std::ptr::null_mut();
        // SAFETY: `obj` is a bytes object; both out-pointers point to locals.
        if unsafe { ffi::PyBytes_AsStringAndSize(obj, &mut ptr, &mut len) } != 0 {
            // SAFETY: the GIL is held; the call set an exception, which is dropped.
            unsafe { ffi::PyErr_Clear() };
            return None;
        }
        ptr.cast()
    } else if ty == addr_of_mut!(ffi::PyUnicode_Type)
        // SAFETY: as above.
        || unsafe { ffi::PyUnicode_Check(obj) } != 0
    {
        // SAFETY: `obj` is a str object; `len` is a local.
        let ptr = unsafe { PyUnicode_AsUTF8AndSize(obj, &mut len) };
        if ptr.is_null() {
            // SAFETY: the GIL is held; the UnicodeEncodeError is dropped (the general
            // reader raises the binding's own TypeError for it).
            unsafe { ffi::PyErr_Clear() };
            return None;
        }
        ptr.cast()
    } else {
        return None;
    };
    // SAFETY: CPython returned `len` initialized bytes at `data`, owned by `obj`, which
    // lives for `'a` and never changes them (bytes and str are immutable; the UTF-8
    // view of a str, once made, lives as long as the str).
    unsafe { slice(data, len) }
}

/// `len` bytes at `data`, None for a negative length.
///
/// # Safety
/// `data` points to `len` initialized bytes that live unchanged for `'a`.
#[inline(always)]
unsafe fn slice<'a>(data: *const u8, len: ffi::Py_ssize_t) -> Option<&'a [u8]> {
    let len = usize::try_from(len).ok()?;
    // SAFETY: the contract.
    Some(unsafe { std::slice::from_raw_parts(data, len) })
}

/// The bytes of a `str` or `bytes` argument, borrowed from it; None for other types and
/// unencodable `str` (the general reader then raises its error).
pub(crate) fn text_arg<'a>(obj: &'a Bound<'_, PyAny>) -> Option<&'a [u8]> {
    // SAFETY: `obj` is a live object borrowed for `'a`, and a `Bound` implies the GIL.
    unsafe { text(obj.as_ptr()) }
}

/// A `list` or `tuple` of `(name, value)` tuples of `str`/`bytes`, yielded as borrowed
/// byte pairs. Stops early, with [`Lines::fast`] false, at the first line of another shape.
pub(crate) struct Lines<'a> {
    seq: *mut ffi::PyObject,
    is_list: bool,
    /// `seq` is exactly a `list` or `tuple` and the layout was verified (layout.rs): its
    /// items, and those of exact 2-tuples, are read in place.
    direct: bool,
    next: ffi::Py_ssize_t,
    len: ffi::Py_ssize_t,
    fast: bool,
    /// The first [`KEEP`] line tuples handed to the core (borrowed pointers, owned by
    /// `seq`), and how many were handed over in all.
    passed: [*mut ffi::PyObject; KEEP],
    n_passed: usize,
    _seq: std::marker::PhantomData<&'a ()>,
}

/// The line tuples handed to the core by a [`Lines`] that read every line in place.
pub(crate) struct Passed {
    items: [*mut ffi::PyObject; KEEP],
    n: usize,
}

impl Passed {
    /// The tuples, borrowed from the headers sequence (alive while it is unchanged:
    /// see [`Lines::new`]); None when more than [`KEEP`] were handed over.
    pub(crate) fn lines(&self) -> Option<&[*mut ffi::PyObject]> {
        self.items.get(..self.n)
    }
}

impl<'a> Lines<'a> {
    /// The lines of `headers` when it is a `list` or `tuple` (subclasses included:
    /// their items are read without calling Python), else None.
    ///
    /// # Safety
    /// The yielded slices borrow the items of a possibly mutable list. From this call
    /// until the last slice is dropped the caller runs no Python code and does not
    /// release the GIL (the core's `evaluate` and copying its decision qualify), so no
    /// one can change the list or free an item.
    pub(crate) unsafe fn new(headers: &'a Bound<'_, PyAny>) -> Option<Lines<'a>> {
        let seq = headers.as_ptr();
        // SAFETY: `seq` is a live object (a `Bound`); the checks read its type.
        let is_list = unsafe { ffi::Py_TYPE(seq) } == addr_of_mut!(ffi::PyList_Type)
            // SAFETY: as above.
            || unsafe { ffi::PyList_Check(seq) } != 0;
        // SAFETY: as above.
        if !is_list && unsafe { ffi::PyTuple_Check(seq) } == 0 {
            return None;
        }
        let len = if is_list {
            // SAFETY: `seq` is a list.
            unsafe { ffi::PyList_Size(seq) }
        } else {
            // SAFETY: `seq` is a tuple.
            unsafe { ffi::PyTuple_Size(seq) }
        };
        // SAFETY: `seq` is live; reading its type is always allowed.
        let ty = unsafe { ffi::Py_TYPE(seq) };
        let direct = layout::verified()
            && (ty == addr_of_mut!(ffi::PyList_Type) || ty == addr_of_mut!(ffi::PyTuple_Type));
        Some(Lines {
            seq,
            is_list,
            direct,
            next: 0,
            len,
            fast: true,
            passed: [std::ptr::null_mut(); KEEP],
            n_passed: 0,
            _seq: std::marker::PhantomData,
        })
    }

    /// Reads the lines not yet read: the lines handed to the core when every line had
    /// the fast shape (then the decision made from them stands), None when the general
    /// reader must run.
    pub(crate) fn finish(mut self) -> Option<Passed> {
        while self.next().is_some() {}
        self.fast.then_some(Passed {
            items: self.passed,
            n: self.n_passed,
        })
    }

    /// Records `item` as a line tuple handed to the core.
    #[inline(always)]
    fn pass(&mut self, item: *mut ffi::PyObject) {
        if let Some(slot) = self.passed.get_mut(self.n_passed) {
            *slot = item;
        }
        self.n_passed += 1;
    }

    fn give_up(&mut self) -> Option<(&'a [u8], &'a [u8])> {
        self.fast = false;
        self.next = self.len;
        None
    }
}

/// The lines of an ASGI-shaped `headers` gathered in one pass before the core runs: an
/// exact `list` or `tuple` (verified layout) of exact 2-tuples of exact `bytes`, at most
/// [`KEEP`] of whose lines the core may read. The core then iterates a slice (its scan
/// inlines the iteration) instead of calling [`Lines::next`] once per line it asks for.
///
/// Hands the core exactly the lines, in the same order, that [`Lines`] would: the same
/// tests ([`may_be_read_len`], [`may_be_read`]) decide which lines are left out.
/// Cost: ~15 instructions per line left out, ~25 per line kept, in one loop with no call.
pub(crate) struct Gathered<'a> {
    /// `lines[..n]` and `tuples[..n]` are initialized (by [`gather`]); the rest is not
    /// read. Left uninitialized so that making one costs nothing: zeroing the 320 bytes
    /// took ~40 instructions per call, and returning the filled value by memory two
    /// `memcpy`s (~110), more than the loop over an ordinary request's lines.
    lines: [MaybeUninit<(&'a [u8], &'a [u8])>; KEEP],
    tuples: [MaybeUninit<*mut ffi::PyObject>; KEEP],
    n: usize,
}

impl<'a> Gathered<'a> {
    /// No lines yet: what [`gather`] fills, in the caller's frame.
    #[inline(always)]
    pub(crate) fn new() -> Gathered<'a> {
        Gathered {
            lines: [MaybeUninit::uninit(); KEEP],
            tuples: [MaybeUninit::uninit(); KEEP],
            n: 0,
        }
    }

    /// The `(name, value)` lines for the core, in request order.
    pub(crate) fn lines(&self) -> &[(&'a [u8], &'a [u8])] {
        // SAFETY: `lines[..n]` are initialized (invariant), `n <= KEEP`, and
        // `MaybeUninit<T>` has `T`'s layout.
        unsafe { std::slice::from_raw_parts(self.lines.as_ptr().cast(), self.n) }
    }

    /// The line tuples those lines were read from (borrowed: see [`gather`]).
    pub(crate) fn tuples(&self) -> &[*mut ffi::PyObject] {
        // SAFETY: as for `lines`.
        unsafe { std::slice::from_raw_parts(self.tuples.as_ptr().cast(), self.n) }
    }

    /// Appends a line; false when [`KEEP`] lines are already there.
    #[inline(always)]
    fn push(&mut self, line: (&'a [u8], &'a [u8]), tuple: *mut ffi::PyObject) -> bool {
        let slot = self.n;
        let (Some(l), Some(t)) = (self.lines.get_mut(slot), self.tuples.get_mut(slot)) else {
            return false;
        };
        l.write(line);
        t.write(tuple);
        self.n = slot + 1;
        true
    }
}

/// Fills `g` (made by [`Gathered::new`]) with the lines of `headers`: false for any
/// other shape, a line the fast reader would give up on, or more than [`KEEP`] lines the
/// core may read (the caller then takes [`Lines`], which handles every shape and reads
/// the same lines; what `g` holds then is not used).
///
/// # Safety
/// As for [`Lines::new`]: from this call until the last slice is dropped the caller runs
/// no Python code and does not release the GIL.
pub(crate) unsafe fn gather<'a>(headers: &'a Bound<'_, PyAny>, g: &mut Gathered<'a>) -> bool {
    let seq = headers.as_ptr();
    // SAFETY: `seq` is a live object (a `Bound`); reading its type is always allowed.
    let ty = unsafe { ffi::Py_TYPE(seq) };
    let is_list = ty == addr_of_mut!(ffi::PyList_Type);
    if !layout::verified() || !(is_list || ty == addr_of_mut!(ffi::PyTuple_Type)) {
        return false;
    }
    // SAFETY: `seq` is exactly a list or a tuple; `Py_SIZE` is its length (stable ABI).
    let Ok(len) = usize::try_from(unsafe { ffi::Py_SIZE(seq) }) else {
        return false;
    };
    let bytes_type = addr_of_mut!(ffi::PyBytes_Type);
    for i in 0..len {
        // SAFETY: `i < len`, the size of the exact list/tuple with the verified layout,
        // unchanged while no Python code runs (contract); its items are live.
        let item = unsafe {
            if is_list {
                layout::list_item_unchecked(seq, i)
            } else {
                layout::tuple_item_unchecked(seq, i)
            }
        };
        // SAFETY: `item` is live (owned by `seq`): its type and `Py_SIZE` may be read; an
        // exact 2-tuple's items are read in place (verified layout) and live as long as
        // it; `bytes_data` of an exact `bytes` is valid for its `Py_SIZE` bytes, which
        // never change (immutable) while the object lives, i.e. for `'a` (contract).
        unsafe {
            if ffi::Py_TYPE(item) != addr_of_mut!(ffi::PyTuple_Type) || ffi::Py_SIZE(item) != 2 {
                return false;
            }
            let name = layout::tuple_item_unchecked(item, 0);
            let value = layout::tuple_item_unchecked(item, 1);
            if ffi::Py_TYPE(name) != bytes_type || ffi::Py_TYPE(value) != bytes_type {
                return false;
            }
            let len = ffi::Py_SIZE(name);
            if !may_be_read_len(len) {
                continue;
            }
            let Some(name) = slice(layout::bytes_data(name), len) else {
                return false;
            };
            if !may_be_read(name) {
                continue;
            }
            let Some(value) = slice(layout::bytes_data(value), ffi::Py_SIZE(value)) else {
                return false;
            };
            if !g.push((name, value), item) {
                return false;
            }
        }
    }
    true
}

/// Bit `n` is set when some request header the core reads (`names::REQUEST_HEADERS`) has
/// a name of `n` bytes: a line whose name has another length can be left out, as the
/// core documents, without reading its value.
const READ_LENGTHS: u64 = {
    let names = corsgate::names::REQUEST_HEADERS;
    let mut mask = 0u64;
    let mut i = 0;
    while i < names.len() {
        assert!(names[i].len() < 64, "a longer name needs a wider mask");
        mask |= 1 << names[i].len();
        i += 1;
    }
    mask
};

/// For each name length below 64, the first byte (ASCII lower case) of the request
/// header of that length the core reads; [`ANY_FIRST`] when two such names share a
/// length with different first bytes, 0 when none has it.
const READ_FIRST: [u8; 64] = {
    let names = corsgate::names::REQUEST_HEADERS;
    let mut table = [0u8; 64];
    let mut i = 0;
    while i < names.len() {
        let name = names[i].as_bytes();
        let first = name[0].to_ascii_lowercase();
        let slot = &mut table[name.len()];
        *slot = if *slot == 0 || *slot == first {
            first
        } else {
            ANY_FIRST
        };
        i += 1;
    }
    table
};

/// [`READ_FIRST`]'s mark for "any first byte".
const ANY_FIRST: u8 = 0xFF;

/// Whether the core may read a line named `name`: a test of its length and of its first
/// byte (ASCII case folded with `| 0x20`, which maps a letter's two cases together; a
/// non-letter that folds onto the letter only lets a line through), the core itself
/// compares the names. A line this rejects is one no name of `names::REQUEST_HEADERS`
/// matches, which the core documents it never reads.
fn may_be_read(name: &[u8]) -> bool {
    let Some(&first) = name.first() else {
        return false;
    };
    let Some(&want) = READ_FIRST.get(name.len()) else {
        return false;
    };
    want != 0 && (want == ANY_FIRST || want == first | 0x20)
}

/// [`may_be_read`] for a name of `len` bytes.
fn may_be_read_len(len: ffi::Py_ssize_t) -> bool {
    (0..64).contains(&len) && (READ_LENGTHS >> len) & 1 == 1
}

/// Whether `obj` is a text the general reader accepts (`str` encodable as UTF-8, or
/// `bytes`), without reading a `bytes`'s data.
///
/// # Safety
/// As for [`text`].
unsafe fn is_text(obj: *mut ffi::PyObject) -> bool {
    // SAFETY: `obj` is a valid object (contract); reading its type is always allowed.
    unsafe { ffi::Py_TYPE(obj) == addr_of_mut!(ffi::PyBytes_Type) || text::<'_>(obj).is_some() }
}

impl<'a> Iterator for Lines<'a> {
    type Item = (&'a [u8], &'a [u8]);

    fn next(&mut self) -> Option<Self::Item> {
        while self.next < self.len && self.fast {
            let i = self.next;
            self.next += 1;
            // SAFETY: `seq` is the list or tuple of `new`, alive and unchanged for `'a`
            // (contract of `new`); `i` is in bounds, and the calls check it again (NULL).
            let item = unsafe {
                if self.direct {
                    // `i` is in `0..len`, and `len` is the sequence's size (unchanged).
                    let i = i as usize;
                    if self.is_list {
                        layout::list_item_unchecked(self.seq, i)
                    } else {
                        layout::tuple_item_unchecked(self.seq, i)
                    }
                } else if self.is_list {
                    ffi::PyList_GetItem(self.seq, i)
                } else {
                    ffi::PyTuple_GetItem(self.seq, i)
                }
            };
            if item.is_null() {
                // SAFETY: the GIL is held; the IndexError is dropped.
                unsafe { ffi::PyErr_Clear() };
                return self.give_up();
            }
            // SAFETY: `item` is a live object owned by `seq`; the checks read its type
            // and, for a tuple, its size (`Py_SIZE`, part of the stable ABI).
            let exact = unsafe { ffi::Py_TYPE(item) } == addr_of_mut!(ffi::PyTuple_Type);
            // SAFETY: as above.
            let pair =
                unsafe { (exact || ffi::PyTuple_Check(item) != 0) && ffi::Py_SIZE(item) == 2 };
            if !pair {
                return self.give_up();
            }
            // SAFETY: `item` is a 2-tuple (read in place when it is exactly a tuple and the
            // layout was verified: `self.direct`); its items are owned by it (tuples are
            // immutable), so they live as long as `item`, which lives for `'a` (contract
            // of `new`).
            let (name, value) = unsafe {
                if self.direct && exact {
                    (
                        layout::tuple_item_unchecked(item, 0),
                        layout::tuple_item_unchecked(item, 1),
                    )
                } else {
                    (ffi::PyTuple_GetItem(item, 0), ffi::PyTuple_GetItem(item, 1))
                }
            };
            // An exact `bytes` name and value (an ASGI scope's) with the verified layout
            // (`self.direct`: exact `list`/`tuple`, checked at import): the name's length
            // (`Py_SIZE`, stable ABI) and first byte decide whether the core may read the
            // line, and both texts are read in place; a line the core does not read costs
            // no call at all.
            // SAFETY: as above; `Py_SIZE` of a `bytes` is its length, `bytes_data` is
            // used only with the verified layout on an exact `bytes`, valid for that
            // length, and the object lives for `'a`.
            unsafe {
                if ffi::Py_TYPE(name) == addr_of_mut!(ffi::PyBytes_Type)
                    && ffi::Py_TYPE(value) == addr_of_mut!(ffi::PyBytes_Type)
                {
                    let len = ffi::Py_SIZE(name);
                    if !may_be_read_len(len) {
                        continue;
                    }
                    if self.direct {
                        let (Some(name), Some(value)) = (
                            slice(layout::bytes_data(name), len),
                            slice(layout::bytes_data(value), ffi::Py_SIZE(value)),
                        ) else {
                            return self.give_up();
                        };
                        if !may_be_read(name) {
                            continue;
                        }
                        self.pass(item);
                        return Some((name, value));
                    }
                }
            }
            // SAFETY: as above.
            let Some(name) = (unsafe { text(name) }) else {
                return self.give_up();
            };
            if may_be_read(name) {
                // SAFETY: as above.
                let Some(value) = (unsafe { text(value) }) else {
                    return self.give_up();
                };
                self.pass(item);
                return Some((name, value));
            }
            // A line the core does not read: left out, its value only type-checked.
            // SAFETY: as above.
            if !unsafe { is_text(value) } {
                return self.give_up();
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The length filter keeps every name the core reads, in any case.
    #[test]
    fn read_names_pass_the_length_filter() {
        for name in corsgate::names::REQUEST_HEADERS {
            assert!(may_be_read(name.as_bytes()), "{name}");
            assert!(may_be_read(name.to_ascii_lowercase().as_bytes()), "{name}");
        }
        assert!(!may_be_read(b"user-agent"));
        assert!(
            !may_be_read(b"accept"),
            "same length as origin, another first byte"
        );
        assert!(may_be_read(b"HOST") && !may_be_read(b"xost"));
        assert!(!may_be_read(b""));
        assert!(!may_be_read(b"accept-encoding"));
        assert!(!may_be_read(&[b'x'; 100]));
    }
}
