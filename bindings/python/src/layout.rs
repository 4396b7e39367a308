//! List and tuple items and `bytes` data read from the objects themselves, once the
//! running interpreter has been shown to lay these objects out as CPython's default
//! build does: what `evaluate`'s fast path (borrow.rs) uses instead of one stable-ABI
//! call per item.
//!
//! The limited API reads a list item with `PyList_GetItem`, a tuple item with
//! `PyTuple_GetItem` and a `bytes` object's data with `PyBytes_AsString`: three calls
//! into libpython per header line (~15 instructions each with the call). Their bodies are
//! one load each, from a layout every CPython this abi3 wheel loads in (3.9 onwards, the
//! default build) shares: after the variable-size object header (`PyVarObject`, whose
//! layout is part of the stable ABI: pyo3's `Py_SIZE` reads it) a tuple holds its item
//! pointers, a list a pointer to its item array, and a `bytes` object its hash
//! (`Py_hash_t`) then its data. That is not promised by the limited API, so it is not
//! assumed: [`verify`] runs once, when the module is imported, and checks the layout
//! against the API itself on sample objects:
//!
//! - the types' `__basicsize__` / `__itemsize__` are those of this layout (so every read
//!   below stays inside the object);
//! - for a sample tuple, every item read at the tuple offset is the pointer
//!   `PyTuple_GetItem` returns (no pointer is followed before this holds);
//! - for a sample `bytes` object of each length class, the data offset is the pointer
//!   `PyBytes_AsString` returns;
//! - for a sample list, the item array read at the list offset holds the pointers
//!   `PyList_GetItem` returns (followed only after the header and size checks above).
//!
//! If any check fails (a debug or free-threaded interpreter, a future layout), the
//! direct reads are never used and the fast path calls the API as before: the answers are
//! the same either way, only the cost differs. A layout is fixed for the life of the
//! process (it is compiled into libpython), so checking once is enough.
//!
//! Only exact `list`, `tuple` and `bytes` objects are read this way (the callers compare
//! `Py_TYPE` with the type object); subclasses take the API calls.

use std::sync::atomic::{AtomicBool, Ordering};

use pyo3::ffi;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyList, PyTuple};

/// Whether [`verify`] found the layout; false until then, and for good if it did not.
static VERIFIED: AtomicBool = AtomicBool::new(false);

/// Bytes before a tuple's items and a list's item-array pointer: the `PyVarObject` header.
const VAR_HEAD: usize = std::mem::size_of::<ffi::PyVarObject>();
/// Bytes before a `bytes` object's data: the header and the cached hash.
const BYTES_DATA: usize = VAR_HEAD + std::mem::size_of::<ffi::Py_hash_t>();
/// A pointer's size: a tuple's and a list's `__itemsize__` / item stride.
const PTR: usize = std::mem::size_of::<*mut ffi::PyObject>();

/// Whether the direct reads may be used (one relaxed load: the flag is written once,
/// during the module's import, before any `Policy` exists).
#[inline(always)]
pub(crate) fn verified() -> bool {
    VERIFIED.load(Ordering::Relaxed)
}

/// Checks the layout (see the module documentation) and enables the direct reads if it
/// holds. Any error while checking leaves them off.
pub(crate) fn verify(py: Python<'_>) {
    let ok = check(py).unwrap_or(false);
    VERIFIED.store(ok, Ordering::Relaxed);
}

/// `(__basicsize__, __itemsize__)` of a type.
fn sizes(ty: &Bound<'_, pyo3::types::PyType>) -> PyResult<(usize, usize)> {
    Ok((
        ty.getattr("__basicsize__")?.extract()?,
        ty.getattr("__itemsize__")?.extract()?,
    ))
}

