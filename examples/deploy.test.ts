import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadRuleFiles, compileRuleSet, createPipeline, runRuleTests } from '@kaudit/core';
import { FIXTURES_DIR, skipWithoutFixtures } from '@kaudit/core/testing';
import { createApp, insecureBindProblem, loadServerSettings, parseConfigText, SERVER_DEFAULTS } from '@kaudit/server';

// No Docker engine and no cluster here: these checks read the Dockerfile, the manifests, the audit
// policies, the webhook kubeconfigs and the READMEs, and hold them against the repository and against
// kaudit's own config loader. Every check is a function returning problems, so that a mutated copy can
// show each one failing (the "catches" tests at the end of each block).

const root = fileURLToPath(new URL('..', import.meta.url));
const at = (...parts: string[]) => join(root, ...parts);
const read = (...parts: string[]) => readFileSync(at(...parts), 'utf8');

type Doc = Record<string, unknown>;
const isObject = (v: unknown): v is Doc => typeof v === 'object' && v !== null && !Array.isArray(v);
const obj = (v: unknown): Doc => (isObject(v) ? v : {});
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const strs = (v: unknown): string[] => arr(v).filter((s): s is string => typeof s === 'string');
const clone = <T>(v: T): T => structuredClone(v);
/** kaudit's own YAML reader (the `yaml` package, duplicate keys refused). */
const yaml = (text: string, source = 'inline'): Doc => parseConfigText(text, source);
const yamlFile = (...parts: string[]) => yaml(read(...parts), parts.join('/'));
const yamlFilesIn = (dir: string) =>
  readdirSync(at(dir))
    .filter((f) => f.endsWith('.yaml'))
    .sort();

// ---------------------------------------------------------------- Dockerfile

interface Instruction {
  cmd: string;
  args: string;
  stage: number;
}

/** Instructions of a Dockerfile, continuation lines joined, comments dropped, each with its stage index. */
function parseDockerfile(text: string): { instructions: Instruction[]; stages: { image: string; name?: string }[] } {
  const instructions: Instruction[] = [];
  const stages: { image: string; name?: string }[] = [];
  let pending = '';
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (pending === '' && (line === '' || line.startsWith('#'))) continue;
    if (line.startsWith('#')) continue; // a comment inside a continued instruction
    if (line.endsWith('\\')) {
      pending += `${line.slice(0, -1)} `;
      continue;
    }
    const full = (pending + line).trim();
    pending = '';
    const [, cmd = '', args = ''] = /^(\S+)\s*(.*)$/.exec(full) ?? [];
    if (cmd.toUpperCase() === 'FROM') {
      const [image = '', as, name] = args.split(/\s+/);
      stages.push({ image, ...(as?.toUpperCase() === 'AS' && name ? { name } : {}) });
    }
    instructions.push({ cmd: cmd.toUpperCase(), args, stage: stages.length - 1 });
  }
  return { instructions, stages };
}

/** A .dockerignore pattern as a regular expression over slash-separated context paths. */
function ignoreRegex(pattern: string): RegExp {
  const p = pattern.replace(/^\/+|\/+$/g, '');
  let re = '';
  for (let i = 0; i < p.length; i++) {
    const c = p[i]!;
    if (c === '*' && p[i + 1] === '*') {
      re += p[i + 2] === '/' ? '(?:.*/)?' : '.*';
      i += p[i + 2] === '/' ? 2 : 1;
    } else if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else re += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

/** Whether the build context leaves `path` out: it, or a folder above it, matches the last deciding pattern. */
function dockerIgnored(patterns: string[], path: string): boolean {
  const parts = path.replace(/\/+$/, '').split('/');
  let ignored = false;
  for (const raw of patterns) {
    const negate = raw.startsWith('!');
    const re = ignoreRegex(negate ? raw.slice(1) : raw);
    for (let n = 1; n <= parts.length; n++) {
      if (re.test(parts.slice(0, n).join('/'))) {
        ignored = !negate;
        break;
      }
    }
  }
  return ignored;
}

const dockerignorePatterns = (text: string) =>
  text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));

/** Files below a repository folder, as slash-separated paths from the root. */
function filesBelow(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const entry of readdirSync(at(d), { withFileTypes: true })) {
      if (entry.name === 'node_modules' || entry.name === 'dist') continue;
      const p = `${d}/${entry.name}`;
      if (entry.isDirectory()) walk(p);
      else out.push(p);
    }
  };
  walk(dir);
  return out;
}

/** Exec-form arguments of CMD / ENTRYPOINT, or undefined for the shell form (signals would go to /bin/sh). */
const execForm = (args: string): string[] | undefined => {
  try {
    const v: unknown = JSON.parse(args);
    return Array.isArray(v) && v.every((s) => typeof s === 'string') ? v : undefined;
  } catch {
    return undefined;
  }
};

