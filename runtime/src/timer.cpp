#include "dartloop/timer.hpp"

#include <utility>

namespace dartloop {

Timer::Timer(EventLoop& loop, Duration duration, TimerCallback&& callback, bool periodic,
             std::source_location where)
    : loop_(&loop), slot_(loop.create_timer(duration, std::move(callback), periodic, where)) {}

Timer::Timer(EventLoop* loop, TimerSlot slot) noexcept : loop_(loop), slot_(slot) {}

Timer::Timer(const Timer& other) noexcept : loop_(other.loop_), slot_(other.slot_) {
  if (loop_ != nullptr) loop_->timers_.add_ref(slot_);
}

Timer& Timer::operator=(const Timer& other) noexcept {
  if (this != &other) {
    Timer copy(other);
    *this = std::move(copy);
  }
  return *this;
}

Timer::Timer(Timer&& other) noexcept
    : loop_(std::exchange(other.loop_, nullptr)), slot_(other.slot_) {}

Timer& Timer::operator=(Timer&& other) noexcept {
  if (this != &other) {
    if (loop_ != nullptr) loop_->timers_.release(slot_);
    loop_ = std::exchange(other.loop_, nullptr);
    slot_ = other.slot_;
  }
  return *this;
}

Timer::~Timer() {
  if (loop_ != nullptr) loop_->timers_.release(slot_);
}

void Timer::cancel() noexcept {
  if (loop_ != nullptr) loop_->cancel_timer(slot_);
}

bool Timer::is_active() const noexcept {
  return loop_ != nullptr && loop_->timers_.node(slot_).active != 0;
}

std::int64_t Timer::tick() const noexcept {
  return loop_ == nullptr ? 0 : loop_->timers_.tick(slot_);
}

}  // namespace dartloop
