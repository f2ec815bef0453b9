// The deployment files (Dockerfile, docker-compose.yml, deploy/k8s/**) are parsed with a real
// YAML parser and validated against real schemas — the Compose Specification's JSON schema and
// Kubernetes' strict JSON schemas (deploy/schemas/README.md says where they come from) — and
// then checked against Metronome itself: its configuration schema, its queue families, its
// search attributes, and the facts the files must agree on (probe port and paths, shutdown
// grace, memory budget, `docker compose --scale worker=N`).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import Ajv2020 from 'ajv/dist/2020';
import { parseAllDocuments } from 'yaml';
import { envSchema } from '../../src/config/env-schema';
import { QUEUES } from '../../src/domain/queues';
import { SEARCH_ATTRIBUTES } from '../../src/domain/search-attributes';

const ROOT = join(__dirname, '..', '..', '..');
const K8S_DIR = join(ROOT, 'deploy', 'k8s');
const SCHEMAS_DIR = join(ROOT, 'deploy', 'schemas');
const NAMESPACE = 'metronome';

/** What the worker's HTTP endpoint serves (the worker HTTP server's contract). */
const WORKER_HTTP = { portVariable: 'WORKER_HTTP_PORT', liveness: '/healthz', readiness: '/readyz', metrics: '/metrics' };
const KNOWN_VARIABLES = new Set(Object.keys(envSchema.shape));

type Obj = Record<string, unknown>;
const isObj = (value: unknown): value is Obj => typeof value === 'object' && value !== null && !Array.isArray(value);

// ------------------------------------------------------------------------------------- YAML

interface ParsedFile { file: string; documents: unknown[] }

/** Every document of a YAML file; throws on any syntax error or warning, naming file and line. */
function parseYaml(text: string, file: string): unknown[] {
  const documents = parseAllDocuments(text, { merge: true, prettyErrors: true, uniqueKeys: true });
  const list = Array.isArray(documents) ? documents : [];
  const problems = list.flatMap((doc) => [...doc.errors, ...doc.warnings].map((e) => `${file}: ${e.message}`));
  if (problems.length > 0) throw new Error(problems.join('\n'));
  return list.map((doc) => doc.toJS({ maxAliasCount: 100 }) as unknown).filter((value) => value !== null);
}

function yamlFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && /\.ya?ml$/.test(entry.name))
    .map((entry) => join(entry.parentPath, entry.name))
    .sort();
}

function loadFile(path: string): ParsedFile {
  const file = relative(ROOT, path);
  return { file, documents: parseYaml(readFileSync(path, 'utf8'), file) };
}

// ---------------------------------------------------------------------------------- schemas

