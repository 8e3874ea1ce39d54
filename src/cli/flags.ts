/**
 * One way for every command to declare its flags. A declaration gives the
 * flag's placeholder, its help line and how its text becomes a typed value;
 * parsing, the errors that name the flag, the value and what is allowed, and
 * the usage text all come from that one declaration. Adding a flag to a
 * command is one entry in its `flags` object.
 */
import { parseArgs } from "node:util";
import { EXIT, ExitError } from "./exit-error.js";

/** A declared flag whose value, once read, is T (T[] when repeatable). */
export interface Flag<T, Repeatable extends boolean = boolean> {
  readonly kind: "boolean" | "string";
  readonly repeatable: Repeatable;
  /** One-letter alias, e.g. "h". */
  readonly short?: string;
  /** Shown after the flag in the usage text, e.g. "N" or "FILE"; "" for a boolean. */
  readonly placeholder: string;
  /** The help line; may hold "\n" for more lines. */
  readonly help: string;
  /** Turn one given text into the value; throws FlagError naming the flag and what is allowed. */
  readonly read: (text: string, name: string) => T;
}

/** The value a declared flag yields once parsed (undefined when not given). */
export type FlagValue<F> =
  F extends Flag<infer T, infer R> ? (R extends true ? T[] : T) | undefined : never;

/** A usage error about one flag: exits 2 with "--NAME: ..." on stderr. */
export class FlagError extends ExitError {
  constructor(name: string, problem: string) {
    super(`--${name}: ${problem}`, EXIT.usage);
  }
}

/** `"VALUE" is not EXPECTED`: the message shape of every rejected flag value. */
export function rejectValue(name: string, text: string, expected: string): never {
  throw new FlagError(name, `"${text}" is not ${expected}`);
}

interface NumberBounds {
  min?: number;
  max?: number;
}

function describeNumber(noun: "integer" | "number", { min, max }: NumberBounds): string {
  const article = noun === "integer" ? "an integer" : "a number";
  if (min !== undefined && max !== undefined) return `${article} from ${min} to ${max}`;
  if (min === 0) return `a non-negative ${noun}`;
  if (min === 1 && noun === "integer") return "a positive integer";
  if (min !== undefined) return `${article} ≥ ${min}`;
  if (max !== undefined) return `${article} ≤ ${max}`;
  return article;
}

function readNumber(integer: boolean, bounds: NumberBounds) {
  return (text: string, name: string): number => {
    const value = text.trim() === "" ? Number.NaN : Number(text);
    const ok =
      (integer ? Number.isInteger(value) : Number.isFinite(value)) &&
      (bounds.min === undefined || value >= bounds.min) &&
      (bounds.max === undefined || value <= bounds.max);
    if (!ok) rejectValue(name, text, describeNumber(integer ? "integer" : "number", bounds));
    return value;
  };
}

const identity = (text: string) => text;

/** Constructors of flag declarations. */
export const flag = {
  /** A switch: true when given. */
  boolean(help: string, options: { short?: string } = {}): Flag<boolean, false> {
    return {
      kind: "boolean",
      repeatable: false,
      placeholder: "",
      help,
      read: () => true,
      ...options,
    };
  },
  /** Free text, e.g. a path. */
  string(placeholder: string, help: string): Flag<string, false> {
    return { kind: "string", repeatable: false, placeholder, help, read: identity };
  },
  /** Free text that may be given several times; the value is every occurrence in order. */
  strings(placeholder: string, help: string): Flag<string, true> {
    return { kind: "string", repeatable: true, placeholder, help, read: identity };
  },
  /** An integer, optionally bounded. */
  integer(placeholder: string, help: string, bounds: NumberBounds = {}): Flag<number, false> {
    return {
      kind: "string",
      repeatable: false,
      placeholder,
      help,
      read: readNumber(true, bounds),
    };
  },
  /** A finite number, optionally bounded. */
  number(placeholder: string, help: string, bounds: NumberBounds = {}): Flag<number, false> {
    return {
      kind: "string",
      repeatable: false,
      placeholder,
      help,
      read: readNumber(false, bounds),
    };
  },
  /** One of a fixed set of words. */
  choice<const C extends string>(
    placeholder: string,
    choices: readonly C[],
    help: string,
  ): Flag<C, false> {
    return {
      kind: "string",
      repeatable: false,
      placeholder,
      help,
      read: (text, name) =>
        (choices as readonly string[]).includes(text)
          ? (text as C)
          : rejectValue(name, text, `one of ${choices.join(", ")}`),
    };
  },
  /** Any other value: `read` checks the text and throws via rejectValue/FlagError. */
  custom<T>(
    placeholder: string,
    help: string,
    read: (text: string, name: string) => T,
  ): Flag<T, false> {
    return { kind: "string", repeatable: false, placeholder, help, read };
  },
};

/** Split "a, b,c" into items; an empty list is an error naming the flag. */
export function readList(text: string, name: string): string[] {
  const items = text
    .split(",")
    .map((item) => item.trim())
    .filter(Boolean);
  if (items.length === 0) rejectValue(name, text, "a comma-separated list");
  return items;
}

type FlagSet = Record<string, Flag<unknown>>;

