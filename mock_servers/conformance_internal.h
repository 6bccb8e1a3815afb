// mock_servers/conformance_internal.h — shapes and media shared by the conformance*.cc files only.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "mcp/server_session.h"

namespace gatecrash::mock::conformance {

// The base64 fixtures of conformance_media.cc, built once.
const std::string& png_base64();
const std::string& wav_base64();

// Content blocks and messages (conformance.cc).
mcp::Json text_block(std::string text);
mcp::Json image_block();  // the 1x1 red PNG
mcp::Json user_message(mcp::Json content);

mcp::ErrorObject invalid_params(std::string problem);

// A string member of an untrusted object, or "" (Json::value would throw on a non-string).
std::string string_member(const mcp::Json& object, std::string_view key);

// A string member of the request's params, if it is one.
std::optional<std::string> string_param(const mcp::RequestContext& ctx, std::string_view key);

// Every list here fits one page, so any cursor is one we never issued: answers invalid params
// and returns true when the request carries one.
bool refuse_cursor(mcp::RequestContext& ctx);

// Sets entry["title"] when the session's version has titles (2025-06-18+).
void put_title(mcp::Json& entry, const mcp::RequestContext& ctx, std::string_view title);

}  // namespace gatecrash::mock::conformance
