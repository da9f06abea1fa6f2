/**
 * The offline gate on programs written elsewhere (policy-pack/fixtures/external/), through its command
 * line as a user runs it. A test file of its own so it runs beside gate.test.ts on the second core.
 */
import './test/gate-external.cases';
