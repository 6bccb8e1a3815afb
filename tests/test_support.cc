// tests/test_support.cc — implementation of the shared test helpers.
#include "tests/test_support.h"

#include <signal.h>
#include <unistd.h>

#include <fstream>
#include <iterator>
#include <random>

#include <gtest/gtest.h>

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

std::string mock_binary() { return std::string(GATECRASH_BIN_DIR) + "/gatecrash-mock"; }

}  // namespace gatecrash::testing
