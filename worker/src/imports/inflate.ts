// A small raw-DEFLATE decoder (RFC 1951) of our own, for jobs SheetJS cannot do safely: peek at the
// first kilobytes of a worksheet, check a whole entry (size and CRC) before SheetJS inflates it (its
// inflater loops forever on some damaged streams), and hand a big worksheet to a streaming parser in
// windows, so the whole XML never sits in memory.
// Kept, measured (issue 16): workerd's DecompressionStream inflates each write whole with no
// backpressure (a 1.3 MB write of a 200 MB bomb was buffered entirely before it resolved, 2.2 s), and
// fflate's Inflate holds each push's whole output and ran 1.2-3x slower than this (Node, 28 MB sheet)
// in the 4-16 KB pushes that would bound that output.

const LEN_BASE = [3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258];
const LEN_EXTRA = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0];
const DIST_BASE = [
  1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145,
  8193, 12289, 16385, 24577,
];
const DIST_EXTRA = [0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13];
const CODE_LENGTH_ORDER = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15];

export class InflateError extends Error {}

// Codes up to this many bits decode with one table look-up; longer ones bit by bit.
const FAST_BITS = 9;
const FAST_MASK = (1 << FAST_BITS) - 1;

/** Canonical Huffman code: counts per length and symbols in code order, plus the look-up table. */
interface Huffman {
  counts: Uint16Array;
  symbols: Uint16Array;
  /** Indexed by the next FAST_BITS stream bits: symbol << 4 | code length, or 0 for "look further". */
  fast: Uint16Array;
}

function buildHuffman(lengths: ArrayLike<number>, n: number): Huffman {
  const counts = new Uint16Array(16);
  for (let i = 0; i < n; i++) counts[lengths[i]!]!++;
  counts[0] = 0;
  const offsets = new Uint16Array(16);
  for (let len = 1; len < 16; len++) offsets[len] = offsets[len - 1]! + counts[len - 1]!;
  const symbols = new Uint16Array(n);
  for (let i = 0; i < n; i++) {
    const len = lengths[i]!;
    if (len !== 0) symbols[offsets[len]!++] = i;
  }
  // Codes are stored most-significant bit first while the stream is read least-significant first, so
  // each short code fills every table slot whose low bits are its reversed code.
  const fast = new Uint16Array(1 << FAST_BITS);
  const next = new Uint32Array(16);
  let code = 0;
  for (let len = 1; len < 16; len++) {
    code = (code + counts[len - 1]!) << 1;
    next[len] = code;
  }
  for (let sym = 0; sym < n; sym++) {
    const len = lengths[sym]!;
    if (len === 0) continue;
    const c = next[len]!++;
    if (len > FAST_BITS) continue;
    let rev = 0;
    for (let i = 0; i < len; i++) rev |= ((c >>> i) & 1) << (len - 1 - i);
    for (let k = rev; k < fast.length; k += 1 << len) fast[k] = (sym << 4) | len;
  }
  return { counts, symbols, fast };
}

let fixedLit: Huffman | undefined;
let fixedDist: Huffman | undefined;

function fixedTables(): [Huffman, Huffman] {
  if (!fixedLit || !fixedDist) {
    const lengths = new Uint8Array(288);
    lengths.fill(8, 0, 144);
    lengths.fill(9, 144, 256);
    lengths.fill(7, 256, 280);
    lengths.fill(8, 280, 288);
    fixedLit = buildHuffman(lengths, 288);
    fixedDist = buildHuffman(new Uint8Array(30).fill(5), 30);
  }
  return [fixedLit, fixedDist];
}

class Reader {
  private pos = 0;
  private bitBuf = 0;
  private bitCount = 0;

  constructor(private readonly input: Uint8Array) {}

  /** Loads whole bytes until `n` bits are buffered or the input ends; never invents bits. */
  private fill(n: number): void {
    while (this.bitCount < n && this.pos < this.input.length) {
      this.bitBuf |= this.input[this.pos++]! << this.bitCount;
      this.bitCount += 8;
    }
  }

  bits(n: number): number {
    this.fill(n);
    if (this.bitCount < n) throw new InflateError("deflate stream is truncated");
    const v = this.bitBuf & ((1 << n) - 1);
    this.bitBuf >>>= n;
    this.bitCount -= n;
    return v;
  }

  /** Stored blocks start on a byte boundary: drop the partial byte, give back whole buffered bytes. */
  alignToByte(): void {
    this.pos -= this.bitCount >>> 3;
    this.bitBuf = 0;
    this.bitCount = 0;
  }

  byte(): number {
    if (this.pos >= this.input.length) throw new InflateError("deflate stream is truncated");
    return this.input[this.pos++]!;
  }

  decode(h: Huffman): number {
    this.fill(FAST_BITS);
    const hit = h.fast[this.bitBuf & FAST_MASK]!;
    if (hit !== 0) {
      const len = hit & 15;
      if (len > this.bitCount) throw new InflateError("deflate stream is truncated");
      this.bitBuf >>>= len;
      this.bitCount -= len;
      return hit >>> 4;
    }
    // A long code (or an invalid one): walk the canonical code one bit at a time.
    let code = 0;
    let first = 0;
    let index = 0;
    for (let len = 1; len < 16; len++) {
      code |= this.bits(1);
      const count = h.counts[len]!;
      if (code - first < count) return h.symbols[index + code - first]!;
      index += count;
      first = (first + count) << 1;
      code <<= 1;
    }
    throw new InflateError("invalid Huffman code");
  }
}

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

