import assert from "node:assert/strict";
import type { BrowserContext, Frame, Page } from "playwright-core";
import { collectErrors, pageScript, waitForCanvas, type ErrorLog } from "./harness.js";
import { SLOW, waitForStatus } from "./board-helpers.js";

/** Opens a board page in `context` and waits until its canvas is ready and connected. */
export async function openBoard(context: BrowserContext, url: string): Promise<{ page: Page; errors: ErrorLog }> {
  const page = await context.newPage();
  const errors = collectErrors(page);
  await page.goto(url);
  await waitForCanvas(page, SLOW);
  await waitForStatus(page, "connected");
  return { page, errors };
}

/** Adds a node from the "Add node" menu (created selected, mid-viewport), then moves it `dx` sideways so cards do not overlap. */
export async function addNode(page: Page, kind: string, dx: number): Promise<string> {
  await page.locator('[data-testid="add-node"]').selectOption(kind);
  const id = await page.evaluate(() => (window as any).editor.getSelectedShapeIds()[0] as string);
  assert.match(id, /^shape:/);
  await page.evaluate(pageScript(({ id, dx }) => {
    const editor = (window as any).editor;
    const shape = editor.getShape(id);
    editor.updateShape({ id, type: shape.type, x: shape.x + dx });
    editor.selectNone();
  }, { id, dx }));
  return id;
}

export const nodeCard = (target: Page | Frame, id: string) => target.locator(`[data-node-id="${id}"]`);
export const nodeStatus = (target: Page | Frame, id: string) => nodeCard(target, id).locator('[data-testid="node-status"]').getAttribute("data-status");
