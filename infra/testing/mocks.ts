/**
 * The unit tests' mock AWS: the one implementation the offline gate and the verification suite's plan
 * target also use (policy-pack/offline/mocks.ts: ids, ARNs, URLs, ACM validation options, invokes),
 * recording every resource it answers. Invokes it does not answer fail the test (our program must
 * not depend on an answer the mocks invent).
 */
import type * as pulumi from '@pulumi/pulumi';
import { createMocks as createAwsMocks, MOCK_ACCOUNT_ID, unwrapSecrets } from '../../policy-pack/offline/mocks';
import type { RecordedResource } from './harness';

export { MOCK_ACCOUNT_ID, unwrapSecrets };

/** The mocks, recording into `record`; `defaultRegion` is the stack's `aws:region`. */
export function createMocks(record: RecordedResource[], defaultRegion = 'us-east-1'): pulumi.runtime.Mocks {
  return createAwsMocks({ defaultRegion, preview: false, strictInvokes: true, onResource: (r) => record.push(r as RecordedResource) });
}
