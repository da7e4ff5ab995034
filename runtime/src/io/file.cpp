#include "dartloop/io/file.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>
#include <cerrno>
#include <cstdio>
#include <memory>
#include <mutex>
#include <optional>
#include <system_error>
#include <utility>

#include "dartloop/completer.hpp"
#include "io_state.hpp"

namespace dartloop::io {

namespace detail {

namespace {

// The process's file I/O threads (Dart's VM has one I/O thread pool for all isolates).
boost::asio::thread_pool& file_workers() {
  static boost::asio::thread_pool pool(2);
  return pool;
}

struct FileResult {
  std::string data;   // what was read
  std::string error;  // empty: success
  const char* operation = "";
};

std::string os_message(int error) { return std::generic_category().message(error); }

FileResult read_whole(const std::string& path) {
  FileResult r;
  r.operation = "open";
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) {
    r.error = os_message(errno);
    return r;
  }
  r.operation = "read";
  char block[16384];
  std::size_t n = 0;
  while ((n = std::fread(block, 1, sizeof block, f)) > 0) r.data.append(block, n);
  if (std::ferror(f) != 0) r.error = os_message(errno != 0 ? errno : EIO);
  std::fclose(f);
  return r;
}

FileResult write_whole(const std::string& path, const std::string& data) {
  FileResult r;
  r.operation = "open";
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (f == nullptr) {
    r.error = os_message(errno);
    return r;
  }
  r.operation = "write";
  if (std::fwrite(data.data(), 1, data.size(), f) != data.size()) r.error = os_message(errno);
  if (std::fclose(f) != 0 && r.error.empty()) r.error = os_message(errno);
  return r;
}

// What a worker shares with the isolate: the loop, until the isolate ends. Posting happens
// under the lock, so ~EventLoop (which clears `loop` under the same lock) never races a post.
struct Channel {
  std::mutex lock;
  EventLoop* loop = nullptr;
};

// The isolate's side of one file operation. It keeps itself alive until it completes or the
// isolate ends; the worker holds only the channel and a weak reference.
template <class T>
class FileOp final : public IoState, public std::enable_shared_from_this<FileOp<T>> {
 public:
  FileOp(EventLoop& loop, std::string path, std::source_location where)
      : IoState(loop),
        path_(std::move(path)),
        where_(where),
        channel_(std::make_shared<Channel>()),
        done_(std::in_place),
        work_(loop) {
    channel_->loop = &loop;
  }

  // Runs @p job on a worker; its FileResult comes back as one event.
  template <class Job>
  Future<T> start(Job job) {
    self_ = this->shared_from_this();
    Future<T> result = done_->future();
    boost::asio::post(file_workers(), [channel = channel_, weak = this->weak_from_this(),
                                       job = std::move(job), where = where_]() mutable {
      FileResult r = job();
      const std::lock_guard guard(channel->lock);
      if (channel->loop == nullptr) return;  // the isolate ended meanwhile: drop the result
      channel->loop->post(
          [weak = std::move(weak), r = std::move(r)]() mutable {
            if (auto op = weak.lock()) op->finish(std::move(r));
          },
          where);
    });
    return result;
  }

 private:
  void finish(FileResult r) {
    const std::shared_ptr<FileOp> keep = std::move(self_);
    if (!r.error.empty()) {
      done_->complete_error(FileSystemException(r.operation, path_, r.error), where_);
    } else if constexpr (std::is_void_v<T>) {
      done_->complete(where_);
    } else {
      done_->complete(std::move(r.data), where_);
    }
    work_.reset();
  }

  void drop() noexcept override {
    {
      const std::lock_guard guard(channel_->lock);
      channel_->loop = nullptr;
    }
    done_.reset();
    work_.reset();
    const std::shared_ptr<FileOp> keep = std::move(self_);  // may be the last reference
  }

  std::string path_;
  std::source_location where_;
  std::shared_ptr<Channel> channel_;
  std::optional<Completer<T>> done_;
  EventLoop::IoWork work_;
  std::shared_ptr<FileOp> self_;  // set while outstanding
};

}  // namespace

}  // namespace detail

Future<std::string> read_file(std::string path, std::source_location where) {
  EventLoop& loop = EventLoop::current();
  auto op = std::make_shared<detail::FileOp<std::string>>(loop, path, where);
  return op->start([path = std::move(path)] { return detail::read_whole(path); });
}

Future<void> write_file(std::string path, std::string data, std::source_location where) {
  EventLoop& loop = EventLoop::current();
  auto op = std::make_shared<detail::FileOp<void>>(loop, path, where);
  return op->start(
      [path = std::move(path), data = std::move(data)] { return detail::write_whole(path, data); });
}

}  // namespace dartloop::io