// Neither workerd nor Node 20 exposes CRC-32 (zlib.crc32 is Node 22+), and the entry check needs it.
export function crc32(data: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < data.length; i++) c = CRC_TABLE[(c ^ data[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** Thrown when a stream produces more than it was allowed to: a size lie, i.e. a bomb. */
export class InflateLimitError extends InflateError {}

const WINDOW = 32 * 1024;
/** Output handed on at a time; the buffer holds this plus the window back-references can reach. */
const CHUNK = 64 * 1024;

/**
 * Keeps only the 32 KB window back-references can reach plus one chunk of fresh output, handing each
 * full chunk to `onChunk` (a view that is overwritten afterwards), counting bytes and the CRC-32.
 */
class Chunker {
  private readonly buf = new Uint8Array(WINDOW + CHUNK);
  private pos = 0;
  /** Start of the output not yet handed on. */
  private from = 0;
  total = 0;
  private crc = 0xffffffff;

  constructor(
    private readonly limit: number,
    private readonly onChunk: (chunk: Uint8Array) => void,
  ) {}

  get crc32(): number {
    return (this.crc ^ 0xffffffff) >>> 0;
  }

  push(b: number): void {
    if (++this.total > this.limit) throw new InflateLimitError("stream is longer than declared");
    this.buf[this.pos++] = b;
    if (this.pos === this.buf.length) this.flush();
  }

  copy(distance: number, len: number): void {
    if (distance > this.total) throw new InflateError("distance points before the start");
    const buf = this.buf;
    for (let i = 0; i < len; i++) {
      if (++this.total > this.limit) throw new InflateLimitError("stream is longer than declared");
      buf[this.pos] = buf[this.pos - distance]!;
      if (++this.pos === buf.length) this.flush();
    }
  }

  /** Hands on the fresh output, then keeps its last 32 KB at the start of the buffer. */
  flush(): void {
    const fresh = this.buf.subarray(this.from, this.pos);
    let c = this.crc;
    for (let i = 0; i < fresh.length; i++) c = CRC_TABLE[(c ^ fresh[i]!) & 0xff]! ^ (c >>> 8);
    this.crc = c;
    if (fresh.length > 0) this.onChunk(fresh);
    if (this.pos > WINDOW) {
      this.buf.copyWithin(0, this.pos - WINDOW, this.pos);
      this.pos = WINDOW;
    }
    this.from = this.pos;
  }
}

function readDynamicTables(r: Reader): [Huffman, Huffman] {
  const nLit = r.bits(5) + 257;
  const nDist = r.bits(5) + 1;
  const nCode = r.bits(4) + 4;
  const codeLengths = new Uint8Array(19);
  for (let i = 0; i < nCode; i++) codeLengths[CODE_LENGTH_ORDER[i]!] = r.bits(3);
  const codeHuff = buildHuffman(codeLengths, 19);
  const lengths = new Uint8Array(nLit + nDist);
  let i = 0;
  while (i < nLit + nDist) {
    const sym = r.decode(codeHuff);
    if (sym < 16) {
      lengths[i++] = sym;
      continue;
    }
    let repeat: number;
    let value = 0;
    if (sym === 16) {
      if (i === 0) throw new InflateError("repeat with no previous length");
      value = lengths[i - 1]!;
      repeat = 3 + r.bits(2);
    } else if (sym === 17) {
      repeat = 3 + r.bits(3);
    } else {
      repeat = 11 + r.bits(7);
    }
    if (i + repeat > nLit + nDist) throw new InflateError("too many code lengths");
    lengths.fill(value, i, i + repeat);
    i += repeat;
  }
  return [buildHuffman(lengths.subarray(0, nLit), nLit), buildHuffman(lengths.subarray(nLit), nDist)];
}

/** Decodes the whole stream into `sink`. */
function inflateInto(input: Uint8Array, sink: Chunker): void {
  const r = new Reader(input);
  let last = false;
  while (!last) {
    last = r.bits(1) === 1;
    const type = r.bits(2);
    if (type === 0) {
      r.alignToByte();
      const len = r.byte() | (r.byte() << 8);
      const nlen = r.byte() | (r.byte() << 8);
      if ((len ^ 0xffff) !== nlen) throw new InflateError("stored block length mismatch");
      for (let i = 0; i < len; i++) sink.push(r.byte());
      continue;
    }
    if (type === 3) throw new InflateError("invalid block type");
    const [lit, dist] = type === 1 ? fixedTables() : readDynamicTables(r);
    for (;;) {
      const sym = r.decode(lit);
      if (sym < 256) {
        sink.push(sym);
      } else if (sym === 256) {
        break;
      } else {
        const li = sym - 257;
        if (li >= 29) throw new InflateError("invalid length symbol");
        const len = LEN_BASE[li]! + r.bits(LEN_EXTRA[li]!);
        const di = r.decode(dist);
        if (di >= 30) throw new InflateError("invalid distance symbol");
        sink.copy(DIST_BASE[di]! + r.bits(DIST_EXTRA[di]!), len);
      }
    }
  }
}

/**
 * Decodes a whole stream, handing its output to `onChunk` in pieces of at most 96 KB (views that are
 * reused, so copy what you keep) while holding 96 KB; a consumer that has seen enough throws.
 * Returns the size and CRC-32; throws InflateLimitError past `maxOutput` bytes and InflateError for
 * a damaged stream.
 */
export function inflateChunks(input: Uint8Array, maxOutput: number, onChunk: (chunk: Uint8Array) => void): { size: number; crc32: number } {
  const sink = new Chunker(maxOutput, onChunk);
  inflateInto(input, sink);
  sink.flush();
  return { size: sink.total, crc32: sink.crc32 };
}
