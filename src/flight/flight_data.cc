#include "flight/flight_data.h"

#include <grpc/slice.h>
#include <grpcpp/support/slice.h>

#include <atomic>
#include <cstring>

#include "flight/protocol.h"
#include "flight/status_mapping.h"

namespace hangar::flight {

namespace {

// Protobuf wire format: tag = field number << 3 | wire type (2: bytes).
constexpr uint32_t kDescriptorTag = (1 << 3) | 2;
constexpr uint32_t kDataHeaderTag = (2 << 3) | 2;
constexpr uint32_t kAppMetadataTag = (3 << 3) | 2;
constexpr uint32_t kDataBodyTag = (1000 << 3) | 2;

// Body pieces below this size are copied into the packed slice: a slice per
// eight-byte validity bitmap would cost more than the copy.
constexpr int64_t kMinZeroCopyPiece = 4096;

// Received bodies below this size are copied out of gRPC's slice: a view
// keeps the whole slice alive (gRPC reads into slices of up to 64 KiB, which
// the messages of a burst share), and a small batch may live long, as in a
// memtable. A hundred thousand one-row batches viewed so pinned gigabytes.
constexpr uint64_t kMinViewedBody = 32 << 10;

std::atomic<int64_t> g_bodies_viewed{0};
std::atomic<int64_t> g_bodies_gathered{0};
std::atomic<int64_t> g_bodies_copied{0};
std::atomic<int64_t> g_bytes_gathered{0};
std::atomic<int64_t> g_slices{0};

void PutVarint(std::string* out, uint64_t v) {
  while (v >= 0x80) {
    out->push_back(static_cast<char>(v | 0x80));
    v >>= 7;
  }
  out->push_back(static_cast<char>(v));
}

void PutBytesField(std::string* out, uint32_t tag, std::string_view bytes) {
  PutVarint(out, tag);
  PutVarint(out, bytes.size());
  out->append(bytes);
}

// A gRPC slice that points at `buffer` and holds a reference to it until gRPC
// is done with the bytes.
grpc::Slice SliceOf(const arrow::BufferPtr& buffer) {
  // gRPC's C API takes ownership through a void* and a destroy callback.
  auto holder = std::make_unique<arrow::BufferPtr>(buffer);
  grpc_slice slice = grpc_slice_new_with_user_data(
      const_cast<uint8_t*>(buffer->data()), static_cast<size_t>(buffer->size()),
      [](void* p) { delete static_cast<arrow::BufferPtr*>(p); }, holder.get());
  holder.release();  // now owned by the slice
  return grpc::Slice(slice, grpc::Slice::STEAL_REF);
}

// Reads protobuf fields across the slices of a received message.
class SliceCursor {
 public:
  explicit SliceCursor(std::vector<grpc::Slice> slices) : slices_(std::move(slices)) {
    for (const auto& slice : slices_) remaining_ += slice.size();
    SkipEmpty();
  }

  bool AtEnd() const { return index_ == slices_.size(); }

  // A varint of at most `max_bytes` bytes (10 for 64 bits; protobuf reads
  // tags and lengths as 32-bit varints of at most 5).
  bool ReadVarint(uint64_t* v, int max_bytes = 10) {
    *v = 0;
    for (int shift = 0; shift < 7 * max_bytes; shift += 7) {
      if (AtEnd()) return false;
      const uint8_t byte = slices_[index_].begin()[offset_];
      Advance(1);
      *v |= static_cast<uint64_t>(byte & 0x7f) << shift;
      if ((byte & 0x80) == 0) return true;
    }
    return false;
  }

