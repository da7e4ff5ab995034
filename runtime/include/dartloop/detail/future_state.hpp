#pragma once
/// @file
/// @brief The machinery under `Future<T>`: a shared state, its listeners, and propagation.
///
/// Read next to dart-semantics.md §1.3. A state is incomplete, pending (its completion is
/// already queued as a microtask), chained (it will take another state's result), or
/// complete with a value or an error. Listeners wait in a singly linked list; when a
/// state completes, `propagate` calls them in registration order, and runs on down a
/// `then` chain in the same loop, so a whole chain completes inside one task.

#include <cstddef>
#include <cstdint>
#include <exception>
#include <new>
#include <source_location>
#include <type_traits>
#include <utility>

#include "dartloop/detail/pool.hpp"
#include "dartloop/errors.hpp"
#include "dartloop/event_loop.hpp"

namespace dartloop {

template <class T>
class Future;

/// @brief The value a `Future<void>` completes with: there is exactly one.
struct Void {
  /// @brief All `Void`s are equal.
  friend constexpr bool operator==(Void, Void) noexcept { return true; }
};

/// @brief An error on its way through futures: the C++ exception and where it entered them.
struct AsyncError {
  std::exception_ptr error;    ///< The exception, intact (rethrow it to catch it by type).
  std::source_location where;  ///< The call that raised it into a future (line 0: unknown).
};

namespace detail {

/// @brief The type a state of `Future<T>` stores: `T`, or `Void` for `Future<void>`.
template <class T>
using value_of = std::conditional_t<std::is_void_v<T>, Void, T>;

/// @brief True for `Future<U>`.
template <class T>
inline constexpr bool is_future_v = false;
/// @brief True for `Future<U>`.
template <class U>
inline constexpr bool is_future_v<Future<U>> = true;

/// @brief `Future<U>` and `U` both give `U`: a callback returning a future is flattened.
template <class R>
struct flatten {
  using type = R;  ///< The value type of the resulting future.
};
/// @brief `Future<U>` gives `U`.
template <class U>
struct flatten<Future<U>> {
  using type = U;  ///< The value type of the resulting future.
};
/// @brief The value type of the future a callback returning @p R produces.
template <class R>
using flatten_t = typename flatten<std::remove_cvref_t<R>>::type;

class StateBase;
struct ListenerBase;

/// @brief What a fired listener hands back: the state it completed and that state's listeners.
///
/// A null `source` means the chain stops here (the listener chained its result to a pending
/// future, resumed a coroutine, or had no result to complete).
struct Step {
  StateBase* source = nullptr;        ///< Completed state; the propagator owns one reference.
  ListenerBase* listeners = nullptr;  ///< Its listeners, in registration order.
};

/// @brief The two things a listener can be asked to do, as plain function pointers.
struct ListenerOps {
  Step (*fire)(ListenerBase* self, StateBase& source);  ///< The source completed.
  void (*drop)(ListenerBase* self) noexcept;            ///< Nobody will ever fire it.
};

/// @brief One waiting callback; whoever holds it must either fire it or drop it, once.
struct ListenerBase {
  const ListenerOps* ops = nullptr;  ///< What firing and dropping mean for this listener.
  ListenerBase* next = nullptr;      ///< The next listener of the same state.
};

/// @brief Where a state is in its life (the order matters: see the predicates).
enum class Phase : std::uint8_t { incomplete, pending_complete, chained, value, error };

/// @brief Owns one reference to a state (intrusive, single-threaded count).
template <class S>
class Ref {
 public:
  Ref() noexcept = default;
  /// @brief Adopts a reference the caller already holds.
  explicit Ref(S* adopted) noexcept : p_(adopted) {}
  /// @brief Another reference to the same state.
  Ref(const Ref& o) noexcept : p_(o.p_) {
    if (p_ != nullptr) p_->add_ref();
  }
  /// @brief Takes over @p o's reference.
  Ref(Ref&& o) noexcept : p_(std::exchange(o.p_, nullptr)) {}
  /// @brief Refers to @p o's state instead.
  Ref& operator=(const Ref& o) noexcept {
    if (this == &o) return *this;
    Ref copy(o);
    std::swap(p_, copy.p_);
    return *this;
  }
  /// @brief Takes over @p o's reference, releasing the one held before.
  Ref& operator=(Ref&& o) noexcept {
    Ref taken(std::move(o));
    std::swap(p_, taken.p_);
    return *this;
  }
  ~Ref() {
    if (p_ != nullptr) p_->release();
  }
  /// @brief A new reference to @p s.
  static Ref share(S* s) noexcept {
    s->add_ref();
    return Ref(s);
  }
  /// @brief The state (null for an empty reference).
  [[nodiscard]] S* get() const noexcept { return p_; }
  /// @brief The state.
  S* operator->() const noexcept { return p_; }
  /// @brief Gives up the reference without releasing it.
  [[nodiscard]] S* release() noexcept { return std::exchange(p_, nullptr); }

