#pragma once
/// @file
/// @brief The bookkeeping behind isolates: the part other threads may touch (`IsolateCore`),
/// the threads of one program (`IsolateGroup`), and one isolate's own ports (`IsolateState`).

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <source_location>
#include <string>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>

#include "dartloop/event_loop.hpp"
#include "dartloop/inbox.hpp"
#include "dartloop/message.hpp"
#include "dartloop/send_port.hpp"
#include "dartloop/stream_subscription.hpp"

namespace dartloop::detail {

class IsolateGroup;

/// @brief What other isolates may touch of one isolate: its door for control messages and
/// its exit and error listeners. Shared by every `Isolate` handle; all members thread-safe.
class IsolateCore {
 public:
  /// @brief An isolate of @p group, not yet running, spawned at @p where.
  IsolateCore(std::shared_ptr<IsolateGroup> group, std::string name,
              std::source_location where = std::source_location::current());

  /// @brief The program's isolates this one belongs to.
  [[nodiscard]] const std::shared_ptr<IsolateGroup>& group() const noexcept { return group_; }
  /// @brief The name given at spawn (Dart's `debugName`).
  [[nodiscard]] const std::string& name() const noexcept { return name_; }

  /// @brief Runs @p fn on the isolate's thread as a control message; false once it ended.
  bool send_control(Task fn, ControlPriority priority) const;
  /// @brief Adds a listener told (with @p response) when the isolate ends.
  void add_exit_listener(SendPort port, Message response);
  /// @brief Removes the exit listener(s) on @p port.
  void remove_exit_listener(const SendPort& port);
  /// @brief Adds a listener told of every uncaught error (as a `RemoteError`).
  void add_error_listener(SendPort port);
  /// @brief Removes the error listener(s) on @p port.
  void remove_error_listener(const SendPort& port);

  // --- The isolate's own thread ---------------------------------------------------------

  /// @brief The isolate's loop exists: control messages may now reach it.
  void attach(std::shared_ptr<Inbox> mailbox);
  /// @brief Sends @p error to the error listeners; false when there is none.
  bool notify_error(const std::exception_ptr& error, const std::string& report) const;
  /// @brief Keeps @p message for @p port until the isolate has ended (`Isolate::run`'s
  /// result): by then nothing of the isolate refers to what the message holds, so sending
  /// hands it over whole (an exception object is then freed by the receiver alone).
  void set_last_words(SendPort port, Message message, std::source_location where);
  /// @brief The isolate ended: refuses control, sends its last words, then tells the exit
  /// listeners.
  void end();
  /// @brief True once the isolate ended.
  [[nodiscard]] bool ended() const;

 private:
  const std::shared_ptr<IsolateGroup> group_;
  const std::string name_;
  const std::source_location where_;  // the spawn: its exit and error messages are sent "there"
  mutable std::mutex mutex_;
  std::shared_ptr<Inbox> mailbox_;
  std::vector<std::pair<SendPort, Message>> exit_listeners_;
  std::vector<SendPort> error_listeners_;
  struct LastWords {
    SendPort port;
    Message message;
    std::source_location where;
  };
  std::optional<LastWords> last_words_;  // sent by end(), before the exit listeners hear
  bool ended_ = false;
};

/// @brief The isolates of one program: the main one and all it spawned, transitively.
///
/// Owns their threads. Each running isolate has a thread of its own; a thread whose isolate
/// ended waits a while for the next spawn before it ends, since creating a thread costs
/// more than the rest of a spawn (the Dart VM keeps a thread pool for the same reason).
/// When the main isolate ends, the isolates still running are killed and every thread is
/// joined, as the `dart` command ends every isolate when `main`'s isolate ends.
class IsolateGroup {
 public:
  IsolateGroup() = default;
  IsolateGroup(const IsolateGroup&) = delete;
  IsolateGroup& operator=(const IsolateGroup&) = delete;
  IsolateGroup(IsolateGroup&&) = delete;
  IsolateGroup& operator=(IsolateGroup&&) = delete;
  /// @brief Shuts down if nobody did.
  ~IsolateGroup() { shutdown(); }

  /// @brief Runs @p body for @p core on an idle thread of the group, or on a new one.
  void start(const std::shared_ptr<IsolateCore>& core, Task body);
  /// @brief Kills every isolate still running and joins all threads.
  void shutdown();
  /// @brief Number of spawned isolates still running.
  [[nodiscard]] std::size_t live() const;

  /// @brief How long a thread whose isolate ended waits for another one.
  static constexpr std::chrono::milliseconds idle_timeout{500};

 private:
  struct Job {
    std::shared_ptr<IsolateCore> core;
    Task body;
  };
  void work(Job job);
  void join_finished(std::unique_lock<std::mutex>& lock);

