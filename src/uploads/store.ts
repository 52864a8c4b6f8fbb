/**
 * Where multipart uploads live while an operation uses them: one temp file per uploaded file,
 * under a directory of this gateway instance (GATEWAY_UPLOAD_DIR, else the OS temp dir). The
 * `File` handed to resolvers is backed by that file (`fs.openAsBlob`, never read into memory), and
 * its `stream()` reads it from disk. A request's files are unlinked once its response is out and
 * every stream taken from them has opened its descriptor (on POSIX an open file stays readable
 * after unlink, so an import still splitting the file in the background keeps reading); whatever is
 * left goes when the gateway stops.
 */
import { randomUUID } from 'node:crypto';
import { openAsBlob } from 'node:fs';
import { type FileHandle, mkdir, mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Env } from '../env-vars.js';

/** Bytes per read from an upload's temp file. */
const READ_CHUNK = 64 * 1024;
/** Bytes per read of `scan`, into the same buffer each time. */
const SCAN_CHUNK = 256 * 1024;

/**
 * A `File` whose bytes stay on disk. `size`, `name` and `type` are known at once; `stream()` opens
 * the temp file (one descriptor per call) and reads it in 64 KiB chunks as the consumer pulls.
 */
export class DiskFile extends File {
  readonly path: string;
  private readonly opening: Array<Promise<unknown>> = [];

  private constructor(blob: Blob, name: string, type: string, path: string) {
    // A File made of a file-backed Blob stays backed by the file (measured: no copy in memory).
    super([blob], name, { type });
    this.path = path;
  }

  static async open(path: string, name: string, type: string): Promise<DiskFile> {
    return new DiskFile(await openAsBlob(path, { type }), name, type, path);
  }

  override stream(): ReturnType<File['stream']> {
    const handle = open(this.path, 'r');
    // The settled promise (opened or failed) is what `whenOpened` waits for before unlinking.
    this.opening.push(handle.catch(() => undefined));
    let fd: FileHandle | undefined;
    const close = async () => {
      const current = fd;
      fd = undefined;
      await current?.close();
    };
    const stream = new ReadableStream<Uint8Array>(
      {
        async start() {
          fd = await handle;
        },
        async pull(controller) {
          if (!fd) return;
          const buffer = Buffer.allocUnsafe(READ_CHUNK);
          const { bytesRead } = await fd.read(buffer, 0, READ_CHUNK, null);
          if (bytesRead === 0) {
            await close();
            controller.close();
            return;
          }
          controller.enqueue(buffer.subarray(0, bytesRead));
        },
        cancel: close,
      },
      { highWaterMark: 0 },
    );
    return stream as ReturnType<File['stream']>;
  }

  /**
   * Reads the file once through one buffer, read into again for each chunk: `visit` must not keep
   * the chunk. For a pass that only looks at the bytes (counting rows), where `stream()` would leave
   * a fresh 64 KiB buffer per chunk to the GC (a 64 MB upload: 64 MB of garbage outside the heap).
   */
  async scan(visit: (chunk: Buffer) => void): Promise<void> {
    const handle = await open(this.path, 'r');
    try {
      const buffer = Buffer.allocUnsafe(SCAN_CHUNK);
      for (;;) {
        const { bytesRead } = await handle.read(buffer, 0, SCAN_CHUNK, null);
        if (bytesRead === 0) return;
        visit(buffer.subarray(0, bytesRead));
      }
    } finally {
      await handle.close();
    }
  }

  /** Resolves once every stream taken so far has its descriptor (or failed to get one). */
  async whenOpened(): Promise<void> {
    await Promise.all(this.opening);
  }
}

export interface UploadStoreOptions {
  /** Parent directory of this instance's upload directory (GATEWAY_UPLOAD_DIR; OS temp dir). */
  dir?: string;
}

/** GATEWAY_UPLOAD_DIR, when set. */
export function uploadSettingsFromEnv(env: Env): UploadStoreOptions {
  const dir = env.GATEWAY_UPLOAD_DIR?.trim();
  return dir ? { dir } : {};
}

export class UploadStore {
  private readonly parent: string;
  private dir: Promise<string> | undefined;
  private readonly live = new Set<string>();
  private closed = false;

  constructor(options: UploadStoreOptions = {}) {
    this.parent = options.dir ?? tmpdir();
  }

  /** A fresh path for one upload (the file is created by the caller). */
  async newPath(): Promise<string> {
    if (this.closed) throw new Error('the upload store is closed');
    this.dir ??= mkdir(this.parent, { recursive: true }).then(() =>
      mkdtemp(join(this.parent, 'marketo-gateway-uploads-')),
    );
    const path = join(await this.dir, `upload-${randomUUID()}`);
    this.live.add(path);
    return path;
  }

  /** Removes upload files now (a failed request's, or a finished one's once streams are open). */
  async remove(paths: Iterable<string>): Promise<void> {
    await Promise.all(
      [...paths].map(async (path) => {
        this.live.delete(path);
        await rm(path, { force: true });
      }),
    );
  }

  /** The response is out: each file goes once the streams taken from it have opened. */
  async release(files: readonly DiskFile[]): Promise<void> {
    await Promise.all(
      files.map(async (file) => {
        await file.whenOpened();
        await this.remove([file.path]);
      }),
    );
  }

  /** Upload files not yet removed (for tests and the stop log). */
  get pending(): number {
    return this.live.size;
  }

  /** Gateway stop: every upload file goes, with the directory. */
  async close(): Promise<void> {
    this.closed = true;
    this.live.clear();
    if (this.dir) await rm(await this.dir, { recursive: true, force: true });
  }
}