function describeErrors(errors: ErrorObject[] | null | undefined): string[] {
  return (errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? e.keyword}${e.keyword === 'additionalProperties' ? ` (${String((e.params as { additionalProperty?: string }).additionalProperty)})` : ''}`);
}

function composeValidator(): ValidateFunction {
  const schema = JSON.parse(readFileSync(join(SCHEMAS_DIR, 'compose-spec.json'), 'utf8')) as Obj;
  // The file names its dialect "https://json-schema.org/draft-07/schema", which Ajv knows as
  // "http://json-schema.org/draft-07/schema#"; draft-07 is Ajv's default dialect anyway.
  delete schema.$schema;
  // strictSchema: a keyword Ajv does not know is an error, never silently ignored. (strictTypes
  // only lints how a schema is written: off, as the upstream file is used as it is.)
  return new Ajv({ allErrors: true, strictSchema: true, strictTypes: false, strictTuples: false, allowUnionTypes: true }).compile(schema);
}

interface KubernetesBundle { origin: Obj; definitions: Obj; kinds: Record<string, Obj> }

function collectExtensionKeywords(node: unknown, found: Set<string>): Set<string> {
  if (Array.isArray(node)) for (const item of node) collectExtensionKeywords(item, found);
  else if (isObj(node)) {
    for (const [key, value] of Object.entries(node)) {
      if (key.startsWith('x-kubernetes-')) found.add(key);
      // "properties" maps field names, not keywords: recurse into its values only.
      collectExtensionKeywords(value, found);
    }
  }
  return found;
}

const INT32 = 2 ** 31;
function kubernetesValidators(): Map<string, ValidateFunction> {
  const bundle = JSON.parse(readFileSync(join(SCHEMAS_DIR, 'kubernetes-v1.34.0-strict.json'), 'utf8')) as KubernetesBundle;
  const ajv = new Ajv2020({ allErrors: true, strictSchema: true, strictTypes: false, strictTuples: false, allowUnionTypes: true });
  // Kubernetes' own annotations (x-kubernetes-group-version-kind, …) carry no validation.
  for (const keyword of collectExtensionKeywords(bundle, new Set())) ajv.addKeyword(keyword);
  // The OpenAPI formats of the Kubernetes schemas.
  ajv.addFormat('int32', { type: 'number', validate: (n: number) => Number.isInteger(n) && n >= -INT32 && n < INT32 });
  ajv.addFormat('int64', { type: 'number', validate: (n: number) => Number.isSafeInteger(n) });
  ajv.addFormat('double', { type: 'number', validate: (n: number) => Number.isFinite(n) });
  ajv.addFormat('byte', /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/);
  ajv.addFormat('date-time', (s: string) => /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:\d\d)$/i.test(s) && !Number.isNaN(Date.parse(s)));
  ajv.addSchema(bundle.definitions);
  return new Map(Object.entries(bundle.kinds).map(([name, schema]) => [name, ajv.compile(schema)]));
}

/** deployment-apps-v1, service-v1, horizontalpodautoscaler-autoscaling-v2: the schemas' file names. */
function kubernetesSchemaName(apiVersion: string, kind: string): string {
  const [group, version] = apiVersion.includes('/') ? apiVersion.split('/') : ['', apiVersion];
  return [kind.toLowerCase(), group?.split('.')[0], version].filter(Boolean).join('-');
}

// ------------------------------------------------------------------- Metronome's own checks

interface Container {
  name: string;
  image?: string;
  args?: string[];
  env?: { name: string; value?: string }[];
  envFrom?: { configMapRef?: { name: string }; secretRef?: { name: string } }[];
  ports?: { name?: string; containerPort: number }[];
  livenessProbe?: { httpGet?: { path?: string; port: number | string } };
  readinessProbe?: { httpGet?: { path?: string; port: number | string } };
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
}
interface PodTemplate {
  metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> };
  spec: { containers: Container[]; terminationGracePeriodSeconds?: number };
}
interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name?: string; namespace?: string; labels?: Record<string, string> };
  data?: Record<string, string>;
  stringData?: Record<string, string>;
  spec?: {
    selector?: { matchLabels?: Record<string, string> } & Record<string, string>;
    template?: PodTemplate;
    scaleTargetRef?: { kind: string; name: string };
    ports?: { targetPort?: number | string }[];
  };
}
interface Located<T> { file: string; doc: T }

function mebibytes(quantity: string | undefined): number {
  const match = /^(\d+(?:\.\d+)?)(Ki|Mi|Gi|k|M|G)?$/.exec(quantity ?? '');
  if (!match) return Number.NaN;
  const factor: Record<string, number> = { Ki: 1 / 1024, Mi: 1, Gi: 1024, k: 1000 / 1048576, M: 1e6 / 1048576, G: 1e9 / 1048576 };
  return Number(match[1]) * (match[2] ? factor[match[2]] ?? Number.NaN : 1 / 1048576);
}

function podTemplates(manifests: Located<Manifest>[]): Located<{ owner: Manifest; template: PodTemplate }>[] {
  return manifests.flatMap(({ file, doc }) => (doc.spec?.template ? [{ file, doc: { owner: doc, template: doc.spec.template } }] : []));
}

const isMetronomeImage = (image: string | undefined): boolean => /(^|\/)metronome(:|@|$)/.test(image ?? '');

/** The environment a Metronome container gets: its ConfigMap and Secret, then its own env. */
function containerEnv(container: Container, manifests: Manifest[]): Record<string, string> {
  const env: Record<string, string> = {};
  for (const source of container.envFrom ?? []) {
    const name = source.configMapRef?.name ?? source.secretRef?.name;
    const kind = source.configMapRef ? 'ConfigMap' : 'Secret';
    const found = manifests.find((m) => m.kind === kind && m.metadata.name === name);
    if (!found) throw new Error(`container ${container.name}: envFrom names ${kind} ${String(name)}, which no manifest defines`);
    const values = { ...found.data, ...found.stringData };
    // The later source would silently win: one place per setting.
    const twice = Object.keys(values).filter((key) => key in env);
    if (twice.length > 0) throw new Error(`container ${container.name}: ${twice.join(', ')} set by two envFrom sources`);
    Object.assign(env, values);
  }
  for (const { name, value } of container.env ?? []) env[name] = value ?? '';
  return env;
}

function unknownVariables(names: Iterable<string>, where: string): string[] {
  return [...names].filter((name) => !KNOWN_VARIABLES.has(name))
    .map((name) => `${where}: ${name} is not a Metronome setting (not in src/config/env-schema.ts)`);
}

function configProblems(env: Record<string, string>, where: string): string[] {
  const result = envSchema.safeParse(env);
  return result.success ? [] : result.error.issues.map((i) => `${where}: ${String(i.path[0])}=${JSON.stringify(env[String(i.path[0])])} is refused: ${i.message}`);
}

const isWorker = (container: Container): boolean => container.args?.[0] === 'worker';

/** `metronome api` listens on API_HOST:API_PORT (default 127.0.0.1:3000): unreachable in a container unless on 0.0.0.0. */
function apiProblems(env: Record<string, string>, containerPorts: number[], where: string): string[] {
  const problems: string[] = [];
  if (env.API_HOST !== '0.0.0.0') problems.push(`${where}: API_HOST must be 0.0.0.0 in a container (is ${String(env.API_HOST)})`);
  const port = Number(env.API_PORT ?? 3000);
  if (!containerPorts.includes(port)) problems.push(`${where}: API_PORT ${port} is not among its ports (${containerPorts.join(', ')})`);
  return problems;
}

/** Every fact the Kubernetes manifests must agree on, as a list of problems (empty = fine). */
function kubernetesProblems(located: Located<Manifest>[]): string[] {
  const problems: string[] = [];
  const manifests = located.map((l) => l.doc);
  for (const { file, doc } of located) {
    const where = `${file} ${doc.kind}/${doc.metadata.name ?? '?'}`;
    if (!doc.metadata.name) problems.push(`${where}: metadata.name is missing`);
    if (doc.kind === 'Namespace') {
      if (doc.metadata.name !== NAMESPACE) problems.push(`${where}: the namespace should be ${NAMESPACE}`);
    } else if (doc.metadata.namespace !== NAMESPACE) problems.push(`${where}: metadata.namespace should be ${NAMESPACE}`);
    for (const key of Object.keys({ ...doc.data, ...doc.stringData })) {
      problems.push(...unknownVariables([key], `${where} key`));
    }
  }
  for (const { file, doc: { owner, template } } of podTemplates(located)) {
    const where = `${file} ${owner.kind}/${owner.metadata.name ?? '?'}`;
    const labels = template.metadata?.labels ?? {};
    for (const [key, value] of Object.entries(owner.spec?.selector?.matchLabels ?? {})) {
      if (labels[key] !== value) problems.push(`${where}: selector ${key}=${value} does not match the pod labels`);
    }
    for (const container of template.spec.containers.filter((c) => isMetronomeImage(c.image))) {
      const cwhere = `${where} container ${container.name}`;
      problems.push(...unknownVariables((container.env ?? []).map((e) => e.name), cwhere));
      let env: Record<string, string>;
      try {
        env = containerEnv(container, manifests);
      } catch (error) {
        problems.push(`${where}: ${(error as Error).message}`);
        continue;
      }
      problems.push(...configProblems(env, cwhere));
      if (container.args?.[0] === 'api') problems.push(...apiProblems(env, container.ports?.map((p) => p.containerPort) ?? [], cwhere));
      if (!isWorker(container)) continue;

      // The worker serves /healthz, /readyz, /metrics on WORKER_HTTP_PORT: probes and scrape
      // annotations must point there.
      const port = Number(env[WORKER_HTTP.portVariable]);
      if (!Number.isInteger(port)) problems.push(`${cwhere}: ${WORKER_HTTP.portVariable} is not set`);
      const resolve = (p: number | string | undefined) => (typeof p === 'string' ? container.ports?.find((cp) => cp.name === p)?.containerPort : p);
      for (const [probe, path] of [['livenessProbe', WORKER_HTTP.liveness], ['readinessProbe', WORKER_HTTP.readiness]] as const) {
        const get = container[probe]?.httpGet;
        if (!get) problems.push(`${cwhere}: no HTTP ${probe}`);
        else {
          if (get.path !== path) problems.push(`${cwhere}: ${probe} path is ${String(get.path)}, the worker serves ${path}`);
          if (resolve(get.port) !== port) problems.push(`${cwhere}: ${probe} port ${String(get.port)} is not ${WORKER_HTTP.portVariable} (${port})`);
        }
      }
      const annotations = template.metadata?.annotations ?? {};
      if (annotations['prometheus.io/scrape'] !== 'true') problems.push(`${cwhere}: prometheus.io/scrape is not "true"`);
      if (Number(annotations['prometheus.io/port']) !== port) problems.push(`${cwhere}: prometheus.io/port is not ${WORKER_HTTP.portVariable} (${port})`);
      if (annotations['prometheus.io/path'] !== WORKER_HTTP.metrics) problems.push(`${cwhere}: prometheus.io/path is not ${WORKER_HTTP.metrics}`);

      // The kubelet must wait longer than the worker's own shutdown grace before SIGKILL.
      const grace = Number(env.WORKER_SHUTDOWN_GRACE_SECONDS ?? 30);
      const termination = template.spec.terminationGracePeriodSeconds ?? 30;
      if (!(termination > grace)) problems.push(`${where}: terminationGracePeriodSeconds ${termination} must be greater than WORKER_SHUTDOWN_GRACE_SECONDS ${grace}`);

      // Memory: the budget is reserved (request) and the limit leaves room above it.
      const budget = Number(env.SCHEDULER_MAX_MEMORY_MB ?? 512);
      const request = mebibytes(container.resources?.requests?.memory);
      const limit = mebibytes(container.resources?.limits?.memory);
      if (!(request >= budget)) problems.push(`${cwhere}: requests.memory ${String(container.resources?.requests?.memory)} is below SCHEDULER_MAX_MEMORY_MB ${budget}`);
      if (!(limit >= budget * 1.25)) problems.push(`${cwhere}: limits.memory ${String(container.resources?.limits?.memory)} leaves less than 25 % above SCHEDULER_MAX_MEMORY_MB ${budget}`);
      const queuesAt = container.args?.indexOf('--queues') ?? -1;
      if (queuesAt >= 0) {
        for (const queue of (container.args?.[queuesAt + 1] ?? '').split(',')) {
          if (!(QUEUES as readonly string[]).includes(queue)) problems.push(`${cwhere}: --queues names ${queue}, not one of ${QUEUES.join(', ')}`);
        }
      }
    }
  }
  for (const { file, doc } of located) {
    const where = `${file} ${doc.kind}/${doc.metadata.name ?? '?'}`;
    const targetRef = doc.spec?.scaleTargetRef;
    if (doc.kind === 'HorizontalPodAutoscaler' && targetRef) {
      const target = manifests.find((m) => m.kind === targetRef.kind && m.metadata.name === targetRef.name);
      if (!target) problems.push(`${where}: scaleTargetRef ${targetRef.kind}/${targetRef.name} is not defined`);
      // CPU utilisation is measured against the CPU request: without one the HPA cannot act.
      else if (target.spec?.template?.spec.containers.some((c) => !c.resources?.requests?.cpu)) {
        problems.push(`${where}: a container of ${targetRef.name} has no CPU request to measure utilisation against`);
      }
    }
    if (doc.kind === 'Service' || doc.kind === 'PodDisruptionBudget') {
      const selector = doc.kind === 'Service' ? doc.spec?.selector ?? {} : doc.spec?.selector?.matchLabels ?? {};
      const pods = podTemplates(located).map((p) => p.doc.template)
        .filter((t) => Object.entries(selector).every(([k, v]) => t.metadata?.labels?.[k] === v));
      if (pods.length === 0) problems.push(`${where}: its selector matches no pod template`);
      for (const port of doc.kind === 'Service' ? doc.spec?.ports ?? [] : []) {
        if (typeof port.targetPort === 'string' && !pods.some((t) => t.spec.containers.some((c) => c.ports?.some((p) => p.name === port.targetPort)))) {
          problems.push(`${where}: targetPort ${port.targetPort} is no container port of its pods`);
        }
      }
    }
  }
  return problems;
}

interface ComposeService {
  image?: string;
  build?: unknown;
  command?: string[];
  container_name?: string;
  hostname?: string;
  ports?: unknown[];
  expose?: (string | number)[];
  environment?: Record<string, string | number | boolean | null>;
  healthcheck?: { test?: string[] };
  stop_grace_period?: string;
  mem_limit?: string;
  depends_on?: Record<string, { condition?: string }>;
}
interface ComposeFile { services: Record<string, ComposeService> }

function seconds(duration: string | undefined): number {
  let total = 0;
  const text = duration ?? '';
  const units: Record<string, number> = { h: 3600, m: 60, s: 1, ms: 0.001, us: 1e-6 };
  const re = /(\d+(?:\.\d+)?)(h|ms|us|m|s)/g;
  let match: RegExpExecArray | null;
  let consumed = '';
  while ((match = re.exec(text)) !== null) {
    total += Number(match[1]) * (units[match[2] ?? ''] ?? Number.NaN);
    consumed += match[0];
  }
  return consumed === text && text !== '' ? total : Number.NaN;
}

function composeMebibytes(size: string | undefined): number {
  const match = /^(\d+(?:\.\d+)?)([bkmg])?b?$/i.exec(size ?? '');
  if (!match) return Number.NaN;
  const factor: Record<string, number> = { b: 1 / 1048576, k: 1 / 1024, m: 1, g: 1024 };
  return Number(match[1]) * (factor[(match[2] ?? 'b').toLowerCase()] ?? Number.NaN);
}

/** Every fact docker-compose.yml must agree on, as a list of problems (empty = fine). */
function composeProblems(compose: ComposeFile): string[] {
  const problems: string[] = [];
  const services = compose.services;
  const metronome = Object.entries(services).filter(([, s]) => isMetronomeImage(s.image));
  if (metronome.length === 0) problems.push('no service runs the metronome image');
  for (const [name, service] of metronome) {
    const where = `docker-compose.yml service ${name}`;
    const env = Object.fromEntries(Object.entries(service.environment ?? {}).map(([k, v]) => [k, v === null ? '' : String(v)]));
    problems.push(...unknownVariables(Object.keys(env), where));
    problems.push(...configProblems(env, where));
    for (const [dependency, { condition }] of Object.entries(service.depends_on ?? {})) {
      if (!services[dependency]) problems.push(`${where}: depends on ${dependency}, which is not a service`);
      else if (condition === 'service_healthy' && !services[dependency].healthcheck) problems.push(`${where}: waits for ${dependency} to be healthy, which has no healthcheck`);
    }
  }
  const api = services.api;
  if (api) {
    const targets = (api.ports ?? []).map((p) => Number(String(p).split(':').pop()));
    const env = Object.fromEntries(Object.entries(api.environment ?? {}).map(([k, v]) => [k, String(v)]));
    problems.push(...apiProblems(env, targets, 'docker-compose.yml service api'));
  }
  const worker = services.worker;
  if (!worker) return [...problems, 'docker-compose.yml has no worker service'];
  const where = 'docker-compose.yml service worker';
  if (worker.command?.[0] !== 'worker') problems.push(`${where}: the command is not \`worker\``);
  // `docker compose up --scale worker=3`: replicas cannot share a container name or a host port.
  if (worker.container_name !== undefined) problems.push(`${where}: container_name prevents --scale worker=N`);
  if (worker.hostname !== undefined) problems.push(`${where}: a fixed hostname gives every replica the same name`);
  if ((worker.ports ?? []).length > 0) problems.push(`${where}: published ports clash under --scale worker=N (use expose)`);
  const env = worker.environment ?? {};
  const port = Number(env[WORKER_HTTP.portVariable]);
  if (!Number.isInteger(port)) problems.push(`${where}: ${WORKER_HTTP.portVariable} is not set`);
  if (!(worker.expose ?? []).map(String).includes(String(port))) problems.push(`${where}: does not expose ${WORKER_HTTP.portVariable} (${port})`);
  const check = (worker.healthcheck?.test ?? []).join(' ');
  if (!check.includes(`:${port}${WORKER_HTTP.readiness}`)) problems.push(`${where}: the healthcheck does not ask ${WORKER_HTTP.readiness} on port ${port}`);
  const grace = Number(env.WORKER_SHUTDOWN_GRACE_SECONDS ?? 30);
  const stop = seconds(worker.stop_grace_period ?? '10s');
  if (!(stop > grace)) problems.push(`${where}: stop_grace_period ${String(worker.stop_grace_period)} must be longer than WORKER_SHUTDOWN_GRACE_SECONDS ${grace}`);
  const budget = Number(env.SCHEDULER_MAX_MEMORY_MB ?? 512);
  if (worker.mem_limit !== undefined && !(composeMebibytes(worker.mem_limit) >= budget * 1.25)) {
    problems.push(`${where}: mem_limit ${worker.mem_limit} leaves less than 25 % above SCHEDULER_MAX_MEMORY_MB ${budget}`);
  }
  return problems;
}

