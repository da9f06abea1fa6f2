/**
 * The public hosted zone of the payment API's domain. Its name servers are a stack output: the
 * parent domain must delegate to them before ACM can validate the regional certificates (the
 * two-step first deploy in docs/architecture.md).
 */
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';

export interface HostedZoneArgs {
  /** The zone's domain, e.g. `payments-dev.example.com`. Required. */
  domainName: string;
  /** Delete the zone's records on destroy so the stack stays destroyable. Default true. */
  forceDestroy?: boolean;
  /** Tags. Default none. */
  tags?: pulumi.Input<Record<string, pulumi.Input<string>>>;
}

export class HostedZone extends pulumi.ComponentResource {
  public readonly zone: aws.route53.Zone;
  public readonly zoneId: pulumi.Output<string>;
  public readonly nameServers: pulumi.Output<string[]>;

  constructor(name: string, args: HostedZoneArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super('payments-dr:dns:HostedZone', name, {}, opts);
    this.zone = new aws.route53.Zone(
      `${name}-zone`,
      { name: args.domainName, comment: 'Payments DR: failover API hostname and regional hostnames', forceDestroy: args.forceDestroy ?? true, tags: args.tags },
      { parent: this },
    );
    this.zoneId = this.zone.zoneId;
    this.nameServers = this.zone.nameServers;
    this.registerOutputs({ zoneId: this.zoneId, nameServers: this.nameServers });
  }
}
