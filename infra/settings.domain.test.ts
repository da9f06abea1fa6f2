/**
 * A real `pulumi preview`/`up` must not reach CreateHostedZone with a domain Route 53 refuses
 * (InvalidDomainName "... is reserved by AWS!") or with none chosen; offline runs keep working on
 * the committed stack files.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { assertDeployable, loadStackSettings, programSettings, readStackConfigFile, REPO_ROOT, reservedDomain, resolveSettings, SettingsError } from './settings';
import { join } from 'node:path';

const raw = (values: Record<string, string>) => (key: string) => values[key];
const withDomain = (domainName: string) => resolveSettings(raw({ environmentSuffix: 'dev', domainName }));

describe('deployable domain', () => {
  for (const stack of ['dev', 'staging']) {
    it(`keeps the committed ${stack} stack usable offline (placeholder domain, not configured)`, () => {
      const s = loadStackSettings(stack);
      assert.equal(s.domainNameConfigured, false);
      assert.match(s.domainName, /^payments-[a-z]+\.example\.com$/);
    });
    it(`refuses to deploy the committed ${stack} stack until a domain is chosen, naming the key`, () => {
      const values = readStackConfigFile(join(REPO_ROOT, `Pulumi.${stack}.yaml`));
      assert.throws(() => programSettings((k) => values[k], true), (e: Error) => {
        assert.ok(e instanceof SettingsError);
        assert.match(e.message, /^payments-dr:domainName is required to deploy/);
        return true;
      });
      assert.doesNotThrow(() => programSettings((k) => values[k], false));
    });
  }

  for (const reserved of ['example.com', 'payments.example.com', 'a.b.example.net', 'EXAMPLE.ORG', 'payments.test', 'pay.example', 'x.invalid', 'api.localhost']) {
    it(`refuses the reserved domain ${reserved} (RFC 2606 / RFC 6761) with a SettingsError naming the key`, () => {
      assert.throws(() => assertDeployable(withDomain(reserved.toLowerCase())), (e: Error) => {
        assert.ok(e instanceof SettingsError);
        assert.match(e.message, /^payments-dr:domainName must not be under the reserved/);
        assert.match(e.message, /InvalidDomainName/);
        return true;
      });
    });
  }

  for (const fine of ['payments.acme-bank.com', 'examplecom.net', 'example.co.uk', 'pay.testing.io', 'myexample.com']) {
    it(`accepts ${fine}`, () => {
      assert.equal(reservedDomain(fine), undefined);
      assert.equal(assertDeployable(withDomain(fine)).domainName, fine);
    });
  }
});
