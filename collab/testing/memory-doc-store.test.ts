import { docStoreContract } from "../doc-store.contract.js";
import { MemoryDocStore } from "./memory-doc-store.js";

let n = 0;
docStoreContract("in-memory", async () => ({ store: new MemoryDocStore(), newBoard: async () => `board-${++n}`, close: async () => {} }));
