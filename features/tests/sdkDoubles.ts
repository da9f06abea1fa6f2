/**
 * SDK-level doubles: real AWS SDK v3 clients whose middleware stack answers each command from a
 * table instead of the network (the request never reaches serialization, signing or a socket).
 * The live target's code runs unchanged against them.
 */
import type { MetadataBearer, MiddlewareStack } from '@smithy/types';

export type Answer = (input: Record<string, unknown>, call: number) => Record<string, unknown> | Error;

export interface Call {
  command: string;
  input: Record<string, unknown>;
}

/** Installs the answers on a client; returns the recorded calls. Unknown commands fail loudly. */
export function answer<I extends object, O extends MetadataBearer>(
  client: { middlewareStack: MiddlewareStack<I, O> },
  answers: Record<string, Answer>,
  calls: Call[] = [],
): Call[] {
  const counts = new Map<string, number>();
  client.middlewareStack.add(
    (_next, context) => async (args) => {
      const command = String(context.commandName);
      const input = args.input as Record<string, unknown>;
      calls.push({ command, input });
      const n = (counts.get(command) ?? 0) + 1;
      counts.set(command, n);
      const a = answers[command];
      if (!a) throw new Error(`the double has no answer for ${command}`);
      const out = a(input, n);
      if (out instanceof Error) throw out;
      return { output: { $metadata: {}, ...out } as unknown as O, response: {} };
    },
    { step: 'initialize', name: 'sdkDouble', priority: 'high' },
  );
  return calls;
}
