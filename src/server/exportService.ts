// The OpenTelemetry export as an engine service: the extension sends the settings and the headers
// (`tokenomics/exportConfig`); with an endpoint, the engine exports on a timer while it holds the
// machine's lock. Apart from export.ts so the CLI, which uses the Exporter, bundles no LSP code.
import type { Connection } from 'vscode-languageserver/node';
import type { UsageRecord } from '../core/agents/records';
import { ConfigProblem, ExportConfig, parseExportConfig } from '../core/export/config';
import type { Engine } from './engine';
import { ExportTarget, Exporter, Log, envHeaders, exportDir, usageData } from './export';
import { ExportConfigNotification, ExportStatus, ExportStatusRequest } from './protocol';
import { onNotification, onRequest0, schemas } from './requests';
import type { Shutdown } from './shutdown';

/**
 * Registers the export's notification and status request. Nothing is exported, and dist/otlp.js is
 * not loaded, until the extension sends an endpoint.
 */
export function registerExport(connection: Connection, engine: Engine, records: () => Promise<readonly UsageRecord[]>, shutdown: Shutdown): void {
  let config: ExportConfig | null = null;
  let exporter: Exporter | null = null;
  let timer: NodeJS.Timeout | undefined;
  let running = false;
  let lastError: string | null = null;
  let lastSuccess: number | null = null;
  let lastPoints = 0;
  let saidWaiting = false;
  const reported = new Set<string>();
  // a receiver that stays down fails the same way every interval: said once, until something changes
  let lastWarning = '';
  const log: Log = (level, message) => {
    if (level === 'warn' && message === lastWarning) return;
    lastWarning = level === 'warn' ? message : '';
    connection.console[level](`OTLP export: ${message}`);
  };
  const report = (problems: ConfigProblem[]) => {
    for (const p of problems) {
      const line = `Invalid setting ${p.setting}: ${p.message}`;
      if (reported.has(line)) continue;
      reported.add(line);
      connection.console.warn(line);
      void connection.window.showWarningMessage(`Tokenomics: ${line}`);
    }
  };

  const tick = async () => {
    if (!config?.endpoint || running) return;
    running = true;
    try {
      exporter ??= new Exporter(exportDir(process.env), log, Math.max(180_000, 3 * config.intervalSeconds * 1000));
      if (!exporter.lock.acquire()) {
        if (!saidWaiting) log('info', `another process (pid ${exporter.lock.owner()?.pid ?? '?'}) exports for this machine; this window takes over if it stops`);
        saidWaiting = true;
        return;
      }
      if (saidWaiting || lastSuccess === null) log('info', `this window exports for the machine to ${config.endpoint} every ${config.intervalSeconds} s`);
      saidWaiting = false;
      const target: ExportTarget = { url: config.endpoint, headers: config.headers, attributes: config.attributes, includeProjects: config.includeProjects };
      const r = await exporter.exportTotals(usageData(await records()), engine.catalog, target, { attempts: 1, persist: true });
      lastPoints = r.points;
      if (r.ok) {
        lastWarning = '';
        if (lastError) log('info', `export to ${config.endpoint} works again: ${r.points} series sent`);
        lastSuccess = Date.now(); lastError = null;
      } else {
        log('warn', `export to ${config.endpoint} failed: ${r.error}; nothing is lost: the totals are sent again in ${config.intervalSeconds} s`);
        lastError = r.error ?? 'failed';
      }
    } catch (e) {
      lastError = (e as Error).message;
      log('warn', `failed: ${(e as Error)?.stack ?? e}`);
    } finally {
      running = false;
    }
  };

  onNotification(connection, ExportConfigNotification, schemas.exportConfig, o => {
    const headers = typeof o.headers === 'string' && o.headers.trim() ? o.headers : envHeaders(process.env);
    const parsed = parseExportConfig({ ...o, headers });
    report(parsed.problems);
    const before = JSON.stringify(config);
    config = parsed.config;
    if (JSON.stringify(config) === before) return;
    if (timer) { clearInterval(timer); timer = undefined; }
    if (!config.endpoint) { exporter?.lock.release(); lastSuccess = null; return; }
    timer = setInterval(() => void tick(), config.intervalSeconds * 1000);
    timer.unref();
    // the first export waits for the usage index's first refresh, which `records()` does
    void tick();
  });
  onRequest0(connection, ExportStatusRequest, (): ExportStatus => ({
    enabled: !!config?.endpoint,
    senderLoaded: Object.keys(require.cache).some(k => /[\\/]otlp\.js$/.test(k)),
    exporting: exporter?.lock.isHeld ?? false,
    lastSuccess, lastError, lastPoints,
  }));
  shutdown.add(() => { if (timer) clearInterval(timer); exporter?.lock.release(); });
  process.on('exit', () => exporter?.lock.release());
}
