/** The two messages of a prompt; its own file so proposers need not import the prompt builder (and through it the ledger). */
export interface PromptMessages {
  system: string;
  user: string;
}
