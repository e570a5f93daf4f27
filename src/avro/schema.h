// Avro schemas (Avro 1.11 specification): parsed from their JSON form into a
// graph of nodes owned by one AvroSchema. Named types (record, enum, fixed)
// are referenced by full name and may refer to themselves: the graph can be
// recursive, which Avro allows and Arrow cannot express (arrow_types.h
// refuses it). Also the Parsing Canonical Form and its 64-bit Rabin
// fingerprint, by which schemas are compared and cached.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace hangar::avro {

enum class AvroType {
  kNull,
  kBoolean,
  kInt,
  kLong,
  kFloat,
  kDouble,
  kBytes,
  kString,
  kRecord,
  kEnum,
  kArray,
  kMap,
  kUnion,
  kFixed
};

std::string_view AvroTypeName(AvroType type);

struct AvroNode;

struct AvroField {
  std::string name;
  const AvroNode* type = nullptr;
  std::optional<std::string> default_json;  // the default value as JSON text, if any
  std::vector<std::string> aliases;
};

// One node of a schema. Which members mean something depends on `type`.
struct AvroNode {
  AvroType type = AvroType::kNull;
  std::string full_name;             // record, enum, fixed: namespace.name
  std::vector<std::string> aliases;  // record, enum, fixed: full names
  std::vector<AvroField> fields;     // record
  std::vector<std::string> symbols;  // enum
  std::optional<std::string> enum_default;
  const AvroNode* items = nullptr;        // array
  const AvroNode* values = nullptr;       // map
  std::vector<const AvroNode*> branches;  // union
  int64_t size = 0;                       // fixed
  std::string logical_type;               // e.g. "decimal", "timestamp-micros"; empty if none
  int32_t precision = 0;                  // decimal
  int32_t scale = 0;                      // decimal

  bool is_named() const { return type == AvroType::kRecord || type == AvroType::kEnum || type == AvroType::kFixed; }
};

class AvroSchema {
 public:
  // Parses a schema's JSON text. Errors say where (the path of names) and what.
  static Result<std::shared_ptr<const AvroSchema>> Parse(std::string_view json);

  const AvroNode& root() const { return *root_; }
  // The Parsing Canonical Form (specification, "Parsing Canonical Form for Schemas").
  std::string CanonicalForm() const;
  // CRC-64-AVRO of the canonical form.
  uint64_t Fingerprint() const;

 private:
  friend class SchemaParser;
  std::vector<std::unique_ptr<AvroNode>> nodes_;  // owns every node
  const AvroNode* root_ = nullptr;
};

// The 64-bit Rabin fingerprint (CRC-64-AVRO) of `bytes`.
uint64_t Fingerprint64(std::string_view bytes);

}  // namespace hangar::avro
