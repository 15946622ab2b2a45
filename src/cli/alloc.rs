//! The binary's allocator: mimalloc for small buffers; large ones mapped on their own,
//! backed by huge pages and grown without copying.
//!
//! Small buffers are mimalloc's: a re-audit of a 20,000-file tree from the cache spent a
//! quarter of its time in glibc's `malloc` and `free` (the findings read back, the baseline's
//! index), and took 1.5 times as long on glibc (see the README's figures).
//!
//! A scan of one large document allocates a few buffers of its size (the folded text, its
//! edit map, the lexicon's hits, the sentence ends) and grows others as it goes. Two costs
//! came from the C allocator:
//! - **Page faults.** On 4 KiB pages each buffer costs a fault per page the first time it is
//!   written. Asking for transparent huge pages (`madvise(MADV_HUGEPAGE)`, honoured when THP
//!   is `madvise` or `always`) turns 512 faults into one.
//! - **Copies when a buffer grows.** glibc serves a large buffer from its heap or from a
//!   mapping it may not `mremap` (the advice above split the mapping in two, and `mremap`
//!   needs one): a `Vec` doubling past a few MiB was copied into fresh pages each time, half
//!   the page faults of a scan of the 64 MB benchmark corpus.
//!
//! So a buffer of [`MAP_MIN`] bytes or more gets its own anonymous mapping, advised whole (it
//! stays one mapping), grown and shrunk with `mremap`, which moves pages without copying
//! them, and returned with `munmap`. `GlobalAlloc` passes the same size back on `dealloc` and
//! `realloc`, so the size alone says which path a buffer took. Anything else (small buffers,
//! alignments above a page, other systems) goes to mimalloc unchanged.

use mimalloc::MiMalloc;
use std::alloc::{GlobalAlloc, Layout};

/// Buffers from this size up are mapped on their own. Below it a mapping's system calls
/// would cost more than the allocator's heap.
const MAP_MIN: usize = 2 << 20;

/// mimalloc for small buffers; large ones mapped (see the module documentation).
pub struct HugeAlloc;

/// Whether a buffer of this layout takes the mapped path.
fn mapped(layout: Layout) -> bool {
    cfg!(target_os = "linux") && layout.size() >= MAP_MIN && layout.align() <= 4096
}

#[cfg(target_os = "linux")]
mod map {
    /// A fresh zeroed mapping of `size` bytes advised to use huge pages, or null.
    pub fn new(size: usize) -> *mut u8 {
        // SAFETY: an anonymous private mapping at an address of the kernel's choosing
        // touches no existing memory.
        let p = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                size,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_PRIVATE | libc::MAP_ANONYMOUS,
                -1,
                0,
            )
        };
        if p == libc::MAP_FAILED {
            return std::ptr::null_mut();
        }
        advise(p, size);
        p.cast()
    }

    /// Advice on the whole mapping: a part would split it, and `mremap` moves only whole
    /// mappings. Where the kernel has no THP the call fails and nothing changes.
    pub fn advise(p: *mut libc::c_void, size: usize) {
        // SAFETY: `p..p + size` is one mapping this allocator made; MADV_HUGEPAGE changes
        // how it is backed, never its contents.
        unsafe {
            libc::madvise(p, size, libc::MADV_HUGEPAGE);
        }
    }

    /// Moves mapping `p` of `old` bytes to `new` bytes, contents kept; null on failure (the
    /// old mapping is then untouched).
    ///
    /// # Safety
    /// `p` is a live mapping of `old` bytes made by [`new`] or [`grow`].
    pub unsafe fn grow(p: *mut u8, old: usize, new: usize) -> *mut u8 {
        // SAFETY: the caller's contract; MREMAP_MAYMOVE leaves `p` valid if it fails.
        let q = unsafe { libc::mremap(p.cast(), old, new, libc::MREMAP_MAYMOVE) };
        if q == libc::MAP_FAILED {
            return std::ptr::null_mut();
        }
        if new > old {
            advise(q, new);
        }
        q.cast()
    }

    /// # Safety
    /// `p` is a live mapping of `size` bytes made by [`new`] or [`grow`], not used after.
    pub unsafe fn free(p: *mut u8, size: usize) {
        // SAFETY: the caller's contract.
        unsafe {
            libc::munmap(p.cast(), size);
        }
    }
}

#[cfg(not(target_os = "linux"))]
mod map {
    pub fn new(_: usize) -> *mut u8 {
        unreachable!("mapped() is false off Linux")
    }
    pub unsafe fn grow(_: *mut u8, _: usize, _: usize) -> *mut u8 {
        unreachable!("mapped() is false off Linux")
    }
    pub unsafe fn free(_: *mut u8, _: usize) {
        unreachable!("mapped() is false off Linux")
    }
}

