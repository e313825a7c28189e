// The exported metrics' names and units, beside Claude Code's `claude_code.token.usage` and
// `claude_code.cost.usage` (the GenAI semantic conventions define no cost metric yet). A module of its
// own, without imports, so the OpenTelemetry sender's bundle (dist/otlp.js) takes only these.
export const TOKEN_METRIC = 'tokenomics.token.usage';
export const COST_METRIC = 'tokenomics.cost.usage';
export const TOKEN_UNIT = '{token}';
export const COST_UNIT = 'USD';
