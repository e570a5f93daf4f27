#include "objstore/xml_reader.h"

#include <cstdint>

namespace hangar::objstore {
namespace {

Status Malformed(std::string_view why) { return Status::Invalid("malformed XML from the bucket: " + std::string(why)); }

bool IsNameEnd(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '/' || c == '>'; }

// One piece of markup starting at a '<'.
struct Tag {
  enum Kind { kStart, kEnd, kEmpty, kOther } kind = kOther;
  std::string_view name;
  size_t end = 0;  // just past the closing '>'
};

Result<Tag> ReadTag(std::string_view text, size_t at) {
  Tag tag;
  auto skip_to = [&](std::string_view terminator) -> Result<Tag> {
    const size_t close = text.find(terminator, at);
    if (close == std::string_view::npos) return Malformed("unterminated markup");
    tag.end = close + terminator.size();
    return tag;
  };
  if (text.substr(at, 4) == "<!--") return skip_to("-->");
  if (text.substr(at, 2) == "<?") return skip_to("?>");
  if (text.substr(at, 2) == "<!") return skip_to(">");
  size_t i = at + 1;
  tag.kind = Tag::kStart;
  if (i < text.size() && text[i] == '/') {
    tag.kind = Tag::kEnd;
    ++i;
  }
  const size_t name_start = i;
  while (i < text.size() && !IsNameEnd(text[i])) ++i;
  tag.name = text.substr(name_start, i - name_start);
  if (tag.name.empty()) return Malformed("a tag without a name");
  // Attributes: a quoted value may hold '>' or '/'.
  char quote = 0;
  for (; i < text.size(); ++i) {
    const char c = text[i];
    if (quote) {
      if (c == quote) quote = 0;
    } else if (c == '"' || c == '\'') {
      quote = c;
    } else if (c == '>') {
      if (tag.kind == Tag::kStart && text[i - 1] == '/') tag.kind = Tag::kEmpty;
      tag.end = i + 1;
      return tag;
    }
  }
  return Malformed("unterminated tag <" + std::string(tag.name) + ">");
}

// From just past a start tag: the position of its matching end tag's '<'
// and the position just past that end tag.
Result<std::pair<size_t, size_t>> FindEnd(std::string_view text, size_t from, std::string_view name) {
  int depth = 0;
  size_t at = from;
  while (true) {
    at = text.find('<', at);
    if (at == std::string_view::npos) return Malformed("<" + std::string(name) + "> is never closed");
    HANGAR_ASSIGN_OR_RETURN(Tag tag, ReadTag(text, at));
    if (tag.kind == Tag::kStart) {
      ++depth;
    } else if (tag.kind == Tag::kEnd) {
      if (depth == 0) {
        if (tag.name != name)
          return Malformed("<" + std::string(name) + "> closed by </" + std::string(tag.name) + ">");
        return std::make_pair(at, tag.end);
      }
      --depth;
    }
    at = tag.end;
  }
}

// Appends the UTF-8 encoding of `code`.
bool AppendUtf8(uint32_t code, std::string* out) {
  if (code < 0x80) {
    out->push_back(static_cast<char>(code));
  } else if (code < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (code >> 6)));
    out->push_back(static_cast<char>(0x80 | (code & 0x3F)));
  } else if (code < 0x10000) {
    if (code >= 0xD800 && code < 0xE000) return false;
    out->push_back(static_cast<char>(0xE0 | (code >> 12)));
    out->push_back(static_cast<char>(0x80 | ((code >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (code & 0x3F)));
  } else if (code < 0x110000) {
    out->push_back(static_cast<char>(0xF0 | (code >> 18)));
    out->push_back(static_cast<char>(0x80 | ((code >> 12) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | ((code >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (code & 0x3F)));
  } else {
    return false;
  }
  return true;
}

}  // namespace

Result<std::vector<std::string_view>> XmlChildren(std::string_view parent, std::string_view name) {
  std::vector<std::string_view> children;
  size_t at = 0;
  while ((at = parent.find('<', at)) != std::string_view::npos) {
    HANGAR_ASSIGN_OR_RETURN(Tag tag, ReadTag(parent, at));
    switch (tag.kind) {
      case Tag::kOther: at = tag.end; break;
      case Tag::kEnd: return Malformed("</" + std::string(tag.name) + "> without its start");
      case Tag::kEmpty:
        if (tag.name == name) children.push_back(parent.substr(tag.end, 0));
        at = tag.end;
        break;
      case Tag::kStart: {
        HANGAR_ASSIGN_OR_RETURN(auto end, FindEnd(parent, tag.end, tag.name));
        if (tag.name == name) children.push_back(parent.substr(tag.end, end.first - tag.end));
        at = end.second;
        break;
      }
    }
  }
  return children;
}

Result<std::optional<std::string_view>> XmlChild(std::string_view parent, std::string_view name) {
  HANGAR_ASSIGN_OR_RETURN(auto children, XmlChildren(parent, name));
  if (children.empty()) return std::optional<std::string_view>();
  return std::optional<std::string_view>(children.front());
}

Result<std::string> XmlText(std::string_view contents) {
  std::string out;
  out.reserve(contents.size());
  for (size_t i = 0; i < contents.size(); ++i) {
    const char c = contents[i];
    if (c == '<') return Malformed("markup inside a text element");
    if (c != '&') {
      out.push_back(c);
      continue;
    }
    const size_t semi = contents.find(';', i);
    if (semi == std::string_view::npos) return Malformed("an unterminated entity");
    const std::string_view entity = contents.substr(i + 1, semi - i - 1);
    if (entity == "amp") {
      out.push_back('&');
    } else if (entity == "lt") {
      out.push_back('<');
    } else if (entity == "gt") {
      out.push_back('>');
    } else if (entity == "quot") {
      out.push_back('"');
    } else if (entity == "apos") {
      out.push_back('\'');
    } else if (entity.size() >= 2 && entity[0] == '#') {
      const bool hex = entity[1] == 'x' || entity[1] == 'X';
      const std::string_view digits = entity.substr(hex ? 2 : 1);
      if (digits.empty() || digits.size() > 8) return Malformed("a bad character reference");
      uint32_t code = 0;
      for (char d : digits) {
        int v;
        if (d >= '0' && d <= '9') {
          v = d - '0';
        } else if (hex && d >= 'a' && d <= 'f') {
          v = d - 'a' + 10;
        } else if (hex && d >= 'A' && d <= 'F') {
          v = d - 'A' + 10;
        } else {
          return Malformed("a bad character reference");
        }
        code = code * (hex ? 16 : 10) + static_cast<uint32_t>(v);
      }
      if (!AppendUtf8(code, &out)) return Malformed("a character reference out of range");
    } else {
      return Malformed("an unknown entity &" + std::string(entity) + ";");
    }
    i = semi;
  }
  return out;
}

}  // namespace hangar::objstore
