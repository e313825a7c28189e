// Serves the status bar token meter: counts of documents and selections on the configured model.
import type { Connection, TextDocuments } from 'vscode-languageserver/node';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { looksBinary, resolveModel, summarizeCount } from '../core/documentCount';
import { countingFor } from '../core/encodings';
import { getCounter } from '../core/tokenizer';
import { modelOf, type Engine } from './engine';
import { CountRequest, CountResult, ModelListItem, ModelsRequest, NOT_SYNCED } from './protocol';
import { onRequest, onRequest0, schemas } from './requests';

export interface PromptInfo { isPrompt(uri: string): boolean; findings(uri: string): number | undefined; modelFor(uri: string): string | undefined }

/** The setting is in megabytes of the file; UTF-16 length alone would let multi-byte text through at 3x. */
export function overLimit(text: string, bytes: number): boolean {
  return text.length > bytes || (text.length * 3 > bytes && Buffer.byteLength(text, 'utf8') > bytes);
}

export function registerTokenMeter(connection: Connection, documents: TextDocuments<TextDocument>, engine: Engine, prompts?: PromptInfo): void {
  onRequest(connection, CountRequest, schemas.count, async (p): Promise<CountResult> => {
    engine.flushSettings(); // answered with the settings sent last, even mid-burst
    const doc = documents.get(p.uri);
    const selection = p.ranges.length > 0;
    if (!doc) return { uri: p.uri, version: p.version, selection, notCounted: NOT_SYNCED };
    const base = { uri: p.uri, version: doc.version, selection, isPrompt: prompts?.isPrompt(p.uri), findings: prompts?.findings(p.uri) };
    const limit = engine.settings.maxFileSizeMB * 1024 * 1024;
    const text = doc.getText();
    if (overLimit(text, limit)) return { ...base, notCounted: `larger than ${engine.settings.maxFileSizeMB} MB (tokenomics.maxFileSizeMB)` };
    if (looksBinary(text)) return { ...base, notCounted: 'binary content' };
    // tokenomics.model is resource-scoped: a folder of a multi-root workspace may count on its own model
    const modelId = prompts?.modelFor(p.uri) ?? modelOf(await engine.settingsFor(p.uri));
    const { model, counting } = resolveModel(engine.catalog, modelId);
    let raw = 0, exactRaw = true;
    if (selection) {
      const counter = await getCounter(counting.encoding);
      for (const r of p.ranges) { const m = counter.measure(doc.getText(r)); raw += m.tokens; exactRaw &&= m.exact; }
    } else {
      ({ tokens: raw, exact: exactRaw } = await engine.measureDocument(p.uri, counting.encoding, text));
    }
    const summary = summarizeCount(raw, model, modelId, counting);
    // an exact encoding still gives an estimate when the text holds a piece too long to merge (≈ shown)
    if (exactRaw) return { ...base, ...summary };
    return { ...base, ...summary, exact: false, countingLabel: `${summary.countingLabel}; a run of over a million characters without a break is estimated from samples` };
  });

  onRequest0(connection, ModelsRequest, (): ModelListItem[] => engine.catalog.primary().map(m => ({
    id: m.id, provider: m.provider, family: m.family, tier: m.tier, input: m.rates.input, output: m.rates.output,
    contextWindow: m.contextWindow ?? null, exact: countingFor(m).exact, deprecated: m.deprecated,
  })));

  documents.onDidClose((e: { document: TextDocument }) => engine.forget(e.document.uri));
}
