import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { validateMrscLayout } from './mrscLayout';

describe('MRSC layout', () => {
  it('accepts two US replicas with a third US witness', () => {
    assert.doesNotThrow(() => validateMrscLayout('us-east-1', ['us-east-2'], 'us-west-2'));
  });
  it('refuses a witness outside the replicas\' region set', () => {
    assert.throws(() => validateMrscLayout('us-east-1', ['us-east-2'], 'eu-west-1'), /must use regions of one MRSC region set/);
  });
  it('refuses a witness that is also a replica', () => {
    assert.throws(() => validateMrscLayout('us-east-1', ['us-east-2'], 'us-east-2'), /witnessRegion must differ from the replica regions/);
  });
  it('refuses more than two replicas with a witness', () => {
    assert.throws(() => validateMrscLayout('us-east-1', ['us-east-2', 'us-west-2'], 'us-west-1'), /exactly two replicas plus a witness/);
  });
});
