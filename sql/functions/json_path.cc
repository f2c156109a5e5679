#include "sql/functions/json_path.h"

#include <vector>

namespace strata::sql::functions::internal {
namespace {

bool IsJsonSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

size_t SkipSpace(std::string_view s, size_t i) {
  while (i < s.size() && IsJsonSpace(s[i])) ++i;
  return i;
}

// End (exclusive) of the string starting at the quote at i.
size_t SkipString(std::string_view s, size_t i) {
  ++i;
  while (i < s.size() && s[i] != '"') i += s[i] == '\\' ? 2 : 1;
  return i + 1;
}

// End (exclusive) of the value starting at i.
size_t SkipValue(std::string_view s, size_t i) {
  if (i >= s.size()) return i;
  if (s[i] == '"') return SkipString(s, i);
  if (s[i] == '{' || s[i] == '[') {
    int depth = 0;
    while (i < s.size()) {
      const char c = s[i];
      if (c == '"') {
        i = SkipString(s, i);
        continue;
      }
      if (c == '{' || c == '[') ++depth;
      if (c == '}' || c == ']') {
        if (--depth == 0) return i + 1;
      }
      ++i;
    }
    return i;
  }
  while (i < s.size() && !IsJsonSpace(s[i]) && s[i] != ',' && s[i] != '}' && s[i] != ']') ++i;
  return i;
}

std::string Unescape(std::string_view quoted) {
  std::string out;
  for (size_t i = 1; i + 1 < quoted.size(); ++i) {
    char c = quoted[i];
    if (c != '\\') {
      out.push_back(c);
      continue;
    }
    c = quoted[++i];
    switch (c) {
      case 'b':
        out.push_back('\b');
        break;
      case 'f':
        out.push_back('\f');
        break;
      case 'n':
        out.push_back('\n');
        break;
      case 'r':
        out.push_back('\r');
        break;
      case 't':
        out.push_back('\t');
        break;
      case 'u': {
        auto hex4 = [&](size_t at) {
          uint32_t v = 0;
          for (size_t k = at; k < at + 4 && k < quoted.size(); ++k) {
            const char h = quoted[k];
            v = v * 16 + static_cast<uint32_t>(h <= '9' ? h - '0' : (h | 0x20) - 'a' + 10);
          }
          return v;
        };
        uint32_t cp = hex4(i + 1);
        i += 4;
        if (cp >= 0xD800 && cp <= 0xDBFF && i + 6 < quoted.size() && quoted[i + 1] == '\\') {
          const uint32_t lo = hex4(i + 3);
          cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
          i += 6;
        }
        if (cp < 0x80) {
          out.push_back(static_cast<char>(cp));
        } else if (cp < 0x800) {
          out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
          out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
        } else if (cp < 0x10000) {
          out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
          out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
          out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
        } else {
          out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
          out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
          out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
          out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
        }
        break;
      }
      default:
        out.push_back(c);
        break;
    }
  }
  return out;
}

}  // namespace

std::optional<std::string_view> JsonObjectField(std::string_view json, std::string_view key) {
  size_t i = SkipSpace(json, 0);
  if (i >= json.size() || json[i] != '{') return std::nullopt;
  i = SkipSpace(json, i + 1);
  std::optional<std::string_view> found;
  while (i < json.size() && json[i] == '"') {
    const size_t key_end = SkipString(json, i);
    const std::string_view raw_key = json.substr(i, key_end - i);
    i = SkipSpace(json, key_end);
    i = SkipSpace(json, i + 1);  // ':'
    const size_t value_end = SkipValue(json, i);
    const bool match = raw_key.find('\\') == std::string_view::npos
                           ? raw_key.substr(1, raw_key.size() - 2) == key
                           : Unescape(raw_key) == key;
    if (match) found = json.substr(i, value_end - i);
    i = SkipSpace(json, value_end);
    if (i < json.size() && json[i] == ',') i = SkipSpace(json, i + 1);
  }
  return found;
}

std::optional<std::string_view> JsonArrayElement(std::string_view json, int64_t index) {
  size_t i = SkipSpace(json, 0);
  if (i >= json.size() || json[i] != '[') return std::nullopt;
  i = SkipSpace(json, i + 1);
  std::vector<std::string_view> items;
  while (i < json.size() && json[i] != ']') {
    const size_t end = SkipValue(json, i);
    items.push_back(json.substr(i, end - i));
    i = SkipSpace(json, end);
    if (i < json.size() && json[i] == ',') i = SkipSpace(json, i + 1);
  }
  if (index < 0) index += static_cast<int64_t>(items.size());
  if (index < 0 || index >= static_cast<int64_t>(items.size())) return std::nullopt;
  return items[static_cast<size_t>(index)];
}

std::optional<std::string> JsonValueAsText(std::string_view value) {
  if (value == "null") return std::nullopt;
  if (!value.empty() && value[0] == '"') return Unescape(value);
  return std::string(value);
}

std::string_view JsonTypeOf(std::string_view json) {
  const size_t i = SkipSpace(json, 0);
  if (i >= json.size()) return "null";
  switch (json[i]) {
    case '{':
      return "object";
    case '[':
      return "array";
    case '"':
      return "string";
    case 't':
    case 'f':
      return "boolean";
    case 'n':
      return "null";
    default:
      return "number";
  }
}

}  // namespace strata::sql::functions::internal
