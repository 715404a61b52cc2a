#pragma once

namespace gm {

//! Starts loading the cache line holding `p` for a read a little later. Only a hint: it
//! never faults and changes nothing the program can observe.
//!
//! Inline assembly on x86-64 because GCC 12 silently drops __builtin_prefetch in code as
//! plain as `if (!v.empty()) __builtin_prefetch(&v[i]);` (checked with -O2 -S), which left
//! an earlier attempt at prefetching the dedup table without effect.
inline void PrefetchForRead(const void* p) {
#if defined(__x86_64__)
  asm volatile("prefetcht0 (%0)" : : "r"(p));
#else
  __builtin_prefetch(p);
#endif
}

}  // namespace gm
