// The per-thread pool that futures' nodes come from: blocks are counted, reused, and a pool
// whose thread ended lives on until its last block is back.

#include <catch2/catch.hpp>
#include <cstddef>
#include <cstring>
#include <thread>
#include <vector>

#include "dartloop/detail/pool.hpp"

using dartloop::detail::pool_allocate;
using dartloop::detail::pool_blocks_in_use;
using dartloop::detail::pool_free;

TEST_CASE("the pool counts the blocks in use on this thread", "[pool]") {
  const std::size_t before = pool_blocks_in_use();
  void* a = pool_allocate(40);
  void* b = pool_allocate(200);
  CHECK(pool_blocks_in_use() == before + 2);
  pool_free(a, 40);
  pool_free(b, 200);
  CHECK(pool_blocks_in_use() == before);
}

TEST_CASE("pooled blocks are distinct, writable and aligned for any scalar", "[pool]") {
  std::vector<void*> blocks;
  for (std::size_t size = 1; size <= dartloop::detail::pool_max_block + 64; size += 7) {
    void* p = pool_allocate(size);
    CHECK(reinterpret_cast<std::uintptr_t>(p) % alignof(std::max_align_t) == 0);
    std::memset(p, 0xAB, size);
    blocks.push_back(p);
  }
  std::size_t size = 1;
  for (void* p : blocks) {
    CHECK(static_cast<unsigned char*>(p)[size - 1] == 0xAB);
    pool_free(p, size);
    size += 7;
  }
}

TEST_CASE("a block outliving its thread can still be given back", "[pool]") {
  void* block = nullptr;
  std::thread([&] { block = pool_allocate(64); }).join();
  REQUIRE(block != nullptr);
  pool_free(block, 64);  // the ended thread's pool is freed with its last block
  SUCCEED();
}
