import type { Command } from 'commander';
import { addContextValue } from '../compliance/add-context-value.js';
import type { DecisionRequest } from '../model/decision.js';

export interface RequestOptions {
  subject: string;
  issuer?: string;
  kind?: string;
  route: string;
  method?: string;
  action?: string;
  model?: string;
  endpoint?: string;
  resource: string[];
  context: string[];
}

const collect = (v: string, list: string[]): string[] => [...list, v];

/** The request flags shared by `decide` and `explain`. */
export function withRequestOptions(cmd: Command): Command {
  return withRequestShapeOptions(
    cmd
      .requiredOption('--subject <id>', 'the identifier the gateway verified')
      .option('--issuer <url>', 'OIDC issuer: the subject is that issuer\'s sub')
      .option('--kind <kind>', 'bind only through this identifier kind (email, upn, uid, clientId, principal, ...)'),
  );
}

/** The request flags without a subject (`who-could` asks for the subjects). */
export function withRequestShapeOptions(cmd: Command): Command {
  return cmd
    .requiredOption('--route <path>', 'request path, e.g. /v1/chat/completions')
    .option('--method <method>', 'HTTP method', 'GET')
    .option('--action <action>', 'action, e.g. invoke')
    .option('--model <model>', 'resource.model')
    .option('--endpoint <endpoint>', 'resource.endpoint')
    .option('--resource <k=v>', 'other resource attribute (repeatable)', collect, [])
    .option('--context <k=v>', 'context value; JSON is parsed; a repeated key makes a list', collect, []);
}

export function requestFromOptions(o: RequestOptions): DecisionRequest {
  const resource: Record<string, string> = {};
  if (o.model) resource.model = o.model;
  if (o.endpoint) resource.endpoint = o.endpoint;
  for (const kv of o.resource) {
    const [k, ...v] = kv.split('=');
    if (k) resource[k] = v.join('=');
  }
  const context: Record<string, unknown> = {};
  for (const kv of o.context) {
    const [k, ...rest] = kv.split('=');
    if (k) addContextValue(context, k, rest.join('='));
  }
  return {
    subject: { id: o.subject, ...(o.issuer ? { issuer: o.issuer } : {}), ...(o.kind ? { kind: o.kind } : {}) },
    route: o.route,
    method: (o.method ?? 'GET').toUpperCase(),
    ...(o.action ? { action: o.action } : {}),
    ...(Object.keys(resource).length ? { resource } : {}),
    ...(Object.keys(context).length ? { context } : {}),
  };
}
