// Layer 1: SmallFunction, the move-only callable that every queued task is stored in.

#include <array>
#include <atomic>
#include <catch2/catch.hpp>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <new>
#include <string>
#include <type_traits>
#include <utility>

#include "dartloop/small_function.hpp"
#include "dartloop/task.hpp"
#include "support.hpp"

// Every allocation of this executable is counted, so a test can prove that storing a small
// callable allocates nothing and that a large one allocates exactly once.
namespace {
std::atomic<long> allocations{0};
}  // namespace

namespace {
void* counted_allocation(std::size_t size) noexcept {
  allocations.fetch_add(1, std::memory_order_relaxed);
  return std::malloc(size == 0 ? 1 : size);
}
}  // namespace

// The whole unaligned family is replaced, so every new is paired with a matching delete
// (sanitizers check that); the aligned forms stay the library's, also as a pair.
void* operator new(std::size_t size) {
  if (void* p = counted_allocation(size)) return p;
  throw std::bad_alloc();
}
void* operator new[](std::size_t size) {
  if (void* p = counted_allocation(size)) return p;
  throw std::bad_alloc();
}
void* operator new(std::size_t size, const std::nothrow_t&) noexcept {
  return counted_allocation(size);
}
void* operator new[](std::size_t size, const std::nothrow_t&) noexcept {
  return counted_allocation(size);
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }
void operator delete(void* p, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete[](void* p, const std::nothrow_t&) noexcept { std::free(p); }

namespace {

using dartloop::SmallFunction;
using dartloop::Task;
using dartloop::test::Counted;
using dartloop::test::Lifetime;

long allocation_count() { return allocations.load(std::memory_order_relaxed); }

/// A callable that answers with its own address, to see where the function keeps it.
template <std::size_t Padding>
struct WhereAmI {
  std::array<std::byte, Padding> padding{};
  const void* operator()() const { return this; }
};

/// True when @p p points into the bytes of @p object.
template <class T>
bool lies_within(const void* p, const T& object) {
  const auto begin = reinterpret_cast<std::uintptr_t>(&object);
  const auto at = reinterpret_cast<std::uintptr_t>(p);
  return at >= begin && at < begin + sizeof(T);
}

/// Nothrow-move is required for inline storage; this callable does not promise it.
struct ThrowingMove {
  int value = 7;
  ThrowingMove() = default;
  ThrowingMove(const ThrowingMove&) = default;
  ThrowingMove(ThrowingMove&& other) noexcept(false) : value(other.value) {}
  int operator()() const { return value; }
};

}  // namespace

TEST_CASE("a task is 32 bytes of inline storage plus one pointer", "[task]") {
  STATIC_REQUIRE(sizeof(Task) == 32 + sizeof(void*));
  STATIC_REQUIRE(!std::is_copy_constructible_v<Task>);
  STATIC_REQUIRE(std::is_nothrow_move_constructible_v<Task>);
}

TEST_CASE("a callable of at most the inline size is stored inside the function without allocating",
          "[task]") {
  const long before = allocation_count();
  SmallFunction<const void*(), 32> fn{WhereAmI<32>{}};
  CHECK(allocation_count() == before);
  CHECK(lies_within(fn(), fn));
}

TEST_CASE("a callable larger than the inline size is stored on the heap with one allocation",
          "[task]") {
  const long before = allocation_count();
  SmallFunction<const void*(), 32> fn{WhereAmI<33>{}};
  CHECK(allocation_count() == before + 1);
  CHECK_FALSE(lies_within(fn(), fn));
}

TEST_CASE("a callable whose move may throw is stored on the heap", "[task]") {
  const long before = allocation_count();
  SmallFunction<int(), 32> fn{ThrowingMove{}};
  CHECK(allocation_count() == before + 1);
  CHECK(fn() == 7);
}

TEST_CASE("moving an inline function relocates the callable into the destination", "[task]") {
  SmallFunction<const void*(), 32> a{WhereAmI<24>{}};
  SmallFunction<const void*(), 32> b{std::move(a)};
  CHECK(lies_within(b(), b));
}

TEST_CASE("moving a heap-stored function keeps the callable where it is, without allocating",
          "[task]") {
  SmallFunction<const void*(), 32> a{WhereAmI<64>{}};
  const void* where = a();
  const long before = allocation_count();
  SmallFunction<const void*(), 32> b{std::move(a)};
  SmallFunction<const void*(), 32> c;
  c = std::move(b);
  CHECK(allocation_count() == before);
  CHECK(c() == where);
}

TEST_CASE("a move-only capture such as unique_ptr can be stored, moved and called", "[task]") {
  auto owned = std::make_unique<int>(41);
  Task a{[p = std::move(owned)] { ++*p; }};
  Task b{std::move(a)};
  b();  // must not crash: the unique_ptr travelled with the callable

  int seen = 0;
  SmallFunction<int(), 32> c{[p = std::make_unique<int>(5)] { return *p; }};
  SmallFunction<int(), 32> d{std::move(c)};
  seen = d();
  CHECK(seen == 5);
}

TEST_CASE("an inline callable is destroyed exactly once however often it is moved", "[task]") {
  Lifetime life;
  {
    Task a{[c = Counted(life)] { (void)c; }};
    CHECK(life.live == 1);
    Task b{std::move(a)};
    Task c;
    c = std::move(b);
    Task d{std::move(c)};
    CHECK(life.live == 1);
    d();
  }
  CHECK(life.live == 0);
  CHECK(life.double_destroyed == 0);
}

TEST_CASE("a heap-stored callable is destroyed exactly once however often it is moved", "[task]") {
  Lifetime life;
  {
    std::array<char, 48> big{};
    Task a{[c = Counted(life), big] { (void)c, (void)big; }};
    CHECK(life.live == 1);
    Task b{std::move(a)};
    Task c;
    c = std::move(b);
    CHECK(life.live == 1);
    c();
  }
  CHECK(life.live == 0);
  CHECK(life.double_destroyed == 0);
}

TEST_CASE("move-assignment destroys the callable the destination held", "[task]") {
  Lifetime first;
  Lifetime second;
  Task a{[c = Counted(first)] { (void)c; }};
  Task b{[c = Counted(second)] { (void)c; }};
  const int destroyed_before = first.destroyed;
  a = std::move(b);
  CHECK(first.live == 0);
  CHECK(first.destroyed == destroyed_before + 1);
  CHECK(second.live == 1);
}

TEST_CASE("reset destroys the callable at once and leaves the function empty", "[task]") {
  Lifetime life;
  Task a{[c = Counted(life)] { (void)c; }};
  a.reset();
  CHECK(life.live == 0);
  CHECK_FALSE(a);
  a.reset();  // resetting an empty function is harmless
  CHECK(life.double_destroyed == 0);
}

TEST_CASE("self move-assignment keeps the callable", "[task]") {
  int calls = 0;
  Task a{[&calls] { ++calls; }};
  Task& alias = a;
  a = std::move(alias);
  REQUIRE(a);
  a();
  CHECK(calls == 1);
}

TEST_CASE("a moved-from function is empty and the destination holds the callable", "[task]") {
  int calls = 0;
  Task a{[&calls] { ++calls; }};
  REQUIRE(a);
  Task b{std::move(a)};
  CHECK_FALSE(a);  // NOLINT(bugprone-use-after-move): emptiness is the guarantee under test
  REQUIRE(b);
  b();
  CHECK(calls == 1);

  Task c;
  c = std::move(b);
  CHECK_FALSE(b);  // NOLINT(bugprone-use-after-move)
  CHECK(c);
}

TEST_CASE("a default-constructed function is empty", "[task]") {
  const Task t{};
  CHECK_FALSE(t);
}

TEST_CASE("arguments are forwarded and the result is returned", "[task]") {
  SmallFunction<int(int, int), 16> add{[](int a, int b) { return a + b; }};
  CHECK(add(2, 3) == 5);

  SmallFunction<void(std::string&), 16> append{[](std::string& s) { s += "!"; }};
  std::string text = "hi";
  append(text);
  CHECK(text == "hi!");

  SmallFunction<std::unique_ptr<int>(std::unique_ptr<int>), 16> pass{
      [](std::unique_ptr<int> p) { return p; }};
  auto out = pass(std::make_unique<int>(9));
  REQUIRE(out);
  CHECK(*out == 9);
}

TEST_CASE("a stateful callable keeps its state between calls and across moves", "[task]") {
  SmallFunction<int(), 32> counter{[n = 0]() mutable { return ++n; }};
  CHECK(counter() == 1);
  CHECK(counter() == 2);
  SmallFunction<int(), 32> moved{std::move(counter)};
  CHECK(moved() == 3);
}

TEST_CASE("a trivially copyable callable keeps every captured byte when relocated", "[task]") {
  const std::int64_t a = 0x0102030405060708;
  const std::int64_t b = -77;
  const std::int64_t c = 1234567890123;
  const std::int32_t d = 42;
  SmallFunction<std::int64_t(), 32> fn{[a, b, c, d] { return a + b + c + d; }};
  SmallFunction<std::int64_t(), 32> moved{std::move(fn)};
  SmallFunction<std::int64_t(), 32> again;
  again = std::move(moved);
  CHECK(again() == a + b + c + d);
}
