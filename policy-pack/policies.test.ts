/**
 * Unit tests of every policy, evaluated in-process (no program runs): one process loads
 * @pulumi/aws once for all of them. The cases live in test/*.cases.ts, one file per domain.
 */
import './test/database.cases';
import './test/storage.cases';
import './test/queues.cases';
import './test/iam.cases';
import './test/compute.cases';
import './test/api.cases';
import './test/dns.cases';
import './test/monitoring.cases';
import './test/resilience.cases';
import './test/naming.cases';
import './test/grants.cases';
import './test/entry.cases';
import './test/meta.cases';
import './test/waivers.cases';
import './test/preview.cases';
import './test/cli-pack.cases';
import './test/report.cases';
