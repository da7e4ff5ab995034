#include "dartloop/detail/future_state.hpp"

#include <utility>

#include "dartloop/future.hpp"

namespace dartloop::detail {

StateBase::~StateBase() {
  switch (phase_) {
    case Phase::incomplete:
    case Phase::pending_complete: drop_listeners(listeners_); break;
    case Phase::chained: source_->release(); break;
    case Phase::error: error_.~AsyncError(); break;
    case Phase::value: break;
  }
}

void StateBase::prepend_listeners(ListenerBase* stored) noexcept {
  if (stored == nullptr) return;
  // Both lists are stored newest first; the moved ones count as newer than this state's own,
  // so after the reversal in `remove_listeners` they run after them (future_impl.dart).
  ListenerBase* existing = std::exchange(listeners_, stored);
  if (existing == nullptr) return;
  ListenerBase* tail = stored;
  while (tail->next != nullptr) tail = tail->next;
  tail->next = existing;
}

bool StateBase::unlink_listener(ListenerBase* l) noexcept {
  if (!may_add_listener()) return false;
  for (ListenerBase** link = &listeners_; *link != nullptr; link = &(*link)->next) {
    if (*link == l) {
      *link = l->next;
      l->next = nullptr;
      return true;
    }
  }
  return false;
}

ListenerBase* reverse_listeners(ListenerBase* list) noexcept {
  if (list == nullptr || list->next == nullptr) return list;  // the usual case: 0 or 1
  ListenerBase* reversed = nullptr;
  while (list != nullptr) {
    ListenerBase* next = list->next;
    list->next = reversed;
    reversed = list;
    list = next;
  }
  return reversed;
}

namespace {
// Dropping a listener can destroy its node, which drops that node's own listeners: a pending
// chain of a million `then`s would recurse a million deep. Nested drops are parked here and
// the outermost call works through them in a loop.
thread_local ListenerBase* parked = nullptr;
thread_local bool dropping = false;
}  // namespace

void drop_listeners(ListenerBase* list) noexcept {
  while (list != nullptr) {
    ListenerBase* next = list->next;
    list->next = parked;
    parked = list;
    list = next;
  }
  if (dropping) return;
  dropping = true;
  while (parked != nullptr) {
    ListenerBase* l = parked;
    parked = l->next;
    l->next = nullptr;
    l->ops->drop(l);
  }
  dropping = false;
}

void FutureAccess::throw_empty_future() {
  throw StateError("this Future is empty (default-constructed or moved from)");
}

void report_uncaught(const AsyncError& error) {
  EventLoop::current().report_uncaught_error(error.error, error.where);
}

void propagate(StateBase* source, ListenerBase* listeners) {
  Ref<StateBase> owned;  // the states this loop moved on to; the caller keeps the first alive
  for (;;) {
    if (listeners == nullptr) {
      // Nobody listened when the error arrived: it is uncaught now, not a microtask later.
      if (source->has_error()) report_uncaught(source->error());
      return;
    }
    // Several listeners: each but the last gets its own depth-first propagation.
    while (listeners->next != nullptr) {
      ListenerBase* first = listeners;
      listeners = first->next;
      first->next = nullptr;
      propagate(source, first);
    }
    const Step step = listeners->ops->fire(listeners, *source);
    if (step.source == nullptr) return;
    owned = Ref<StateBase>(step.source);  // releases the previous link of the chain
    source = step.source;
    listeners = step.listeners;
  }
}

}  // namespace dartloop::detail
