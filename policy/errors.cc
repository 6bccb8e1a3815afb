// policy/errors.cc — formatting of load errors and JSON pointers.
#include "policy/errors.h"

namespace gatecrash::policy {

std::string PolicyError::text() const {
  return id + " " + (pointer.empty() ? std::string("(root)") : pointer) + ": " + message;
}

std::string pointer_append(std::string_view base, std::string_view token) {
  std::string out(base);
  out += '/';
  for (char c : token) {
    if (c == '~') {
      out += "~0";
    } else if (c == '/') {
      out += "~1";
    } else {
      out += c;
    }
  }
  return out;
}

std::string pointer_append(std::string_view base, std::size_t index) {
  return std::string(base) + "/" + std::to_string(index);
}

}  // namespace gatecrash::policy
