/** Percentiles, formatting, and the result line that run-all collects. */
import { execSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { cpus } from "node:os";
import { join } from "node:path";
import { ROOT } from "./spawn-server.js";

export interface Percentiles {
  n: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

export function percentiles(values: number[]): Percentiles {
  const s = [...values].sort((a, b) => a - b);
  const at = (q: number) => (s.length ? s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)]! : NaN);
  return { n: s.length, p50: at(0.5), p95: at(0.95), p99: at(0.99), max: s.length ? s[s.length - 1]! : NaN };
}

export const round = (x: number, digits = 1) => (Number.isFinite(x) ? Math.round(x * 10 ** digits) / 10 ** digits : x);

/** One comparable line: ours, the reference, ours ÷ reference, and the target verdict. */
export interface Row {
  metric: string;
  ours: number | string;
  reference: number | string;
  unit: string;
  /** ours / reference, when both are numbers. */
  ratio?: number;
  target?: string;
  met?: boolean;
}

export function row(metric: string, ours: number | string, reference: number | string, unit: string, target?: { text: string; met: boolean }): Row {
  const ratio = typeof ours === "number" && typeof reference === "number" && reference !== 0 ? round(ours / reference, 2) : undefined;
  return { metric, ours: typeof ours === "number" ? round(ours, 2) : ours, reference: typeof reference === "number" ? round(reference, 2) : reference, unit, ratio, target: target?.text, met: target?.met };
}

export interface BenchResult {
  bench: string;
  rows: Row[];
  notes: string[];
  /** Raw data kept in bench/results/<bench>.json only (not printed, not sent to run-all). */
  details?: unknown;
}

export function markdownTable(rows: Row[], withBench?: string): string {
  const head = `${withBench ? "| benchmark " : ""}| metric | ours | reference | ours/ref | target | met |`;
  const sep = `${withBench ? "|---" : ""}|---|---:|---:|---:|---|---|`;
  const lines = rows.map(
    (r) =>
      `${withBench ? `| ${withBench} ` : ""}| ${r.metric}${r.unit ? ` (${r.unit})` : ""} | ${r.ours} | ${r.reference} | ${r.ratio ?? ""} | ${r.target ?? ""} | ${r.met === undefined ? "" : r.met ? "yes" : "**no**"} |`,
  );
  return [head, sep, ...lines].join("\n");
}

export function machine(): string {
  const free = execSync("free -g", { encoding: "utf8" }).split("\n")[1]?.trim() ?? "";
  return `nproc=${cpus().length}, ${free.replace(/\s+/g, " ")} (free -g: total used free shared buff/cache available), node ${process.version}`;
}

/** Prints the table and notes, writes bench/results/<bench>.json, and emits the line run-all parses. */
export function publish(result: BenchResult): void {
  console.log(`\n## ${result.bench}\n`);
  console.log(markdownTable(result.rows));
  for (const note of result.notes) console.log(`- ${note}`);
  const dir = join(ROOT, "bench", "results");
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, `${result.bench}.json`), JSON.stringify({ ...result, machine: machine(), at: new Date().toISOString() }, null, 2));
  const { details: _details, ...summary } = result;
  console.log(`@@bench-result ${JSON.stringify(summary)}`);
}

export function log(msg: string): void {
  process.stderr.write(`[${new Date().toISOString().slice(11, 19)}] ${msg}\n`);
}
