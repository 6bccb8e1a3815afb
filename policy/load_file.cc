// policy/load_file.cc — the one place policy/ touches the file system: read a file, pick a dialect.
#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "policy/limits.h"
#include "policy/load.h"

namespace gatecrash::policy {

LoadResult load_policy_file(const std::string& path) {
  auto ends_with = [&](std::string_view suffix) { return path.ends_with(suffix); };
  const bool json = ends_with(".json");
  const bool yaml = ends_with(".yaml") || ends_with(".yml");
  LoadResult failed;
  failed.source_name = path;
  if (!json && !yaml) {
    failed.errors.push_back(PolicyError{std::string(error_id::kUnknownFormat), "",
                                        "cannot tell the policy format from the file name "
                                        "(expected .json, .yaml or .yml)"});
    return failed;
  }
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    failed.errors.push_back(
        PolicyError{std::string(error_id::kUnreadable), "", "cannot read file: is a directory"});
    return failed;
  }
  std::ifstream file(path, std::ios::binary);
  if (!file) {
    failed.errors.push_back(PolicyError{std::string(error_id::kUnreadable), "",
                                        std::string("cannot read file: ") + std::strerror(errno)});
    return failed;
  }
  // Read one byte past the limit at most, so /dev/zero or a huge file cannot exhaust memory; the
  // loader then reports the size (E003). In chunks: a policy is a few KiB, and zeroing a 4 MiB
  // buffer up front cost every gateway start (and reload) a thousand page faults.
  std::string contents;
  char chunk[64 * 1024];
  while (contents.size() <= kMaxPolicyBytes && file) {
    const std::size_t want = std::min(sizeof chunk, kMaxPolicyBytes + 1 - contents.size());
    file.read(chunk, static_cast<std::streamsize>(want));
    contents.append(chunk, static_cast<std::size_t>(file.gcount()));
  }
  if (file.bad()) {
    failed.errors.push_back(
        PolicyError{std::string(error_id::kUnreadable), "", "cannot read file: read failed"});
    return failed;
  }
  return json ? load_policy_json(contents, path) : load_policy_yaml(contents, path);
}

}  // namespace gatecrash::policy
