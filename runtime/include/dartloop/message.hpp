#pragma once
/// @file
/// @brief What may travel between isolates, and the box it travels in.
///
/// Isolates share no memory (dart-semantics.md §1.9): a message is copied when it is sent,
/// so the receiver gets its own value and the sender may change or drop its own. In C++
/// that is a question of types: a value type whose copy owns everything it refers to can be
/// sent; a pointer, a reference, a `std::shared_ptr`, a `std::string_view`, a span or a
/// function object would let two threads reach the same memory, so it cannot. The check
/// happens at compile time (`is_sendable_v`), with a readable error in `SendPort::send`.

#include <array>
#include <atomic>
#include <boost/core/demangle.hpp>
#include <boost/pfr/core.hpp>
#include <boost/pfr/tuple_size.hpp>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <list>
#include <map>
#include <memory>
#include <new>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <typeinfo>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <variant>
#include <vector>

#include "dartloop/errors.hpp"

namespace dartloop {

class SendPort;
class TransferableTypedData;

/// @brief Opts a user value type in: `template <> struct dartloop::sendable<Point> :
/// std::true_type {};`.
///
/// For an aggregate (a plain struct) every field is then checked too (with Boost.PFR), so
/// a `struct Job { std::string name; int* out; }` is still refused. A class with private
/// members is taken at its word: its copy must own everything it refers to.
template <class T>
struct sendable : std::false_type {};

namespace detail {

template <class T>
struct sendable_check;

/// @brief True when a `T` (cv-qualifiers ignored) may travel between isolates.
template <class T>
inline constexpr bool sendable_v = sendable_check<std::remove_cv_t<T>>::value;

/// @brief True when every field of the aggregate `T` is sendable.
template <class T, std::size_t... I>
constexpr bool fields_sendable(std::index_sequence<I...> /*fields*/) {
  return (sendable_v<boost::pfr::tuple_element_t<I, T>> && ...);
}

/// @brief True for an opted-in type whose fields (for an aggregate) are sendable too.
template <class T>
constexpr bool opted_in() {
  if constexpr (!sendable<T>::value) {
    return false;
  } else if constexpr (std::is_aggregate_v<T> && !std::is_array_v<T>) {
    return fields_sendable<T>(std::make_index_sequence<boost::pfr::tuple_size_v<T>>{});
  } else {
    return std::is_copy_constructible_v<T>;
  }
}

template <class T>
struct sendable_check : std::bool_constant<opted_in<T>()> {};

// Values that own nothing.
template <class T>
requires std::is_arithmetic_v<T> || std::is_enum_v<T>
struct sendable_check<T> : std::true_type {
};
template <>
struct sendable_check<std::nullptr_t> : std::true_type {};
template <>
struct sendable_check<std::monostate> : std::true_type {};
template <>
struct sendable_check<std::string> : std::true_type {};
template <>
struct sendable_check<SendPort> : std::true_type {};
template <>
struct sendable_check<TransferableTypedData> : std::true_type {};
template <>
struct sendable_check<RemoteError> : std::true_type {};

// Containers and wrappers of sendables (a copy copies the elements).
template <class T, class A>
struct sendable_check<std::vector<T, A>> : std::bool_constant<sendable_v<T>> {};
template <class T, class A>
struct sendable_check<std::deque<T, A>> : std::bool_constant<sendable_v<T>> {};
template <class T, class A>
struct sendable_check<std::list<T, A>> : std::bool_constant<sendable_v<T>> {};
template <class T, std::size_t N>
struct sendable_check<std::array<T, N>> : std::bool_constant<sendable_v<T>> {};
template <class T>
struct sendable_check<std::optional<T>> : std::bool_constant<sendable_v<T>> {};
template <class K, class V, class C, class A>
struct sendable_check<std::map<K, V, C, A>> : std::bool_constant<sendable_v<K> && sendable_v<V>> {};
template <class K, class V, class H, class E, class A>
struct sendable_check<std::unordered_map<K, V, H, E, A>>
    : std::bool_constant<sendable_v<K> && sendable_v<V>> {};
template <class K, class C, class A>
struct sendable_check<std::set<K, C, A>> : std::bool_constant<sendable_v<K>> {};
template <class K, class H, class E, class A>
struct sendable_check<std::unordered_set<K, H, E, A>> : std::bool_constant<sendable_v<K>> {};
template <class A, class B>
struct sendable_check<std::pair<A, B>> : std::bool_constant<sendable_v<A> && sendable_v<B>> {};
template <class... T>
struct sendable_check<std::tuple<T...>> : std::bool_constant<(sendable_v<T> && ...)> {};
template <class... T>
struct sendable_check<std::variant<T...>> : std::bool_constant<(sendable_v<T> && ...)> {};

}  // namespace detail

/// @brief True when a `T` may be sent to another isolate (see the file comment).
template <class T>
inline constexpr bool is_sendable_v = detail::sendable_v<std::remove_cvref_t<T>>;

/// @brief Bytes handed to another isolate without a copy (Dart's `TransferableTypedData`).
///
/// Sending moves the buffer, not its bytes; either side may `materialize` it once, after
/// which every handle to it is empty. Handles are cheap to copy within an isolate; the
/// take-once rule is atomic, so a buffer that ended up reachable from two isolates still
/// gives its bytes to only one of them.
class TransferableTypedData {
 public:
  /// @brief Takes over @p bytes (moved in: no copy).
  explicit TransferableTypedData(std::vector<std::uint8_t> bytes)
      : buffer_(std::make_shared<Buffer>(std::move(bytes))) {}
  /// @brief Moves the bytes out; a second call (on any handle) throws `ArgumentError`.
  [[nodiscard]] std::vector<std::uint8_t> materialize() {
    if (!buffer_ || buffer_->taken.exchange(true)) {
      throw ArgumentError("this TransferableTypedData has already been materialized");
    }
    return std::move(buffer_->bytes);
  }
  /// @brief The address of the bytes (shows that a transfer did not copy them).
  [[nodiscard]] const std::uint8_t* data() const noexcept {
    return buffer_ ? buffer_->bytes.data() : nullptr;
  }
  /// @brief Number of bytes not yet materialized.
  [[nodiscard]] std::size_t size() const noexcept {
    return buffer_ && !buffer_->taken.load() ? buffer_->bytes.size() : 0;
  }

