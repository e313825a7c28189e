// Shared state of the engine process: settings (window-level snapshot, resource-level per document),
// the catalog with the user's overrides, and per-document incremental counters.
import type { Connection } from 'vscode-languageserver/node';
import { Catalog } from '../core/catalog';
import { DEFAULT_MODEL, parseSettings, Settings, SettingProblem } from '../core/settings';
import { IncrementalCounter } from '../core/incremental';
import { EncodingName } from '../core/encodings';
import { getCounter } from '../core/tokenizer';
import { defaultTimeZone } from '../core/time';

type Listener = () => void;

/**
 * The settings declared `"scope": "resource"` in package.json: a folder of a multi-root workspace may
 * set its own value, so they are asked for per document. Every other key is window-level and read
 * from the snapshot the client sends. test/lsp/engine.test.ts checks this list against the manifest.
 */
export const RESOURCE_SETTINGS = ['model', 'promptFiles', 'promptBudgetTokens', 'assumedRequestsPerWeek', 'rules', 'fillerPhrases', 'logDumpLines'] as const;

/** A client that never answers `workspace/configuration` must not stall a count: the snapshot then stands. */
const SCOPED_TIMEOUT_MS = 2000;
/**
 * Settings notifications come in bursts (a settings sync, a script, a hostile extension sends
 * thousands): the latest is applied once, this long after the last of a burst, at most SETTINGS_MAX_WAIT_MS
 * after its first, or at once when a request comes (`flushSettings`). Each apply re-analyses every open prompt.
 */
const SETTINGS_DEBOUNCE_MS = 50;
const SETTINGS_MAX_WAIT_MS = 2000;
/**
 * A document's first count over this many characters is made in steps of this size, giving the event
 * loop back between them: 19 MB is tokenized in ~20 steps of ~10 ms instead of one ~150-350 ms block.
 */
const FIRST_COUNT_STEP = 1 << 20;
/** The engine counts as busy this long after a request, an edit or a settings notification came in. */
const BUSY_MS = 250;

export interface EngineOptions {
  /** The client answers `workspace/configuration` (initialize: capabilities.workspace.configuration). */
  configurationSupported?: boolean;
}

export class Engine {
  private current: Settings;
  private currentCatalog: Catalog;
  /** The prices the catalog was built with: an unchanged list keeps the same catalog (and what was priced with it). */
  private catalogPrices = '';
  /** The latest settings notification not yet applied (see `queueSettings`). */
  private queued: { raw: unknown; since: number } | undefined;
  private queuedTimer: NodeJS.Timeout | undefined;
  private raw: Record<string, unknown> = {};
  private scoped = new Map<string, Promise<Settings>>();
  private counters = new Map<string, IncrementalCounter>(); // `${encoding} ${uri}`
  /** First counts of large documents under way (`prime`), by the counters' key. */
  private priming = new Map<string, Promise<void>>();
  private listeners: Listener[] = [];
  private reported = new Set<string>();
  private initialized = false;
  private pending: SettingProblem[] = [];
  /** When the client last asked or told something (`busy`). */
  private lastActive = -Infinity;

  constructor(private readonly connection: Connection, private readonly opts: EngineOptions = {}) {
    const { settings } = parseSettings({});
    this.current = settings;
    this.currentCatalog = new Catalog(undefined, settings.prices);
    this.catalogPrices = JSON.stringify(settings.prices ?? null);
  }

  /**
   * The settings applied last. A request from the client calls `flushSettings` first, so it answers with
   * the latest sent; work the engine does on its own (an analysis under way) does not, or each analysis
   * would apply the next notification of a burst and start another.
   */
  get settings(): Settings { return this.current; }
  get catalog(): Catalog { return this.currentCatalog; }

  /** A settings notification: only the latest of a burst is applied, once (SETTINGS_DEBOUNCE_MS), or when a request needs it. */
  queueSettings(raw: unknown): void {
    this.lastActive = performance.now();
    const now = Date.now();
    const since = this.queued?.since ?? now;
    this.queued = { raw, since };
    clearTimeout(this.queuedTimer);
    this.queuedTimer = setTimeout(() => this.flushSettings(), Math.max(0, Math.min(SETTINGS_DEBOUNCE_MS, since + SETTINGS_MAX_WAIT_MS - now)));
  }

  /** Applies the queued notification now, if any. Every request and document event calls it first. */
  flushSettings(): void {
    this.lastActive = performance.now();
    const q = this.queued;
    if (!q) return;
    this.queued = undefined;
    clearTimeout(this.queuedTimer);
    this.queuedTimer = undefined;
    this.applySettings(q.raw);
  }

  applySettings(raw: unknown): void {
    // a queued older notification must not overwrite these later
    this.queued = undefined;
    clearTimeout(this.queuedTimer);
    const { settings, problems } = parseSettings(raw);
    this.raw = raw && typeof raw === 'object' && !Array.isArray(raw) ? raw as Record<string, unknown> : {};
    this.current = settings;
    const prices = JSON.stringify(settings.prices ?? null);
    if (prices !== this.catalogPrices) { this.catalogPrices = prices; this.currentCatalog = new Catalog(undefined, settings.prices); }
    // Any change may be a folder's value: every document asks again.
    this.scoped.clear();
    // Counters are keyed by encoding and document, and the text they hold is still right: keep them.
    this.report(problems);
    for (const l of this.listeners) l();
  }

