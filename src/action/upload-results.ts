/**
 * Upload the results file as the artifact `codec-evolve-results` for the
 * trusted report job. Needs the Actions runtime (ACTIONS_RUNTIME_TOKEN and
 * ACTIONS_RESULTS_URL, set on every hosted and self-hosted runner); outside
 * it (local runs, tests) the upload is skipped and the reason returned.
 */
import { DefaultArtifactClient } from "@actions/artifact";
import { basename, dirname } from "node:path";
import { RESULTS_ARTIFACT } from "../github/names.js";

/** Upload `file`; returns a line for the log. */
export async function uploadResults(file: string, retentionDays = 30): Promise<string> {
  if (!process.env.ACTIONS_RUNTIME_TOKEN || !process.env.ACTIONS_RESULTS_URL) {
    return `artifact ${RESULTS_ARTIFACT} not uploaded: no Actions runtime (ACTIONS_RUNTIME_TOKEN / ACTIONS_RESULTS_URL unset)`;
  }
  const client = new DefaultArtifactClient();
  const { id, size } = await client.uploadArtifact(RESULTS_ARTIFACT, [file], dirname(file), {
    retentionDays,
  });
  return `artifact ${RESULTS_ARTIFACT} uploaded (id ${id}, ${size} bytes, ${basename(file)})`;
}
