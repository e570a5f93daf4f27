#include "arrow/layout.h"

#include "arrow/array_access.h"
#include "arrow/builder_binary.h"

namespace hangar::arrow {

namespace {

// 1 for the string family, 2 for binary, 0 for the rest.
int Family(TypeId id) {
  switch (id) {
    case TypeId::kUtf8:
    case TypeId::kLargeUtf8:
    case TypeId::kUtf8View: return 1;
    case TypeId::kBinary:
    case TypeId::kLargeBinary:
    case TypeId::kBinaryView: return 2;
    default: return 0;
  }
}

template <typename Builder>
Result<ArrayPtr> Rebuild(const Array& array, const TypePtr& to) {
  Builder builder(to);
  builder.Reserve(array.length);
  for (int64_t i = 0; i < array.length; ++i) {
    if (array.IsNull(i))
      builder.AppendNull();
    else
      builder.Append(BinaryValue(array, i));
  }
  return builder.Finish();
}

}  // namespace

bool SameValuesInOtherLayout(const DataType& from, const DataType& to) {
  if (from.Equals(to)) return true;
  if (Family(from.id()) != 0) return Family(from.id()) == Family(to.id());
  if (from.id() != TypeId::kStruct || to.id() != TypeId::kStruct || from.num_children() != to.num_children())
    return false;
  for (int i = 0; i < from.num_children(); ++i) {
    const Field& a = *from.child(i);
    const Field& b = *to.child(i);
    if (a.name() != b.name() || a.nullable() != b.nullable() || !MetadataEquals(a.metadata(), b.metadata()) ||
        !SameValuesInOtherLayout(*a.type(), *b.type()))
      return false;
  }
  return true;
}

Result<ArrayPtr> ToLayout(const ArrayPtr& array, const TypePtr& to) {
  if (array->type->Equals(*to)) return array;
  if (!SameValuesInOtherLayout(*array->type, *to))
    return Status::Invalid("cannot change " + array->type->ToString() + " into " + to->ToString());
  switch (to->id()) {
    case TypeId::kUtf8:
    case TypeId::kBinary: return Rebuild<BinaryBuilder>(*array, to);
    case TypeId::kLargeUtf8:
    case TypeId::kLargeBinary: return Rebuild<LargeBinaryBuilder>(*array, to);
    case TypeId::kUtf8View:
    case TypeId::kBinaryView: return Rebuild<BinaryViewBuilder>(*array, to);
    default: break;
  }
  // A struct: its validity stays, each child changes layout (sliced as the struct is).
  std::vector<ArrayPtr> children;
  for (int i = 0; i < to->num_children(); ++i) {
    HANGAR_ASSIGN_OR_RETURN(auto child,
                            ToLayout(array->children[i]->Slice(array->offset, array->length), to->child(i)->type()));
    children.push_back(std::move(child));
  }
  BufferPtr validity = array->null_count() == 0 ? nullptr : array->buffers[0];
  if (validity != nullptr && array->offset != 0) {
    // Children now start at 0; the validity bitmap must as well.
    MutableBuffer bits;
    bits.Resize((array->length + 7) / 8);
    for (int64_t i = 0; i < array->length; ++i) bit::SetTo(bits.data(), i, array->IsValid(i));
    validity = bits.Finish();
  }
  return MakeArray(to, array->length, {validity}, std::move(children), array->null_count());
}

}  // namespace hangar::arrow
