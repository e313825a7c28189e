// YAML front matter (`---` ... `---` at the top of a prompt file): only flat `key: value` lines are
// read. That covers `model:`, `alwaysApply:`, `applyTo:`, `description:`; nothing here needs real YAML.

export interface FrontMatterField { key: string; value: string; valueStart: number; valueEnd: number }

export interface FrontMatter {
  /** Offset just after the closing `---` line (its line break included); 0 when there is none. */
  end: number;
  fields: Map<string, FrontMatterField>;
}

const NONE: FrontMatter = { end: 0, fields: new Map() };

export function parseFrontMatter(text: string): FrontMatter {
  const first = /^\uFEFF?---[ \t]*\r?\n/.exec(text.slice(0, 16));
  if (!first) return NONE;
  const fields = new Map<string, FrontMatterField>();
  let pos = first[0].length;
  // a front matter longer than this is not front matter but a document that starts with a rule
  const limit = Math.min(text.length, 64 * 1024);
  while (pos < limit) {
    let nl = text.indexOf('\n', pos);
    if (nl < 0) nl = text.length;
    const line = text.slice(pos, nl).replace(/\r$/, '');
    if (/^(?:---|\.\.\.)[ \t]*$/.test(line)) return { end: Math.min(text.length, nl + 1), fields };
    const m = /^([A-Za-z_][\w.-]{0,63})[ \t]*:[ \t]*(.*)$/.exec(line.length > 4096 ? line.slice(0, 4096) : line);
    if (m) {
      const key = m[1]!;
      let raw = m[2]!.replace(/[ \t]+#.*$/, '').trimEnd();
      let offset = pos + line.indexOf(':') + 1;
      while (text[offset] === ' ' || text[offset] === '\t') offset++;
      if (raw.length >= 2 && (raw[0] === '"' || raw[0] === "'") && raw[raw.length - 1] === raw[0]) {
        raw = raw.slice(1, -1);
        offset++;
      }
      if (!fields.has(key)) fields.set(key, { key, value: raw, valueStart: offset, valueEnd: offset + raw.length });
    }
    pos = nl + 1;
  }
  return NONE;
}
