declare module 'elfy' {
  interface ElfySection {
    name: string;
    type: string | number;
    off: number;
    size: number;
    data: Buffer;
  }
  interface ElfyResult {
    class: string;
    endian: string;
    machine: string;
    body: { sections: ElfySection[] };
  }
  const elfy: { parse(buf: Buffer): ElfyResult };
  export default elfy;
}
