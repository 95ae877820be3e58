// A small raw-DEFLATE decoder (RFC 1951) that stops at an output budget, so we can peek at the
// first kilobytes of a worksheet without inflating all of it. Not fast: meant for small reads only.

const LEN_BASE = [3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258];
const LEN_EXTRA = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0];
const DIST_BASE = [
  1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145,
  8193, 12289, 16385, 24577,
];
const DIST_EXTRA = [0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13];
const CODE_LENGTH_ORDER = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15];

export class InflateError extends Error {}

/** Canonical Huffman code as counts per length and symbols in code order. */
interface Huffman {
  counts: Uint16Array;
  symbols: Uint16Array;
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
  return { counts, symbols };
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

  bits(n: number): number {
    while (this.bitCount < n) {
      if (this.pos >= this.input.length) throw new InflateError("deflate stream is truncated");
      this.bitBuf |= this.input[this.pos++]! << this.bitCount;
      this.bitCount += 8;
    }
    const v = this.bitBuf & ((1 << n) - 1);
    this.bitBuf >>>= n;
    this.bitCount -= n;
    return v;
  }

  alignToByte(): void {
    this.bitBuf = 0;
    this.bitCount = 0;
  }

  byte(): number {
    if (this.pos >= this.input.length) throw new InflateError("deflate stream is truncated");
    return this.input[this.pos++]!;
  }

  decode(h: Huffman): number {
    // Huffman codes are packed most-significant bit first, one bit at a time.
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

class Output {
  buf: Uint8Array;
  length = 0;

  constructor(private readonly limit: number) {
    this.buf = new Uint8Array(Math.min(limit, 64 * 1024));
  }

  get full(): boolean {
    return this.length >= this.limit;
  }

  private grow(): void {
    const next = new Uint8Array(Math.min(this.limit, this.buf.length * 2));
    next.set(this.buf.subarray(0, this.length));
    this.buf = next;
  }

  push(b: number): void {
    if (this.length === this.buf.length) this.grow();
    this.buf[this.length++] = b;
  }

  copy(distance: number, len: number): void {
    if (distance > this.length) throw new InflateError("distance points before the start");
    for (let i = 0; i < len && !this.full; i++) this.push(this.buf[this.length - distance]!);
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

/**
 * Inflates a raw DEFLATE stream, stopping once `maxOutput` bytes are produced.
 * `complete` is false when the budget cut the stream short.
 */
export function inflateRaw(input: Uint8Array, maxOutput: number): { data: Uint8Array; complete: boolean } {
  const r = new Reader(input);
  const out = new Output(Math.max(1, maxOutput));
  let last = false;
  while (!last) {
    if (out.full) return { data: out.buf.subarray(0, out.length), complete: false };
    last = r.bits(1) === 1;
    const type = r.bits(2);
    if (type === 0) {
      r.alignToByte();
      const len = r.byte() | (r.byte() << 8);
      const nlen = r.byte() | (r.byte() << 8);
      if ((len ^ 0xffff) !== nlen) throw new InflateError("stored block length mismatch");
      for (let i = 0; i < len && !out.full; i++) out.push(r.byte());
      continue;
    }
    if (type === 3) throw new InflateError("invalid block type");
    const [lit, dist] = type === 1 ? fixedTables() : readDynamicTables(r);
    for (;;) {
      if (out.full) return { data: out.buf.subarray(0, out.length), complete: false };
      const sym = r.decode(lit);
      if (sym < 256) {
        out.push(sym);
      } else if (sym === 256) {
        break;
      } else {
        const li = sym - 257;
        if (li >= 29) throw new InflateError("invalid length symbol");
        const len = LEN_BASE[li]! + r.bits(LEN_EXTRA[li]!);
        const di = r.decode(dist);
        if (di >= 30) throw new InflateError("invalid distance symbol");
        out.copy(DIST_BASE[di]! + r.bits(DIST_EXTRA[di]!), len);
      }
    }
  }
  return { data: out.buf.subarray(0, out.length), complete: true };
}
