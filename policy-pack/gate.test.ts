/**
 * The offline gate end to end on the DR stack in every committed stack config (programs run under
 * mocks in child processes). The fixture programs run in gate-fixtures.test.ts.
 */
import './test/gate-dr-stack.cases';