 private:
  S* p_ = nullptr;
};

/// @brief Holds a listener that must be fired or dropped (e.g. inside a queued microtask).
class HeldListener {
 public:
  /// @brief Takes charge of @p l.
  explicit HeldListener(ListenerBase* l) noexcept : l_(l) {}
  /// @brief Takes charge of @p o's listener.
  HeldListener(HeldListener&& o) noexcept : l_(std::exchange(o.l_, nullptr)) {}
  HeldListener(const HeldListener&) = delete;
  HeldListener& operator=(const HeldListener&) = delete;
  HeldListener& operator=(HeldListener&&) = delete;
  ~HeldListener() {
    if (l_ != nullptr) l_->ops->drop(l_);
  }
  /// @brief Hands the listener on.
  [[nodiscard]] ListenerBase* release() noexcept { return std::exchange(l_, nullptr); }

 private:
  ListenerBase* l_;
};

/// @brief Runs @p listeners (registration order) against the completed @p source.
///
/// Dart's `_propagateToListeners`: several listeners are handled one after the other,
/// each with its own chain, depth first; a single listener's chain is followed in a loop,
/// not by recursion, so a chain of a million `then`s needs no deep stack. A state that
/// completes with an error and has no listener reports it as uncaught at once.
void propagate(StateBase* source, ListenerBase* listeners);

/// @brief Reports @p error as uncaught in the running isolate (root zone: fatal).
void report_uncaught(const AsyncError& error);

/// @brief Drops every listener of a list (the state died before completing).
void drop_listeners(ListenerBase* list) noexcept;

/// @brief Reverses a singly linked list of listeners.
[[nodiscard]] ListenerBase* reverse_listeners(ListenerBase* list) noexcept;

/// @brief The untyped part of a future's state: count, phase, listeners or chain, error.
class StateBase {
 public:
  StateBase(const StateBase&) = delete;
  StateBase& operator=(const StateBase&) = delete;
  StateBase(StateBase&&) = delete;
  StateBase& operator=(StateBase&&) = delete;

  /// @brief One more owner.
  void add_ref() noexcept { ++refs_; }
  /// @brief One owner fewer; the last one destroys the state.
  void release() noexcept {
    if (--refs_ == 0) destroy_(this);
  }

  /// @brief Where the state is in its life.
  [[nodiscard]] Phase phase() const noexcept { return phase_; }
  /// @brief Not completed, and no completion queued (Dart's `_mayComplete`).
  [[nodiscard]] bool may_complete() const noexcept { return phase_ == Phase::incomplete; }
  /// @brief Listeners are kept here (incomplete or pending).
  [[nodiscard]] bool may_add_listener() const noexcept { return phase_ <= Phase::pending_complete; }
  /// @brief Waits for another state's result.
  [[nodiscard]] bool is_chained() const noexcept { return phase_ == Phase::chained; }
  /// @brief Holds a value or an error.
  [[nodiscard]] bool is_complete() const noexcept { return phase_ >= Phase::value; }
  /// @brief Holds an error.
  [[nodiscard]] bool has_error() const noexcept { return phase_ == Phase::error; }
  /// @brief The error (only when `has_error()`).
  [[nodiscard]] const AsyncError& error() const noexcept { return error_; }
  /// @brief The state this one is chained to (only when `is_chained()`).
  [[nodiscard]] StateBase* chain_source() const noexcept { return source_; }

  /// @brief Takes the listeners out, in registration order.
  [[nodiscard]] ListenerBase* remove_listeners() noexcept {
    ListenerBase* stored = std::exchange(listeners_, nullptr);
    if (stored == nullptr || stored->next == nullptr) return stored;  // the usual case, inline
    return reverse_listeners(stored);
  }
  /// @brief Appends one listener (stored newest first, like Dart).
  void push_listener(ListenerBase* l) noexcept {
    l->next = listeners_;
    listeners_ = l;
  }
  /// @brief Puts a stored (newest-first) list in front of this state's own listeners.
  void prepend_listeners(ListenerBase* stored) noexcept;
  /// @brief Takes @p l out of this state's list; false if it is not there.
  bool unlink_listener(ListenerBase* l) noexcept;
  /// @brief The stored list, newest first, left in place.
  [[nodiscard]] ListenerBase* stored_listeners() const noexcept { return listeners_; }
  /// @brief Takes the stored list, newest first (before chaining it elsewhere).
  [[nodiscard]] ListenerBase* take_stored_listeners() noexcept {
    return std::exchange(listeners_, nullptr);
  }
  /// @brief Marks a completion as queued.
  void set_pending() noexcept { phase_ = Phase::pending_complete; }
  /// @brief Follows @p source from now on (takes a reference to it).
  void set_chained(StateBase* source) noexcept {
    source->add_ref();
    source_ = source;
    phase_ = Phase::chained;
  }
  /// @brief Stores @p e as the result (listeners taken out; not chained).
  void set_error(AsyncError e) noexcept {
    ::new (static_cast<void*>(&error_)) AsyncError(std::move(e));
    phase_ = Phase::error;
  }