// SAFETY: small buffers are forwarded to mimalloc with the caller's arguments unchanged.
// Mapped buffers are page-aligned (`mapped` refuses larger alignments), at least the size
// asked for, and freed or moved only with the size they were made with, which `GlobalAlloc`
// guarantees to pass back. A buffer changing paths in `realloc` is copied for the smaller
// of the two sizes and the old one freed by the path that made it.
unsafe impl GlobalAlloc for HugeAlloc {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if mapped(layout) {
            return map::new(layout.size());
        }
        // SAFETY: forwarded as received; the caller upholds `alloc`'s contract.
        unsafe { MiMalloc.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        if mapped(layout) {
            // A fresh anonymous mapping reads as zeros.
            return map::new(layout.size());
        }
        // SAFETY: as for `alloc`.
        unsafe { MiMalloc.alloc_zeroed(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        if mapped(layout) {
            // SAFETY: a buffer of this size was mapped by `alloc` or `realloc`.
            return unsafe { map::free(ptr, layout.size()) };
        }
        // SAFETY: as for `alloc`: `ptr` came from mimalloc through this allocator.
        unsafe { MiMalloc.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: the caller guarantees `new_size` with `layout.align()` is a valid layout.
        let new_layout = unsafe { Layout::from_size_align_unchecked(new_size, layout.align()) };
        match (mapped(layout), mapped(new_layout)) {
            // SAFETY: a buffer of the old size was mapped by this allocator.
            (true, true) => unsafe { map::grow(ptr, layout.size(), new_size) },
            // SAFETY: forwarded as received.
            (false, false) => unsafe { MiMalloc.realloc(ptr, layout, new_size) },
            _ => {
                // SAFETY: `new_layout` is valid (above); the copy covers what both hold;
                // the old buffer is freed by the path that made it, after the copy.
                unsafe {
                    let q = self.alloc(new_layout);
                    if !q.is_null() {
                        std::ptr::copy_nonoverlapping(ptr, q, layout.size().min(new_size));
                        self.dealloc(ptr, layout);
                    }
                    q
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Fills a buffer with a pattern that depends on the offset, so a copy that lost or moved
    /// bytes shows.
    unsafe fn fill(p: *mut u8, size: usize) {
        for i in 0..size {
            // SAFETY: the caller's buffer holds `size` bytes.
            unsafe { p.add(i).write((i % 251) as u8) };
        }
    }

    unsafe fn holds_pattern(p: *const u8, size: usize) -> bool {
        // SAFETY: the caller's buffer holds `size` bytes.
        unsafe { std::slice::from_raw_parts(p, size) }
            .iter()
            .enumerate()
            .all(|(i, &b)| b == (i % 251) as u8)
    }

    #[test]
    fn buffers_keep_their_contents_on_every_path_and_between_paths() {
        let a = HugeAlloc;
        // (from, to): small to small, small to mapped, mapped to mapped (growing and
        // shrinking), mapped to small.
        let moves = [
            (16, 4096),
            (MAP_MIN - 1, MAP_MIN),
            (MAP_MIN, MAP_MIN + 12345),
            (MAP_MIN + 12345, 3 * MAP_MIN),
            (3 * MAP_MIN, MAP_MIN + 1),
            (3 * MAP_MIN, 100),
        ];
        for (from, to) in moves {
            let layout = Layout::from_size_align(from, 8).unwrap();
            // SAFETY: non-zero layouts; every pointer is checked, used inside its size, and
            // freed with the layout it has.
            unsafe {
                let p = a.alloc(layout);
                assert!(!p.is_null(), "alloc {from}");
                fill(p, from);
                let q = a.realloc(p, layout, to);
                assert!(!q.is_null(), "realloc {from} -> {to}");
                assert!(holds_pattern(q, from.min(to)), "realloc {from} -> {to}");
                q.write_bytes(0xcd, to);
                a.dealloc(q, Layout::from_size_align(to, 8).unwrap());
            }
        }
    }

    #[test]
    fn zeroed_and_over_aligned_buffers() {
        let a = HugeAlloc;
        for (size, align) in [
            (64, 8),
            (MAP_MIN, 8),
            (3 * MAP_MIN, 4096),
            (MAP_MIN, 1 << 16),
        ] {
            let layout = Layout::from_size_align(size, align).unwrap();
            // SAFETY: as above.
            unsafe {
                let z = a.alloc_zeroed(layout);
                assert!(!z.is_null());
                assert_eq!(z as usize % align, 0, "{size} bytes aligned to {align}");
                assert!(std::slice::from_raw_parts(z, size).iter().all(|&b| b == 0));
                a.dealloc(z, layout);
            }
        }
    }
}
