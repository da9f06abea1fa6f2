/**
 * Entry point of the Pulumi program (Pulumi.yaml `main: infra/`). Declares nothing itself:
 * `program.ts` builds the stack; the exports below are the stack outputs.
 */
import { outputs } from './program';

export const primaryRegion = outputs.primaryRegion;
export const drRegion = outputs.drRegion;
export const primaryApiUrl = outputs.primaryApiUrl;
export const drApiUrl = outputs.drApiUrl;
export const primaryInvokeUrl = outputs.primaryInvokeUrl;
export const drInvokeUrl = outputs.drInvokeUrl;
export const failoverApiUrl = outputs.failoverApiUrl;
export const failoverSwitch = outputs.failoverSwitch;
export const healthCheckUrls = outputs.healthCheckUrls;
export const healthCheckIds = outputs.healthCheckIds;
export const alarmArns = outputs.alarmArns;
export const alarmTopicArns = outputs.alarmTopicArns;
export const tableName = outputs.tableName;
export const tableArn = outputs.tableArn;
export const consistencyMode = outputs.consistencyMode;
export const bucketNames = outputs.bucketNames;
export const retryQueueUrls = outputs.retryQueueUrls;
export const deadLetterQueueUrls = outputs.deadLetterQueueUrls;
export const functions = outputs.functions;
export const parameterPaths = outputs.parameterPaths;
export const manualFailoverParameters = outputs.manualFailoverParameters;
export const hostedZoneId = outputs.hostedZoneId;
export const hostedZoneName = outputs.hostedZoneName;
export const nameServers = outputs.nameServers;
export const credentialsTableName = outputs.credentialsTableName;
export const drBudget = outputs.drBudget;
