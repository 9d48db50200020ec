import * as Y from "yjs";
import type { AssetStore } from "../assets/asset-store.js";
import type { GenNode } from "../nodes/node-record.js";
import type { ChatMessage, GeneratingKind, GenerationInput } from "../providers/types.js";
import { upstreamNodes } from "./graph.js";

type Runs = Y.Map<Y.Map<unknown>>;

const runOf = (runs: Runs, nodeId: string) => runs.get(nodeId);
const textOf = (runs: Runs, nodeId: string) => {
  const text = runOf(runs, nodeId)?.get("text");
  return text instanceof Y.Text ? text.toString() : "";
};
const outputsOf = (runs: Runs, nodeId: string) => (runOf(runs, nodeId)?.get("outputs") as Array<{ type: string; url?: string; mime: string }> | undefined) ?? [];

/**
 * What a node asks its provider, read from the server's copy of the board:
 * upstream prompt and text nodes feed the prompt, an upstream image is the
 * init image, and a chain of text nodes is a conversation (each continues the
 * messages of the text nodes above it, so two nodes drawn from one are two
 * branches of the same chat).
 */
export async function resolveInput(doc: Y.Doc, node: GenNode, assets: AssetStore): Promise<GenerationInput> {
  const records = doc.getMap<unknown>("records");
  const runs = doc.getMap("runs") as Runs;
  const upstream = upstreamNodes(records, node.id);

  const context = upstream.filter((n) => n.kind === "prompt" || (n.kind === "text" && node.kind !== "text")).map((n) => (n.kind === "prompt" ? n.prompt : textOf(runs, n.id)));
  const prompt = [...context, node.prompt].map((s) => s.trim()).filter(Boolean).join("\n\n");

  const input: GenerationInput = { kind: node.kind as GeneratingKind, model: node.model.split(":").slice(1).join(":"), prompt, params: node.params, seed: node.seed };
  if (node.kind === "text") input.messages = conversation(records, runs, node, new Set());
  const image = upstream.flatMap((n) => outputsOf(runs, n.id)).find((o) => o.type === "image" && o.url?.startsWith("/assets/"));
  if (image && (node.kind === "image" || node.kind === "video")) {
    const stored = await assets.read(image.url!.slice("/assets/".length));
    if (stored) input.initImage = { bytes: stored.data, mime: stored.mime };
  }
  return input;
}

/** The messages of the text chain above `node`, oldest first (the first text parent at each step). */
function conversation(records: Y.Map<unknown>, runs: Runs, node: GenNode, seen: Set<string>): ChatMessage[] {
  seen.add(node.id);
  const parent = upstreamNodes(records, node.id).find((n) => n.kind === "text" && !seen.has(n.id));
  if (!parent) return [];
  const reply = textOf(runs, parent.id);
  return [...conversation(records, runs, parent, seen), { role: "user", content: parent.prompt }, ...(reply ? [{ role: "assistant" as const, content: reply }] : [])];
}
