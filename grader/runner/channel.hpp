// The grader's private results channel, as the programs it runs see it (the case runner and
// the scenario runner share it). The grader writes "<secret> <fd>" on descriptor 3; a
// constructor of priority 101 reads and closes it before any static initializer of the
// learner's files runs (the source policy refuses constructor attributes and init_priority in
// a submission), so the learner's code never finds the secret on a descriptor. Every line the
// program then writes on <fd> starts with the secret.
#pragma once

#include <string_view>

namespace dartloop::grader_channel {

/// Whether the grader handed over a channel (false when the program is run by hand).
bool open() noexcept;

/// Writes "<secret> <what>\n" on the channel in one piece (nothing when there is none).
void send(std::string_view what) noexcept;

}  // namespace dartloop::grader_channel