  mutable std::mutex mutex_;
  std::condition_variable wake_idle_;
  std::vector<std::shared_ptr<IsolateCore>> live_;
  std::vector<Job> jobs_;  // handed to idle threads; never more than `idle_`
  std::size_t idle_ = 0;
  std::vector<std::thread> threads_;   // running threads
  std::vector<std::thread> finished_;  // threads that have returned, to join
  bool stopping_ = false;
};

class PortNode;

/// @brief One isolate's own side of its ports, kept by its loop (loop thread only).
class IsolateState final : public IsolateOwned {
 public:
  /// @brief The state of @p loop's isolate, created (as a main isolate) on first use.
  static IsolateState& of(EventLoop& loop);
  /// @brief The state of the running isolate.
  static IsolateState& current() { return of(EventLoop::current()); }
  /// @brief Installs the state of a spawned isolate on its new loop.
  static IsolateState& install(EventLoop& loop, std::shared_ptr<IsolateCore> core);

  /// @brief The state of @p loop for @p core; a main isolate when @p root.
  IsolateState(EventLoop& loop, std::shared_ptr<IsolateCore> core, bool root);
  IsolateState(const IsolateState&) = delete;
  IsolateState& operator=(const IsolateState&) = delete;
  IsolateState(IsolateState&&) = delete;
  IsolateState& operator=(IsolateState&&) = delete;
  /// @brief A main isolate ends its group's other isolates.
  ~IsolateState() override;

  /// @brief Where the isolate was spawned (the line its runtime messages are traced at).
  [[nodiscard]] std::source_location spawned_at() const noexcept { return spawned_at_; }
  /// @brief Records where the isolate was spawned.
  void set_spawned_at(std::source_location where) noexcept { spawned_at_ = where; }
  /// @brief Nothing to drop: ports unregister themselves.
  void on_isolate_end() noexcept override {}

  /// @brief The loop of this isolate.
  [[nodiscard]] EventLoop& loop() const noexcept { return *loop_; }
  /// @brief The thread-safe part.
  [[nodiscard]] const std::shared_ptr<IsolateCore>& core() const noexcept { return core_; }
  /// @brief Registers an open port.
  void add_port(PortId id, PortNode& port) { ports_.emplace(id, &port); }
  /// @brief Forgets a closed port.
  void remove_port(PortId id) noexcept { ports_.erase(id); }
  /// @brief The open port @p id, or null.
  [[nodiscard]] PortNode* find_port(PortId id) const noexcept {
    const auto it = ports_.find(id);
    return it == ports_.end() ? nullptr : it->second;
  }
  /// @brief Number of open ports.
  [[nodiscard]] std::size_t open_ports() const noexcept { return ports_.size(); }
  /// @brief Holds ordinary events back until every pause is resumed.
  void pause(std::uint64_t capability);
  /// @brief Lifts one pause.
  void resume(std::uint64_t capability);
  /// @brief True the first time: the caller must make the loop's output sinks thread-safe.
  bool share_output_once() noexcept { return !std::exchange(output_shared_, true); }

 private:
  EventLoop* loop_;
  std::shared_ptr<IsolateCore> core_;
  bool root_;
  std::unordered_map<PortId, PortNode*> ports_;
  std::set<std::uint64_t> pauses_;
  bool output_shared_ = false;
  std::source_location spawned_at_;
};

/// @brief The receiving end of one port (Dart's `RawReceivePort`), owned by its isolate.
class PortNode final : public StreamNode {
 public:
  /// @brief What a port does with each message.
  using Handler = SmallFunction<void(Message&&), 32>;

  /// @brief Opens a port of the running isolate; an open port keeps its isolate alive.
  explicit PortNode(Handler handler);
  PortNode(const PortNode&) = delete;
  PortNode& operator=(const PortNode&) = delete;
  PortNode(PortNode&&) = delete;
  PortNode& operator=(PortNode&&) = delete;
  /// @brief Closes the port if still open.
  ~PortNode() override { close(); }

  /// @brief The port's address.
  [[nodiscard]] SendPort send_port() const { return {loop().mailbox(), id_}; }
  /// @brief Replaces the handler.
  void set_handler(Handler handler) { handler_ = std::move(handler); }
  /// @brief Stops receiving: later messages are dropped; no longer keeps the isolate alive.
  void close() noexcept;
  /// @brief True until `close`.
  [[nodiscard]] bool is_open() const noexcept { return open_; }
  /// @brief Whether this open port keeps its isolate alive (Dart's `keepIsolateAlive`).
  void keep_isolate_alive(bool keep);
  /// @brief Hands @p message to the handler (a message event of this port).
  void handle(Message&& message);
  /// @brief The isolate ends: drop the handler (it may hold references back to this port).
  void on_isolate_end() noexcept override;

 private:
  Handler handler_;
  PortId id_;
  EventLoop::KeepAlive keep_alive_;
  IsolateState* state_;
  bool open_ = true;
  bool in_handler_ = false;
};

}  // namespace dartloop::detail
