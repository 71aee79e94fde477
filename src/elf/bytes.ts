// Endian-aware fixed-width reads and writes over a byte array.
import type { Endian } from './types.js';

export class ByteReader {
  private readonly view: DataView;
  private readonly le: boolean;
  constructor(readonly bytes: Uint8Array, endian: Endian) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.le = endian === 'little';
  }
  get length(): number {
    return this.bytes.length;
  }
  u8(off: number): number {
    return this.view.getUint8(off);
  }
  u16(off: number): number {
    return this.view.getUint16(off, this.le);
  }
  u32(off: number): number {
    return this.view.getUint32(off, this.le);
  }
  u64(off: number): bigint {
    return this.view.getBigUint64(off, this.le);
  }
  i64(off: number): bigint {
    return this.view.getBigInt64(off, this.le);
  }
}

export class ByteWriter {
  private readonly view: DataView;
  private readonly le: boolean;
  constructor(readonly bytes: Uint8Array, endian: Endian) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.le = endian === 'little';
  }
  u8(off: number, v: number): void {
    this.view.setUint8(off, v);
  }
  u16(off: number, v: number): void {
    this.view.setUint16(off, v, this.le);
  }
  u32(off: number, v: number): void {
    this.view.setUint32(off, v, this.le);
  }
  u64(off: number, v: bigint): void {
    this.view.setBigUint64(off, BigInt.asUintN(64, v), this.le);
  }
  i64(off: number, v: bigint): void {
    this.view.setBigInt64(off, BigInt.asIntN(64, v), this.le);
  }
}
