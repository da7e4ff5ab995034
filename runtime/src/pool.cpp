#include "dartloop/detail/pool.hpp"

#include <array>
#include <cassert>
#include <cstdint>
#include <cstdlib>
#include <new>
#include <vector>

// Under AddressSanitizer every block is its own allocation: a pool would hide a use after free
// (the block is reused, not poisoned) and a leak (LeakSanitizer would blame the whole chunk).
#if defined(__SANITIZE_ADDRESS__)
#define DARTLOOP_POOL_BYPASS 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define DARTLOOP_POOL_BYPASS 1
#endif
#endif
#ifndef DARTLOOP_POOL_BYPASS
#define DARTLOOP_POOL_BYPASS 0
#endif

namespace dartloop::detail {

#if DARTLOOP_POOL_BYPASS

namespace {
thread_local std::size_t blocks_in_use = 0;
}  // namespace

void* pool_allocate(std::size_t bytes) {
  void* block = ::operator new(bytes);
  ++blocks_in_use;
  return block;
}

void pool_free(void* block, std::size_t bytes) noexcept {
  --blocks_in_use;
  ::operator delete(block, bytes);
}

std::size_t pool_blocks_in_use() noexcept { return blocks_in_use; }

#else

namespace {

constexpr std::size_t granule = 16;
constexpr std::size_t classes = pool_max_block / granule;
constexpr std::size_t chunk_bytes = std::size_t{64} * 1024;

struct FreeBlock {
  FreeBlock* next;
};

struct Pool;

// Every chunk starts with its owner, so a block can be given back to the pool it came
// from even after that pool's thread has ended.
struct ChunkHeader {
  Pool* owner;
};

struct Pool {
  std::array<FreeBlock*, classes> free{};
  std::array<char*, classes> carve{};  // unused tail of the newest chunk, per size class
  std::array<char*, classes> carve_end{};
  std::vector<void*> chunks;
  std::size_t in_use = 0;
  bool orphaned = false;  // the thread ended: free everything once the last block is back

  Pool() = default;
  Pool(const Pool&) = delete;
  Pool& operator=(const Pool&) = delete;
  Pool(Pool&&) = delete;
  Pool& operator=(Pool&&) = delete;
  ~Pool() {
    for (void* c : chunks) std::free(c);
  }

  void* take(std::size_t cls) {
    if (FreeBlock* b = free[cls]; b != nullptr) {
      free[cls] = b->next;
      ++in_use;
      return b;
    }
    const std::size_t size = (cls + 1) * granule;
    if (carve[cls] == nullptr || carve[cls] + size > carve_end[cls]) new_chunk(cls);
    void* b = carve[cls];
    carve[cls] += size;
    ++in_use;
    return b;
  }

  void new_chunk(std::size_t cls) {
    void* c = std::aligned_alloc(chunk_bytes, chunk_bytes);
    if (c == nullptr) throw std::bad_alloc();
    chunks.push_back(c);
    static_cast<ChunkHeader*>(c)->owner = this;
    carve[cls] = static_cast<char*>(c) + granule;  // the header takes one granule
    carve_end[cls] = static_cast<char*>(c) + chunk_bytes;
  }
};

// A trivially destructible thread_local stays readable until the thread is gone, even while
// static destructors run; the guard's destructor marks the end of the thread.
thread_local Pool* this_thread_pool = nullptr;

struct PoolGuard {
  PoolGuard() = default;
  PoolGuard(const PoolGuard&) = delete;
  PoolGuard& operator=(const PoolGuard&) = delete;
  ~PoolGuard() {
    Pool* p = this_thread_pool;
    this_thread_pool = nullptr;
    if (p == nullptr) return;
    if (p->in_use == 0) {
      delete p;  // NOLINT(cppcoreguidelines-owning-memory): the pool owns itself
    } else {
      p->orphaned = true;  // blocks still live (e.g. in statics): the last free deletes it
    }
  }
};

Pool& pool() {
  if (this_thread_pool == nullptr) [[unlikely]] {
    thread_local PoolGuard guard;
    this_thread_pool = new Pool();  // NOLINT(cppcoreguidelines-owning-memory)
  }
  return *this_thread_pool;
}

constexpr std::size_t class_of(std::size_t bytes) noexcept { return (bytes - 1) / granule; }

}  // namespace

void* pool_allocate(std::size_t bytes) {
  if (bytes > pool_max_block) return ::operator new(bytes);
  return pool().take(class_of(bytes));
}

void pool_free(void* block, std::size_t bytes) noexcept {
  if (bytes > pool_max_block) {
    ::operator delete(block);
    return;
  }
  const auto chunk = reinterpret_cast<std::uintptr_t>(block) & ~(chunk_bytes - 1);
  Pool* owner = reinterpret_cast<ChunkHeader*>(chunk)->owner;  // NOLINT(performance-no-int-to-ptr)
  assert(owner == this_thread_pool || owner->orphaned);
  --owner->in_use;
  if (owner->orphaned) {
    if (owner->in_use == 0) delete owner;  // NOLINT(cppcoreguidelines-owning-memory)
    return;
  }
  auto* b = static_cast<FreeBlock*>(block);
  const std::size_t cls = class_of(bytes);
  b->next = owner->free[cls];
  owner->free[cls] = b;
}

std::size_t pool_blocks_in_use() noexcept {
  return this_thread_pool == nullptr ? 0 : this_thread_pool->in_use;
}

#endif

}  // namespace dartloop::detail
