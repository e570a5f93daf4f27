// Just enough XML for S3's answers: the bodies of ListObjectsV2,
// InitiateMultipartUpload and error responses.
//
// These documents are flat records of known elements with text content; no
// DTDs, processing instructions that matter, CDATA or mixed content. So the
// reader does not build a tree: it finds an element's children by name in
// the text of their parent, which is all a caller needs ("each <Contents> of
// the result, then its <Key> and <Size>"). Attributes are skipped, comments
// and the <?xml ...?> declaration are stepped over, and text is returned
// with the five predefined entities and numeric character references decoded.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace hangar::objstore {

// The contents (between the start and end tags) of each direct child element
// of `parent` named `name`, in document order. `parent` is the contents of an
// element, or a whole document (whose one child is its root element). An
// empty element (<a/> or <a></a>) has empty contents. Malformed text (a tag
// never closed) is kInvalidArgument.
Result<std::vector<std::string_view>> XmlChildren(std::string_view parent, std::string_view name);

// The first such child's contents; nullopt when there is none.
Result<std::optional<std::string_view>> XmlChild(std::string_view parent, std::string_view name);

// The text of an element's contents with entities decoded; markup inside
// (which S3's text elements never have) is kInvalidArgument.
Result<std::string> XmlText(std::string_view contents);

}  // namespace hangar::objstore