// ------------------------------------------------------------------------------------ tests

const composeText = readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8');
const k8sFiles = yamlFiles(K8S_DIR);

function loadCompose(text = composeText): ComposeFile {
  const [doc] = parseYaml(text, 'docker-compose.yml');
  return doc as ComposeFile;
}

function loadKubernetes(): Located<Manifest>[] {
  return k8sFiles.flatMap((path) => {
    const { file, documents } = loadFile(path);
    return documents.map((doc) => ({ file, doc: doc as Manifest }));
  });
}

let validators: Map<string, ValidateFunction> | undefined;
function kubernetesSchemaProblems(located: Located<Manifest>[]): string[] {
  validators ??= kubernetesValidators();
  return located.flatMap(({ file, doc }) => {
    if (!isObj(doc) || typeof doc.apiVersion !== 'string' || typeof doc.kind !== 'string') return [`${file}: a document without apiVersion and kind`];
    const name = kubernetesSchemaName(doc.apiVersion, doc.kind);
    const validate = validators?.get(name);
    if (!validate) return [`${file}: no vendored schema ${name} (add it to KINDS in scripts/vendor-kubernetes-schemas.mjs)`];
    const label = `${file} ${doc.kind}/${String(doc.metadata?.name)}`;
    const valid = validate(doc);
    return valid ? [] : describeErrors(validate.errors).map((e) => `${label}: ${e}`);
  });
}

