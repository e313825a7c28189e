// The shapes the prompt analysis hands to its callers (the engine, the CLI, tests). Offsets are
// UTF-16 indices into the analysed text, end-exclusive, so any editor can map them to positions.

export type RuleCode =
  | 'over-budget' | 'duplicate-block' | 'high-entropy-blob' | 'log-dump' | 'large-code-block'
  | 'large-data-block' | 'whitespace' | 'filler' | 'lost-in-the-middle' | 'long-context-cliff' | 'cheaper-tier'
  | 'stale-reference' | 'cross-file-duplicate' | 'cache-hostile' | 'directory-tree' | 'example-heavy' | 'unread-front-matter' | 'broad-attach';

export const RULE_CODES: readonly RuleCode[] = [
  'over-budget', 'duplicate-block', 'high-entropy-blob', 'log-dump', 'large-code-block', 'large-data-block',
  'whitespace', 'filler', 'lost-in-the-middle', 'long-context-cliff', 'cheaper-tier',
  'stale-reference', 'cross-file-duplicate', 'cache-hostile', 'directory-tree', 'example-heavy', 'unread-front-matter', 'broad-attach',
];

export type Severity = 'information' | 'warning' | 'error';

export interface TextEdit { start: number; end: number; newText: string }

export interface Fix {
  /** With the saving, e.g. "Collapse blank lines (−312 tokens)". */
  title: string;
  edits: TextEdit[];
  /** Tokens saved on the target model (0 for moves; negative never happens). */
  saving: number;
  /** Part of "Fix all safe bloat": only edits that cannot change what the prompt says. */
  safe: boolean;
  /** A file to create next to the prompt (name relative to the prompt's folder) before the edits apply. */
  createFile?: { name: string; content: string };
  /** Preferred fixes are offered first by editors. */
  preferred?: boolean;
}

export interface Related {
  start: number;
  end: number;
  message: string;
  /** Another file (path) the place is in, with its 1-based line; start/end then are 0. */
  file?: string;
  line?: number;
}

export interface Finding {
  /** Full diagnostic code, e.g. `tokenomics.duplicate-block`. */
  code: `tokenomics.${RuleCode}`;
  rule: RuleCode;
  severity: Severity;
  start: number;
  end: number;
  message: string;
  /** Tokens this finding costs on every call (on the target model; 0 when not meaningful). */
  tokens: number;
  related: Related[];
  fixes: Fix[];
}

export type BlockKind = 'heading' | 'paragraph' | 'list-item' | 'fence' | 'table';

/** A block as the markdown scanner finds it: offsets only. */
export interface RawBlock {
  kind: BlockKind;
  start: number;
  /** End of the last line, before its line break. */
  end: number;
  /** Heading level (1-6) for headings. */
  level?: number;
  /** Fence info string (language) for fenced blocks. */
  lang?: string;
  /** Fenced blocks: the content between the fence lines. */
  innerStart?: number;
  innerEnd?: number;
}

export interface Block extends RawBlock {
  /** Raw tokens (the encoding's count, before any model factor). */
  raw: number;
}

export interface Section {
  title: string;
  level: number;
  /** The heading line. */
  start: number;
  headingEnd: number;
  /** Up to the next heading of the same or a higher level. */
  end: number;
  /** Tokens on the target model (estimated from its blocks). */
  tokens: number;
  share: number;
}
