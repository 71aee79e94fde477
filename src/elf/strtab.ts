// String tables: NUL-terminated names addressed by byte offset.

export function readString(table: Uint8Array, offset: number): string | undefined {
  if (offset >= table.length) return undefined;
  const end = table.indexOf(0, offset);
  if (end < 0) return undefined;
  // Latin-1: one character per byte. For a symbol's name (thousands per kernel object, nearly
  // all short) a char-code list costs half what a Buffer view and its decoder do.
  if (end - offset <= 128) return String.fromCharCode.apply(null, table.subarray(offset, end) as unknown as number[]);
  return Buffer.from(table.buffer, table.byteOffset + offset, end - offset).toString('latin1');
}

/** Builds a string table; identical strings share one entry, in first-added order. */
export class StringTableBuilder {
  private readonly offsets = new Map<string, number>();
  private readonly parts: Buffer[] = [Buffer.from([0])];
  private size = 1;

  add(name: string): number {
    if (name === '') return 0;
    const known = this.offsets.get(name);
    if (known !== undefined) return known;
    const offset = this.size;
    const bytes = Buffer.from(name + '\0', 'latin1');
    this.parts.push(bytes);
    this.size += bytes.length;
    this.offsets.set(name, offset);
    return offset;
  }

  offsetOf(name: string): number {
    const offset = name === '' ? 0 : this.offsets.get(name);
    if (offset === undefined) throw new Error(`string table: "${name}" was never added`);
    return offset;
  }

  bytes(): Uint8Array {
    return new Uint8Array(Buffer.concat(this.parts));
  }
}
