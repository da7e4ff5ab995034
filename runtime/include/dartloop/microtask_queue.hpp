#pragma once
/// @file
/// @brief The microtask queue: FIFO, drained completely before every event.

#include <cstddef>
#include <utility>

#include "dartloop/detail/ring_queue.hpp"
#include "dartloop/task.hpp"

namespace dartloop {

/// @brief A queued microtask: its code and what tracing knows about it.
struct Microtask {
  /// @brief Builds the callable straight into the queue's slot.
  template <class F>
  Microtask(F&& f, const TaskInfo& i) : fn(std::forward<F>(f)), info(i) {}

  Task fn;        ///< The code to run.
  TaskInfo info;  ///< Id, parent and scheduling line.
};

/// @brief FIFO of microtasks with Dart's single "priority" insert.
///
/// Dart keeps one singly linked list (`schedule_microtask.dart`): ordinary
/// microtasks go to the tail; the runtime's report of an uncaught error goes to
/// the head, behind any priority entries that the *same* running microtask added
/// before it. `begin_task()` marks the start of a microtask so that rule can
/// be kept.
class MicrotaskQueue {
 public:
  /// @brief Appends a microtask at the tail.
  void push(Microtask task) { ring_.emplace_back(std::move(task)); }
  /// @brief Appends a microtask at the tail, building its callable in place.
  template <class F>
  void emplace(F&& fn, const TaskInfo& info) {
    ring_.emplace_back(std::forward<F>(fn), info);
  }

  /// @brief Inserts at the head, after the priority entries of the running microtask.
  void push_priority(Microtask task) {
    ring_.insert_at(priority_run_, std::move(task));
    ++priority_run_;
  }

  /// @brief Removes and returns the head; a new microtask is about to run.
  Microtask pop() {
    priority_run_ = 0;
    return ring_.pop_front();
  }

  /// @brief Takes the head out of the queue but runs it where it is (see `finish_head`).
  Microtask& take_head() noexcept {
    priority_run_ = 0;
    return ring_.take_front();
  }
  /// @brief Destroys the microtask handed out by `take_head` once it has run.
  void finish_head() noexcept { ring_.release_taken(); }

  /// @brief Forgets the priority position (an event is about to run).
  void begin_task() noexcept { priority_run_ = 0; }

  /// @brief True when no microtask is queued.
  [[nodiscard]] bool empty() const noexcept { return ring_.empty(); }

  /// @brief Number of queued microtasks.
  [[nodiscard]] std::size_t size() const noexcept { return ring_.size(); }

  /// @brief Info of the @p i-th queued microtask from the head.
  [[nodiscard]] const TaskInfo& info(std::size_t i) const noexcept { return ring_[i].info; }

  /// @brief Drops every queued microtask without running it.
  void clear() noexcept {
    ring_.clear();
    priority_run_ = 0;
  }

 private:
  detail::RingQueue<Microtask> ring_;
  std::size_t priority_run_ = 0;  // priority entries added by the running task
};

}  // namespace dartloop