let validateCompose: ValidateFunction | undefined;
function composeSchemaProblems(compose: unknown): string[] {
  validateCompose ??= composeValidator();
  return validateCompose(compose) ? [] : describeErrors(validateCompose.errors);
}

describe('docker-compose.yml', () => {
  it('parses and is valid against the Compose Specification schema', () => {
    assert.deepEqual(composeSchemaProblems(loadCompose()), []);
  });

  it('runs every part of the stack, Metronome from its own image', () => {
    const { services } = loadCompose();
    for (const name of ['postgresql', 'temporal', 'temporal-ui', 'mongo', 'mailpit', 'worker', 'api', 'schedules']) {
      assert.ok(services[name], `service ${name} is missing`);
    }
    assert.match(services.temporal?.image ?? '', /^temporalio\/server:/);
    assert.match(services['temporal-ui']?.image ?? '', /^temporalio\/ui:/);
    assert.match(services.mongo?.image ?? '', /^mongo:[78]/);
    assert.match(services.mailpit?.image ?? '', /^axllent\/mailpit:/);
    assert.deepEqual(services.api?.command, ['api']);
    assert.deepEqual(services.schedules?.command, ['schedules', 'apply']);
    assert.equal(services.schedules?.depends_on?.['temporal-init']?.condition, 'service_completed_successfully');
  });

  it('agrees with Metronome: settings, worker port and probe, shutdown grace, memory, --scale', () => {
    assert.deepEqual(composeProblems(loadCompose()), []);
  });

  it('registers exactly Metronome\'s search attributes with their types', () => {
    const init = loadCompose().services['temporal-init'];
    const script = (init?.command ?? []).join('\n');
    const declared = [...script.matchAll(/\b(Metronome\w+):(\w+)/g)].map((m) => `${m[1]}:${m[2]}`).sort();
    assert.deepEqual(declared, Object.entries(SEARCH_ATTRIBUTES).map(([name, type]) => `${name}:${type}`).sort());
  });

  it('refuses broken copies (each change must be caught)', () => {
    assert.throws(() => loadCompose(composeText.replace('services:\n', 'services:\n  broken: [\n')), /docker-compose.yml/);
    assert.throws(() => loadCompose(`${composeText}\nservices:\n  again: {}\n`), /unique|duplicate/i);

    const misspelt = structuredClone(loadCompose()) as unknown as { services: Record<string, Obj> };
    misspelt.services.worker = { ...misspelt.services.worker, healthchek: {} };
    assert.ok(composeSchemaProblems(misspelt).some((p) => p.includes('additional properties')), 'a misspelt key must fail the schema');
    const badCondition = structuredClone(loadCompose()) as unknown as { services: Record<string, { depends_on: Record<string, Obj> }> };
    const schedules = badCondition.services.schedules;
    assert.ok(schedules);
    schedules.depends_on.mongo = { condition: 'service_ready' };
    assert.notDeepEqual(composeSchemaProblems(badCondition), []);

    const scaled = loadCompose();
    const worker = scaled.services.worker;
    assert.ok(worker);
    worker.container_name = 'metronome-worker';
    worker.ports = ['9464:9464'];
    worker.stop_grace_period = '10s';
    worker.environment = { ...worker.environment, SCHEDULER_MAX_MEMORY: '512', SCHEDULER_MONTHLY_JOB_DAY: '31' };
    const problems = composeProblems(scaled).join('\n');
    assert.match(problems, /container_name prevents --scale/);
    assert.match(problems, /published ports clash/);
    assert.match(problems, /stop_grace_period 10s must be longer than WORKER_SHUTDOWN_GRACE_SECONDS 30/);
    assert.match(problems, /SCHEDULER_MAX_MEMORY is not a Metronome setting/);
    assert.match(problems, /SCHEDULER_MONTHLY_JOB_DAY="31" is refused/);

    const local = loadCompose();
    assert.ok(local.services.api?.environment);
    delete local.services.api.environment.API_HOST;
    local.services.api.environment.API_PORT = '8080';
    assert.match(composeProblems(local).join('\n'), /API_HOST must be 0.0.0.0 in a container \(is undefined\)/);
    assert.match(composeProblems(local).join('\n'), /API_PORT 8080 is not among its ports \(3000\)/);

    const probe = loadCompose();
    const probed = probe.services.worker;
    assert.ok(probed?.healthcheck?.test);
    probed.healthcheck.test = probed.healthcheck.test.map((part) => part.replace('/readyz', '/ready'));
    assert.match(composeProblems(probe).join('\n'), /healthcheck does not ask \/readyz/);
  });
});