  // The next `n` bytes: a view of the slice when they lie in one, otherwise
  // gathered into a new buffer.
  arrow::BufferPtr Take(uint64_t n, bool* gathered) {
    *gathered = false;
    if (n == 0) return std::make_shared<arrow::Buffer>(nullptr, 0, nullptr);
    // A length beyond the message is refused before anything is allocated:
    // ten bytes must not make the server reserve gigabytes.
    if (AtEnd() || n > remaining_) return nullptr;
    const grpc::Slice& slice = slices_[index_];
    if (slice.size() - offset_ >= n) {
      auto owner = std::make_shared<grpc::Slice>(slice);
      auto view = std::make_shared<arrow::Buffer>(owner->begin() + offset_, static_cast<int64_t>(n), owner);
      Advance(n);
      return view;
    }
    uint8_t* dst = nullptr;
    arrow::BufferPtr out = arrow::AllocateBufferForOverwrite(static_cast<int64_t>(n), &dst);
    uint64_t done = 0;
    while (done < n) {
      if (AtEnd()) return nullptr;
      const grpc::Slice& s = slices_[index_];
      const uint64_t chunk = std::min<uint64_t>(n - done, s.size() - offset_);
      std::memcpy(dst + done, s.begin() + offset_, chunk);
      done += chunk;
      Advance(chunk);
    }
    *gathered = true;
    return out;
  }

  bool Skip(uint64_t n) {
    while (n > 0) {
      if (AtEnd()) return false;
      const uint64_t chunk = std::min<uint64_t>(n, slices_[index_].size() - offset_);
      Advance(chunk);
      n -= chunk;
    }
    return true;
  }

 private:
  void Advance(uint64_t n) {
    offset_ += n;
    remaining_ -= n;
    if (offset_ == slices_[index_].size()) {
      ++index_;
      offset_ = 0;
      SkipEmpty();
    }
  }
  void SkipEmpty() {
    while (index_ < slices_.size() && slices_[index_].size() == 0) ++index_;
  }

  std::vector<grpc::Slice> slices_;
  uint64_t remaining_ = 0;  // bytes not yet read, in every slice
  size_t index_ = 0;
  size_t offset_ = 0;
};

grpc::Status Malformed(const std::string& what) {
  return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "malformed FlightData: " + what);
}

}  // namespace

int64_t FlightData::body_size() const {
  int64_t n = 0;
  for (const auto& piece : body) n += piece->size();
  return n;
}

arrow::BufferPtr FlightData::ContiguousBody() const {
  if (body.empty()) return std::make_shared<arrow::Buffer>(nullptr, 0, nullptr);
  if (body.size() == 1) return body[0];
  uint8_t* dst = nullptr;
  arrow::BufferPtr out = arrow::AllocateBufferForOverwrite(body_size(), &dst);
  for (const auto& piece : body) {
    if (piece->size() > 0) std::memcpy(dst, piece->data(), static_cast<size_t>(piece->size()));
    dst += piece->size();
  }
  return out;
}

ReceiveStats GetReceiveStats() {
  return {g_bodies_viewed.load(), g_bodies_gathered.load(), g_bytes_gathered.load(), g_slices.load(),
          g_bodies_copied.load()};
}

}  // namespace hangar::flight

using hangar::flight::FlightData;

grpc::Status grpc::SerializationTraits<FlightData>::Serialize(const FlightData& message, grpc::ByteBuffer* out,
                                                              bool* own_buffer) {
  using namespace hangar::flight;
  std::string packed;
  if (message.descriptor) {
    pb::FlightDescriptor descriptor;
    ToProto(*message.descriptor, &descriptor);
    PutBytesField(&packed, kDescriptorTag, descriptor.SerializeAsString());
  }
  if (message.data_header) PutBytesField(&packed, kDataHeaderTag, message.data_header->view());
  if (message.app_metadata) PutBytesField(&packed, kAppMetadataTag, message.app_metadata->view());

  std::vector<grpc::Slice> slices;
  const int64_t body_size = message.body_size();
  if (body_size > 0) {
    PutVarint(&packed, kDataBodyTag);
    PutVarint(&packed, static_cast<uint64_t>(body_size));
    for (const auto& piece : message.body) {
      if (piece->size() < kMinZeroCopyPiece) {
        packed.append(piece->view());
        continue;
      }
      if (!packed.empty()) {
        slices.emplace_back(packed.data(), packed.size());  // copies
        packed.clear();
      }
      slices.push_back(SliceOf(piece));
    }
  }
  if (!packed.empty() || slices.empty()) slices.emplace_back(packed.data(), packed.size());
  *out = grpc::ByteBuffer(slices.data(), slices.size());
  *own_buffer = true;
  return grpc::Status::OK;
}

