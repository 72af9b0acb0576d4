/**
 * The data directory's SQLite database (`switchboard.db`) as a module: opened before the
 * modules that keep state in it (contacts, bans), closed after them.
 */
import { join } from "node:path";
import { started, type ModuleContext, type PbxModule } from "../module.js";
import { openDatabase, type Database } from "./index.js";

export class DatabaseModule implements PbxModule {
  readonly name = "database";
  readonly description = "SQLite store: registrations and bans";
  private opened: Database | undefined;

  get db(): Database {
    return started(this.opened, this.name, "database");
  }

  start(ctx: ModuleContext): void {
    const db = openDatabase(join(ctx.dataDir, "switchboard.db"), ctx.log.child({ category: "store" }));
    this.opened = db;
    ctx.defer(() => {
      db.close();
    });
  }
}
