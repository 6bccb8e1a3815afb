// harness/gateway_connection.h — one client connection to the gateway under test, stdio or HTTP.
#pragma once

#include <chrono>
#include <deque>
#include <memory>
#include <optional>
#include <string>

#include "mcp/child_process.h"
#include "mcp/http_client.h"

namespace gatecrash::harness {

// Carries frames to the gateway and messages back. Implementations never block beyond the
// timeouts they are given (or, for HTTP sends, the client's own timeout).
class GatewayConnection {
 public:
  virtual ~GatewayConnection() = default;
  // Sends one frame: a stdio line (newline appended when `newline`) or an HTTP POST body, whose
  // answer messages are queued for receive(). False when the gateway can no longer be reached.
  virtual bool send(const std::string& bytes, bool newline) = 0;
  // The next message from the gateway; nullopt when none arrived within `timeout` or at EOF.
  virtual std::optional<std::string> receive(std::chrono::milliseconds timeout) = 0;
  // Another connection into the same session, for parallel requests (HTTP); nullptr when the
  // transport has one channel per session (stdio pipelines instead).
  virtual std::unique_ptr<GatewayConnection> fork() = 0;
  // Ends the session: stdin closed and the process waited for (stdio), DELETE (HTTP).
  virtual void close() = 0;
  // False once the gateway process exited or hung up (stdio) or stopped answering (HTTP).
  virtual bool alive() = 0;
  // HTTP status of the last send (0 for stdio or no answer).
  virtual int last_status() const { return 0; }
  // Why alive() is false, when it is: "exited with status 3" (stdio), "no HTTP response to a
  // POST: connection reset by peer" (HTTP); "" when nothing more is known.
  virtual std::string exit_description() { return ""; }
};

// The harness's end of one stdio gateway process it started for one session.
class StdioConnection final : public GatewayConnection {
 public:
  explicit StdioConnection(std::unique_ptr<mcp::ChildProcess> child) : child_(std::move(child)) {}
  ~StdioConnection() override;
  bool send(const std::string& bytes, bool newline) override;
  std::optional<std::string> receive(std::chrono::milliseconds timeout) override;
  std::unique_ptr<GatewayConnection> fork() override { return nullptr; }
  void close() override;
  bool alive() override;
  std::string exit_description() override;
  int pid() const { return child_ ? child_->pid() : -1; }

 private:
  std::unique_ptr<mcp::ChildProcess> child_;
  std::optional<int> exit_status_;
};

// A Streamable HTTP session; forks share its session id and protocol version.
class HttpConnection final : public GatewayConnection {
 public:
  HttpConnection(std::string url, mcp::HttpClientOptions options);
  bool send(const std::string& bytes, bool newline) override;
  std::optional<std::string> receive(std::chrono::milliseconds timeout) override;
  std::unique_ptr<GatewayConnection> fork() override;
  void close() override;
  bool alive() override { return alive_; }
  int last_status() const override { return last_status_; }
  std::string exit_description() override;
  mcp::StreamableHttpClient& client() { return client_; }

 private:
  std::string url_;
  mcp::HttpClientOptions options_;
  mcp::StreamableHttpClient client_;
  std::deque<std::string> inbox_;
  int last_status_ = 0;
  bool alive_ = true;
  std::string failure_;  // the first POST that got no HTTP response, and why
};

}  // namespace gatecrash::harness
