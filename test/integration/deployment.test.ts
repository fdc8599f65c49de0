/**
 * The deployment files read as a reviewer would read them: docker-compose.yml, the Dockerfile,
 * the Prometheus configs and Grafana's provisioning. No Docker engine is needed; the checks are
 * the mistakes that otherwise only show up when the stack is brought up.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { parseDocument } from 'yaml';

const root = path.resolve(__dirname, '..', '..');

const APP_SERVICES = ['migrate', 'api', 'worker'] as const;
const APP_VARIABLES = [
  'DATABASE_URL', 'REDIS_URL', 'TEMPORAL_ADDRESS', 'TEMPORAL_NAMESPACE', 'TEMPORAL_TASK_QUEUE',
  'TEMPORAL_UI_URL', 'MINIO_ENDPOINT', 'MINIO_ACCESS_KEY', 'MINIO_SECRET_KEY', 'MINIO_BUCKET',
  'MINIO_USE_SSL', 'SECRET_KEY', 'API_HOST', 'API_PORT', 'WORKER_METRICS_PORT', 'LOG_LEVEL',
];
const SEARCH_ATTRIBUTES = ['OsintWorkspaceId', 'OsintTargetId', 'OsintTechnique', 'OsintJobStatus'];
/** Variables compose reads from the host; every one but SECRET_KEY has a default. */
const HOST_VARIABLES = ['SECRET_KEY', 'MINIO_ACCESS_KEY', 'MINIO_SECRET_KEY', 'OSINT_IMAGE_TAG', 'GRAFANA_ADMIN_USER', 'GRAFANA_ADMIN_PASSWORD'];

type Mount = string | { source?: string; target?: string };
interface Service {
  image?: string;
  build?: unknown;
  command?: string | string[];
  environment?: Record<string, string> | string[];
  depends_on?: string[] | Record<string, { condition?: string }>;
  healthcheck?: { test?: string | string[] };
  volumes?: Mount[];
  ports?: (string | number)[];
  deploy?: { replicas?: number };
  restart?: string;
  container_name?: string;
}
interface Compose { services: Record<string, Service>; [extension: string]: unknown }
interface ScrapeConfig {
  job_name: string;
  metrics_path?: string;
  static_configs?: { targets: string[] }[];
  dns_sd_configs?: { names: string[]; type?: string; port?: number }[];
}
interface Target { job: string; host: string; port: number; path: string; discovery: 'static' | 'dns' }

function read(file: string): string {
  return readFileSync(path.join(root, file), 'utf8');
}

/** Parses YAML with compose's `<<` merge keys; any error or warning fails the test. */
function loadYaml<T>(file: string): T {
  const doc = parseDocument(read(file), { merge: true });
  assert.deepEqual([...doc.errors, ...doc.warnings].map((e) => e.message), [], `${file} does not parse cleanly`);
  return doc.toJS() as T;
}

const compose = loadYaml<Compose>('docker-compose.yml');
const services = compose.services;

function service(name: string): Service {
  const found = services[name];
  assert.ok(found, `service ${name} is missing`);
  return found;
}

function environmentOf(name: string): Record<string, string> {
  const env = service(name).environment ?? {};
  if (!Array.isArray(env)) return Object.fromEntries(Object.entries(env).map(([k, v]) => [k, String(v)]));
  return Object.fromEntries(env.map((pair) => [pair.split('=')[0] ?? '', pair.split('=').slice(1).join('=')]));
}

function dependenciesOf(svc: Service): [string, string | undefined][] {
  const deps = svc.depends_on ?? [];
  if (Array.isArray(deps)) return deps.map((name) => [name, undefined]);
  return Object.entries(deps).map(([name, spec]) => [name, spec?.condition]);
}

/** `${NAME:-default}` becomes its default, as compose would render it with NAME unset. */
function withDefaults(value: string): string {
  return value.replace(/\$\{[A-Z0-9_]+:-([^}]*)\}/g, '$1');
}

/** The host:container pairs a service publishes. */
function publishedPorts(name: string): [number, number][] {
  return (service(name).ports ?? []).map((spec) => String(spec).split(':').slice(-2).map(Number) as [number, number]);
}

function commandOf(name: string): string[] {
  const command = service(name).command ?? [];
  return Array.isArray(command) ? command : command.split(/\s+/);
}

/** An inline script as the container's shell receives it: compose turns `$$` into `$`. */
function scriptOf(name: string): string {
  return commandOf(name).join('\n').replace(/\$\$/g, '$');
}

