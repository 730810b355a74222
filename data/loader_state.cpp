#include "data/loader_state.hpp"

#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <map>

#include "kernels/common/error.hpp"

namespace accmt::data {

std::string LoaderState::to_string() const {
  return detail::concat("{\"epoch\": ", epoch, ", \"batches_seen\": ", batches_seen, ", \"seed\": ", seed, "}");
}

LoaderState LoaderState::from_string(const std::string& text) {
  // A flat JSON object of non-negative integers.
  std::map<std::string, std::string> fields;
  size_t i = 0;
  auto skip = [&] {
    while (i < text.size() && std::isspace(static_cast<unsigned char>(text[i]))) ++i;
  };
  auto fail = [&](const std::string& what) -> Error {
    return Error(detail::concat("LoaderState::from_string: ", what, " at character ", i, " of '", text,
                                "' (expected {\"epoch\": N, \"batches_seen\": N, \"seed\": N})"));
  };
  skip();
  if (i >= text.size() || text[i] != '{') throw fail("no '{'");
  ++i;
  for (;;) {
    skip();
    if (i < text.size() && text[i] == '}') break;
    if (i >= text.size() || text[i] != '"') throw fail("no key");
    size_t end = text.find('"', i + 1);
    if (end == std::string::npos) throw fail("an unterminated key");
    std::string key = text.substr(i + 1, end - i - 1);
    i = end + 1;
    skip();
    if (i >= text.size() || text[i] != ':') throw fail("no ':' after \"" + key + "\"");
    ++i;
    skip();
    size_t start = i;
    while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) ++i;
    if (start == i) throw fail("no non-negative integer for \"" + key + "\"");
    fields[key] = text.substr(start, i - start);
    skip();
    if (i < text.size() && text[i] == ',') {
      ++i;
      continue;
    }
    if (i < text.size() && text[i] == '}') break;
    throw fail("no ',' or '}'");
  }
  auto number = [&](const char* key) -> uint64_t {
    auto it = fields.find(key);
    ACCMT_CHECK(it != fields.end(), "LoaderState::from_string: no \"", key, "\" in '", text, "'");
    errno = 0;
    uint64_t v = std::strtoull(it->second.c_str(), nullptr, 10);
    ACCMT_CHECK(errno == 0, "LoaderState::from_string: \"", key, "\" = ", it->second, " is out of range");
    return v;
  };
  LoaderState s;
  s.epoch = static_cast<int64_t>(number("epoch"));
  s.batches_seen = static_cast<int64_t>(number("batches_seen"));
  s.seed = number("seed");
  return s;
}

}  // namespace accmt::data
