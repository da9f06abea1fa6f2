/**
 * The offline gate on programs written elsewhere (policy-pack/fixtures/external/): inline S3 arguments,
 * managed and resource-based policies, and a program outside this repository without node_modules.
 */
import { externalPrograms } from './test/gate-external.cases';

externalPrograms('grants');
