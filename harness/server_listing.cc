// harness/server_listing.cc — start a server command, initialize, list its tools, stop it.
#include "harness/server_listing.h"

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <memory>

#include "audit/errors.h"
#include "harness/process_registry.h"
#include "mcp/child_process.h"
#include "mcp/client_session.h"

namespace gatecrash::harness {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

constexpr std::size_t kStderrTailBytes = 600;

std::string stderr_tail(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (text.size() > kStderrTailBytes) text = "..." + text.substr(text.size() - kStderrTailBytes);
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
  return text.empty() ? "" : "; its stderr ends: " + text;
}

// The child's process group stays registered while it runs; on every way out it is stopped,
// reaped and forgotten, and its stderr file removed.
struct RunningServer {
  std::unique_ptr<mcp::ChildProcess> child;
  std::string stderr_path;
  ~RunningServer() {
    if (child) {
      const int pid = child->pid();
      child.reset();  // terminates the group and reaps it
      unregister_group(pid);
    }
    std::error_code ignored;
    fs::remove(stderr_path, ignored);
  }
};

}  // namespace

json list_server_tools(const std::string& command, std::chrono::milliseconds timeout) {
  const std::string shown = "--command '" + command + "'";
  RunningServer server;
  server.stderr_path =
      (fs::temp_directory_path() / ("gatecrash-audit-" + std::to_string(::getpid()) + ".stderr")).string();
  mcp::ChildOptions options;
  options.argv = {"/bin/sh", "-c", command};
  options.stderr_path = server.stderr_path;
  {
    const auto spawning = hold_while_spawning();
    try {
      server.child = mcp::ChildProcess::spawn(options);
    } catch (const mcp::ChildProcessError& error) {
      throw audit::AuditError("audit.E707", shown + ": cannot start: " + error.what());
    }
    register_group(server.child->pid());
  }
  try {
    mcp::ClientSession client(*server.child, timeout);
    client.initialize();
    json tools = json::array();
    json cursor;
    for (int page = 0; page < kMaxToolPages; ++page) {
      json params = json::object();
      if (!cursor.is_null()) params["cursor"] = cursor;
      const json result = client.call("tools/list", params);
      if (!result.contains("tools") || !result["tools"].is_array()) {
        throw audit::AuditError("audit.E708", shown + ": the tools/list result has no \"tools\" array" +
                                                  stderr_tail(server.stderr_path));
      }
      for (const json& tool : result["tools"]) tools.push_back(tool);
      cursor = result.value("nextCursor", json());
      if (!cursor.is_string()) return json{{"tools", std::move(tools)}};
    }
    throw audit::AuditError("audit.E708", shown + ": tools/list still paging after " +
                                              std::to_string(kMaxToolPages) + " pages");
  } catch (const mcp::ClientError& error) {
    throw audit::AuditError("audit.E708", shown + ": did not initialize and list its tools: " +
                                              std::string(error.what()) + stderr_tail(server.stderr_path));
  }
}

}  // namespace gatecrash::harness
