/**
 * "This schedule slot is being run by replica R": `schedule.json` on the data
 * branch, changed only by compare-and-swap (data-branch.ts). A slot is
 * claimed once per repository; the same replica finding its own claim after
 * a restart goes on (its persisted job is the same work), anyone else skips.
 */
import { z } from "zod";
import type { GitHubClient, RepoRef } from "../../github/client.js";
import { updateDataFile } from "../../github/data-branch.js";

export const SCHEDULE_LEASE_PATH = "schedule.json";

const leaseSchema = z.object({ slot: z.string(), holder: z.string(), claimedAt: z.string() });

/** Claim `slot` (ISO minute) for `holder`; true when it is ours to run. */
export async function claimScheduleSlot(
  gh: GitHubClient,
  repo: RepoRef,
  slot: string,
  holder: string,
  now: Date,
): Promise<boolean> {
  let ours = false;
  await updateDataFile(
    gh,
    repo,
    SCHEDULE_LEASE_PATH,
    (current) => {
      const parsed = current === null ? null : leaseSchema.safeParse(JSON.parse(current));
      const lease = parsed?.success ? parsed.data : null;
      if (lease && lease.slot >= slot) {
        ours = lease.slot === slot && lease.holder === holder;
        return null;
      }
      ours = true;
      return `${JSON.stringify({ slot, holder, claimedAt: now.toISOString() }, null, 2)}\n`;
    },
    `schedule: slot ${slot} claimed by ${holder}`,
  );
  return ours;
}
