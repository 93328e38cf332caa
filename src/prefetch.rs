//! A hint to the processor to load memory a loop will read a few steps later.
//!
//! Comparing a million records' pairs reads each pair's second record from anywhere in
//! memory: most of the comparison's time was spent waiting for it (perf: two loads, the
//! record and its values, took two thirds of `compare_fields`). Asking for a pair's
//! records some pairs ahead lets those loads overlap the comparisons in between.

/// Ask for the cache line holding `value` (a hint: nothing is read, nothing changes).
#[inline(always)]
pub fn prefetch<T>(value: &T) {
    #[cfg(target_arch = "x86_64")]
    safe_arch::prefetch_t0(value);
    #[cfg(not(target_arch = "x86_64"))]
    let _ = value;
}
