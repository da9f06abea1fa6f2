/**
 * The offline gate end to end on the fixture programs: each breakage caught on its resource.
 */
import './test/gate-fixtures.cases';
