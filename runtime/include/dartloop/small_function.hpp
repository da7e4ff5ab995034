#pragma once
/// @file
/// @brief A move-only callable with inline storage, so queuing a task does not allocate.

#include <cstddef>
#include <cstring>
#include <memory>
#include <new>
#include <type_traits>
#include <utility>

namespace dartloop {

template <class Signature, std::size_t InlineBytes>
class SmallFunction;

namespace detail {
/// True for a callable @p F that a `SmallFunction` @p Self of signature `R(Args...)` can hold.
template <class F, class Self, class R, class... Args>
concept wrappable =
    !std::is_same_v<std::decay_t<F>, Self> && std::is_invocable_r_v<R, std::decay_t<F>&, Args...>;
}  // namespace detail

/// @brief Move-only type-erased callable that stores small callables in place.
///
/// `std::function` copies and may allocate for every task; an event loop queues
/// millions of tasks, so this type keeps any callable of at most @p InlineBytes
/// bytes (and pointer alignment) inside the object and only falls back to the
/// heap for larger ones. Relocation of trivially copyable callables is a
/// `memcpy`, which lets the queues move entries without indirect calls.
template <class R, class... Args, std::size_t InlineBytes>
class SmallFunction<R(Args...), InlineBytes> {
  struct Ops {
    R (*invoke)(void* self, Args&&... args);
    void (*relocate)(void* dst, void* src) noexcept;  // null: memcpy is enough
    void (*destroy)(void* self) noexcept;             // null: nothing to do
  };

  template <class F>
  static constexpr bool stored_inline =
      sizeof(F) <= InlineBytes &&
      alignof(F) <= alignof(void*) && std::is_nothrow_move_constructible_v<F>;

  template <class F>
  static constexpr Ops inline_ops{
      [](void* self, Args&&... args) -> R {
        // A `void()` task may wrap a callable that returns something (an async main returns
        // its Future): the result is discarded, as std::function<void()> would.
        if constexpr (std::is_void_v<R>) {
          (void)(*std::launder(static_cast<F*>(self)))(std::forward<Args>(args)...);
        } else {
          return (*std::launder(static_cast<F*>(self)))(std::forward<Args>(args)...);
        }
      },
      std::is_trivially_copyable_v<F>
          ? nullptr
          : +[](void* dst, void* src) noexcept {
              F* from = std::launder(static_cast<F*>(src));
              ::new (dst) F(std::move(*from));
              from->~F();
            },
      std::is_trivially_destructible_v<F>
          ? nullptr
          : +[](void* self) noexcept { std::launder(static_cast<F*>(self))->~F(); }};

  template <class F>
  static constexpr Ops heap_ops{
      [](void* self, Args&&... args) -> R {
        if constexpr (std::is_void_v<R>) {
          (void)(**static_cast<F**>(self))(std::forward<Args>(args)...);
        } else {
          return (**static_cast<F**>(self))(std::forward<Args>(args)...);
        }
      },
      nullptr,  // the buffer only holds a pointer
      [](void* self) noexcept { std::default_delete<F>{}(*static_cast<F**>(self)); }};

 public:
  /// @brief An empty function; calling it is undefined.
  SmallFunction() noexcept : buffer_{} {}

  /// @brief Wraps any callable invocable as `R(Args...)`.
  /// Implicit on purpose: lambdas convert to tasks; the concept keeps moves on the move ctor.
  template <detail::wrappable<SmallFunction, R, Args...> F>
  // NOLINTNEXTLINE(*-explicit-constructor,*-forwarding-reference-overload,*-member-init)
  SmallFunction(F&& fn) {
    using Fn = std::decay_t<F>;  // a plain function becomes a function pointer
    if constexpr (stored_inline<Fn>) {
      ::new (static_cast<void*>(buffer_)) Fn(std::forward<F>(fn));
      ops_ = &inline_ops<Fn>;
    } else {
      auto owned = std::make_unique<Fn>(std::forward<F>(fn));
      Fn* raw = owned.release();
      std::memcpy(buffer_, &raw, sizeof raw);  // NOLINT(bugprone-sizeof-expression): the pointer
      ops_ = &heap_ops<Fn>;
    }
  }

  /// @brief Takes over @p other's callable, leaving @p other empty.
  SmallFunction(SmallFunction&& other) noexcept {  // NOLINT(*-member-init): `take` fills it
    take(other);
  }

  /// @brief Destroys the held callable, then takes over @p other's.
  SmallFunction& operator=(SmallFunction&& other) noexcept {
    if (this != &other) {
      reset();
      take(other);
    }
    return *this;
  }

  SmallFunction(const SmallFunction&) = delete;
  SmallFunction& operator=(const SmallFunction&) = delete;

  /// @brief Destroys the held callable.
  ~SmallFunction() { reset(); }

  /// @brief True when a callable is held.
  explicit operator bool() const noexcept { return ops_ != nullptr; }

  /// @brief Calls the held callable.
  R operator()(Args... args) { return ops_->invoke(buffer_, std::forward<Args>(args)...); }

  /// @brief Destroys the held callable and becomes empty.
  void reset() noexcept {
    if (ops_ != nullptr && ops_->destroy != nullptr) ops_->destroy(buffer_);
    ops_ = nullptr;
  }

 private:
  void take(SmallFunction& other) noexcept {
    ops_ = other.ops_;
    if (ops_ == nullptr) return;
    if (ops_->relocate == nullptr) {
      // The whole buffer is copied on purpose (a fixed-size copy is a few moves); bytes past
      // the callable are unused padding, which GCC's -O3 flow analysis flags as (maybe)
      // uninitialized.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"
#endif
      std::memcpy(buffer_, other.buffer_, InlineBytes);
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif
    } else {
      ops_->relocate(buffer_, other.buffer_);
    }
    other.ops_ = nullptr;
  }

  // Left uninitialized on purpose: zeroing it would cost every task a 32-byte store.
  alignas(
      void*) std::byte buffer_[InlineBytes];  // NOLINT(*-use-default-member-init,*-avoid-c-arrays)
  const Ops* ops_ = nullptr;
};

}  // namespace dartloop
