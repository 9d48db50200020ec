import { after } from "node:test";
import { docStoreContract } from "../collab/doc-store.contract.js";
import { freshStorage } from "../tests/helpers/storage.js";
import { openStores, type Stores } from "./stores.js";

let n = 0;
// One database for the whole contract (each test uses boards of its own): opening PGlite costs seconds.
let shared: Promise<{ handle: Stores; cleanup: () => Promise<void> }> | null = null;
const open = () =>
  (shared ??= (async () => {
    const storage = await freshStorage();
    // Through openStores, so the PGlite leg goes through its worker thread as the server does.
    const handle = await openStores({ dataDir: storage.dataDir, databaseUrl: storage.databaseUrl });
    return { handle, cleanup: storage.cleanup };
  })());
after(async () => {
  if (!shared) return;
  const { handle, cleanup } = await shared;
  await handle.close();
  await cleanup();
});

docStoreContract(process.env.DATABASE_URL ? "Postgres" : "PGlite", async () => {
  const { handle } = await open();
  return {
    store: handle.docStore,
    newBoard: async () => {
      const id = `board-${process.pid}-${++n}`;
      await handle.boards.create({ id, title: "t", ownerTokenHash: "h" }, []);
      return id;
    },
    close: async () => {},
  };
});