 private:
  struct Buffer {
    explicit Buffer(std::vector<std::uint8_t> b) : bytes(std::move(b)) {}
    std::vector<std::uint8_t> bytes;
    std::atomic<bool> taken{false};
  };
  std::shared_ptr<Buffer> buffer_;
};

/// @brief One message: a copy of a sendable value, or null; what a `ReceivePort` delivers.
///
/// The receiver asks for the type it expects: `m.as<int>()`, `m.is<std::string>()`,
/// `std::move(m).take<std::vector<double>>()`. Asking for another type throws `TypeError`
/// naming both, as a failed cast does in Dart. Small values live inside the message
/// (no allocation), larger ones on the heap, handed over with the message.
class Message {
 public:
  /// @brief The null message.
  Message() noexcept = default;
  /// @brief The null message (`port.send(nullptr)`).
  Message(std::nullptr_t /*null*/) noexcept {}  // NOLINT(google-explicit-constructor)

  /// @brief A message holding @p value (copied from an lvalue, moved from an rvalue).
  template <class T>
  requires(!std::is_same_v<std::remove_cvref_t<T>, Message> &&
           !std::is_same_v<std::remove_cvref_t<T>, std::nullptr_t>) static Message of(T&& value) {
    using V = stored_t<T>;
    static_assert(is_sendable_v<V>,
                  "this type cannot be sent to another isolate. Sendable: null, bool, numbers, "
                  "enums, std::string, SendPort, TransferableTypedData, and vectors, arrays, "
                  "lists, deques, maps, sets, optionals, pairs, tuples and variants of "
                  "sendables. Pointers, references, std::shared_ptr, std::string_view, spans "
                  "and function objects would share memory between threads and are refused. "
                  "Your own value type can opt in: template <> struct dartloop::sendable<T> "
                  ": std::true_type {}; (an aggregate's fields must then be sendable too).");
    Message m;
    m.emplace<V>(std::forward<T>(value));
    return m;
  }

  /// @brief A deep copy of @p other's value.
  Message(const Message& other) {
    if (other.ops_ != nullptr) {
      other.ops_->copy(other.storage(), storage());
      ops_ = other.ops_;
    }
  }
  /// @brief Takes over @p other's value; @p other becomes null.
  Message(Message&& other) noexcept { take_from(other); }
  /// @brief Replaces the value by a deep copy of @p other's.
  Message& operator=(const Message& other) {
    if (this != &other) {
      Message copy(other);
      reset();
      take_from(copy);
    }
    return *this;
  }
  /// @brief Replaces the value by @p other's; @p other becomes null.
  Message& operator=(Message&& other) noexcept {
    if (this != &other) {
      reset();
      take_from(other);
    }
    return *this;
  }
  /// @brief Destroys the value.
  ~Message() { reset(); }

