/**
 * The DR region's setting is `drRegion`; a stack still carrying the former key `secondaryRegion`
 * is refused with the command that renames it, never silently deployed to the default region.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { DEFAULTS, REPO_ROOT, resolveSettings, SettingsError } from './settings';

const raw = (values: Record<string, string>) => (key: string) => values[key];

describe('drRegion setting', () => {
  it('reads drRegion', () => {
    assert.equal(resolveSettings(raw({ environmentSuffix: 'dev', drRegion: 'us-west-2' })).drRegion, 'us-west-2');
  });

  it('defaults to us-east-2', () => {
    assert.equal(resolveSettings(raw({ environmentSuffix: 'dev' })).drRegion, DEFAULTS.drRegion);
    assert.equal(DEFAULTS.drRegion, 'us-east-2');
  });

  it('refuses the former key secondaryRegion, naming the new one and the fix', () => {
    assert.throws(
      () => resolveSettings(raw({ environmentSuffix: 'dev', secondaryRegion: 'us-west-2' })),
      (e: Error) => {
        assert.ok(e instanceof SettingsError);
        assert.match(e.message, /^payments-dr:secondaryRegion was renamed to payments-dr:drRegion/);
        assert.match(e.message, /pulumi config set payments-dr:drRegion us-west-2/);
        return true;
      },
    );
  });

  it('refuses a DR region equal to the primary, naming drRegion', () => {
    assert.throws(() => resolveSettings(raw({ environmentSuffix: 'dev', drRegion: 'us-east-1' })), /payments-dr:drRegion must differ from primaryRegion/);
  });

  it('is the key Pulumi.yaml documents, and no committed stack sets the former one', () => {
    const project = readFileSync(join(REPO_ROOT, 'Pulumi.yaml'), 'utf8');
    assert.match(project, /^ {2}drRegion:$/m);
    for (const file of ['Pulumi.yaml', 'Pulumi.dev.yaml', 'Pulumi.staging.yaml']) {
      assert.doesNotMatch(readFileSync(join(REPO_ROOT, file), 'utf8'), /secondaryRegion/, file);
    }
  });
});
