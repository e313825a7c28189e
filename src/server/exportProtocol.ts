// The export's requests and notifications between the extension and the engine. Types and constants
// only: both sides import this file.

export const ExportMethods = {
  /**
   * client -> server notification: the `tokenomics.export.otlp.*` settings plus the headers from
   * SecretStorage (kept in memory only). Sent at start, on a settings change and when the headers change.
   */
  config: 'tokenomics/exportConfig',
  /** client -> server request: what the exporter is doing (for tests and diagnostics). */
  status: 'tokenomics/exportStatus',
} as const;

export interface ExportConfigParams {
  endpoint?: string;
  /** `name=value,...` or a JSON object, as stored by `Tokenomics: Set OTLP Export Headers`. */
  headers?: string;
  intervalSeconds?: number;
  attributes?: Record<string, unknown>;
  includeProjects?: string;
}

export interface ExportStatus {
  enabled: boolean;
  /** The OpenTelemetry sender (dist/otlp.js) has been loaded into this process. */
  senderLoaded: boolean;
  /** This process holds the machine's export lock (one exporter per machine). */
  exporting: boolean;
  lastSuccess: number | null;
  lastError: string | null;
  lastPoints: number;
}
