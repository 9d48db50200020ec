import type { SyntheticEvent } from "react";
import { findModel, useModels, type ParamSpec } from "./models";
import type { NodeKind } from "./node-format";

/**
 * Events inside a node card stay in the card: otherwise the canvas would take
 * a click in the textarea for the start of a drag, and typing for shortcuts.
 */
const stop = (event: SyntheticEvent) => event.stopPropagation();
export const keepInCard = { onPointerDown: stop, onPointerUp: stop, onKeyDown: stop, onKeyUp: stop, onDoubleClick: stop, onWheel: stop };

interface ModelPickerProps {
  kind: NodeKind;
  model: string;
  disabled: boolean;
  onChange(model: string): void;
}

/** The models of this node's kind, grouped by provider; an unavailable provider is listed, disabled, with its reason. */
export function ModelPicker({ kind, model, disabled, onChange }: ModelPickerProps) {
  const { providers, error } = useModels();
  const known = providers?.some((p) => p.models.some((m) => m.id === model)) ?? false;
  return (
    <select
      className="gb-node__model"
      aria-label="Model"
      data-testid="node-model"
      value={model}
      disabled={disabled}
      title={error ?? undefined}
      onChange={(e) => onChange(e.target.value)}
      {...keepInCard}
    >
      {!known && <option value={model}>{model || "(no model)"}</option>}
      {providers?.map((provider) =>
        provider.available ? (
          provider.models.some((m) => m.kind === kind) && (
            <optgroup key={provider.id} label={provider.label}>
              {provider.models
                .filter((m) => m.kind === kind)
                .map((m) => (
                  <option key={m.id} value={m.id}>
                    {m.label}
                  </option>
                ))}
            </optgroup>
          )
        ) : (
          <optgroup key={provider.id} label={provider.label} disabled>
            <option disabled value="">{`${provider.label}: ${provider.reason ?? "unavailable"}`}</option>
          </optgroup>
        ),
      )}
    </select>
  );
}

interface ParamInputsProps {
  model: string;
  params: Record<string, number | string>;
  disabled: boolean;
  onChange(params: Record<string, number | string>): void;
}

/** One input per ParamSpec of the chosen model; an empty field falls back to the model's default. */
export function ParamInputs({ model, params, disabled, onChange }: ParamInputsProps) {
  const { providers } = useModels();
  const specs = findModel(providers, model)?.params ?? [];
  if (specs.length === 0) return null;
  const set = (spec: ParamSpec, raw: string) => {
    const next = { ...params };
    if (raw === "") delete next[spec.name];
    else next[spec.name] = spec.type === "number" || spec.type === "integer" ? Number(raw) : raw;
    onChange(next);
  };
  return (
    <div className="gb-node__params">
      {specs.map((spec) => (
        <label key={spec.name} className="gb-node__param">
          <span>{spec.label}</span>
          {spec.type === "enum" ? (
            <select value={String(params[spec.name] ?? spec.default)} disabled={disabled} onChange={(e) => set(spec, e.target.value)} {...keepInCard}>
              {spec.options?.map((o) => (
                <option key={o} value={o}>
                  {o}
                </option>
              ))}
            </select>
          ) : (
            <input
              type={spec.type === "string" ? "text" : "number"}
              min={spec.min}
              max={spec.max}
              step={spec.type === "integer" ? 1 : "any"}
              placeholder={String(spec.default)}
              value={params[spec.name] ?? ""}
              disabled={disabled}
              data-param={spec.name}
              onChange={(e) => set(spec, e.target.value)}
              {...keepInCard}
            />
          )}
        </label>
      ))}
    </div>
  );
}

/** Params the new model takes, carried over from the old one. */
export function paramsForModel(model: string, params: Record<string, number | string>, providers: ReturnType<typeof useModels>["providers"]) {
  const known = new Set(findModel(providers, model)?.params.map((p) => p.name) ?? []);
  return Object.fromEntries(Object.entries(params).filter(([name]) => known.has(name)));
}
