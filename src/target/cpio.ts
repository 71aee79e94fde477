// A minimal writer for the cpio "newc" format the kernel unpacks as an initramfs
// (Documentation/driver-api/early-userspace/buffer-format.rst). Written here rather than
// driving the cpio(1) tool because an initramfs needs a /dev/console device node, which only
// root can mknod in a staging directory, and because the output should be byte-identical for
// the same inputs (fixed inode numbers, owner root, mtime 0).

export type CpioEntry =
  | { kind: 'dir'; path: string; mode?: number }
  | { kind: 'file'; path: string; data: Uint8Array; mode?: number }
  | { kind: 'symlink'; path: string; target: string }
  | { kind: 'chardev'; path: string; major: number; minor: number; mode?: number };

const S_IFDIR = 0o040000;
const S_IFREG = 0o100000;
const S_IFLNK = 0o120000;
const S_IFCHR = 0o020000;

const hex8 = (n: number) => n.toString(16).padStart(8, '0');
const pad4 = (n: number) => (4 - (n % 4)) % 4;

function record(ino: number, mode: number, name: string, data: Uint8Array, rdev: [number, number] = [0, 0]): Buffer {
  const nameBytes = Buffer.from(`${name}\0`, 'utf8');
  const header = '070701' + [
    ino, mode, 0 /* uid */, 0 /* gid */, (mode & 0o170000) === S_IFDIR ? 2 : 1 /* nlink */,
    0 /* mtime */, data.length, 0, 0 /* dev major/minor */, rdev[0], rdev[1], nameBytes.length, 0 /* check */,
  ].map(hex8).join('');
  const headerAndName = Buffer.concat([Buffer.from(header, 'ascii'), nameBytes]);
  return Buffer.concat([
    headerAndName, Buffer.alloc(pad4(headerAndName.length)),
    Buffer.from(data), Buffer.alloc(pad4(data.length)),
  ]);
}

/** The archive for these entries, in the order given (parents must come before children). */
export function writeCpio(entries: readonly CpioEntry[]): Buffer {
  const parts: Buffer[] = [];
  const seen = new Set<string>();
  let ino = 1;
  for (const e of entries) {
    const name = e.path.replace(/^\/+/, '');
    if (!name || seen.has(name)) throw new Error(`cpio: empty or duplicate path "${e.path}"`);
    seen.add(name);
    switch (e.kind) {
      case 'dir':
        parts.push(record(ino++, S_IFDIR | (e.mode ?? 0o755), name, new Uint8Array()));
        break;
      case 'file':
        parts.push(record(ino++, S_IFREG | (e.mode ?? 0o644), name, e.data));
        break;
      case 'symlink':
        parts.push(record(ino++, S_IFLNK | 0o777, name, Buffer.from(e.target, 'utf8')));
        break;
      case 'chardev':
        parts.push(record(ino++, S_IFCHR | (e.mode ?? 0o600), name, new Uint8Array(), [e.major, e.minor]));
        break;
    }
  }
  parts.push(record(0, 0, 'TRAILER!!!', new Uint8Array()));
  return Buffer.concat(parts);
}
