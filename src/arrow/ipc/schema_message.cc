#include "arrow/ipc/schema_message.h"

#include "arrow/ipc/decoder.h"
#include "arrow/ipc/encoder.h"
#include "arrow/ipc/io.h"
#include "arrow/ipc/message.h"
#include "arrow/ipc/writer.h"

namespace hangar::arrow::ipc {

Result<std::string> SerializeSchema(const Schema& schema) {
  StreamEncoder encoder(std::make_shared<Schema>(schema), {});
  HANGAR_ASSIGN_OR_RETURN(auto message, encoder.EncodeSchema());
  StringOutputStream out;
  HANGAR_RETURN_NOT_OK(WriteMessage(&out, message).status());
  return std::move(out.str());
}

Result<SchemaPtr> DeserializeSchema(std::string_view bytes) {
  BufferInputStream in(Buffer::CopyOf(bytes));
  HANGAR_ASSIGN_OR_RETURN(auto message, ReadMessage(&in, {}));
  if (!message.has_value()) return Status::Invalid("schema bytes hold no IPC message");
  StreamDecoder decoder;
  HANGAR_ASSIGN_OR_RETURN(auto decoded, decoder.Consume(*message));
  if (decoded.kind != StreamDecoder::Kind::kSchema)
    return Status::Invalid("schema bytes hold an IPC message that is not a Schema");
  return decoder.schema();
}

}  // namespace hangar::arrow::ipc