/** Every string value in the file: what compose interpolates (keys and comments are not). */
function stringValues(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.flatMap(stringValues);
  if (value && typeof value === 'object') return Object.values(value).flatMap(stringValues);
  return [];
}

function scrapeTargets(file: string): Target[] {
  const config = loadYaml<{ scrape_configs: ScrapeConfig[] }>(file);
  return config.scrape_configs.flatMap((job) => {
    const metricsPath = job.metrics_path ?? '/metrics';
    const fixed = (job.static_configs ?? []).flatMap((group) => group.targets).map((target): Target => {
      const [host = '', port = ''] = target.split(/:(?=\d+$)/);
      return { job: job.job_name, host, port: Number(port), path: metricsPath, discovery: 'static' };
    });
    const discovered = (job.dns_sd_configs ?? []).flatMap((sd) => sd.names.map((host): Target => (
      { job: job.job_name, host, port: Number(sd.port), path: metricsPath, discovery: 'dns' })));
    return [...fixed, ...discovered];
  });
}

interface Instruction { keyword: string; args: string }

/** Splits a Dockerfile into stages of instructions (continuations joined, comments dropped). */
function dockerfileStages(text: string): Instruction[][] {
  const lines = text.replace(/\\\r?\n/g, ' ').split(/\r?\n/).map((line) => line.trim());
  const stages: Instruction[][] = [];
  for (const line of lines) {
    if (line === '' || line.startsWith('#')) continue;
    const [keyword = '', ...rest] = line.split(/\s+/);
    const instruction = { keyword: keyword.toUpperCase(), args: rest.join(' ') };
    if (instruction.keyword === 'FROM') stages.push([]);
    stages.at(-1)?.push(instruction);
  }
  return stages;
}

const stages = dockerfileStages(read('Dockerfile'));
const finalStage = stages.at(-1) ?? [];

/** The compiler options and includes tsc uses for `npm run build`. */
function buildConfig(): { outDir: string; rootDir: string; include: string[] } {
  const file = path.join(root, 'tsconfig.build.json');
  const fail = (d: ts.Diagnostic): never => assert.fail(ts.flattenDiagnosticMessageText(d.messageText, '\n'));
  const parsed = ts.getParsedCommandLineOfConfigFile(file, {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: fail });
  assert.ok(parsed);
  const raw = parsed.raw as { include?: string[] };
  return { outDir: parsed.options.outDir ?? '', rootDir: parsed.options.rootDir ?? '', include: raw.include ?? [] };
}

/** Asserts that `node dist/x/y.js` runs a file that `npm run build` writes. */
function assertEmittedByBuild(script: string): void {
  const { outDir, rootDir, include } = buildConfig();
  assert.match(script, /^dist\/.+\.js$/, `${script} is not a file under dist/`);
  assert.equal(path.resolve(outDir), path.join(root, 'dist'));
  const source = path.relative(root, path.join(rootDir, path.relative('dist', script))).replace(/\.js$/, '.ts');
  assert.ok(existsSync(path.join(root, source)), `${source} does not exist`);
  assert.ok(include.includes(source.split(path.sep)[0] ?? ''), `${source} is outside the build's include list`);
}

