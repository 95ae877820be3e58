// Checks every ZIP entry by inflating it once into a 32 KB window: the stream must be sound, end at
// its declared size and match its CRC. SheetJS trusts all three, and loops forever on some broken
// streams; and a size that lies would slip past the zip-bomb guard.
import { checkDeflate, crc32, InflateLimitError } from "./inflate";
import { importError, type ImportFileError } from "./errors";
import { entryPayload, type ZipEntry } from "./zip-guard";

function damaged(name: string): ImportFileError {
  return importError(
    "corrupt",
    `Файл повреждён: часть «${name}» не распаковывается. Сохраните его в Excel заново.`,
    `The file is damaged: the part "${name}" cannot be unpacked. Save it again from Excel.`,
  );
}

/** Throws `corrupt` for a damaged entry and `zip-bomb` for one that inflates far past its declared size. */
export function verifyZipEntries(bytes: Uint8Array, entries: ZipEntry[]): void {
  for (const entry of entries) {
    if (entry.name.endsWith("/") && entry.uncompressedSize === 0) continue;
    const payload = entryPayload(bytes, entry);
    if (!payload) throw damaged(entry.name);
    let size: number;
    let crc: number;
    if (entry.method === 0) {
      size = payload.length;
      crc = crc32(payload);
    } else if (entry.method === 8) {
      // Past its declared size a stream may just be damaged; far past it, it is a size lie, i.e. a bomb.
      const hardLimit = Math.max(entry.uncompressedSize * 2, entry.uncompressedSize + 1024 * 1024);
      try {
        ({ size, crc32: crc } = checkDeflate(payload, hardLimit));
      } catch (e) {
        if (e instanceof InflateLimitError) {
          throw importError(
            "zip-bomb",
            `Файл отклонён: часть «${entry.name}» распаковывается намного больше заявленного размера ` +
              `(${entry.uncompressedSize} байт). Такие архивы не распаковываем.`,
            `The file was refused: the part "${entry.name}" unpacks far past its declared size ` +
              `(${entry.uncompressedSize} bytes). Such archives are not unpacked.`,
          );
        }
        throw damaged(entry.name);
      }
    } else {
      throw damaged(entry.name);
    }
    if (size !== entry.uncompressedSize || crc !== entry.crc32) throw damaged(entry.name);
  }
}