namespace {

grpc::Status ParseFlightData(grpc::ByteBuffer* in, FlightData* message) {
  using namespace hangar::flight;
  std::vector<grpc::Slice> slices;
  grpc::Status dumped = in->Dump(&slices);
  in->Clear();
  if (!dumped.ok()) return dumped;
  *message = FlightData();
  const int64_t slice_count = static_cast<int64_t>(slices.size());
  SliceCursor cursor(std::move(slices));
  std::string descriptor_bytes;
  bool has_descriptor = false;
  while (!cursor.AtEnd()) {
    uint64_t tag = 0;
    if (!cursor.ReadVarint(&tag, 5) || tag > 0xFFFFFFFF) return Malformed("truncated or overlong field tag");
    // Protobuf numbers fields from 1 to 2^29 - 1 and refuses any other.
    if ((tag >> 3) == 0 || (tag >> 3) > 0x1FFFFFFF)
      return Malformed("field number " + std::to_string(tag >> 3) + " is not valid");
    const uint32_t wire_type = tag & 7;
    if (wire_type != 2) {
      // Unknown scalar fields are skipped, as protobuf would.
      uint64_t ignored = 0;
      if (wire_type == 0 && cursor.ReadVarint(&ignored)) continue;
      if (wire_type == 1 && cursor.Skip(8)) continue;
      if (wire_type == 5 && cursor.Skip(4)) continue;
      return Malformed("field " + std::to_string(tag >> 3) + " has unsupported wire type " + std::to_string(wire_type));
    }
    uint64_t length = 0;
    if (!cursor.ReadVarint(&length, 5) || length > 0x7FFFFFFF)
      return Malformed("truncated or overlong length of field " + std::to_string(tag >> 3));
    bool gathered = false;
    hangar::arrow::BufferPtr bytes = cursor.Take(length, &gathered);
    if (bytes == nullptr) return Malformed("field " + std::to_string(tag >> 3) + " is cut short");
    switch (tag) {
      case kDescriptorTag: {
        // A message field that occurs twice is merged, as protobuf does:
        // each occurrence must parse alone, and then the result is as if
        // their encodings were one (later scalars win, even zeros; repeated
        // fields append).
        if (!pb::FlightDescriptor().ParseFromArray(bytes->data(), static_cast<int>(bytes->size())))
          return Malformed("flight_descriptor does not parse");
        descriptor_bytes.append(bytes->view());
        has_descriptor = true;
        break;
      }
      case kDataHeaderTag: message->data_header = std::move(bytes); break;
      case kAppMetadataTag: message->app_metadata = std::move(bytes); break;
      case kDataBodyTag:
        g_slices.fetch_add(slice_count, std::memory_order_relaxed);
        if (gathered) {
          g_bodies_gathered.fetch_add(1, std::memory_order_relaxed);
          g_bytes_gathered.fetch_add(static_cast<int64_t>(length), std::memory_order_relaxed);
        } else if (length > 0 && length < kMinViewedBody) {
          bytes = hangar::arrow::Buffer::CopyOf(bytes->view());
          g_bodies_copied.fetch_add(1, std::memory_order_relaxed);
        } else if (length > 0) {
          g_bodies_viewed.fetch_add(1, std::memory_order_relaxed);
        }
        message->body.assign(1, std::move(bytes));
        break;
      default: break;  // unknown length-delimited field: skipped
    }
  }
  if (has_descriptor) {
    pb::FlightDescriptor descriptor;
    if (!descriptor.ParseFromString(descriptor_bytes)) return Malformed("flight_descriptor does not parse");
    auto converted = FromProto(descriptor);
    if (!converted.ok()) return Malformed(converted.status().message());
    message->descriptor = std::move(converted).value();
  }
  return grpc::Status::OK;
}

}  // namespace

grpc::Status grpc::SerializationTraits<FlightData>::Deserialize(grpc::ByteBuffer* in, FlightData* message) {
  grpc::Status status = ParseFlightData(in, message);
  if (!status.ok()) message->wire_status = hangar::flight::FromGrpcStatus(status);
  return status;
}
