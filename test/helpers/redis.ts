/**
 * A private `redis-server` for a test file, on 127.0.0.1 and an ephemeral port, in a temp dir, with
 * persistence off (never the shared Redis on 6379). `stop()`/`start()` take it away and bring it
 * back on the same port (a restart loses every key, as a real one without persistence would);
 * `snapshot()` then `start({ keepData: true })` brings it back with the keys it had at the
 * snapshot, as a Redis restarting from an older dump would.
 *
 *   const redis = await startTestRedis();
 *   afterAll(() => redis.close());
 *
 * The binary is `$REDIS_SERVER`, else `/usr/bin/redis-server`, else `redis-server` on PATH. There is
 * no skip: without a binary the suite fails and says so.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';

export interface TestRedis {
  readonly url: string;
  readonly port: number;
  /** A fresh namespace per call, so tests sharing the server never see each other's keys. */
  namespace(): string;
  /** Kills the server (SIGKILL: connections drop as in a crash). */
  stop(): Promise<void>;
  /** Starts it again on the same port: empty, or with the keys of the last `snapshot()`. */
  start(options?: { keepData?: boolean }): Promise<void>;
  /** stop(), wait `downMs`, start(). */
  restart(downMs?: number, options?: { keepData?: boolean }): Promise<void>;
  /** Writes the keys it holds now to its dump file (SAVE). */
  snapshot(): Promise<void>;
  close(): Promise<void>;
}

function findBinary(): string {
  const candidates = [
    process.env.REDIS_SERVER,
    '/usr/bin/redis-server',
    ...(process.env.PATH ?? '').split(delimiter).map((dir) => join(dir, 'redis-server')),
  ];
  const found = candidates.find((c): c is string => !!c && existsSync(c));
  if (!found) {
    throw new Error(
      'redis-server not found (tried $REDIS_SERVER, /usr/bin/redis-server and PATH): install Redis (apt-get install redis-server) to run the Redis tests',
    );
  }
  return found;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Sends one inline command; true when the reply starts with `expect`. */
function commandOnce(
  port: number,
  command: string,
  expect: string,
  timeoutMs = 200,
): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = new Socket();
    const finish = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => finish(false));
    socket.once('error', () => finish(false));
    socket.once('data', (data) => finish(data.toString().startsWith(expect)));
    socket.connect(port, '127.0.0.1', () => socket.write(`${command}\r\n`));
  });
}

function pingOnce(port: number): Promise<boolean> {
  return commandOnce(port, 'PING', '+PONG');
}

export async function startTestRedis(): Promise<TestRedis> {
  const binary = findBinary();
  const dir = await mkdtemp(join(tmpdir(), 'mgg-redis-'));
  let port = await freePort();
  let child: ChildProcess | undefined;
  let counter = 0;

  const launch = async (options: { keepData?: boolean } = {}): Promise<void> => {
    // Already running: a second server could not bind the port, and the first would be orphaned.
    if (child && child.exitCode === null && child.signalCode === null) return;
    if (!options.keepData) await rm(join(dir, 'dump.rdb'), { force: true });
    const proc = spawn(
      binary,
      [
        '--port',
        String(port),
        '--bind',
        '127.0.0.1',
        '--save',
        '',
        '--appendonly',
        'no',
        '--dir',
        dir,
        '--daemonize',
        'no',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let output = '';
    proc.stdout?.on('data', (d: Buffer) => {
      output = (output + d.toString()).slice(-4000);
    });
    proc.stderr?.on('data', (d: Buffer) => {
      output = (output + d.toString()).slice(-4000);
    });
    let exited = false;
    proc.once('exit', () => {
      exited = true;
    });
    child = proc;
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline) {
      if (exited) throw new Error(`redis-server exited at start on port ${port}:\n${output}`);
      if (await pingOnce(port)) return;
      await new Promise((r) => setTimeout(r, 20));
    }
    proc.kill('SIGKILL');
    throw new Error(`redis-server did not answer PING on port ${port} within 10 s:\n${output}`);
  };

  const stop = async () => {
    const proc = child;
    child = undefined;
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      proc.once('exit', () => resolve());
      proc.kill('SIGKILL');
    });
  };

  // The port was free a moment ago; if another process took it meanwhile, pick another.
  for (let attempt = 0; ; attempt++) {
    try {
      await launch();
      break;
    } catch (error) {
      await stop();
      if (attempt >= 2) throw error;
      port = await freePort();
    }
  }

  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    namespace: () => `test-${process.pid}-${Date.now().toString(36)}-${counter++}`,
    stop,
    start: launch,
    async restart(downMs = 0, options = {}) {
      await stop();
      if (downMs > 0) await new Promise((r) => setTimeout(r, downMs));
      await launch(options);
    },
    async snapshot() {
      if (!(await commandOnce(port, 'SAVE', '+OK', 5_000))) throw new Error('redis SAVE failed');
    },
    async close() {
      await stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
