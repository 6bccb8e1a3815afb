// tests/test_support.h — helpers shared by the test files: temp dirs, ledger reading, the mock binary.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace gatecrash::testing {

// A fresh directory under the system temp dir, removed at destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  const std::filesystem::path& path() const { return path_; }
  std::string file(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

// Every line of a JSON Lines file, parsed; a line that does not parse fails the calling test.
std::vector<nlohmann::json> read_json_lines(const std::string& path);
std::string mock_binary();
// The text of a file in the source tree (path relative to the repository root); empty if missing.
std::string read_source_file(const std::string& relative_path);  // absolute path of the built gatecrash-mock

}  // namespace gatecrash::testing
