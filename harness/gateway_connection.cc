// harness/gateway_connection.cc — stdio and HTTP connections to the gateway under test.
#include "harness/gateway_connection.h"

#include "harness/process_registry.h"

namespace gatecrash::harness {

namespace {
constexpr std::chrono::milliseconds kWriteTimeout{5'000};
constexpr std::chrono::milliseconds kExitWait{3'000};
}  // namespace

StdioConnection::~StdioConnection() { close(); }

bool StdioConnection::send(const std::string& bytes, bool newline) {
  if (!child_) return false;
  return newline ? child_->write_line(bytes, kWriteTimeout) : child_->write(bytes, kWriteTimeout);
}

std::optional<std::string> StdioConnection::receive(std::chrono::milliseconds timeout) {
  if (!child_) return std::nullopt;
  return child_->read_line(timeout);
}

void StdioConnection::close() {
  if (!child_) return;
  // A gateway must exit on stdin EOF; one that does not is terminated (group SIGTERM, SIGKILL).
  child_->close_stdin();
  exit_status_ = child_->wait_exit(kExitWait);
  if (!exit_status_) exit_status_ = child_->terminate(std::chrono::milliseconds(1000));
  unregister_group(child_->pid());
  child_.reset();
}

bool StdioConnection::alive() {
  if (!child_) return false;
  if (child_->at_eof()) return false;
  return child_->running();
}

std::string StdioConnection::exit_description() {
  if (child_ && !child_->running()) {
    if (auto status = child_->wait_exit(std::chrono::milliseconds(0))) exit_status_ = status;
  }
  if (!exit_status_) return "";
  return "exited with status " + std::to_string(*exit_status_);
}

HttpConnection::HttpConnection(std::string url, mcp::HttpClientOptions options)
    : url_(std::move(url)), options_(std::move(options)), client_(url_, options_) {}

bool HttpConnection::send(const std::string& bytes, bool /*newline*/) {
  mcp::HttpExchange exchange = client_.post(bytes);
  last_status_ = exchange.status;
  if (exchange.status == 0) {
    if (alive_) {
      failure_ = "no HTTP response to a POST of " + std::to_string(bytes.size()) + " bytes: " +
                 (exchange.timed_out ? "timed out" : exchange.error.empty() ? "connection closed" : exchange.error);
    }
    alive_ = false;
    return false;
  }
  for (auto& message : exchange.messages) inbox_.push_back(std::move(message));
  return true;
}

std::optional<std::string> HttpConnection::receive(std::chrono::milliseconds /*timeout*/) {
  // Every answer to a POST arrived with it (send waits for the whole answer, bounded by the
  // client's timeout), so there is nothing to wait for here.
  if (inbox_.empty()) return std::nullopt;
  std::string message = std::move(inbox_.front());
  inbox_.pop_front();
  return message;
}

std::unique_ptr<GatewayConnection> HttpConnection::fork() {
  auto other = std::make_unique<HttpConnection>(url_, options_);
  other->client_.set_session_id(client_.session_id());
  other->client_.set_protocol_version(client_.protocol_version());
  return other;
}

std::string HttpConnection::exit_description() { return failure_; }

void HttpConnection::close() {
  if (!client_.session_id().empty()) client_.del();
  alive_ = false;
}

}  // namespace gatecrash::harness
