// Reading and writing Arrow IPC with apache-arrow, keeping the schema exactly
// as written (apache-arrow's Table and RecordBatch rebuild their schema by field
// name, which merges fields that share a name, so the reader's schema is used).
import { RecordBatchFileWriter, RecordBatchReader, RecordBatchStreamWriter } from 'apache-arrow';
// Not part of the package's main entry; imported from the same module file that
// the main entry uses, so instanceof works.
import { _InternalEmptyPlaceholderRecordBatch as EmptyPlaceholder } from 'apache-arrow/recordbatch';
import { batchesContent } from './arrow_values.mjs';

/**
 * Reads an IPC stream or file (told apart by the magic): { schema, batches }.
 * For a stream or file without record batches apache-arrow's reader yields one
 * empty placeholder batch that was never written; it is left out here, so that
 * `batches` holds exactly the batches in the bytes.
 */
export function readIpc(bytes) {
  const reader = RecordBatchReader.from(bytes);
  reader.open();
  const { schema } = reader;
  const batches = [...reader].filter((b) => !(b instanceof EmptyPlaceholder));
  return { schema, batches };
}

/** readIpc, then arrow_values.batchesContent. */
export function ipcContent(bytes, options) {
  const { schema, batches } = readIpc(bytes);
  return batchesContent(schema, batches, options);
}

/**
 * Writes `batches` one message each, with RecordBatchStreamWriter or
 * RecordBatchFileWriter; `compressionType` (a CompressionType) compresses
 * bodies with the codec registered for it. The schema is written even when
 * there are no batches.
 */
export function writeIpc(schema, batches, { format = 'stream', compressionType = null } = {}) {
  const Writer = format === 'file' ? RecordBatchFileWriter : RecordBatchStreamWriter;
  const writer = new Writer({ autoDestroy: true, compressionType });
  writer.reset(undefined, schema);
  for (const batch of batches) writer.write(batch);
  writer.finish();
  return writer.toUint8Array(true);
}
