"""Comparing what was put into a table with what came back, judged by pyarrow.

Schemas are compared exactly (types, nullability, field and schema metadata).
Values are compared with pyarrow's own equality after dictionaries are decoded
everywhere (top level, and inside structs, lists, maps, unions, run-end
encoded and extension columns): a reader may hand a dictionary column back
with other dictionaries and indices, and the values are what must not change.
"""

import difflib

import pyarrow as pa
import pyarrow.compute as pc


def type_children(t):
    """The child fields of a type (none for a flat one); a dictionary's values as one child."""
    if pa.types.is_dictionary(t):
        return [pa.field("values", t.value_type)]
    if isinstance(t, pa.BaseExtensionType):
        return [pa.field("storage", t.storage_type)]
    return [t.field(i) for i in range(t.num_fields)]


def has_dictionary(t):
    if pa.types.is_dictionary(t):
        return True
    return any(has_dictionary(f.type) for f in type_children(t))


def _with_type(field, new_type):
    return pa.field(field.name, new_type, field.nullable, field.metadata)


def _null_mask(arr):
    return arr.is_null() if arr.null_count > 0 else None


def _unsliced(arr):
    """A copy at offset 0 (pyarrow's from_arrays take no sliced offsets together with a null mask)."""
    return pa.concat_arrays([arr]) if arr.offset else arr


def decode_dictionaries(arr):
    """`arr` with every dictionary, at any depth, replaced by its values (same rows, same nulls)."""
    t = arr.type
    if not has_dictionary(t):
        return arr
    if pa.types.is_dictionary(t):
        # A null index is a null row whatever the dictionary holds.
        return decode_dictionaries(arr.dictionary).take(arr.indices)
    if isinstance(t, pa.BaseExtensionType):
        return decode_dictionaries(arr.storage)
    if pa.types.is_struct(t):
        children = [decode_dictionaries(arr.field(i)) for i in range(t.num_fields)]
        fields = [_with_type(t.field(i), c.type) for i, c in enumerate(children)]
        return pa.StructArray.from_arrays(children, fields=fields, mask=_null_mask(arr))
    if pa.types.is_map(t):
        keys = decode_dictionaries(arr.keys)
        items = decode_dictionaries(arr.items)
        new_type = pa.map_(_with_type(t.key_field, keys.type), _with_type(t.item_field, items.type), t.keys_sorted)
        return pa.MapArray.from_arrays(_unsliced(arr.offsets), keys, items, type=new_type, mask=_null_mask(arr))
    if pa.types.is_list(t) or pa.types.is_large_list(t):
        values = decode_dictionaries(arr.values)
        make = pa.list_ if pa.types.is_list(t) else pa.large_list
        cls = pa.ListArray if pa.types.is_list(t) else pa.LargeListArray
        return cls.from_arrays(_unsliced(arr.offsets), values, type=make(_with_type(t.value_field, values.type)),
                               mask=_null_mask(arr))
    if pa.types.is_list_view(t) or pa.types.is_large_list_view(t):
        values = decode_dictionaries(arr.values)
        make = pa.list_view if pa.types.is_list_view(t) else pa.large_list_view
        cls = pa.ListViewArray if pa.types.is_list_view(t) else pa.LargeListViewArray
        return cls.from_arrays(_unsliced(arr.offsets), _unsliced(arr.sizes), values,
                               type=make(_with_type(t.value_field, values.type)), mask=_null_mask(arr))
    if pa.types.is_fixed_size_list(t):
        size = t.list_size
        values = decode_dictionaries(arr.values.slice(arr.offset * size, len(arr) * size))
        return pa.FixedSizeListArray.from_arrays(
            values, type=pa.list_(_with_type(t.value_field, values.type), size), mask=_null_mask(arr))
    if pa.types.is_union(t):
        codes = list(t.type_codes)
        names = [t.field(i).name for i in range(t.num_fields)]
        children = [decode_dictionaries(arr.field(i)) for i in range(t.num_fields)]
        if t.mode == "sparse":
            return pa.UnionArray.from_sparse(arr.type_codes, children, names, codes)
        return pa.UnionArray.from_dense(arr.type_codes, arr.offsets, children, names, codes)
    if pa.types.is_run_end_encoded(t):
        return decode_dictionaries(pc.run_end_decode(arr))
    raise TypeError(f"decode_dictionaries: no rule for {t}")


def decoded_table(schema, batches):
    """`batches` as one Table with every dictionary decoded.

    Columns without dictionaries stay as they are, unwrapped: pyarrow cannot
    hand some types to Python as arrays (interval[months], interval[day_time])
    but compares and prints them through the Table.
    """
    table = pa.Table.from_batches(batches, schema=schema)
    if not has_dictionary(pa.struct(list(schema))):
        return table
    columns = []
    for i, f in enumerate(schema):
        if has_dictionary(f.type):
            chunks = [decode_dictionaries(c) for c in table.column(i).chunks] or \
                [decode_dictionaries(table.column(i).combine_chunks())]
            columns.append(pa.chunked_array(chunks))
        else:
            columns.append(table.column(i))
    return pa.Table.from_arrays(columns, names=[f.name for f in schema])


def schema_text(schema):
    return schema.to_string(show_field_metadata=True, show_schema_metadata=True, truncate_metadata=False)


def schema_difference(want, got):
    """None when the schemas are equal with their metadata, else a readable difference."""
    if want.equals(got, check_metadata=True):
        return None
    diff = "\n".join(difflib.unified_diff(schema_text(want).splitlines(), schema_text(got).splitlines(),
                                          "put", "read back", lineterm=""))
    return diff or f"schemas differ (put {want!r}, read back {got!r})"


def values_difference(schema, want_batches, got_batches):
    """None when the rows are equal (dictionaries decoded), else where they first differ."""
    want_rows = sum(b.num_rows for b in want_batches)
    got_rows = sum(b.num_rows for b in got_batches)
    if want_rows != got_rows:
        return f"{want_rows} rows put, {got_rows} read back"
    if want_rows == 0:
        return None
    want = decoded_table(schema, [b for b in want_batches if b.num_rows > 0])
    got = decoded_table(schema, [b for b in got_batches if b.num_rows > 0])
    for i, f in enumerate(schema):
        a, b = want.select([i]), got.select([i])
        if a.equals(b):
            continue
        if a.schema != b.schema:
            return (f"column '{f.name}': decoded types differ ({a.schema.field(0).type} put, "
                    f"{b.schema.field(0).type} read back)")
        for r in range(want_rows):
            if not a.slice(r, 1).equals(b.slice(r, 1)):
                put_text, got_text = _cell(a, r), _cell(b, r)
                if put_text == got_text:  # the printed forms hide the difference: show the stored integers
                    put_text, got_text = _cell(a, r, raw=True), _cell(b, r, raw=True)
                return f"column '{f.name}' row {r}: put {put_text}, read back {got_text}"
        return f"column '{f.name}': differs but no single row does"
    return None


def _cell(table, row, raw=False):
    one = table.slice(row, 1)
    text = one.to_string(preview_cols=1).split("----", 1)[-1].strip()
    if raw:
        try:
            arr = one.column(0).combine_chunks()
            width = arr.type.bit_width
            text += f" (as int{width}: {arr.view(getattr(pa, f'int{width}')()).to_pylist()[0]})"
        except (ValueError, TypeError, KeyError, AttributeError, pa.ArrowException):
            pass
    return text
