/**
 * The contact store (the registrar's bindings, kept in SQLite so a restart keeps every phone
 * reachable) as a module of its own. It is separate from the registrar module so that it opens
 * right after the database and closes right before it: on shutdown the SIP transports are
 * already closed when the store takes its last write, so no REGISTER can arrive after it.
 */
import { started, type PbxModule } from "../../core/module.js";
import type { DatabaseModule } from "../../core/db/database-module.js";
import type { ModuleContext } from "../../core/module.js";
import type { ContactStore } from "./store/contact-store.js";
import { SqliteContactStore } from "./store/sqlite-contact-store.js";

export class ContactsModule implements PbxModule {
  readonly name = "contacts";
  readonly description = "Registered contacts, kept across restarts";
  readonly dependsOn: readonly string[];
  private opened: ContactStore | undefined;

  constructor(private readonly deps: { database: DatabaseModule }) {
    this.dependsOn = [deps.database.name];
  }

  get store(): ContactStore {
    return started(this.opened, this.name, "contact store");
  }

  start(ctx: ModuleContext): void {
    const store = new SqliteContactStore(this.deps.database.db, { log: ctx.log.child({ category: "store" }) });
    this.opened = store;
    ctx.defer(() => store.close());
  }
}