describe('deployment', () => {
  describe('docker-compose.yml', () => {
    it('parses without errors or warnings into a list of services', () => {
      const doc = parseDocument(read('docker-compose.yml'), { merge: true });
      assert.deepEqual([...doc.errors, ...doc.warnings], []);
      assert.ok(Object.keys(services).length > 0);
    });

    it('names only existing services in depends_on, each with a condition', () => {
      for (const [name, svc] of Object.entries(services)) {
        for (const [dependency, condition] of dependenciesOf(svc)) {
          assert.ok(services[dependency], `${name} depends on unknown service ${dependency}`);
          const known = ['service_started', 'service_healthy', 'service_completed_successfully'];
          assert.ok(known.includes(condition ?? ''), `${name} → ${dependency} has no valid condition`);
        }
      }
    });

    it('waits only on healthchecks that exist and on one-shots that exit', () => {
      for (const [name, svc] of Object.entries(services)) {
        for (const [dependency, condition] of dependenciesOf(svc)) {
          const target = service(dependency);
          if (condition === 'service_healthy') assert.ok(target.healthcheck?.test, `${dependency} has no healthcheck for ${name}`);
          if (condition === 'service_completed_successfully') assert.equal(target.restart, 'no', `${dependency} is not a one-shot`);
        }
      }
    });

    it('has no dependency cycle', () => {
      const visit = (name: string, trail: string[]): void => {
        assert.ok(!trail.includes(name), `cycle: ${[...trail, name].join(' → ')}`);
        for (const [dependency] of dependenciesOf(service(name))) visit(dependency, [...trail, name]);
      };
      for (const name of Object.keys(services)) visit(name, []);
    });

    it('starts the api and the worker only after the migrations and temporal-init succeeded', () => {
      for (const name of ['api', 'worker']) {
        const deps = new Map(dependenciesOf(service(name)));
        assert.equal(deps.get('migrate'), 'service_completed_successfully', name);
        assert.equal(deps.get('temporal-init'), 'service_completed_successfully', name);
      }
    });

    it('pins every image to a tag other than latest', () => {
      for (const [name, svc] of Object.entries(services)) {
        assert.ok(svc.image, `${name} has no image`);
        const image = withDefaults(svc.image);
        const tag = /:([^/:@]+)(@sha256:[0-9a-f]{64})?$/.exec(image)?.[1];
        assert.ok(tag, `${name}: ${image} has no tag`);
        assert.notEqual(tag, 'latest', `${name}: ${image} is not pinned`);
      }
    });

    it('gives the api, the worker and the migrations one shared environment', () => {
      const shared = compose['x-app-environment'];
      assert.ok(shared && typeof shared === 'object', 'no x-app-environment extension');
      for (const name of APP_SERVICES) assert.deepEqual(environmentOf(name), shared, `${name} drifts from x-app-environment`);
    });

    it('sets every variable the processes read', () => {
      for (const name of APP_SERVICES) {
        const env = environmentOf(name);
        for (const variable of APP_VARIABLES) assert.ok(env[variable], `${name} lacks ${variable}`);
      }
    });

    it('listens on every interface, so other containers reach the api and the worker metrics', () => {
      for (const name of APP_SERVICES) {
        assert.deepEqual([environmentOf(name).API_HOST, environmentOf(name).WORKER_METRICS_HOST], ['0.0.0.0', '0.0.0.0']);
      }
    });

    it('refuses to start the stack without SECRET_KEY', () => {
      for (const name of APP_SERVICES) assert.match(environmentOf(name).SECRET_KEY ?? '', /^\$\{SECRET_KEY:\?[^}]+\}$/);
    });

    it('points every connection setting at a service of the stack with matching credentials', () => {
      const env = environmentOf('api');
      const postgres = environmentOf('postgres');
      const db = new URL(env.DATABASE_URL ?? '');
      assert.equal(db.protocol, 'postgres:');
      assert.match(service(db.hostname).image ?? '', /^postgres:/);
      assert.deepEqual([db.port, db.username, db.password, db.pathname], ['5432', postgres.POSTGRES_USER, postgres.POSTGRES_PASSWORD, `/${postgres.POSTGRES_DB}`]);
      const redis = new URL(env.REDIS_URL ?? '');
      assert.match(service(redis.hostname).image ?? '', /^redis:/);
      assert.equal(redis.port, '6379');
      assert.equal(env.TEMPORAL_ADDRESS, 'temporal:7233');
      assert.match(service('temporal').image ?? '', /^temporalio\/auto-setup:/);
      assert.equal(env.TEMPORAL_NAMESPACE, environmentOf('temporal-init').NAMESPACE);
      assert.equal(env.MINIO_ENDPOINT, 'minio:9000');
      const minio = environmentOf('minio');
      assert.deepEqual([env.MINIO_ACCESS_KEY, env.MINIO_SECRET_KEY], [minio.MINIO_ROOT_USER, minio.MINIO_ROOT_PASSWORD]);
      assert.equal(env.MINIO_BUCKET, environmentOf('minio-init').MINIO_BUCKET);
      assert.deepEqual(publishedPorts('temporal-ui'), [[Number(new URL(env.TEMPORAL_UI_URL ?? '').port), 8080]]);
      assert.deepEqual(publishedPorts('api'), [[Number(env.API_PORT), Number(env.API_PORT)]]);
    });

    it('runs more than one worker replica and publishes no worker port on the host', () => {
      const worker = service('worker');
      assert.ok((worker.deploy?.replicas ?? 1) > 1, 'worker is not replicated');
      assert.deepEqual(worker.ports ?? [], []);
      assert.equal(worker.container_name, undefined, 'a container_name allows one replica only');
    });

    it('mounts only files and folders that exist in the repository', () => {
      for (const [name, svc] of Object.entries(services)) {
        for (const mount of svc.volumes ?? []) {
          const source = typeof mount === 'string' ? mount.split(':')[0] ?? '' : mount.source ?? '';
          const target = typeof mount === 'string' ? mount.split(':')[1] ?? '' : mount.target ?? '';
          if (!source.startsWith('.')) continue;
          const file = path.resolve(root, source);
          assert.ok(existsSync(file), `${name} mounts missing ${source}`);
          if (/\.ya?ml$/.test(target)) assert.ok(statSync(file).isFile(), `${name}: ${source} is not a file`);
        }
      }
    });

    it('creates namespace osint and the four Keyword search attributes in temporal-init', () => {
      const env = environmentOf('temporal-init');
      const script = scriptOf('temporal-init');
      assert.equal(env.NAMESPACE, 'osint');
      assert.deepEqual(env.SEARCH_ATTRIBUTES?.split(/\s+/), SEARCH_ATTRIBUTES);
      assert.match(script, /temporal operator namespace create --namespace "\$NAMESPACE"/);
      assert.match(script, /search-attribute create --namespace "\$NAMESPACE" --name "\$name" --type Keyword/);
      assert.match(script, /grep -qi "already"/);
    });

    it('creates the evidence bucket in minio-init', () => {
      assert.equal(environmentOf('minio-init').MINIO_BUCKET, 'evidence');
      assert.match(scriptOf('minio-init'), /mc mb --ignore-existing "local\/\$MINIO_BUCKET"/);
    });

    it('interpolates only its own host settings and escapes every shell variable', () => {
      const text = stringValues(compose).map((value) => value.replace(/\$\$/g, '')).join('\n');
      assert.deepEqual(text.match(/\$(?!\{)./g) ?? [], [], 'compose would interpolate a single $; write $$');
      for (const [, name, operator] of text.matchAll(/\$\{([A-Za-z0-9_]+)(:[-?])?/g)) {
        assert.ok(HOST_VARIABLES.includes(name ?? ''), `unexpected host variable ${name}`);
        assert.equal(operator, name === 'SECRET_KEY' ? ':?' : ':-', `${name} needs ${name === 'SECRET_KEY' ? 'to be required' : 'a default'}`);
      }
    });

    it('runs every process of our image from a file that the build emits into dist/', () => {
      for (const name of APP_SERVICES) {
        assert.ok(service(name).build, `${name} does not build our image`);
        const [program, script] = commandOf(name);
        assert.equal(program, 'node');
        assertEmittedByBuild(script ?? '');
      }
      assert.deepEqual(commandOf('migrate').slice(1), ['dist/db/migrate.js', 'latest']);
      assert.equal(commandOf('api')[1], 'dist/api/server.js');
      assert.equal(commandOf('worker')[1], 'dist/worker/index.js');
    });
  });

  describe('Dockerfile', () => {
    it('builds from node:20-bookworm-slim with npm ci and npm run build, then drops dev packages', () => {
      assert.ok(stages.length >= 2, 'not a multi-stage build');
      const names: string[] = [];
      for (const stage of stages) {
        const [base = '', as, name] = stage[0]?.args.split(/\s+/) ?? [];
        assert.ok(names.includes(base) || base === 'node:20-bookworm-slim', `unexpected base ${base}`);
        if (as?.toUpperCase() === 'AS' && name) names.push(name);
      }
      assert.match(finalStage[0]?.args ?? '', /^node:20-bookworm-slim\b/);
      const runs = stages.flat().filter((i) => i.keyword === 'RUN').map((i) => i.args).join('\n');
      assert.match(runs, /npm ci\b/);
      assert.match(runs, /npm run build\b/);
      assert.match(runs, /npm prune --omit=dev\b/);
      assert.ok(JSON.parse(read('package.json')).scripts.build, 'package.json has no build script');
    });

    it('runs the final stage as the non-root node user', () => {
      const keywords = finalStage.map((i) => i.keyword);
      assert.equal(finalStage.filter((i) => i.keyword === 'USER').at(-1)?.args, 'node');
      assert.ok(keywords.lastIndexOf('USER') < keywords.lastIndexOf('CMD'), 'USER comes after CMD');
    });

    it('starts a file under dist/ by default', () => {
      const starts = finalStage.filter((i) => i.keyword === 'CMD' || i.keyword === 'ENTRYPOINT');
      assert.ok(starts.length > 0, 'no CMD or ENTRYPOINT');
      for (const start of starts) {
        const argv = JSON.parse(start.args) as string[];
        assert.equal(argv[0], 'node', `${start.keyword} should use the exec form with node`);
        assertEmittedByBuild(argv[1] ?? '');
      }
      assert.ok(finalStage.some((i) => i.keyword === 'COPY' && /\/app\/dist\b/.test(i.args)), 'dist/ is not copied');
    });

    it('keeps dependencies, build output, local data, git and secrets out of the build context', () => {
      const ignored = read('.dockerignore').split('\n').map((line) => line.trim());
      for (const entry of ['node_modules', 'dist', '.data', '.git', '*.log', '.env.local']) assert.ok(ignored.includes(entry), entry);
    });
  });

  describe('Prometheus', () => {
    it('scrapes the api, every worker replica, temporal and itself inside compose', () => {
      const env = environmentOf('api');
      const temporalMetrics = environmentOf('temporal').PROMETHEUS_ENDPOINT?.split(':')[1];
      const expected: Record<string, [string, number, Target['discovery']]> = {
        prometheus: ['localhost', 9090, 'static'],
        api: ['api', Number(env.API_PORT), 'static'],
        worker: ['worker', Number(env.WORKER_METRICS_PORT), 'dns'],
        temporal: ['temporal', Number(temporalMetrics), 'static'],
      };
      const targets = scrapeTargets('infra/prometheus.yml');
      assert.deepEqual(targets.map((t) => t.job).sort(), Object.keys(expected).sort());
      for (const target of targets) {
        assert.deepEqual([target.host, target.port, target.discovery], expected[target.job], target.job);
        assert.equal(target.path, '/metrics');
        if (target.host !== 'localhost') assert.ok(services[target.host], `${target.host} is not a compose service`);
      }
      const mounted = (service('prometheus').volumes ?? []).map(String);
      const configFile = commandOf('prometheus').find((arg) => arg.startsWith('--config.file='))?.split('=')[1];
      assert.ok(mounted.includes(`./infra/prometheus.yml:${configFile}:ro`), 'infra/prometheus.yml is not the mounted config');
    });

    it('loads the alerting rules from a file mounted beside its config', () => {
      const { rule_files: ruleFiles = [] } = loadYaml<{ rule_files?: string[] }>('infra/prometheus.yml');
      assert.ok(ruleFiles.length > 0, 'no rule_files');
      const configFile = commandOf('prometheus').find((arg) => arg.startsWith('--config.file='))?.split('=')[1] ?? '';
      const mounted = (service('prometheus').volumes ?? []).map(String);
      for (const file of ruleFiles) {
        const target = path.posix.resolve(path.posix.dirname(configFile), file);
        const mount = mounted.find((m) => m.split(':')[1] === target);
        assert.ok(mount, `${target} is not mounted`);
        assert.equal(path.resolve(root, mount.split(':')[0] ?? ''), path.resolve(root, 'infra', file));
      }
    });

    it('scrapes only loopback in the local stack, on the ports the processes listen on', () => {
      const env = environmentOf('api');
      // Temporal: the dev server's --metrics-port under `npm start` (gRPC port + 2).
      const expected: Record<string, number> = { prometheus: 9090, api: Number(env.API_PORT), worker: Number(env.WORKER_METRICS_PORT), temporal: 7235 };
      const targets = scrapeTargets('infra/prometheus.local.yml');
      assert.deepEqual(targets.map((t) => t.job).sort(), Object.keys(expected).sort());
      for (const target of targets) {
        assert.equal(target.host, '127.0.0.1', `${target.job} leaves loopback`);
        assert.equal(target.port, expected[target.job], target.job);
        assert.equal(target.path, '/metrics');
      }
    });
  });

  describe('Grafana', () => {
    it('provisions Prometheus at its compose address as the default data source', () => {
      const file = 'infra/grafana/provisioning/datasources/prometheus.yml';
      const { datasources } = loadYaml<{ datasources: { type: string; url: string; isDefault?: boolean }[] }>(file);
      const prometheus = datasources.find((d) => d.type === 'prometheus');
      assert.equal(prometheus?.url, 'http://prometheus:9090');
      assert.equal(prometheus?.isDefault, true);
      assert.ok((service('grafana').volumes ?? []).map(String).includes('./infra/grafana/provisioning:/etc/grafana/provisioning:ro'));
    });

    it('provisions the dashboards from the folder mounted where its provider reads them', () => {
      const file = 'infra/grafana/provisioning/dashboards/osint.yml';
      const { providers } = loadYaml<{ providers: { type: string; options: { path: string } }[] }>(file);
      const mounts = (service('grafana').volumes ?? []).map(String);
      for (const provider of providers) {
        assert.equal(provider.type, 'file');
        const mount = mounts.find((m) => m.split(':')[1] === provider.options.path);
        assert.ok(mount, `nothing is mounted at ${provider.options.path}`);
        assert.ok(existsSync(path.resolve(root, mount.split(':')[0] ?? '')), `${mount} mounts a missing folder`);
      }
    });
  });
});
