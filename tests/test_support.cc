// tests/test_support.cc — implementation of the shared test helpers.
#include "tests/test_support.h"

#include <signal.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <iterator>
#include <random>
#include <sstream>

#include <gtest/gtest.h>

#include "mcp/child_process.h"

namespace gatecrash::testing {
namespace {
// Tests write to children's pipes; a dead child must fail the test, not kill the runner.
const bool kSigpipeIgnored = [] {
  ::signal(SIGPIPE, SIG_IGN);
  return true;
}();
}  // namespace

TempDir::TempDir() {
  std::random_device random;
  path_ = std::filesystem::temp_directory_path() /
          ("gatecrash-test-" + std::to_string(::getpid()) + "-" + std::to_string(random()));
  std::filesystem::create_directories(path_);
}

TempDir::~TempDir() {
  std::error_code ignored;
  std::filesystem::remove_all(path_, ignored);
}

std::vector<nlohmann::json> read_json_lines(const std::string& path) {
  std::vector<nlohmann::json> lines;
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    auto parsed = nlohmann::json::parse(line, nullptr, false);
    EXPECT_FALSE(parsed.is_discarded()) << "unparsable ledger line: " << line;
    lines.push_back(std::move(parsed));
  }
  return lines;
}

std::string read_source_file(const std::string& relative_path) {
  std::ifstream in(std::string(GATECRASH_SOURCE_DIR) + "/" + relative_path);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

// GATECRASH_MOCK_BIN runs the tests against another build of the mock.
std::string mock_binary() {
  if (const char* other = std::getenv("GATECRASH_MOCK_BIN"); other && *other) return other;
  return std::string(GATECRASH_BIN_DIR) + "/gatecrash-mock";
}
std::string gateway_binary() { return GATECRASH_GATEWAY_BIN; }

std::string read_source_file_abs(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

void write_file(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  ASSERT_TRUE(out.good()) << "cannot write " << path;
}

std::string write_mock_servers(const TempDir& dir, const std::vector<std::pair<std::string, std::string>>& servers,
                               const std::string& ledger, const std::vector<std::string>& extra_args) {
  nlohmann::json entries = nlohmann::json::object();
  for (const auto& [name, catalog] : servers) {
    nlohmann::json args = {"--catalog", catalog, "--ledger", ledger};
    for (const auto& arg : extra_args) args.push_back(arg);
    entries[name] = {{"command", mock_binary()}, {"args", args}};
  }
  const std::string path = dir.file("servers.json");
  write_file(path, nlohmann::json{{"mcpServers", entries}}.dump());
  return path;
}

std::vector<int> children_of(int pid) {
  std::vector<int> children;
  for (const auto& entry : std::filesystem::directory_iterator("/proc")) {
    const std::string name = entry.path().filename().string();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::ifstream stat(entry.path() / "stat");
    std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
    // pid (comm) state ppid ...: comm may hold spaces, so read after the last ')'.
    const auto close = text.rfind(')');
    if (close == std::string::npos) continue;
    std::istringstream rest(text.substr(close + 1));
    std::string state;
    int ppid = 0;
    rest >> state >> ppid;
    if (ppid == pid && state != "Z") children.push_back(std::stoi(name));
  }
  return children;
}

HarnessRun run_gatecrash(const TempDir& dir, std::vector<std::string> args, std::chrono::seconds limit) {
  using namespace std::chrono_literals;
  args.insert(args.begin(), GATECRASH_HARNESS_BIN);
  static int runs = 0;
  const std::string err_path = dir.file("gatecrash-stderr-" + std::to_string(++runs) + ".txt");
  auto child = mcp::ChildProcess::spawn({args, {{"NO_COLOR", "1"}}, err_path, ""});
  child->close_stdin();
  HarnessRun run;
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (!child->at_eof() && std::chrono::steady_clock::now() < deadline) {
    if (auto line = child->read_line(1000ms)) run.out += *line + "\n";
  }
  EXPECT_TRUE(child->at_eof()) << "gatecrash did not finish within " << limit.count() << " s; output so far:\n" << run.out;
  const auto status = child->wait_exit(std::chrono::duration_cast<std::chrono::milliseconds>(
      std::max(deadline - std::chrono::steady_clock::now(), std::chrono::steady_clock::duration(5s))));
  run.exit_code = status.value_or(-1);
  if (!status) child->terminate(100ms);
  run.err = read_source_file_abs(err_path);
  return run;
}

bool process_alive(int pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  if (!stat) return false;
  std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
  const auto close = text.rfind(')');
  return close != std::string::npos && text.size() > close + 2 && text[close + 2] != 'Z';
}

}  // namespace gatecrash::testing
