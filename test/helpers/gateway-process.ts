/**
 * The gateway as a real process (`node --import tsx src/main.ts`, or `npm start` itself) for tests
 * that kill it, stop it with a signal or watch it refuse to start: its JSON log lines, its exit,
 * and GraphQL over HTTP.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { tmpdir } from 'node:os';
import { createInterface } from 'node:readline';

const ROOT = new URL('../..', import.meta.url).pathname;

export interface LogLine {
  level: string;
  msg: string;
  [key: string]: unknown;
}

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface GatewayChild {
  child: ChildProcess;
  /** Signals the gateway (with `npm start`: its whole process group, npm → sh → tsx → node). */
  kill(signal: NodeJS.Signals): void;
  lines: LogLine[];
  /** Everything written to stdout and stderr (for a process that refuses to start). */
  output(): string;
  exited: Promise<Exit>;
  /** Resolves with the first log line (seen so far or later) that `match` accepts. */
  logged(match: (line: LogLine) => boolean): Promise<LogLine>;
}

export interface GatewayProcess extends GatewayChild {
  /** `http://127.0.0.1:port` */
  url: string;
  /** POST /graphql; resolves with the parsed body. */
  graphql<T>(
    query: string,
    variables?: Record<string, unknown>,
  ): Promise<{ data?: T; errors?: Array<{ message: string; extensions?: { code?: string } }> }>;
}

export interface LaunchOptions {
  /** Run the package's start script (`npm start`) as the README's Quick start does. */
  npmStart?: boolean;
}

const children = new Map<ChildProcess, (signal: NodeJS.Signals) => void>();

/** SIGKILLs every gateway process a test left behind (call in afterEach/afterAll). */
export function killLeftovers(): void {
  for (const kill of children.values()) kill('SIGKILL');
}

/** Starts the process with only the environment given (nothing from the outer shell). */
export function launchGateway(
  env: Record<string, string>,
  options: LaunchOptions = {},
): GatewayChild {
  const spawnOptions = {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? tmpdir(),
      PORT: '0',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'info',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'] as ['ignore', 'pipe', 'pipe'],
  };
  // npm starts sh, which starts tsx, which starts node: in a group of their own, signalled together.
  const child = options.npmStart
    ? spawn('npm', ['start'], { ...spawnOptions, detached: true })
    : spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], spawnOptions);
  const kill = (signal: NodeJS.Signals) => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    if (options.npmStart && child.pid !== undefined) {
      try {
        process.kill(-child.pid, signal);
      } catch {
        // The group is gone already.
      }
    } else {
      child.kill(signal);
    }
  };
  children.set(child, kill);
  const lines: LogLine[] = [];
  const waiters = new Set<{ match: (line: LogLine) => boolean; resolve: (l: LogLine) => void }>();
  let text = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    text += chunk.toString();
  });
  const exited = new Promise<Exit>((resolve) =>
    child.once('exit', (code, signal) => {
      children.delete(child);
      resolve({ code, signal });
    }),
  );
  if (child.stdout) {
    createInterface({ input: child.stdout }).on('line', (raw) => {
      text += `${raw}\n`;
      let line: LogLine;
      try {
        line = JSON.parse(raw) as LogLine;
      } catch {
        return;
      }
      lines.push(line);
      for (const waiter of waiters) {
        if (!waiter.match(line)) continue;
        waiters.delete(waiter);
        waiter.resolve(line);
      }
    });
  }
  return {
    child,
    kill,
    lines,
    output: () => text,
    exited,
    logged: (match) => {
      const seen = lines.find(match);
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        waiters.add({ match, resolve });
        void exited.then((exit) =>
          reject(new Error(`gateway exited (${JSON.stringify(exit)}): ${text.slice(-2_000)}`)),
        );
      });
    },
  };
}

/** Starts the gateway and waits until it listens. */
export async function spawnGateway(
  env: Record<string, string>,
  options: LaunchOptions = {},
): Promise<GatewayProcess> {
  const launched = launchGateway(env, options);
  const listening = await launched.logged((line) => line.msg === 'gateway listening');
  const url = String(listening.url).replace(/\/graphql$/, '');
  return {
    ...launched,
    url,
    graphql: async (query, variables = {}) => {
      const response = await fetch(`${url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify({ query, variables }),
      });
      return (await response.json()) as never;
    },
  };
}
