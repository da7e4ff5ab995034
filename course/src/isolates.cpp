// Scaffold (given): the threads of isolates, and what a loop does about them when it is made
// and destroyed. Step 9 writes the ports and `Isolate::spawn` on top of this.
#include <cstdio>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

#include "dartloop/event_loop.hpp"

namespace dartloop {

/// Given: the threads of one program's isolates, owned by its first loop (main's).
class IsolateGroup {
 public:
  /// Runs @p body on a new thread of the group.
  void start(const std::shared_ptr<IsolateGroup>& self, std::function<void()> body);
  /// A loop of the group exists: it must hear the end of the program.
  void enroll(const std::shared_ptr<Inbox>& inbox);
  /// Main's loop ends: every isolate ends after its current event; all threads are joined.
  void shutdown();

 private:
  std::mutex mutex_;
  std::vector<std::thread> threads_;
  std::vector<std::weak_ptr<Inbox>> inboxes_;
  bool ending_ = false;
};

namespace {
// The group of the isolate whose thread this is (null on a thread no isolate spawned).
thread_local std::shared_ptr<IsolateGroup> thread_group;

// The program ends: this event stops the isolate that runs it.
void end_this_isolate() { EventLoop::current().stop(0); }
}  // namespace

void IsolateGroup::start(const std::shared_ptr<IsolateGroup>& self, std::function<void()> body) {
  const std::lock_guard lock(mutex_);
  threads_.emplace_back([self, body = std::move(body)] {
    thread_group = self;  // the loop that `body` makes joins the group
    body();
    thread_group.reset();
  });
}

void IsolateGroup::enroll(const std::shared_ptr<Inbox>& inbox) {
  const std::lock_guard lock(mutex_);
  if (ending_) {
    inbox->push(end_this_isolate);  // started while the program ends: it ends too
    return;
  }
  inboxes_.push_back(inbox);
}

void IsolateGroup::shutdown() {
  {
    const std::lock_guard lock(mutex_);
    ending_ = true;
    for (const auto& weak : inboxes_) {
      if (auto inbox = weak.lock()) inbox->push(end_this_isolate);  // wakes a sleeping loop
    }
  }
  // An isolate may spawn another while it ends: join until no thread is left.
  for (;;) {
    std::vector<std::thread> running;
    {
      const std::lock_guard lock(mutex_);
      running.swap(threads_);
    }
    if (running.empty()) return;
    for (std::thread& t : running) t.join();
  }
}

void EventLoop::begin_isolate() {
  if (thread_group) {
    group_ = thread_group;
    group_->enroll(inbox_);
  }
}

void EventLoop::end_isolate() noexcept {
  inbox_->close();  // senders now drop their messages, as messages to a dead isolate are
  // A port's handler may hold a handle to its own port: drop the handlers to break the cycle.
  for (auto& [id, port] : ports_) port->handler = nullptr;
  ports_.clear();
  if (root_ && group_) {
    try {
      group_->shutdown();
    } catch (...) {
      // Only a failing join gets here; a destructor must not throw.
    }
  }
}

void EventLoop::start_isolate_thread(std::function<void()> body) {
  if (!group_) {  // the first spawn of a program: this loop is main's, and owns the group
    group_ = std::make_shared<IsolateGroup>();
    root_ = true;
  }
  group_->start(group_, std::move(body));
}

OutputSink EventLoop::shared_output() {
  if (!output_shared_) {
    output_shared_ = true;
    auto lock = std::make_shared<std::mutex>();
    output_ = [lock, sink = std::move(output_)](std::string_view line) {
      const std::lock_guard guard(*lock);
      if (sink) {
        sink(line);
      } else {
        std::fwrite(line.data(), 1, line.size(), stdout);
        std::fputc('\n', stdout);
        std::fflush(stdout);
      }
    };
  }
  return output_;
}

}  // namespace dartloop
