// Cucumber profiles of the DR verification suite (docs/verification.md).
//   npm run verify                      -> default: sandbox answers @runtime, plan answers @configuration
//   npm run verify -- --profile live    -> a deployed stack; drills excluded unless --drills
//   npx cucumber-js -p sandbox | -p plan -> one local target only
// scripts/verify.ts adds the report formats (HTML, messages, JUnit) and writes the JSON summary.
const common = {
  paths: ['features/**/*.feature'],
  requireModule: ['tsx/cjs'],
  require: ['features/support/world.ts', 'features/support/hooks.ts', 'features/step_definitions/**/*.ts'],
  format: ['progress'],
  strict: true,
};

module.exports = {
  default: {
    ...common,
    worldParameters: { profile: 'default', runtimeTarget: 'sandbox', configurationTarget: 'plan' },
  },
  sandbox: {
    ...common,
    tags: '@runtime',
    worldParameters: { profile: 'sandbox', runtimeTarget: 'sandbox', configurationTarget: 'plan' },
  },
  plan: {
    ...common,
    tags: '@configuration',
    worldParameters: { profile: 'plan', runtimeTarget: 'sandbox', configurationTarget: 'plan' },
  },
  live: {
    ...common,
    // Drills change a production stack: excluded here; scripts/verify.ts --drills lifts this.
    tags: 'not @drill',
    worldParameters: { profile: 'live', runtimeTarget: 'live', configurationTarget: 'live' },
  },
};
