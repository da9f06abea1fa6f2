'use strict';
/**
 * Loads a Pulumi program the way `pulumi preview` / `pulumi up` load it: through
 * @pulumi/pulumi's own run path (`cmd/run/run.js` `run()`, what the language host's
 * `cmd/run/index.js` calls), under Pulumi mocks instead of the engine. That path registers the
 * project's `ts-node` (else its vendored ts-node 7 + TypeScript 3.8) with the project's
 * tsconfig.json and `PULUMI_NODEJS_*` settings, then `require`s the program's `main`. Plain
 * JavaScript, run by plain `node`: no other TypeScript loader (tsx) is in the process, so a
 * program that only loads under tsx fails here as it would under `pulumi up`.
 *
 * Usage: node infra/testing/pulumiRun.cjs [--program <dir or file>] [--stack <name>] [--cwd <project dir>]
 *   program: default the `main` of Pulumi.yaml (relative to the project dir); stack: default dev.
 * Reads Pulumi.yaml's `runtime.options` (`typescript`, `tsconfig`) and sets the environment the
 * language host derives from them (PULUMI_NODEJS_TYPESCRIPT, PULUMI_NODEJS_TSCONFIG_PATH).
 * Prints one JSON line `{"resources": <count>, "outputs": [<names>]}` and exits 0 when the
 * program ran; prints the error and exits 1 otherwise.
 */
const path = require('node:path');
const fs = require('node:fs');
const yaml = require('js-yaml');

function arg(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1] : fallback;
}

const repoRoot = path.join(__dirname, '..', '..');
const projectDir = path.resolve(arg('cwd', repoRoot));
const project = yaml.load(fs.readFileSync(path.join(projectDir, 'Pulumi.yaml'), 'utf8'));
const runtime = typeof project.runtime === 'object' ? project.runtime : { name: project.runtime };
const options = runtime.options || {};
// The language host's reading of runtime.options: typescript defaults to true.
process.env.PULUMI_NODEJS_TYPESCRIPT = options.typescript === false ? 'false' : 'true';
if (options.tsconfig) process.env.PULUMI_NODEJS_TSCONFIG_PATH = options.tsconfig;
const stack = arg('stack', 'dev');
const program = arg('program', project.main || '.');

process.chdir(projectDir);
const pulumi = require('@pulumi/pulumi');
// run.js requires its sibling index.js only for one exit code; index.js is the language host's
// command line (it parses argv for --monitor and starts at once), so it stands in here.
const cliEntry = require.resolve('@pulumi/pulumi/cmd/run/index.js');
require.cache[cliEntry] = { id: cliEntry, filename: cliEntry, loaded: true, exports: { nodeJSProcessExitedAfterLoggingUserActionableMessage: 32 } };
const { run } = require('@pulumi/pulumi/cmd/run/run');

const resources = [];
const fail = (err) => {
  console.error(err && err.stack ? err.stack : String(err));
  process.exit(1);
};

run(
  { _: [program] },
  // programStarted: ts-node is registered by now, so the TypeScript mocks and the committed stack
  // configuration load through the same compiler as the program.
  () => {
    const { stackConfig } = require(path.join(repoRoot, 'infra', 'testing', 'harness.ts'));
    const { createMocks } = require(path.join(repoRoot, 'policy-pack', 'offline', 'mocks.ts'));
    pulumi.runtime.setAllConfig(stackConfig(stack));
    // setMocks installs the mock monitor synchronously; its promise carries nothing else.
    const mocks = createMocks({ defaultRegion: 'us-east-1', preview: false, strictInvokes: true, onResource: (r) => resources.push(r) });
    void pulumi.runtime.setMocks(mocks, project.name, stack, false);
  },
  // reportLoggedError / isErrorReported: nothing is logged to an engine here.
  () => undefined,
  () => false,
).then(
  (outputs) =>
    new Promise((resolve) => setImmediate(resolve)).then(() => {
      console.log(JSON.stringify({ resources: resources.length, outputs: Object.keys(outputs || {}).sort() }));
      process.exit(0);
    }),
  fail,
);