describe('deploy/k8s manifests', () => {
  it('are found: namespace, configuration, worker, API, Schedules job, optional HPA and per-queue workers', () => {
    const kinds = loadKubernetes().map(({ file, doc }) => `${file}:${doc.kind}/${String(doc.metadata.name)}`);
    for (const expected of [
      'deploy/k8s/00-namespace.yaml:Namespace/metronome',
      'deploy/k8s/config.yaml:ConfigMap/metronome-config',
      'deploy/k8s/secret.yaml:Secret/metronome-secrets',
      'deploy/k8s/worker.yaml:Deployment/metronome-worker',
      'deploy/k8s/worker.yaml:PodDisruptionBudget/metronome-worker',
      'deploy/k8s/api.yaml:Deployment/metronome-api',
      'deploy/k8s/api.yaml:Service/metronome-api',
      'deploy/k8s/schedules-job.yaml:Job/metronome-schedules-apply',
      'deploy/k8s/optional/hpa.yaml:HorizontalPodAutoscaler/metronome-worker',
    ]) assert.ok(kinds.includes(expected), `${expected} is missing (found ${kinds.join(', ')})`);
  });

  it('parse and are valid against the strict Kubernetes 1.34 schemas', () => {
    assert.deepEqual(kubernetesSchemaProblems(loadKubernetes()), []);
  });

  it('agree with Metronome: settings, probes on the worker port, grace > WORKER_SHUTDOWN_GRACE_SECONDS, memory, selectors', () => {
    assert.deepEqual(kubernetesProblems(loadKubernetes()), []);
  });

  it('give every queue family exactly one Deployment in the per-queue variant', () => {
    const families = loadKubernetes().filter(({ file }) => file.endsWith('workers-per-queue.yaml'))
      .flatMap(({ doc }) => doc.spec?.template?.spec.containers ?? [])
      .map((c) => { const at = c.args?.indexOf('--queues') ?? -1; return at >= 0 ? c.args?.[at + 1] ?? '' : '(all)'; });
    assert.deepEqual([...families].sort(), [...QUEUES].sort());
  });

  it('run every Metronome container from one image, as a non-root user', () => {
    const templates = podTemplates(loadKubernetes());
    const images = new Set(templates.flatMap(({ doc }) => doc.template.spec.containers.map((c) => c.image)));
    assert.equal(images.size, 1, `images: ${[...images].join(', ')}`);
    for (const { file, doc } of templates) {
      const spec = doc.template.spec as PodTemplate['spec'] & { securityContext?: { runAsNonRoot?: boolean } };
      assert.equal(spec.securityContext?.runAsNonRoot, true, `${file} ${String(doc.owner.metadata.name)}: runAsNonRoot`);
    }
  });

  it('refuse broken copies (each change must be caught)', () => {
    assert.throws(() => parseYaml('apiVersion: v1\nkind: ConfigMap\n  data: x\n', 'broken.yaml'), /broken.yaml/);

    const typo = loadKubernetes();
    const deployment = typo.find((l) => l.doc.kind === 'Deployment' && l.doc.metadata.name === 'metronome-worker');
    assert.ok(deployment?.doc.spec?.template);
    const container = deployment.doc.spec.template.spec.containers[0] as unknown as Obj;
    container.livenesProbe = container.livenessProbe; // misspelt field: strict schema error
    (deployment.doc.spec as Obj).replicas = 'two';
    const schema = kubernetesSchemaProblems([deployment]).join('\n');
    assert.match(schema, /must NOT have additional properties \(livenesProbe\)/);
    assert.match(schema, /\/spec\/replicas must be integer/);
    assert.match(kubernetesSchemaProblems([{ file: 'x.yaml', doc: { apiVersion: 'v1', kind: 'Pod', metadata: {} } }]).join(), /no vendored schema pod-v1/);

    const located = loadKubernetes();
    const worker = located.find((l) => l.doc.kind === 'Deployment' && l.doc.metadata.name === 'metronome-worker')?.doc.spec?.template;
    assert.ok(worker);
    const [first] = worker.spec.containers;
    assert.ok(first?.readinessProbe?.httpGet && first.livenessProbe?.httpGet && first.resources?.requests);
    worker.spec.terminationGracePeriodSeconds = 30;
    first.readinessProbe.httpGet.path = '/ready';
    first.livenessProbe.httpGet.port = 8080;
    first.resources.requests.memory = '256Mi';
    first.env = [...(first.env ?? []), { name: 'WORKER_HTTP_PROT', value: '9464' }];
    const secret = located.find((l) => l.doc.kind === 'Secret')?.doc;
    assert.ok(secret?.stringData);
    secret.stringData.SMTP_URL = 'http://mail.example.com';
    const problems = kubernetesProblems(located).join('\n');
    assert.match(problems, /terminationGracePeriodSeconds 30 must be greater than WORKER_SHUTDOWN_GRACE_SECONDS 30/);
    assert.match(problems, /readinessProbe path is \/ready, the worker serves \/readyz/);
    assert.match(problems, /livenessProbe port 8080 is not WORKER_HTTP_PORT \(9464\)/);
    assert.match(problems, /requests.memory 256Mi is below SCHEDULER_MAX_MEMORY_MB 512/);
    assert.match(problems, /WORKER_HTTP_PROT is not a Metronome setting/);
    assert.match(problems, /SMTP_URL="http:\/\/mail.example.com" is refused/);

    const twice = loadKubernetes();
    const config = twice.find((l) => l.doc.kind === 'ConfigMap')?.doc;
    assert.ok(config?.data);
    config.data.SMTP_URL = 'smtp://mail.example.com:25';
    assert.match(kubernetesProblems(twice).join('\n'), /SMTP_URL set by two envFrom sources/);

    const noCpu = loadKubernetes();
    const scaled = noCpu.find((l) => l.doc.kind === 'Deployment' && l.doc.metadata.name === 'metronome-worker')?.doc.spec?.template?.spec.containers[0];
    assert.ok(scaled?.resources?.requests);
    delete scaled.resources.requests.cpu;
    assert.match(kubernetesProblems(noCpu).join('\n'), /no CPU request to measure utilisation against/);

    const orphan = loadKubernetes().filter((l) => !(l.doc.kind === 'Deployment' && l.doc.metadata.name === 'metronome-worker'));
    assert.match(kubernetesProblems(orphan).join('\n'), /HorizontalPodAutoscaler\/metronome-worker: scaleTargetRef Deployment\/metronome-worker is not defined/);
    assert.match(kubernetesProblems(orphan).join('\n'), /PodDisruptionBudget\/metronome-worker: its selector matches no pod template/);
  });
});