/** What a command declares: its name, arguments, description and flags. */
export interface CommandDeclaration<F extends FlagSet> {
  /** The word after `codec-evolve`, e.g. "evaluate". */
  name: string;
  /** Positional arguments as shown in the usage line, e.g. "CODEC.py"; "" for none. */
  args: string;
  /** How many positional arguments the command takes. */
  positionals: { min: number; max: number };
  /** Paragraph(s) shown under the usage line. */
  description?: string;
  flags: F;
}

/** The parsed command line of a declared command. */
export interface ParsedCommandLine<F extends FlagSet> {
  /** --help or -h was given: print `usage` and exit 0. */
  help: boolean;
  values: { [K in keyof F]: FlagValue<F[K]> };
  positionals: string[];
}

/** A declared command: its generated usage text and its parser. */
export interface Command<F extends FlagSet> {
  usage: string;
  parse(argv: readonly string[]): ParsedCommandLine<F>;
}

const HELP_FLAG = flag.boolean("show this help", { short: "h" });

/** The usage text of a declaration: usage line, description, then one aligned line per flag. */
function renderUsage(declaration: CommandDeclaration<FlagSet>): string {
  const { name, args, description, flags } = declaration;
  const entries = Object.entries({ ...flags, help: HELP_FLAG });
  const left = entries.map(([flagName, f]) => {
    const short = f.short ? `-${f.short}, ` : "";
    const value = f.placeholder ? ` ${f.placeholder}` : "";
    return `${short}--${flagName}${value}`;
  });
  const width = Math.min(24, Math.max(...left.map((l) => l.length)));
  const lines = entries.map(([, f], i) => {
    const head = left[i]!;
    const pad = " ".repeat(width + 4);
    const [first, ...rest] = `${f.help}${f.repeatable ? " (repeatable)" : ""}`.split("\n");
    const firstLine =
      head.length > width ? `  ${head}\n${pad}${first}` : `  ${head.padEnd(width)}  ${first}`;
    return [firstLine, ...rest.map((line) => `${pad}${line}`)].join("\n");
  });
  const usageLine = `usage: codec-evolve ${name}${args ? ` ${args}` : ""} [options]`;
  return [usageLine, ...(description ? ["", description] : []), "", ...lines].join("\n");
}

/** A parse error of node:util's parseArgs, rewritten to name the flag and where to look. */
function usageErrorFrom(error: unknown, commandName: string): never {
  const code = (error as { code?: unknown }).code;
  const message = (error as Error).message ?? String(error);
  const option = /'(-{1,2}[^' ]+)/.exec(message)?.[1] ?? "";
  const hint = `(codec-evolve ${commandName} --help lists the options)`;
  if (code === "ERR_PARSE_ARGS_UNKNOWN_OPTION") {
    throw new ExitError(`unknown option ${option} ${hint}`, EXIT.usage);
  }
  if (code === "ERR_PARSE_ARGS_INVALID_OPTION_VALUE") {
    const problem = /does not take an argument/.test(message)
      ? "takes no value"
      : /ambiguous/.test(message)
        ? `needs a value; to give one starting with "-" write ${option}=VALUE`
        : "needs a value";
    throw new ExitError(`${option}: ${problem} ${hint}`, EXIT.usage);
  }
  throw new ExitError(`${message} ${hint}`, EXIT.usage);
}

/** Declare a command's flags once; get back its usage text and a parser that yields typed values. */
export function defineCommand<F extends FlagSet>(declaration: CommandDeclaration<F>): Command<F> {
  const usage = renderUsage(declaration as CommandDeclaration<FlagSet>);
  const options = Object.fromEntries(
    Object.entries({ ...declaration.flags, help: HELP_FLAG }).map(([name, f]) => [
      name,
      { type: f.kind, multiple: f.repeatable, ...(f.short ? { short: f.short } : {}) },
    ]),
  );
  return {
    usage,
    parse(argv) {
      let parsed: ReturnType<typeof parseArgs>;
      try {
        parsed = parseArgs({ args: [...argv], options, allowPositionals: true, strict: true });
      } catch (error) {
        usageErrorFrom(error, declaration.name);
      }
      const raw = parsed.values as Record<string, string | boolean | (string | boolean)[]>;
      const help = raw.help === true;
      const values: Record<string, unknown> = {};
      for (const [name, f] of Object.entries(declaration.flags)) {
        const given = raw[name];
        if (given === undefined) continue;
        if (f.kind === "boolean") values[name] = true;
        else if (Array.isArray(given))
          values[name] = given.map((text) => f.read(String(text), name));
        else values[name] = f.read(String(given), name);
      }
      const { min, max } = declaration.positionals;
      const positionals = parsed.positionals;
      if (!help && (positionals.length < min || positionals.length > max)) {
        const expected =
          max === 0
            ? "no arguments"
            : min === max
              ? `${min === 1 ? "one" : min} ${declaration.args}`
              : `${declaration.args}`;
        const got = positionals.length === 0 ? "none" : positionals.map((p) => `"${p}"`).join(" ");
        throw new ExitError(`expected ${expected}, got ${got}\n\n${usage}`, EXIT.usage);
      }
      return { help, values: values as ParsedCommandLine<F>["values"], positionals };
    },
  };
}
