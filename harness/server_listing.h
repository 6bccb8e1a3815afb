// harness/server_listing.h — the tools of an MCP server started from a command (audit/suggest --command).
#pragma once

#include <chrono>
#include <string>

#include <nlohmann/json.hpp>

namespace gatecrash::harness {

// Most tools/list pages read before giving up on a server that pages forever.
inline constexpr int kMaxToolPages = 100;

// Runs `command` with /bin/sh -c over stdio, in its own process group (registered, so SIGINT of
// the harness stops it too), initializes a session, reads every tools/list page and stops the
// server. Every answer is awaited at most `timeout`. Returns {"tools": [...]} for
// audit::tools_from_document. Throws audit::AuditError: audit.E707 when it cannot be started,
// audit.E708 when it does not initialize or list in time, answers an error, or pages forever; the
// message names the command and ends with the tail of its stderr.
nlohmann::json list_server_tools(const std::string& command, std::chrono::milliseconds timeout);

}  // namespace gatecrash::harness
