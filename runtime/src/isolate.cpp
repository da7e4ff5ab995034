#include "dartloop/isolate.hpp"

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <mutex>
#include <string_view>

namespace dartloop {

namespace detail {

namespace {
std::atomic<std::uint64_t> last_port_id{0};
std::atomic<std::uint64_t> last_capability{0};
}  // namespace

PortId new_port_id() noexcept { return last_port_id.fetch_add(1, std::memory_order_relaxed) + 1; }

void post_message(const std::shared_ptr<Inbox>& mailbox, PortId id, Message&& message,
                  std::source_location where) {
  Task deliver([id, m = std::move(message)]() mutable { deliver_message(id, std::move(m)); });
  EventLoop* here = EventLoop::current_or_null();
  if (here != nullptr && here->mailbox() == mailbox) {
    here->post(std::move(deliver), where);  // to its own isolate: straight into the FIFO
  } else {
    mailbox->push(Event(EventKind::task, std::move(deliver), TaskInfo{0, 0, where}));
  }
}

void deliver_message(PortId id, Message&& message) {
  EventLoop* loop = EventLoop::current_or_null();
  if (loop == nullptr || loop->isolate_state() == nullptr) return;
  PortNode* port = IsolateState::of(*loop).find_port(id);
  if (port == nullptr) return;  // closed meanwhile: Dart drops the message
  const Ref<PortNode> keep = Ref<PortNode>::share(port);
  port->handle(std::move(message));
}

void stop_current_isolate() noexcept {
  if (EventLoop* loop = EventLoop::current_or_null()) loop->stop(exit_success);
}

// --- IsolateCore ---------------------------------------------------------------------------

IsolateCore::IsolateCore(std::shared_ptr<IsolateGroup> group, std::string name,
                         std::source_location where)
    : group_(std::move(group)), name_(std::move(name)), where_(where) {}

bool IsolateCore::send_control(Task fn, ControlPriority priority) const {
  std::shared_ptr<Inbox> mailbox;
  {
    const std::lock_guard lock(mutex_);
    if (ended_ || !mailbox_) return false;
    mailbox = mailbox_;
  }
  return mailbox->push_control(std::move(fn), priority);
}

void IsolateCore::add_exit_listener(SendPort port, Message response) {
  const std::lock_guard lock(mutex_);
  if (ended_) return;  // a dead isolate's control port is closed: nothing is ever sent
  exit_listeners_.emplace_back(std::move(port), std::move(response));
}

void IsolateCore::remove_exit_listener(const SendPort& port) {
  const std::lock_guard lock(mutex_);
  std::erase_if(exit_listeners_, [&](const auto& l) { return l.first == port; });
}

void IsolateCore::add_error_listener(SendPort port) {
  const std::lock_guard lock(mutex_);
  if (!ended_) error_listeners_.push_back(std::move(port));
}

void IsolateCore::remove_error_listener(const SendPort& port) {
  const std::lock_guard lock(mutex_);
  std::erase(error_listeners_, port);
}

void IsolateCore::attach(std::shared_ptr<Inbox> mailbox) {
  const std::lock_guard lock(mutex_);
  mailbox_ = std::move(mailbox);
}

bool IsolateCore::notify_error(const std::exception_ptr& error, const std::string& report) const {
  std::vector<SendPort> listeners;
  {
    const std::lock_guard lock(mutex_);
    listeners = error_listeners_;
  }
  if (listeners.empty()) return false;
  // The listener gets text, as in Dart: the error object stays with its isolate.
  const RemoteError remote(describe(error), report);
  for (const SendPort& port : listeners) port.send(remote, where_);
  return true;
}

void IsolateCore::set_last_words(SendPort port, Message message, std::source_location where) {
  const std::lock_guard lock(mutex_);
  last_words_.emplace(LastWords{std::move(port), std::move(message), where});
}

void IsolateCore::end() {
  std::vector<std::pair<SendPort, Message>> listeners;
  std::optional<LastWords> last;
  {
    const std::lock_guard lock(mutex_);
    ended_ = true;
    mailbox_.reset();
    listeners.swap(exit_listeners_);
    error_listeners_.clear();
    last.swap(last_words_);
  }
  // The result first: `Isolate::run`'s port takes the first message it gets.
  if (last) last->port.send(std::move(last->message), last->where);
  for (auto& [port, response] : listeners) port.send(std::move(response), where_);
}

bool IsolateCore::ended() const {
  const std::lock_guard lock(mutex_);
  return ended_;
}

// --- IsolateGroup --------------------------------------------------------------------------

void IsolateGroup::start(const std::shared_ptr<IsolateCore>& core, Task body) {
  std::unique_lock lock(mutex_);
  join_finished(lock);
  live_.push_back(core);
  if (idle_ > jobs_.size()) {  // a waiting thread takes it; none ever holds two isolates
    jobs_.push_back(Job{core, std::move(body)});
    wake_idle_.notify_one();
    return;
  }
  // The new thread's first act takes this lock, so `threads_` is complete before it looks.
  threads_.emplace_back(
      [this, job = Job{core, std::move(body)}]() mutable { work(std::move(job)); });
}

void IsolateGroup::work(Job job) {
  for (;;) {
    job.body();
    job.body = Task();  // drop the isolate's captures before waiting for the next one
    std::unique_lock lock(mutex_);
    std::erase(live_, job.core);
    lock.unlock();
    job.core.reset();  // outside the lock: it may hold the last references to ports
    lock.lock();
    ++idle_;
    wake_idle_.wait_for(lock, idle_timeout, [this] { return !jobs_.empty() || stopping_; });
    --idle_;
    if (!jobs_.empty()) {
      job = std::move(jobs_.back());
      jobs_.pop_back();
      continue;
    }
    // Nothing more to do: hand this thread's handle over to be joined, and return.
    const auto self = std::find_if(threads_.begin(), threads_.end(), [](const std::thread& t) {
      return t.get_id() == std::this_thread::get_id();
    });
    finished_.push_back(std::move(*self));
    threads_.erase(self);
    return;
  }
}

void IsolateGroup::join_finished(std::unique_lock<std::mutex>& lock) {
  if (finished_.empty()) return;
  std::vector<std::thread> done;
  done.swap(finished_);
  lock.unlock();
  for (std::thread& t : done) t.join();
  lock.lock();
}

void IsolateGroup::shutdown() {
  std::unique_lock lock(mutex_);
  stopping_ = true;
  wake_idle_.notify_all();
  while (!threads_.empty() || !finished_.empty()) {
    const std::vector<std::shared_ptr<IsolateCore>> running = live_;
    lock.unlock();
    for (const auto& core : running) {
      core->send_control([] { stop_current_isolate(); }, ControlPriority::immediate);
    }
    lock.lock();
    wake_idle_.notify_all();
    if (finished_.empty()) {
      lock.unlock();
      std::this_thread::sleep_for(std::chrono::microseconds(100));
      lock.lock();
    }
    join_finished(lock);
  }
}

std::size_t IsolateGroup::live() const {
  const std::lock_guard lock(mutex_);
  return live_.size();
}

// --- IsolateState --------------------------------------------------------------------------

IsolateState& IsolateState::of(EventLoop& loop) {
  if (IsolateOwned* state = loop.isolate_state()) return static_cast<IsolateState&>(*state);
  // A loop that no isolate spawned runs a program's main isolate: it starts a new group.
  auto core = std::make_shared<IsolateCore>(std::make_shared<IsolateGroup>(), "main");
  core->attach(loop.mailbox());
  auto state = std::make_unique<IsolateState>(loop, std::move(core), /*root=*/true);
  IsolateState& result = *state;
  loop.set_isolate_state(std::move(state));
  return result;
}

IsolateState& IsolateState::install(EventLoop& loop, std::shared_ptr<IsolateCore> core) {
  auto state = std::make_unique<IsolateState>(loop, std::move(core), /*root=*/false);
  IsolateState& result = *state;
  loop.set_isolate_state(std::move(state));
  return result;
}

IsolateState::IsolateState(EventLoop& loop, std::shared_ptr<IsolateCore> core, bool root)
    : loop_(&loop), core_(std::move(core)), root_(root) {
  IsolateCore* c = core_.get();
  loop.set_error_listener([c](const std::exception_ptr& error, const std::string& report) {
    return c->notify_error(error, report);
  });
}

IsolateState::~IsolateState() {
  if (!root_) return;
  try {
    core_->end();
    core_->group()->shutdown();
  } catch (...) {
    // Only a failing mutex or an exhausted heap gets here; nothing sensible is left to do
    // but not to throw from a destructor.
  }
}

void IsolateState::pause(std::uint64_t capability) {
  pauses_.insert(capability);
  loop_->set_events_paused(true);
}

void IsolateState::resume(std::uint64_t capability) {
  pauses_.erase(capability);
  if (pauses_.empty()) loop_->set_events_paused(false);
}

// --- PortNode ------------------------------------------------------------------------------

PortNode::PortNode(Handler handler)
    : handler_(std::move(handler)),
      id_(new_port_id()),
      keep_alive_(loop()),
      state_(&IsolateState::of(loop())) {
  state_->add_port(id_, *this);
}

void PortNode::close() noexcept {
  if (!open_) return;
  open_ = false;
  keep_alive_.reset();
  if (owned_by_loop()) state_->remove_port(id_);
  if (!in_handler_) handler_.reset();  // a running handler is dropped when it returns
}

void PortNode::keep_isolate_alive(bool keep) {
  if (!open_) return;
  if (keep && !keep_alive_.holds()) {
    keep_alive_ = EventLoop::KeepAlive(loop());
  } else if (!keep) {
    keep_alive_.reset();
  }
}

void PortNode::handle(Message&& message) {
  if (!open_ || !handler_) return;
  // The handler may close the port or replace itself: it runs from a local, and goes back
  // only if nothing replaced it meanwhile.
  Handler running = std::move(handler_);
  in_handler_ = true;
  struct Restore {
    PortNode& port;
    Handler& running;
    Restore(PortNode& p, Handler& r) noexcept : port(p), running(r) {}
    Restore(const Restore&) = delete;
    Restore& operator=(const Restore&) = delete;
    ~Restore() {
      port.in_handler_ = false;
      if (port.open_ && !port.handler_) port.handler_ = std::move(running);
    }
  } restore{*this, running};
  running(std::move(message));
}

void PortNode::on_isolate_end() noexcept {
  open_ = false;
  keep_alive_.reset();
  // The handler may hold the last reference to this very port (a handler that captures its
  // own port): it is destroyed from a local, after the node's last access to itself.
  const Handler dropped = std::move(handler_);
}

}  // namespace detail

// --- Isolate -------------------------------------------------------------------------------

Capability::Capability() noexcept
    : id_(detail::last_capability.fetch_add(1, std::memory_order_relaxed) + 1) {}

namespace {

// Every isolate prints to the same terminal (or test capture); lines must not interleave.
void write_line_to(std::FILE* stream, std::string_view line) {
  std::fwrite(line.data(), 1, line.size(), stream);
  std::fputc('\n', stream);
  std::fflush(stream);
}

OutputSink locked(const std::shared_ptr<std::mutex>& mutex, OutputSink sink, std::FILE* fallback) {
  return [mutex, sink = std::move(sink), fallback](std::string_view line) {
    const std::lock_guard lock(*mutex);
    if (sink) {
      sink(line);
    } else {
      write_line_to(fallback, line);
    }
  };
}

struct SpawnConfig {
  ClockKind clock;
  bool paused;
  std::uint64_t pause_capability;
  bool errors_fatal;
  OutputSink out;
  OutputSink err;
  std::source_location where;  // the spawn call: where the entry "was scheduled"
};

void run_spawned(const std::shared_ptr<detail::IsolateCore>& core, SpawnConfig& config, Task& entry,
                 const SendPort& ready) {
  {
    EventLoop loop(config.clock);
    loop.set_output(std::move(config.out));
    loop.set_error_output(std::move(config.err));
    loop.set_errors_fatal(config.errors_fatal);
    detail::IsolateState& state = detail::IsolateState::install(loop, core);
    if (config.paused) state.pause(config.pause_capability);
    core->attach(loop.mailbox());
    ready.send(nullptr, config.where);  // the parent's `spawn` future completes on this message
    loop.run(std::move(entry), config.where);
  }
  // Once the loop and everything it held are gone: its last words, then the exit listeners;
  // later control messages are dropped.
  core->end();
}

}  // namespace

Future<Isolate> Isolate::spawn_task(Task entry, const SpawnOptions& options,
                                    std::source_location where) {
  detail::IsolateState& parent = detail::IsolateState::current();
  EventLoop& loop = parent.loop();
  const auto& group = parent.core()->group();
  auto core = std::make_shared<detail::IsolateCore>(
      group, options.debug_name.empty() ? std::string("isolate") : options.debug_name, where);
  if (options.on_exit.valid()) core->add_exit_listener(options.on_exit, Message());
  if (options.on_error.valid()) core->add_error_listener(options.on_error);

  // Output: the parent's sinks, behind one lock shared by the whole family.
  if (parent.share_output_once()) {
    auto mutex = std::make_shared<std::mutex>();
    loop.set_output(locked(mutex, loop.output_sink(), stdout));
    loop.set_error_output(locked(mutex, loop.error_sink(), stderr));
  }

  const Capability pause;
  auto completer = Completer<Isolate>::sync();
  RawReceivePort ready;
  ready.set_handler([completer, core, ready, pause](Message&&) {
    ready.close();
    completer.complete(Isolate(core, pause));
  });
  SpawnConfig config{loop.clock_kind(),  options.paused,    pause.id(), options.errors_are_fatal,
                     loop.output_sink(), loop.error_sink(), where};
  group->start(core, Task([core, config = std::move(config), entry = std::move(entry),
                           reply = ready.send_port()]() mutable {
                 run_spawned(core, config, entry, reply);
               }));
  return completer.future();
}

void Isolate::exit() {
  detail::stop_current_isolate();
  throw IsolateExitSignal{};
}

void Isolate::control(Task fn, ControlPriority priority) const {
  if (!core_) throw StateError("control message to an empty Isolate handle");
  (void)core_->send_control(std::move(fn), priority);  // a dead isolate ignores it, as in Dart
}

void Isolate::kill(ControlPriority priority) const {
  control([] { detail::stop_current_isolate(); }, priority);
}

Capability Isolate::pause() const {
  Capability capability;
  pause(capability);
  return capability;
}

void Isolate::pause(const Capability& capability) const {
  control([id = capability.id()] { detail::IsolateState::current().pause(id); },
          ControlPriority::immediate);
}

void Isolate::resume(const Capability& capability) const {
  control([id = capability.id()] { detail::IsolateState::current().resume(id); },
          ControlPriority::immediate);
}

void Isolate::ping(const SendPort& port, Message response, ControlPriority priority) const {
  control([port, response = std::move(response)]() mutable { port.send(std::move(response)); },
          priority);
}

void Isolate::add_on_exit_listener(const SendPort& port, Message response) const {
  if (!core_) throw StateError("add_on_exit_listener on an empty Isolate handle");
  core_->add_exit_listener(port, std::move(response));
}

void Isolate::remove_on_exit_listener(const SendPort& port) const {
  if (core_) core_->remove_exit_listener(port);
}

void Isolate::add_error_listener(const SendPort& port) const {
  if (!core_) throw StateError("add_error_listener on an empty Isolate handle");
  core_->add_error_listener(port);
}

void Isolate::remove_error_listener(const SendPort& port) const {
  if (core_) core_->remove_error_listener(port);
}

void Isolate::set_errors_fatal(bool fatal) const {
  control([fatal] { EventLoop::current().set_errors_fatal(fatal); }, ControlPriority::immediate);
}

const std::string& Isolate::debug_name() const {
  if (!core_) throw StateError("debug_name of an empty Isolate handle");
  return core_->name();
}

}  // namespace dartloop