fn check(py: Python<'_>) -> PyResult<bool> {
    // The objects are at least as large as every read below (list: header, item array
    // pointer, `allocated`; tuple: header then items; bytes: header, hash, data and its
    // NUL, `__basicsize__` counting the NUL byte).
    if sizes(&py.get_type::<PyTuple>())? != (VAR_HEAD, PTR)
        || sizes(&py.get_type::<PyList>())? != (VAR_HEAD + 2 * PTR, 0)
        || sizes(&py.get_type::<PyBytes>())? != (BYTES_DATA + 1, 1)
    {
        return Ok(false);
    }
    let long = vec![b'x'; 300];
    let items = [
        PyBytes::new(py, b""),
        PyBytes::new(py, b"o"),
        PyBytes::new(py, b"origin"),
        PyBytes::new(py, &long),
    ];
    for b in &items {
        // SAFETY: `b` is a live `bytes` object (GIL held); its size is at least
        // `BYTES_DATA + 1` (checked above), so the offset stays inside it; nothing is read.
        let direct = unsafe { b.as_ptr().cast::<u8>().add(BYTES_DATA) };
        // SAFETY: as above.
        if direct.cast::<std::ffi::c_char>() != unsafe { ffi::PyBytes_AsString(b.as_ptr()) } {
            return Ok(false);
        }
    }
    let tuple = PyTuple::new(py, &items)?;
    for i in 0..items.len() {
        // SAFETY: `tuple` is live with `items.len()` items; `__basicsize__` and
        // `__itemsize__` (checked above) put item `i` at `VAR_HEAD + i * PTR`, inside the
        // object; the pointer read is compared, not followed.
        let direct = unsafe { tuple_item_unchecked(tuple.as_ptr(), i) };
        // SAFETY: as above; `i` is in bounds.
        if direct != unsafe { ffi::PyTuple_GetItem(tuple.as_ptr(), i as ffi::Py_ssize_t) } {
            return Ok(false);
        }
    }
    let list = PyList::new(py, &items)?;
    // SAFETY: `list` is live and `VAR_HEAD + PTR` bytes fit in it (`__basicsize__`); the
    // pointer is only compared to null here.
    let array = unsafe { *list.as_ptr().cast::<u8>().add(VAR_HEAD).cast::<*mut ()>() };
    if array.is_null() {
        return Ok(false);
    }
    for i in 0..items.len() {
        // SAFETY: the header is the stable ABI's (the tuple check above agrees with it)
        // and a list's first field after it is its item array (CPython's `ob_item`, non-null
        // for a non-empty list), holding `Py_SIZE` item pointers; `i` is below it.
        let direct = unsafe { list_item_unchecked(list.as_ptr(), i) };
        // SAFETY: as above.
        if direct != unsafe { ffi::PyList_GetItem(list.as_ptr(), i as ffi::Py_ssize_t) } {
            return Ok(false);
        }
    }
    Ok(true)
}

/// Item `i` of a tuple, read in place (`PyTuple_GetItem` without the call or the checks).
///
/// # Safety
/// [`verified`] is true (or this is [`check`]), `tuple` is a live object of exactly type
/// `tuple`, the GIL is held, and `i < Py_SIZE(tuple)`.
#[inline(always)]
pub(crate) unsafe fn tuple_item_unchecked(
    tuple: *mut ffi::PyObject,
    i: usize,
) -> *mut ffi::PyObject {
    // SAFETY: the verified layout puts the items at `VAR_HEAD`; `i` is in bounds (contract).
    unsafe {
        *tuple
            .cast::<u8>()
            .add(VAR_HEAD)
            .cast::<*mut ffi::PyObject>()
            .add(i)
    }
}

/// Item `i` of a list, read in place (`PyList_GetItem` without the call or the checks).
///
/// # Safety
/// [`verified`] is true (or this is [`check`]), `list` is a live object of exactly type
/// `list`, the GIL is held, and `i < Py_SIZE(list)`.
#[inline(always)]
pub(crate) unsafe fn list_item_unchecked(list: *mut ffi::PyObject, i: usize) -> *mut ffi::PyObject {
    // SAFETY: the verified layout puts the item array's pointer at `VAR_HEAD`; the array
    // holds `Py_SIZE(list)` items and `i` is in bounds (contract).
    unsafe {
        let array = *list
            .cast::<u8>()
            .add(VAR_HEAD)
            .cast::<*mut *mut ffi::PyObject>();
        *array.add(i)
    }
}

/// The data of a `bytes` object, in place (`PyBytes_AsString` without the call).
///
/// # Safety
/// [`verified`] is true, `bytes` is a live object of exactly type `bytes`; the returned
/// pointer is valid for `Py_SIZE(bytes)` bytes while the object lives.
#[inline(always)]
pub(crate) unsafe fn bytes_data(bytes: *mut ffi::PyObject) -> *const u8 {
    // SAFETY: the verified layout puts the data at `BYTES_DATA`, inside the object.
    unsafe { bytes.cast::<u8>().add(BYTES_DATA) }
}

#[cfg(test)]
mod tests {
    /// The offsets are those of CPython's default 64-bit layout (the abi3 wheels built
    /// here); another target computes its own from pyo3-ffi's header definitions.
    #[cfg(target_pointer_width = "64")]
    #[test]
    fn offsets_are_the_default_builds() {
        assert_eq!(super::VAR_HEAD, 24);
        assert_eq!(super::BYTES_DATA, 32);
    }
}