  /// @brief True for the null message.
  [[nodiscard]] bool is_null() const noexcept { return ops_ == nullptr; }
  /// @brief True when the message holds a `T` (for `std::nullptr_t`: when it is null).
  template <class T>
  [[nodiscard]] bool is() const noexcept {
    if constexpr (std::is_same_v<T, std::nullptr_t>) {
      return ops_ == nullptr;
    } else {
      return ops_ == &ops_for<T>;
    }
  }
  /// @brief The value as a `T`; throws `TypeError` when it holds something else.
  template <class T>
  [[nodiscard]] const T& as() const {
    check<T>();
    return *static_cast<const T*>(ops_->get(storage()));
  }
  /// @brief Moves the value out as a `T`; throws `TypeError` when it holds something else.
  template <class T>
  [[nodiscard]] T take() && {
    check<T>();
    T value = std::move(*static_cast<T*>(ops_->get(storage())));
    reset();
    return value;
  }
  /// @brief The held type's name, "Null" for the null message.
  [[nodiscard]] std::string type_name() const {
    return ops_ == nullptr ? std::string("Null") : boost::core::demangle(ops_->type().name());
  }

 private:
  // Values up to this size that move without throwing live inside the message, so that a
  // message to a port (port id + message) fits a task's inline buffer.
  static constexpr std::size_t inline_bytes = 16;

  template <class T>
  using stored_t = std::conditional_t<std::is_convertible_v<T, std::string_view> &&
                                          (std::is_array_v<std::remove_reference_t<T>> ||
                                           std::is_pointer_v<std::decay_t<T>>),
                                      std::string, std::remove_cvref_t<T>>;

  struct Ops {
    void* (*get)(const void* storage) noexcept;
    void (*move)(void* from, void* to) noexcept;
    void (*destroy)(void* storage) noexcept;
    void (*copy)(const void* from, void* to);
    const std::type_info& (*type)() noexcept;
  };

  // clang-tidy 14 calls the size test redundant (for some instantiation it is constant).
  template <class T>
  static constexpr bool fits_inline =
      sizeof(T) <= inline_bytes &&  // NOLINT(misc-redundant-expression)
      alignof(T) <= alignof(void*) && std::is_nothrow_move_constructible_v<T>;
  // Stored inline: the value itself; otherwise: a std::unique_ptr<T> to it.
  template <class T>
  using slot_t = std::conditional_t<fits_inline<T>, T, std::unique_ptr<T>>;

  template <class T>
  static T* value_in(const void* storage) noexcept {
    // The storage is never really const: `as` hands out const access only.
    auto* slot = static_cast<slot_t<T>*>(const_cast<void*>(storage));  // NOLINT
    if constexpr (fits_inline<T>) {
      return slot;
    } else {
      return slot->get();
    }
  }

  template <class T>
  static constexpr Ops ops_for = {
      [](const void* s) noexcept -> void* { return value_in<T>(s); },
      [](void* from, void* to) noexcept {
        auto* slot = static_cast<slot_t<T>*>(from);
        ::new (to) slot_t<T>(std::move(*slot));
        slot->~slot_t<T>();
      },
      [](void* s) noexcept { static_cast<slot_t<T>*>(s)->~slot_t<T>(); },
      [](const void* from, void* to) {
        const T& value = *value_in<T>(from);
        if constexpr (fits_inline<T>) {
          ::new (to) T(value);
        } else {
          ::new (to) std::unique_ptr<T>(std::make_unique<T>(value));
        }
      },
      []() noexcept -> const std::type_info& { return typeid(T); },
  };

  template <class T, class U>
  void emplace(U&& value) {
    if constexpr (fits_inline<T>) {
      ::new (storage()) T(std::forward<U>(value));
    } else {
      ::new (storage()) std::unique_ptr<T>(std::make_unique<T>(std::forward<U>(value)));
    }
    ops_ = &ops_for<T>;
  }

  template <class T>
  void check() const {
    if (!is<T>()) {
      throw TypeError("type '" + type_name() + "' is not a subtype of type '" +
                      boost::core::demangle(typeid(T).name()) + "' in a message");
    }
  }

  void take_from(Message& other) noexcept {
    if (other.ops_ == nullptr) return;
    other.ops_->move(other.storage(), storage());
    ops_ = std::exchange(other.ops_, nullptr);
  }
  void reset() noexcept {
    if (ops_ != nullptr) std::exchange(ops_, nullptr)->destroy(storage());
  }
  [[nodiscard]] void* storage() const noexcept {
    return const_cast<std::byte*>(
        storage_.data());  // NOLINT(cppcoreguidelines-pro-type-const-cast)
  }

  const Ops* ops_ = nullptr;
  alignas(void*) std::array<std::byte, inline_bytes> storage_{};
};

}  // namespace dartloop
