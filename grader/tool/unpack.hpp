// Taking a learner's submission (a folder, a .zip or a .tar.gz) into a fresh folder without
// trusting anything in it. Archives are read with libarchive (formats, compression and their
// corner cases are its job); every entry is checked here before a byte is written.
#pragma once

#include <cstdint>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <vector>

namespace dartloop::grader {

/// The submission itself cannot be read (missing, not an archive, corrupt).
class UnpackError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// Size limits for one submission.
struct UnpackLimits {
  std::uint64_t max_file_bytes = 256 * 1024;        ///< one file
  std::uint64_t max_total_bytes = 8 * 1024 * 1024;  ///< all files taken
  std::size_t max_entries = 5000;                   ///< entries looked at
  /// Decompressed bytes of a compressed archive read through, skipped entries included: a
  /// .tar.gz of gigabytes of zeros costs nothing to send and seconds of CPU to skip.
  std::uint64_t max_expanded_bytes = std::uint64_t{512} << 20;
};

/// One entry of the submission that was not taken, and why.
struct Skipped {
  std::string path;    ///< as written in the submission
  std::string reason;  ///< one line, for the learner
};

/// What was taken from a submission.
struct Unpacked {
  /// Files written, relative to the destination: "NN-topic/name.ext".
  std::vector<std::filesystem::path> taken;
  /// Dangerous entries refused: path traversal, absolute paths, links, devices, FIFOs,
  /// oversized or binary files, unknown file types.
  std::vector<Skipped> refused;
  /// Harmless entries that are not exercise files of a graded step (README.md, tests/, build/).
  std::vector<Skipped> ignored;
};

/// Copies the exercise files of `steps` (folder names such as "01-microtask-queue") from
/// `source` into `dest` (created; must not exist or be empty), as dest/NN-topic/file. An
/// exercise file is a .hpp, .h or .cpp directly inside exercises/NN-topic/ (or NN-topic/ at
/// the top, or either under one wrapping folder). Throws UnpackError when `source` cannot be
/// read as a folder or an archive, or when limits are exceeded in total (then nothing is left
/// in `dest`); std::filesystem::filesystem_error when `dest` is not an empty folder.
Unpacked unpack_submission(const std::filesystem::path& source, const std::filesystem::path& dest,
                           const std::vector<std::string>& steps, const UnpackLimits& limits = {});

}  // namespace dartloop::grader
