/**
 * A cached bundle is reused only while its fingerprint holds, so every source file esbuild puts
 * into a handler's bundle (the handlers' own code and the service contract in contract/) must be
 * part of the fingerprint: otherwise a change to, say, a metric name would deploy a stale bundle.
 */
import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import { describe, it } from 'node:test';
import { buildSync } from 'esbuild';
import { HANDLERS } from '../../contract/handlers';
import { BUNDLE_OPTIONS, fingerprintedSources, handlerEntry } from './build';

describe('bundle fingerprint', () => {
  const fingerprinted = new Set(fingerprintedSources());

  for (const name of HANDLERS) {
    it(`covers every repository file esbuild bundles into ${name}`, () => {
      const result = buildSync({ ...BUNDLE_OPTIONS, entryPoints: [handlerEntry(name)], outfile: 'index.js', metafile: true });
      const ours = Object.keys(result.metafile?.inputs ?? {})
        .filter((input) => !input.includes('node_modules/'))
        .map((input) => resolve(input));
      assert.ok(ours.some((file) => file.includes('/contract/')), `${name} imports the service contract`);
      assert.deepEqual(ours.filter((file) => !fingerprinted.has(file)), [], 'bundled but not fingerprinted');
    });
  }
});
