/**
 * The offline gate on programs written elsewhere (policy-pack/fixtures/external/), through its command
 * line as a user runs it: the programs whose regions come from their providers and stacks, and the
 * gate's refusals. gate-grants.test.ts runs the other half.
 */
import { externalPrograms, refusals } from './test/gate-external.cases';

externalPrograms('regions');
refusals();
