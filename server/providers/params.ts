/**
 * Checks a node's raw parameters against a model's ParamSpecs, for every
 * provider. The job runner calls it before `Provider.run`, so providers can
 * trust `input.params`.
 *
 * Lenient where a person's control could drift (a number past a slider's end
 * is clamped, an integer is rounded, a numeric string from a form field is
 * read as a number), strict where the caller is confused about the model (an
 * unknown name, a value of the wrong type, an option the model does not
 * offer): those are collected and thrown together as one ParamsError.
 */
import type { ModelInfo, ParamSpec } from "./types.js";

export type ParamValues = Record<string, number | string>;

/** Every problem with a set of parameters, one line each, e.g. `style: must be one of waves, cells (got "zigzag")`. */
export class ParamsError extends Error {
  constructor(
    readonly modelId: string,
    readonly problems: string[],
  ) {
    super(`Invalid parameters for ${modelId}: ${problems.join("; ")}`);
    this.name = "ParamsError";
  }
}

/**
 * Fills defaults, clamps numbers into range and rejects the rest.
 *
 * @example
 * validateParams(patternModel, { width: 2000, style: "rings" });
 * // → { width: 1024, height: 512, style: "rings", steps: 20 }
 * @throws ParamsError listing every bad parameter.
 */
export function validateParams(model: ModelInfo, raw: unknown): ParamValues {
  const problems: string[] = [];
  const given = asRecord(raw, problems);
  const known = new Set(model.params.map((spec) => spec.name));
  for (const name of Object.keys(given)) {
    if (!known.has(name)) problems.push(`${name}: unknown parameter (known: ${[...known].join(", ") || "none"})`);
  }

  const values: ParamValues = {};
  for (const spec of model.params) {
    const value = given[spec.name];
    const checked: Checked = value === undefined || value === null ? { ok: true, value: spec.default } : checkValue(spec, value);
    if (checked.ok) values[spec.name] = checked.value;
    else problems.push(`${spec.name}: ${checked.problem}`);
  }
  if (problems.length > 0) throw new ParamsError(model.id, problems);
  return values;
}

type Checked = { ok: true; value: number | string } | { ok: false; problem: string };

function asRecord(raw: unknown, problems: string[]): Record<string, unknown> {
  if (raw === undefined || raw === null) return {};
  if (typeof raw === "object" && !Array.isArray(raw)) return raw as Record<string, unknown>;
  problems.push(`parameters must be an object (got ${describe(raw)})`);
  return {};
}

function checkValue(spec: ParamSpec, value: unknown): Checked {
  switch (spec.type) {
    case "number":
    case "integer": {
      const n = typeof value === "string" && value.trim() !== "" ? Number(value) : value;
      if (typeof n !== "number" || !Number.isFinite(n)) return { ok: false, problem: `must be a number (got ${describe(value)})` };
      const rounded = spec.type === "integer" ? Math.round(n) : n;
      return { ok: true, value: Math.min(spec.max ?? Infinity, Math.max(spec.min ?? -Infinity, rounded)) };
    }
    case "enum": {
      const options = spec.options ?? [];
      if (typeof value === "string" && options.includes(value)) return { ok: true, value };
      return { ok: false, problem: `must be one of ${options.join(", ")} (got ${describe(value)})` };
    }
    case "string":
      if (typeof value === "string") return { ok: true, value };
      return { ok: false, problem: `must be text (got ${describe(value)})` };
    default: {
      const unreachable: never = spec.type;
      return { ok: false, problem: `has an unsupported type ${String(unreachable)}` };
    }
  }
}

function describe(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object" && value !== null) return "an object";
  return String(value);
}
