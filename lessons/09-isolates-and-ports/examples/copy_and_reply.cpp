// Lesson 9: an isolate gets a copy. main sends a list to a new isolate and keeps changing its
// own; the isolate changes its copy and answers on the port it was given.
#include <dartloop/dartloop.hpp>
#include <string>
#include <utility>
#include <vector>

using namespace dartloop;

int main() {
  EventLoop loop(ClockKind::virtual_time);
  return loop.run([] {
    std::vector<int> list{1, 2, 3};
    RawReceivePort answers;
    answers.set_handler([answers](Message&& m) {
      print("the isolate says: ", m.as<std::string>());
      answers.close();
    });
    Isolate::spawn(
        [](std::pair<SendPort, std::vector<int>> job) {
          job.second.push_back(4);  // its own copy
          job.first.send("my list has " + std::to_string(job.second.size()) + " items");
        },
        std::pair<SendPort, std::vector<int>>(answers.send_port(), list));
    list.clear();  // main's list, after the copy was taken
    print("main's list has ", list.size(), " items");
  });
}