 protected:
  /// @brief Destroys the most derived object and gives its memory back.
  using Destroyer = void (*)(StateBase* self) noexcept;

  /// @brief An incomplete state with one reference; @p destroy frees the most derived object.
  // NOLINTNEXTLINE(cppcoreguidelines-pro-type-member-init): the union starts as the list
  explicit StateBase(Destroyer destroy) noexcept : destroy_(destroy), listeners_(nullptr) {}
  // Not virtual: `destroy_` knows the most derived type (a function pointer costs the same
  // 8 bytes as a vtable pointer, and keeps the class free of virtual-destructor rules).
  ~StateBase();
  /// @brief Stops following the chain source (the state is chained); it is incomplete again.
  void leave_chain() noexcept {
    StateBase* source = std::exchange(source_, nullptr);  // the union is the empty list now
    phase_ = Phase::incomplete;
    source->release();
  }

  Destroyer destroy_;                ///< Frees the most derived object.
  std::uint32_t refs_ = 1;           ///< Owners: handles, listener lists, queued tasks.
  Phase phase_ = Phase::incomplete;  ///< Where the state is in its life.
  bool stashed_ = false;  ///< A value waits in the derived state for its queued completion.

 private:
  union {  // NOLINT(cppcoreguidelines-pro-type-member-init): the constructor picks the list
    ListenerBase* listeners_;  // incomplete or pending: newest first
    StateBase* source_;        // chained
    AsyncError error_;         // error
  };
};

/// @brief Creates an object of type @p S in pooled memory (states and listener nodes).
template <class S, class... A>
S* make_pooled(A&&... args) {
  void* mem = pool_allocate(sizeof(S));
  try {
    return ::new (mem) S(std::forward<A>(args)...);
  } catch (...) {
    pool_free(mem, sizeof(S));
    throw;
  }
}

/// @brief Destroys an object made by `make_pooled`.
template <class S>
void destroy_pooled(S* s) noexcept {
  s->~S();
  pool_free(s, sizeof(S));
}

/// @brief The `Destroyer` of a pooled state whose most derived type is @p S.
template <class S>
void destroy_as(StateBase* self) noexcept {
  destroy_pooled(static_cast<S*>(self));
}

/// @brief The state of a `Future<T>`: the value, and Dart's completion operations.
template <class T>
class State : public StateBase {
 public:
  using V = value_of<T>;  ///< What it stores.

  /// @brief A fresh incomplete state with one reference.
  static State* make() { return make_pooled<State>(&destroy_as<State>); }

  /// @brief An incomplete state; @p destroy destroys the most derived object.
  explicit State(Destroyer destroy) noexcept : StateBase(destroy) {}
  State(const State&) = delete;
  State& operator=(const State&) = delete;
  State(State&&) = delete;
  State& operator=(State&&) = delete;
  ~State() {
    if (phase_ == Phase::value || stashed_) value_.~V();
  }

  /// @brief The value (only when complete without error).
  [[nodiscard]] const V& value() const noexcept { return value_; }

  /// @brief The state at the end of this one's chain (itself when not chained).
  [[nodiscard]] State* resolved() noexcept {
    State* s = this;
    while (s->is_chained()) s = static_cast<State*>(s->chain_source());
    return s;
  }
  /// @brief The state at the end of this one's chain (itself when not chained).
  [[nodiscard]] const State* resolved() const noexcept {
    return const_cast<State*>(this)->resolved();  // NOLINT(*-const-cast): same walk, read-only
  }

  /// @brief Stores @p v as the result (listeners taken out; not chained).
  template <class U>
  void set_value(U&& v) {
    if (stashed_) {
      value_.~V();
      stashed_ = false;
    }
    ::new (static_cast<void*>(&value_)) V(std::forward<U>(v));
    phase_ = Phase::value;
  }

  /// @brief Copies the result of the complete @p source (Dart's `_cloneResult`).
  void clone_result(const State& source) {
    if (source.has_error()) {
      set_error(source.error());
    } else {
      set_value(source.value());
    }
  }

  // --- Completion, named after future_impl.dart ------------------------------------------

  /// @brief `_completeWithValue`: completes now; listeners run inside this call.
  template <class U>
  void complete_value(U&& v) {
    ListenerBase* l = remove_listeners();
    set_value(std::forward<U>(v));
    propagate(this, l);
  }

