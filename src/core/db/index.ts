/** SQLite persistence shared by feature modules: open the file, run per-module migrations. */
export { openDatabase, type Database, type OpenDatabaseOptions } from "./database.js";
export {
  CORE_SCHEMA_VERSION,
  ensureCoreSchema,
  moduleSchemaVersion,
  registerMigrations,
  type MigrationResult,
} from "./migrations.js";
