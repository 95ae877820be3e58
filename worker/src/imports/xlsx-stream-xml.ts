// An incremental, forgiving XML tokenizer over UTF-8 bytes, enough for SpreadsheetML parts: it
// reports start tags, end tags (by local name, namespace prefix dropped) and raw text, and carries
// only the one token that straddles two chunks, so a part of any size passes in constant memory.
// Plus the text decoding every reader of those parts needs.

export class XmlError extends Error {}

const LT = 0x3c;
const GT = 0x3e;
const SLASH = 0x2f;
const BANG = 0x21;
const QMARK = 0x3f;
const QUOT = 0x22;
const APOS = 0x27;
const COLON = 0x3a;
const EQ = 0x3d;

/** A tag, comment or CDATA section that grows past this without ending is not a spreadsheet. */
const MAX_TOKEN = 4 * 1024 * 1024;

function isSpace(b: number): boolean {
  return b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09;
}

const utf8 = new TextDecoder("utf-8", { fatal: false, ignoreBOM: true });

/** UTF-8 bytes to a string; bad bytes become U+FFFD, as SheetJS's own decoding does. */
export function decodeUtf8(buf: Uint8Array, start: number, end: number): string {
  return utf8.decode(buf.subarray(start, end));
}

/** The attributes of the start tag being reported; valid only during the `open` call. */
export class Tag {
  bytes: Uint8Array = new Uint8Array(0);
  private start = 0;
  private end = 0;
  /** Where the value of the attribute `has` last found lies in `bytes`. */
  valueStart = 0;
  valueEnd = 0;

  set(buf: Uint8Array, start: number, end: number): void {
    this.bytes = buf;
    this.start = start;
    this.end = end;
  }

  /** Finds the attribute with this local name (any namespace prefix dropped). */
  has(name: string): boolean {
    const b = this.bytes;
    let i = this.start;
    const end = this.end;
    while (i < end) {
      while (i < end && isSpace(b[i]!)) i++;
      const nameStart = i;
      let local = i;
      while (i < end && b[i] !== EQ && !isSpace(b[i]!)) {
        if (b[i] === COLON) local = i + 1;
        i++;
      }
      const nameEnd = i;
      while (i < end && isSpace(b[i]!)) i++;
      if (i >= end || b[i] !== EQ) return false;
      i++;
      while (i < end && isSpace(b[i]!)) i++;
      const quote = b[i];
      if (quote !== QUOT && quote !== APOS) return false;
      const valueStart = ++i;
      while (i < end && b[i] !== quote) i++;
      if (i >= end) return false;
      if (nameEnd > nameStart && sameName(b, local, nameEnd, name)) {
        this.valueStart = valueStart;
        this.valueEnd = i;
        return true;
      }
      i++;
    }
    return false;
  }

  /** The raw value (entities undecoded) of the attribute with this local name, or null. */
  attr(name: string): string | null {
    return this.has(name) ? decodeUtf8(this.bytes, this.valueStart, this.valueEnd) : null;
  }
}

/** Whether bytes `start..end` of `b` spell `name`. */
export function sameName(b: Uint8Array, start: number, end: number, name: string): boolean {
  if (end - start !== name.length) return false;
  for (let k = 0; k < name.length; k++) if (b[start + k] !== name.charCodeAt(k)) return false;
  return true;
}

/** What a tokenizer reports. Byte views are valid only during the call. */
export interface XmlHandler {
  /** A start tag; `id` is its local name's index in the tokenizer's `names`, or -1. */
  open(id: number, tag: Tag, selfClosing: boolean): void;
  close(id: number): void;
  /** Character data as it stands: entities undecoded, a CDATA section with its markers. */
  text(buf: Uint8Array, start: number, end: number): void;
  /** Once true, the rest of the input is skipped. */
  readonly done?: boolean;
}

export class XmlTokenizer {
  private carry = new Uint8Array(64 * 1024);
  private carryLength = 0;
  private readonly tag = new Tag();
  /**
   * How far into the carried (incomplete) token the last scan already looked, and the quote it was
   * in: the next chunk resumes there, so a long token arriving in many chunks is read once, not
   * once per chunk.
   */
  private resume = 0;
  private resumeQuote = 0;