  onSettingsChanged(l: Listener): void { this.listeners.push(l); }

  /**
   * The client is at work (typing, asking for counts, sending settings): background jobs (a log sweep)
   * then give the event loop back for longer between their slices, so its messages all go first.
   */
  busy(): boolean { return performance.now() - this.lastActive < BUSY_MS; }

  /**
   * The settings in effect for one document: resource-scoped keys as its folder sets them (asked with
   * `workspace/configuration` and its `scopeUri`, cached until the next settings change or until the
   * document closes), window-level keys from the snapshot. Without client support: the snapshot.
   */
  settingsFor(uri: string): Promise<Settings> {
    if (!this.opts.configurationSupported) return Promise.resolve(this.settings);
    let p = this.scoped.get(uri);
    if (!p) {
      const snapshot = this.settings;
      p = this.askScoped(uri).then(scoped => {
        if (!scoped) return snapshot;
        const merged: Record<string, unknown> = { ...this.raw };
        for (const k of RESOURCE_SETTINGS) if (k in scoped) merged[k] = scoped[k];
        const { settings, problems } = parseSettings(merged);
        this.report(problems, true);
        return settings;
      });
      this.scoped.set(uri, p);
    }
    return p;
  }

  private async askScoped(uri: string): Promise<Record<string, unknown> | undefined> {
    let timer: NodeJS.Timeout | undefined;
    try {
      const answer = await Promise.race([
        this.connection.workspace.getConfiguration({ scopeUri: uri, section: 'tokenomics' }) as Promise<unknown>,
        new Promise<undefined>(resolve => { timer = setTimeout(() => resolve(undefined), SCOPED_TIMEOUT_MS); }),
      ]);
      return answer && typeof answer === 'object' && !Array.isArray(answer) ? answer as Record<string, unknown> : undefined;
    } catch {
      return undefined;
    } finally {
      clearTimeout(timer);
    }
  }

  /** The model in effect when a document (or its prompt front matter) names none. */
  get defaultModel(): string { return modelOf(this.settings); }

  /** The configured time zone (already validated with the settings), else the system's. */
  get timezone(): string { return this.settings.timezone || defaultTimeZone(); }

  /** The client takes messages only after the initialize handshake; problems found before wait for it. */
  markInitialized(): void {
    this.initialized = true;
    this.report(this.pending.splice(0));
  }

  /** Each problem once per session: settings are re-sent on every change, the same warning is noise. */
  private report(problems: SettingProblem[], perDocument = false): void {
    if (!this.initialized) { this.pending.push(...problems); return; }
    for (const p of problems) {
      const line = `Invalid setting ${p.setting}: ${p.message}`;
      // the snapshot's problems are logged on every change; a document's only once, not per document
      if (perDocument && this.reported.has(line)) continue;
      this.connection.console.warn(line);
      if (this.reported.has(line)) continue;
      this.reported.add(line);
      void this.connection.window.showWarningMessage(`Tokenomics: ${line}`);
    }
  }

  async countDocument(uri: string, encoding: EncodingName, text: string): Promise<number> {
    return (await this.measureDocument(uri, encoding, text)).tokens;
  }

  /** The count and whether it is exact: a piece over a million characters is estimated (core/bpe.ts). */
  async measureDocument(uri: string, encoding: EncodingName, text: string): Promise<{ tokens: number; exact: boolean }> {
    const key = `${encoding} ${uri}`;
    let inc = this.counters.get(key);
    if (!inc) {
      inc = new IncrementalCounter(await getCounter(encoding));
      this.counters.set(key, inc);
      if (text.length > FIRST_COUNT_STEP) this.priming.set(key, prime(inc, text).finally(() => this.priming.delete(key)));
    }
    await this.priming.get(key);
    const tokens = inc.update(text);
    return { tokens, exact: inc.exact };
  }

  forget(uri: string): void {
    this.scoped.delete(uri);
    for (const key of [...this.counters.keys()]) if (key.endsWith(` ${uri}`)) this.counters.delete(key);
  }
}

/**
 * Counts growing prefixes of `text`, a step at a time: each update re-counts only what it added (and the
 * chunk at the old end, whose cut was not safe), so the final update of the whole text costs one step.
 */
async function prime(inc: IncrementalCounter, text: string): Promise<void> {
  for (let n = FIRST_COUNT_STEP; n < text.length; n += FIRST_COUNT_STEP) {
    inc.update(text.slice(0, n));
    // a run with no safe cut (300 MB without a space) would be re-counted from its start on every step:
    // the rest is then counted in one go, as without steps
    if (inc.lastRecounted > 2 * FIRST_COUNT_STEP) return;
    await new Promise(resolve => setImmediate(resolve));
  }
}

/** `settings.model`, else the bundled default. */
export function modelOf(settings: Settings): string {
  return settings.model || DEFAULT_MODEL;
}
