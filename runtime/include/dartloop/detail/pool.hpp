#pragma once
/// @file
/// @brief Per-thread free lists for the small, short-lived nodes futures are made of.

#include <cstddef>

namespace dartloop::detail {

/// @brief Largest block the pool serves; larger requests go to the global allocator.
inline constexpr std::size_t pool_max_block = 256;

/// @brief Returns @p bytes of storage (aligned for any scalar) from this thread's pool.
///
/// A `then` step allocates one node and frees one node; `malloc` and `free` would cost
/// more than the rest of the step. Each isolate is one thread and futures never cross
/// threads, so a thread-local free list per size class needs no lock. Blocks come from
/// 64 KiB chunks that stay with the thread until it ends and every block is back.
[[nodiscard]] void* pool_allocate(std::size_t bytes);

/// @brief Gives back a block of @p bytes that `pool_allocate` returned on this thread.
void pool_free(void* block, std::size_t bytes) noexcept;

/// @brief Blocks of this thread's pool now in use (for leak tests).
[[nodiscard]] std::size_t pool_blocks_in_use() noexcept;

}  // namespace dartloop::detail
