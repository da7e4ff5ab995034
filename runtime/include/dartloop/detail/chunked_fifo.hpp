#pragma once
/// @file
/// @brief A FIFO that grows by chaining blocks, so a long burst never moves what it holds.

#include <algorithm>
#include <cstddef>
#include <memory>
#include <new>
#include <utility>

namespace dartloop::detail {

/// @brief FIFO of `T` in a chain of blocks: pushes never move queued elements.
///
/// A subscription's buffer usually holds zero or one event, and sometimes a burst of a
/// million (a loop that adds them all in one event, as Dart allows). A ring buffer would
/// double and move every element at each growth, touching twice the memory; here a burst
/// fills blocks of growing size (capped, so they come from the allocator's arenas and are
/// reused rather than faulted in afresh), and the one empty block is kept for the next burst.
template <class T>
class ChunkedFifo {
  struct Block {
    Block* next = nullptr;
    T* slots = nullptr;
    std::size_t capacity = 0;
    std::size_t head = 0;  // first live slot
    std::size_t tail = 0;  // one past the last live slot
  };
  static constexpr std::size_t first_capacity = 4;
  static constexpr std::size_t max_capacity = std::max<std::size_t>(16, 16384 / sizeof(T));

 public:
  ChunkedFifo() = default;
  ChunkedFifo(const ChunkedFifo&) = delete;
  ChunkedFifo& operator=(const ChunkedFifo&) = delete;
  ChunkedFifo(ChunkedFifo&&) = delete;
  ChunkedFifo& operator=(ChunkedFifo&&) = delete;
  ~ChunkedFifo() {
    clear();
    free_block(spare_);
  }

  /// @brief True when nothing is queued.
  [[nodiscard]] bool empty() const noexcept { return size_ == 0; }
  /// @brief Number of queued elements.
  [[nodiscard]] std::size_t size() const noexcept { return size_; }
  /// @brief The oldest element.
  [[nodiscard]] T& front() noexcept { return head_->slots[head_->head]; }

  /// @brief Appends an element built from @p args.
  template <class... A>
  T& emplace_back(A&&... args) {
    if (tail_ == nullptr || tail_->tail == tail_->capacity) add_block();
    T* slot = ::new (static_cast<void*>(tail_->slots + tail_->tail)) T(std::forward<A>(args)...);
    ++tail_->tail;
    ++size_;
    return *slot;
  }

  /// @brief Moves the oldest element out and removes it.
  T pop_front() {
    T* first = head_->slots + head_->head;
    T out(std::move(*first));
    first->~T();
    ++head_->head;
    --size_;
    if (head_->head == head_->tail) drop_empty_head();
    return out;
  }

  /// @brief Destroys every element; keeps one block for later.
  void clear() noexcept {
    while (head_ != nullptr) {
      for (std::size_t i = head_->head; i < head_->tail; ++i) head_->slots[i].~T();
      Block* next = head_->next;
      recycle(head_);
      head_ = next;
    }
    tail_ = nullptr;
    size_ = 0;
  }

 private:
  void add_block() {
    const std::size_t want =
        tail_ == nullptr ? first_capacity : std::min(tail_->capacity * 2, max_capacity);
    Block* b = nullptr;
    if (spare_ != nullptr && (spare_->capacity >= want || tail_ == nullptr)) {
      b = std::exchange(spare_, nullptr);
    } else {
      auto owned = std::make_unique<Block>();
      owned->slots = std::allocator<T>{}.allocate(want);
      owned->capacity = want;
      b = owned.release();
    }
    b->next = nullptr;
    b->head = b->tail = 0;
    (tail_ != nullptr ? tail_->next : head_) = b;
    tail_ = b;
  }
  void drop_empty_head() noexcept {
    if (head_ == tail_) {  // the only block: reuse it in place
      head_->head = head_->tail = 0;
      return;
    }
    Block* b = head_;
    head_ = b->next;
    recycle(b);
  }
  void recycle(Block* b) noexcept {
    if (spare_ == nullptr || spare_->capacity < b->capacity) std::swap(spare_, b);
    free_block(b);
  }
  static void free_block(Block* b) noexcept {
    if (b == nullptr) return;
    std::allocator<T>{}.deallocate(b->slots, b->capacity);
    std::unique_ptr<Block> owned(b);
  }

  Block* head_ = nullptr;
  Block* tail_ = nullptr;
  Block* spare_ = nullptr;
  std::size_t size_ = 0;
};

}  // namespace dartloop::detail