/** Everything wrong with the Dockerfile, checked against the repository it builds. */
function dockerfileProblems(dockerfile: string, dockerignore: string): string[] {
  const problems: string[] = [];
  const { instructions, stages } = parseDockerfile(dockerfile);
  const ignore = dockerignorePatterns(dockerignore);
  const stageNames = new Set(stages.flatMap((s) => (s.name ? [s.name] : [])));
  const final = stages.length - 1;

  for (const { image } of stages) {
    if (stageNames.has(image)) continue;
    // Pinned at least to a major version: `node:20-bookworm-slim`, `gcr.io/distroless/nodejs20-debian12:nonroot`.
    const tag = /^[^:@]+:(.+)$/.exec(image)?.[1];
    if (!tag || tag === 'latest' || !/\d/.test(`${image.split(':')[0]}:${tag}`))
      problems.push(`FROM ${image}: base image not pinned to a major version`);
    else if (!/(?:^|[^\d])\d+/.test(tag) && !/nodejs\d+/.test(image))
      problems.push(`FROM ${image}: the tag names no version`);
  }

  // COPY sources: from the context (exist, not left out by .dockerignore) or from a build stage's output.
  const runText = (stage: number) =>
    instructions
      .filter((i) => i.stage === stage && i.cmd === 'RUN')
      .map((i) => i.args)
      .join('\n');
  for (const ins of instructions.filter((i) => i.cmd === 'COPY')) {
    const words = ins.args.split(/\s+/);
    const from = words.find((w) => w.startsWith('--from='))?.slice('--from='.length);
    const paths = words.filter((w) => !w.startsWith('--'));
    const sources = paths.slice(0, -1);
    if (sources.length === 0) problems.push(`COPY ${ins.args}: no source`);
    for (const src of sources) {
      if (from !== undefined) {
        const stage = stages.findIndex((s) => s.name === from);
        if (stage < 0) problems.push(`COPY --from=${from}: no such stage`);
        else if (!runText(stage).includes(src.replace(/\/+$/, '')))
          problems.push(`COPY --from=${from} ${src}: no RUN of stage ${from} produces it`);
        continue;
      }
      const rel = src.replace(/^\.\//, '').replace(/\/+$/, '');
      if (!existsSync(at(rel))) problems.push(`COPY ${src}: not in the repository`);
      else if (dockerIgnored(ignore, rel)) problems.push(`COPY ${src}: left out of the build context by .dockerignore`);
    }
  }

  // Every workspace member's manifest is copied before `pnpm install --frozen-lockfile` (else the lockfile
  // does not match the workspace), and every source file the build compiles reaches the context.
  const installAt = instructions.findIndex((i) => i.cmd === 'RUN' && /pnpm install\b.*--frozen-lockfile/.test(i.args));
  if (installAt < 0) problems.push('no `pnpm install --frozen-lockfile`');
  const copiedBefore = (file: string) =>
    instructions.slice(0, installAt).some((i) => {
      if (i.cmd !== 'COPY' || i.args.includes('--from=')) return false;
      const srcs = i.args.split(/\s+/).slice(0, -1);
      return srcs.some((s) => {
        const rel = s.replace(/^\.\//, '').replace(/\/+$/, '');
        return (
          rel === file || (statSync(at(rel), { throwIfNoEntry: false })?.isDirectory() && file.startsWith(`${rel}/`))
        );
      });
    });
  const workspace = yamlFile('pnpm-workspace.yaml');
  const members = strs(workspace.packages).flatMap((glob) =>
    glob.endsWith('/*') ? readdirSync(at(glob.slice(0, -2))).map((d) => `${glob.slice(0, -2)}/${d}`) : [glob],
  );
  for (const member of members.filter((m) => existsSync(at(m, 'package.json')))) {
    if (installAt >= 0 && !copiedBefore(`${member}/package.json`))
      problems.push(`${member}/package.json is not copied before pnpm install: the frozen lockfile would not match`);
  }
  for (const file of ['package.json', 'pnpm-lock.yaml', 'pnpm-workspace.yaml', 'tsconfig.base.json'])
    if (installAt >= 0 && !copiedBefore(file)) problems.push(`${file} is not copied before pnpm install`);
  for (const pkg of ['core', 'sinks', 'server']) {
    const needed = filesBelow(`packages/${pkg}/src`)
      .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'))
      .concat([`packages/${pkg}/tsconfig.json`, `packages/${pkg}/package.json`]);
    for (const f of needed)
      if (dockerIgnored(ignore, f)) problems.push(`.dockerignore leaves out ${f}, which the build needs`);
  }
  for (const f of ['packages/core/dist/index.js', 'packages/core/tsconfig.tsbuildinfo', 'node_modules/x', '.git/HEAD'])
    if (!dockerIgnored(ignore, f)) problems.push(`.dockerignore lets ${f} into the build context`);

  // The server is carved out with production dependencies only; pnpm 10 needs --legacy for that.
  const deploy = instructions.find((i) => i.cmd === 'RUN' && /pnpm .*\bdeploy\b/.test(i.args));
  if (!deploy) problems.push('no `pnpm deploy` of the server');
  else {
    if (!/--filter[= ]@kaudit\/server\b/.test(deploy.args)) problems.push('pnpm deploy: not of @kaudit/server');
    if (!/--prod\b/.test(deploy.args)) problems.push('pnpm deploy: without --prod the dev dependencies ship');
    if (!/--legacy\b/.test(deploy.args)) problems.push('pnpm deploy: pnpm 10 needs --legacy (no injected workspace)');
  }

  // What runs: exec form, through tini, the file the deploy produces from the server's `bin`.
  const last = (cmd: string) => instructions.filter((i) => i.cmd === cmd && i.stage === final).at(-1);
  const entrypoint = last('ENTRYPOINT');
  const cmd = last('CMD');
  const argv = [...(execForm(entrypoint?.args ?? '[]') ?? ['<shell form>']), ...(execForm(cmd?.args ?? '[]') ?? [])];
  if (entrypoint && !execForm(entrypoint.args)) problems.push('ENTRYPOINT in shell form: SIGTERM would reach /bin/sh');
  if (!argv[0]?.endsWith('/tini')) problems.push('PID 1 is not tini');
  else if (!runText(final).includes('tini')) problems.push('tini is not installed in the runtime stage');
  const script = argv.find((a) => a.endsWith('.js'));
  const serverPkg = JSON.parse(read('packages/server/package.json')) as { bin?: Record<string, string> };
  const bin = serverPkg.bin?.kaudit?.replace(/^\.\//, '');
  const copyOut = instructions
    .filter((i) => i.stage === final && i.cmd === 'COPY' && i.args.includes('--from='))
    .map((i) => i.args.split(/\s+/).filter((w) => !w.startsWith('--')))
    .find(([src]) => src !== undefined && /^\/out\/?$/.test(src));
  const target = copyOut ? `${copyOut[1]!.replace(/\/+$/, '')}/${bin}` : undefined;
  if (!script || script !== target)
    problems.push(`the image runs ${script}, but the deployed server's bin is ${target}`);
  const tsconfig = JSON.parse(read('packages/server/tsconfig.json')) as {
    compilerOptions?: { outDir?: string; rootDir?: string };
  };
  const source = bin?.replace(/^dist\//, `${tsconfig.compilerOptions?.rootDir ?? 'src'}/`).replace(/\.js$/, '.ts');
  if (
    !bin?.startsWith(`${tsconfig.compilerOptions?.outDir ?? 'dist'}/`) ||
    !source ||
    !existsSync(at('packages/server', source))
  )
    problems.push(`the server's bin ${bin} is not compiled from a source file`);
  if (argv.at(-1) !== 'serve') problems.push('the default command is not `serve`');

  // Non-root by number (Kubernetes' runAsNonRoot can only verify a numeric user).
  const user = last('USER')?.args.split(':')[0];
  if (user === undefined || !/^\d+$/.test(user) || user === '0')
    problems.push(`USER ${user}: not a numeric non-root user`);

  // The port: EXPOSE, PORT and the server's default agree.
  const expose = last('EXPOSE')?.args;
  if (expose !== String(SERVER_DEFAULTS.port))
    problems.push(`EXPOSE ${expose}: the server listens on ${SERVER_DEFAULTS.port}`);
  const env = instructions
    .filter((i) => i.stage === final && i.cmd === 'ENV')
    .flatMap((i) => [...i.args.matchAll(/([A-Z_]+)=(\S+)/g)].map((m) => [m[1]!, m[2]!] as const));
  const port = env.find(([k]) => k === 'PORT')?.[1];
  if (port !== undefined && port !== expose) problems.push(`ENV PORT=${port} but EXPOSE ${expose}`);
  if (env.find(([k]) => k === 'HOST')?.[1] !== '0.0.0.0')
    problems.push('HOST is not 0.0.0.0: nothing outside the container could connect');
  const rulesEnv = env.find(([k]) => k === 'KAUDIT_RULES')?.[1];
  const rulesCopied = instructions.some(
    (i) =>
      i.stage === final &&
      i.cmd === 'COPY' &&
      /^rules\/?\s/.test(i.args) &&
      rulesEnv !== undefined &&
      i.args.trim().endsWith(`${rulesEnv}/`),
  );
  if (!rulesCopied) problems.push('the default rules are not copied to KAUDIT_RULES in the runtime stage');
  return problems;
}

describe('Dockerfile', () => {
  const dockerfile = read('Dockerfile');
  const dockerignore = read('.dockerignore');

  it('references only what the repository has or the build stage produces, runs the deployed bin as non-root under tini', () => {
    expect(dockerfileProblems(dockerfile, dockerignore)).toEqual([]);
  });

  it('catches each fault in a mutated copy', () => {
    const mutate = (from: string | RegExp, to: string) => {
      const changed = dockerfile.replace(from, to);
      expect(changed).not.toBe(dockerfile);
      return dockerfileProblems(changed, dockerignore).join('\n');
    };
    expect(mutate('COPY examples/package.json examples/', 'COPY example/package.json examples/')).toMatch(
      /example\/package.json: not in the repository[\s\S]*examples\/package.json is not copied before pnpm install/,
    );
    expect(mutate('USER 1000:1000', 'USER 0')).toMatch(/not a numeric non-root user/);
    expect(mutate('USER 1000:1000', 'USER node')).toMatch(/not a numeric non-root user/);
    expect(mutate(/FROM node:20-bookworm-slim AS runtime/, 'FROM node AS runtime')).toMatch(/not pinned/);
    expect(mutate(/FROM node:20-bookworm-slim AS build/, 'FROM node:latest AS build')).toMatch(/not pinned/);
    expect(mutate('EXPOSE 8080', 'EXPOSE 9090')).toMatch(/EXPOSE 9090: the server listens on 8080/);
    expect(mutate('"/app/dist/cli.js"', '"/app/cli.js"')).toMatch(/the image runs \/app\/cli.js/);
    expect(mutate('deploy --prod --legacy', 'deploy --prod')).toMatch(/needs --legacy/);
    expect(mutate('deploy --prod --legacy', 'deploy --legacy')).toMatch(/without --prod/);
    expect(mutate('ENTRYPOINT ["/usr/bin/tini", "--", ', 'ENTRYPOINT ["')).toMatch(/PID 1 is not tini/);
    expect(mutate(/ENTRYPOINT \[.*\]/, 'ENTRYPOINT node /app/dist/cli.js')).toMatch(/shell form/);
    expect(mutate('COPY --from=build /out/ /app/', 'COPY --from=build /output/ /app/')).toMatch(
      /no RUN of stage build produces it/,
    );
    expect(mutate('COPY rules/ /app/rules/', 'COPY rule/ /app/rules/')).toMatch(/rule\/: not in the repository/);
    expect(dockerfileProblems(dockerfile, `${dockerignore}\npackages/core/src\n`).join('\n')).toMatch(
      /leaves out packages\/core\/src\/index.ts/,
    );
    expect(dockerfileProblems(dockerfile, dockerignore.replace('**/*.tsbuildinfo', '')).join('\n')).toMatch(
      /lets packages\/core\/tsconfig.tsbuildinfo into the build context/,
    );
  });

  it('.dockerignore keeps the default rules but not their tests', () => {
    const ignore = dockerignorePatterns(dockerignore);
    expect(dockerIgnored(ignore, 'rules/execution.json')).toBe(false);
    expect(dockerIgnored(ignore, 'rules/profiles/kind.json')).toBe(false);
    expect(dockerIgnored(ignore, 'rules/default-rules.test.ts')).toBe(true);
    expect(dockerIgnored(['**/dist', '!packages/x/dist'], 'packages/x/dist/a.js')).toBe(false);
  });
});

// ---------------------------------------------------------------- audit policies

type GroupResource = { group: string; resource: string };
const SENSITIVE: GroupResource[] = [
  { group: '', resource: 'secrets' },
  { group: '', resource: 'configmaps' },
  { group: '', resource: 'serviceaccounts/token' },
  { group: 'authentication.k8s.io', resource: 'tokenreviews' },
];
const INTERACTIVE: GroupResource[] = ['pods/exec', 'pods/attach', 'pods/portforward'].map((resource) => ({
  group: '',
  resource,
}));

const BODILESS_VERBS = ['get', 'list', 'watch', 'delete', 'deletecollection'];
const POLICY_KEYS = ['apiVersion', 'kind', 'metadata', 'rules', 'omitStages', 'omitManagedFields'];
const RULE_KEYS = [
  'level',
  'users',
  'userGroups',
  'verbs',
  'resources',
  'namespaces',
  'nonResourceURLs',
  'omitStages',
  'omitManagedFields',
];

/** Whether a policy rule can match requests for a resource (users, verbs and namespaces ignored: conservative). */
function covers(rule: Doc, { group, resource }: GroupResource): boolean {
  if (rule.nonResourceURLs !== undefined) return false;
  if (rule.resources === undefined) return true;
  return arr(rule.resources).some((gr) => {
    const g = obj(gr);
    if ((typeof g.group === 'string' ? g.group : '') !== group) return false;
    const names = strs(g.resources);
    const [parent] = resource.split('/');
    return (
      names.length === 0 ||
      names.some((n) => n === resource || n === '*' || n === `${parent}/*` || n === `*/${resource.split('/')[1]}`)
    );
  });
}
/** Whether a rule names the resource explicitly (not through a whole group or a catch-all). */
const names = (rule: Doc, { group, resource }: GroupResource) =>
  arr(rule.resources).some((gr) => (obj(gr).group ?? '') === group && strs(obj(gr).resources).includes(resource));
const narrowed = (rule: Doc) => ['users', 'userGroups', 'verbs', 'namespaces'].some((k) => rule[k] !== undefined);

function policyProblems(policy: Doc): string[] {
  const problems: string[] = [];
  if (policy.apiVersion !== 'audit.k8s.io/v1')
    problems.push(`apiVersion ${String(policy.apiVersion)}: not audit.k8s.io/v1`);
  if (policy.kind !== 'Policy') problems.push(`kind ${String(policy.kind)}: not Policy`);
  if ('webhook' in policy)
    problems.push('a webhook: block: the webhook is configured by the kubeconfig and flags, not the policy');
  if (!strs(policy.omitStages).includes('RequestReceived')) problems.push('RequestReceived is not omitted');
  const rules = arr(policy.rules).map(obj);
  if (rules.length === 0) problems.push('no rules');
  // The fields of audit.k8s.io/v1 Policy and PolicyRule: a misspelt selector would be ignored and widen a rule.
  for (const key of Object.keys(policy))
    if (!POLICY_KEYS.includes(key) && key !== 'webhook') problems.push(`unknown Policy field ${key}`);
  rules.forEach((rule, i) => {
    for (const key of Object.keys(rule)) if (!RULE_KEYS.includes(key)) problems.push(`rule ${i}: unknown field ${key}`);
    for (const gr of arr(rule.resources).map(obj))
      for (const key of Object.keys(gr))
        if (!['group', 'resources', 'resourceNames'].includes(key))
          problems.push(`rule ${i}: unknown resources field ${key}`);
    if (!['None', 'Metadata', 'Request', 'RequestResponse'].includes(String(rule.level)))
      problems.push(`rule ${i}: level ${String(rule.level)}`);
    if (rule.nonResourceURLs !== undefined && (rule.resources !== undefined || rule.namespaces !== undefined))
      problems.push(`rule ${i}: both non-resource URLs and resources (the API server refuses it)`);
  });
  for (const sensitive of SENSITIVE) {
    const what = `${sensitive.group || 'core'}/${sensitive.resource}`;
    let safe = false;
    for (const rule of rules) {
      if (!covers(rule, sensitive)) continue;
      if (rule.level === 'Metadata' && names(rule, sensitive) && !narrowed(rule)) {
        safe = true;
        break;
      }
      // At Request level, verbs without a request body record nothing of the object (DeleteOptions at most).
      const bodiless = strs(rule.verbs).length > 0 && strs(rule.verbs).every((v) => BODILESS_VERBS.includes(v));
      if (rule.level === 'RequestResponse' || (rule.level === 'Request' && !bodiless)) {
        problems.push(`${what}: a ${rule.level} rule comes before the Metadata rule naming it`);
        safe = true; // reported once
        break;
      }
    }
    if (!safe) problems.push(`${what}: no Metadata rule names it`);
  }
  for (const interactive of INTERACTIVE) {
    const first = rules.find((r) => covers(r, interactive) && !(r.level === 'None' && narrowed(r)));
    if (!first || first.level === 'None') problems.push(`${interactive.resource}: not recorded`);
    else if ([...strs(policy.omitStages), ...strs(first.omitStages)].includes('ResponseStarted'))
      problems.push(`${interactive.resource}: ResponseStarted omitted (the alert would wait for the session to end)`);
  }
  const last = rules.at(-1);
  if (
    !last ||
    last.resources !== undefined ||
    last.nonResourceURLs !== undefined ||
    narrowed(last) ||
    last.level === 'None'
  )
    problems.push('no catch-all rule at the end: requests to other APIs would not be recorded');
  return problems;
}

describe('audit policies (kind, minikube)', () => {
  const kind = yamlFile('examples/kind/audit-policy.yaml');

  it.each(['kind', 'minikube'])(
    '%s: audit.k8s.io/v1, no webhook block, RequestReceived omitted, secrets at Metadata, exec kept',
    (dir) => {
      expect(policyProblems(yamlFile(`examples/${dir}/audit-policy.yaml`))).toEqual([]);
    },
  );

  it("the checker agrees with real policies: GCE production passes but for its per-rule omitStages; Falco's is v1beta1", () => {
    if (skipWithoutFixtures('audit policy checks on real policies')) return;
    const real = (path: string) => yaml(readFileSync(join(FIXTURES_DIR, 'configs', path), 'utf8'), path);
    // The GCE policy omits RequestReceived rule by rule instead of at the top; everything else holds.
    expect(policyProblems(real('kubernetes-gce-configure-helper/audit-policy.rendered.yaml'))).toEqual([
      'RequestReceived is not omitted',
    ]);
    // kubernetes/website's example records ConfigMap bodies in kube-system and TokenRequests at Request level
    // before any Metadata rule, and leaves TokenReviews to its catch-all.
    expect(policyProblems(real('kubernetes-website/audit-policy.yaml'))).toEqual([
      'core/configmaps: a Request rule comes before the Metadata rule naming it',
      'core/serviceaccounts/token: a Request rule comes before the Metadata rule naming it',
      'authentication.k8s.io/tokenreviews: no Metadata rule names it',
    ]);
    expect(policyProblems(real('falcosecurity-falco-examples/audit-policy.yaml')).join('\n')).toMatch(
      /apiVersion audit.k8s.io\/v1beta1/,
    );
  });

  it('is the same policy in both folders', () => {
    expect(read('examples/minikube/audit-policy.yaml')).toBe(read('examples/kind/audit-policy.yaml'));
  });

  it('catches each fault in a mutated copy', () => {
    const mutated = (change: (p: Doc) => void) => {
      const p = clone(kind);
      change(p);
      return policyProblems(p).join('\n');
    };
    expect(mutated((p) => (p.apiVersion = 'audit.k8s.io/v1beta1'))).toMatch(/not audit.k8s.io\/v1/);
    expect(mutated((p) => (p.webhook = { throttle: { qps: 10 } }))).toMatch(/a webhook: block/);
    expect(mutated((p) => delete p.omitStages)).toMatch(/RequestReceived is not omitted/);
    // The secrets rule moved behind the RequestResponse rule for known APIs.
    expect(
      mutated((p) => {
        const rules = arr(p.rules).map(obj);
        const i = rules.findIndex((r) => names(r, SENSITIVE[0]!));
        const [secrets] = rules.splice(i, 1);
        rules.splice(rules.length - 1, 0, secrets!);
        p.rules = rules;
      }),
    ).toMatch(/core\/secrets: a RequestResponse rule comes before the Metadata rule naming it/);
    expect(mutated((p) => (p.rules = [{ level: 'RequestResponse' }]))).toMatch(/tokenreviews: a RequestResponse rule/);
    expect(
      mutated(
        (p) => (p.rules = [{ level: 'None', resources: [{ group: '', resources: ['pods/exec'] }] }, ...arr(p.rules)]),
      ),
    ).toMatch(/pods\/exec: not recorded/);
    expect(mutated((p) => (p.omitStages = ['RequestReceived', 'ResponseStarted']))).toMatch(/ResponseStarted omitted/);
    expect(mutated((p) => (p.rules = arr(p.rules).slice(0, -1)))).toMatch(/no catch-all rule/);
    expect(mutated((p) => (obj(arr(p.rules)[0]).user = ['system:kube-proxy']))).toMatch(/rule 0: unknown field user/);
    expect(mutated((p) => (obj(arr(p.rules)[0]).level = 'Everything'))).toMatch(/rule 0: level Everything/);
    expect(mutated((p) => (obj(arr(obj(arr(p.rules)[0]).resources)[0]).resource = ['x']))).toMatch(
      /unknown resources field resource/,
    );
    expect(mutated((p) => (obj(arr(p.rules)[0]).nonResourceURLs = ['/x']))).toMatch(
      /both non-resource URLs and resources/,
    );
  });
});

// ---------------------------------------------------------------- webhook kubeconfigs and cluster configs

type AuthStyle = 'token' | 'client-cert';

/** Problems of an API server's webhook kubeconfig: reachable https URL, CA, and the auth fields of its style. */
function kubeconfigProblems(config: Doc, style: AuthStyle, fileDir: string): string[] {
  const problems: string[] = [];
  if (config.apiVersion !== 'v1' || config.kind !== 'Config') problems.push('not a v1 Config');
  const byName = (list: unknown, name: unknown) =>
    arr(list)
      .map(obj)
      .find((e) => e.name === name);
  const context = obj(byName(config.contexts, config['current-context'])?.context);
  const cluster = obj(byName(config.clusters, context.cluster)?.cluster);
  const user = obj(byName(config.users, context.user)?.user);
  if (Object.keys(cluster).length === 0) problems.push('current-context names no cluster');
  let url: URL | undefined;
  try {
    url = new URL(String(cluster.server));
  } catch {
    problems.push(`server ${String(cluster.server)}: not a URL`);
  }
  if (url) {
    if (url.protocol !== 'https:')
      problems.push(`server ${url.href}: not https (the token would cross the network in clear)`);
    if (/\.svc(\.|$)|\.cluster\.local$/.test(url.hostname))
      problems.push(`server ${url.href}: a cluster DNS name, which the API server cannot resolve`);
    if (url.pathname !== '/audit') problems.push(`server ${url.href}: kaudit receives on /audit`);
    if (url.port !== String(SERVER_DEFAULTS.port))
      problems.push(`server ${url.href}: kaudit listens on ${SERVER_DEFAULTS.port} by default`);
  }
  const files: unknown[] = [cluster['certificate-authority']];
  if (typeof cluster['certificate-authority'] !== 'string')
    problems.push("no certificate-authority: kaudit's certificate could not be verified");
  if (cluster['insecure-skip-tls-verify'] === true) problems.push('insecure-skip-tls-verify');
  if (style === 'token') {
    if (typeof user.token !== 'string' && typeof user.tokenFile !== 'string')
      problems.push('token style without a token');
    if (user['client-certificate'] !== undefined) problems.push('token style with a client certificate');
  } else {
    if (typeof user['client-certificate'] !== 'string' || typeof user['client-key'] !== 'string')
      problems.push('client-certificate style without client-certificate and client-key');
    if (user.token !== undefined || user.password !== undefined)
      problems.push('client-certificate style with a shared secret');
    files.push(user['client-certificate'], user['client-key']);
  }
  for (const f of files)
    if (typeof f === 'string' && !f.startsWith(`${fileDir}/`))
      problems.push(`${f}: not in ${fileDir}, where the API server sees files`);
  if (user.token !== undefined && user.token !== 'REPLACE_ME')
    problems.push('a token is committed: use the REPLACE_ME placeholder');
  return problems;
}

/** The file names make-certs.sh writes (`-out` / `-keyout`). */
const certFiles = () =>
  [...read('examples/kubernetes/make-certs.sh').matchAll(/-(?:key)?out (\S+\.(?:crt|key))/g)].map((m) => m[1]!);

describe('webhook kubeconfigs', () => {
  const folders = { kind: '/etc/kubernetes/kaudit', minikube: '/etc/ssl/certs/kaudit' };
  const cases = Object.entries(folders).flatMap(([dir, fileDir]) =>
    (['token', 'client-cert'] as const).map((style) => ({ dir, style, fileDir })),
  );

  it.each(cases)(
    '$dir, $style: https to /audit on 8080, CA, the auth fields of its style, files in $fileDir',
    ({ dir, style, fileDir }) => {
      const config = yamlFile(`examples/${dir}/webhook-kubeconfig-${style}.yaml`);
      expect(kubeconfigProblems(config, style, fileDir)).toEqual([]);
      // Every file it names is one that make-certs.sh writes.
      const named = JSON.stringify(config).match(/[\w-]+\.(?:crt|key)/g) ?? [];
      expect(named.length).toBeGreaterThan(0);
      for (const f of named) expect(certFiles()).toContain(f);
    },
  );

  it('catches each fault in a mutated copy', () => {
    const base = yamlFile('examples/kind/webhook-kubeconfig-token.yaml');
    const mtls = yamlFile('examples/kind/webhook-kubeconfig-client-cert.yaml');
    const mutated = (config: Doc, style: AuthStyle, change: (c: { cluster: Doc; user: Doc }) => void) => {
      const c = clone(config);
      change({ cluster: obj(obj(arr(c.clusters)[0]).cluster), user: obj(obj(arr(c.users)[0]).user) });
      return kubeconfigProblems(c, style, folders.kind).join('\n');
    };
    expect(mutated(base, 'token', ({ cluster }) => (cluster.server = 'http://172.18.0.1:8080/audit'))).toMatch(
      /not https/,
    );
    expect(mutated(base, 'token', ({ cluster }) => (cluster.server = 'https://kaudit.kaudit.svc:8080/audit'))).toMatch(
      /cluster DNS name/,
    );
    expect(mutated(base, 'token', ({ cluster }) => (cluster.server = 'https://172.18.0.1:8080/'))).toMatch(
      /receives on \/audit/,
    );
    expect(mutated(base, 'token', ({ user }) => delete user.token)).toMatch(/token style without a token/);
    expect(mutated(base, 'token', ({ user }) => (user.token = 's3cr3t'))).toMatch(/a token is committed/);
    expect(mutated(base, 'token', ({ cluster }) => delete cluster['certificate-authority'])).toMatch(
      /no certificate-authority/,
    );
    expect(mutated(mtls, 'client-cert', ({ user }) => delete user['client-key'])).toMatch(
      /without client-certificate and client-key/,
    );
    expect(mutated(mtls, 'client-cert', ({ user }) => (user.token = 'REPLACE_ME'))).toMatch(/with a shared secret/);
    expect(mutated(mtls, 'client-cert', ({ user }) => (user['client-key'] = '/home/me/client.key'))).toMatch(
      /not in \/etc\/kubernetes\/kaudit/,
    );
  });
});

/** Problems of kind-cluster.yaml: the flags name files in the folder mounted into the node and the API server. */
function kindClusterProblems(cluster: Doc): string[] {
  const problems: string[] = [];
  if (cluster.kind !== 'Cluster' || cluster.apiVersion !== 'kind.x-k8s.io/v1alpha4')
    problems.push('not a kind Cluster');
  const node = arr(cluster.nodes)
    .map(obj)
    .find((n) => n.role === 'control-plane');
  if (!node) return [...problems, 'no control-plane node'];
  const patch = strs(node.kubeadmConfigPatches)
    .map((p) => yaml(p, 'kubeadmConfigPatches'))
    .find((p) => p.kind === 'ClusterConfiguration');
  const apiServer = obj(patch?.apiServer);
  const args = obj(apiServer.extraArgs);
  const volumes = arr(apiServer.extraVolumes).map(obj);
  const mounts = arr(node.extraMounts).map(obj);
  for (const flag of ['audit-policy-file', 'audit-webhook-config-file']) {
    const file = args[flag];
    if (typeof file !== 'string') {
      problems.push(`apiServer.extraArgs has no ${flag}`);
      continue;
    }
    const volume = volumes.find((v) => typeof v.mountPath === 'string' && file.startsWith(`${v.mountPath}/`));
    if (!volume) problems.push(`${flag} ${file}: in no extraVolume of the API server`);
    else if (!mounts.some((m) => m.containerPath === volume.hostPath))
      problems.push(`${flag}: the API server's volume ${String(volume.hostPath)} is no extraMount of the node`);
  }
  if (typeof args['audit-webhook-batch-max-wait'] !== 'string') problems.push('no audit-webhook-batch-max-wait');
  return problems;
}

describe('kind cluster config', () => {
  const cluster = yamlFile('examples/kind/kind-cluster.yaml');

  it('passes the audit flags and mounts their folder into the node and the API server', () => {
    expect(kindClusterProblems(cluster)).toEqual([]);
  });

  it('names the files the README puts into the mounted folder', () => {
    const node = arr(cluster.nodes).map(obj)[0]!;
    const mount = obj(arr(node.extraMounts)[0]);
    const args = obj(obj(yaml(strs(node.kubeadmConfigPatches)[0]!).apiServer).extraArgs);
    const local = String(mount.hostPath).replace(/^\.\//, '');
    const readme = read('examples/kind/README.md');
    expect(readme).toContain(`mkdir -p ${local}`);
    for (const flag of ['audit-policy-file', 'audit-webhook-config-file']) {
      const name = String(args[flag]).slice(String(mount.containerPath).length + 1);
      expect(readme).toMatch(
        new RegExp(`(cp [^\\n]*audit-policy.yaml ${local}/|> ${local}/)${name === 'audit-policy.yaml' ? '' : name}`),
      );
    }
    // The kubeconfigs' CA and client files land there too (make-certs.sh writes into local/).
    expect(readme).toContain(`make-certs.sh ${local} `);
  });

  it('catches each fault in a mutated copy', () => {
    const mutated = (change: (node: Doc, patch: Doc) => void) => {
      const c = clone(cluster);
      const node = obj(arr(c.nodes)[0]);
      const patch = yaml(strs(node.kubeadmConfigPatches)[0]!);
      change(node, patch);
      node.kubeadmConfigPatches = [JSON.stringify(patch)];
      return kindClusterProblems(c).join('\n');
    };
    expect(mutated((_, p) => delete obj(obj(p.apiServer).extraArgs)['audit-webhook-config-file'])).toMatch(
      /no audit-webhook-config-file/,
    );
    expect(mutated((_, p) => (obj(p.apiServer).extraVolumes = []))).toMatch(/in no extraVolume of the API server/);
    expect(mutated((node) => (node.extraMounts = []))).toMatch(/is no extraMount of the node/);
  });
});

// ---------------------------------------------------------------- READMEs

/** The shell code blocks of a README: what a reader copies and runs. */
const shellBlocks = (readme: string) => [...readme.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]!).join('\n');

/** Problems of the minikube README: every --extra-config for the API server carries the apiserver. prefix. */
function minikubeReadmeProblems(readme: string): string[] {
  const problems: string[] = [];
  const flags = [...shellBlocks(readme).matchAll(/--extra-config=([^\s\\`]+)/g)].map((m) => m[1]!);
  for (const flag of flags)
    if (!flag.startsWith('apiserver.')) problems.push(`--extra-config=${flag}: no apiserver. prefix`);
  for (const needed of ['audit-policy-file', 'audit-webhook-config-file'])
    if (!flags.some((f) => f.startsWith(`apiserver.${needed}=`)))
      problems.push(`no --extra-config=apiserver.${needed}`);
  // The flags name files in the node folder that minikube's file sync fills.
  for (const flag of flags.filter((f) => /-file=/.test(f))) {
    const path = flag.split('=')[1]!;
    if (!readme.includes(`.minikube/files${dirname(path)}`))
      problems.push(`${path}: not put into the node through ~/.minikube/files`);
  }
  if (/^\s*webhook:/m.test(readme)) problems.push('a webhook: block');
  return problems;
}

describe('READMEs', () => {
  it('minikube: every API-server flag has the apiserver. prefix and names a file synced into the node', () => {
    expect(minikubeReadmeProblems(read('examples/minikube/README.md'))).toEqual([]);
  });

  it('minikube: the kubeconfig written into the node is the file the flag names', () => {
    const readme = read('examples/minikube/README.md');
    const flag = /--extra-config=apiserver\.audit-webhook-config-file=(\S+)/.exec(shellBlocks(readme))?.[1];
    expect(flag).toBeDefined();
    const name = flag!.split('/').at(-1)!;
    expect(readme).toContain(`> "$dest/${name}"`);
    expect(readme).toContain(`"$dest/${name}"`);
    expect(readme).toMatch(/dest="\$\{MINIKUBE_HOME:-\$HOME\}\/\.minikube\/files\/etc\/ssl\/certs\/kaudit"/);
    expect(dirname(flag!)).toBe('/etc/ssl/certs/kaudit');
  });

  it('catches a flag without the prefix, and a missing flag', () => {
    const readme = read('examples/minikube/README.md');
    const broken = readme.replaceAll(
      '--extra-config=apiserver.audit-webhook-config-file=',
      '--extra-config=audit-webhook-config-file=',
    );
    expect(broken).not.toBe(readme);
    expect(minikubeReadmeProblems(broken).join('\n')).toMatch(
      /--extra-config=audit-webhook-config-file=\S+: no apiserver\. prefix[\s\S]*no --extra-config=apiserver\.audit-webhook-config-file/,
    );
    expect(
      minikubeReadmeProblems(readme.replaceAll('.minikube/files/etc/ssl/certs/kaudit', '.minikube/etc')).join('\n'),
    ).toMatch(/not put into the node/);
  });

  it('every kaudit variable the READMEs and manifests set is one kaudit serve reads', () => {
    const texts = [
      'examples/minikube/README.md',
      'examples/kind/README.md',
      'examples/kubernetes/README.md',
      'examples/kubernetes/deployment.yaml',
    ]
      .map((f) => read(f))
      .join('\n');
    const used = new Set([...texts.matchAll(/\b(KAUDIT_[A-Z_]+)\b/g)].map((m) => m[1]!));
    expect(used.size).toBeGreaterThan(3);
    for (const name of used) expect(KNOWN_ENV, name).toContain(name);
  });
});

// ---------------------------------------------------------------- Kubernetes manifests

interface Manifests {
  byKind: (kind: string) => Doc[];
  all: Doc[];
}
const manifests = (docs: Doc[]): Manifests => ({ all: docs, byKind: (kind) => docs.filter((d) => d.kind === kind) });
const loadManifests = (): Manifests =>
  manifests(yamlFilesIn('examples/kubernetes').map((f) => yamlFile('examples/kubernetes', f)));
const nameOf = (d: Doc) => obj(d.metadata).name;
const podSpec = (deployment: Doc) => obj(obj(obj(deployment.spec).template).spec);

/** Cross-references and security settings of the Deployment, Service, ConfigMaps and Secrets. */
function manifestProblems(m: Manifests): string[] {
  const problems: string[] = [];
  const [deployment] = m.byKind('Deployment');
  const [service] = m.byKind('Service');
  if (!deployment || !service) return ['no Deployment or no Service'];
  const namespace = nameOf(m.byKind('Namespace')[0] ?? {});
  for (const d of m.all)
    if (d.kind !== 'Namespace' && d.kind !== 'Kustomization' && obj(d.metadata).namespace !== namespace)
      problems.push(`${String(d.kind)} ${String(nameOf(d))}: not in namespace ${String(namespace)}`);

  const spec = podSpec(deployment);
  const containers = arr(spec.containers).map(obj);
  const container = containers[0] ?? {};
  const podSec = obj(spec.securityContext);
  const sec = obj(container.securityContext);
  if ((sec.runAsNonRoot ?? podSec.runAsNonRoot) !== true) problems.push('runAsNonRoot is not true');
  const uid = sec.runAsUser ?? podSec.runAsUser;
  if (typeof uid === 'number' && uid === 0) problems.push('runAsUser 0');
  if (sec.readOnlyRootFilesystem !== true) problems.push('readOnlyRootFilesystem is not true');
  if (sec.allowPrivilegeEscalation !== false) problems.push('allowPrivilegeEscalation is not false');
  if (!strs(obj(sec.capabilities).drop).includes('ALL')) problems.push('capabilities are not all dropped');
  const resources = obj(container.resources);
  if (!obj(resources.requests).memory || !obj(resources.limits).memory) problems.push('no memory request and limit');

  // Ports: probes and the Service point at a port the container declares.
  const ports = arr(container.ports).map(obj);
  const portOf = (p: unknown) => ports.find((cp) => cp.name === p || cp.containerPort === p);
  for (const [probe, path] of [
    ['livenessProbe', '/livez'],
    ['readinessProbe', '/readyz'],
  ] as const) {
    const get = obj(obj(container[probe]).httpGet);
    if (get.path !== path) problems.push(`${probe}: path ${String(get.path)}, not ${path}`);
    if (!portOf(get.port)) problems.push(`${probe}: port ${String(get.port)} is not a container port`);
  }
  const svcSpec = obj(service.spec);
  for (const p of arr(svcSpec.ports).map(obj))
    if (!portOf(p.targetPort)) problems.push(`Service targetPort ${String(p.targetPort)} is no containerPort`);
  const labels = obj(obj(obj(obj(deployment.spec).template).metadata).labels);
  for (const [k, v] of Object.entries(obj(svcSpec.selector)))
    if (labels[k] !== v) problems.push(`Service selector ${k}=${String(v)} selects no pod of the Deployment`);

  // Secrets and ConfigMaps referenced exist, with the keys used.
  const secret = (name: unknown) => m.byKind('Secret').find((s) => nameOf(s) === name);
  const configMap = (name: unknown) => m.byKind('ConfigMap').find((c) => nameOf(c) === name);
  const keysOf = (d: Doc) => Object.keys({ ...obj(d.data), ...obj(d.stringData) });
  for (const env of arr(container.env).map(obj)) {
    const ref = obj(obj(env.valueFrom).secretKeyRef);
    if (ref.name === undefined) continue;
    const s = secret(ref.name);
    if (!s) problems.push(`env ${String(env.name)}: no Secret ${String(ref.name)}`);
    else if (!keysOf(s).includes(String(ref.key)))
      problems.push(`env ${String(env.name)}: Secret ${String(ref.name)} has no key ${String(ref.key)}`);
  }
  const volumes = arr(spec.volumes).map(obj);
  for (const v of volumes) {
    const s = obj(v.secret).secretName;
    const c = obj(v.configMap).name;
    if (s !== undefined && !secret(s)) problems.push(`volume ${String(v.name)}: no Secret ${String(s)}`);
    if (c !== undefined && !configMap(c)) problems.push(`volume ${String(v.name)}: no ConfigMap ${String(c)}`);
  }
  for (const mount of arr(container.volumeMounts).map(obj)) {
    if (!volumes.some((v) => v.name === mount.name)) problems.push(`volumeMount ${String(mount.name)}: no such volume`);
    if (mount.subPath !== undefined)
      problems.push(`volumeMount ${String(mount.name)}: subPath mounts are never updated (no reload)`);
  }
  // Nothing secret is committed: placeholders only.
  for (const s of m.byKind('Secret'))
    for (const [key, value] of Object.entries({ ...obj(s.data), ...obj(s.stringData) }))
      if (String(value).trim() !== 'REPLACE_ME')
        problems.push(`Secret ${String(nameOf(s))} ${key}: not the REPLACE_ME placeholder`);
  return problems;
}

/** The variables `kaudit serve` reads (each is checked against loadServerSettings below). */
const KNOWN_ENV = [
  'KAUDIT_CONFIG',
  'KAUDIT_RULES',
  'KAUDIT_PROFILE',
  'KAUDIT_AUTH_TOKEN',
  'KAUDIT_AUTH_TOKEN_FILE',
  'KAUDIT_TLS_CERT',
  'KAUDIT_TLS_KEY',
  'KAUDIT_TLS_CLIENT_CA',
];

describe('Kubernetes manifests', () => {
  const m = loadManifests();
  let pod: string; // a file-system root standing in for the container's
  beforeAll(async () => {
    pod = await mkdtemp(join(tmpdir(), 'kaudit-deploy-'));
  });
  afterAll(async () => {
    await rm(pod, { recursive: true, force: true });
  });

  it('cross-reference: Secrets, ConfigMaps, ports, probes, selector; non-root, read-only, no capabilities; placeholders only', () => {
    expect(m.byKind('Deployment')).toHaveLength(1);
    expect(m.byKind('Secret').map(nameOf).sort()).toEqual(['kaudit-auth', 'kaudit-slack', 'kaudit-tls']);
    expect(manifestProblems(m)).toEqual([]);
  });

  it('kustomization lists every manifest but the Secret examples, and sets the Deployment image', () => {
    const k = yamlFile('examples/kubernetes/kustomization.yaml');
    const listed = strs(k.resources).sort();
    const files = yamlFilesIn('examples/kubernetes').filter(
      (f) => f !== 'kustomization.yaml' && !f.endsWith('.example.yaml'),
    );
    expect(listed).toEqual(files);
    const image = String(obj(arr(podSpec(m.byKind('Deployment')[0]!).containers)[0]).image).split(':')[0];
    expect(arr(k.images).map((i) => obj(i).name)).toContain(image);
  });

  it('the pod as mounted starts kaudit serve: the config loads, TLS and the token file are found, auth allows 0.0.0.0', async () => {
    // Lay out the container's files from the manifests: ConfigMap and Secret keys under their mount paths,
    // the image's default rules at /app/rules (the Dockerfile's KAUDIT_RULES).
    const deployment = m.byKind('Deployment')[0]!;
    const spec = podSpec(deployment);
    const container = obj(arr(spec.containers)[0]);
    const volumes = arr(spec.volumes).map(obj);
    const inPod = (p: string) =>
      p.startsWith('/app/rules') ? at('rules') + p.slice('/app/rules'.length) : join(pod, p);
    for (const mount of arr(container.volumeMounts).map(obj)) {
      const volume = volumes.find((v) => v.name === mount.name)!;
      const source =
        m.byKind('ConfigMap').find((c) => nameOf(c) === obj(volume.configMap).name) ??
        m.byKind('Secret').find((s) => nameOf(s) === obj(volume.secret).secretName);
      await mkdir(inPod(String(mount.mountPath)), { recursive: true });
      for (const [key, value] of Object.entries({ ...obj(source?.data), ...obj(source?.stringData) }))
        await writeFile(join(inPod(String(mount.mountPath)), key), String(value));
    }
    const env: Record<string, string> = { HOST: '0.0.0.0', PORT: String(SERVER_DEFAULTS.port) }; // the image's ENV
    for (const e of arr(container.env).map(obj)) {
      if (typeof e.value === 'string') env[String(e.name)] = e.value.split(',').map(inPod).join(',');
      else env[String(e.name)] = 'xoxb-from-the-secret';
    }
    const settings = await loadServerSettings({ env, cwd: pod });
    expect(settings.sinksFrom).toBe('file');
    expect(settings.config.sinks.map((s) => s.type)).toEqual(['slack']);
    expect(settings.tls?.cert).toBe(inPod('/etc/kaudit/tls/tls.crt'));
    expect(settings.tls?.key).toBe(inPod('/etc/kaudit/tls/tls.key'));
    expect(settings.auth.tokenFile).toBe(inPod('/etc/kaudit/auth/tokens'));
    expect(settings.rules.paths).toEqual([at('rules'), inPod('/etc/kaudit/rules')]);
    expect(settings.port).toBe(obj(arr(container.ports)[0]).containerPort);
    expect(insecureBindProblem(settings)).toBeUndefined();
    // The kubelet's SIGKILL comes terminationGracePeriodSeconds after SIGTERM: the drain must end first.
    expect(Number(spec.terminationGracePeriodSeconds) * 1000).toBeGreaterThan(settings.shutdownTimeout);
    // The dead letters go to the writable volume, not the read-only root.
    const deadLetter = settings.config.delivery?.deadLetter;
    const writable = arr(container.volumeMounts)
      .map(obj)
      .filter((mt) => volumes.some((v) => v.name === mt.name && v.emptyDir !== undefined))
      .map((mt) => String(mt.mountPath));
    expect(writable.some((w) => String(deadLetter).startsWith(`${w}/`))).toBe(true);
  });

  it('every variable in KNOWN_ENV changes what kaudit serve loads', async () => {
    const files = join(pod, 'env-check');
    await mkdir(files, { recursive: true });
    for (const f of ['c.crt', 'c.key', 'ca.crt', 'tokens']) await writeFile(join(files, f), 'REPLACE_ME\n');
    await writeFile(join(files, 'kaudit.yaml'), 'log:\n  level: warn\n');
    const load = (env: Record<string, string>) => loadServerSettings({ env, cwd: files });
    const tls = { KAUDIT_TLS_CERT: 'c.crt', KAUDIT_TLS_KEY: 'c.key' };
    const plain = await load({});
    const effects: Record<string, () => Promise<unknown>> = {
      KAUDIT_CONFIG: async () => (await load({ KAUDIT_CONFIG: 'kaudit.yaml' })).log.level,
      KAUDIT_RULES: async () => (await load({ KAUDIT_RULES: files })).rules.paths,
      KAUDIT_PROFILE: async () => (await load({ KAUDIT_RULES: at('rules'), KAUDIT_PROFILE: 'kind' })).rules.profile,
      KAUDIT_AUTH_TOKEN: async () => (await load({ KAUDIT_AUTH_TOKEN: 'a' })).auth.tokens,
      KAUDIT_AUTH_TOKEN_FILE: async () => (await load({ KAUDIT_AUTH_TOKEN_FILE: 'tokens' })).auth.tokenFile,
      KAUDIT_TLS_CERT: async () => (await load(tls)).tls?.cert,
      KAUDIT_TLS_KEY: async () => (await load(tls)).tls?.key,
      KAUDIT_TLS_CLIENT_CA: async () => (await load({ ...tls, KAUDIT_TLS_CLIENT_CA: 'ca.crt' })).tls?.clientCA,
    };
    const before: Record<string, unknown> = {
      KAUDIT_CONFIG: plain.log.level,
      KAUDIT_RULES: plain.rules.paths,
      KAUDIT_PROFILE: plain.rules.profile,
      KAUDIT_AUTH_TOKEN: plain.auth.tokens,
      KAUDIT_AUTH_TOKEN_FILE: plain.auth.tokenFile,
      KAUDIT_TLS_CERT: plain.tls?.cert,
      KAUDIT_TLS_KEY: plain.tls?.key,
      KAUDIT_TLS_CLIENT_CA: plain.tls?.clientCA,
    };
    expect(Object.keys(effects)).toEqual(KNOWN_ENV);
    for (const name of KNOWN_ENV) expect(await effects[name]!(), name).not.toEqual(before[name]);
  });

  it('the rules ConfigMap loads beside the default library and its inline tests pass with full coverage', async () => {
    const cm = m.byKind('ConfigMap').find((c) => nameOf(c) === 'kaudit-rules')!;
    const dir = join(pod, 'rules-check');
    await mkdir(dir, { recursive: true });
    const files = Object.entries(obj(cm.data));
    expect(files.length).toBeGreaterThan(0);
    for (const [key, value] of files) await writeFile(join(dir, key), String(value));
    const together = compileRuleSet(await loadRuleFiles([at('rules'), dir]));
    const alone = await loadRuleFiles([dir]);
    expect(together.rules.length).toBe(
      compileRuleSet(await loadRuleFiles([at('rules')])).rules.length + alone.rules.length,
    );
    const report = await runRuleTests(alone);
    expect(report.cases.length).toBeGreaterThan(0);
    expect(report.failed).toBe(0);
    expect(report.gaps).toEqual([]);
  });

  it('catches each fault in a mutated copy', () => {
    const mutated = (change: (d: { deployment: Doc; container: Doc; service: Doc; secrets: Doc[] }) => void) => {
      const docs = clone(m.all);
      const copy = manifests(docs);
      const deployment = copy.byKind('Deployment')[0]!;
      change({
        deployment,
        container: obj(arr(podSpec(deployment).containers)[0]),
        service: copy.byKind('Service')[0]!,
        secrets: copy.byKind('Secret'),
      });
      return manifestProblems(copy).join('\n');
    };
    const env = (c: Doc) => arr(c.env).map(obj);
    expect(
      mutated(
        ({ container }) => (obj(obj(env(container).find((e) => e.valueFrom)!.valueFrom).secretKeyRef).name = 'slack'),
      ),
    ).toMatch(/env SLACK_TOKEN: no Secret slack/);
    expect(
      mutated(({ container }) => (obj(obj(env(container).find((e) => e.valueFrom)!.valueFrom).secretKeyRef).key = 'x')),
    ).toMatch(/has no key x/);
    expect(mutated(({ service }) => (obj(arr(obj(service.spec).ports)[0]).targetPort = 9090))).toMatch(
      /targetPort 9090 is no containerPort/,
    );
    expect(mutated(({ service }) => (obj(service.spec).selector = { app: 'other' }))).toMatch(/selects no pod/);
    expect(mutated(({ container }) => (obj(obj(container.livenessProbe).httpGet).path = '/healthz'))).toMatch(
      /livenessProbe: path \/healthz/,
    );
    expect(mutated(({ container }) => (obj(obj(container.readinessProbe).httpGet).port = 'http'))).toMatch(
      /readinessProbe: port http/,
    );
    expect(mutated(({ deployment }) => (obj(podSpec(deployment).securityContext).runAsNonRoot = false))).toMatch(
      /runAsNonRoot/,
    );
    expect(mutated(({ container }) => (obj(container.securityContext).readOnlyRootFilesystem = false))).toMatch(
      /readOnlyRootFilesystem/,
    );
    expect(mutated(({ container }) => (obj(obj(container.securityContext).capabilities).drop = ['NET_RAW']))).toMatch(
      /capabilities are not all dropped/,
    );
    expect(
      mutated(({ deployment }) => (arr(podSpec(deployment).volumes).map(obj)[0]!.configMap = { name: 'nope' })),
    ).toMatch(/no ConfigMap nope/);
    expect(mutated(({ container }) => (arr(container.volumeMounts).map(obj)[0]!.subPath = 'kaudit.yaml'))).toMatch(
      /subPath/,
    );
    expect(
      mutated(
        ({ secrets }) => (obj(secrets[0]!.stringData)[Object.keys(obj(secrets[0]!.stringData))[0]!] = 'xoxb-123'),
      ),
    ).toMatch(/not the REPLACE_ME placeholder/);
    expect(mutated(({ service }) => (obj(service.metadata).namespace = 'default'))).toMatch(/not in namespace kaudit/);
  });
});

describe('no credential material in the examples', () => {
  it('holds no private key, certificate, Slack token or bearer token', () => {
    const files = ['examples/kubernetes', 'examples/kind', 'examples/minikube'].flatMap((d) =>
      filesBelow(d).filter((f) => !f.split('/').includes('local')),
    );
    expect(files.length).toBeGreaterThan(10);
    const leaks = files.filter((f) =>
      /-----BEGIN [A-Z ]*(PRIVATE KEY|CERTIFICATE)-----|xox[abposr]-[0-9A-Za-z-]{6,}|\btoken: (?!REPLACE_ME\b)[A-Za-z0-9._-]{16,}/.test(
        read(f),
      ),
    );
    expect(leaks).toEqual([]);
    // The generated folders are ignored by git.
    for (const d of ['kubernetes', 'kind', 'minikube']) expect(read(`examples/${d}/.gitignore`)).toMatch(/^local\/$/m);
  });
});

describe('docs/server.md', () => {
  const doc = read('docs/server.md');

  it("its config file example loads with kaudit serve's own loader", async () => {
    const example = [...doc.matchAll(/```yaml\n(server:[\s\S]*?)```/g)].map((m) => m[1]!);
    expect(example).toHaveLength(1);
    const dir = await mkdtemp(join(tmpdir(), 'kaudit-docs-'));
    try {
      // The absolute paths of the example, laid out under a temporary root; /app/rules is the image's library.
      const inRoot = (p: string) => (p === '/app/rules' ? at('rules') : join(dir, p));
      const text = example[0]!.replace(/(?<=[\s[])(\/(?:etc|var|app)\/[\w./-]+)/g, (p) => inRoot(p));
      for (const file of [
        '/etc/kaudit/auth/tokens',
        '/etc/kaudit/auth/basic',
        '/etc/kaudit/tls/tls.crt',
        '/etc/kaudit/tls/tls.key',
        '/etc/kaudit/tls/ca.crt',
      ]) {
        await mkdir(dirname(inRoot(file)), { recursive: true });
        await writeFile(inRoot(file), file.endsWith('basic') ? 'apiserver:REPLACE_ME\n' : 'REPLACE_ME\n');
      }
      await mkdir(inRoot('/etc/kaudit/rules'), { recursive: true });
      await writeFile(join(dir, 'kaudit.yaml'), text);
      const env = { KAUDIT_TOKEN_A: 'a', KAUDIT_BASIC_PASSWORD: 'b', SLACK_TOKEN: 'xoxb-test' };
      const settings = await loadServerSettings({ flags: { config: 'kaudit.yaml' }, env, cwd: dir });
      expect(settings.tls?.clientSubjects).toEqual(['kube-apiserver']);
      expect(settings.auth.tokens).toEqual(['a']);
      expect(settings.rules.profile).toBe('kind');
      expect(settings.shutdownTimeout).toBe(25_000);
      // The same file with a mistake is refused, naming it.
      await writeFile(join(dir, 'kaudit.yaml'), text.replace('shutdownTimeout: 25s', 'shutdownTimeout: soon'));
      await expect(loadServerSettings({ flags: { config: 'kaudit.yaml' }, env, cwd: dir })).rejects.toThrow(
        /shutdownTimeout/,
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('its metrics table lists exactly the kaudit_ metrics the server exports', async () => {
    const pipeline = createPipeline({ rules: compileRuleSet(await loadRuleFiles([at('rules')])), sinks: [] });
    const kapp = createApp({ pipeline });
    const exported = (await kapp.metrics.registry.getMetricsAsJSON())
      .map((m) => m.name)
      .filter((n) => n.startsWith('kaudit_'));
    const section = doc.slice(doc.indexOf('## Metrics'), doc.indexOf('## Logs'));
    const documented = [...section.matchAll(/^\| `(kaudit_\w+)/gm)].map((m) => m[1]!);
    await pipeline.end();
    kapp.metrics.close();
    expect(exported.length).toBeGreaterThan(10);
    expect([...documented].sort()).toEqual([...exported].sort());
  });
});
