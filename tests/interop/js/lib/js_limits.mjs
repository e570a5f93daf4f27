// What apache-arrow 21 (the version pinned in package.json) cannot do with the
// gold corpus, and why. Each list is checked by a test in gold_baseline.test.mjs
// (the claimed failure must still happen, and nothing else may fail), so a fixed
// apache-arrow shows up as a failing test rather than as silently skipped cases.

/** Gold cases apache-arrow cannot read at all (stream or file). */
export const JS_CANNOT_READ = new Map([
  ['0.17.1/generated_union',
    'written by Arrow 0.17, whose unions still had a validity buffer; apache-arrow knows only the V5 '
    + 'layout (no union validity) and decodes the columns without type ids'],
  ['cpp-21.0.0/generated_list_view', 'apache-arrow has no ListView / LargeListView type ("Unrecognized type: ListView")'],
  ['cpp-21.0.0/generated_run_end_encoded', 'apache-arrow has no RunEndEncoded type ("Unrecognized type: RunEndEncoded")'],
]);

const DUPLICATE_NAMES = 'apache-arrow reads it correctly, but its RecordBatch rebuilds the schema from the '
  + 'columns by name, so fields that share a name are written with the type of the last of them '
  + '(and empty struct child names come out as "null")';

/** Gold cases apache-arrow reads but cannot write back as they were. */
export const JS_CANNOT_REWRITE = new Map([
  ['1.0.0-littleendian/generated_duplicate_fieldnames', `${DUPLICATE_NAMES}: the int8 column "ints" becomes int32`],
  ['cpp-21.0.0/generated_duplicate_fieldnames', `${DUPLICATE_NAMES}: the int8 column "ints" becomes int32`],
  ['1.0.0-littleendian/generated_union', `${DUPLICATE_NAMES}: two columns are named "sparse" and two "dense"; `
    + 'writing the batches throws'],
]);

/** True when `name` has duplicate field names, which apache-arrow's Table merges. */
export const tableMergesFields = (name) => /duplicate_fieldnames|1\.0\.0-littleendian\/generated_union/.test(name);
