/**
 * The offline gate end to end (programs run under mocks in child processes): the DR stack in every
 * committed stack config, then the fixture programs. One test process, so @pulumi/aws loads once.
 */
import './test/gate-dr-stack.cases';
import './test/gate-fixtures.cases';
