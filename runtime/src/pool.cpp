#include "dartloop/detail/pool.hpp"

#include <array>
#include <cassert>
#include <cstdlib>
#include <new>
#include <vector>

namespace dartloop::detail {

constinit thread_local PoolLists* this_thread_pool_lists = nullptr;

#if DARTLOOP_POOL_BYPASS

namespace {
thread_local std::size_t blocks_in_use = 0;
}  // namespace

void* pool_allocate_slow(std::size_t bytes) {
  void* block = ::operator new(bytes);
  ++blocks_in_use;
  return block;
}

void pool_free_slow(void* block, std::size_t /*bytes*/) noexcept {
  --blocks_in_use;
  ::operator delete(block);  // unsized: clang does not enable sized deallocation by default
}

std::size_t pool_blocks_in_use() noexcept { return blocks_in_use; }

#else

namespace {

constexpr std::size_t classes = pool_max_block / pool_granule;
// Chunks come in slabs, each slab twice the one before up to 4 MiB. One aligned allocation per
// chunk would cost a system call each, and glibc maps twice the size to align it.
constexpr std::size_t max_slab_chunks = 64;

struct Pool : PoolLists {
  std::array<char*, classes> carve{};  // unused tail of the chunk each size class carves from
  std::array<char*, classes> carve_end{};
  std::vector<void*> slabs;
  char* next_chunk = nullptr;  // chunks of the newest slab not yet handed to a size class
  char* slab_end = nullptr;
  std::size_t next_slab_chunks = 1;
  bool orphaned = false;  // the thread ended: free everything once the last block is back

  Pool() = default;
  Pool(const Pool&) = delete;
  Pool& operator=(const Pool&) = delete;
  Pool(Pool&&) = delete;
  Pool& operator=(Pool&&) = delete;
  ~Pool() {
    for (void* s : slabs) std::free(s);
  }

  void* carve_block(std::size_t cls) {
    const std::size_t size = (cls + 1) * pool_granule;
    if (carve[cls] == nullptr || carve[cls] + size > carve_end[cls]) take_chunk(cls);
    void* b = carve[cls];
    carve[cls] += size;
    ++in_use;
    return b;
  }

  void take_chunk(std::size_t cls) {
    if (next_chunk == slab_end) new_slab();
    char* chunk = next_chunk;
    next_chunk += pool_chunk_bytes;
    *reinterpret_cast<PoolLists**>(chunk) = this;  // the header: one granule
    carve[cls] = chunk + pool_granule;
    carve_end[cls] = chunk + pool_chunk_bytes;
  }

  void new_slab() {
    const std::size_t bytes = next_slab_chunks * pool_chunk_bytes;
    void* slab = std::aligned_alloc(pool_chunk_bytes, bytes);
    if (slab == nullptr) throw std::bad_alloc();
    slabs.push_back(slab);
    next_chunk = static_cast<char*>(slab);
    slab_end = next_chunk + bytes;
    if (next_slab_chunks < max_slab_chunks) next_slab_chunks *= 2;
  }
};

// The pointer above stays readable until the thread is gone (it is trivially destructible);
// this guard's destructor marks the end of the thread.
struct PoolGuard {
  PoolGuard() = default;
  PoolGuard(const PoolGuard&) = delete;
  PoolGuard& operator=(const PoolGuard&) = delete;
  PoolGuard(PoolGuard&&) = delete;
  PoolGuard& operator=(PoolGuard&&) = delete;
  ~PoolGuard() {
    auto* p = static_cast<Pool*>(this_thread_pool_lists);
    this_thread_pool_lists = nullptr;
    if (p == nullptr) return;
    if (p->in_use == 0) {
      delete p;  // NOLINT(cppcoreguidelines-owning-memory): the pool owns itself
    } else {
      p->orphaned = true;  // blocks still live (e.g. in statics): the last free deletes it
    }
  }
};

Pool& this_thread_pool() {
  if (this_thread_pool_lists == nullptr) [[unlikely]] {
    thread_local PoolGuard guard;
    this_thread_pool_lists = new Pool();  // NOLINT(cppcoreguidelines-owning-memory)
  }
  return *static_cast<Pool*>(this_thread_pool_lists);
}

}  // namespace

void* pool_allocate_slow(std::size_t bytes) {
  if (bytes > pool_max_block) return ::operator new(bytes);
  Pool& pool = this_thread_pool();
  const std::size_t cls = (bytes - 1) / pool_granule;
  if (PoolFreeBlock* b = pool.free[cls]; b != nullptr) {  // the pool was made just now
    pool.free[cls] = b->next;
    ++pool.in_use;
    return b;
  }
  return pool.carve_block(cls);
}

void pool_free_slow(void* block, std::size_t bytes) noexcept {
  if (bytes > pool_max_block) {
    ::operator delete(block);  // unsized: clang does not enable sized deallocation by default
    return;
  }
  // Futures never cross threads: a block from another pool is one whose thread has ended.
  auto* owner = static_cast<Pool*>(pool_owner(block));
  assert(owner->orphaned);
  if (--owner->in_use == 0) delete owner;  // NOLINT(cppcoreguidelines-owning-memory)
}

std::size_t pool_blocks_in_use() noexcept {
  return this_thread_pool_lists == nullptr ? 0 : this_thread_pool_lists->in_use;
}

#endif

}  // namespace dartloop::detail
