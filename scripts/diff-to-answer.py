#!/usr/bin/python3
"""Write the change from one version of a file to another as an answer in the LLM answer format
(DESIGN.md: HYPOTHESIS / RATIONALE / FILE / SEARCH-REPLACE blocks), so a human-written change goes
through exactly what an LLM's answer goes through (`evolve --proposer answers`).

    scripts/diff-to-answer.py BEFORE AFTER --path codec/evolved_codec.py \
        --hypothesis "one line" --rationale-file why.txt > codec/proposals/002-name.txt

Every SEARCH block matches exactly once in the file as it stands after the blocks before it (context
grows until it does); the script replays the blocks and refuses to print anything that does not turn
BEFORE into AFTER exactly.
"""
import argparse
import difflib
import sys


def blocks_for(old, new, context):
    out = []
    for group in difflib.SequenceMatcher(None, old, new, autojunk=False).get_grouped_opcodes(context):
        i1, i2 = group[0][1], group[-1][2]
        j1, j2 = group[0][3], group[-1][4]
        out.append(("".join(old[i1:i2]), "".join(new[j1:j2])))
    return out


def replay(text, blocks):
    for search, replace in blocks:
        if not search.strip() or text.count(search) != 1:
            return None
        text = text.replace(search, replace, 1)
    return text


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("before")
    ap.add_argument("after")
    ap.add_argument("--path", required=True, help="the FILE path inside the repository")
    ap.add_argument("--hypothesis", required=True)
    ap.add_argument("--rationale-file", required=True)
    a = ap.parse_args()
    before, after = open(a.before).read(), open(a.after).read()
    if not before.endswith("\n") or not after.endswith("\n"):
        sys.exit("both files must end with a newline")
    old, new = before.splitlines(True), after.splitlines(True)
    for context in range(3, 40):
        blocks = blocks_for(old, new, context)
        if replay(before, blocks) == after:
            break
    else:
        sys.exit("could not find SEARCH blocks that each match exactly once; edit by hand")
    lines = [f"HYPOTHESIS: {a.hypothesis}", "RATIONALE:", open(a.rationale_file).read().rstrip("\n"), f"FILE: {a.path}"]
    for search, replace in blocks:
        lines += ["<<<<<<< SEARCH", search.rstrip("\n"), "=======", replace.rstrip("\n"), ">>>>>>> REPLACE"]
    sys.stdout.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
