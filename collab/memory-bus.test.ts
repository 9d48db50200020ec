import { busContract } from "./bus.contract.js";
import { MemoryBusHub } from "./memory-bus.js";

busContract("in-process", async (n) => {
  const hub = new MemoryBusHub();
  return Array.from({ length: n }, () => hub.node());
});
