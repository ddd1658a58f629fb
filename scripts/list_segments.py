"""Print every shipped chain/segment label with its names, stage and the activities it
takes (the labelling guide's list).  Same as `haihe chains segments`.

    python scripts/list_segments.py            # one line per segment
    python scripts/list_segments.py --markdown # the tables of docs/labelling-guide.md
"""

from __future__ import annotations

import sys

from haihe.chains import definitions


def main(argv: list[str]) -> int:
    chains = definitions.shipped()
    if "--markdown" in argv:
        print(definitions.segments_markdown(chains))
        return 0
    for r in definitions.segment_rows(chains):
        print(f"{r['label']:42} {r['stage']} {r['chain']} / {r['segment']}  [{r['activities']}]")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
