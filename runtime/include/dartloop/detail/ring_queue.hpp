#pragma once
/// @file
/// @brief A growable ring buffer: FIFO without an allocation per element.

#include <cassert>
#include <cstddef>
#include <memory>
#include <new>
#include <utility>

namespace dartloop::detail {

/// @brief FIFO over a power-of-two ring that only ever grows.
///
/// `std::deque` allocates and frees a block every few hundred pushes in a steady
/// push/pop pattern; an event loop sits in exactly that pattern, so the ring keeps
/// its storage and reuses it. `insert_at` supports the microtask queue's rare
/// priority insert near the front.
template <class T>
class RingQueue {
 public:
  RingQueue() = default;
  RingQueue(const RingQueue&) = delete;
  RingQueue& operator=(const RingQueue&) = delete;
  ~RingQueue() {
    if (taken_ != nullptr) release_taken();
    clear();
    if (slots_ != nullptr) std::allocator<T>{}.deallocate(slots_, capacity_);
  }

  /// True when no element is queued.
  [[nodiscard]] bool empty() const noexcept { return size_ == 0; }
  /// Number of queued elements.
  [[nodiscard]] std::size_t size() const noexcept { return size_; }

  /// Appends an element built from @p args.
  template <class... A>
  T& emplace_back(A&&... args) {
    if (size_ + (taken_ != nullptr ? 1 : 0) == capacity_) grow();
    T* slot = ::new (static_cast<void*>(at(size_))) T(std::forward<A>(args)...);
    ++size_;
    return *slot;
  }

  /// Inserts before the element now at @p index (0 = front); O(index).
  template <class... A>
  T& insert_at(std::size_t index, A&&... args) {
    assert(index <= size_);
    if (size_ + (taken_ != nullptr ? 1 : 0) == capacity_) grow();
    if (taken_ == nullptr) {
      // Open a gap at `index` by moving the first `index` elements one slot towards the front.
      head_ = (head_ + capacity_ - 1) & (capacity_ - 1);
      ++size_;
      for (std::size_t i = 0; i < index; ++i) {
        ::new (static_cast<void*>(at(i))) T(std::move(*at(i + 1)));
        at(i + 1)->~T();
      }
    } else {
      // The slot before the head holds the element running in place: shift the back instead.
      for (std::size_t i = size_; i > index; --i) {
        ::new (static_cast<void*>(at(i))) T(std::move(*at(i - 1)));
        at(i - 1)->~T();
      }
      ++size_;
    }
    return *::new (static_cast<void*>(at(index))) T(std::forward<A>(args)...);
  }

  /// The oldest element.
  T& front() noexcept { return *at(0); }

  /// Removes the front element from the queue but leaves it where it is, so it can run in
  /// place; until `release_taken()`, pushes never overwrite it and growth keeps its storage.
  T& take_front() noexcept {
    assert(size_ > 0 && taken_ == nullptr);
    taken_ = at(0);
    head_ = (head_ + 1) & (capacity_ - 1);
    --size_;
    return *taken_;
  }

  /// Destroys the element handed out by `take_front()` (and storage a growth left behind).
  void release_taken() noexcept {
    taken_->~T();
    taken_ = nullptr;
    if (retired_ != nullptr) {
      std::allocator<T>{}.deallocate(retired_, retired_capacity_);
      retired_ = nullptr;
    }
  }

  /// Moves the front element out and removes it.
  T pop_front() {
    assert(size_ > 0);
    T* first = at(0);
    T out(std::move(*first));
    first->~T();
    head_ = (head_ + 1) & (capacity_ - 1);
    --size_;
    return out;
  }

  /// Element @p i from the front (for snapshots; O(1)).
  const T& operator[](std::size_t i) const noexcept { return *at(i); }

  /// Destroys every queued element (not one taken out by `take_front`).
  void clear() noexcept {
    while (size_ > 0) {
      at(0)->~T();
      head_ = (head_ + 1) & (capacity_ - 1);
      --size_;
    }
  }

 private:
  T* at(std::size_t i) const noexcept { return slots_ + ((head_ + i) & (capacity_ - 1)); }

  void grow() {
    std::size_t next = capacity_ == 0 ? 16 : capacity_ * 2;
    T* fresh = std::allocator<T>{}.allocate(next);
    for (std::size_t i = 0; i < size_; ++i) {
      ::new (static_cast<void*>(fresh + i)) T(std::move(*at(i)));
      at(i)->~T();
    }
    if (taken_ != nullptr && retired_ == nullptr) {
      retired_ = slots_;  // the element running in place lives there until release_taken()
      retired_capacity_ = capacity_;
    } else {  // (after an earlier growth, the element lives in `retired_`, not here)
      if (slots_ != nullptr) std::allocator<T>{}.deallocate(slots_, capacity_);
    }
    slots_ = fresh;
    capacity_ = next;
    head_ = 0;
  }

  T* slots_ = nullptr;
  T* taken_ = nullptr;    // element handed out by take_front(), not yet released
  T* retired_ = nullptr;  // old storage kept alive for it
  std::size_t retired_capacity_ = 0;
  std::size_t capacity_ = 0;  // always 0 or a power of two
  std::size_t head_ = 0;
  std::size_t size_ = 0;
};

}  // namespace dartloop::detail
