// Checks ZIP entries by inflating each once in a small window: the stream must be sound, end at its
// declared size and match its CRC. SheetJS trusts all three, and loops forever on some broken
// streams; and a size that lies would slip past the zip-bomb guard. The streaming sheet reader gets
// its entry's bytes through the same check, and the workbook peek its first kilobytes.
import { crc32, inflateChunks, InflateLimitError } from "./inflate";
import { importError, type ImportFileError } from "./errors";
import { entryPayload, type ZipEntry } from "./zip-guard";

/** Stored entries are handed on in pieces of this size, like inflated ones. */
const STORED_CHUNK = 64 * 1024;

function damaged(name: string): ImportFileError {
  return importError("corrupt", "import_file_part_damaged", { part: name });
}

/**
 * Unpacks one entry, handing its bytes to `onChunk` in pieces (views that are reused) and checking
 * its size and CRC at the end. Throws `corrupt` for a damaged entry and `zip-bomb` for one that
 * inflates far past its declared size; whatever `onChunk` throws (to stop early too) passes through.
 */
export function inflateEntry(bytes: Uint8Array, entry: ZipEntry, onChunk: (chunk: Uint8Array) => void): void {
  const payload = entryPayload(bytes, entry);
  if (!payload) throw damaged(entry.name);
  let size: number;
  let crc: number;
  if (entry.method === 0) {
    for (let at = 0; at < payload.length; at += STORED_CHUNK) onChunk(payload.subarray(at, at + STORED_CHUNK));
    size = payload.length;
    crc = crc32(payload);
  } else if (entry.method === 8) {
    // Past its declared size a stream may just be damaged; far past it, it is a size lie, i.e. a bomb.
    const hardLimit = Math.max(entry.uncompressedSize * 2, entry.uncompressedSize + 1024 * 1024);
    let fromConsumer = false;
    try {
      ({ size, crc32: crc } = inflateChunks(payload, hardLimit, (chunk) => {
        fromConsumer = true;
        onChunk(chunk);
        fromConsumer = false;
      }));
    } catch (e) {
      if (fromConsumer) throw e;
      if (e instanceof InflateLimitError) {
        throw importError("zip-bomb", "import_file_part_bomb", { part: entry.name, size: entry.uncompressedSize });
      }
      throw damaged(entry.name);
    }
  } else {
    throw damaged(entry.name);
  }
  if (size !== entry.uncompressedSize || crc !== entry.crc32) throw damaged(entry.name);
}

/** Ends a peek: thrown by its consumer once the head is full, so nothing past it is inflated. */
const PEEKED = Symbol("peeked");

/** The first `maxBytes` of an entry (a peek: checked against its size and CRC only when it ends within them). */
export function entryHead(bytes: Uint8Array, entry: ZipEntry, maxBytes: number): Uint8Array {
  const head = new Uint8Array(Math.min(maxBytes, entry.uncompressedSize));
  let length = 0;
  try {
    inflateEntry(bytes, entry, (chunk) => {
      const take = Math.min(chunk.length, head.length - length);
      head.set(chunk.subarray(0, take), length);
      length += take;
      if (length === head.length) throw PEEKED;
    });
  } catch (e) {
    if (e !== PEEKED) throw e;
  }
  return head.subarray(0, length);
}

/**
 * Checks every entry `skip` does not exclude (the streaming reader checks its own as it reads them).
 * Throws `corrupt` for a damaged entry and `zip-bomb` for one that inflates far past its declared size.
 */
export function verifyZipEntries(bytes: Uint8Array, entries: ZipEntry[], skip?: (entry: ZipEntry) => boolean): void {
  for (const entry of entries) {
    if (entry.name.endsWith("/") && entry.uncompressedSize === 0) continue;
    if (skip?.(entry)) continue;
    inflateEntry(bytes, entry, () => {});
  }
}
