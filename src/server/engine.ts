// Shared state of the engine process: settings, the catalog with the user's overrides, and
// per-document incremental counters.
import type { Connection } from 'vscode-languageserver/node';
import { Catalog } from '../core/catalog';
import { DEFAULT_MODEL, parseSettings, Settings, SettingProblem } from '../core/settings';
import { IncrementalCounter } from '../core/incremental';
import { EncodingName } from '../core/encodings';
import { getCounter } from '../core/tokenizer';
import { defaultTimeZone } from '../core/time';

type Listener = () => void;

export class Engine {
  settings: Settings;
  catalog: Catalog;
  private counters = new Map<string, IncrementalCounter>(); // `${encoding} ${uri}`
  private listeners: Listener[] = [];
  private reported = new Set<string>();
  private initialized = false;
  private pending: SettingProblem[] = [];

  constructor(private readonly connection: Connection) {
    const { settings } = parseSettings({});
    this.settings = settings;
    this.catalog = new Catalog();
  }

  applySettings(raw: unknown): void {
    const { settings, problems } = parseSettings(raw);
    this.settings = settings;
    this.catalog = new Catalog(undefined, settings.prices);
    // Counters are keyed by encoding and document, and the text they hold is still right: keep them.
    this.report(problems);
    for (const l of this.listeners) l();
  }

  onSettingsChanged(l: Listener): void { this.listeners.push(l); }

  get defaultModel(): string { return this.settings.model || DEFAULT_MODEL; }

  /** The configured time zone (already validated with the settings), else the system's. */
  get timezone(): string { return this.settings.timezone || defaultTimeZone(); }

  /** The client takes messages only after the initialize handshake; problems found before wait for it. */
  markInitialized(): void {
    this.initialized = true;
    this.report(this.pending.splice(0));
  }

  /** Each problem once per session: settings are re-sent on every change, the same warning is noise. */
  private report(problems: SettingProblem[]): void {
    if (!this.initialized) { this.pending.push(...problems); return; }
    for (const p of problems) {
      const line = `Invalid setting ${p.setting}: ${p.message}`;
      this.connection.console.warn(line);
      if (this.reported.has(line)) continue;
      this.reported.add(line);
      void this.connection.window.showWarningMessage(`Tokenomics: ${line}`);
    }
  }

  async countDocument(uri: string, encoding: EncodingName, text: string): Promise<number> {
    const key = `${encoding} ${uri}`;
    let inc = this.counters.get(key);
    if (!inc) {
      inc = new IncrementalCounter(await getCounter(encoding));
      this.counters.set(key, inc);
    }
    return inc.update(text);
  }

  forget(uri: string): void {
    for (const key of [...this.counters.keys()]) if (key.endsWith(` ${uri}`)) this.counters.delete(key);
  }
}
