//! The binary's allocator: the system's, with large buffers backed by huge pages.
//!
//! A scan of one large document allocates a few buffers of its size (the folded text, its
//! edit map, the lexicon's marks). On 4 KiB pages each of them costs one page fault per
//! page the first time it is written: a third of the command's system time on the 64 MB
//! benchmark corpus. Asking the kernel for transparent huge pages on those buffers
//! (`madvise(MADV_HUGEPAGE)`, honoured when THP is `madvise` or `always`) turns 512 faults
//! into one. Small allocations are left alone: a huge page for a short string would only
//! waste memory. Advice is advice: where the kernel has no THP the call fails and nothing
//! changes.

use std::alloc::{GlobalAlloc, Layout, System};

/// Buffers from this size up are advised. Below it the aligned part of a buffer is too
/// small to hold a huge page or two.
const HUGE_MIN: usize = 4 << 20;
/// The huge page size of x86-64 and of aarch64 with 4 KiB base pages.
const HUGE_PAGE: usize = 2 << 20;

/// [`System`], advising allocations of [`HUGE_MIN`] bytes or more to use huge pages.
pub struct HugeAlloc;

fn advise(ptr: *mut u8, size: usize) {
    if ptr.is_null() || size < HUGE_MIN {
        return;
    }
    #[cfg(target_os = "linux")]
    {
        let start = (ptr as usize).next_multiple_of(HUGE_PAGE);
        let end = (ptr as usize + size) & !(HUGE_PAGE - 1);
        if start < end {
            // SAFETY: [start, end) lies inside the allocation just made, which this
            // process owns; MADV_HUGEPAGE changes how it is backed, never its contents.
            unsafe {
                libc::madvise(start as *mut libc::c_void, end - start, libc::MADV_HUGEPAGE);
            }
        }
    }
}

// SAFETY: every method forwards to `System` with the caller's arguments unchanged and
// returns its answer; the advice given afterwards does not touch the memory's contents.
unsafe impl GlobalAlloc for HugeAlloc {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded as received; the caller upholds `alloc`'s contract.
        let p = unsafe { System.alloc(layout) };
        advise(p, layout.size());
        p
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: as for `alloc`.
        let p = unsafe { System.alloc_zeroed(layout) };
        advise(p, layout.size());
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: as for `alloc`: `ptr` came from `System` through this allocator.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: as for `dealloc`.
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if new_size > layout.size() {
            advise(p, new_size);
        }
        p
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn large_and_small_buffers_allocate_and_keep_their_contents() {
        let a = HugeAlloc;
        for size in [16, HUGE_MIN - 1, HUGE_MIN, HUGE_MIN + 12345, 3 * HUGE_MIN] {
            let layout = Layout::from_size_align(size, 8).unwrap();
            // SAFETY: a non-zero layout; the pointer is checked, written inside its size,
            // grown with `realloc` and freed with the layout it has.
            unsafe {
                let p = a.alloc(layout);
                assert!(!p.is_null());
                p.write_bytes(0xab, size);
                let q = a.realloc(p, layout, size * 2);
                assert!(!q.is_null());
                assert!(std::slice::from_raw_parts(q, size)
                    .iter()
                    .all(|&b| b == 0xab));
                a.dealloc(q, Layout::from_size_align(size * 2, 8).unwrap());
                let z = a.alloc_zeroed(layout);
                assert!(std::slice::from_raw_parts(z, size).iter().all(|&b| b == 0));
                a.dealloc(z, layout);
            }
        }
    }
}