  /// @brief `_completeError`: completes with an error now; listeners run inside this call.
  void complete_error(AsyncError e) {
    ListenerBase* l = remove_listeners();
    set_error(std::move(e));
    propagate(this, l);
  }

  /// @brief `_complete(future)`: takes @p source's result now if it has one, else later.
  void complete_future(State* source, std::source_location where) {
    chain_core(source, this, true, where);
  }

  /// @brief `_asyncCompleteWithValue`: queues the completion as a microtask now.
  template <class U>
  void async_complete_value(U&& v, std::source_location where) {
    ::new (static_cast<void*>(&value_)) V(std::forward<U>(v));
    stashed_ = true;
    set_pending();
    EventLoop::current().schedule_microtask(
        [self = Ref<State>::share(this)] { self->complete_stashed(); }, where);
  }

  /// @brief `_asyncCompleteError`: queues the error completion as a microtask now.
  void async_complete_error(AsyncError e, std::source_location where) {
    set_pending();
    EventLoop::current().schedule_microtask(
        [self = Ref<State>::share(this), e = std::move(e)]() mutable {
          self->complete_error(std::move(e));
        },
        where);
  }

  /// @brief `_chainFuture`: follows @p source; a complete one costs a microtask only if needed.
  void async_complete_future(State* source, std::source_location where) {
    chain_core(source, this, false, where);
  }

  /// @brief `_addListener`: keeps @p l, or runs it in a microtask if the result is known.
  void add_listener(ListenerBase* l, std::source_location where) {
    if (may_add_listener()) {
      push_listener(l);
      return;
    }
    if (is_chained()) {
      auto* source = static_cast<State*>(chain_source());
      if (!source->is_complete()) {
        source->add_listener(l, where);
        return;
      }
      // The source completed: copy its result and drop the chain (Dart's `_cloneResult`).
      const Ref<State> keep = Ref<State>::share(source);
      leave_chain();
      clone_result(*source);
    }
    // A late listener never runs synchronously: one microtask per registration.
    EventLoop::current().schedule_microtask(
        [self = Ref<State>::share(this), held = HeldListener(l)]() mutable {
          propagate(self.get(), held.release());
        },
        where);
  }

  /// @brief `_chainCoreFuture`: makes @p target take @p source's result.
  ///
  /// A pending source gets the target's listeners and the target follows it. A complete
  /// source hands its result over at once when @p sync, or when nobody listens to the
  /// target yet and it is a value; otherwise one microtask later, so that an error does not
  /// surface before the caller could attach a handler.
  static void chain_core(State* source, State* target, bool sync, std::source_location where) {
    source = source->resolved();
    if (source == target) {
      target->async_complete_error(
          AsyncError{std::make_exception_ptr(ArgumentError("a future cannot complete with itself")),
                     where},
          where);
      return;
    }
    if (!source->is_complete()) {
      ListenerBase* stored = target->take_stored_listeners();
      target->set_chained(source);
      source->prepend_listeners(stored);
      return;
    }
    if (!sync) {
      if (target->stored_listeners() == nullptr && !source->has_error()) {
        target->clone_result(*source);
        return;
      }
      target->set_pending();
      EventLoop::current().schedule_microtask(
          [s = Ref<State>::share(source), t = Ref<State>::share(target), where] {
            chain_core(s.get(), t.get(), true, where);
          },
          where);
      return;
    }
    ListenerBase* l = target->remove_listeners();
    target->clone_result(*source);
    propagate(target, l);
  }

  // --- Settling a listener's result (used by nodes that are both listener and state) -----

  /// @brief Completes with @p v and hands the listeners on to `propagate`.
  template <class U>
  Step settle_value(U&& v) {
    ListenerBase* l = remove_listeners();
    set_value(std::forward<U>(v));
    return {this, l};
  }
  /// @brief Completes with @p e and hands the listeners on to `propagate`.
  Step settle_error(AsyncError e) {
    ListenerBase* l = remove_listeners();
    set_error(std::move(e));
    return {this, l};
  }
  /// @brief Takes @p source's result: now if it has one, else by chaining to it.
  Step settle_future(State* source, std::source_location where) {
    if (source->is_complete()) {
      ListenerBase* l = remove_listeners();
      clone_result(*source);
      return {this, l};
    }
    chain_core(source, this, false, where);
    release();  // the listener's own reference: nothing more to propagate from here
    return {};
  }

 private:
  void complete_stashed() {
    ListenerBase* l = remove_listeners();
    stashed_ = false;
    phase_ = Phase::value;  // the value is already in place
    propagate(this, l);
  }

  union {
    V value_;  ///< Built when complete with a value, or stashed for a queued completion.
  };
};

}  // namespace detail
}  // namespace dartloop
