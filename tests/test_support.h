// tests/test_support.h — helpers shared by the test files: temp dirs, ledger reading, the mock binary.
#pragma once

#include <chrono>
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
std::string mock_binary();     // absolute path of the built gatecrash-mock
std::string gateway_binary();  // absolute path of the built gatecrash-gateway
// The text of a file in the source tree (path relative to the repository root); empty if missing.
std::string read_source_file(const std::string& relative_path);
void write_file(const std::string& path, const std::string& text);
std::string read_source_file_abs(const std::string& path);  // any file's text; empty if missing

// A servers file (mcpServers) with one stdio gatecrash-mock per entry: {name, catalog}, all
// writing `ledger`; `extra_args` are appended to every mock's arguments.
std::string write_mock_servers(const TempDir& dir, const std::vector<std::pair<std::string, std::string>>& servers,
                               const std::string& ledger, const std::vector<std::string>& extra_args = {});
// Pids whose parent is `pid` (from /proc), and whether a pid still exists (zombies count as gone).
std::vector<int> children_of(int pid);
bool process_alive(int pid);

// The gatecrash binary run to completion with `args`: its exit status, stdout, and stderr (kept in
// a file under `dir` so a chatty child cannot block on a full pipe). Bounded by `limit`: on
// overrun the child is killed and the calling test fails.
struct HarnessRun {
  int exit_code = -1;
  std::string out;
  std::string err;
};
HarnessRun run_gatecrash(const TempDir& dir, std::vector<std::string> args,
                         std::chrono::seconds limit = std::chrono::seconds(120));

}  // namespace gatecrash::testing
