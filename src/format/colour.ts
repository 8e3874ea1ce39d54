/** ANSI colour for terminals only: none when the stream is piped or NO_COLOR is set (no-color.org). */

export type Paint = (text: string, colour: Colour) => string;
export type Colour = "green" | "red" | "yellow" | "grey" | "bold";

const CODES: Record<Colour, [number, number]> = {
  green: [32, 39],
  red: [31, 39],
  yellow: [33, 39],
  grey: [90, 39],
  bold: [1, 22],
};

/** Whether to colour output written to `stream`. */
export function wantsColour(stream: NodeJS.WritableStream, env: NodeJS.ProcessEnv): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== "") return false;
  return (stream as NodeJS.WriteStream).isTTY === true;
}

/** A painter: wraps text in the colour's codes, or returns it unchanged when colour is off. */
export function painter(enabled: boolean): Paint {
  if (!enabled) return (text) => text;
  return (text, colour) => {
    const [open, close] = CODES[colour];
    return text === "" ? text : `\u001b[${open}m${text}\u001b[${close}m`;
  };
}
