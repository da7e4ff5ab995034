#pragma once
/// @file
/// @brief Per-thread free lists for the small, short-lived nodes futures are made of.
///
/// A `then` step allocates one node and frees one node; `malloc` and `free` would cost more
/// than the rest of the step. Each isolate is one thread and futures never cross threads, so
/// a thread-local free list per size class needs no lock. Blocks are carved from 64 KiB
/// chunks that stay with their thread until the thread ends and every block is back; a block
/// finds its pool through the header at the start of its chunk. Taking and returning a block
/// is inline; only a new chunk, a block of another thread's pool, or a large block goes
/// out of line.

#include <cstddef>
#include <cstdint>

// Under AddressSanitizer every block is its own allocation: a pool would hide a use after free
// (the block is reused, not poisoned) and a leak (LeakSanitizer would blame a whole chunk).
#if defined(__SANITIZE_ADDRESS__)
#define DARTLOOP_POOL_BYPASS 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define DARTLOOP_POOL_BYPASS 1
#endif
#endif
#ifndef DARTLOOP_POOL_BYPASS
/// @brief 1 when every pooled block is a plain allocation (set under AddressSanitizer).
#define DARTLOOP_POOL_BYPASS 0
#endif

namespace dartloop::detail {

/// @brief Largest block the pool serves; larger requests go to the global allocator.
inline constexpr std::size_t pool_max_block = 256;
/// @brief Size classes are multiples of this (and blocks are aligned to it).
inline constexpr std::size_t pool_granule = 16;
/// @brief Chunks are this big and aligned to their size, so a block's chunk is one mask away.
inline constexpr std::size_t pool_chunk_bytes = std::size_t{64} * 1024;

/// @brief A free block: the link to the next free block of its size class.
struct PoolFreeBlock {
  PoolFreeBlock* next;  ///< Next free block of the same size class.
};

/// @brief The part of a thread's pool that the inline fast paths touch.
struct PoolLists {
  PoolFreeBlock* free[pool_max_block / pool_granule] = {};  ///< One free list per size class.
  std::size_t in_use = 0;                                   ///< Blocks handed out and not yet back.
};

/// @brief This thread's pool (null until its first allocation, and after the thread ended).
extern constinit thread_local PoolLists* this_thread_pool_lists;

/// @brief Slow path of `pool_allocate`: a new chunk, a new pool, or a large block.
[[nodiscard]] void* pool_allocate_slow(std::size_t bytes);
/// @brief Slow path of `pool_free`: a large block, or a block of an ended thread's pool.
void pool_free_slow(void* block, std::size_t bytes) noexcept;

/// @brief The pool that @p block (from a pooled size class) came from.
[[nodiscard]] inline PoolLists* pool_owner(void* block) noexcept {
  const auto chunk = reinterpret_cast<std::uintptr_t>(block) & ~(pool_chunk_bytes - 1);
  return *reinterpret_cast<PoolLists**>(chunk);  // NOLINT(performance-no-int-to-ptr)
}

/// @brief Returns @p bytes of storage (aligned for any scalar) from this thread's pool.
[[nodiscard]] inline void* pool_allocate(std::size_t bytes) {
  if constexpr (DARTLOOP_POOL_BYPASS == 0) {
    PoolLists* pool = this_thread_pool_lists;
    if (bytes <= pool_max_block && pool != nullptr) [[likely]] {
      PoolFreeBlock*& head = pool->free[(bytes - 1) / pool_granule];
      if (PoolFreeBlock* b = head; b != nullptr) [[likely]] {
        head = b->next;
        ++pool->in_use;
        return b;
      }
    }
  }
  return pool_allocate_slow(bytes);
}

/// @brief Gives back a block of @p bytes that `pool_allocate` returned on this thread.
inline void pool_free(void* block, std::size_t bytes) noexcept {
  if constexpr (DARTLOOP_POOL_BYPASS == 0) {
    if (bytes <= pool_max_block) [[likely]] {
      PoolLists* pool = pool_owner(block);
      if (pool == this_thread_pool_lists) [[likely]] {
        auto* b = static_cast<PoolFreeBlock*>(block);
        PoolFreeBlock*& head = pool->free[(bytes - 1) / pool_granule];
        b->next = head;
        head = b;
        --pool->in_use;
        return;
      }
    }
  }
  pool_free_slow(block, bytes);
}

/// @brief Blocks of this thread's pool now in use (for leak tests).
[[nodiscard]] std::size_t pool_blocks_in_use() noexcept;

}  // namespace dartloop::detail
