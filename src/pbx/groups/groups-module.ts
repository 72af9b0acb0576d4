/**
 * Channel groups as a module (Asterisk's func_groupcount and `group show channels`): the
 * functions GROUP(), GROUP_COUNT(), GROUP_MATCH_COUNT() and GROUP_LIST(), and the console
 * listing. The usual use is a call limit written in the dialplan:
 *
 *   same => n,Set(GROUP()=${EXTEN})
 *   same => n,GotoIf($[${GROUP_COUNT()} > 1]?busy)
 *
 * A channel keeps its groups until the dialplan is done with it after its hangup (its `h`
 * extension still sees them, as in Asterisk, where they are discarded when the channel is
 * destroyed); then it leaves them all. OUTBOUND_GROUP / OUTBOUND_GROUP_ONCE (groups given to
 * the channels Dial creates) are not implemented.
 */
import type { PbxModuleContext, SwitchboardModule } from "../module-context.js";
import { groupShowChannelsCommand } from "./group-commands.js";
import { groupFunctions } from "./group-functions.js";
import { GroupTable } from "./group-table.js";

export class GroupsModule implements SwitchboardModule {
  readonly name = "groups";
  readonly provides = [{ name: "func_groupcount.so", description: "Channel group dialplan functions" }];
  /** Every call's memberships; one table for the whole PBX, as Asterisk's group list is. */
  readonly table = new GroupTable();

  start(ctx: PbxModuleContext): void {
    for (const f of groupFunctions(this.table)) ctx.funcs.register(f);
    ctx.events.on("ChannelReleased", (e) => this.table.discard(e.Channel));
    ctx.defer(ctx.commands.register(groupShowChannelsCommand(this.table)));
  }

  stop(): void {
    this.table.clear();
  }
}
