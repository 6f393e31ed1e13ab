/**
 * Formulas: `+ - * /`, parentheses, numeric literals and measure names. Parsed here, evaluated in
 * JS on the shaped rows (never compiled to SQL, so formula text never reaches a statement).
 */
import { NAME_RE } from './grammar.js';

export type FormulaAst =
  | { kind: 'num'; value: number }
  | { kind: 'ref'; name: string }
  | { kind: 'neg'; arg: FormulaAst }
  | { kind: 'bin'; op: '+' | '-' | '*' | '/'; left: FormulaAst; right: FormulaAst };

const MAX_FORMULA_LENGTH = 1000;
const TOKEN_RE = /\s*(?:(\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)|([a-z][a-z0-9_]*)|([-+*/()]))/y;

type Token = { kind: 'num'; value: number } | { kind: 'name'; value: string } | { kind: 'op'; value: string };

/** Parses a formula or returns a message saying what is wrong. */
export function parseFormula(text: unknown): FormulaAst | string {
  if (typeof text !== 'string' || text.trim() === '') return 'must be a non-empty string';
  if (text.length > MAX_FORMULA_LENGTH) return `must be at most ${MAX_FORMULA_LENGTH} characters`;
  const tokens: Token[] = [];
  TOKEN_RE.lastIndex = 0;
  let at = 0;
  while (at < text.length) {
    if (/^\s*$/.test(text.slice(at))) break;
    TOKEN_RE.lastIndex = at;
    const m = TOKEN_RE.exec(text);
    if (!m) return `unexpected character at offset ${at}; a formula uses measure names, numbers, + - * / and parentheses`;
    at = TOKEN_RE.lastIndex;
    if (m[1] !== undefined) tokens.push({ kind: 'num', value: Number(m[1]) });
    else if (m[2] !== undefined) {
      if (!NAME_RE.test(m[2])) return `"${m[2].slice(0, 64)}…" is not a measure name`;
      tokens.push({ kind: 'name', value: m[2] });
    } else tokens.push({ kind: 'op', value: m[3] });
  }
  let pos = 0;
  const peek = () => tokens[pos];
  const fail = (what: string) => `${what} at token ${pos + 1}; a formula uses measure names, numbers, + - * / and parentheses`;
  // Recursive descent; depth bounded by the length limit above.
  const expr = (): FormulaAst | string => {
    let left = term();
    while (typeof left !== 'string' && peek()?.kind === 'op' && (peek().value === '+' || peek().value === '-')) {
      const op = tokens[pos++].value as '+' | '-';
      const right = term();
      if (typeof right === 'string') return right;
      left = { kind: 'bin', op, left, right };
    }
    return left;
  };
  const term = (): FormulaAst | string => {
    let left = unary();
    while (typeof left !== 'string' && peek()?.kind === 'op' && (peek().value === '*' || peek().value === '/')) {
      const op = tokens[pos++].value as '*' | '/';
      const right = unary();
      if (typeof right === 'string') return right;
      left = { kind: 'bin', op, left, right };
    }
    return left;
  };
  const unary = (): FormulaAst | string => {
    const t = peek();
    if (t === undefined) return fail('unexpected end');
    if (t.kind === 'op' && t.value === '-') {
      pos++;
      const arg = unary();
      return typeof arg === 'string' ? arg : { kind: 'neg', arg };
    }
    if (t.kind === 'op' && t.value === '(') {
      pos++;
      const inner = expr();
      if (typeof inner === 'string') return inner;
      if (peek()?.kind !== 'op' || peek().value !== ')') return fail('missing ")"');
      pos++;
      return inner;
    }
    pos++;
    if (t.kind === 'num') return { kind: 'num', value: t.value };
    if (t.kind === 'name') return { kind: 'ref', name: t.value };
    return fail(`unexpected "${t.value}"`);
  };
  const ast = expr();
  if (typeof ast === 'string') return ast;
  if (pos < tokens.length) return fail('unexpected text');
  return ast;
}

/** The names a formula refers to, in order of first appearance. */
export function formulaRefs(ast: FormulaAst, into: string[] = []): string[] {
  if (ast.kind === 'ref' && !into.includes(ast.name)) into.push(ast.name);
  else if (ast.kind === 'neg') formulaRefs(ast.arg, into);
  else if (ast.kind === 'bin') {
    formulaRefs(ast.left, into);
    formulaRefs(ast.right, into);
  }
  return into;
}

/** Evaluates with `lookup` for names; null operands give null, and so does a division by zero. */
export function evaluateFormula(ast: FormulaAst, lookup: (name: string) => number | null): number | null {
  switch (ast.kind) {
    case 'num':
      return ast.value;
    case 'ref':
      return lookup(ast.name);
    case 'neg': {
      const v = evaluateFormula(ast.arg, lookup);
      return v === null ? null : -v;
    }
    case 'bin': {
      const l = evaluateFormula(ast.left, lookup);
      const r = evaluateFormula(ast.right, lookup);
      if (l === null || r === null) return null;
      let v: number;
      if (ast.op === '+') v = l + r;
      else if (ast.op === '-') v = l - r;
      else if (ast.op === '*') v = l * r;
      else if (r === 0) return null;
      else v = l / r;
      return Number.isFinite(v) ? v : null;
    }
  }
}
