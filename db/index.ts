export { openDatabase, type Database, type DatabaseHandle, type DatabaseOptions } from "./client.js";
export { openStores, type Stores } from "./stores.js";
export { createDocStore, type StoredDoc, type AppendedUpdate, type DocStoreImpl } from "./doc-store.js";
export { createBoardsRepo, type BoardsRepo, type LinkKind, type Role, type ResolvedLink, type NewLink } from "./boards-repo.js";
export { createAssetsRepo, type AssetsRepo, type AssetInfo, type StoredAsset, type NewAsset } from "./assets-repo.js";
export { createJobsRepo, type JobsRepo, type JobRow, type JobStatus, type NewJob, type JobFinish } from "./jobs-repo.js";
