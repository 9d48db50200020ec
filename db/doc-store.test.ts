import { docStoreContract } from "../collab/doc-store.contract.js";
import { freshStorage } from "../tests/helpers/storage.js";
import { openStores } from "./stores.js";

let n = 0;
docStoreContract(process.env.DATABASE_URL ? "Postgres" : "PGlite", async () => {
  const storage = await freshStorage();
  // Through openStores, so the PGlite leg goes through its worker thread as the server does.
  const handle = await openStores({ dataDir: storage.dataDir, databaseUrl: storage.databaseUrl });
  return {
    store: handle.docStore,
    newBoard: async () => {
      const id = `board-${process.pid}-${++n}`;
      await handle.boards.create({ id, title: "t", ownerTokenHash: "h" }, []);
      return id;
    },
    close: async () => {
      await handle.close();
      await storage.cleanup();
    },
  };
});
