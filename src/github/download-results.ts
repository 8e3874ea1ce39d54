/**
 * Fetch the `codec-evolve-results` artifact of a workflow run through the
 * public API (`@actions/artifact` with `findBy`, which follows GITHUB_API_URL)
 * and read it as untrusted data. Its size as GitHub reports it is checked
 * before anything is downloaded, and the file again before it is read.
 */
import { DefaultArtifactClient } from "@actions/artifact";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { RESULTS_ARTIFACT } from "./names.js";
import {
  MAX_RESULTS_BYTES,
  readResultsFile,
  RESULTS_FILE,
  ResultsRejected,
  type ResultsArtifact,
} from "./results-artifact.js";

/** The zip of a results artifact: the JSON compresses well, so this bound is generous. */
export const MAX_ARTIFACT_BYTES = MAX_RESULTS_BYTES;

/** Download and validate the results artifact of run `runId`. */
export async function downloadResults(opts: {
  token: string;
  owner: string;
  repo: string;
  runId: number;
  fallbackCodecPath: string;
  client?: DefaultArtifactClient;
}): Promise<ResultsArtifact> {
  const client = opts.client ?? new DefaultArtifactClient();
  const findBy = {
    token: opts.token,
    workflowRunId: opts.runId,
    repositoryOwner: opts.owner,
    repositoryName: opts.repo,
  };
  const { artifact } = await client.getArtifact(RESULTS_ARTIFACT, { findBy });
  if (!(artifact.size >= 0 && artifact.size <= MAX_ARTIFACT_BYTES)) {
    throw new ResultsRejected(
      `artifact ${RESULTS_ARTIFACT} of run ${opts.runId} claims ${artifact.size} bytes, over the ${MAX_ARTIFACT_BYTES}-byte limit; refused without downloading`,
    );
  }
  const dir = await mkdtemp(join(tmpdir(), "codec-evolve-artifact-"));
  await client.downloadArtifact(artifact.id, { path: dir, findBy });
  return readResultsFile(join(dir, RESULTS_FILE), opts.fallbackCodecPath);
}
