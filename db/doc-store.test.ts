import { docStoreContract } from "../collab/doc-store.contract.js";
import { freshStorage } from "../tests/helpers/storage.js";
import { createBoardsRepo } from "./boards-repo.js";
import { openDatabase } from "./client.js";
import { createDocStore } from "./doc-store.js";

let n = 0;
docStoreContract(process.env.DATABASE_URL ? "Postgres" : "PGlite", async () => {
  const storage = await freshStorage();
  const handle = await openDatabase({ dataDir: storage.dataDir, databaseUrl: storage.databaseUrl });
  const boards = createBoardsRepo(handle.db);
  return {
    store: createDocStore(handle.db),
    newBoard: async () => {
      const id = `board-${process.pid}-${++n}`;
      await boards.create({ id, title: "t", ownerTokenHash: "h" }, []);
      return id;
    },
    close: async () => {
      await handle.close();
      await storage.cleanup();
    },
  };
});