  /** `names`: the local element names the handler tells apart, reported by index. */
  constructor(
    private readonly names: readonly string[],
    private readonly handler: XmlHandler,
  ) {}

  write(chunk: Uint8Array): void {
    if (this.handler.done) return;
    let buf = chunk;
    if (this.carryLength === 0) this.resume = 0;
    if (this.carryLength > 0) {
      const n = this.carryLength + chunk.length;
      if (this.carry.length < n) this.grow(n);
      this.carry.set(chunk, this.carryLength);
      buf = this.carry.subarray(0, n);
    }
    const used = this.scan(buf, false);
    const rest = buf.length - used;
    if (rest > MAX_TOKEN) throw new XmlError("an XML token does not end");
    if (rest > 0 && buf !== chunk) this.carry.copyWithin(0, used, buf.length);
    else if (rest > 0) {
      if (this.carry.length < rest) this.grow(rest);
      this.carry.set(chunk.subarray(used));
    }
    this.carryLength = rest;
  }

  /** The input is complete: reports trailing text, and refuses a tag cut short. */
  end(): void {
    if (this.handler.done || this.carryLength === 0) return;
    this.scan(this.carry.subarray(0, this.carryLength), true);
    this.carryLength = 0;
  }

  private grow(n: number): void {
    const next = new Uint8Array(Math.max(n, this.carry.length * 2));
    next.set(this.carry.subarray(0, this.carryLength));
    this.carry = next;
  }

  private nameId(b: Uint8Array, start: number, end: number): number {
    let local = start;
    for (let k = start; k < end; k++) if (b[k] === COLON) local = k + 1;
    const names = this.names;
    for (let id = 0; id < names.length; id++) if (sameName(b, local, end, names[id]!)) return id;
    return -1;
  }

  /** Reports every whole token in `b`; returns where the first incomplete one starts. */
  private scan(b: Uint8Array, final: boolean): number {
    const h = this.handler;
    const n = b.length;
    let i = 0;
    const resumed = this.resume;
    this.resume = 0;
    /** Where to search for the end of the token at `i`: past what an earlier scan read of it (less `back` for a split terminator). */
    const from = (base: number, back: number) => (i === 0 && resumed > 0 ? Math.max(base, resumed - back) : base);
    /** The token at `i` is incomplete: remember how far it was read. */
    const pending = (quote = 0) => {
      this.resume = n - i;
      this.resumeQuote = quote;
    };
    while (i < n) {
      if (h.done) return n;
      if (b[i] !== LT) {
        // Text goes on as far as it is whole: up to the next tag, or at the chunk's end up to the last
        // complete character, so a long text is never carried and a character never cut in two.
        let j = b.indexOf(LT, i);
        if (j < 0) j = final ? n : lastWholeChar(b, i, n);
        if (j === i) return i;
        h.text(b, i, j);
        i = j;
        continue;
      }
      const next = i + 1 < n ? b[i + 1] : -1;
      let j: number;
      if (next === SLASH) {
        j = b.indexOf(GT, from(i + 2, 0));
        if (j < 0) {
          pending();
          break;
        }
        let nameEnd = i + 2;
        while (nameEnd < j && !isSpace(b[nameEnd]!)) nameEnd++;
        h.close(this.nameId(b, i + 2, nameEnd));
        i = j + 1;
      } else if (next === QMARK) {
        j = find(b, "?>", from(i + 2, 1));
        if (j < 0) {
          pending();
          break;
        }
        i = j + 2;
      } else if (next === BANG) {
        if (startsWith(b, i, "<!--")) {
          j = find(b, "-->", from(i + 4, 2));
          if (j < 0) {
            pending();
            break;
          }
          i = j + 3;
        } else if (startsWith(b, i, "<![CDATA[")) {
          j = find(b, "]]>", from(i + 9, 2));
          if (j < 0) {
            pending();
            break;
          }
          h.text(b, i, j + 3);
          i = j + 3;
        } else {
          // A declaration, or the start of one of the above cut by the chunk's end.
          if (n - i < 9 && !final) break;
          j = b.indexOf(GT, from(i, 0));
          if (j < 0) {
            pending();
            break;
          }
          i = j + 1;
        }
      } else if (next === -1) {
        break;
      } else {
        let quote = i === 0 && resumed > 0 ? this.resumeQuote : 0;
        for (j = from(i + 1, 0); j < n; j++) {
          const c = b[j]!;
          if (quote !== 0) {
            if (c === quote) quote = 0;
          } else if (c === QUOT || c === APOS) quote = c;
          else if (c === GT) break;
        }
        if (j >= n) {
          pending(quote);
          break;
        }
        const selfClosing = b[j - 1] === SLASH;
        let nameEnd = i + 1;
        while (nameEnd < j && !isSpace(b[nameEnd]!) && b[nameEnd] !== SLASH) nameEnd++;
        this.tag.set(b, nameEnd, selfClosing ? j - 1 : j);
        h.open(this.nameId(b, i + 1, nameEnd), this.tag, selfClosing);
        i = j + 1;
      }
    }
    if (i < n && final) throw new XmlError("the XML ends inside a tag");
    return i;
  }
}

