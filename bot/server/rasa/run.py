"""The Rasa command line with our guarded patches to Rasa installed first (bot.server.rasa.speedups).

    python -m bot.server.rasa.run run --model models --credentials credentials.yml ...

bot.server.serve starts the Rasa server this way, so the patches are in place before the first request
whichever channels credentials.yml lists (they used to depend on the health channel's start-up
hook). Everything after the module name is passed to `rasa` unchanged.
"""

from __future__ import annotations

import sys
from typing import List, Optional


def main(argv: Optional[List[str]] = None) -> None:
    from bot.server.rasa import speedups

    speedups.install()  # logs a WARNING per patch it has to skip; Rasa then runs its own code
    from rasa.__main__ import main as rasa_main

    sys.argv = ["rasa", *(sys.argv[1:] if argv is None else argv)]
    rasa_main()


if __name__ == "__main__":
    main()
