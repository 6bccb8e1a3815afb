// harness/errors.h — the harness's one error type: a stable id plus a message naming the file and
// JSON pointer at fault (ids listed in docs/harness.md and docs/scenarios.md).
#pragma once

#include <stdexcept>
#include <string>
#include <utility>

namespace gatecrash::harness {

// Thrown by loaders and the launcher; caught at the edge (main, the runner) and turned into a
// message and exit code 2. what() is "<id> <message>".
class HarnessError : public std::runtime_error {
 public:
  HarnessError(std::string id, std::string message)
      : std::runtime_error(id + " " + message), id_(std::move(id)) {}
  const std::string& id() const { return id_; }

 private:
  std::string id_;
};

}  // namespace gatecrash::harness
