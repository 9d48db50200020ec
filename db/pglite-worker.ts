/**
 * Worker-thread entry that owns the embedded PGlite database (see stores.ts for
 * why it lives on its own thread) and serves the stores to the main thread.
 */
import { parentPort, workerData } from "node:worker_threads";
import { createAssetsRepo } from "./assets-repo.js";
import { createJobsRepo } from "./jobs-repo.js";
import { createBoardsRepo } from "./boards-repo.js";
import { CallLanes, laneOf } from "./call-lanes.js";
import { openDatabase } from "./client.js";
import { createDocStore } from "./doc-store.js";
import { transferablesOf, type RpcHello, type RpcRequest, type RpcResponse } from "./worker-rpc.js";

const port = parentPort!;
const hello = (message: RpcHello) => port.postMessage(message);

try {
  const handle = await openDatabase({ dataDir: (workerData as { dataDir: string }).dataDir });
  const targets: Record<string, Record<string, (...args: never[]) => Promise<unknown>>> = {
    docStore: createDocStore(handle.db),
    boards: createBoardsRepo(handle.db),
    assets: createAssetsRepo(handle.db),
    jobs: createJobsRepo(handle.db),
    database: { ping: handle.ping, close: handle.close },
  };
  const lanes = new CallLanes();
  port.on("message", async ({ id, target, method, args }: RpcRequest) => {
    let response: RpcResponse;
    let transfer: ArrayBuffer[] = [];
    try {
      const fn = targets[target]?.[method];
      if (!fn) throw new Error(`no method ${target}.${method}`);
      const result = await lanes.run(laneOf(target, method), () => fn(...(args as never[])));
      transfer = transferablesOf(result);
      response = { id, result };
    } catch (err) {
      response = { id, error: { name: (err as Error).name ?? "Error", message: (err as Error).message ?? String(err) } };
    }
    port.postMessage(response, transfer);
  });
  hello({ ready: true });
} catch (err) {
  hello({ fatal: `could not open the embedded database: ${(err as Error).message}` });
}
