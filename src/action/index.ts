/** Entry of the bundled Action (action/dist/index.js): only starts the runner. */
import { run } from "./runner.js";

await run();
