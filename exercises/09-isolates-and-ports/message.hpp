#pragma once
// Step 9: what travels between isolates (given whole: read it, it is short).
//
// Isolates share no memory, so a message is a COPY: the sender keeps its own value and may
// change or drop it; the receiver gets another object. `Message` holds one copied value of
// any "sendable" type and hands it out by type: `m.as<int>()`, `m.is<std::string>()`,
// `std::move(m).take<std::vector<int>>()`. Copying a Message copies the value.
#include <any>
#include <cstddef>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <typeinfo>
#include <utility>
#include <vector>

namespace dartloop {

class SendPort;

namespace detail {
/// True for a type whose copy owns everything it refers to. A pointer, a reference, a
/// std::shared_ptr or a std::string_view would let two isolates reach the same memory.
template <class T>
struct sendable : std::bool_constant<std::is_arithmetic_v<T> || std::is_enum_v<T>> {};
template <>
struct sendable<std::string> : std::true_type {};
template <>
struct sendable<SendPort> : std::true_type {};
template <class T, class A>
struct sendable<std::vector<T, A>> : sendable<T> {};
template <class A, class B>
struct sendable<std::pair<A, B>> : std::bool_constant<sendable<A>::value && sendable<B>::value> {};
}  // namespace detail

/// True when a `T` may be sent to another isolate.
template <class T>
inline constexpr bool is_sendable_v = detail::sendable<std::remove_cvref_t<T>>::value;

/// One message: a copy of a sendable value, or null.
class Message {
 public:
  /// The null message.
  Message() noexcept = default;
  /// The null message (`port.send(nullptr)`).
  Message(std::nullptr_t /*null*/) noexcept {}  // NOLINT(google-explicit-constructor)

  /// A message holding a copy of @p value (a string literal becomes a std::string).
  template <class T>
  static Message of(T&& value) {
    using V = std::conditional_t<std::is_convertible_v<T, const char*>, std::string,
                                 std::remove_cvref_t<T>>;
    static_assert(is_sendable_v<V>,
                  "this type cannot be sent to another isolate: send numbers, strings, "
                  "SendPorts, and vectors or pairs of them");
    Message m;
    m.value_ = V(std::forward<T>(value));
    return m;
  }

  /// True for the null message.
  [[nodiscard]] bool is_null() const noexcept { return !value_.has_value(); }
  /// True when the message holds a `T` (for `std::nullptr_t`: when it is null).
  template <class T>
  [[nodiscard]] bool is() const noexcept {
    if constexpr (std::is_same_v<T, std::nullptr_t>) {
      return is_null();
    } else {
      return value_.type() == typeid(T);
    }
  }
  /// The value as a `T`; throws std::invalid_argument when it holds something else.
  template <class T>
  [[nodiscard]] const T& as() const {
    if (!is<T>()) throw std::invalid_argument("the message does not hold that type");
    return std::any_cast<const T&>(value_);
  }
  /// Moves the value out as a `T`.
  template <class T>
  [[nodiscard]] T take() && {
    if constexpr (std::is_same_v<T, std::nullptr_t>) {
      return nullptr;
    } else {
      if (!is<T>()) throw std::invalid_argument("the message does not hold that type");
      T value = std::move(std::any_cast<T&>(value_));
      value_.reset();
      return value;
    }
  }

 private:
  std::any value_;
};

namespace detail {
/// What `send` puts in the box: a copy of @p value (a Message is copied as it is).
template <class T>
Message to_message(T&& value) {
  if constexpr (std::is_same_v<std::remove_cvref_t<T>, Message>) {
    return Message(std::forward<T>(value));
  } else if constexpr (std::is_same_v<std::remove_cvref_t<T>, std::nullptr_t>) {
    return Message();
  } else {
    return Message::of(std::forward<T>(value));
  }
}
}  // namespace detail

}  // namespace dartloop