describe('Dockerfile', () => {
  const dockerfile = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
  const instructions = dockerfile.split('\n').filter((line) => /^[A-Z]+\s/.test(line));

  it('builds in stages from the official Node 20 image and runs `node bin/metronome.js` as a non-root user', () => {
    assert.match(dockerfile, /^ARG NODE_IMAGE=node:20[\w.-]*$/m);
    assert.equal(instructions.filter((line) => /^FROM \$\{NODE_IMAGE\} AS \w+$/.test(line)).length, 2);
    assert.match(dockerfile, /npm install --no-audit/);
    assert.match(dockerfile, /tsc -p tsconfig\.json/);
    assert.match(dockerfile, /node dist\/src\/workers\/workflow-bundle\.js/);
    assert.match(dockerfile, /npm prune --omit=dev/);
    const users = instructions.filter((line) => line.startsWith('USER '));
    assert.deepEqual(users, ['USER node']);
    const lastFrom = instructions.map((line) => line.startsWith('FROM ')).lastIndexOf(true);
    assert.ok(instructions.indexOf('USER node') > lastFrom, 'USER comes in the final stage');
    assert.ok(instructions.includes('ENTRYPOINT ["node", "bin/metronome.js"]'));
    // The bundle the Dockerfile builds is the one the worker loads.
    assert.match(readFileSync(join(ROOT, 'src', 'workers', 'workflow-bundle.ts'), 'utf8'), /'\.\.', '\.\.', 'workflow-bundle\.js'/);
  });

  it('copies only files the build context keeps (.dockerignore)', () => {
    const kept = readFileSync(join(ROOT, '.dockerignore'), 'utf8').split('\n').filter((l) => l.startsWith('!')).map((l) => l.slice(1).replace(/\/$/, ''));
    const copied = instructions.filter((line) => line.startsWith('COPY ') && !line.includes('--from='))
      .flatMap((line) => line.split(/\s+/).slice(1, -1));
    for (const source of copied) assert.ok(kept.includes(source), `${source} is copied but .dockerignore leaves it out`);
  });
});

describe('the worker HTTP endpoint the files point at', () => {
  it('is what src/workers/http.ts serves, on the port WORKER_HTTP_PORT sets', () => {
    const server = readFileSync(join(ROOT, 'src', 'workers', 'http.ts'), 'utf8');
    for (const path of [WORKER_HTTP.liveness, WORKER_HTTP.readiness, WORKER_HTTP.metrics]) {
      assert.ok(server.includes(`case '${path}':`), `src/workers/http.ts serves ${path}`);
    }
    assert.ok(KNOWN_VARIABLES.has(WORKER_HTTP.portVariable), `${WORKER_HTTP.portVariable} is a Metronome setting`);
  });
});
