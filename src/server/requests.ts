// Registers the engine's custom requests (src/server/protocol.ts) with their params validated by zod:
// params come from another process, so they are outside data like a log line or a setting. A request
// whose params do not fit its schema is answered with InvalidParams naming the method and the field,
// and never reaches its handler.
import { CancellationToken, ErrorCodes, ResponseError } from 'vscode-languageserver/node';
import type { Connection } from 'vscode-languageserver/node';
import * as z from 'zod';
import type { NotificationType, RequestType, RequestType0 } from 'vscode-jsonrpc';
import type { ExportConfigParams } from './protocol';

type Handler<P, R> = (params: P) => R | Promise<R>;

/**
 * The server's and the client's vscode-jsonrpc are two copies (vscode-languageserver pins an older
 * one), so the typed objects of protocol.ts are registered by their method name here; the types still
 * come from the objects. A handler registered by name receives the params spread, then the token.
 */
function rawParams(args: unknown[]): unknown {
  const params = args.length && CancellationToken.is(args[args.length - 1]) ? args.slice(0, -1) : args;
  return params.length === 0 ? undefined : params.length === 1 ? params[0] : params;
}

/** "ranges.0.start.line: expected number, received string" for the first few issues. */
export function describeIssues(error: z.ZodError): string {
  return error.issues.slice(0, 3).map(i => `${i.path.length ? `${i.path.join('.')}: ` : ''}${i.message}`).join('; ');
}

export function onRequest<P, R>(connection: Connection, type: RequestType<P, R, void>, schema: z.ZodType<P>, handler: Handler<P, R>): void {
  connection.onRequest(type.method, async (...args: unknown[]): Promise<unknown> => {
    const parsed = schema.safeParse(rawParams(args));
    if (!parsed.success) throw new ResponseError(ErrorCodes.InvalidParams, `${type.method}: invalid params: ${describeIssues(parsed.error)}`);
    return handler(parsed.data);
  });
}

/** A request without params: whatever params a client sends are ignored. */
export function onRequest0<R>(connection: Connection, type: RequestType0<R, void>, handler: () => R | Promise<R>): void {
  connection.onRequest(type.method, async (): Promise<unknown> => handler());
}

/** Incoming notifications: an invalid one is logged (a notification has no answer to carry an error). */
export function onNotification<P>(connection: Connection, type: NotificationType<P>, schema: z.ZodType<P>, handler: (params: P) => void): void {
  connection.onNotification(type.method, (...args: unknown[]) => {
    const params = args.length === 0 ? undefined : args.length === 1 ? args[0] : args;
    const parsed = schema.safeParse(params);
    if (!parsed.success) { connection.console.warn(`${type.method}: invalid params: ${describeIssues(parsed.error)}; ignored`); return; }
    handler(parsed.data);
  });
}

export function sendNotification<P>(connection: Connection, type: NotificationType<P>, params: P): Promise<void> {
  return connection.sendNotification(type.method, params);
}

// ---- the schemas of protocol.ts's params -------------------------------------------------------

const position = z.object({ line: z.number().int().nonnegative(), character: z.number().int().nonnegative() });

export const schemas = {
  count: z.object({
    uri: z.string().min(1),
    version: z.number().int(),
    ranges: z.array(z.object({ start: position, end: position })),
  }),
  week: z.object({
    week: z.string().optional(),
    offset: z.number().int().optional(),
    projectNames: z.record(z.string(), z.string()).optional(),
  }).nullable(),
  analyzeAsPrompt: z.object({ uri: z.string().min(1) }),
  /** The settings object is validated key by key by parseSettings, which reports each bad value. */
  settings: z.unknown(),
  /**
   * An object; its fields are checked one by one by parseExportConfig (core/export/config.ts), which
   * names the setting of each bad value and keeps the rest, as parseSettings does.
   */
  exportConfig: z.custom<ExportConfigParams>(v => typeof v === 'object' && v !== null && !Array.isArray(v), 'expected an object'),
};