/** Where the UTF-8 character that `b[from..end)` ends in starts, unless it is ASCII: text may end there. */
function lastWholeChar(b: Uint8Array, from: number, end: number): number {
  let k = end;
  while (k > from && end - k < 3 && (b[k - 1]! & 0xc0) === 0x80) k--;
  return k > from && b[k - 1]! >= 0xc0 ? k - 1 : k === end ? end : k;
}

function startsWith(b: Uint8Array, at: number, s: string): boolean {
  if (at + s.length > b.length) return false;
  for (let k = 0; k < s.length; k++) if (b[at + k] !== s.charCodeAt(k)) return false;
  return true;
}

/**
 * Index of `s` in `b` from `from`, or -1. Candidates are found by the last byte (`>` for every
 * terminator here), so a run of `]` or `-` inside a section is not a candidate at each byte.
 */
function find(b: Uint8Array, s: string, from: number): number {
  const k = s.length - 1;
  const last = s.charCodeAt(k);
  // A plain loop: a builtin search per candidate costs far more than the byte it skips.
  for (let end = from + k; end < b.length; end++) {
    if (b[end] === last && startsWith(b, end - k, s)) return end - k;
  }
  return -1;
}

const ENTITY = /&(?:(amp|lt|gt|quot|apos)|#(\d+)|#x([\da-fA-F]+));/g;
const NAMED: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'" };
/** OOXML's escape for characters XML cannot hold, e.g. `_x000D_` for a carriage return. */
const XSTRING = /_x([\da-fA-F]{4})_/g;

function fromCode(code: number): string {
  if (code <= 0xffff) return String.fromCharCode(code);
  return code <= 0x10ffff ? String.fromCodePoint(code) : "\ufffd";
}

function decodeSegment(s: string): string {
  if (s.includes("&")) {
    s = s.replace(ENTITY, (_m, name: string | undefined, dec: string | undefined, hex: string | undefined) =>
      name ? NAMED[name]! : fromCode(dec ? parseInt(dec, 10) : parseInt(hex!, 16)),
    );
  }
  return s.includes("_x") ? s.replace(XSTRING, (_m, hex: string) => String.fromCharCode(parseInt(hex, 16))) : s;
}

/** Raw character data to text: entities and `_xHHHH_` escapes decoded, CDATA sections taken as they are. */
export function unescapeXml(raw: string): string {
  let at = raw.indexOf("<![CDATA[");
  if (at < 0) return decodeSegment(raw);
  let out = "";
  let from = 0;
  while (at >= 0) {
    const close = raw.indexOf("]]>", at + 9);
    const stop = close < 0 ? raw.length : close;
    out += decodeSegment(raw.slice(from, at)) + raw.slice(at + 9, stop);
    from = close < 0 ? raw.length : close + 3;
    at = raw.indexOf("<![CDATA[", from);
  }
  return out + decodeSegment(raw.slice(from));
}

/** A cell's text as SheetJS gives it: unescaped, and Windows line ends as "\n". */
export function cellText(raw: string): string {
  const s = unescapeXml(raw);
  return s.includes("\r\n") ? s.replace(/\r\n/g, "\n") : s;
}
